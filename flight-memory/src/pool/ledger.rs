//! The bookkeeping every pool shares: the free list of its blocks and its counters, without the blocks.

use crate::free_list::{BareFreeList, Link};
use crate::sync::{AtomicUsize, Ordering, const_array, const_fn_unless_loom};
use crate::{FreeError, StatsSnapshot};

/// Which blocks of a pool are free, and the pool's counters. All zero bytes when new.
///
/// A pool holds a `Ledger<[Link; N]>`; handles hold a `&Ledger` (`Ledger<[Link]>`, by unsizing), so they can give
/// their block back without knowing the pool's const parameters.
pub(crate) struct Ledger<L: ?Sized = [Link]> {
    /// The free list; its capacity is `links.len()`.
    free: BareFreeList,
    /// Successful allocations (handles and raw pointers), wrapping. Counted after the block is taken.
    allocations: AtomicUsize,
    /// Successful frees, wrapping. Counted before the block is given back, so `allocations - frees` never
    /// exceeds the blocks actually out.
    frees: AtomicUsize,
    /// Allocation requests that could not be served.
    failures: AtomicUsize,
    /// Raw frees that were refused (foreign, interior or not-allocated pointers).
    refused_frees: AtomicUsize,
    /// One link per block.
    links: L,
}

impl<const N: usize> Ledger<[Link; N]> {
    const_fn_unless_loom! {
        /// A ledger of `N` blocks, none handed out. `N` must not exceed the free list's `MAX_CAPACITY`; the pools
        /// check that at compile time.
        pub(crate) fn new() -> Self {
            Ledger {
                free: BareFreeList::new(),
                allocations: AtomicUsize::new(0),
                frees: AtomicUsize::new(0),
                failures: AtomicUsize::new(0),
                refused_frees: AtomicUsize::new(0),
                links: const_array!(Link::new(); N),
            }
        }
    }
}

impl Ledger {
    /// How many blocks there are.
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.links.len()
    }

    /// Takes a free block for an owning handle (a raw free refuses it) and counts the allocation.
    #[inline]
    pub(crate) fn take_held(&self) -> Option<u32> {
        let index = self.free.pop_held(&self.links)?;
        self.allocations.fetch_add(1, Ordering::Relaxed);
        Some(index)
    }

    /// Takes a free block for a raw pointer and counts the allocation.
    #[inline]
    pub(crate) fn take_raw(&self) -> Option<u32> {
        let index = self.free.pop(&self.links)?;
        self.allocations.fetch_add(1, Ordering::Relaxed);
        Some(index)
    }

    /// Counts a request that could not be served.
    #[cold]
    #[inline(never)]
    pub(crate) fn record_failure(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a raw free that was refused.
    #[cold]
    #[inline(never)]
    pub(crate) fn record_refused_free(&self) {
        self.refused_frees.fetch_add(1, Ordering::Relaxed);
    }

    /// Takes block `index` back from a raw pointer, refusing it unless it is allocated to one; see
    /// `BareFreeList::claim`. On success the caller owns the block and must [`give_back`](Ledger::give_back) it.
    ///
    /// # Errors
    ///
    /// [`FreeError::NotAllocated`] (or `BadIndex`, which the pools rule out before calling).
    #[inline]
    pub(crate) fn claim(&self, index: u32) -> Result<(), FreeError> {
        self.free.claim(&self.links, index)
    }

    /// Counts a free and puts block `index` back on the free list.
    ///
    /// # Safety
    ///
    /// The caller owns block `index`: it took it with [`take_held`](Ledger::take_held) or
    /// [`take_raw`](Ledger::take_raw), or [`claim`](Ledger::claim)ed it, and has not given it back since; and it
    /// no longer accesses the block.
    #[inline]
    pub(crate) unsafe fn give_back(&self, index: u32) {
        self.frees.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller owns the block (this function's contract), so it is not on the list.
        unsafe { self.free.push_owned(&self.links, index) }
    }

    /// Turns a block held by a handle into one allocated to a raw pointer, which a raw free accepts.
    ///
    /// # Safety
    ///
    /// The caller owns block `index` (taken with [`take_held`](Ledger::take_held), not given back since).
    #[inline]
    pub(crate) unsafe fn disown(&self, index: u32) {
        // SAFETY: the caller owns the block (this function's contract).
        unsafe { self.free.disown(&self.links, index) }
    }

    /// The blocks ever in use at once (the free list's watermark).
    #[inline]
    pub(crate) fn high_water(&self) -> usize {
        self.free.high_water() as usize
    }

    /// Blocks handed out and not yet given back, derived from the counters.
    ///
    /// Exact when no other thread is allocating or freeing; otherwise the two counters are read one after the
    /// other and the result is clamped to `0..=capacity`.
    #[inline]
    pub(crate) fn in_use(&self) -> usize {
        self.counts().0
    }

    /// `(in_use, allocations, frees)` from one reading of the counters.
    #[inline]
    fn counts(&self) -> (usize, usize, usize) {
        // Frees first: a free is counted only after its allocation, so reading them in this order keeps the
        // difference from going below zero on the common memory models; the clamp covers the rest.
        let frees = self.frees.load(Ordering::Relaxed);
        let allocations = self.allocations.load(Ordering::Relaxed);
        let out = allocations.wrapping_sub(frees);
        let in_use = if out <= self.capacity() {
            out
        } else if out > usize::MAX / 2 {
            0
        } else {
            self.capacity()
        };
        (in_use, allocations, frees)
    }

    /// Raw frees refused so far.
    #[inline]
    pub(crate) fn refused_frees(&self) -> usize {
        self.refused_frees.load(Ordering::Relaxed)
    }

    /// The statistics of a pool whose blocks are `block_size` bytes.
    pub(crate) fn snapshot(&self, block_size: usize) -> StatsSnapshot {
        let (in_use, allocations, frees) = self.counts();
        // Read last: the watermark only grows and is at least the blocks in use at any earlier instant.
        let high_water = self.high_water().max(in_use);
        StatsSnapshot {
            used: in_use.saturating_mul(block_size),
            peak: high_water.saturating_mul(block_size),
            allocations,
            frees,
            failures: self.failures.load(Ordering::Relaxed),
        }
    }
}
