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
/// assert_eq!(allocator.deallocate(block, 48), Ok(()));
/// assert_eq!(allocator.deallocate(block, 48), Err(flight_memory::FreeError::NotAllocated));
/// assert_eq!(allocator.strategy(), AllocationStrategy::Pool);
/// assert_eq!(allocator.stats().allocations, 1);
/// ```
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
    /// The pointer is validated: a pointer the allocator did not hand out, a double free, or (for a stack) a
    /// free out of order is refused and counted, never corrupting the allocator. The caller must not use the
    /// memory after a successful call.
    ///
    /// # Errors
    ///
    /// [`FreeError`] says why the memory was refused; the allocator is unchanged. Allocators that only free in
    /// bulk return [`FreeError::Unsupported`].
    fn deallocate(&self, ptr: NonNull<u8>, size: usize) -> Result<(), FreeError>;

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
