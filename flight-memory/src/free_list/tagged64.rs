//! The lock-free head for targets with 64-bit compare-and-swap. Its word counts the list's pops, which is both the
//! ABA tag and the list's telemetry, so taking or giving back a block is one compare-and-swap and nothing else.
//!
//! The word has two layouts, chosen by the list's capacity (fixed for a list):
//!
//! | capacity            | bits 63–32 | bits 31–16            | bits 15–0 |
//! |---------------------|------------|-----------------------|-----------|
//! | ≤ [`SMALL_CAPACITY`] | pops       | free blocks on the list | link code |
//! | larger              | pops       | link code (bits 31–0)  |           |
//!
//! *Pops* counts blocks taken from the list (not from the watermark), wrapping at 2³². Counting pops is enough to
//! stop ABA: a pop is fooled only if the head it read comes back while its block was popped and pushed again,
//! and that pop changed the count. A small list also keeps its length in the word, so blocks in use
//! (`watermark - length`), blocks given back (`pops + length`) and blocks taken (`pops + watermark`) cost nothing
//! to keep. A larger list counts the blocks given back in a separate counter: one more atomic add per free.
//!
//! Pops are extended past 32 bits by [`Head::pop_halves`], which counts the times the field crossed a half of its
//! range. The thread whose pop crosses adds one after its swap; a reader that sees the count lag by one crossing
//! tells from the field's top bit and adds it. So the totals are exact as long as no thread stalls between its
//! swap and that add for 2³¹ pops of the same list, and no reader stalls that long between its two loads — the
//! same kind of bound as the tag's.

use super::{FIRST_INDEX_CODE, Link, Tally, decode, encode};
use crate::sync::{AtomicU32, AtomicU64, AtomicUsize, Ordering, const_fn_unless_loom};

pub(super) const MAX_CAPACITY: u32 = u32::MAX - FIRST_INDEX_CODE;

/// The largest capacity whose link codes and length fit in 16 bits each. Lowered under loom so that models with a
/// handful of blocks exercise both layouts.
#[cfg(not(loom))]
const SMALL_CAPACITY: u32 = u16::MAX as u32 - FIRST_INDEX_CODE;
#[cfg(loom)]
const SMALL_CAPACITY: u32 = 4;

const POPS_SHIFT: u32 = 32;
const LENGTH_SHIFT: u32 = 16;
const SMALL_FIELD: u64 = 0xFFFF;
const LARGE_FIELD: u64 = 0xFFFF_FFFF;
/// One pop, added to the word.
const POP: u64 = 1 << POPS_SHIFT;
/// One block on a small list, added to the word.
const LENGTH_ONE: u64 = 1 << LENGTH_SHIFT;

/// What the owner of a taken block keeps to give it back ([`Head::push_ticket`]): the block's link code in the
/// low 32 bits, and [`LARGE_TICKET`] set for a list of the large layout, so that a give-back needs neither the
/// list's capacity nor a bounds test.
pub(super) type Ticket = u64;
/// The bit of a [`Ticket`] that marks the large layout: the sign bit, which one test reads.
const LARGE_TICKET: u64 = 1 << 63;

/// The ticket of the block whose link code is `code`, of a list of `capacity` blocks (nothing to compute when
/// the capacity is a constant of the small layout).
#[inline]
pub(super) fn ticket(code: u32, capacity: u32) -> Ticket {
    match Layout::of(capacity) {
        Layout::Small => u64::from(code),
        Layout::Large => u64::from(code) | LARGE_TICKET,
    }
}

/// The link code of a ticket's block.
#[inline]
pub(super) fn ticket_code(ticket: Ticket) -> usize {
    (ticket & !LARGE_TICKET) as usize
}

/// The link code of a ticket's block, for addressing its link: the low half, one move (clearing the layout bit
/// takes two).
#[inline]
pub(super) fn ticket_link_code(ticket: Ticket) -> usize {
    ticket as u32 as usize
}

/// Which layout a list of a given capacity uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Small,
    Large,
}

impl Layout {
    #[inline]
    fn of(capacity: u32) -> Self {
        if capacity <= SMALL_CAPACITY {
            Layout::Small
        } else {
            Layout::Large
        }
    }

    /// The link code of the first free block.
    #[inline]
    fn code(self, word: u64) -> u32 {
        match self {
            Layout::Small => (word & SMALL_FIELD) as u32,
            Layout::Large => word as u32,
        }
    }

    /// Free blocks on the list (small layout only; zero for the large one, which does not keep it).
    #[inline]
    fn length(self, word: u64) -> u64 {
        match self {
            Layout::Small => (word >> LENGTH_SHIFT) & SMALL_FIELD,
            Layout::Large => 0,
        }
    }

    /// The word after popping the first block, whose link is `next`: pops + 1 and, for a small list, length
    /// − 1, in one addition (a list with a first block holds at least one, so the length does not borrow from
    /// the pops; the pops wrap at 2³² by carrying out of the word).
    ///
    /// `next` is not masked: the swap that installs this word succeeds only if no pop happened since the head was
    /// read, and then nobody has rewritten the first block's link, which holds a code of this layout.
    #[inline]
    fn popped(self, word: u64, next: u32) -> u64 {
        match self {
            Layout::Small => (word.wrapping_add(POP - LENGTH_ONE) & !SMALL_FIELD) | u64::from(next),
            Layout::Large => (word.wrapping_add(POP) & !LARGE_FIELD) | u64::from(next),
        }
    }

    /// The word after pushing the block whose link code is `code`: the pops kept and, for a small list, length
    /// + 1 (which stays at most the capacity, so it does not carry into the pops).
    #[inline]
    fn pushed(self, word: u64, code: u64) -> u64 {
        match self {
            Layout::Small => (word.wrapping_add(LENGTH_ONE) & !SMALL_FIELD) | code,
            Layout::Large => (word & !LARGE_FIELD) | code,
        }
    }
}

#[inline]
fn pops_of(word: u64) -> u32 {
    (word >> POPS_SHIFT) as u32
}

/// The total number of pops, from the 32-bit field and a count of half-range crossings that may lag the field
/// by one crossing. The BufferManager's 64-bit bin list counts its pops the same way and uses this too.
#[inline]
pub(crate) fn extend_pops(halves_seen: u32, field: u32) -> u64 {
    // The field is in the upper half exactly when an odd number of crossings happened.
    let upper = field >> 31;
    let halves = if halves_seen & 1 == upper {
        halves_seen
    } else {
        halves_seen.wrapping_add(1)
    };
    (u64::from(halves >> 1) << 32) | u64::from(field)
}

#[derive(Debug)]
pub(super) struct Head {
    /// The pops, and the first free block (and, for a small list, the length); see the module's table.
    word: AtomicU64,
    /// Blocks at or above this index have never been handed out.
    watermark: AtomicU32,
    /// How many times the pops field went from 2³¹ − 1 to 2³¹ or from 2³² − 1 to 0; counted after the swap that
    /// did it, so it may lag by one.
    pop_halves: AtomicU32,
    /// Blocks given back, wrapping: kept for large lists only (a small list's word holds its length instead).
    pushes: AtomicUsize,
}

impl Head {
    const_fn_unless_loom! {
        pub(super) fn new() -> Self {
            Head {
                word: AtomicU64::new(0),
                watermark: AtomicU32::new(0),
                pop_halves: AtomicU32::new(0),
                pushes: AtomicUsize::new(0),
            }
        }
    }

    /// A head that has popped and pushed back `pops` blocks, so tests can cross 2³¹ and 2³² in a few operations.
    #[cfg(all(test, not(loom)))]
    pub(super) fn with_pops(pops: u32) -> Self {
        let head = Head::new();
        head.word
            .store(u64::from(pops) << POPS_SHIFT, Ordering::Relaxed);
        head.pushes.store(pops as usize, Ordering::Relaxed);
        head
    }

    #[inline]
    pub(super) fn watermark(&self) -> u32 {
        self.watermark.load(Ordering::Acquire)
    }

    /// Takes a block, marks its link with `mark` and returns its link code: the first free block if the list has
    /// one (a single compare-and-swap, tried once here, inline), else one never handed out.
    #[inline]
    pub(super) fn pop(&self, links: &[Link], capacity: u32, mark: u32) -> Option<(u32, u32)> {
        let layout = Layout::of(capacity);
        let word = self.word.load(Ordering::Acquire);
        let code = layout.code(word);
        // The end of the list and the markers wrap to indices far above any capacity.
        let index = code.wrapping_sub(FIRST_INDEX_CODE);
        if index < capacity {
            if let Some(link) = links.get(index as usize) {
                // The link may be rewritten under us if another thread pops this block first; the pops then differ
                // and the exchange fails, so a stale `next` is never installed.
                let popped = layout.popped(word, link.0.load(Ordering::Relaxed));
                if self
                    .word
                    .compare_exchange_weak(word, popped, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    self.count_crossing(popped);
                    // The block is ours now: nobody else writes its link until we push it back.
                    link.0.store(mark, Ordering::Relaxed);
                    return Some((code, index));
                }
            }
        }
        self.pop_slow(links, capacity, mark)
    }

    /// [`pop`](Head::pop) after its first attempt failed: the list was empty or another thread got there first.
    /// Not inlined, so that the hot path has no loop (and no alignment padding before one), and cold, so that
    /// the hot path falls through to its caller's code: a pool takes fresh blocks only until its high-water mark,
    /// and retries only when another thread got there first.
    #[cold]
    #[inline(never)]
    fn pop_slow(&self, links: &[Link], capacity: u32, mark: u32) -> Option<(u32, u32)> {
        let layout = Layout::of(capacity);
        let index = self
            .pop_freed(links, layout)
            .or_else(|| self.take_fresh(capacity))
            // The watermark is full now; a block freed since the first look is still ours to take. If the list is
            // empty at this second look, every block was in use at that instant.
            .or_else(|| self.pop_freed(links, layout))?;
        // The block is ours now, as above; `pop_freed` and `take_fresh` return indices below the capacity.
        if let Some(link) = links.get(index as usize) {
            link.0.store(mark, Ordering::Relaxed);
        }
        Some((encode(index), index))
    }

    /// Counts a crossing of a half of the pops' range by the swap that installed `popped`.
    #[inline]
    fn count_crossing(&self, popped: u64) {
        if pops_of(popped) & (u32::MAX >> 1) == 0 {
            self.count_pop_half();
        }
    }

    #[inline]
    fn pop_freed(&self, links: &[Link], layout: Layout) -> Option<u32> {
        let mut word = self.word.load(Ordering::Acquire);
        loop {
            let index = decode(layout.code(word))?;
            // The link may be rewritten under us if another thread pops this block first; the pops then differ
            // and the exchange below fails, so a stale `next` is never installed.
            let next = links.get(index as usize)?.0.load(Ordering::Relaxed);
            let popped = layout.popped(word, next);
            match self
                .word
                .compare_exchange_weak(word, popped, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    self.count_crossing(popped);
                    return Some(index);
                }
                Err(current) => word = current,
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn count_pop_half(&self) {
        // Release: a reader that sees this count also sees the swap that crossed.
        self.pop_halves.fetch_add(1, Ordering::Release);
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

    /// Gives back the block whose link is `link` and whose ticket is `ticket`: one compare-and-swap, tried once
    /// here, inline.
    #[inline]
    pub(super) fn push_ticket(&self, link: &Link, ticket: Ticket) {
        let layout = if ticket & LARGE_TICKET == 0 {
            Layout::Small
        } else {
            // Counted before the block is back, so the blocks in use derived from the counts never exceed those
            // actually out.
            self.pushes.fetch_add(1, Ordering::Relaxed);
            Layout::Large
        };
        let word = self.word.load(Ordering::Relaxed);
        link.0.store(layout.code(word), Ordering::Relaxed);
        // Release: the block's contents and its link are visible to whoever pops it.
        if self
            .word
            .compare_exchange_weak(
                word,
                layout.pushed(word, ticket_code(ticket) as u64),
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_err()
        {
            self.push_contended(link, ticket);
        }
    }

    /// [`push_ticket`](Head::push_ticket) after its first swap failed: retries until one succeeds (the push is
    /// already counted).
    #[cold]
    #[inline(never)]
    fn push_contended(&self, link: &Link, ticket: Ticket) {
        let layout = if ticket & LARGE_TICKET == 0 {
            Layout::Small
        } else {
            Layout::Large
        };
        let code = ticket_code(ticket) as u64;
        let mut word = self.word.load(Ordering::Relaxed);
        loop {
            link.0.store(layout.code(word), Ordering::Relaxed);
            match self.word.compare_exchange_weak(
                word,
                layout.pushed(word, code),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(current) => word = current,
            }
        }
    }

    /// What the list has done so far. The parts are read one after another, so while other threads use the list
    /// they may be from slightly different instants.
    #[inline]
    pub(super) fn tally(&self, capacity: u32) -> Tally {
        let layout = Layout::of(capacity);
        // Crossings first: the word read after them is at least as new as every crossing they count.
        let halves = self.pop_halves.load(Ordering::Acquire);
        let word = self.word.load(Ordering::Acquire);
        let pops = extend_pops(halves, pops_of(word));
        let pushes = match layout {
            Layout::Small => pops.wrapping_add(layout.length(word)) as usize,
            Layout::Large => self.pushes.load(Ordering::Relaxed),
        };
        Tally {
            pops: pops as usize,
            pushes,
            watermark: self.watermark.load(Ordering::Acquire),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn pops_extend_across_both_half_crossings_even_when_the_count_lags() {
        const HALF: u32 = 1 << 31;
        // Up to date.
        assert_eq!(extend_pops(0, 5), 5);
        assert_eq!(extend_pops(1, HALF + 5), u64::from(HALF) + 5);
        assert_eq!(extend_pops(2, 5), (1 << 32) + 5);
        assert_eq!(extend_pops(5, HALF), (2 << 32) + u64::from(HALF));
        // One crossing not yet counted.
        assert_eq!(extend_pops(0, HALF), u64::from(HALF));
        assert_eq!(extend_pops(1, 0), 1 << 32);
        assert_eq!(extend_pops(4, HALF + 1), (2 << 32) + u64::from(HALF) + 1);
    }

    #[test]
    fn the_small_layout_keeps_the_length_and_the_large_one_the_whole_code() {
        let small = Layout::Small;
        let word = small.pushed(0, encode(7).into());
        assert_eq!((small.code(word), small.length(word)), (encode(7), 1));
        let word = small.pushed(word, encode(9).into());
        assert_eq!((small.code(word), small.length(word)), (encode(9), 2));
        let word = small.popped(word, encode(7));
        assert_eq!(
            (small.code(word), small.length(word), pops_of(word)),
            (encode(7), 1, 1)
        );

        let large = Layout::Large;
        let word = large.pushed(
            u64::from(u32::MAX) << POPS_SHIFT,
            encode(MAX_CAPACITY - 1).into(),
        );
        assert_eq!(large.code(word), encode(MAX_CAPACITY - 1));
        let word = large.popped(word, 0);
        assert_eq!((large.code(word), pops_of(word)), (0, 0));
    }

    #[test]
    fn totals_stay_exact_across_the_pops_field_wrapping() {
        for capacity in [4, SMALL_CAPACITY + 1] {
            let links: std::vec::Vec<Link> = (0..capacity).map(|_| Link::new()).collect();
            let head = Head::with_pops(u32::MAX - 2);
            let first = head.pop(&links, capacity, 1).unwrap();
            for _ in 0..6 {
                head.push(&links, capacity, first.1);
                assert_eq!(head.pop(&links, capacity, 1), Some(first));
            }
            let tally = head.tally(capacity);
            // Six pops from the list, starting three below 2³²; one block taken from the watermark and still out.
            assert_eq!(tally.pops as u64, u64::from(u32::MAX - 2) + 6);
            assert_eq!(tally.watermark, 1);
            assert_eq!(tally.pops + 1 - tally.pushes, 1, "capacity {capacity}");
        }
    }

    #[test]
    fn a_lagging_half_count_is_corrected_at_the_middle_crossing() {
        let links: std::vec::Vec<Link> = (0..2).map(|_| Link::new()).collect();
        let head = Head::with_pops((1 << 31) - 1);
        let first = head.pop(&links, 2, 1).unwrap();
        head.push(&links, 2, first.1);
        assert_eq!(head.pop(&links, 2, 1), Some(first));
        assert_eq!(head.pop_halves.load(Ordering::Relaxed), 1);
        assert_eq!(head.tally(2).pops as u64, 1 << 31);
        // As a reader would see it just before the crossing thread counted it.
        head.pop_halves.store(0, Ordering::Relaxed);
        assert_eq!(head.tally(2).pops as u64, 1 << 31);
    }
}
