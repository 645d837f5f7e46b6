//! The lock-free head for targets with 32-bit compare-and-swap only: a 16-bit ABA tag above a 16-bit link code.
//! The word has no room for counts, so pops and pushes are counted by an atomic add each.

use super::{FIRST_INDEX_CODE, Link, Tally, decode, encode};
use crate::sync::{AtomicU32, AtomicUsize, Ordering, const_fn_unless_loom};

pub(super) const MAX_CAPACITY: u32 = u16::MAX as u32 - FIRST_INDEX_CODE;

#[derive(Debug)]
pub(super) struct Head {
    /// `tag << 16 | code`, where `code` is the link code of the first free block (or the end of the list).
    word: AtomicU32,
    /// Blocks at or above this index have never been handed out.
    watermark: AtomicU32,
    /// Blocks taken from the list (not from the watermark), wrapping; counted after the swap.
    pops: AtomicUsize,
    /// Blocks given back, wrapping; counted before the swap, so the blocks in use derived from the counts never
    /// exceed those actually out.
    pushes: AtomicUsize,
}

/// What the owner of a taken block keeps to give it back: the block's link code.
pub(super) type Ticket = u32;

/// The ticket of the block whose link code is `code`.
#[inline]
pub(super) fn ticket(code: u32, _capacity: u32) -> Ticket {
    code
}

/// The link code of a ticket's block, for addressing its link.
#[inline]
pub(super) fn ticket_link_code(ticket: Ticket) -> usize {
    ticket as usize
}

#[inline]
fn retag(word: u32, code: u32) -> u32 {
    let tag = (word >> 16) as u16;
    (u32::from(tag.wrapping_add(1)) << 16) | (code & 0xFFFF)
}

#[inline]
fn code_of(word: u32) -> u32 {
    word & 0xFFFF
}

impl Head {
    const_fn_unless_loom! {
        pub(super) fn new() -> Self {
            Head {
                word: AtomicU32::new(0),
                watermark: AtomicU32::new(0),
                pops: AtomicUsize::new(0),
                pushes: AtomicUsize::new(0),
            }
        }
    }

    #[inline]
    pub(super) fn watermark(&self) -> u32 {
        self.watermark.load(Ordering::Acquire)
    }

    /// Takes a block, marks its link with `mark` and returns its link code.
    #[inline]
    pub(super) fn pop(&self, links: &[Link], capacity: u32, mark: u32) -> Option<(u32, u32)> {
        let index = self.pop_index(links, capacity)?;
        // The block is ours now: nobody else writes its link until we push it back. Indices are below the
        // capacity, which is at most the number of links.
        if let Some(link) = links.get(index as usize) {
            link.0.store(mark, Ordering::Relaxed);
        }
        Some((encode(index), index))
    }

    #[inline]
    fn pop_index(&self, links: &[Link], capacity: u32) -> Option<u32> {
        self.pop_freed(links)
            .or_else(|| self.take_fresh(capacity))
            // The watermark is full now; a block freed since the first look is still ours to take. If the list is
            // empty at this second look, every block was in use at that instant.
            .or_else(|| self.pop_freed(links))
    }

    #[inline]
    fn pop_freed(&self, links: &[Link]) -> Option<u32> {
        let mut word = self.word.load(Ordering::Acquire);
        loop {
            let index = decode(code_of(word))?;
            // The link may be rewritten under us if another thread pops this block first; the tag then differs
            // and the exchange below fails, so a stale `next` is never installed.
            let next = links.get(index as usize)?.0.load(Ordering::Relaxed);
            match self.word.compare_exchange_weak(
                word,
                retag(word, next),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    self.pops.fetch_add(1, Ordering::Relaxed);
                    return Some(index);
                }
                Err(current) => word = current,
            }
        }
    }

    #[inline]
    fn take_fresh(&self, capacity: u32) -> Option<u32> {
        let mut mark = self.watermark.load(Ordering::Relaxed);
        while mark < capacity {
            match self.watermark.compare_exchange_weak(
                mark,
                mark + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(mark),
                Err(current) => mark = current,
            }
        }
        None
    }

    #[inline]
    pub(super) fn push(&self, links: &[Link], capacity: u32, index: u32) {
        if let Some(link) = links.get(index as usize) {
            self.push_ticket(link, ticket(encode(index), capacity));
        }
    }

    #[inline]
    pub(super) fn push_ticket(&self, link: &Link, ticket: Ticket) {
        self.pushes.fetch_add(1, Ordering::Relaxed);
        let mut word = self.word.load(Ordering::Relaxed);
        loop {
            link.0.store(code_of(word), Ordering::Relaxed);
            // Release: the block's contents and its link are visible to whoever pops it.
            match self.word.compare_exchange_weak(
                word,
                retag(word, ticket),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(current) => word = current,
            }
        }
    }

    #[inline]
    pub(super) fn tally(&self, _capacity: u32) -> Tally {
        // Pushes first: each is counted before its block is back, so reading them before the pops keeps the
        // blocks in use derived from the two from going below zero on the common memory models.
        let pushes = self.pushes.load(Ordering::Relaxed);
        let pops = self.pops.load(Ordering::Relaxed);
        Tally {
            pops,
            pushes,
            watermark: self.watermark.load(Ordering::Acquire),
        }
    }
}
