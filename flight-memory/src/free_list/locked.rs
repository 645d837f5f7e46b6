//! The head for targets without compare-and-swap (or `--cfg flight_memory_critical_section`, for tests): plain
//! words guarded by a critical section, which on a single core masks interrupts for a few instructions.

use core::cell::Cell;
use critical_section::Mutex;

use super::{FIRST_INDEX_CODE, Link, Tally, decode, encode};
use crate::sync::Ordering;

pub(super) const MAX_CAPACITY: u32 = u32::MAX - FIRST_INDEX_CODE;

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

#[derive(Clone, Copy, Debug)]
struct State {
    /// The link code of the first free block, or the end of the list.
    head: u32,
    /// Blocks at or above this index have never been handed out.
    watermark: u32,
    /// Blocks taken from the list (not from the watermark), wrapping.
    pops: usize,
    /// Blocks given back, wrapping.
    pushes: usize,
}

#[derive(Debug)]
pub(super) struct Head {
    state: Mutex<Cell<State>>,
}

impl Head {
    pub(super) const fn new() -> Self {
        Head {
            state: Mutex::new(Cell::new(State {
                head: 0,
                watermark: 0,
                pops: 0,
                pushes: 0,
            })),
        }
    }

    #[inline]
    pub(super) fn watermark(&self) -> u32 {
        critical_section::with(|cs| self.state.borrow(cs).get().watermark)
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
        critical_section::with(|cs| {
            let cell = self.state.borrow(cs);
            let mut state = cell.get();
            let index = match decode(state.head) {
                Some(index) => {
                    state.head = links.get(index as usize)?.0.load(Ordering::Relaxed);
                    state.pops = state.pops.wrapping_add(1);
                    index
                }
                None if state.watermark < capacity => {
                    state.watermark += 1;
                    state.watermark - 1
                }
                None => return None,
            };
            cell.set(state);
            Some(index)
        })
    }

    #[inline]
    pub(super) fn push(&self, links: &[Link], capacity: u32, index: u32) {
        if let Some(link) = links.get(index as usize) {
            self.push_ticket(link, ticket(encode(index), capacity));
        }
    }

    #[inline]
    pub(super) fn push_ticket(&self, link: &Link, ticket: Ticket) {
        critical_section::with(|cs| {
            let cell = self.state.borrow(cs);
            let mut state = cell.get();
            link.0.store(state.head, Ordering::Relaxed);
            state.head = ticket;
            state.pushes = state.pushes.wrapping_add(1);
            cell.set(state);
        });
    }

    #[inline]
    pub(super) fn tally(&self, _capacity: u32) -> Tally {
        let state = critical_section::with(|cs| self.state.borrow(cs).get());
        Tally {
            pops: state.pops,
            pushes: state.pushes,
            watermark: state.watermark,
        }
    }
}
