//! A bin's list on targets without 64-bit compare-and-swap (and in the `flight_memory_tagged32` and
//! `flight_memory_critical_section` test builds): the crate's shared free list, whose head there has no room to
//! spare for the manager's own layout.

use super::Counts;
use crate::free_list::BareFreeList;
use crate::sync::const_fn_unless_loom;

pub(crate) use crate::free_list::{Link, MAX_CAPACITY};

/// The free list of one bin; its capacity is the number of links it is given (the bin's count).
#[derive(Debug)]
pub(crate) struct BinList {
    list: BareFreeList,
}

impl BinList {
    const_fn_unless_loom! {
        /// A list none of whose buffers has been handed out. All zero bytes.
        pub(crate) fn new() -> Self {
            BinList { list: BareFreeList::new() }
        }
    }

    /// Takes a free buffer, or `None` if every buffer is out.
    #[inline]
    pub(crate) fn pop(&self, links: &[Link]) -> Option<u32> {
        self.list.pop(links)
    }

    /// [`pop`](BinList::pop): this list has one form.
    #[inline]
    pub(crate) fn pop_small(&self, links: &[Link]) -> Option<u32> {
        self.list.pop(links)
    }

    /// Whether [`pop_small`](BinList::pop_small) may be used: always, this list has one form.
    #[inline]
    pub(crate) const fn is_small(_capacity: usize) -> bool {
        true
    }

    /// Gives back buffer `index`.
    ///
    /// # Safety
    ///
    /// `index` was returned by [`pop`](BinList::pop) on this list with these `links` and has not been given back
    /// since.
    #[inline]
    pub(crate) unsafe fn push_owned(&self, links: &[Link], index: u32) {
        // SAFETY: the caller's contract is `BareFreeList::push_owned`'s.
        unsafe { self.list.push_owned(links, index) }
    }

    /// [`push_owned`](BinList::push_owned): this list has one form.
    ///
    /// # Safety
    ///
    /// As `push_owned`.
    #[inline]
    pub(crate) unsafe fn push_small(&self, links: &[Link], index: u32) {
        // SAFETY: the caller's contract is `push_owned`'s.
        unsafe { self.list.push_owned(links, index) }
    }

    /// What the list has done. Exact when no other thread uses it.
    #[inline]
    pub(crate) fn counts(&self, links: &[Link]) -> Counts {
        let counts = self.list.counts(links);
        Counts {
            taken: counts.taken,
            given_back: counts.given_back,
            in_use: counts.in_use,
            high_water: counts.high_water,
        }
    }

    /// Whether buffer `index` is out.
    #[inline]
    pub(crate) fn is_allocated(&self, links: &[Link], index: u32) -> bool {
        self.list.is_allocated(links, index)
    }
}
