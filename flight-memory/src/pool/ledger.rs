//! The bookkeeping every pool shares: the free list of its blocks and its counters, without the blocks.

use crate::free_list::{BareFreeList, Link};
use crate::sync::{AtomicUsize, Ordering, const_array, const_fn_unless_loom};
use crate::{FreeError, StatsSnapshot};

/// Which blocks of a pool are free, and the pool's counters. All zero bytes when new.
///
/// Allocations, frees, blocks in use and the high-water mark are the free list's own counts (on most targets kept
/// in its head word, so they cost nothing on the hot path); the ledger counts only what goes wrong.
///
/// A pool holds a `Ledger<[Link; N]>`; handles hold a `&Ledger` (`Ledger<[Link]>`, by unsizing), so they can give
/// their block back without knowing the pool's const parameters.
pub(crate) struct Ledger<L: ?Sized = [Link]> {
    /// The free list, which counts the blocks taken and given back; its capacity is `links.len()`.
    free: BareFreeList,
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
                failures: AtomicUsize::new(0),
                refused_frees: AtomicUsize::new(0),
                links: const_array!(Link::new(); N),
            }
        }
    }
}

impl Ledger {
    /// Takes a free block for an owning handle (a raw free refuses it).
    #[inline]
    pub(crate) fn take_held(&self) -> Option<u32> {
        self.free.pop_held(&self.links)
    }

    /// Takes a free block for a raw pointer.
    #[inline]
    pub(crate) fn take_raw(&self) -> Option<u32> {
        self.free.pop(&self.links)
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

    /// Puts block `index` back on the free list.
    ///
    /// # Safety
    ///
    /// The caller owns block `index`: it took it with [`take_held`](Ledger::take_held) or
    /// [`take_raw`](Ledger::take_raw), or [`claim`](Ledger::claim)ed it, and has not given it back since; and it
    /// no longer accesses the block.
    #[inline]
    pub(crate) unsafe fn give_back(&self, index: u32) {
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

    /// Whether block `index` is handed out, to a raw pointer or a handle.
    #[inline]
    pub(crate) fn is_out(&self, index: u32) -> bool {
        self.free.is_allocated(&self.links, index)
    }

    /// The blocks ever in use at once (the free list's watermark).
    #[inline]
    pub(crate) fn high_water(&self) -> usize {
        self.free.high_water() as usize
    }

    /// Blocks handed out and not yet given back. Exact when no other thread is allocating or freeing.
    #[inline]
    pub(crate) fn in_use(&self) -> usize {
        self.free.counts(&self.links).in_use as usize
    }

    /// Raw frees refused so far.
    #[inline]
    pub(crate) fn refused_frees(&self) -> usize {
        self.refused_frees.load(Ordering::Relaxed)
    }

    /// The statistics of a pool whose blocks are `block_size` bytes.
    pub(crate) fn snapshot(&self, block_size: usize) -> StatsSnapshot {
        let counts = self.free.counts(&self.links);
        StatsSnapshot {
            used: (counts.in_use as usize).saturating_mul(block_size),
            peak: (counts.high_water as usize).saturating_mul(block_size),
            allocations: counts.taken,
            frees: counts.given_back,
            failures: self.failures.load(Ordering::Relaxed),
        }
    }
}
