//! The bump allocator: O(1), lock-free, freed all at once; and its exclusive view for a single owner.

use core::ptr::NonNull;

use crate::storage::typed::RawBump;
use crate::storage::{Arena, bump_up, is_fast_bump};
use crate::sync::{AtomicPtr, Ordering, const_fn_unless_loom};
use crate::{AllocError, AllocationStrategy, Allocator, FreeError, MemoryStats, StatsSnapshot};

/// Declares, inside an `impl`, the methods [`LinearAllocator`] and [`ExclusiveLinear`] share, written and
/// documented once: `allocate` (the type's [`RawBump::allocate`]), the bumpalo-style typed helpers (the
/// [`typed`](crate::storage::typed) ones, whose references borrow `self`) and the memory totals. The type
/// implements [`RawBump`] and has an `arena`, `used_memory`, `reset` and `stats`. `name { /// ... }` adds doc
/// lines of the type's own (an example) to method `name`, after the shared ones; the names go in the order of
/// the pattern.
macro_rules! linear_methods {
    (
        $(allocate { $(#[$allocate:meta])* })?
        $(alloc { $(#[$alloc:meta])* })?
        $(alloc_with { $(#[$alloc_with:meta])* })?
        $(alloc_slice_copy { $(#[$slice_copy:meta])* })?
        $(alloc_slice_fill_with { $(#[$fill_with:meta])* })?
        $(alloc_str { $(#[$str:meta])* })?
        $(available_memory { $(#[$available:meta])* })?
    ) => {
        /// Allocates `size` bytes aligned to `align` (a power of two), uninitialised, valid until the next
        /// [`reset`](Self::reset). A zero-size request is served with an aligned pointer and takes only the
        /// padding.
        ///
        /// # Errors
        ///
        /// [`AllocError::OutOfMemory`](crate::AllocError::OutOfMemory) if the request does not fit in what is
        /// left, [`AllocError::InvalidAlignment`](crate::AllocError::InvalidAlignment) if `align` is not a power
        /// of two, [`AllocError::SizeOverflow`](crate::AllocError::SizeOverflow) if `size` plus padding
        /// overflows. Each failure is counted in [`stats`](Self::stats).
        $($(#[$allocate])*)?
        #[inline]
        pub fn allocate(
            &self,
            size: usize,
            align: usize,
        ) -> Result<core::ptr::NonNull<u8>, $crate::AllocError> {
            $crate::storage::typed::RawBump::allocate(self, size, align)
        }

        /// Moves `value` into the allocator and returns a reference to it. Its destructor never runs.
        ///
        /// # Errors
        ///
        /// [`Rejected`](crate::Rejected) gives `value` back with the reason when it does not fit.
        $($(#[$alloc])*)?
        #[inline]
        #[allow(clippy::mut_from_ref)] // each call hands out fresh, disjoint memory; see `typed`.
        pub fn alloc<T>(&self, value: T) -> Result<&mut T, $crate::Rejected<T>> {
            $crate::storage::typed::alloc(self, value)
        }

        /// Places the value `f` returns (built after the memory is found, so a failed request does not build
        /// it).
        ///
        /// # Errors
        ///
        /// [`AllocError`](crate::AllocError) when a `T` does not fit; `f` is not called then.
        $($(#[$alloc_with])*)?
        #[inline]
        #[allow(clippy::mut_from_ref)] // fresh, disjoint memory, as for `alloc`.
        pub fn alloc_with<T>(&self, f: impl FnOnce() -> T) -> Result<&mut T, $crate::AllocError> {
            $crate::storage::typed::alloc_with(self, f)
        }

        /// Copies `src` into the allocator.
        ///
        /// # Errors
        ///
        /// [`AllocError`](crate::AllocError) when the slice does not fit, or its size overflows.
        $($(#[$slice_copy])*)?
        #[inline]
        #[allow(clippy::mut_from_ref)] // fresh, disjoint memory, as for `alloc`.
        pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> Result<&mut [T], $crate::AllocError> {
            $crate::storage::typed::alloc_slice_copy(self, src)
        }

        /// Builds a slice of `len` values, element `i` being `f(i)`.
        ///
        /// If `f` panics, the elements built so far are leaked and the memory stays taken until the next
        /// [`reset`](Self::reset).
        ///
        /// # Errors
        ///
        /// [`AllocError`](crate::AllocError) when the slice does not fit, or its size overflows; `f` is not
        /// called then.
        $($(#[$fill_with])*)?
        #[inline]
        #[allow(clippy::mut_from_ref)] // fresh, disjoint memory, as for `alloc`.
        pub fn alloc_slice_fill_with<T>(
            &self,
            len: usize,
            f: impl FnMut(usize) -> T,
        ) -> Result<&mut [T], $crate::AllocError> {
            $crate::storage::typed::alloc_slice_fill_with(self, len, f)
        }

        /// Copies `src` into the allocator.
        ///
        /// # Errors
        ///
        /// [`AllocError`](crate::AllocError) when the string does not fit.
        $($(#[$str])*)?
        #[inline]
        #[allow(clippy::mut_from_ref)] // fresh, disjoint memory, as for `alloc`.
        pub fn alloc_str(&self, src: &str) -> Result<&mut str, $crate::AllocError> {
            $crate::storage::typed::alloc_str(self, src)
        }

        /// Size of the allocator's memory in bytes.
        #[inline]
        pub fn total_memory(&self) -> usize {
            self.arena.len()
        }

        /// Bytes not handed out yet; alignment may keep a request of this size from being served.
        $($(#[$available])*)?
        #[inline]
        pub fn available_memory(&self) -> usize {
            self.total_memory().saturating_sub(self.used_memory())
        }
    };
}

#[cfg(not(loom))]
mod exclusive;
#[cfg(not(loom))]
mod scope;
#[cfg(not(loom))]
pub use exclusive::ExclusiveLinear;
#[cfg(not(loom))]
pub use scope::LinearBusy;

/// A bump allocator: each allocation takes the next bytes of its memory, and [`reset`](LinearAllocator::reset)
/// gives them all back at once. Use it for scratch memory that lives for one cycle, one command, or one file
/// transfer.
///
/// Allocation is O(1) and lock-free: one compare-and-swap on the offset, so a `static` allocator can be shared
/// by every thread and interrupt (`LinearAllocator` is `Sync`). Nothing is freed one by one: the crate's
/// [`Allocator::deallocate`] refuses with [`FreeError::Unsupported`].
///
/// # A single owner
///
/// Code that owns the allocator (`&mut`, e.g. a task's own scratch) can take its
/// [`exclusive`](LinearAllocator::exclusive) view, an [`ExclusiveLinear`]: the same helpers and the same
/// statistics, with plain loads and stores instead of the compare-and-swap and the counter add, so an
/// allocation costs no atomic instruction at all.
///
/// # Where the memory comes from
///
/// * A `static` with no start-up cost: [`static_allocator!`](crate::static_allocator) (hand-written code), or
///   [`from_raw_parts`](LinearAllocator::from_raw_parts) over a private
///   [`StaticStorage`](crate::StaticStorage) (generated code).
/// * A borrowed slice: [`from_slice`](LinearAllocator::from_slice), also `const`.
/// * The heap (feature `alloc`): [`new`][LinearAllocator::new], freed when the allocator is dropped.
///
/// # Typed helpers
///
/// [`alloc`](LinearAllocator::alloc), [`alloc_with`](LinearAllocator::alloc_with),
/// [`alloc_slice_copy`](LinearAllocator::alloc_slice_copy),
/// [`alloc_slice_fill_with`](LinearAllocator::alloc_slice_fill_with) and
/// [`alloc_str`](LinearAllocator::alloc_str) place values and hand out references that live as long as the
/// borrow of the allocator; `reset` takes `&mut self`, so it cannot run while one of them exists. They never
/// panic: a request that does not fit is an error (and `alloc` gives the value back).
///
/// **Values placed in the allocator are never dropped**: `reset` and the allocator's own drop release the bytes
/// without running destructors, as in bumpalo. Place plain data, or drop values yourself
/// (`core::ptr::drop_in_place`) before a reset.
///
/// # Statistics
///
/// `used` is the offset: the bytes handed out plus the alignment padding between them. `peak` is its high-water
/// mark across resets. `failures` counts requests that could not be served and memory given back (refused).
///
/// ```
/// use flight_memory::{static_allocator, Allocator, AllocError};
///
/// static_allocator! {
///     static SCRATCH: LinearAllocator(1024);
/// }
///
/// let samples = SCRATCH.alloc_slice_copy(&[1u16, 2, 3])?;
/// samples[0] = 7;
/// let name = SCRATCH.alloc_str("wheel-2")?;
/// assert_eq!((&*samples, &*name), (&[7u16, 2, 3][..], "wheel-2"));
/// assert_eq!(SCRATCH.stats().allocations, 2);
///
/// // Exhaustion is an error, never a panic.
/// assert!(matches!(SCRATCH.allocate(4096, 8), Err(AllocError::OutOfMemory { .. })));
/// # Ok::<(), AllocError>(())
/// ```
///
#[cfg_attr(
    not(feature = "alloc"),
    doc = "[LinearAllocator::new]: https://docs.rs/flight-memory/latest/flight_memory/struct.LinearAllocator.html#method.new"
)]
#[derive(Debug)]
pub struct LinearAllocator<'a> {
    arena: Arena<'a>,
    /// The next free byte, with the arena's provenance: always in `arena.base()..=arena.end()` (the end while a
    /// [`try_scope`](LinearAllocator::try_scope) holds the allocator). Its offset from the base, the *offset*, is
    /// the bytes handed out, alignment padding included. Kept as an address rather than an offset so that an
    /// allocation neither loads the base nor converts (bumpalo's layout). Grows by compare-and-swap; goes down
    /// only in `reset` (`&mut self`), at the end of a scope (which started at the base, so nothing of the shared
    /// path is out), and when `allocator-api2` gives back or shrinks the newest allocation (a `Release`
    /// exchange, which the `Acquire` exchange of the next allocation pairs with before the bytes are reused).
    next: AtomicPtr<u8>,
    /// Allocations, frees and failures, and the peak of the offset up to its last decrease: `used` is not kept
    /// here but read from `next`, so an allocation costs one exchange and one counter add. Every decrease of
    /// the offset raises the peak to the value it leaves first, so `max(peak, offset)` is the true high-water
    /// mark.
    stats: MemoryStats,
}

impl<'a> LinearAllocator<'a> {
    const_fn_unless_loom! {
        /// An allocator over `bytes`, which it borrows for `'a`.
        ///
        /// ```
        /// use flight_memory::LinearAllocator;
        ///
        /// let mut buffer = [0u8; 64];
        /// let scratch = LinearAllocator::from_slice(&mut buffer);
        /// let x = scratch.alloc(5u64).map_err(|rejected| rejected.error())?;
        /// *x += 1;
        /// assert_eq!(scratch.total_memory(), 64);
        /// # Ok::<(), flight_memory::AllocError>(())
        /// ```
        pub fn from_slice(bytes: &'a mut [u8]) -> Self {
            Self::with_arena(Arena::from_slice(bytes))
        }
    }

    const_fn_unless_loom! {
        /// An allocator over the `len` bytes at `ptr`: the constructor for generated code, which keeps the
        /// storage in a private `static` (see [`StaticStorage`](crate::StaticStorage)).
        ///
        /// # Safety
        ///
        /// * `ptr` is valid for reads and writes of `len` bytes for `'a`, and those bytes are one allocated
        ///   object (a `static`, or one allocation);
        /// * nothing else reads or writes those bytes while the allocator or any memory it handed out is in
        ///   use: in particular, no second allocator is built over them.
        pub unsafe fn from_raw_parts(ptr: NonNull<u8>, len: usize) -> Self {
            // SAFETY: forwarded from this function's contract.
            Self::with_arena(unsafe { Arena::from_raw_parts(ptr, len) })
        }
    }

    const_fn_unless_loom! {
        fn with_arena(arena: Arena<'a>) -> Self {
            let next = AtomicPtr::new(arena.base().as_ptr());
            LinearAllocator { arena, next, stats: MemoryStats::new() }
        }
    }

    linear_methods! {
        alloc {
            /// ```
            /// use flight_memory::LinearAllocator;
            ///
            /// let mut buffer = [0u8; 4];
            /// let scratch = LinearAllocator::from_slice(&mut buffer);
            /// let a = scratch.alloc(1u16).map_err(|r| r.error())?;
            /// let b = scratch.alloc(2u16).map_err(|r| r.error())?;
            /// assert_eq!(*a + *b, 3);
            /// let full = scratch.alloc(3u16).unwrap_err();
            /// assert_eq!(full.into_inner(), 3); // nothing lost
            /// # Ok::<(), flight_memory::AllocError>(())
            /// ```
        }
        alloc_slice_fill_with {
            /// ```
            /// use flight_memory::LinearAllocator;
            ///
            /// let mut buffer = [0u8; 64];
            /// let scratch = LinearAllocator::from_slice(&mut buffer);
            /// let squares = scratch.alloc_slice_fill_with(4, |i| (i * i) as u32)?;
            /// assert_eq!(squares, &[0, 1, 4, 9]);
            /// # Ok::<(), flight_memory::AllocError>(())
            /// ```
        }
    }

    /// Gives every allocation back at once. Destructors of placed values do not run. Keeps the peak and the
    /// counts in [`stats`](LinearAllocator::stats), and sets `used` to zero.
    ///
    /// Taking `&mut self` proves that no reference handed out by the typed helpers is still alive. (Raw pointers
    /// from [`allocate`](LinearAllocator::allocate) are dangling after a reset; not using them is up to their
    /// holder, as with any raw pointer.)
    ///
    /// ```compile_fail
    /// # let mut buffer = [0u8; 64];
    /// let mut scratch = flight_memory::LinearAllocator::from_slice(&mut buffer);
    /// let x = scratch.alloc(1u8).unwrap();
    /// scratch.reset(); // error: `scratch` is borrowed by `x`
    /// *x += 1;
    /// ```
    pub fn reset(&mut self) {
        self.stats.raise_peak(self.used_memory());
        self.next
            .store(self.arena.base().as_ptr(), Ordering::Relaxed);
    }

    /// Bytes handed out, alignment padding included (all of them while a
    /// [`try_scope`](LinearAllocator::try_scope) holds the allocator).
    #[inline]
    pub fn used_memory(&self) -> usize {
        self.offset_at(self.next.load(Ordering::Relaxed))
    }

    /// The offset of `next`, an address in `arena.base()..=arena.end()`.
    #[inline]
    pub(super) fn offset_at(&self, next: *mut u8) -> usize {
        next.addr().wrapping_sub(self.arena.addr())
    }

    /// The allocator's statistics now.
    pub fn stats(&self) -> StatsSnapshot {
        at_offset(self.stats.snapshot(), self.used_memory())
    }

    /// The offset of `ptr` in the allocator's memory, if it points inside (or one past the end).
    #[cfg(any(feature = "allocator-api2", test))]
    #[inline]
    pub(crate) fn offset_of(&self, ptr: NonNull<u8>) -> Option<usize> {
        self.arena.offset_of(ptr)
    }

    /// Moves the end of the newest allocation, which starts at `start`, from `start + old_size` to
    /// `start + new_size`, if it still is the newest and the new end fits.
    ///
    /// Moving it down publishes the caller's last writes to the released bytes (`Release`) for whoever
    /// allocates them next (`Acquire` in [`allocate`](LinearAllocator::allocate)).
    #[cfg(any(feature = "allocator-api2", test))]
    fn move_newest_end(&self, start: usize, old_size: usize, new_size: usize) -> Option<()> {
        let old_end = start.checked_add(old_size)?;
        let new_end = start.checked_add(new_size)?;
        let old_next = self.arena.ptr_at(old_end)?;
        let new_next = self.arena.ptr_at(new_end)?;
        if new_end < old_end {
            // Keeps `max(peak, offset)` the high-water mark once the offset goes down (see `stats`).
            self.stats.raise_peak(old_end);
        }
        self.next
            .compare_exchange(
                old_next.as_ptr(),
                new_next.as_ptr(),
                Ordering::AcqRel,
                Ordering::Relaxed,
            )
            .ok()
            .map(drop)
    }

    /// Resizes the newest allocation, `start..start + old_size`, to `new_size` bytes in place, if it still is the
    /// newest and the new size fits. Counted as one allocation and one free (what a move would count), with
    /// `used` following the size.
    #[cfg(any(feature = "allocator-api2", test))]
    pub(crate) fn resize_newest(&self, start: usize, old_size: usize, new_size: usize) -> bool {
        if self.move_newest_end(start, old_size, new_size).is_none() {
            return false;
        }
        self.stats.count_allocation();
        self.stats.count_free();
        true
    }

    /// Gives back the newest allocation, `start..start + size`, if it still is the newest: counted as a free.
    #[cfg(any(feature = "allocator-api2", test))]
    pub(crate) fn release_newest(&self, start: usize, size: usize) -> bool {
        if self.move_newest_end(start, size, 0).is_none() {
            return false;
        }
        self.stats.count_free();
        true
    }
}

/// The statistics of a linear allocator from its counters and its offset: `used` is the offset, and the peak at
/// least that (see the `stats` field of [`LinearAllocator`]).
#[inline]
fn at_offset(counts: StatsSnapshot, offset: usize) -> StatsSnapshot {
    StatsSnapshot {
        used: offset,
        peak: counts.peak.max(offset),
        ..counts
    }
}

// SAFETY: `allocate` hands out `next..end` and moves `next` to `end` in one compare-and-swap, so each byte goes to
// one caller, valid and aligned (`bump_up` below the arena's end, or `Arena::claim`). `next` goes back down only
// in `reset(&mut self)`, which cannot run while a `&self` borrow lives, and, with `allocator-api2`, when the owner
// of the newest allocation gives it back or shrinks it (`release_newest`, `resize_newest`), which
// `allocator_api2`'s unsafe `deallocate`/`shrink` contracts allow only for memory the caller owns and no longer
// uses. The allocator itself never reads or writes the bytes it hands out.
unsafe impl RawBump for LinearAllocator<'_> {
    #[inline]
    fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        if is_fast_bump(size, align) {
            let current = self.next.load(Ordering::Relaxed);
            let (start, end) = bump_up(current.addr(), size, align);
            // For a fast request a wrap past the top of the address space leaves `end` below `current`; without
            // one, `current <= start <= end <= arena end`.
            if current.addr() <= end
                && end <= self.arena.end_addr()
                && self
                    .next
                    .compare_exchange_weak(
                        current,
                        current.with_addr(end),
                        Ordering::Acquire,
                        Ordering::Relaxed,
                    )
                    .is_ok()
            {
                self.stats.count_allocation();
                // SAFETY: `start >= current`, the address of a byte of the arena or one past its end: not null.
                return Ok(unsafe { NonNull::new_unchecked(current.with_addr(start)) });
            }
        }
        self.allocate_contended(size, align)
    }

    #[cold]
    #[inline(never)]
    fn refuse(&self, error: AllocError) -> AllocError {
        self.stats.record_failure();
        error
    }
}

impl LinearAllocator<'_> {
    /// [`allocate`](RawBump::allocate) when its one attempt did not succeed: another thread moved `next` first,
    /// the request does not fit, or it is not a fast request. Exact arithmetic (`Arena::claim`), in a loop.
    #[inline(never)]
    fn allocate_contended(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        let mut current = self.next.load(Ordering::Relaxed);
        loop {
            // SAFETY: the offset of `next` is always `<= arena.len()` (see the field): `next` only ever takes a
            // claim's end, a fast request's end checked against the arena's end, the base, the end (a scope), or
            // an end `move_newest_end` checked against the length.
            let claim = match unsafe { self.arena.claim(self.offset_at(current), size, align) } {
                Ok(claim) => claim,
                Err(error) => return Err(self.refuse(error)),
            };
            match self.next.compare_exchange_weak(
                current,
                claim.next.as_ptr(),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    self.stats.count_allocation();
                    return Ok(claim.ptr);
                }
                Err(actual) => current = actual,
            }
        }
    }
}

#[cfg(feature = "alloc")]
impl LinearAllocator<'static> {
    /// An allocator over `size` bytes of the global heap (aligned to 16), freed when it is dropped: for ground
    /// tools, simulations and tests.
    ///
    /// # Errors
    ///
    /// [`AllocError::OutOfMemory`] if the heap cannot provide the bytes, [`AllocError::SizeOverflow`] if `size`
    /// exceeds `isize::MAX` (minus the alignment).
    ///
    /// ```
    /// use flight_memory::LinearAllocator;
    ///
    /// let scratch = LinearAllocator::new(1024 * 1024)?;
    /// let frame = scratch.alloc_slice_fill_with(1000, |i| i as u8)?;
    /// assert_eq!(frame[999], 231);
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    pub fn new(size: usize) -> Result<Self, AllocError> {
        Ok(Self::with_arena(Arena::heap(
            size,
            crate::storage::HEAP_ALIGN,
        )?))
    }
}

impl Allocator for LinearAllocator<'_> {
    #[inline]
    fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        LinearAllocator::allocate(self, size, align)
    }

    /// Refuses: a linear allocator frees only in bulk, with [`reset`](LinearAllocator::reset).
    ///
    /// # Errors
    ///
    /// [`FreeError::ForeignPointer`] if `ptr` is not in this allocator's memory, else
    /// [`FreeError::Unsupported`]. Both are counted as failures.
    unsafe fn deallocate(&self, ptr: NonNull<u8>, _size: usize) -> Result<(), FreeError> {
        self.stats.record_failure();
        match self.arena.offset_of(ptr) {
            None => Err(FreeError::ForeignPointer),
            Some(_) => Err(FreeError::Unsupported {
                strategy: AllocationStrategy::Linear,
            }),
        }
    }

    fn used_memory(&self) -> usize {
        LinearAllocator::used_memory(self)
    }

    fn total_memory(&self) -> usize {
        LinearAllocator::total_memory(self)
    }

    fn stats(&self) -> StatsSnapshot {
        LinearAllocator::stats(self)
    }

    fn strategy(&self) -> AllocationStrategy {
        AllocationStrategy::Linear
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn reset_gives_everything_back_and_keeps_the_peak() {
        let mut buffer = [0u8; 32];
        let mut scratch = LinearAllocator::from_slice(&mut buffer);
        scratch.allocate(20, 1).unwrap();
        assert!(scratch.allocate(20, 1).is_err());
        scratch.reset();
        assert_eq!(scratch.used_memory(), 0);
        scratch.allocate(20, 1).unwrap();
        assert_eq!(
            scratch.stats(),
            StatsSnapshot {
                used: 20,
                peak: 20,
                allocations: 2,
                frees: 0,
                failures: 1
            }
        );
    }

    #[test]
    fn resize_newest_only_touches_the_newest_allocation() {
        let mut buffer = [0u8; 32];
        let scratch = LinearAllocator::from_slice(&mut buffer);
        let a = scratch.allocate(4, 1).unwrap();
        let a_start = scratch.offset_of(a).unwrap();
        let b = scratch.allocate(4, 1).unwrap();
        let b_start = scratch.offset_of(b).unwrap();
        assert!(!scratch.resize_newest(a_start, 4, 8));
        assert!(scratch.resize_newest(b_start, 4, 12));
        assert_eq!(scratch.used_memory(), b_start + 12);
        assert!(!scratch.resize_newest(b_start, 12, 64));
        assert!(!scratch.release_newest(a_start, 4));
        assert!(scratch.release_newest(b_start, 12));
        assert_eq!(scratch.used_memory(), b_start);
        let stats = scratch.stats();
        assert_eq!(
            (stats.used, stats.allocations, stats.frees),
            (b_start, 3, 2)
        );
    }

    #[test]
    fn bad_alignment_and_overflow_are_errors() {
        let mut buffer = [0u8; 8];
        let scratch = LinearAllocator::from_slice(&mut buffer);
        assert_eq!(
            scratch.allocate(1, 0),
            Err(AllocError::InvalidAlignment { align: 0 })
        );
        assert_eq!(
            scratch.allocate(usize::MAX, 1),
            Err(AllocError::OutOfMemory {
                requested: usize::MAX,
                remaining: 8
            })
        );
        scratch.allocate(1, 1).unwrap();
        assert_eq!(
            scratch.allocate(usize::MAX, 1),
            Err(AllocError::SizeOverflow)
        );
        assert_eq!(
            scratch.alloc_slice_fill_with(usize::MAX, |_| 0u32),
            Err(AllocError::SizeOverflow)
        );
        assert_eq!(scratch.stats().failures, 4);
    }
}
