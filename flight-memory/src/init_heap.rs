//! A global allocator for the initialisation phase: `alloc` (`Vec`, `Box`, `String`) works during start-up, from
//! a linear allocator of the plan, and every allocation is refused once the program calls
//! [`freeze`](InitPhaseHeap::freeze).
//!
//! Flight rules such as JPL's Power of Ten (rule 3) allow dynamic allocation only while the software
//! initialises. `InitPhaseHeap` makes that rule a property of the program: it serves the heap from a
//! [`LinearAllocator`] (declared in memory.toml, so its bytes are in the budget), and after `freeze` it returns
//! null for every request and counts it, so the program's allocation-error handler fires at the first
//! allocation that breaks the rule instead of the heap quietly growing.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr;

use crate::linear::LinearAllocator;
use crate::stats::StatsSnapshot;
use crate::sync::{AtomicUsize, Ordering};

/// A [`GlobalAlloc`] over a `static` [`LinearAllocator`] that serves allocations until
/// [`freeze`](InitPhaseHeap::freeze) and refuses (null, counted) every one after.
///
/// Declare the heap as a linear component of memory.toml, so that it counts in its region's budget, and wrap
/// it:
///
/// ```toml
/// [components.boot_heap]
/// region = "sram"
/// strategy = "linear"
/// size = "16 KiB"
/// ```
///
/// ```rust,standalone_crate
/// use flight_memory::InitPhaseHeap;
///
/// # mod memory { pub mod components { flight_memory::static_allocator! { pub static BOOT_HEAP: LinearAllocator(16384); } } }
/// // `flight_memory::include_memory!()` declared `memory::components::BOOT_HEAP`.
/// #[global_allocator]
/// static HEAP: InitPhaseHeap = InitPhaseHeap::new(&memory::components::BOOT_HEAP);
///
/// fn main() {
///     let channels: Vec<String> = (0..8).map(|i| format!("channel-{i}")).collect(); // start-up: served
///     HEAP.freeze(); // from here on, `Vec`, `Box` and `String` get no memory
///     assert_eq!(channels[7], "channel-7");
///     assert!(HEAP.stats().allocations >= 9);
/// }
/// ```
///
/// (`tests/first-day/tests/init_phase_heap.rs` in the repository runs a program with the plan's `boot_heap`
/// as its global allocator, through the freeze and the refusals after it.)
///
/// Memory is handed out by bumping, as the linear allocator does: `dealloc` gives nothing back, and a
/// `realloc` that grows copies into new memory. Size the heap for everything start-up allocates, what it frees
/// included; [`stats`](InitPhaseHeap::stats) tells how much that was (its `peak`, after a test run of the
/// start-up). Requests that do not fit return null too, and are counted in the linear allocator's `failures`.
///
/// ```
/// use core::alloc::{GlobalAlloc, Layout};
/// use flight_memory::{static_allocator, InitPhaseHeap};
///
/// static_allocator! {
///     static BOOT: LinearAllocator(4096);
/// }
/// static HEAP: InitPhaseHeap = InitPhaseHeap::new(&BOOT);
///
/// let layout = Layout::from_size_align(64, 8)?;
/// // SAFETY: `layout` has a non-zero size.
/// let table = unsafe { HEAP.alloc(layout) };
/// assert!(!table.is_null());
///
/// HEAP.freeze();
/// // SAFETY: as above.
/// assert!(unsafe { HEAP.alloc(layout) }.is_null());
/// assert_eq!(HEAP.refused(), 1);
/// assert_eq!(HEAP.stats().allocations, 1);
/// # Ok::<(), core::alloc::LayoutError>(())
/// ```
#[derive(Debug)]
pub struct InitPhaseHeap {
    heap: &'static LinearAllocator<'static>,
    /// 0 until `freeze`, then 1.
    frozen: AtomicUsize,
    refused: AtomicUsize,
}

impl InitPhaseHeap {
    /// A heap over `heap`, serving allocations until [`freeze`](InitPhaseHeap::freeze). `const`, so it can be
    /// the `#[global_allocator]` static.
    pub const fn new(heap: &'static LinearAllocator<'static>) -> Self {
        InitPhaseHeap {
            heap,
            frozen: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
        }
    }

    /// Ends the initialisation phase: from now on every allocation returns null (and is counted in
    /// [`refused`](InitPhaseHeap::refused)). Memory handed out before stays valid. There is no way back.
    pub fn freeze(&self) {
        self.frozen.store(1, Ordering::Release);
    }

    /// Whether [`freeze`](InitPhaseHeap::freeze) has been called.
    pub fn is_frozen(&self) -> bool {
        self.frozen.load(Ordering::Acquire) != 0
    }

    /// Allocations refused because the heap is frozen.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::Relaxed)
    }

    /// The linear allocator's statistics: bytes handed out (`used`, which frees do not lower), allocations,
    /// and requests that did not fit (`failures`).
    pub fn stats(&self) -> StatsSnapshot {
        self.heap.stats()
    }

    /// The allocator the heap serves from.
    pub fn allocator(&self) -> &'static LinearAllocator<'static> {
        self.heap
    }
}

// SAFETY: `alloc` returns either null or memory from `LinearAllocator::allocate`, which hands each byte out once,
// valid for `layout.size()` bytes at `layout.align()`, and never takes it back while a shared borrow of the
// allocator exists: `reset` needs `&mut`, which a `&'static` shared reference never gives, and `try_scope` is
// refused once the offset is above 0, which it is after any allocation of a non-zero size (`GlobalAlloc`
// callers never ask for zero bytes). `dealloc` does nothing, so memory is never handed out twice. Nothing here
// panics or unwinds.
unsafe impl GlobalAlloc for InitPhaseHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if self.frozen.load(Ordering::Acquire) != 0 {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return ptr::null_mut();
        }
        match self.heap.allocate(layout.size(), layout.align()) {
            Ok(block) => block.as_ptr(),
            Err(_) => ptr::null_mut(),
        }
    }

    /// Gives nothing back: the bytes stay taken until the program ends.
    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::static_allocator;

    #[test]
    fn serves_until_frozen_then_refuses_and_counts() {
        static_allocator! {
            static BOOT: LinearAllocator(256);
        }
        static HEAP: InitPhaseHeap = InitPhaseHeap::new(&BOOT);
        let layout = Layout::from_size_align(100, 16).unwrap();
        // SAFETY: a non-zero size.
        let a = unsafe { HEAP.alloc(layout) };
        // SAFETY: as above.
        let b = unsafe { HEAP.alloc(layout) };
        assert!(!a.is_null() && !b.is_null() && a != b);
        assert_eq!(a.addr() % 16, 0);
        // SAFETY: as above; 300 bytes do not fit.
        assert!(unsafe { HEAP.alloc(Layout::from_size_align(300, 1).unwrap()) }.is_null());
        assert!(!HEAP.is_frozen());
        HEAP.freeze();
        // SAFETY: as above.
        assert!(unsafe { HEAP.alloc(Layout::new::<u8>()) }.is_null());
        assert_eq!(HEAP.refused(), 1);
        let stats = HEAP.stats();
        assert_eq!((stats.allocations, stats.failures), (2, 1));
    }
}
