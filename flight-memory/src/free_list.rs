//! The private building block of [`MemoryPool`](crate::MemoryPool) and
//! [`BufferManager`](crate::BufferManager): a free list of block indices.
//!
//! The list hands out indices `0..capacity` and takes them back, in O(1), without touching the blocks
//! themselves (there is no header inside a block). Its state is:
//!
//! * a `watermark`: blocks at or above it have never been handed out. A new list is all zeroes, so a `static`
//!   that holds one lives in `.bss` and start-up does no O(n) work to thread the blocks together;
//! * a LIFO `head` of blocks given back, linked through one [`Link`] per block (4 bytes of metadata a block,
//!   kept outside the block). A link also records whether its block is allocated, and whether to a raw pointer
//!   or to an owning handle, so a double free, a free of a block never handed out, or a raw free of a block a
//!   handle owns is refused instead of corrupting the list.
//!
//! Because freed blocks are reused before new ones, a block is taken from the watermark only when every block
//! below it is in use: the watermark is the high-water mark of blocks in use.
//!
//! One implementation is chosen per target, here and nowhere else:
//!
//! | target                          | head                                         | progress   |
//! |---------------------------------|----------------------------------------------|------------|
//! | 64-bit compare-and-swap         | pops count (the ABA tag) + link code, and for lists of up to 65,533 blocks their length, in an `AtomicU64` | lock-free |
//! | 32-bit compare-and-swap only    | 16-bit index + 16-bit ABA tag in an `AtomicU32` | lock-free, ≤ 65,533 blocks |
//! | no compare-and-swap (or `--cfg flight_memory_critical_section`, for tests) | plain words inside `critical_section::with` | blocking, interrupt safe |
//!
//! The tag changes with every pop, so a thread that was preempted between reading the head and swapping it fails
//! its swap unless the tag wrapped all the way around in the meantime (2³² pops for the 64-bit form, 2¹⁶ changes
//! for the 32-bit form).
//!
//! # Counts
//!
//! The list counts what it does ([`BareFreeList::counts`]): blocks taken, given back, in use, and the high-water
//! mark, so its owners keep no counters of their own on the hot path. On 64-bit compare-and-swap targets a list of
//! up to 65,533 blocks keeps them in the head word itself, so a take or a give-back is a single compare-and-swap;
//! elsewhere a give-back (and, on 32-bit targets, a take) adds one atomic add.

use crate::FreeError;
use crate::sync::{AtomicU32, Ordering, const_fn_unless_loom};

/// A link value: `0` ends the list, `1` marks a block allocated to a raw pointer, `u32::MAX` a block held by an
/// owning handle, and `k + 2` points at block `k`. Zero is the end so that zeroed memory is a valid empty state.
/// [`MAX_CAPACITY`] keeps `k + 2` below `u32::MAX` on every target.
const END: u32 = 0;
const ALLOCATED: u32 = 1;
const HELD: u32 = u32::MAX;
const FIRST_INDEX_CODE: u32 = 2;

#[inline]
const fn encode(index: u32) -> u32 {
    index + FIRST_INDEX_CODE
}

#[inline]
const fn decode(code: u32) -> Option<u32> {
    code.checked_sub(FIRST_INDEX_CODE)
}

/// The per-block metadata of a free list: where the next free block is, or that this one is allocated.
#[derive(Debug)]
#[repr(transparent)]
pub(crate) struct Link(AtomicU32);

impl Link {
    const_fn_unless_loom! {
        /// A link in the zeroed state (its block has never been handed out).
        pub(crate) fn new() -> Self {
            Link(AtomicU32::new(END))
        }
    }
}

// `--cfg flight_memory_tagged32` selects the 32-bit form on a 64-bit host, so its tests run on CI machines.
#[cfg_attr(
    all(
        target_has_atomic = "64",
        not(flight_memory_tagged32),
        not(flight_memory_critical_section)
    ),
    path = "free_list/tagged64.rs"
)]
#[cfg_attr(
    all(
        any(not(target_has_atomic = "64"), flight_memory_tagged32),
        target_has_atomic = "32",
        not(flight_memory_critical_section)
    ),
    path = "free_list/tagged32.rs"
)]
#[cfg_attr(
    any(flight_memory_critical_section, not(target_has_atomic = "32")),
    path = "free_list/locked.rs"
)]
mod head;

/// The 64-bit head's pops count extended past 32 bits, which the BufferManager's 64-bit bin list shares.
#[cfg(all(
    target_has_atomic = "64",
    not(flight_memory_tagged32),
    not(flight_memory_critical_section)
))]
pub(crate) use head::extend_pops;

/// The largest number of blocks one free list can manage on this target.
pub(crate) const MAX_CAPACITY: u32 = head::MAX_CAPACITY;

/// The receipt for a block taken for an owning handle ([`BareFreeList::pop_held`]): what giving it back needs
/// besides the list and the block's link. It holds the block's link code and, on the 64-bit head, the list's
/// layout, so a give-back neither reads the list's capacity nor tests a bound. A handle keeps it in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ticket(head::Ticket);

impl Ticket {
    /// The index of the ticket's block.
    #[inline]
    pub(crate) fn index(self) -> u32 {
        self.slot() as u32
    }

    /// The index of the ticket's block, as an offset into its links (computed in `usize`, which lets the
    /// subtraction fold into the address arithmetic).
    #[inline]
    pub(crate) fn slot(self) -> usize {
        // A ticket holds the code of an index, which is at least `FIRST_INDEX_CODE`.
        head::ticket_link_code(self.0).wrapping_sub(FIRST_INDEX_CODE as usize)
    }
}

/// What a head has done since it was new: the raw figures [`Counts`] are derived from.
#[derive(Clone, Copy, Debug)]
struct Tally {
    /// Blocks taken from the list (not from the watermark), wrapping.
    pops: usize,
    /// Blocks given back, wrapping.
    pushes: usize,
    /// Blocks ever handed out.
    watermark: u32,
}

/// What a free list has done since it was new, read by [`BareFreeList::counts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Blocks handed out, wrapping at `usize::MAX`.
    pub(crate) taken: usize,
    /// Blocks given back, wrapping at `usize::MAX`.
    pub(crate) given_back: usize,
    /// Blocks handed out and not given back: at most the capacity.
    pub(crate) in_use: u32,
    /// The most blocks in use at once (the watermark): at least `in_use`, and never lower than at an earlier
    /// reading.
    pub(crate) high_water: u32,
}

impl Counts {
    fn of(tally: Tally, capacity: u32) -> Self {
        let taken = tally.pops.wrapping_add(tally.watermark as usize);
        let out = taken.wrapping_sub(tally.pushes);
        // Exact when nobody else uses the list; otherwise the parts were read at slightly different instants and
        // the difference is clamped to what it can be: never more blocks than were ever handed out (the
        // watermark, read last), so the high-water mark is the watermark itself and never goes down.
        let high_water = tally.watermark.min(capacity);
        let in_use = if out > usize::MAX / 2 {
            0
        } else if out <= high_water as usize {
            out as u32
        } else {
            high_water
        };
        Counts {
            taken,
            given_back: tally.pushes,
            in_use,
            high_water,
        }
    }
}

/// How many blocks `links` describe, never more than [`MAX_CAPACITY`], so every index handed out has a link code.
#[inline]
fn capacity_of(links: &[Link]) -> u32 {
    if links.len() > MAX_CAPACITY as usize {
        MAX_CAPACITY
    } else {
        links.len() as u32
    }
}

/// A free list whose capacity is the number of its links (at most [`MAX_CAPACITY`]; an owner with more links must
/// refuse them at construction). It does not store its capacity, so a new one is all zero bytes and a `static`
/// that holds it and its links lives in `.bss`.
///
/// A block is taken either for a raw pointer ([`pop`](BareFreeList::pop)), which the checked
/// [`push`](BareFreeList::push) accepts back, or for an owning handle ([`pop_held`](BareFreeList::pop_held)),
/// which the checked push refuses, so a validated raw free can never take a block away from its handle.
#[derive(Debug)]
pub(crate) struct BareFreeList {
    head: head::Head,
}

impl BareFreeList {
    const_fn_unless_loom! {
        /// A list none of whose blocks has been handed out.
        pub(crate) fn new() -> Self {
            BareFreeList { head: head::Head::new() }
        }
    }

    /// How many distinct blocks have ever been handed out: the high-water mark of blocks in use.
    #[inline]
    pub(crate) fn high_water(&self) -> u32 {
        self.head.watermark()
    }

    /// What the list has done: blocks taken, given back, in use, and the high-water mark. Exact when no other
    /// thread uses the list; otherwise its parts may be from slightly different instants.
    #[inline]
    pub(crate) fn counts(&self, links: &[Link]) -> Counts {
        let capacity = capacity_of(links);
        Counts::of(self.head.tally(capacity), capacity)
    }

    /// Takes a free block for a raw pointer, or `None` if every block is allocated.
    #[inline]
    pub(crate) fn pop(&self, links: &[Link]) -> Option<u32> {
        self.head
            .pop(links, capacity_of(links), ALLOCATED)
            .map(|(_, index)| index)
    }

    /// Takes a free block for an owning handle: its ticket and its index, or `None` if every block is allocated.
    /// The checked [`push`](BareFreeList::push) refuses the block until the handle gives it up
    /// ([`disown_link`](BareFreeList::disown_link)); the handle gives it back with
    /// [`push_ticket`](BareFreeList::push_ticket).
    #[inline]
    pub(crate) fn pop_held(&self, links: &[Link]) -> Option<(Ticket, u32)> {
        let (code, index) = self.head.pop(links, capacity_of(links), HELD)?;
        Some((Ticket(head::ticket(code, capacity_of(links))), index))
    }

    /// Takes block `index` out of the allocated state, refusing it unless it is allocated to a raw pointer. On
    /// success the caller owns the block exclusively (it is neither allocated nor on the list, so a concurrent
    /// free of it is refused) and must give it back with [`push_owned`](BareFreeList::push_owned).
    ///
    /// # Errors
    ///
    /// [`FreeError::BadIndex`] for an index outside the list, [`FreeError::NotAllocated`] for a block never
    /// handed out, already free (a double free), or held by an owning handle.
    #[inline]
    pub(crate) fn claim(&self, links: &[Link], index: u32) -> Result<(), FreeError> {
        let Some(link) = links
            .get(index as usize)
            .filter(|_| index < capacity_of(links))
        else {
            return Err(FreeError::BadIndex {
                index: index as usize,
                count: capacity_of(links) as usize,
            });
        };
        if index >= self.head.watermark() {
            return Err(FreeError::NotAllocated);
        }
        // Only one caller can move the link out of the allocated state: a concurrent double free loses here.
        link.0
            .compare_exchange(ALLOCATED, END, Ordering::Acquire, Ordering::Relaxed)
            .map(drop)
            .map_err(|_| FreeError::NotAllocated)
    }

    /// Gives back block `index`, refusing it unless it is allocated to a raw pointer.
    ///
    /// # Errors
    ///
    /// As [`claim`](BareFreeList::claim); the list is unchanged then.
    #[cfg_attr(
        not(test),
        allow(
            dead_code,
            reason = "the checked free for owners that do not clear blocks; tests use it"
        )
    )]
    #[inline]
    pub(crate) fn push(&self, links: &[Link], index: u32) -> Result<(), FreeError> {
        self.claim(links, index)?;
        self.head.push(links, capacity_of(links), index);
        Ok(())
    }

    /// Gives back block `index` without checking its state, for handles that own their block.
    ///
    /// # Safety
    ///
    /// `index` was returned by [`pop`](BareFreeList::pop) or [`pop_held`](BareFreeList::pop_held) on this list
    /// with these `links` (or [`claim`](BareFreeList::claim)ed), and has not been given back since. Pushing a free
    /// block twice would let two owners share it.
    #[inline]
    pub(crate) unsafe fn push_owned(&self, links: &[Link], index: u32) {
        debug_assert!(index < capacity_of(links));
        debug_assert!(matches!(
            links[index as usize].0.load(Ordering::Relaxed),
            ALLOCATED | HELD | END
        ));
        self.head.push(links, capacity_of(links), index);
    }

    /// Gives back the block of `ticket` without checking its state: the give-back of an owning handle, which
    /// needs only its block's link.
    ///
    /// # Safety
    ///
    /// `ticket` was returned by [`pop_held`](BareFreeList::pop_held) on this list, `link` is the link of its block
    /// (`links[ticket.index()]` of the links it was popped with), and the block has not been given back since.
    #[inline]
    pub(crate) unsafe fn push_ticket(&self, link: &Link, ticket: Ticket) {
        debug_assert!(ticket.index() < self.head.watermark());
        self.head.push_ticket(link, ticket.0);
    }

    /// Turns a block held by an owning handle, whose link is `link`, into a block allocated to a raw pointer,
    /// which the checked [`push`](BareFreeList::push) accepts.
    ///
    /// # Safety
    ///
    /// The caller owns the block (it was taken and not given back since): writing its link while it is on the
    /// list would corrupt the list.
    #[inline]
    pub(crate) unsafe fn disown_link(link: &Link) {
        link.0.store(ALLOCATED, Ordering::Relaxed);
    }

    /// Whether block `index` is currently handed out, to a raw pointer or to a handle.
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "for owners that inspect blocks; tests use it")
    )]
    #[inline]
    pub(crate) fn is_allocated(&self, links: &[Link], index: u32) -> bool {
        index < self.head.watermark()
            && links
                .get(index as usize)
                .is_some_and(|link| matches!(link.0.load(Ordering::Acquire), ALLOCATED | HELD))
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
    fn hands_out_every_block_once_then_reuses_freed_ones_first() {
        let links = links(4);
        let list = BareFreeList::new();
        let mut taken: Vec<u32> = (0..4).map(|_| list.pop(&links).unwrap()).collect();
        taken.sort_unstable();
        assert_eq!(taken, [0, 1, 2, 3]);
        assert_eq!(list.pop(&links), None);
        list.push(&links, 2).unwrap();
        list.push(&links, 0).unwrap();
        assert_eq!(list.pop(&links), Some(0));
        assert_eq!(list.pop(&links), Some(2));
        assert_eq!(list.pop(&links), None);
        assert_eq!(list.high_water(), 4);
    }

    #[test]
    fn refuses_double_free_unknown_and_never_allocated_blocks() {
        let links = links(3);
        let list = BareFreeList::new();
        let first = list.pop(&links).unwrap();
        assert_eq!(list.push(&links, 1), Err(FreeError::NotAllocated));
        assert_eq!(
            list.push(&links, 3),
            Err(FreeError::BadIndex { index: 3, count: 3 })
        );
        assert!(list.is_allocated(&links, first));
        list.push(&links, first).unwrap();
        assert!(!list.is_allocated(&links, first));
        assert_eq!(list.push(&links, first), Err(FreeError::NotAllocated));
        // The refused frees left the list intact.
        assert_eq!(list.pop(&links), Some(first));
        assert_eq!(list.pop(&links), Some(1));
        assert_eq!(list.pop(&links), Some(2));
        assert_eq!(list.pop(&links), None);
    }

    #[test]
    fn counts_read_at_different_instants_never_exceed_the_watermark() {
        let counts = |pops, pushes, watermark| {
            let counts = Counts::of(
                Tally {
                    pops,
                    pushes,
                    watermark,
                },
                4,
            );
            (
                counts.taken,
                counts.given_back,
                counts.in_use,
                counts.high_water,
            )
        };
        // One block ever used and now free (pushes 1), then, between the reader's two loads, another context pops
        // and pushes it twice more and pops it again: pops 3, pushes still read as 1.
        assert_eq!(counts(3, 1, 1), (4, 1, 1, 1));
        // Read the other way round, the difference is negative: nothing in use.
        assert_eq!(counts(1, 3, 2), (3, 3, 0, 2));
        assert_eq!(counts(5, 6, 3), (8, 6, 2, 3));
    }

    #[test]
    fn every_index_below_the_limit_has_a_link_code_distinct_from_the_markers() {
        let last = encode(MAX_CAPACITY - 1);
        assert!(last > ALLOCATED && last < HELD);
        assert_eq!(decode(last), Some(MAX_CAPACITY - 1));
        assert_eq!(decode(END), None);
        assert_eq!(decode(ALLOCATED), None);
    }

    #[test]
    fn a_raw_free_cannot_take_a_block_from_its_handle_until_disowned() {
        let links = links(2);
        let list = BareFreeList::new();
        let held = list.pop_held(&links).unwrap().1;
        assert!(list.is_allocated(&links, held));
        assert_eq!(list.push(&links, held), Err(FreeError::NotAllocated));
        // SAFETY: `held` was taken above and not given back.
        unsafe { BareFreeList::disown_link(&links[held as usize]) };
        list.claim(&links, held).unwrap();
        // Claimed: neither allocated nor free, so a second free is refused and nobody can pop it.
        assert!(!list.is_allocated(&links, held));
        assert_eq!(list.push(&links, held), Err(FreeError::NotAllocated));
        assert_eq!(list.pop(&links), Some(1));
        assert_eq!(list.pop(&links), None);
        // SAFETY: claimed above, not given back since.
        unsafe { list.push_owned(&links, held) };
        assert_eq!(list.pop(&links), Some(held));
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
        // The head has padding, so its zero state is checked through what it reports: nothing handed out, and
        // the first block comes from the watermark.
        let list = BareFreeList::new();
        assert_eq!(list.high_water(), 0);
        assert_eq!(list.pop(&links(3)), Some(0));
    }
}
