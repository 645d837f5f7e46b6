//! The private building block of [`MemoryPool`](crate::MemoryPool) and
//! [`BufferManager`](crate::BufferManager): a free list of block indices.
//!
//! The list hands out indices `0..capacity` and takes them back, in O(1), without touching the blocks
//! themselves (there is no header inside a block). Its state is:
//!
//! * a `watermark`: blocks at or above it have never been handed out. A new list is all zeroes, so a `static`
//!   that holds one lives in `.bss` and start-up does no O(n) work to thread the blocks together;
//! * a LIFO `head` of blocks given back, linked through one [`Link`] per block (4 bytes of metadata a block,
//!   kept outside the block). A link also records whether its block is allocated, so a double free or a free of
//!   a block never handed out is refused instead of corrupting the list.
//!
//! Because freed blocks are reused before new ones, a block is taken from the watermark only when every block
//! below it is in use: the watermark is the high-water mark of blocks in use.
//!
//! One implementation is chosen per target, here and nowhere else:
//!
//! | target                          | head                                         | progress   |
//! |---------------------------------|----------------------------------------------|------------|
//! | 64-bit compare-and-swap         | 32-bit index + 32-bit ABA tag in an `AtomicU64` | lock-free |
//! | 32-bit compare-and-swap only    | 16-bit index + 16-bit ABA tag in an `AtomicU32` | lock-free, ≤ 65,533 blocks |
//! | no compare-and-swap, or feature `critical-section` | plain words inside `critical_section::with` | blocking, interrupt safe |
//!
//! The tag is incremented by every change of the head, so a thread that was preempted between reading the head
//! and swapping it fails its swap unless the tag wrapped all the way around in the meantime (2³² changes for the
//! 64-bit form, 2¹⁶ for the 32-bit form).

use crate::FreeError;
use crate::sync::{AtomicU32, Ordering, const_fn_unless_loom};

/// A link value: `0` ends the list, `1` marks an allocated block, `k + 2` points at block `k`. Zero is the end so
/// that zeroed memory is a valid empty state.
const END: u32 = 0;
const ALLOCATED: u32 = 1;
const FIRST_INDEX_CODE: u32 = 2;

#[inline]
const fn encode(index: u32) -> u32 {
    index + FIRST_INDEX_CODE
}

#[inline]
const fn decode(code: u32) -> Option<u32> {
    match code.checked_sub(FIRST_INDEX_CODE) {
        Some(index) => Some(index),
        None => None,
    }
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
        not(feature = "critical-section")
    ),
    path = "free_list/tagged64.rs"
)]
#[cfg_attr(
    all(
        any(not(target_has_atomic = "64"), flight_memory_tagged32),
        target_has_atomic = "32",
        not(feature = "critical-section")
    ),
    path = "free_list/tagged32.rs"
)]
#[cfg_attr(
    any(feature = "critical-section", not(target_has_atomic = "32")),
    path = "free_list/locked.rs"
)]
mod head;

/// The largest number of blocks one free list can manage on this target.
pub(crate) const MAX_CAPACITY: u32 = head::MAX_CAPACITY;

/// A free list of `capacity` block indices. See the module documentation.
#[derive(Debug)]
pub(crate) struct FreeList {
    head: head::Head,
    capacity: u32,
}

impl FreeList {
    const_fn_unless_loom! {
        /// A list of `capacity` blocks, none handed out yet; `None` if `capacity` exceeds [`MAX_CAPACITY`].
        pub(crate) fn new(capacity: u32) -> Option<Self> {
            if capacity > MAX_CAPACITY {
                return None;
            }
            Some(FreeList { head: head::Head::new(), capacity })
        }
    }

    /// How many blocks the list manages.
    #[inline]
    pub(crate) fn capacity(&self) -> u32 {
        self.capacity
    }

    /// How many distinct blocks have ever been handed out: the high-water mark of blocks in use.
    #[inline]
    pub(crate) fn high_water(&self) -> u32 {
        self.head.watermark()
    }

    /// Takes a free block, or `None` if every block is allocated. `links` must hold one link per block.
    #[inline]
    pub(crate) fn pop(&self, links: &[Link]) -> Option<u32> {
        debug_assert_eq!(links.len(), self.capacity as usize);
        let index = self.head.pop(links, self.capacity)?;
        // The block is ours now: nobody else can reach its link until we push it back. `head.pop` only returns
        // indices below the capacity, which is the length of `links`.
        if let Some(link) = links.get(index as usize) {
            link.0.store(ALLOCATED, Ordering::Relaxed);
        }
        Some(index)
    }

    /// Gives back block `index`, refusing it unless it is currently allocated.
    ///
    /// # Errors
    ///
    /// [`FreeError::BadIndex`] for an index outside the list, [`FreeError::NotAllocated`] for a block never
    /// handed out or already free (a double free).
    #[inline]
    pub(crate) fn push(&self, links: &[Link], index: u32) -> Result<(), FreeError> {
        debug_assert_eq!(links.len(), self.capacity as usize);
        let Some(link) = links.get(index as usize).filter(|_| index < self.capacity) else {
            return Err(FreeError::BadIndex {
                index: index as usize,
                count: self.capacity as usize,
            });
        };
        if index >= self.head.watermark() {
            return Err(FreeError::NotAllocated);
        }
        // Only one caller can move the link out of the allocated state: a concurrent double free loses here.
        link.0
            .compare_exchange(ALLOCATED, END, Ordering::Acquire, Ordering::Relaxed)
            .map_err(|_| FreeError::NotAllocated)?;
        self.head.push(links, index);
        Ok(())
    }

    /// Gives back block `index` without checking that it is allocated, for handles that own their block.
    ///
    /// # Safety
    ///
    /// `index` was returned by [`pop`](FreeList::pop) on this list with these `links`, and has not been given
    /// back since. Pushing a free block twice would let two owners share it.
    #[inline]
    pub(crate) unsafe fn push_owned(&self, links: &[Link], index: u32) {
        debug_assert!(index < self.capacity);
        debug_assert_eq!(links[index as usize].0.load(Ordering::Relaxed), ALLOCATED);
        self.head.push(links, index);
    }

    /// Whether block `index` is currently handed out.
    #[inline]
    pub(crate) fn is_allocated(&self, links: &[Link], index: u32) -> bool {
        index < self.head.watermark()
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
    fn hands_out_every_block_once_then_reuses_freed_ones_first() {
        let links = links(4);
        let list = FreeList::new(4).unwrap();
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
        let list = FreeList::new(3).unwrap();
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
    fn capacity_above_the_target_limit_is_refused() {
        assert!(FreeList::new(MAX_CAPACITY).is_some());
        assert!(FreeList::new(MAX_CAPACITY + 1).is_none());
    }

    #[test]
    fn a_new_list_is_all_zero_bytes_so_statics_live_in_bss() {
        let list = FreeList::new(7).unwrap();
        let link = Link::new();
        // SAFETY: both types are plain integers (atomics or cells of integers) with no padding that matters for
        // this check; reading their bytes is reading initialised memory of the value's size.
        let bytes = unsafe {
            core::slice::from_raw_parts(
                (&raw const link).cast::<u8>(),
                core::mem::size_of::<Link>(),
            )
        };
        assert!(bytes.iter().all(|&b| b == 0));
        assert_eq!(list.high_water(), 0);
    }
}
