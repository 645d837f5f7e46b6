//! The trait every allocator of the crate implements.

use core::ptr::NonNull;

use crate::{AllocError, AllocationStrategy, FreeError, StatsSnapshot};

/// An allocator that hands out raw memory through a shared reference, so a `static` can serve every component.
///
/// The trait is object safe: components can hold a `&'static dyn Allocator` and not care which strategy is
/// behind it. Methods never panic and never return a null pointer: exhaustion is an [`AllocError`], and memory
/// given back wrongly is a [`FreeError`] that leaves the allocator unchanged.
///
/// ```
/// use flight_memory::{Allocator, AllocationStrategy, MemoryPool};
///
/// static POOL: MemoryPool<64, 4> = MemoryPool::new();
///
/// let allocator: &'static dyn Allocator = &POOL;
/// let block = allocator.allocate(48, 8).expect("the pool has free blocks");
/// assert_eq!(allocator.used_memory(), 64);
/// // SAFETY: `block` came from this allocator and is given back once; it is not used afterwards.
/// assert_eq!(unsafe { allocator.deallocate(block, 48) }, Ok(()));
/// // A double free the pool can see (the block is still free) is refused, and counted. It is still a
/// // contract violation: had another raw allocation taken the block meanwhile, this would free that one.
/// // SAFETY: none, on purpose; the block is free and no one else holds it, so the pool refuses it.
/// let again = unsafe { allocator.deallocate(block, 48) };
/// assert_eq!(again, Err(flight_memory::FreeError::NotAllocated));
/// assert_eq!(POOL.refused_frees(), 1);
/// assert_eq!(allocator.strategy(), AllocationStrategy::Pool);
/// assert_eq!(allocator.stats().allocations, 1);
/// ```
///
/// # Raw frees
///
/// A raw pointer is a bare address, and a block freed and handed out again has the same address as before. No
/// allocator can tell, from the address alone and in O(1) without a header per block, a second free of the old
/// allocation from the first free of the new one. So [`deallocate`](Allocator::deallocate) is `unsafe`, with
/// the contract of `core`'s allocators, and every allocator still refuses and counts what it can see (a foreign
/// or interior pointer, a block that is free or held by a handle). Code that passes memory around and wants
/// every misuse caught uses the safe forms instead:
///
/// * owning handles ([`PoolBlock`](crate::PoolBlock), [`PoolBox`](crate::PoolBox), [`Buffer`](crate::Buffer),
///   [`MemBlock`](crate::MemBlock)), which give their memory back exactly once;
/// * F´'s raw form, [`RawBuffer`](crate::RawBuffer), which carries a generation, so a stale copy is refused.
///
/// A cFE port (`CFE_ES_PutPoolBuf` takes a pointer) writes the `unsafe` block where C had none and gets the
/// same checks cFE makes.
pub trait Allocator {
    /// Allocates `size` bytes aligned to `align` (a power of two).
    ///
    /// The memory is not initialised. A zero-size request is served with a valid, aligned pointer.
    ///
    /// # Errors
    ///
    /// [`AllocError`] when the allocator is exhausted, the request is larger than it can serve, or `align` is
    /// not a power of two or larger than the allocator supports.
    fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError>;

    /// Gives back an allocation of `size` bytes made by [`allocate`](Allocator::allocate).
    ///
    /// The pointer is validated as far as the allocator can in O(1): a pointer outside its memory, inside a
    /// block, a block that is free or owned by a handle, or (for a stack) a free out of order is refused and
    /// counted, never corrupting the allocator. What no allocator can see from a bare address is a *stale*
    /// pointer: one freed already whose block has since been handed out again as raw memory. Freeing it a second
    /// time would free the new owner's memory. So, as [`core::alloc::Allocator::deallocate`] and
    /// [`core::alloc::GlobalAlloc::dealloc`], this method is `unsafe` (see [Raw frees](Allocator#raw-frees)).
    ///
    /// # Safety
    ///
    /// `ptr` was returned by [`allocate`](Allocator::allocate) of this allocator (or the allocator's own raw
    /// form, such as `PoolBlock::into_raw`), and has not been given back since, by this call or any other. The
    /// caller does not use the memory after a successful call.
    ///
    /// # Errors
    ///
    /// [`FreeError`] says why the memory was refused; the allocator is unchanged. Allocators that only free in
    /// bulk return [`FreeError::Unsupported`].
    unsafe fn deallocate(&self, ptr: NonNull<u8>, size: usize) -> Result<(), FreeError>;

    /// Bytes currently handed out (pools and buffer managers count whole blocks).
    fn used_memory(&self) -> usize;

    /// Bytes the allocator manages in all.
    fn total_memory(&self) -> usize;

    /// Bytes not handed out; fragmentation or alignment may keep a request of this size from being served.
    fn available_memory(&self) -> usize {
        self.total_memory().saturating_sub(self.used_memory())
    }

    /// The allocator's statistics now.
    fn stats(&self) -> StatsSnapshot;

    /// How the allocator hands out and takes back memory.
    fn strategy(&self) -> AllocationStrategy;
}
