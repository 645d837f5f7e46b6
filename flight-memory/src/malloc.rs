//! F´'s `MallocAllocator`: initialisation-time blocks from the global heap, for ground tools and simulation.

use core::alloc::Layout;
use core::ptr::NonNull;

use crate::sync::{AtomicUsize, Ordering, const_array, const_fn_unless_loom};
use crate::{
    AllocError, AllocationStrategy, Allocator, FreeError, MemAllocator, MemBlock, MemoryId,
    MemoryStats, StatsSnapshot,
};

/// `Slot::state` values.
const EMPTY: usize = 0;
/// Owned by one thread that is filling it in or emptying it.
const BUSY: usize = 1;
/// A block handed out as a raw pointer by [`Allocator::allocate`], freed by [`Allocator::deallocate`].
const LIVE_RAW: usize = 2;
/// A block handed out as a [`MemBlock`], freed only by [`MemAllocator::deallocate`], which takes the block: a
/// bare pointer copied out of the block must not free it under its holder.
const LIVE_BLOCK: usize = 3;

/// One live heap block: its address and the layout it was allocated with.
#[derive(Debug)]
struct Slot {
    /// `EMPTY`, `BUSY`, `LIVE_RAW` or `LIVE_BLOCK`. The thread that moves it out of `EMPTY` or a `LIVE_*` state
    /// owns the other fields until it stores a `LIVE_*` state or `EMPTY` (`Release`; readers take it with
    /// `Acquire`).
    state: AtomicUsize,
    addr: AtomicUsize,
    size: AtomicUsize,
    align: AtomicUsize,
}

impl Slot {
    const_fn_unless_loom! {
        fn new() -> Self {
            Slot {
                state: AtomicUsize::new(EMPTY),
                addr: AtomicUsize::new(0),
                size: AtomicUsize::new(0),
                align: AtomicUsize::new(0),
            }
        }
    }
}

/// A [`MemAllocator`] (and [`Allocator`]) over the global heap, as F´'s `Fw::MallocAllocator`: for ground
/// tools, simulations and tests, where configuring components from the heap is fine.
///
/// Freeing heap memory needs the layout it was allocated with, and a block from another allocator must never
/// reach the heap. So the allocator keeps a table of the blocks it has out, `N` slots (64 by default): a block
/// is freed only if its address is in the table with the same length, and anything else (a block of a
/// [`MemoryRegion`](crate::MemoryRegion), a double free, a sub-block) is refused with
/// [`FreeError::NotAllocated`]. A request when all `N` slots are in use fails with [`AllocError::Exhausted`].
///
/// Blocks handed out as [`MemBlock`]s go back only through [`MemAllocator::deallocate`], and raw pointers from
/// [`Allocator::allocate`] only through [`Allocator::deallocate`]: a bare pointer copied out of a block cannot
/// free it under its holder. (Only `unsafe` code can forge a second `MemBlock` over a block that is out, which
/// [`MemBlock::from_slice`]'s contract forbids.) Giving back a raw pointer is `unsafe`, as for every
/// [`Allocator`]: the heap reuses addresses, so a stale pointer cannot be told from a new allocation's (see
/// [raw frees](Allocator#raw-frees)); refused frees are counted by [`refused_frees`](MallocAllocator::refused_frees).
/// The table makes the allocator lock-free and `const`-constructible (a `static` works), at O(`N`) per
/// operation, which is fine at initialisation time.
///
/// Zero-size requests get an aligned dangling block that takes no slot, and any empty block is accepted back.
/// Blocks still out when the allocator is dropped are freed then (none can be in use: blocks borrow the
/// allocator).
///
/// `total_memory` is `usize::MAX`: the heap has no size this allocator knows.
///
/// ```
/// use flight_memory::{MallocAllocator, MemAllocator, MemoryId};
///
/// static HEAP: MallocAllocator = MallocAllocator::new();
///
/// let mut block = HEAP.allocate(MemoryId(3), 4096, 64)?;
/// assert_eq!(block.as_ptr().as_ptr() as usize % 64, 0);
/// block.as_mut_slice()[4095] = 1;
/// HEAP.deallocate(MemoryId(3), block)?;
/// assert_eq!(HEAP.stats().used, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MallocAllocator<const N: usize = 64> {
    slots: [Slot; N],
    stats: MemoryStats,
    /// Frees refused (raw or `MemBlock`), also counted in `stats.failures`.
    refused_frees: AtomicUsize,
}

impl MallocAllocator {
    const_fn_unless_loom! {
        /// An allocator that can have 64 blocks out at once.
        pub fn new() -> Self {
            Self::with_slots()
        }
    }
}

impl Default for MallocAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> MallocAllocator<N> {
    const_fn_unless_loom! {
        /// An allocator that can have `N` blocks out at once: `MallocAllocator::<256>::with_slots()`.
        pub fn with_slots() -> Self {
            MallocAllocator {
                slots: const_array!(Slot::new(); N),
                stats: MemoryStats::new(),
                refused_frees: AtomicUsize::new(0),
            }
        }
    }

    /// How many blocks can be out at once.
    pub const fn capacity(&self) -> usize {
        N
    }

    #[cold]
    #[inline(never)]
    fn refuse<E>(&self, error: E) -> E {
        self.stats.record_failure();
        error
    }

    /// Allocates `size` bytes aligned to `align` and records the block as `kind` (`LIVE_RAW` or `LIVE_BLOCK`).
    fn take(&self, size: usize, align: usize, kind: usize) -> Result<NonNull<u8>, AllocError> {
        let layout = Layout::from_size_align(size, align).map_err(|_| {
            self.refuse(if align.is_power_of_two() {
                AllocError::SizeOverflow
            } else {
                AllocError::InvalidAlignment { align }
            })
        })?;
        if size == 0 {
            let dangling = NonNull::new(core::ptr::without_provenance_mut::<u8>(align))
                .ok_or_else(|| self.refuse(AllocError::InvalidAlignment { align }))?;
            self.stats.record_allocation(0);
            return Ok(dangling);
        }
        let slot = self
            .slots
            .iter()
            .find(|slot| {
                slot.state
                    .compare_exchange(EMPTY, BUSY, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            })
            .ok_or_else(|| self.refuse(AllocError::Exhausted { capacity: N }))?;
        // SAFETY: `layout` has a non-zero size.
        let Some(ptr) = NonNull::new(unsafe { alloc::alloc::alloc(layout) }) else {
            slot.state.store(EMPTY, Ordering::Release);
            return Err(self.refuse(AllocError::OutOfMemory {
                requested: size,
                remaining: 0,
            }));
        };
        slot.addr
            .store(ptr.as_ptr().expose_provenance(), Ordering::Relaxed);
        slot.size.store(size, Ordering::Relaxed);
        slot.align.store(align, Ordering::Relaxed);
        slot.state.store(kind, Ordering::Release);
        self.stats.record_allocation(size);
        Ok(ptr)
    }

    /// Frees the block of `size` bytes at `ptr` if it is recorded as `kind`.
    fn give_back(&self, ptr: NonNull<u8>, size: usize, kind: usize) -> Result<(), FreeError> {
        if size == 0 {
            self.stats.record_free(0);
            return Ok(());
        }
        let addr = ptr.as_ptr().addr();
        for slot in &self.slots {
            if slot.state.load(Ordering::Relaxed) != kind
                || slot.addr.load(Ordering::Relaxed) != addr
            {
                continue;
            }
            if slot
                .state
                .compare_exchange(kind, BUSY, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                // Another thread is freeing it (a concurrent double free) or it was just reused.
                continue;
            }
            // The slot is ours now; it may have been reused since the address was read.
            let recorded = (
                slot.addr.load(Ordering::Relaxed),
                slot.size.load(Ordering::Relaxed),
                slot.align.load(Ordering::Relaxed),
            );
            let (recorded_addr, recorded_size, recorded_align) = recorded;
            let layout = Layout::from_size_align(recorded_size, recorded_align);
            match layout {
                Ok(layout) if recorded_addr == addr && recorded_size == size => {
                    // The heap gets back the pointer it gave, rebuilt from the record (as `Drop` does), not the
                    // caller's, which only matched it by address and may carry less provenance (a pointer made
                    // from an integer, or from a reference to part of the block).
                    let block = core::ptr::with_exposed_provenance_mut::<u8>(recorded_addr);
                    // SAFETY: the slot records a block this allocator allocated with `layout` at
                    // `recorded_addr`, whose provenance `take` exposed, and has not freed (it was live, and taking
                    // it to `BUSY` makes us the only one freeing it). It was handed back the way it was handed
                    // out (as a raw pointer, or as the `MemBlock` itself), so its holder gives up using it.
                    unsafe { alloc::alloc::dealloc(block, layout) };
                    slot.state.store(EMPTY, Ordering::Release);
                    self.stats.record_free(size);
                    return Ok(());
                }
                _ => {
                    slot.state.store(kind, Ordering::Release);
                    if recorded_addr == addr {
                        break;
                    }
                }
            }
        }
        self.refused_frees.fetch_add(1, Ordering::Relaxed);
        Err(self.refuse(FreeError::NotAllocated))
    }

    /// Allocates a block for `id`: [`MemAllocator::allocate`], callable without naming the trait (the allocator
    /// also implements [`Allocator`], whose `allocate` takes no id).
    ///
    /// # Errors
    ///
    /// As [`MemAllocator::allocate`] for this allocator.
    #[inline]
    pub fn allocate(
        &self,
        id: MemoryId,
        size: usize,
        align: usize,
    ) -> Result<MemBlock<'_>, AllocError> {
        MemAllocator::allocate(self, id, size, align)
    }

    /// Gives `block` back: [`MemAllocator::deallocate`], callable without naming the trait.
    ///
    /// # Errors
    ///
    /// As [`MemAllocator::deallocate`] for this allocator.
    #[inline]
    pub fn deallocate(&self, id: MemoryId, block: MemBlock<'_>) -> Result<(), FreeError> {
        MemAllocator::deallocate(self, id, block)
    }

    /// How many frees were refused (a pointer or block this allocator does not have out in that form, or the
    /// wrong length). They are counted in [`stats`](MallocAllocator::stats)' `failures` as well.
    pub fn refused_frees(&self) -> usize {
        self.refused_frees.load(Ordering::Relaxed)
    }

    /// Blocks currently out.
    pub fn live_blocks(&self) -> usize {
        self.slots
            .iter()
            .filter(|slot| matches!(slot.state.load(Ordering::Relaxed), LIVE_RAW | LIVE_BLOCK))
            .count()
    }

    /// The allocator's statistics now.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }
}

impl<const N: usize> Drop for MallocAllocator<N> {
    fn drop(&mut self) {
        for slot in &self.slots {
            if !matches!(slot.state.load(Ordering::Acquire), LIVE_RAW | LIVE_BLOCK) {
                continue;
            }
            let addr = slot.addr.load(Ordering::Relaxed);
            let size = slot.size.load(Ordering::Relaxed);
            let align = slot.align.load(Ordering::Relaxed);
            if let Ok(layout) = Layout::from_size_align(size, align) {
                let ptr = core::ptr::with_exposed_provenance_mut::<u8>(addr);
                // SAFETY: the slot records a live block this allocator allocated with `layout` at `addr`, whose
                // provenance was exposed when it was recorded (in `take`). Every block
                // handed out through `MemAllocator` borrowed the allocator, which is being dropped, so none is
                // in use; raw pointers from `Allocator::allocate` must not outlive the allocator.
                unsafe { alloc::alloc::dealloc(ptr, layout) };
            }
        }
    }
}

impl<const N: usize> MemAllocator for MallocAllocator<N> {
    /// Allocates exactly `size` bytes aligned to `align` from the heap; `id` is not used.
    ///
    /// # Errors
    ///
    /// [`AllocError::Exhausted`] when `N` blocks are out, [`AllocError::OutOfMemory`] when the heap fails,
    /// [`AllocError::InvalidAlignment`], [`AllocError::SizeOverflow`] (more than `isize::MAX` bytes).
    fn allocate(
        &self,
        _id: MemoryId,
        size: usize,
        align: usize,
    ) -> Result<MemBlock<'_>, AllocError> {
        let ptr = self.take(size, align, LIVE_BLOCK)?;
        // SAFETY: `take` allocated `size` bytes at `ptr` (or a dangling pointer for zero bytes), freed only when
        // given back; the block borrows `self`, so the allocator cannot drop them meanwhile.
        Ok(unsafe { MemBlock::from_raw_parts(ptr, size, false) })
    }

    /// Frees `block` if this allocator handed it out.
    ///
    /// # Errors
    ///
    /// [`FreeError::NotAllocated`] for a block this allocator does not have out as a block (another
    /// allocator's, already freed, or not the whole block); nothing is freed then.
    fn deallocate(&self, _id: MemoryId, block: MemBlock<'_>) -> Result<(), FreeError> {
        self.give_back(block.as_ptr(), block.len(), LIVE_BLOCK)
    }
}

impl<const N: usize> Allocator for MallocAllocator<N> {
    fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        self.take(size, align, LIVE_RAW)
    }

    /// Frees a raw allocation of `size` bytes: the block is found by address in the table and freed through the
    /// pointer the table recorded.
    ///
    /// # Safety
    ///
    /// As [`Allocator::deallocate`]: the heap reuses addresses, so a pointer freed already whose address the heap
    /// has given to a new raw allocation of the same size would free that one.
    ///
    /// # Errors
    ///
    /// [`FreeError::NotAllocated`] for anything else, including a block handed out as a [`MemBlock`].
    unsafe fn deallocate(&self, ptr: NonNull<u8>, size: usize) -> Result<(), FreeError> {
        self.give_back(ptr, size, LIVE_RAW)
    }

    fn used_memory(&self) -> usize {
        self.stats.snapshot().used
    }

    fn total_memory(&self) -> usize {
        usize::MAX
    }

    fn stats(&self) -> StatsSnapshot {
        MallocAllocator::stats(self)
    }

    fn strategy(&self) -> AllocationStrategy {
        AllocationStrategy::Heap
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Frees through the raw interface a pointer that the test either has out, or that no raw allocation of
    /// `heap` can have (so the allocator refuses it without touching anything in use).
    fn free(heap: &MallocAllocator<2>, ptr: NonNull<u8>, size: usize) -> Result<(), FreeError> {
        // SAFETY: every caller below passes a live raw allocation of `heap` given back once, or a pointer that
        // is not the start of any raw allocation of `heap` now (a local, a freed block whose address no new raw
        // block has taken, a `MemBlock`'s), which the table refuses.
        unsafe { Allocator::deallocate(heap, ptr, size) }
    }

    #[test]
    fn refuses_foreign_double_and_partial_frees() {
        let heap = MallocAllocator::<2>::with_slots();
        let a = Allocator::allocate(&heap, 32, 8).unwrap();
        let b = Allocator::allocate(&heap, 32, 8).unwrap();
        assert_eq!(
            Allocator::allocate(&heap, 1, 1),
            Err(AllocError::Exhausted { capacity: 2 })
        );
        let mut local = 0u64;
        assert_eq!(
            free(&heap, NonNull::from(&mut local).cast(), 8),
            Err(FreeError::NotAllocated)
        );
        assert_eq!(free(&heap, a, 16), Err(FreeError::NotAllocated));
        free(&heap, a, 32).unwrap();
        assert_eq!(free(&heap, a, 32), Err(FreeError::NotAllocated));
        assert_eq!(heap.live_blocks(), 1);
        free(&heap, b, 32).unwrap();
        let block = MemAllocator::allocate(&heap, MemoryId(1), 8, 8).unwrap();
        assert_eq!(free(&heap, block.as_ptr(), 8), Err(FreeError::NotAllocated));
        assert_eq!(heap.refused_frees(), 4);
        let _leaked = MemAllocator::allocate(&heap, MemoryId(2), 8, 8).unwrap();
        MemAllocator::deallocate(&heap, MemoryId(1), block).unwrap();
        // `_leaked` is freed when `heap` drops.
    }

    /// Issue 12, item 7: the heap must get back its own pointer, not the caller's, which matched the record only
    /// by address. Here the caller's has no provenance at all; freeing through it is undefined behaviour (Miri
    /// reports it), freeing through the recorded one is not.
    #[test]
    fn frees_through_the_recorded_pointer_not_the_callers() {
        let heap = MallocAllocator::<2>::with_slots();
        let ptr = Allocator::allocate(&heap, 64, 16).unwrap();
        // SAFETY: the block is live and 64 bytes long.
        unsafe { ptr.as_ptr().write_bytes(0xA5, 64) };
        let bare =
            NonNull::new(core::ptr::without_provenance_mut::<u8>(ptr.as_ptr().addr())).unwrap();
        assert_eq!(free(&heap, bare, 64), Ok(()));
        assert_eq!(
            (heap.live_blocks(), heap.stats().used, heap.refused_frees()),
            (0, 0, 0)
        );
    }
}
