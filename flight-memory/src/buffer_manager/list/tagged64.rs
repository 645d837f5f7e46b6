//! A bin's list on targets with 64-bit compare-and-swap: one word holds the pops count (the ABA tag and the
//! bin's telemetry), the first free buffer and, for bins of up to [`SMALL_CAPACITY`] buffers, the list's length,
//! so taking or giving back a buffer is one compare-and-swap and nothing else.
//!
//! | capacity               | bits 63–32 | bits 31–16                 | bits 15–0 |
//! |------------------------|------------|----------------------------|-----------|
//! | ≤ [`SMALL_CAPACITY`]   | pops       | free buffers on the list   | link code |
//! | larger                 | pops       | link code (bits 31–0)      |           |
//!
//! It is the crate's 64-bit free list (`free_list/tagged64.rs`) with the word's arithmetic shaped for the
//! manager's hot path: a pop of a small list adds one constant, `2³² − 2¹⁶`, which counts the pop and shortens
//! the list at once (the list holds at least one buffer, so the length field never borrows from the pops), then
//! puts the next buffer's code in the low field; a push adds `2¹⁶` and puts its own code there. A bin's list is
//! chosen by its count, which a manager knows as the length of the bin's links, so no field of the list stores
//! it and a new list is all zero bytes (`.bss`).
//!
//! *Pops* counts buffers taken from the list (not from the watermark), wrapping at 2³². A pop is fooled only if
//! the head it read comes back while its buffer was popped and pushed again, and that pop changed the count. The
//! count is extended past 32 bits by `pop_halves`, the times the field crossed a half of its range, counted by
//! the thread whose pop crossed after its swap; a reader that sees the count lag by one crossing tells from the
//! field's top bit and adds it.

use super::Counts;
use crate::free_list::extend_pops;
use crate::sync::{AtomicU32, AtomicU64, AtomicUsize, Ordering, const_fn_unless_loom};

/// A link value: `0` ends the list, `1` marks a buffer that is out, and `k + 2` points at buffer `k`. Zero is the
/// end so that zeroed memory is a valid empty state.
const END: u32 = 0;
const ALLOCATED: u32 = 1;
const FIRST_INDEX_CODE: u32 = 2;

/// The most buffers one list can manage: every index below it has a link code distinct from the markers.
pub(crate) const MAX_CAPACITY: u32 = u32::MAX - FIRST_INDEX_CODE;

/// The largest capacity whose link codes and length fit in 16 bits each. Lowered under loom so that models of
/// bins of two buffers exercise the large layout.
#[cfg(not(loom))]
const SMALL_CAPACITY: usize = (u16::MAX as u32 - FIRST_INDEX_CODE) as usize;
#[cfg(loom)]
const SMALL_CAPACITY: usize = 1;

const POPS_SHIFT: u32 = 32;
const LENGTH_SHIFT: u32 = 16;
const SMALL_CODE: u64 = 0xFFFF;
const LARGE_CODE: u64 = 0xFFFF_FFFF;
/// Added by a pop of a small list: one pop more, one buffer fewer on the list.
const SMALL_POP: u64 = (1 << POPS_SHIFT) - (1 << LENGTH_SHIFT);
/// Added by a push onto a small list: one buffer more on the list.
const SMALL_PUSH: u64 = 1 << LENGTH_SHIFT;
/// Added by a pop of a large list: one pop more.
const LARGE_POP: u64 = 1 << POPS_SHIFT;
/// The pops field but its top bit: zero right after the field crossed a half of its range.
const POPS_BELOW_HALF: u64 = ((u32::MAX >> 1) as u64) << POPS_SHIFT;

/// The per-buffer metadata of a list: where the next free buffer is, or that this one is out.
#[derive(Debug)]
#[repr(transparent)]
pub(crate) struct Link(AtomicU32);

impl Link {
    const_fn_unless_loom! {
        /// A link in the zeroed state (its buffer has never been handed out).
        pub(crate) fn new() -> Self {
            Link(AtomicU32::new(END))
        }
    }
}

/// Whether a list of `capacity` buffers keeps its length in its word.
#[inline]
const fn is_small(capacity: usize) -> bool {
    capacity <= SMALL_CAPACITY
}

/// How many buffers `links` describe, never more than [`MAX_CAPACITY`], so every index handed out has a code.
#[inline]
fn capacity_of(links: &[Link]) -> u32 {
    if links.len() > MAX_CAPACITY as usize {
        MAX_CAPACITY
    } else {
        links.len() as u32
    }
}

/// The link code of the first free buffer.
#[inline]
fn code_of<const SMALL: bool>(word: u64) -> u32 {
    if SMALL {
        (word & SMALL_CODE) as u32
    } else {
        (word & LARGE_CODE) as u32
    }
}

/// The word after popping the first buffer, whose code `code` is the word's and whose link is `next`: the code
/// replaced by `next` and the counts moved by one addition. For a small list, the word holds at least one buffer
/// (its code is not the end), so the length does not borrow from the pops; `next` is the code of a buffer of the
/// list or the end whenever the word is still current, so it fits the code field (otherwise the swap of the
/// result fails).
#[inline]
fn popped<const SMALL: bool>(word: u64, code: u32, next: u32) -> u64 {
    let step = if SMALL { SMALL_POP } else { LARGE_POP };
    word.wrapping_sub(u64::from(code))
        .wrapping_add(step)
        .wrapping_add(u64::from(next))
}

/// The word after pushing the buffer whose link code is `code` (below the list's capacity plus 2, so it fits the
/// code field). A small list's length stays at most its capacity, which fits in the field.
#[inline]
fn pushed<const SMALL: bool>(word: u64, code: u32) -> u64 {
    if SMALL {
        (word & !SMALL_CODE).wrapping_add(SMALL_PUSH | u64::from(code))
    } else {
        (word & !LARGE_CODE) | u64::from(code)
    }
}

/// The free list of one bin. Its capacity is the number of links it is given, always the bin's links.
#[derive(Debug)]
pub(crate) struct BinList {
    /// The pops, the first free buffer and, for a small list, the length; see the module's table.
    word: AtomicU64,
    /// Buffers at or above this index have never been handed out.
    watermark: AtomicU32,
    /// How many times the pops field went from 2³¹ − 1 to 2³¹ or from 2³² − 1 to 0; counted after the swap that
    /// did it, so it may lag by one.
    pop_halves: AtomicU32,
    /// Buffers given back, wrapping: kept for large lists only (a small list's word holds its length instead).
    pushes: AtomicUsize,
}

impl BinList {
    const_fn_unless_loom! {
        /// A list none of whose buffers has been handed out. All zero bytes.
        pub(crate) fn new() -> Self {
            BinList {
                word: AtomicU64::new(0),
                watermark: AtomicU32::new(0),
                pop_halves: AtomicU32::new(0),
                pushes: AtomicUsize::new(0),
            }
        }
    }

    /// A list that has popped and pushed back `pops` buffers, so tests can cross 2³¹ and 2³² in a few operations.
    #[cfg(all(test, not(loom)))]
    fn with_pops(pops: u32) -> Self {
        let list = BinList::new();
        list.word
            .store(u64::from(pops) << POPS_SHIFT, Ordering::Relaxed);
        list.pushes.store(pops as usize, Ordering::Relaxed);
        list
    }

    /// Takes a free buffer, or `None` if every buffer is out. Buffers given back are reused first; a buffer is
    /// taken from the watermark only when every buffer below it is out.
    #[inline]
    pub(crate) fn pop(&self, links: &[Link]) -> Option<u32> {
        if is_small(links.len()) {
            self.pop_small(links)
        } else {
            self.pop_as::<false>(links)
        }
    }

    /// [`pop`](BinList::pop) for a list that [`is_small`](BinList::is_small): one test fewer.
    #[inline(always)]
    pub(crate) fn pop_small(&self, links: &[Link]) -> Option<u32> {
        debug_assert!(is_small(links.len()));
        self.pop_as::<true>(links)
    }

    /// Whether a list of `capacity` buffers keeps its length in its word, which makes its pop and push the
    /// shortest.
    #[inline]
    pub(crate) const fn is_small(capacity: usize) -> bool {
        is_small(capacity)
    }

    #[inline(always)]
    fn pop_as<const SMALL: bool>(&self, links: &[Link]) -> Option<u32> {
        let (index, link) = match self.pop_freed::<SMALL>(links) {
            Some(popped) => popped,
            None => self.pop_fresh(links)?,
        };
        // The buffer is ours now: nobody else can reach its link until we push it back.
        link.0.store(ALLOCATED, Ordering::Relaxed);
        Some(index)
    }

    /// The first buffer on the list and its link, taken with one compare-and-swap, or `None` if the list is
    /// empty.
    #[inline(always)]
    fn pop_freed<'l, const SMALL: bool>(&self, links: &'l [Link]) -> Option<(u32, &'l Link)> {
        let mut word = self.word.load(Ordering::Acquire);
        loop {
            let code = code_of::<SMALL>(word);
            // The end of the list (code 0) wraps to an index no list has: one comparison tells an empty list and
            // finds the link.
            let index = code.wrapping_sub(FIRST_INDEX_CODE);
            let link = links.get(index as usize)?;
            // The link may be rewritten under us if another thread pops this buffer first; the pops then differ
            // and the exchange below fails, so a stale `next` is never installed. While the word is unchanged the
            // link holds the code of the next free buffer, which fits the code field.
            let next = link.0.load(Ordering::Relaxed);
            let popped = popped::<SMALL>(word, code, next);
            match self
                .word
                .compare_exchange_weak(word, popped, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    if popped & POPS_BELOW_HALF == 0 {
                        self.count_pop_half();
                    }
                    return Some((index, link));
                }
                Err(current) => word = current,
            }
        }
    }

    /// A buffer never handed out before, or, once there is none, one given back since the first look. Taken
    /// once per buffer in a manager's life, then never again.
    #[cold]
    #[inline(never)]
    fn pop_fresh<'l>(&self, links: &'l [Link]) -> Option<(u32, &'l Link)> {
        let capacity = capacity_of(links);
        let mut mark = self.watermark.load(Ordering::Relaxed);
        while mark < capacity {
            match self.watermark.compare_exchange_weak(
                mark,
                mark + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some((mark, links.get(mark as usize)?)),
                Err(current) => mark = current,
            }
        }
        // The watermark is full; a buffer freed since the first look is still ours to take. If the list is empty
        // at this second look, every buffer was out at that instant.
        if is_small(links.len()) {
            self.pop_freed::<true>(links)
        } else {
            self.pop_freed::<false>(links)
        }
    }

    #[cold]
    #[inline(never)]
    fn count_pop_half(&self) {
        // Release: a reader that sees this count also sees the swap that crossed.
        self.pop_halves.fetch_add(1, Ordering::Release);
    }

    /// Gives back buffer `index`.
    ///
    /// # Safety
    ///
    /// `index` was returned by [`pop`](BinList::pop) on this list with these `links` and has not been given back
    /// since. Pushing a free buffer twice would let two owners share it.
    #[inline]
    pub(crate) unsafe fn push_owned(&self, links: &[Link], index: u32) {
        debug_assert!(index < capacity_of(links));
        // SAFETY: the caller's contract is `push`'s.
        unsafe {
            if is_small(links.len()) {
                self.push::<true>(links, index);
            } else {
                self.push::<false>(links, index);
            }
        }
    }

    /// [`push_owned`](BinList::push_owned) onto a list that [`is_small`](BinList::is_small): one test fewer.
    ///
    /// # Safety
    ///
    /// As `push_owned`, and the list is small.
    #[inline(always)]
    pub(crate) unsafe fn push_small(&self, links: &[Link], index: u32) {
        debug_assert!(is_small(links.len()) && index < capacity_of(links));
        // SAFETY: the caller's contract is `push`'s.
        unsafe { self.push::<true>(links, index) }
    }

    /// # Safety
    ///
    /// As [`push_owned`](BinList::push_owned): `index` is below the length of `links`.
    #[inline(always)]
    unsafe fn push<const SMALL: bool>(&self, links: &[Link], index: u32) {
        // SAFETY: `index` was popped from this list with these links, so it is below their length (the caller's
        // contract).
        let link = unsafe { links.get_unchecked(index as usize) };
        if !SMALL {
            // Counted before the buffer is back, so the buffers in use derived from the counts never exceed those
            // actually out.
            self.pushes.fetch_add(1, Ordering::Relaxed);
        }
        // `index` is below the capacity, at most `MAX_CAPACITY`, so its code does not wrap.
        let code = index.wrapping_add(FIRST_INDEX_CODE);
        let mut word = self.word.load(Ordering::Relaxed);
        loop {
            link.0.store(code_of::<SMALL>(word), Ordering::Relaxed);
            // Release: the buffer's contents and its link are visible to whoever pops it.
            match self.word.compare_exchange_weak(
                word,
                pushed::<SMALL>(word, code),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(current) => word = current,
            }
        }
    }

    /// What the list has done: buffers taken, given back, in use, and the high-water mark. Exact when no other
    /// thread uses the list; otherwise its parts may be from slightly different instants, and are clamped to what
    /// they can be: never more buffers in use than were ever handed out (the watermark, read last), so the
    /// high-water mark is the watermark itself and never goes down.
    pub(crate) fn counts(&self, links: &[Link]) -> Counts {
        let capacity = capacity_of(links);
        // Crossings first: the word read after them is at least as new as every crossing they count.
        let halves = self.pop_halves.load(Ordering::Acquire);
        let word = self.word.load(Ordering::Acquire);
        let pops = extend_pops(halves, (word >> POPS_SHIFT) as u32) as usize;
        let pushes = if is_small(links.len()) {
            pops.wrapping_add(((word >> LENGTH_SHIFT) & SMALL_CODE) as usize)
        } else {
            self.pushes.load(Ordering::Relaxed)
        };
        let watermark = self.watermark.load(Ordering::Acquire);
        let taken = pops.wrapping_add(watermark as usize);
        let out = taken.wrapping_sub(pushes);
        let high_water = watermark.min(capacity);
        let in_use = if out > usize::MAX / 2 {
            0
        } else if out <= high_water as usize {
            out as u32
        } else {
            high_water
        };
        Counts {
            taken,
            given_back: pushes,
            in_use,
            high_water,
        }
    }

    /// Whether buffer `index` is out.
    pub(crate) fn is_allocated(&self, links: &[Link], index: u32) -> bool {
        index < self.watermark.load(Ordering::Acquire)
            && links
                .get(index as usize)
                .is_some_and(|link| link.0.load(Ordering::Acquire) == ALLOCATED)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn links(n: usize) -> Vec<Link> {
        (0..n).map(|_| Link::new()).collect()
    }

    #[test]
    fn one_addition_counts_a_pop_and_shortens_a_small_list() {
        let code = |index: u32| index + FIRST_INDEX_CODE;
        let word = pushed::<true>(0, code(7));
        assert_eq!(
            (code_of::<true>(word), word >> LENGTH_SHIFT & SMALL_CODE),
            (code(7), 1)
        );
        let word = pushed::<true>(word, code(9));
        assert_eq!(
            (code_of::<true>(word), word >> LENGTH_SHIFT & SMALL_CODE),
            (code(9), 2)
        );
        let word = popped::<true>(word, code(9), code(7));
        assert_eq!(
            (
                code_of::<true>(word),
                word >> LENGTH_SHIFT & SMALL_CODE,
                word >> POPS_SHIFT
            ),
            (code(7), 1, 1)
        );
        let word = popped::<true>(word, code(7), END);
        assert_eq!(word, 2 << POPS_SHIFT);
        // The pops wrap off the top without touching the length or the code.
        let full = (u64::from(u32::MAX) << POPS_SHIFT) | (3 << LENGTH_SHIFT) | u64::from(code(1));
        assert_eq!(
            popped::<true>(full, code(1), code(2)),
            (2 << LENGTH_SHIFT) | u64::from(code(2))
        );

        let word = pushed::<false>(u64::from(u32::MAX) << POPS_SHIFT, code(MAX_CAPACITY - 1));
        assert_eq!(code_of::<false>(word), code(MAX_CAPACITY - 1));
        let word = popped::<false>(word, code(MAX_CAPACITY - 1), END);
        assert_eq!(word, 0);
    }

    #[test]
    fn hands_out_every_buffer_once_then_reuses_given_back_ones_first() {
        for capacity in [4, SMALL_CAPACITY + 1] {
            let links = links(capacity);
            let list = BinList::new();
            let mut taken: Vec<u32> = (0..capacity).map(|_| list.pop(&links).unwrap()).collect();
            taken.sort_unstable();
            assert!(taken.iter().copied().eq(0..capacity as u32));
            assert_eq!(list.pop(&links), None);
            assert!(list.is_allocated(&links, 2));
            // SAFETY: 2 and 0 were popped above and not given back.
            unsafe {
                list.push_owned(&links, 2);
                list.push_owned(&links, 0);
            }
            assert!(!list.is_allocated(&links, 2));
            let counts = list.counts(&links);
            assert_eq!(
                (
                    counts.taken,
                    counts.given_back,
                    counts.in_use as usize,
                    counts.high_water as usize
                ),
                (capacity, 2, capacity - 2, capacity)
            );
            assert_eq!(list.pop(&links), Some(0));
            assert_eq!(list.pop(&links), Some(2));
            assert_eq!(list.pop(&links), None);
        }
    }

    #[test]
    fn totals_stay_exact_across_the_pops_field_wrapping() {
        for capacity in [4, SMALL_CAPACITY + 1] {
            let links = links(capacity);
            let list = BinList::with_pops(u32::MAX - 2);
            let first = list.pop(&links).unwrap();
            for _ in 0..6 {
                // SAFETY: `first` is out (popped just before).
                unsafe { list.push_owned(&links, first) };
                assert_eq!(list.pop(&links), Some(first));
            }
            let counts = list.counts(&links);
            // Six pops from the list, starting three below 2³²; one buffer from the watermark, still out.
            assert_eq!(counts.taken as u64, u64::from(u32::MAX - 2) + 6 + 1);
            assert_eq!(
                (counts.in_use, counts.high_water),
                (1, 1),
                "capacity {capacity}"
            );
        }
    }

    #[test]
    fn a_lagging_half_count_is_corrected_at_the_middle_crossing() {
        let links = links(2);
        let list = BinList::with_pops((1 << 31) - 1);
        let first = list.pop(&links).unwrap();
        // SAFETY: `first` is out.
        unsafe { list.push_owned(&links, first) };
        assert_eq!(list.pop(&links), Some(first));
        assert_eq!(list.pop_halves.load(Ordering::Relaxed), 1);
        assert_eq!(list.counts(&links).taken as u64, (1 << 31) + 1);
        // As a reader would see it just before the crossing thread counted it.
        list.pop_halves.store(0, Ordering::Relaxed);
        assert_eq!(list.counts(&links).taken as u64, (1 << 31) + 1);
    }

    #[test]
    fn a_new_link_is_all_zero_bytes_so_statics_live_in_bss() {
        let link = Link::new();
        // SAFETY: a `Link` is one `AtomicU32`, with no padding; reading its bytes reads initialised memory of the
        // value's size.
        let bytes = unsafe {
            core::slice::from_raw_parts((&raw const link).cast::<u8>(), size_of::<Link>())
        };
        assert!(bytes.iter().all(|&b| b == 0));
        assert_eq!(BinList::new().pop(&links(3)), Some(0));
    }
}
