//! The exclusive view of a [`StackAllocator`]: LIFO allocation with markers for a single owner, with plain loads
//! and stores.
//!
//! A shared `StackAllocator` takes its lock (one compare-and-swap) for every operation, writes a record after
//! every allocation so that any free can be checked, and walks those records to check a marker. An owner that
//! holds `&mut StackAllocator` has no one to race with: [`StackAllocator::exclusive`] opens a frame on the stack
//! (as [`scope`](StackAllocator::scope) does, with a plain store) and hands out its memory without records. A
//! marker of the view is a position in that frame, so releasing to it is a comparison and two stores.

use core::cell::Cell;
use core::ptr::NonNull;

use super::{Guard, LOCKED, Locked, StackAllocator};
use crate::storage::typed;
use crate::sync::Ordering;
use crate::{AllocError, FreeError, Rejected};

/// A [`StackAllocator`] borrowed by one owner, from [`StackAllocator::exclusive`]: allocations, markers and
/// releases with no atomic read-modify-write instruction and no record.
///
/// Everything allocated through the view is released when the view is dropped, and earlier by
/// [`free_to_marker`](ExclusiveStack::free_to_marker). The typed helpers hand out references that live as long
/// as the borrow of the view (`&self`), and `free_to_marker` takes `&mut self`, so a release cannot run while
/// one of them exists. Pointers from [`allocate`](ExclusiveStack::allocate) dangle after a release that frees
/// them, as with the stack's own markers.
///
/// The stack's statistics count every allocation made through the view, when it is released (at a release
/// to a marker, or when the view ends): allocations and frees together, and the peak of the bytes in use. A
/// leaked view (`mem::forget`) keeps the stack busy, so that its memory is not handed out twice, until
/// [`StackAllocator::reset`]; its allocations since its last release are not counted.
///
/// ```
/// use flight_memory::StackAllocator;
///
/// let mut buffer = [0u8; 1024];
/// let mut stack = StackAllocator::from_slice(&mut buffer);
/// {
///     let mut view = stack.exclusive();
///     for cycle in 0..3u32 {
///         let marker = view.marker();
///         let samples = view.alloc_slice_copy(&[cycle; 16])?;
///         assert_eq!(samples.iter().sum::<u32>(), 16 * cycle);
///         view.free_to_marker(marker)?;
///     }
///     assert_eq!(view.used_memory(), 0);
/// }
/// assert_eq!((stack.stats().allocations, stack.stats().frees), (3, 3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A reference from the view cannot be used after a release:
///
/// ```compile_fail,E0502
/// # let mut buffer = [0u8; 64];
/// # let mut stack = flight_memory::StackAllocator::from_slice(&mut buffer);
/// let mut view = stack.exclusive();
/// let marker = view.marker();
/// let x = view.alloc(1u8).unwrap();
/// view.free_to_marker(marker).unwrap(); // error: `view` is borrowed by `x`
/// *x += 1;
/// ```
#[derive(Debug)]
pub struct ExclusiveStack<'s, 'a> {
    /// Holds the stack's lock (taken with a plain store: `&mut` proves nobody else holds it), released after
    /// `Drop` has given the view's memory back.
    guard: Guard<'s, 'a>,
    /// The stack's top when the view opened; restored when it ends.
    start: usize,
    /// Allocations made through the view and not yet released, counted as frees when they are.
    allocations: Cell<usize>,
}

/// A position of an [`ExclusiveStack`] to release back to with
/// [`free_to_marker`](ExclusiveStack::free_to_marker).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExclusiveMarker {
    top: usize,
    allocations: usize,
}

impl ExclusiveMarker {
    /// The stack's used bytes when the marker was taken.
    pub const fn used_memory(&self) -> usize {
        self.top
    }
}

impl<'a> StackAllocator<'a> {
    /// The exclusive view of this stack, for a single owner: allocations and markers without atomic
    /// read-modify-write instructions or records. The stack is borrowed until the view is dropped, which gives
    /// back everything allocated through it.
    ///
    /// ```
    /// use flight_memory::StackAllocator;
    ///
    /// let mut buffer = [0u8; 256];
    /// let mut stack = StackAllocator::from_slice(&mut buffer);
    /// let view = stack.exclusive();
    /// let block = view.allocate(64, 8)?;
    /// assert_eq!(block.as_ptr() as usize % 8, 0);
    /// assert_eq!(view.used_memory(), 64);
    /// drop(view);
    /// assert_eq!(stack.used_memory(), 0);
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    pub fn exclusive(&mut self) -> ExclusiveStack<'_, 'a> {
        // `&mut self`: no operation, scope or view can be holding the lock (they all borrow the stack).
        self.lock.store(LOCKED, Ordering::Relaxed);
        let locked = Locked { stack: self };
        ExclusiveStack {
            start: locked.current_top(),
            guard: Guard { locked },
            allocations: Cell::new(0),
        }
    }
}

impl ExclusiveStack<'_, '_> {
    #[inline]
    fn locked(&self) -> Locked<'_, '_> {
        self.guard.locked
    }

    /// Allocates `size` uninitialised bytes aligned to `align` (a power of two), valid until a release frees
    /// them or the view ends.
    ///
    /// # Errors
    ///
    /// [`AllocError::OutOfMemory`], [`AllocError::InvalidAlignment`], [`AllocError::SizeOverflow`]; counted
    /// in the stack's statistics.
    #[inline]
    pub fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        let locked = self.locked();
        let top = locked.top();
        // SAFETY: the top is always `<= arena.len()` (see the field).
        match unsafe { locked.stack.arena.claim(top, size, align) } {
            Ok(claim) => {
                locked.set_top(claim.end);
                // The statistics count the allocation when it is released (`release`).
                self.allocations.set(self.allocations.get().wrapping_add(1));
                Ok(claim.ptr)
            }
            Err(error) => Err(locked.stack.refuse(error)),
        }
    }

    /// Moves `value` into the stack. Its destructor never runs.
    ///
    /// # Errors
    ///
    /// [`Rejected`] gives `value` back with the reason when it does not fit.
    ///
    /// ```
    /// # let mut buffer = [0u8; 64];
    /// # let mut stack = flight_memory::StackAllocator::from_slice(&mut buffer);
    /// let view = stack.exclusive();
    /// let x = view.alloc(41u32).map_err(|r| r.error())?;
    /// *x += 1;
    /// assert_eq!(*x, 42);
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    #[inline]
    #[allow(clippy::mut_from_ref)] // each call hands out fresh, disjoint memory, released only through `&mut self`.
    pub fn alloc<T>(&self, value: T) -> Result<&mut T, Rejected<T>> {
        match self.allocate(size_of::<T>(), align_of::<T>()) {
            // SAFETY: the memory was just handed out for a `T` and is ours alone; it is released only by
            // `free_to_marker(&mut self)` or when the view ends, after the borrow of `self` this reference holds.
            Ok(ptr) => Ok(unsafe { typed::write(ptr, value) }),
            Err(error) => Err(Rejected::new(value, error)),
        }
    }

    /// Copies `src` into the stack.
    ///
    /// # Errors
    ///
    /// [`AllocError`] when the slice does not fit, or its size overflows.
    #[inline]
    #[allow(clippy::mut_from_ref)] // fresh, disjoint memory, as for `alloc`.
    pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> Result<&mut [T], AllocError> {
        let layout =
            typed::array_layout::<T>(src.len()).map_err(|e| self.locked().stack.refuse(e))?;
        let ptr = self.allocate(layout.size(), layout.align())?;
        // SAFETY: fresh memory for `[T; src.len()]` (so disjoint from `src`), ours until released as in `alloc`.
        Ok(unsafe { typed::copy_slice(ptr, src) })
    }

    /// The current position, to release back to with [`free_to_marker`](ExclusiveStack::free_to_marker).
    #[inline]
    pub fn marker(&self) -> ExclusiveMarker {
        ExclusiveMarker {
            top: self.locked().current_top(),
            allocations: self.allocations.get(),
        }
    }

    /// Frees everything allocated through the view since `marker` was taken, in O(1).
    ///
    /// # Errors
    ///
    /// [`FreeError::OutOfOrder`] if the view is already below the marker (a release to an older marker freed
    /// it) or the marker comes from another view; nothing is freed then.
    ///
    /// ```
    /// use flight_memory::{FreeError, StackAllocator};
    ///
    /// let mut buffer = [0u8; 256];
    /// let mut stack = StackAllocator::from_slice(&mut buffer);
    /// let mut view = stack.exclusive();
    /// let outer = view.marker();
    /// view.allocate(16, 8)?;
    /// let inner = view.marker();
    /// view.allocate(16, 8)?;
    /// view.free_to_marker(outer)?;
    /// assert_eq!(view.free_to_marker(inner), Err(FreeError::OutOfOrder)); // already freed
    /// assert_eq!(view.used_memory(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn free_to_marker(&mut self, marker: ExclusiveMarker) -> Result<(), FreeError> {
        let allocations = self.allocations.get();
        let locked = self.locked();
        if marker.top < self.start
            || marker.top > locked.current_top()
            || marker.allocations > allocations
        {
            return Err(locked.stack.refuse(FreeError::OutOfOrder));
        }
        self.release(marker.top, allocations - marker.allocations);
        self.allocations.set(marker.allocations);
        Ok(())
    }

    /// Gives back the `count` newest allocations, down to `top`. The statistics count them now, allocations and
    /// frees together: the bytes in use are back where they were before them, and the peak is raised to the
    /// top they reached, which is the highest since the last release.
    #[inline]
    fn release(&self, top: usize, count: usize) {
        let locked = self.locked();
        let high = locked.top();
        locked.set_top(top);
        locked
            .stack
            .stats
            .record_round_trips_serialised(count, high);
    }

    /// Bytes allocated through the view and not released, padding included.
    #[inline]
    pub fn used_memory(&self) -> usize {
        self.locked().current_top() - self.start
    }

    /// Bytes left on the stack above the top.
    #[inline]
    pub fn available_memory(&self) -> usize {
        self.locked().available()
    }
}

impl Drop for ExclusiveStack<'_, '_> {
    fn drop(&mut self) {
        // Then `guard` releases the lock.
        self.release(self.start, self.allocations.get());
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::{FreeError, StackAllocator};

    #[test]
    fn markers_release_in_o1_and_the_stats_see_every_step() {
        let mut buffer = [0u8; 512];
        let mut stack = StackAllocator::from_slice(&mut buffer);
        let kept = stack.allocate(8, 8).unwrap();
        let before = stack.used_memory();
        {
            let mut view = stack.exclusive();
            let marker = view.marker();
            for _ in 0..4 {
                view.allocate(24, 8).unwrap();
            }
            let inner = view.marker();
            view.allocate(8, 8).unwrap();
            view.free_to_marker(inner).unwrap();
            assert_eq!(view.used_memory(), 96);
            view.free_to_marker(marker).unwrap();
            assert_eq!(view.free_to_marker(inner), Err(FreeError::OutOfOrder));
            view.allocate(40, 8).unwrap();
        }
        // The view's memory is back, the stack works again, and everything was counted.
        assert_eq!(stack.used_memory(), before);
        let stats = stack.stats();
        assert_eq!((stats.allocations, stats.frees, stats.failures), (7, 6, 1));
        // SAFETY: `kept` came from this stack's `allocate(8, 8)` above and was not freed since.
        assert_eq!(unsafe { stack.deallocate(kept, 8) }, Ok(()));
        assert_eq!(stack.used_memory(), 0);
    }

    #[test]
    fn a_marker_of_another_view_below_its_start_is_refused() {
        let mut buffer = [0u8; 256];
        let mut stack = StackAllocator::from_slice(&mut buffer);
        let early = stack.exclusive().marker();
        stack.allocate(16, 8).unwrap();
        let mut view = stack.exclusive();
        assert_eq!(view.free_to_marker(early), Err(FreeError::OutOfOrder));
    }

    #[test]
    fn a_leaked_view_keeps_the_stack_busy_until_reset() {
        let mut buffer = [0u8; 256];
        let mut stack = StackAllocator::from_slice(&mut buffer);
        let view = stack.exclusive();
        view.allocate(64, 8).unwrap();
        core::mem::forget(view);
        assert!(stack.allocate(8, 8).is_err());
        stack.reset();
        assert!(stack.allocate(8, 8).is_ok());
    }
}
