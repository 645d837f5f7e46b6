//! The owning handle to one block of a [`MemoryPool`](crate::MemoryPool).

use core::marker::PhantomData;
use core::ptr::NonNull;

use super::ledger::LedgerRef;
use crate::free_list::Ticket;

/// One block of a [`MemoryPool`](crate::MemoryPool), owned: it derefs to the block's bytes and gives the block
/// back to its pool when dropped.
///
/// The bytes are whatever the previous owner left (zeroes for a block never used, or freed through a raw pointer).
/// A `PoolBlock` is `Send`, so it can be passed to another thread or component; it borrows the pool, which is
/// usually a `static`.
///
/// ```
/// use flight_memory::MemoryPool;
///
/// static POOL: MemoryPool<16, 2> = MemoryPool::new();
///
/// let mut block = POOL.allocate()?;
/// block[..5].copy_from_slice(b"hello");
/// assert_eq!(&block[..5], b"hello");
/// assert_eq!(block.len(), 16);
/// assert_eq!(POOL.in_use(), 1);
/// drop(block);
/// assert_eq!(POOL.in_use(), 0);
/// # Ok::<(), flight_memory::AllocError>(())
/// ```
pub struct PoolBlock<'a> {
    /// The first byte of the block, valid for `len` bytes and owned by this handle.
    ptr: NonNull<u8>,
    /// The pool's block size.
    len: usize,
    /// The pool's ledger, which marks the block held by a handle.
    ledger: LedgerRef<'a>,
    /// The block's receipt from `ledger`: its index and what giving it back needs.
    ticket: Ticket,
    _bytes: PhantomData<&'a mut [u8]>,
}

// SAFETY: a `PoolBlock` is an exclusive handle to its bytes, like `&mut [u8]`, and its ledger is shared through
// atomics (`Ledger` is `Sync`); giving the block back from another thread is what the free list is built for.
unsafe impl Send for PoolBlock<'_> {}
// SAFETY: shared access to a `PoolBlock` only reads its bytes, like `&&mut [u8]`.
unsafe impl Sync for PoolBlock<'_> {}

impl<'a> PoolBlock<'a> {
    /// Wraps the block of `ticket`.
    ///
    /// # Safety
    ///
    /// `ticket` was taken with `Ledger::take_held` from `ledger`'s ledger and its block is owned by the caller,
    /// and `ptr` is the first byte of that block, valid for reads and writes of `len` bytes for `'a`.
    #[inline]
    pub(crate) unsafe fn new(
        ptr: NonNull<u8>,
        len: usize,
        ledger: LedgerRef<'a>,
        ticket: Ticket,
    ) -> Self {
        PoolBlock {
            ptr,
            len,
            ledger,
            ticket,
            _bytes: PhantomData,
        }
    }

    /// Gives up the handle without giving the block back, returning its first byte.
    ///
    /// The block stays allocated until the pointer is given to the pool's
    /// `unsafe` [`deallocate_raw`](crate::MemoryPool::deallocate_raw) (or
    /// [`Allocator::deallocate`](crate::Allocator::deallocate)), which accepts it from now on; until then it is not lost, only in use. This is the form for queues and
    /// FFI.
    ///
    /// ```
    /// use flight_memory::MemoryPool;
    ///
    /// static POOL: MemoryPool<32, 2> = MemoryPool::new();
    ///
    /// let block = POOL.allocate()?;
    /// let ptr = block.into_raw();
    /// assert_eq!(POOL.in_use(), 1);
    /// // SAFETY: `ptr` is the raw block just made, given back once and not used afterwards.
    /// assert_eq!(unsafe { POOL.deallocate_raw(ptr) }, Ok(()));
    /// assert_eq!(POOL.in_use(), 0);
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    #[inline]
    pub fn into_raw(self) -> NonNull<u8> {
        let block = core::mem::ManuallyDrop::new(self);
        // SAFETY: this handle owns the block of `ticket`, taken from `ledger` (the constructor's contract), and is
        // consumed here without being dropped, so the block is not given back twice.
        unsafe { block.ledger.disown(block.ticket) };
        block.ptr
    }
}

impl core::ops::Deref for PoolBlock<'_> {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        // SAFETY: the handle owns the block, which is valid for `len` initialised bytes (pools start zeroed, raw
        // frees zero the block, and a handle only ever writes bytes) for as long as the pool is borrowed.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl core::ops::DerefMut for PoolBlock<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`; `&mut self` makes this the only access.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl AsRef<[u8]> for PoolBlock<'_> {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl AsMut<[u8]> for PoolBlock<'_> {
    #[inline]
    fn as_mut(&mut self) -> &mut [u8] {
        self
    }
}

impl Drop for PoolBlock<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the handle owns the block of `ticket`, taken from `ledger` (the constructor's contract), and is
        // being dropped, so nothing accesses the block after this.
        unsafe { self.ledger.give_back(self.ticket) }
    }
}

impl core::fmt::Debug for PoolBlock<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PoolBlock")
            .field("ptr", &self.ptr)
            .field("len", &self.len)
            .finish()
    }
}
