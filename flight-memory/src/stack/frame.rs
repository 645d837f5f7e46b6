//! The scoped API of [`StackAllocator`]: frames whose allocations are released together, with LIFO order
//! enforced by the borrow checker.

use core::cell::Cell;
use core::marker::PhantomData;
use core::ptr::NonNull;

use super::{Guard, Locked};
use crate::storage::typed;
use crate::{AllocError, Rejected};

/// A frame of a [`StackAllocator`](crate::StackAllocator), open for the duration of a
/// [`StackAllocator::scope`](crate::StackAllocator::scope),
/// [`StackAllocator::try_scope`](crate::StackAllocator::try_scope) or [`Frame::scope`] closure. Everything
/// allocated in it is released when the closure returns (or unwinds).
///
/// The typed helpers hand out references that live for `'f`, the whole frame, so several can be used together,
/// and references from an outer frame stay usable inside an inner one. `'f` is a brand chosen for each frame:
/// the closure cannot return or store anything that borrows for `'f`, so no reference outlives the frame's
/// memory. While an inner frame is open, the outer one is mutably borrowed and can neither allocate nor end.
///
/// As with [`LinearAllocator`](crate::LinearAllocator), destructors of placed values never run.
///
/// The borrow checker enforces the order. An outer frame cannot allocate while an inner one is open:
///
/// ```compile_fail
/// # let mut buffer = [0u8; 64];
/// # let mut stack = flight_memory::StackAllocator::from_slice(&mut buffer);
/// stack.scope(|frame| {
///     frame.scope(|inner| {
///         let _ = frame.alloc(1u8); // error: `frame` is borrowed by `frame.scope`
///         let _ = inner.alloc(2u8);
///     });
/// });
/// ```
///
/// and nothing allocated in a frame can leave it, returned or stored:
///
/// ```compile_fail
/// # let mut buffer = [0u8; 64];
/// # let mut stack = flight_memory::StackAllocator::from_slice(&mut buffer);
/// let escaped = stack.scope(|frame| frame.alloc(1u8).unwrap()); // error: lifetime may not live long enough
/// ```
///
/// ```compile_fail
/// # let mut buffer = [0u8; 64];
/// # let mut stack = flight_memory::StackAllocator::from_slice(&mut buffer);
/// let mut kept: Option<&mut u8> = None;
/// stack.scope(|frame| kept = Some(frame.alloc(1u8).unwrap())); // error: borrowed data escapes
/// ```
///
/// ```
/// use flight_memory::{AllocError, StackAllocator};
///
/// let mut buffer = [0u8; 512];
/// let mut stack = StackAllocator::from_slice(&mut buffer);
/// let checksum = stack.scope(|frame| -> Result<u32, AllocError> {
///     let packet = frame.alloc_slice_fill_with(64, |i| i as u8)?;
///     let header = frame.alloc([0xEBu8, 0x90]).map_err(|r| r.error())?;
///     let used = frame.used_memory();
///     let sum = frame.scope(|inner| -> Result<u32, AllocError> {
///         let widened = inner.alloc_slice_fill_with(packet.len(), |i| u32::from(packet[i]))?;
///         Ok(widened.iter().sum::<u32>() + u32::from(header[0]))
///     })?;
///     assert_eq!(frame.used_memory(), used); // the inner frame's memory is back
///     Ok(sum)
/// })?;
/// assert_eq!(checksum, 2016 + 0xEB);
/// assert_eq!(stack.used_memory(), 0);
/// assert_eq!(stack.stats().frees, 3);
/// # Ok::<(), AllocError>(())
/// ```
#[derive(Debug)]
pub struct Frame<'f, 'a> {
    locked: Locked<'f, 'a>,
    /// The stack's top when the frame opened; restored when it ends.
    start: usize,
    /// Allocations made in this frame (not in inner ones), counted as frees when it ends.
    allocations: Cell<usize>,
    /// Held by the outermost frame, which releases the stack's lock when it ends (after restoring the top).
    _guard: Option<Guard<'f, 'a>>,
    /// Makes `'f` invariant, so it cannot be stretched or shrunk to a lifetime the closure can name.
    _brand: PhantomData<fn(&'f ()) -> &'f ()>,
}

impl<'f, 'a> Frame<'f, 'a> {
    /// The first frame of a scope, which owns the lock.
    pub(super) fn outermost(guard: Guard<'f, 'a>) -> Self {
        let locked = guard.locked;
        Frame {
            locked,
            start: locked.current_top(),
            allocations: Cell::new(0),
            _guard: Some(guard),
            _brand: PhantomData,
        }
    }

    /// Allocates `size` uninitialised bytes aligned to `align` (a power of two), valid until the frame ends.
    ///
    /// # Errors
    ///
    /// [`AllocError::OutOfMemory`], [`AllocError::InvalidAlignment`], [`AllocError::SizeOverflow`]; counted
    /// in the stack's statistics.
    #[inline]
    pub fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        let ptr = self.locked.bump(size, align)?;
        self.allocations.set(self.allocations.get() + 1);
        Ok(ptr)
    }

    /// Moves `value` into the frame. Its destructor never runs.
    ///
    /// # Errors
    ///
    /// [`Rejected`] gives `value` back with the reason when it does not fit.
    #[inline]
    pub fn alloc<T>(&self, value: T) -> Result<&'f mut T, Rejected<T>> {
        match self.allocate(size_of::<T>(), align_of::<T>()) {
            // SAFETY: the memory was just handed out for a `T`, is ours alone, and is released only when this
            // frame ends, after every use of `'f` (the brand keeps references inside the closure).
            Ok(ptr) => Ok(unsafe { typed::write(ptr, value) }),
            Err(error) => Err(Rejected::new(value, error)),
        }
    }

    /// Places the value `f` returns (built only once the memory is found).
    ///
    /// # Errors
    ///
    /// [`AllocError`] when a `T` does not fit; `f` is not called then.
    #[inline]
    pub fn alloc_with<T>(&self, f: impl FnOnce() -> T) -> Result<&'f mut T, AllocError> {
        let ptr = self.allocate(size_of::<T>(), align_of::<T>())?;
        // SAFETY: as in `alloc`.
        Ok(unsafe { typed::write(ptr, f()) })
    }

    /// Copies `src` into the frame.
    ///
    /// # Errors
    ///
    /// [`AllocError`] when the slice does not fit, or its size overflows.
    #[inline]
    pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> Result<&'f mut [T], AllocError> {
        let layout =
            typed::array_layout::<T>(src.len()).map_err(|e| self.locked.stack.refuse(e))?;
        let ptr = self.allocate(layout.size(), layout.align())?;
        // SAFETY: fresh memory for `[T; src.len()]` (so disjoint from `src`), ours until the frame ends.
        Ok(unsafe { typed::copy_slice(ptr, src) })
    }

    /// Builds a slice of `len` values, element `i` being `f(i)`. If `f` panics, the elements built so far are
    /// leaked and the memory is released with the frame.
    ///
    /// # Errors
    ///
    /// [`AllocError`] when the slice does not fit, or its size overflows; `f` is not called then.
    #[inline]
    pub fn alloc_slice_fill_with<T>(
        &self,
        len: usize,
        f: impl FnMut(usize) -> T,
    ) -> Result<&'f mut [T], AllocError> {
        let layout = typed::array_layout::<T>(len).map_err(|e| self.locked.stack.refuse(e))?;
        let ptr = self.allocate(layout.size(), layout.align())?;
        // SAFETY: fresh memory for `[T; len]`, ours until the frame ends.
        Ok(unsafe { typed::fill_with(ptr, len, f) })
    }

    /// Copies `src` into the frame.
    ///
    /// # Errors
    ///
    /// [`AllocError`] when the string does not fit.
    #[inline]
    pub fn alloc_str(&self, src: &str) -> Result<&'f mut str, AllocError> {
        let bytes = self.alloc_slice_copy(src.as_bytes())?;
        // SAFETY: the bytes are a copy of a `str`, so they are UTF-8.
        Ok(unsafe { core::str::from_utf8_unchecked_mut(bytes) })
    }

    /// Runs `f` with a nested frame, released when `f` returns. This frame is mutably borrowed meanwhile, so it
    /// can neither allocate nor end before the inner one; its references stay usable.
    pub fn scope<R>(&mut self, f: impl FnOnce(&mut Frame<'_, 'a>) -> R) -> R {
        let mut inner = Frame {
            locked: self.locked,
            start: self.locked.current_top(),
            allocations: Cell::new(0),
            _guard: None,
            _brand: PhantomData,
        };
        f(&mut inner)
    }

    /// Bytes allocated in this frame and the frames open inside it, padding included.
    #[inline]
    pub fn used_memory(&self) -> usize {
        self.locked.current_top().saturating_sub(self.start)
    }

    /// Bytes left on the stack above the top.
    #[inline]
    pub fn available_memory(&self) -> usize {
        self.locked.available()
    }
}

impl Drop for Frame<'_, '_> {
    fn drop(&mut self) {
        self.locked
            .release_frame(self.start, self.allocations.get());
    }
}
