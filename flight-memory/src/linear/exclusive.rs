//! The exclusive view of a [`LinearAllocator`]: bump allocation for a single owner, with plain loads and stores.
//!
//! A shared `LinearAllocator` pays one compare-and-swap on its offset and one atomic add on its allocation count
//! per allocation, because any thread may allocate at the same time. An owner that holds `&mut LinearAllocator`
//! has no one to race with: [`LinearAllocator::exclusive`] borrows the offset and the counters as plain cells
//! ([`Cell::from_mut`]), so an allocation is a few loads, compares and stores, with no atomic instruction and
//! no fence.
//!
//! The view writes the allocator's own offset and counters, in place, at every step: there is no state to
//! write back when it is dropped, and a leaked view (`mem::forget`) loses nothing.

use core::cell::Cell;
use core::ptr::NonNull;

use super::{LinearAllocator, at_offset};
use crate::stats::ExclusiveCounts;
use crate::storage::typed::RawBump;
use crate::storage::{Arena, bump_up, is_fast_bump};
use crate::{AllocError, StatsSnapshot};

/// A [`LinearAllocator`] borrowed by one owner, from [`LinearAllocator::exclusive`]: the same allocations, errors
/// and statistics, without atomic instructions.
///
/// The typed helpers hand out references that live as long as the borrow of the view (`&self`), as bumpalo's
/// do, and [`reset`](ExclusiveLinear::reset) takes `&mut self`, so a reset cannot run while one of them exists
/// and can run as often as needed (once a cycle, in a loop) on the same view. Everything done through the view
/// is in the allocator at once: its offset and counters are the view's, written in place.
///
/// The view is neither `Send` nor `Sync`: it lives on the thread that borrowed the allocator, which cannot be
/// used in any other way (shared allocations, statistics, another view) until the view is gone.
///
/// As with the shared allocator, **values placed through the view are never dropped**, and nothing here panics.
///
/// ```
/// use flight_memory::{AllocError, LinearAllocator};
///
/// let mut buffer = [0u8; 256];
/// let mut scratch = LinearAllocator::from_slice(&mut buffer);
/// {
///     let mut cycle = scratch.exclusive();
///     for step in 0..3u32 {
///         let reading = cycle.alloc(step * 10).map_err(|rejected| rejected.error())?;
///         let label = cycle.alloc_str("gyro")?;
///         assert_eq!((*reading, &*label), (step * 10, "gyro"));
///         cycle.reset(); // the next cycle starts from an empty allocator
///     }
///     assert_eq!(cycle.stats().allocations, 6);
/// }
/// // Everything done through the view is in the allocator's own statistics.
/// assert_eq!(scratch.stats().allocations, 6);
/// assert_eq!(scratch.used_memory(), 0);
/// # Ok::<(), AllocError>(())
/// ```
///
/// A reference from the view cannot be used after a reset:
///
/// ```compile_fail,E0502
/// # let mut buffer = [0u8; 64];
/// # let mut scratch = flight_memory::LinearAllocator::from_slice(&mut buffer);
/// let mut view = scratch.exclusive();
/// let x = view.alloc(1u8).unwrap();
/// view.reset(); // error: `view` is borrowed by `x`
/// *x += 1;
/// ```
///
/// and the allocator cannot be used while the view lives:
///
/// ```compile_fail,E0502
/// # let mut buffer = [0u8; 64];
/// # let mut scratch = flight_memory::LinearAllocator::from_slice(&mut buffer);
/// let view = scratch.exclusive();
/// let shared = scratch.alloc(2u8); // error: `scratch` is borrowed mutably by `view`
/// let _ = view.alloc(1u8);
/// ```
///
/// ```compile_fail,E0502
/// # let mut buffer = [0u8; 64];
/// # let mut scratch = flight_memory::LinearAllocator::from_slice(&mut buffer);
/// let view = scratch.exclusive();
/// let stats = scratch.stats(); // error: `scratch` is borrowed mutably by `view`
/// let _ = view.used_memory();
/// ```
#[derive(Debug)]
pub struct ExclusiveLinear<'h, 'a> {
    /// The allocator's memory.
    arena: &'h Arena<'a>,
    /// The allocator's next free byte, borrowed as a plain cell: always in `arena.base()..=arena.end()`, and goes
    /// down only in `reset(&mut self)`, after raising the peak to its offset (the allocator's invariant).
    next: &'h Cell<*mut u8>,
    /// `arena.fast_limit()`: a fast request whose end is below it fits, with no wrap to test for.
    limit: usize,
    /// The allocator's counters, borrowed as plain cells.
    counts: ExclusiveCounts<'h>,
}

impl<'a> LinearAllocator<'a> {
    /// The exclusive view of this allocator, for a single owner: allocations with plain loads and stores, no
    /// atomic instruction. The allocator is borrowed until the view is dropped (or leaked: nothing is lost
    /// either way, the view writes the allocator's own offset and counters in place).
    ///
    /// ```
    /// use flight_memory::LinearAllocator;
    ///
    /// let mut buffer = [0u8; 64];
    /// let mut scratch = LinearAllocator::from_slice(&mut buffer);
    /// let view = scratch.exclusive();
    /// let samples = view.alloc_slice_copy(&[3u16, 1, 4])?;
    /// samples[1] = 2;
    /// assert_eq!(samples, &[3, 2, 4]);
    /// drop(view);
    /// assert_eq!(scratch.used_memory(), 6);
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    #[inline]
    pub fn exclusive(&mut self) -> ExclusiveLinear<'_, 'a> {
        let LinearAllocator { arena, next, stats } = self;
        ExclusiveLinear {
            limit: arena.fast_limit(),
            arena,
            next: Cell::from_mut(next.get_mut()),
            counts: stats.exclusive(),
        }
    }
}

impl<'h, 'a> ExclusiveLinear<'h, 'a> {
    /// A view over `arena` with an offset and counters of its own, for a scope that holds the allocator
    /// (see [`LinearAllocator::try_scope`]): nothing else places memory in `arena` while the view lives.
    #[inline]
    pub(super) fn over(
        arena: &'h Arena<'a>,
        next: &'h Cell<*mut u8>,
        counts: ExclusiveCounts<'h>,
    ) -> Self {
        ExclusiveLinear {
            arena,
            next,
            limit: arena.fast_limit(),
            counts,
        }
    }
}

impl ExclusiveLinear<'_, '_> {
    linear_methods! {
        allocate {
            /// ```
            /// use flight_memory::{AllocError, LinearAllocator};
            ///
            /// let mut buffer = [0u8; 64];
            /// let mut scratch = LinearAllocator::from_slice(&mut buffer);
            /// let view = scratch.exclusive();
            /// let block = view.allocate(16, 8)?;
            /// assert_eq!(block.as_ptr() as usize % 8, 0);
            /// assert!(matches!(view.allocate(64, 1), Err(AllocError::OutOfMemory { .. })));
            /// assert_eq!(view.stats().failures, 1);
            /// # Ok::<(), AllocError>(())
            /// ```
        }
        alloc {
            /// ```
            /// use flight_memory::LinearAllocator;
            ///
            /// let mut buffer = [0u8; 4];
            /// let mut scratch = LinearAllocator::from_slice(&mut buffer);
            /// let view = scratch.exclusive();
            /// let a = view.alloc(1u16).map_err(|r| r.error())?;
            /// let b = view.alloc(2u16).map_err(|r| r.error())?;
            /// assert_eq!(*a + *b, 3);
            /// assert_eq!(view.alloc(3u16).unwrap_err().into_inner(), 3); // full: the value comes back
            /// # Ok::<(), flight_memory::AllocError>(())
            /// ```
        }
        alloc_with {
            /// ```
            /// use flight_memory::LinearAllocator;
            ///
            /// let mut buffer = [0u8; 64];
            /// let mut scratch = LinearAllocator::from_slice(&mut buffer);
            /// let view = scratch.exclusive();
            /// let table = view.alloc_with(|| [0u32; 8])?;
            /// table[7] = 1;
            /// assert!(view.alloc_with(|| [0u8; 64]).is_err());
            /// # Ok::<(), flight_memory::AllocError>(())
            /// ```
        }
        alloc_slice_copy {
            /// ```
            /// use flight_memory::LinearAllocator;
            ///
            /// let mut buffer = [0u8; 64];
            /// let mut scratch = LinearAllocator::from_slice(&mut buffer);
            /// let view = scratch.exclusive();
            /// let frame = view.alloc_slice_copy(&[0xEBu8, 0x90, 0x01])?;
            /// frame[2] = 0x02;
            /// assert_eq!(frame, &[0xEB, 0x90, 0x02]);
            /// # Ok::<(), flight_memory::AllocError>(())
            /// ```
        }
        alloc_slice_fill_with {
            /// ```
            /// use flight_memory::LinearAllocator;
            ///
            /// let mut buffer = [0u8; 64];
            /// let mut scratch = LinearAllocator::from_slice(&mut buffer);
            /// let view = scratch.exclusive();
            /// let squares = view.alloc_slice_fill_with(4, |i| (i * i) as u32)?;
            /// assert_eq!(squares, &[0, 1, 4, 9]);
            /// # Ok::<(), flight_memory::AllocError>(())
            /// ```
        }
        alloc_str {
            /// ```
            /// use flight_memory::LinearAllocator;
            ///
            /// let mut buffer = [0u8; 16];
            /// let mut scratch = LinearAllocator::from_slice(&mut buffer);
            /// let view = scratch.exclusive();
            /// let name = view.alloc_str("wheel-2")?;
            /// name.make_ascii_uppercase();
            /// assert_eq!(name, "WHEEL-2");
            /// # Ok::<(), flight_memory::AllocError>(())
            /// ```
        }
        available_memory {
            /// ```
            /// use flight_memory::LinearAllocator;
            ///
            /// let mut buffer = [0u8; 64];
            /// let mut scratch = LinearAllocator::from_slice(&mut buffer);
            /// let view = scratch.exclusive();
            /// view.alloc_str("twelve bytes")?;
            /// assert_eq!((view.used_memory(), view.available_memory(), view.total_memory()), (12, 52, 64));
            /// # Ok::<(), flight_memory::AllocError>(())
            /// ```
        }
    }

    /// Gives every allocation back at once, as [`LinearAllocator::reset`] does: destructors of placed values do
    /// not run, the peak and the counts are kept, `used` goes to zero. The view stays usable.
    ///
    /// Taking `&mut self` proves that no reference handed out by the typed helpers is still alive. (Raw pointers
    /// from [`allocate`](ExclusiveLinear::allocate) are dangling after a reset.)
    ///
    /// ```
    /// use flight_memory::LinearAllocator;
    ///
    /// let mut buffer = [0u8; 64];
    /// let mut scratch = LinearAllocator::from_slice(&mut buffer);
    /// let mut view = scratch.exclusive();
    /// view.alloc_slice_fill_with(40, |i| i as u8)?;
    /// view.reset();
    /// view.alloc_slice_fill_with(10, |i| i as u8)?;
    /// let stats = view.stats();
    /// assert_eq!((stats.used, stats.peak, stats.allocations), (10, 40, 2));
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    #[inline]
    pub fn reset(&mut self) {
        self.counts.raise_peak(self.used_memory());
        self.next.set(self.arena.base().as_ptr());
    }

    /// Bytes handed out, alignment padding included.
    #[inline]
    pub fn used_memory(&self) -> usize {
        self.next.get().addr().wrapping_sub(self.arena.addr())
    }

    /// The allocator's statistics now, everything done through the view included: what
    /// [`LinearAllocator::stats`] reports once the view is gone.
    pub fn stats(&self) -> StatsSnapshot {
        at_offset(self.counts.snapshot(), self.used_memory())
    }
}

// SAFETY: `allocate` hands out `offset..end` and moves the offset to `end`, so each byte goes to one caller, valid
// and aligned (`Arena::claim`). The view is the only way to the allocator while it lives (it holds the
// allocator's `&mut`, or, made by `try_scope`, the allocator's offset is parked past the end of the arena, where
// every shared placement fails, until the view and its borrows are gone), and it is neither `Send` nor `Sync`,
// so no other thread or borrow moves the offset. The
// offset goes back down only in the view's `reset(&mut self)`, which cannot run while a `&self` borrow lives;
// the allocator's own reset cannot run before the view is gone, after every `&self` borrow of it. The view
// never reads or writes the bytes it hands out.
unsafe impl RawBump for ExclusiveLinear<'_, '_> {
    #[inline]
    fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        let next = self.next.get();
        if is_fast_bump(size, align) {
            let (start, end) = bump_up(next.addr(), size, align);
            // `limit` is non-zero only if the arena ends at least `2 * FAST_BUMP_MAX` below the top of the address
            // space, and `next` is at most the arena's end, so no wrap: `next <= start <= end < limit`, that is
            // `end <= arena end`.
            if end < self.limit {
                self.next.set(next.with_addr(end));
                self.counts.count_allocation();
                // SAFETY: `start >= next`, the address of a byte of the arena or one past its end: not null.
                return Ok(unsafe { NonNull::new_unchecked(next.with_addr(start)) });
            }
        }
        self.allocate_exact(size, align)
    }

    #[cold]
    #[inline(never)]
    fn refuse(&self, error: AllocError) -> AllocError {
        self.counts.record_failure();
        error
    }
}

impl ExclusiveLinear<'_, '_> {
    /// [`allocate`](RawBump::allocate) for what its fast path does not place: requests that do not fit, large or
    /// oddly aligned ones, and arenas at the top of the address space. Exact arithmetic (`Arena::claim`).
    #[cold]
    #[inline(never)]
    fn allocate_exact(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        // SAFETY: `next` is in `arena.base()..=arena.end()` (see the field), so its offset is `<= arena.len()`.
        match unsafe { self.arena.claim(self.used_memory(), size, align) } {
            Ok(claim) => {
                self.next.set(claim.next.as_ptr());
                self.counts.count_allocation();
                Ok(claim.ptr)
            }
            Err(error) => Err(self.refuse(error)),
        }
    }
}

#[cfg(test)]
// The view has no `Drop`, so forgetting it must change nothing: these tests would catch a view that kept state to
// write back on drop.
#[allow(clippy::forget_non_drop)]
mod tests {
    use core::mem;

    use super::*;

    #[test]
    fn a_leaked_view_loses_nothing() {
        let mut buffer = [0u8; 64];
        let mut scratch = LinearAllocator::from_slice(&mut buffer);
        let base = scratch.arena.addr();
        let view = scratch.exclusive();
        let first = view.allocate(10, 1).unwrap();
        let second = view.alloc(7u32).unwrap() as *mut u32;
        assert!(view.allocate(100, 1).is_err());
        mem::forget(view);
        // The next allocation starts after everything the leaked view handed out.
        assert_eq!(scratch.used_memory(), 16);
        assert_eq!(first.as_ptr().addr() - base, 0);
        assert_eq!(second.addr() - base, 12);
        let third = scratch.allocate(1, 1).unwrap();
        assert_eq!(third.as_ptr().addr() - base, 16);
        assert_eq!(
            scratch.stats(),
            StatsSnapshot {
                used: 17,
                peak: 17,
                allocations: 3,
                frees: 0,
                failures: 1
            }
        );
    }

    #[test]
    fn a_reset_through_a_leaked_view_keeps_the_peak() {
        let mut buffer = [0u8; 64];
        let mut scratch = LinearAllocator::from_slice(&mut buffer);
        let mut view = scratch.exclusive();
        view.allocate(48, 1).unwrap();
        view.reset();
        view.allocate(8, 1).unwrap();
        mem::forget(view);
        assert_eq!(
            scratch.stats(),
            StatsSnapshot {
                used: 8,
                peak: 48,
                allocations: 2,
                frees: 0,
                failures: 0
            }
        );
        // A second view starts where the first one left off.
        let view = scratch.exclusive();
        assert_eq!(view.used_memory(), 8);
        assert_eq!((view.stats().peak, view.stats().allocations), (48, 2));
    }

    #[test]
    fn the_view_sees_what_the_shared_allocator_did() {
        let mut buffer = [0u8; 32];
        let mut scratch = LinearAllocator::from_slice(&mut buffer);
        scratch.allocate(20, 1).unwrap();
        scratch.reset();
        scratch.allocate(4, 1).unwrap();
        assert!(scratch.allocate(0, 3).is_err());
        let view = scratch.exclusive();
        assert_eq!(view.used_memory(), 4);
        assert_eq!(
            view.stats(),
            StatsSnapshot {
                used: 4,
                peak: 20,
                allocations: 2,
                frees: 0,
                failures: 1
            }
        );
        // Errors are the shared allocator's, and counted.
        assert_eq!(
            view.allocate(1, 0),
            Err(AllocError::InvalidAlignment { align: 0 })
        );
        assert_eq!(view.allocate(usize::MAX, 1), Err(AllocError::SizeOverflow));
        assert_eq!(
            view.alloc_slice_fill_with(usize::MAX, |_| 0u32),
            Err(AllocError::SizeOverflow)
        );
        assert_eq!(
            view.allocate(29, 1),
            Err(AllocError::OutOfMemory {
                requested: 29,
                remaining: 28
            })
        );
        assert_eq!(view.stats().failures, 5);
    }
}
