//! The LIFO allocator: allocations are given back newest first, one by one, to a marker, or at the end of a
//! scope.

use core::ptr::NonNull;

use crate::storage::Arena;
use crate::sync::{AtomicUsize, Ordering, const_fn_unless_loom};
use crate::{AllocError, AllocationStrategy, Allocator, FreeError, MemoryStats, StatsSnapshot};

mod exclusive;
mod frame;

pub use exclusive::{ExclusiveMarker, ExclusiveStack};
pub use frame::Frame;

/// `lock` values.
const FREE: usize = 0;
const LOCKED: usize = 1;

/// What the stack writes after every allocation made with [`StackAllocator::allocate`] (or by an
/// `allocator-api2` collection): where the stack's top was before it, where the allocation starts, and who may
/// free it.
///
/// Records sit between allocations, never inside one, and the newest one ends exactly at the top, so the safe
/// API finds it from the stack's own state and never from a pointer it is given: a caller cannot make it read
/// a forged record.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct Record {
    prev_top: usize,
    start: usize,
    /// [`RAW`], [`HELD`] or [`RELEASED`].
    owner: usize,
}

/// A raw allocation from [`StackAllocator::allocate`]: freed by `deallocate` or a marker.
const RAW: usize = 0;
/// Owned by an `allocator-api2` collection, which frees it through its `unsafe` interface; the safe API must
/// not free it under the collection, so `deallocate` refuses it and a marker below it is refused.
const HELD: usize = 1;
/// Freed by its collection while newer allocations were still live: released as soon as it is the newest.
const RELEASED: usize = 2;

const RECORD_SIZE: usize = size_of::<Record>();
const RECORD_ALIGN: usize = align_of::<Record>();

/// A stack allocator: allocations come off the top, and go back newest first.
///
/// Three ways to give memory back, all checked:
///
/// * [`deallocate`](StackAllocator::deallocate) (also the crate's [`Allocator::deallocate`]) frees the newest
///   live allocation. Freeing any other is [`FreeError::OutOfOrder`] and changes nothing. Because the stack
///   records where its top was before each allocation (three words after it), freeing in strict LIFO order
///   brings it back exactly where it was, alignment padding included. Memory owned by an `allocator-api2`
///   collection is refused (see below).
/// * [`marker`](StackAllocator::marker) and [`free_to_marker`](StackAllocator::free_to_marker) free everything
///   allocated since the marker, in O(number of allocations freed). A marker whose position is no longer a
///   boundary between live allocations (the stack was released below it first, or it belongs to another stack)
///   is [`FreeError::OutOfOrder`] and changes nothing.
/// * [`scope`](StackAllocator::scope) runs a closure with a [`Frame`] whose typed helpers (`alloc`,
///   `alloc_slice_copy`, `alloc_str`, ...) hand out references; everything allocated in the frame is released
///   when the closure returns (or unwinds). Nested frames mutably borrow the outer one, so the borrow checker
///   enforces LIFO, and frame allocations need no record.
///
/// The typed helpers live on [`Frame`] only: a reference handed out by the stack itself could be freed by a
/// `deallocate` or `free_to_marker` through the same shared stack while it is still in use.
///
/// # Collections
///
/// With feature `allocator-api2`, `allocator_api2` collections can allocate from the stack
/// (`Vec::new_in(&stack)`); growing the newest allocation happens in place. Their memory is held by the
/// collection: `deallocate` refuses it ([`FreeError::NotAllocated`]) and a marker below it is refused
/// ([`FreeError::OutOfOrder`]). Memory a collection gives back out of order is released as soon as everything
/// above it is freed.
///
/// # Threads and interrupts
///
/// `StackAllocator` is `Sync`, so it can be a `static` and serve the crate's `&dyn Allocator`, but LIFO order
/// between threads is meaningless, so it serves one context at a time without ever waiting: each operation takes
/// a flag with one compare-and-swap and fails if another operation or scope holds it (another thread, or an
/// interrupt that preempted one). Such a contended allocation fails with
/// `AllocError::OutOfMemory { remaining: 0, .. }`, a contended free with [`FreeError::OutOfOrder`], and
/// [`try_scope`](StackAllocator::try_scope) with [`StackBusy`]; all are counted as failures and change nothing.
/// While a scope is open, the scope owns the stack: use its frame, not the stack.
///
/// # Statistics
///
/// `used` is the top: the bytes handed out plus alignment padding and records. `frees` counts every allocation
/// given back (one per allocation freed by a marker or a frame's end). `failures` counts refused requests,
/// including refused frees.
///
/// ```
/// use flight_memory::{static_allocator, FreeError};
///
/// static_allocator! {
///     static SCRATCH: StackAllocator(1024);
/// }
///
/// let before = SCRATCH.marker();
/// let a = SCRATCH.allocate(100, 8)?;
/// let b = SCRATCH.allocate(30, 16)?;
/// // SAFETY: `a` and `b` are live allocations, each given back once (`a` first refused: `b` is newer).
/// unsafe {
///     assert_eq!(SCRATCH.deallocate(a, 100), Err(FreeError::OutOfOrder));
///     SCRATCH.deallocate(b, 30)?;
///     SCRATCH.deallocate(a, 100)?;
/// }
/// assert_eq!(SCRATCH.used_memory(), 0);
///
/// SCRATCH.allocate(10, 1)?;
/// SCRATCH.allocate(10, 1)?;
/// SCRATCH.free_to_marker(before)?;
/// assert_eq!(SCRATCH.used_memory(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct StackAllocator<'a> {
    arena: Arena<'a>,
    /// `FREE`, or `LOCKED` by the operation or the outermost [`Frame`] that owns `top`, `depth`, the records and
    /// the bytes above `top` until it stores `FREE` again (`Acquire` to take, `Release` to give back).
    lock: AtomicUsize,
    /// The first free byte: `<= arena.len()`. Written only while `lock` is held; read by anyone for telemetry.
    /// Outside frames, `depth == 0` implies `top == 0`, and otherwise the newest record ends exactly at `top`.
    top: AtomicUsize,
    /// Live allocations made by `allocate` (each with a record). Written only while `lock` is held.
    depth: AtomicUsize,
    /// Allocations, frees and bytes are written only while `lock` is held (or through `&mut self`), so they are
    /// updated with the `*_serialised` methods, without locked instructions; failures are counted from anywhere.
    stats: MemoryStats,
}

/// A position of a [`StackAllocator`] to release back to with
/// [`free_to_marker`](StackAllocator::free_to_marker).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Marker {
    top: usize,
    depth: usize,
}

impl Marker {
    /// The stack's used bytes when the marker was taken.
    pub const fn used_memory(&self) -> usize {
        self.top
    }
}

/// The stack was in use by another operation, scope, thread or interrupt; nothing was done.
///
/// Inside a scope, nest with [`Frame::scope`] instead of calling the stack again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StackBusy;

impl core::fmt::Display for StackBusy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(
            "stack allocator busy: another scope, thread or interrupt is using it; \
             nest scopes through the enclosing frame",
        )
    }
}

impl core::error::Error for StackBusy {}

/// Proof that `stack.lock` is held, for as long as the holder (an operation's [`Guard`] or an outermost
/// [`Frame`]) lives. Made only by [`StackAllocator::try_lock`] and [`StackAllocator::scope`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Locked<'s, 'a> {
    stack: &'s StackAllocator<'a>,
}

/// Holds the lock and releases it when dropped (also on unwinding).
#[derive(Debug)]
pub(crate) struct Guard<'s, 'a> {
    locked: Locked<'s, 'a>,
}

impl Drop for Guard<'_, '_> {
    fn drop(&mut self) {
        self.locked.stack.lock.store(FREE, Ordering::Release);
    }
}

impl<'a> StackAllocator<'a> {
    const_fn_unless_loom! {
        /// A stack over `bytes`, which it borrows for `'a`.
        ///
        /// ```
        /// use flight_memory::StackAllocator;
        ///
        /// let mut buffer = [0u8; 256];
        /// let mut stack = StackAllocator::from_slice(&mut buffer);
        /// let sum = stack.scope(|frame| -> Result<u32, flight_memory::AllocError> {
        ///     let values = frame.alloc_slice_copy(&[1u32, 2, 3])?;
        ///     Ok(values.iter().sum())
        /// })?;
        /// assert_eq!(sum, 6);
        /// assert_eq!(stack.used_memory(), 0);
        /// # Ok::<(), flight_memory::AllocError>(())
        /// ```
        pub fn from_slice(bytes: &'a mut [u8]) -> Self {
            Self::with_arena(Arena::from_slice(bytes))
        }
    }

    const_fn_unless_loom! {
        /// A stack over the `len` bytes at `ptr`: the constructor for generated code, which keeps the storage in
        /// a private `static` (see [`StaticStorage`](crate::StaticStorage)).
        ///
        /// # Safety
        ///
        /// * `ptr` is valid for reads and writes of `len` bytes for `'a`, and those bytes are one allocated
        ///   object (a `static`, or one allocation);
        /// * nothing else reads or writes those bytes while the stack or any memory it handed out is in use: in
        ///   particular, no second allocator is built over them.
        pub unsafe fn from_raw_parts(ptr: NonNull<u8>, len: usize) -> Self {
            // SAFETY: forwarded from this function's contract.
            Self::with_arena(unsafe { Arena::from_raw_parts(ptr, len) })
        }
    }

    const_fn_unless_loom! {
        fn with_arena(arena: Arena<'a>) -> Self {
            StackAllocator {
                arena,
                lock: AtomicUsize::new(FREE),
                top: AtomicUsize::new(0),
                depth: AtomicUsize::new(0),
                stats: MemoryStats::new(),
            }
        }
    }

    #[inline]
    fn try_lock(&self) -> Option<Guard<'_, 'a>> {
        self.lock
            .compare_exchange(FREE, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| Guard {
                locked: Locked { stack: self },
            })
    }

    #[cold]
    #[inline(never)]
    fn refuse<E>(&self, error: E) -> E {
        self.stats.record_failure();
        error
    }

    /// Allocates `size` bytes aligned to `align` (a power of two) on top of the stack, uninitialised, followed
    /// by a three-word record.
    ///
    /// # Errors
    ///
    /// [`AllocError::OutOfMemory`] when the request (and its record) does not fit, or the stack is busy (then
    /// `remaining` is 0); [`AllocError::InvalidAlignment`], [`AllocError::SizeOverflow`]. Failures are counted.
    #[inline]
    pub fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        match self.try_lock() {
            Some(guard) => guard
                .locked
                .push(size, align, RAW)
                .map_err(|e| self.refuse(e)),
            None => Err(self.refuse(AllocError::OutOfMemory {
                requested: size,
                remaining: 0,
            })),
        }
    }

    /// Frees the newest live allocation, which starts at `ptr`. The record written after it says where the top
    /// was before it, so the top goes back exactly there. `size` is checked to be no larger than the
    /// allocation (a smaller one is accepted, as after a shrink).
    ///
    /// # Errors
    ///
    /// The stack is unchanged and the failure counted when:
    ///
    /// * [`FreeError::ForeignPointer`]: `ptr` is not in this stack's memory;
    /// * [`FreeError::OutOfOrder`]: `ptr` is below the newest allocation (a newer one is still live), or the
    ///   stack is busy;
    /// * [`FreeError::NotBlockStart`]: `ptr` is inside the newest allocation, not at its start;
    /// * [`FreeError::NotAllocated`]: nothing is allocated at or above `ptr` (a double free), `size` is
    ///   larger than the allocation, or the allocation belongs to an `allocator-api2` collection.
    ///
    /// # Safety
    ///
    /// `ptr` was returned by [`allocate`](StackAllocator::allocate) of this stack and has not been given back
    /// since (by this call, a marker or a frame). An allocation freed already whose place has been taken by a
    /// newer allocation of the same size has the same address as the newer one: the stack cannot tell them
    /// apart and would free the newer one (see [`Allocator`'s raw frees](Allocator#raw-frees)). Everything else
    /// is checked and refused. The caller does not use the memory after `Ok`.
    pub unsafe fn deallocate(&self, ptr: NonNull<u8>, size: usize) -> Result<(), FreeError> {
        match self.try_lock() {
            Some(guard) => guard.locked.pop(ptr, size).map_err(|e| self.refuse(e)),
            None => Err(self.refuse(FreeError::OutOfOrder)),
        }
    }

    /// The current position, to release back to later with [`free_to_marker`](StackAllocator::free_to_marker).
    #[inline]
    pub fn marker(&self) -> Marker {
        Marker {
            top: self.top.load(Ordering::Relaxed),
            depth: self.depth.load(Ordering::Relaxed),
        }
    }

    /// Frees every allocation made since `marker` was taken, newest first (O(allocations freed)).
    ///
    /// Releasing to an older marker first is allowed and makes newer markers stale.
    ///
    /// # Errors
    ///
    /// [`FreeError::OutOfOrder`] if the marker's position is no longer a boundary between live allocations (the
    /// stack was already released below it, it was taken inside a scope, or it is another stack's), if an
    /// `allocator-api2` collection still owns an allocation above it, or if the stack is busy. The stack is
    /// unchanged and the failure counted.
    ///
    /// ```
    /// use flight_memory::{FreeError, StackAllocator};
    ///
    /// let mut buffer = [0u8; 256];
    /// let stack = StackAllocator::from_slice(&mut buffer);
    /// let outer = stack.marker();
    /// stack.allocate(16, 8)?;
    /// let inner = stack.marker();
    /// stack.allocate(16, 8)?;
    /// stack.free_to_marker(outer)?;                                  // frees both
    /// assert_eq!(stack.free_to_marker(inner), Err(FreeError::OutOfOrder)); // stale now
    /// assert_eq!(stack.used_memory(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn free_to_marker(&self, marker: Marker) -> Result<(), FreeError> {
        match self.try_lock() {
            Some(guard) => guard.locked.release_to(marker).map_err(|e| self.refuse(e)),
            None => Err(self.refuse(FreeError::OutOfOrder)),
        }
    }

    /// Runs `f` with a [`Frame`] on top of the stack and releases everything allocated in it when `f` returns
    /// (or unwinds). Never fails: `&mut self` proves nobody else uses the stack.
    ///
    /// Inside, [`Frame::scope`] opens a nested frame, which borrows the outer one mutably: the outer frame
    /// cannot allocate, or end, while the inner one lives, but references it handed out stay usable.
    ///
    /// ```
    /// use flight_memory::{AllocError, StackAllocator};
    ///
    /// let mut buffer = [0u8; 256];
    /// let mut stack = StackAllocator::from_slice(&mut buffer);
    /// stack.scope(|frame| -> Result<(), AllocError> {
    ///     let total = frame.alloc(0u32).map_err(|r| r.error())?;
    ///     frame.scope(|inner| -> Result<(), AllocError> {
    ///         let parts = inner.alloc_slice_copy(&[1u32, 2, 3])?;
    ///         *total = parts.iter().sum();
    ///         Ok(())
    ///     })?; // `parts` is released here
    ///     assert_eq!(*total, 6);
    ///     Ok(())
    /// })?;
    /// assert_eq!(stack.used_memory(), 0);
    /// # Ok::<(), AllocError>(())
    /// ```
    pub fn scope<R>(&mut self, f: impl FnOnce(&mut Frame<'_, 'a>) -> R) -> R {
        // `&mut self`: no operation, scope or frame can be holding the lock (they all borrow the stack), so
        // taking it cannot fail. Frames and guards release it when they end.
        self.lock.store(LOCKED, Ordering::Relaxed);
        let guard = Guard {
            locked: Locked { stack: self },
        };
        let mut frame = Frame::outermost(guard);
        f(&mut frame)
    }

    /// As [`scope`](StackAllocator::scope), for a shared stack such as a `static`: the frame owns the stack until
    /// `f` returns, and every other use of the stack meanwhile fails.
    ///
    /// # Errors
    ///
    /// [`StackBusy`] if another scope or operation holds the stack (another thread, an interrupt, or a call from
    /// inside a scope's closure: nest with [`Frame::scope`] instead); `f` is not called then.
    ///
    /// ```
    /// use flight_memory::{static_allocator, AllocError};
    ///
    /// static_allocator! {
    ///     static SCRATCH: StackAllocator(512);
    /// }
    ///
    /// let name_len = SCRATCH.try_scope(|frame| -> Result<usize, AllocError> {
    ///     let name = frame.alloc_str("gyro-x")?;
    ///     name.make_ascii_uppercase();
    ///     assert!(SCRATCH.try_scope(|_| ()).is_err()); // the frame owns the stack
    ///     Ok(name.len())
    /// })??;
    /// assert_eq!(name_len, 6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_scope<R>(&self, f: impl FnOnce(&mut Frame<'_, 'a>) -> R) -> Result<R, StackBusy> {
        let Some(guard) = self.try_lock() else {
            return Err(self.refuse(StackBusy));
        };
        let mut frame = Frame::outermost(guard);
        Ok(f(&mut frame))
    }

    /// Frees everything at once. Keeps the peak and the counts in [`stats`](StackAllocator::stats), and sets
    /// `used` to zero. Raw pointers from [`allocate`](StackAllocator::allocate) dangle afterwards. A stack left
    /// busy by a leaked [`ExclusiveStack`] is free again.
    pub fn reset(&mut self) {
        // `&mut self`: nothing that holds the lock is alive, only perhaps leaked.
        self.lock.store(FREE, Ordering::Relaxed);
        self.top.store(0, Ordering::Relaxed);
        self.depth.store(0, Ordering::Relaxed);
        self.stats.record_reset();
    }

    /// Bytes in use: allocations, their alignment padding and records.
    #[inline]
    pub fn used_memory(&self) -> usize {
        self.top.load(Ordering::Relaxed)
    }

    /// Size of the stack's memory in bytes.
    #[inline]
    pub fn total_memory(&self) -> usize {
        self.arena.len()
    }

    /// Bytes above the top.
    #[inline]
    pub fn available_memory(&self) -> usize {
        self.total_memory().saturating_sub(self.used_memory())
    }

    /// Live allocations made with [`allocate`](StackAllocator::allocate) (frame allocations are not counted).
    #[inline]
    pub fn depth(&self) -> usize {
        self.depth.load(Ordering::Relaxed)
    }

    /// The stack's statistics now.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Allocates for an `allocator-api2` collection: like [`allocate`](StackAllocator::allocate), but the
    /// allocation is held by the collection, so the safe API cannot free it under it.
    #[cfg(feature = "allocator-api2")]
    pub(crate) fn allocate_held(
        &self,
        size: usize,
        align: usize,
    ) -> Result<NonNull<u8>, AllocError> {
        match self.try_lock() {
            Some(guard) => guard
                .locked
                .push(size, align, HELD)
                .map_err(|e| self.refuse(e)),
            None => Err(self.refuse(AllocError::OutOfMemory {
                requested: size,
                remaining: 0,
            })),
        }
    }

    /// Frees a collection's allocation, now if it is the newest, else once everything above it is freed. A
    /// busy stack keeps it (counted as a failure) until [`reset`](StackAllocator::reset).
    ///
    /// # Safety
    ///
    /// `ptr` and `size` are those of a live allocation of this stack, which the caller gives up.
    #[cfg(feature = "allocator-api2")]
    pub(crate) unsafe fn deallocate_held(&self, ptr: NonNull<u8>, size: usize) {
        match self.try_lock() {
            // SAFETY: forwarded from this function's contract.
            Some(guard) => unsafe { guard.locked.release_held(ptr, size) },
            None => self.stats.record_failure(),
        }
    }

    /// Resizes the newest allocation, which starts at `ptr`, to `size` bytes aligned to `align`, in place:
    /// `true` if done, `false` if it is not the newest, not aligned, the new size does not fit, or the stack is
    /// busy (not counted as a failure: the caller falls back).
    #[cfg(feature = "allocator-api2")]
    pub(crate) fn resize_newest(&self, ptr: NonNull<u8>, size: usize, align: usize) -> bool {
        self.try_lock()
            .is_some_and(|guard| guard.locked.resize_newest(ptr, size, align))
    }
}

impl<'s, 'a> Locked<'s, 'a> {
    #[inline]
    fn top(self) -> usize {
        self.stack.top.load(Ordering::Relaxed)
    }

    #[inline]
    fn set_top(self, top: usize) {
        self.stack.top.store(top, Ordering::Relaxed);
    }

    #[inline]
    fn depth(self) -> usize {
        self.stack.depth.load(Ordering::Relaxed)
    }

    #[inline]
    fn set_depth(self, depth: usize) {
        self.stack.depth.store(depth, Ordering::Relaxed);
    }

    /// The record that ends at `end`: the newest live one when `end` is the top and the depth is not zero, and
    /// then, following `prev_top`, each older one.
    #[inline]
    fn record_ending_at(self, end: usize) -> Option<Record> {
        let ptr = self
            .stack
            .arena
            .ptr_at(end.checked_sub(RECORD_SIZE)?)?
            .cast::<Record>();
        if !ptr.is_aligned() {
            return None;
        }
        // SAFETY: records are written by `write_record` at aligned positions inside the arena, and the newest one
        // ends at the top (the invariant of `StackAllocator::top`); callers only ask for records of live
        // allocations. Those bytes are never handed out while their allocation lives, and the lock we hold
        // orders this read after the write.
        Some(unsafe { ptr.as_ptr().read() })
    }

    /// Writes `record` at `at..at + RECORD_SIZE`, a placement the caller got from `arena.place` with
    /// `RECORD_ALIGN`.
    #[inline]
    fn write_record(self, at: usize, record: Record) -> Result<(), AllocError> {
        let ptr = self
            .stack
            .arena
            .ptr_at(at)
            .ok_or(AllocError::SizeOverflow)?
            .cast::<Record>();
        if !ptr.is_aligned() {
            return Err(AllocError::SizeOverflow);
        }
        // SAFETY: the bytes `at..at + RECORD_SIZE` are inside the arena (`place` checked the end) and aligned
        // (checked above). They are above the top, or (when resizing) inside the newest allocation, whose holder
        // gave it to us for the call; either way nothing else uses them, and the lock we hold makes them ours.
        unsafe { ptr.as_ptr().write(record) };
        Ok(())
    }

    /// Allocates with a record owned by `owner`: the body of [`StackAllocator::allocate`].
    fn push(self, size: usize, align: usize, owner: usize) -> Result<NonNull<u8>, AllocError> {
        let arena = &self.stack.arena;
        let top = self.top();
        let data = arena.place(top, size, align)?;
        let record =
            arena
                .place(data.end, RECORD_SIZE, RECORD_ALIGN)
                .map_err(|error| match error {
                    AllocError::OutOfMemory { .. } => AllocError::OutOfMemory {
                        requested: size,
                        remaining: arena.len().saturating_sub(data.start),
                    },
                    other => other,
                })?;
        let ptr = arena.ptr_at(data.start).ok_or(AllocError::SizeOverflow)?;
        self.write_record(
            record.start,
            Record {
                prev_top: top,
                start: data.start,
                owner,
            },
        )?;
        self.set_top(record.end);
        self.set_depth(self.depth() + 1);
        self.stack
            .stats
            .record_allocation_serialised(record.end - top);
        Ok(ptr)
    }

    /// The newest live record, if it is the allocation at `offset`; otherwise why `offset` cannot be freed.
    fn newest_at(self, offset: usize) -> Result<Record, FreeError> {
        let top = self.top();
        if self.depth() == 0 {
            return Err(FreeError::NotAllocated);
        }
        let newest = self.record_ending_at(top).ok_or(FreeError::NotAllocated)?;
        if offset == newest.start {
            Ok(newest)
        } else if offset < newest.start {
            Err(FreeError::OutOfOrder)
        } else if offset < top {
            Err(FreeError::NotBlockStart {
                offset: offset - newest.start,
            })
        } else {
            Err(FreeError::NotAllocated)
        }
    }

    /// Removes the newest allocation, whose record is `newest`, then any allocations below it that their
    /// collections already freed.
    fn pop_newest(self, newest: Record) {
        let mut top = self.top();
        let mut record = newest;
        loop {
            self.set_top(record.prev_top);
            self.set_depth(self.depth() - 1);
            self.stack
                .stats
                .record_frees_serialised(1, top - record.prev_top);
            top = record.prev_top;
            if self.depth() == 0 {
                return;
            }
            match self.record_ending_at(top) {
                Some(below) if below.owner == RELEASED => record = below,
                _ => return,
            }
        }
    }

    /// Frees the newest allocation if it is the raw one at `ptr`: the body of [`StackAllocator::deallocate`].
    fn pop(self, ptr: NonNull<u8>, size: usize) -> Result<(), FreeError> {
        let offset = self
            .stack
            .arena
            .offset_of(ptr)
            .ok_or(FreeError::ForeignPointer)?;
        let newest = self.newest_at(offset)?;
        // The allocation's bytes end where its record starts (or before, by the record's alignment).
        let record_start = self.top() - RECORD_SIZE;
        if newest.owner != RAW
            || offset
                .checked_add(size)
                .is_none_or(|end| end > record_start)
        {
            return Err(FreeError::NotAllocated);
        }
        self.pop_newest(newest);
        Ok(())
    }

    /// Frees the allocation of `size` bytes at `ptr` for the `allocator-api2` collection that owns it: now if it
    /// is the newest, else as soon as it becomes the newest.
    ///
    /// # Safety
    ///
    /// `ptr` and `size` are those of a live allocation of this stack (made by `push`, or resized since).
    #[cfg(feature = "allocator-api2")]
    unsafe fn release_held(self, ptr: NonNull<u8>, size: usize) {
        let arena = &self.stack.arena;
        let Some(offset) = arena.offset_of(ptr) else {
            return;
        };
        match self.newest_at(offset) {
            Ok(newest) => self.pop_newest(newest),
            Err(FreeError::OutOfOrder) => {
                // The record follows the allocation's bytes at the record alignment, below the newest record.
                let Some(at) = offset
                    .checked_add(size)
                    .and_then(|end| arena.place(end, RECORD_SIZE, RECORD_ALIGN).ok())
                    .filter(|record| record.end <= self.top() - RECORD_SIZE)
                else {
                    return;
                };
                if let Some(record) = self.record_ending_at(at.end) {
                    if record.start == offset && record.owner != RELEASED {
                        let released = Record {
                            owner: RELEASED,
                            ..record
                        };
                        // Cannot fail: `at` was placed inside the arena at the record alignment.
                        let _ = self.write_record(at.start, released);
                    }
                }
            }
            Err(_) => {}
        }
    }

    /// Frees down to `marker`: the body of [`StackAllocator::free_to_marker`].
    fn release_to(self, marker: Marker) -> Result<(), FreeError> {
        let top = self.top();
        let depth = self.depth();
        if marker.depth > depth || marker.top > top {
            return Err(FreeError::OutOfOrder);
        }
        // Walk the records down to the marker's depth and check that the marker sits on that boundary, and that
        // no collection owns an allocation above it, before changing anything.
        let mut boundary = top;
        for _ in marker.depth..depth {
            let record = self
                .record_ending_at(boundary)
                .filter(|record| record.owner != HELD)
                .ok_or(FreeError::OutOfOrder)?;
            boundary = record.prev_top;
        }
        if boundary != marker.top {
            return Err(FreeError::OutOfOrder);
        }
        self.set_top(marker.top);
        self.set_depth(marker.depth);
        record_frees(&self.stack.stats, depth - marker.depth, top - marker.top);
        Ok(())
    }

    /// Resizes the newest allocation in place, moving its record: the body of
    /// [`StackAllocator::resize_newest`].
    #[cfg(feature = "allocator-api2")]
    fn resize_newest(self, ptr: NonNull<u8>, size: usize, align: usize) -> bool {
        let arena = &self.stack.arena;
        let Some(offset) = arena.offset_of(ptr) else {
            return false;
        };
        let Ok(newest) = self.newest_at(offset) else {
            return false;
        };
        let aligned = matches!(arena.place(offset, size, align), Ok(p) if p.start == offset);
        let Ok(record) = arena.place(offset.saturating_add(size), RECORD_SIZE, RECORD_ALIGN) else {
            return false;
        };
        if !aligned || self.write_record(record.start, newest).is_err() {
            return false;
        }
        let top = self.top();
        self.set_top(record.end);
        // Counted as one allocation and one free, as a move would be.
        self.stack
            .stats
            .record_allocation_serialised(record.end.saturating_sub(top));
        self.stack
            .stats
            .record_frees_serialised(1, top.saturating_sub(record.end));
        true
    }

    /// Allocates without a record, for a frame: the frame releases all of its allocations at once.
    #[inline]
    pub(crate) fn bump(self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        let top = self.top();
        // SAFETY: the top is always `<= arena.len()` (see the field).
        let claim = unsafe { self.stack.arena.claim(top, size, align) }
            .map_err(|e| self.stack.refuse(e))?;
        self.set_top(claim.end);
        self.stack
            .stats
            .record_allocation_serialised(claim.end - top);
        Ok(claim.ptr)
    }

    /// Releases `count` frame allocations, back to `top`.
    #[inline]
    pub(crate) fn release_frame(self, top: usize, count: usize) {
        let now = self.top();
        self.set_top(top);
        record_frees(&self.stack.stats, count, now.saturating_sub(top));
    }

    /// The stack's top.
    #[inline]
    pub(crate) fn current_top(self) -> usize {
        self.top()
    }

    /// Bytes above the top.
    #[inline]
    pub(crate) fn available(self) -> usize {
        self.stack.available_memory()
    }
}

/// Counts `count` frees that together gave back `bytes`, in O(1). Called with the lock held.
fn record_frees(stats: &MemoryStats, count: usize, bytes: usize) {
    if count == 0 {
        return;
    }
    stats.record_frees_serialised(count, bytes);
}

#[cfg(feature = "alloc")]
impl StackAllocator<'static> {
    /// A stack over `size` bytes of the global heap (aligned to 16), freed when it is dropped: for ground tools,
    /// simulations and tests.
    ///
    /// # Errors
    ///
    /// [`AllocError::OutOfMemory`] if the heap cannot provide the bytes, [`AllocError::SizeOverflow`] if `size`
    /// exceeds `isize::MAX` (minus the alignment).
    ///
    /// ```
    /// use flight_memory::StackAllocator;
    ///
    /// let stack = StackAllocator::new(4096)?;
    /// let block = stack.allocate(100, 8)?;
    /// // SAFETY: `block` is a live allocation of `stack`, given back once.
    /// unsafe { stack.deallocate(block, 100)? };
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(size: usize) -> Result<Self, AllocError> {
        Ok(Self::with_arena(Arena::heap(
            size,
            crate::storage::HEAP_ALIGN,
        )?))
    }
}

// `StackAllocator` is `Sync` through its fields: the arena and the atomics. Every access to the records and to
// `top`/`depth` beyond telemetry reads happens under `lock`.

impl Allocator for StackAllocator<'_> {
    #[inline]
    fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        StackAllocator::allocate(self, size, align)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, size: usize) -> Result<(), FreeError> {
        // SAFETY: the caller upholds `Allocator::deallocate`'s contract, which is the inherent method's.
        unsafe { StackAllocator::deallocate(self, ptr, size) }
    }

    fn used_memory(&self) -> usize {
        StackAllocator::used_memory(self)
    }

    fn total_memory(&self) -> usize {
        StackAllocator::total_memory(self)
    }

    fn stats(&self) -> StatsSnapshot {
        StackAllocator::stats(self)
    }

    fn strategy(&self) -> AllocationStrategy {
        AllocationStrategy::Stack
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Frees a pointer the test has out, or one the stack refuses without touching an allocation in use.
    fn free(stack: &StackAllocator<'_>, ptr: NonNull<u8>, size: usize) -> Result<(), FreeError> {
        // SAFETY: each caller passes a live allocation of `stack` given back once, or a pointer that is not the
        // start of a live allocation of this size (interior, foreign, freed with no allocation at its place
        // since), which the stack refuses.
        unsafe { stack.deallocate(ptr, size) }
    }

    #[test]
    fn lifo_frees_restore_the_exact_top_across_padding() {
        let mut buffer = [0u8; 512];
        let stack = StackAllocator::from_slice(&mut buffer);
        let mut tops = [0usize; 4];
        let mut blocks = [(NonNull::dangling(), 0usize); 4];
        for (i, (size, align)) in [(3, 1), (5, 64), (0, 16), (7, 8)].into_iter().enumerate() {
            tops[i] = stack.used_memory();
            blocks[i] = (stack.allocate(size, align).unwrap(), size);
            assert_eq!(blocks[i].0.as_ptr().addr() % align, 0);
        }
        for i in (0..4).rev() {
            free(&stack, blocks[i].0, blocks[i].1).unwrap();
            assert_eq!(stack.used_memory(), tops[i]);
        }
        assert_eq!(stack.depth(), 0);
    }

    #[test]
    fn busy_stack_refuses_without_changing() {
        let mut buffer = [0u8; 128];
        let stack = StackAllocator::from_slice(&mut buffer);
        let block = stack.allocate(8, 8).unwrap();
        let guard = stack.try_lock().unwrap();
        assert!(matches!(
            stack.allocate(8, 8),
            Err(AllocError::OutOfMemory { remaining: 0, .. })
        ));
        assert_eq!(free(&stack, block, 8), Err(FreeError::OutOfOrder));
        assert_eq!(stack.try_scope(|_| ()), Err(StackBusy));
        drop(guard);
        free(&stack, block, 8).unwrap();
        assert_eq!(stack.stats().failures, 3);
    }

    #[test]
    fn wrong_pointers_and_sizes_are_refused() {
        let mut buffer = [0u8; 128];
        let stack = StackAllocator::from_slice(&mut buffer);
        let block = stack.allocate(16, 8).unwrap();
        let inner = NonNull::new(block.as_ptr().wrapping_add(4)).unwrap();
        assert_eq!(
            free(&stack, inner, 4),
            Err(FreeError::NotBlockStart { offset: 4 })
        );
        assert_eq!(free(&stack, block, 64), Err(FreeError::NotAllocated));
        let foreign = NonNull::from(&mut 0u8);
        assert_eq!(free(&stack, foreign, 1), Err(FreeError::ForeignPointer));
        free(&stack, block, 16).unwrap();
        assert_eq!(free(&stack, block, 16), Err(FreeError::NotAllocated));
    }
}
