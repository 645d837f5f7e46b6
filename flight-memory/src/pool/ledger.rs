//! The bookkeeping every pool shares: the free list of its blocks and its counters, without the blocks.

use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::free_list::{BareFreeList, Link, Ticket};
use crate::sync::{AtomicUsize, Ordering, const_array, const_fn_unless_loom};
use crate::{FreeError, StatsSnapshot};

/// Which blocks of a pool are free, and the pool's counters. All zero bytes when new.
///
/// Allocations, frees, blocks in use and the high-water mark are the free list's own counts (on most targets kept
/// in its head word, so they cost nothing on the hot path); the ledger counts only what goes wrong.
///
/// A pool holds a `Ledger<[Link; N]>` and works on it as a `&Ledger` (`Ledger<[Link]>`, by unsizing). Handles hold
/// a [`LedgerRef`], one word: the links follow the counters at the same offset whatever `N` (`repr(C)`), and a
/// handle's [`Ticket`] says which link is its block's and how to give it back.
#[repr(C)]
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
    /// The one-word reference a handle keeps to this ledger.
    #[inline]
    pub(crate) fn thin(&self) -> LedgerRef<'_> {
        const {
            assert!(core::mem::offset_of!(Ledger<[Link; N]>, links) == LINKS_OFFSET);
        }
        LedgerRef {
            // Derived from a reference to the whole ledger, so the pointer may reach the links too.
            ledger: NonNull::from(self).cast::<Ledger<[Link; 0]>>(),
            _ledger: PhantomData,
        }
    }

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
    /// Takes a free block for an owning handle (a raw free refuses it), which gives it back through a
    /// [`LedgerRef`]: its ticket, and its index.
    #[inline]
    pub(crate) fn take_held(&self) -> Option<(Ticket, u32)> {
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

/// Where the links start in every `Ledger<[Link; N]>`: `repr(C)` lays the counters out the same way whatever `N`,
/// and an array's alignment does not depend on its length.
const LINKS_OFFSET: usize = core::mem::offset_of!(Ledger<[Link; 0]>, links);

/// A pool's ledger as a handle holds it: one pointer, to a `Ledger<[Link; N]>` whose `N` the handle does not know
/// and does not need (its [`Ticket`] names its own link).
#[derive(Clone, Copy, Debug)]
pub(crate) struct LedgerRef<'a> {
    /// From [`Ledger::thin`]: points at a live `Ledger<[Link; N]>` for `'a`, with the provenance of all of it.
    ledger: NonNull<Ledger<[Link; 0]>>,
    _ledger: PhantomData<&'a Ledger>,
}

// SAFETY: a `LedgerRef` is a `&'a Ledger<[Link; N]>` in one word; `Ledger` is `Sync` (atomics only), so sharing or
// sending the reference is sound.
unsafe impl Send for LedgerRef<'_> {}
// SAFETY: as above.
unsafe impl Sync for LedgerRef<'_> {}

impl<'a> LedgerRef<'a> {
    /// The ledger's counters and free list (its links are reached through [`link`](LedgerRef::link)).
    #[inline]
    fn head(self) -> &'a Ledger<[Link; 0]> {
        // SAFETY: `ledger` points at a live `Ledger<[Link; N]>` for `'a` (see the field), whose first fields are a
        // `Ledger<[Link; 0]>` (`repr(C)`).
        unsafe { self.ledger.as_ref() }
    }

    /// The link of the ticket's block.
    ///
    /// # Safety
    ///
    /// `ticket` was taken from this ledger, so its index is below the ledger's `N`.
    #[inline]
    unsafe fn link(self, ticket: Ticket) -> &'a Link {
        // SAFETY: the links start `LINKS_OFFSET` bytes into every `Ledger<[Link; N]>` and the index is below `N`
        // (this function's contract), so the pointer is to a link inside the ledger, which the pointer may reach
        // (see the field) and which lives for `'a`.
        unsafe {
            self.ledger
                .cast::<u8>()
                .add(LINKS_OFFSET)
                .cast::<Link>()
                .add(ticket.slot())
                .as_ref()
        }
    }

    /// Puts the ticket's block back on the free list.
    ///
    /// # Safety
    ///
    /// The caller owns the block of `ticket`, taken from this ledger with [`Ledger::take_held`] and not given back
    /// since, and no longer accesses the block.
    #[inline]
    pub(crate) unsafe fn give_back(self, ticket: Ticket) {
        // SAFETY: the ticket is from this ledger (this function's contract), so its index is below `N`.
        let link = unsafe { self.link(ticket) };
        // SAFETY: the ticket was popped from this list, `link` is its block's, and the caller owns the block.
        unsafe { self.head().free.push_ticket(link, ticket) }
    }

    /// Turns a block held by a handle into one allocated to a raw pointer, which a raw free accepts.
    ///
    /// # Safety
    ///
    /// The caller owns the block of `ticket` (taken with [`Ledger::take_held`] from this ledger, not given back
    /// since).
    #[inline]
    pub(crate) unsafe fn disown(self, ticket: Ticket) {
        // SAFETY: the ticket is from this ledger (this function's contract), so its index is below `N`.
        let link = unsafe { self.link(ticket) };
        // SAFETY: the caller owns the block (this function's contract), so nobody else writes its link.
        unsafe { BareFreeList::disown_link(link) }
    }
}
