//! F´'s initialisation-time allocation pattern: a component's `configure` takes a `&dyn MemAllocator` and a
//! memory id, asks it once for the memory it needs, and gives that memory back at teardown.

use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::{AllocError, FreeError};

/// The identifier a component passes to a [`MemAllocator`] with each request, as F´'s `memId`: it tells the
/// allocator (and its telemetry) who is asking, and selects an allocator in a
/// [`MemAllocatorRegistry`](crate::MemAllocatorRegistry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MemoryId(pub u32);

impl core::fmt::Display for MemoryId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "memory id {}", self.0)
    }
}

/// A block of memory handed out by a [`MemAllocator`], valid for `'a` and owned by whoever holds this value.
///
/// The block may be smaller than asked for ([`len`](MemBlock::len) tells); the caller must check. It is given
/// back by passing it to [`MemAllocator::deallocate`]; dropping it instead leaks the memory until the allocator
/// itself is reset, which is never unsound.
#[must_use = "a block that is dropped stays reserved; give it back with MemAllocator::deallocate"]
#[derive(Debug)]
pub struct MemBlock<'a> {
    ptr: NonNull<u8>,
    len: usize,
    recoverable: bool,
    _memory: PhantomData<&'a mut [u8]>,
}

// SAFETY: a `MemBlock` is an exclusive handle to its bytes, like `&'a mut [u8]`, which is `Send` and `Sync`.
unsafe impl Send for MemBlock<'_> {}
// SAFETY: as above; shared access to a `MemBlock` only reads its address, length and flag.
unsafe impl Sync for MemBlock<'_> {}

impl<'a> MemBlock<'a> {
    /// Wraps `len` bytes at `ptr` as a block.
    ///
    /// # Safety
    ///
    /// `ptr` is valid for reads and writes of `len` bytes for `'a`, and nothing else accesses those bytes while
    /// the block exists.
    pub const unsafe fn from_raw_parts(ptr: NonNull<u8>, len: usize, recoverable: bool) -> Self {
        MemBlock {
            ptr,
            len,
            recoverable,
            _memory: PhantomData,
        }
    }

    /// A block over a mutable slice, which it borrows for `'a`: how a [`MemAllocator`] implementation (or a test
    /// double) hands out bytes it owns.
    ///
    /// # Safety
    ///
    /// A block is a claim to memory an allocator handed out, and [`MemAllocator::deallocate`] trusts it. So
    /// `bytes` must not be a view into a block that is still out (made with [`as_mut_slice`](Self::as_mut_slice)
    /// of another `MemBlock`, say): giving such a copy back would free memory its real owner still uses. The
    /// allocator creating the block for bytes it owns satisfies this.
    ///
    /// ```
    /// use flight_memory::MemBlock;
    ///
    /// let mut bytes = [0u8; 16];
    /// // SAFETY: `bytes` is not part of any other block.
    /// let block = unsafe { MemBlock::from_slice(&mut bytes, false) };
    /// assert_eq!(block.len(), 16);
    /// ```
    pub unsafe fn from_slice(bytes: &'a mut [u8], recoverable: bool) -> Self {
        let len = bytes.len();
        // SAFETY: the slice is valid and exclusively borrowed for `'a`; the caller vouches that it is no other
        // live block's memory.
        unsafe { Self::from_raw_parts(NonNull::from(bytes).cast(), len, recoverable) }
    }

    /// The first byte of the block.
    pub const fn as_ptr(&self) -> NonNull<u8> {
        self.ptr
    }

    /// The size of the block, which may be less than was requested.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the block is empty.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// F´'s `recoverable` flag: the allocator says the block's contents survived a reset (for example, memory
    /// that start-up code does not clear), so a component may recover state from it.
    pub const fn is_recoverable(&self) -> bool {
        self.recoverable
    }

    /// The bytes of the block.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: by the constructor's contract the block is valid and exclusively ours for `'a`, and the
        // returned slice borrows `self`, so it cannot outlive the block or alias another view of it.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

/// An allocator that components call during initialisation, as F´'s `Fw::MemAllocator`.
///
/// Components take `&dyn MemAllocator` in their `configure` step, so the platform decides where their memory
/// comes from: a region of static RAM on the board ([`MemoryRegion`](crate::MemoryRegion)), the heap in a
/// ground simulation ([`MallocAllocator`], feature `alloc`), or a test double.
///
/// Like F´'s, an allocator may hand out less than was asked for; the caller checks [`MemBlock::len`].
///
#[cfg_attr(feature = "alloc", doc = "[`MallocAllocator`]: crate::MallocAllocator")]
#[cfg_attr(
    not(feature = "alloc"),
    doc = "[`MallocAllocator`]: https://docs.rs/flight-memory/latest/flight_memory/struct.MallocAllocator.html"
)]
pub trait MemAllocator {
    /// Asks for `size` bytes aligned to `align` on behalf of `id`.
    ///
    /// # Errors
    ///
    /// [`AllocError`] when nothing can be handed out at all. A smaller block than asked for is not an error.
    fn allocate(&self, id: MemoryId, size: usize, align: usize)
    -> Result<MemBlock<'_>, AllocError>;

    /// Gives back a block this allocator handed out to `id`.
    ///
    /// # Errors
    ///
    /// [`FreeError`] when the block is not one of this allocator's, or the allocator cannot free single blocks
    /// (the block then stays reserved until the allocator is reset).
    fn deallocate(&self, id: MemoryId, block: MemBlock<'_>) -> Result<(), FreeError>;
}
