//! A scope over a shared [`LinearAllocator`] (a `static`, such as a generated component) that gives every byte
//! back when it ends: the safe reset for an allocator nobody holds `&mut` of.
//!
//! # How it stays sound without touching the allocation path
//!
//! A reset must never free memory that a `&'static` reference from the shared path still points into. The
//! scope starts only when the allocator's offset is 0, so nothing handed out by the shared path is alive, and
//! it takes the allocator by moving the offset, in the same compare-and-swap, to the end of the memory: the
//! allocator looks full. While the offset is there, every shared allocation of one byte or more fails as a full
//! allocator's does (`AllocError::OutOfMemory` with `remaining: 0`, counted); the offset never passes the end,
//! which the allocation path's single comparison relies on (`Arena::claim`). The scope's
//! view allocates with its own offset (a plain cell, as [`ExclusiveLinear`] does for an owner), and its
//! references borrow the view, which the closure gets for a lifetime of its own, so none can outlive the
//! scope. When the closure returns (or unwinds), the scope adds its counts to the allocator's statistics and
//! stores 0 in the offset, which gives the memory back to the shared path.
//!
//! The shared allocation path is unchanged: no extra load, compare or branch. The price is that a scope and a
//! shared path that filled the memory to its last byte look alike: both refuse a new scope, and while a scope
//! runs the allocator's statistics read the whole memory in use.

use core::cell::Cell;

use super::{ExclusiveLinear, LinearAllocator};
use crate::stats::MemoryStats;
use crate::sync::Ordering;

/// Why [`LinearAllocator::try_scope`] did not run its closure. Nothing was changed; the refusal is counted as a
/// failure in the allocator's statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinearBusy {
    /// The shared path has handed out memory that may still be in use, and a scope ends by giving every byte
    /// back. Call `try_scope` before allocating through the shared path, or
    /// [`reset`](LinearAllocator::reset) it through `&mut`.
    InUse {
        /// Bytes handed out by the shared path, alignment padding included.
        used: usize,
    },
    /// Another scope holds the allocator (another thread, an interrupt, or a call from inside a scope's
    /// closure: allocate through the closure's view instead), or the shared path has filled it to its last
    /// byte, which looks the same.
    Scoped,
}

impl core::fmt::Display for LinearBusy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            LinearBusy::InUse { used } => write!(
                f,
                "linear allocator in shared use: {used} bytes handed out may still be borrowed; open the scope \
                 before allocating through the allocator itself"
            ),
            LinearBusy::Scoped => f.write_str(
                "linear allocator busy: another scope holds it; allocate through that scope's view",
            ),
        }
    }
}

impl core::error::Error for LinearBusy {}

impl<'a> LinearAllocator<'a> {
    /// Runs `f` with an exclusive view of the whole allocator and gives every byte back when `f` returns (or
    /// unwinds): the reset of a shared allocator, such as a `static` generated from memory.toml, for which
    /// [`reset`](LinearAllocator::reset) (`&mut self`) cannot be called.
    ///
    /// The view is an [`ExclusiveLinear`]: the typed helpers without atomic instructions, and its own
    /// [`reset`](ExclusiveLinear::reset) to start over inside the scope (once per file, per cycle). Its
    /// references cannot leave `f`. While the scope runs, every other use of the allocator is refused: shared
    /// allocations fail with `AllocError::OutOfMemory { remaining: 0, .. }`, another `try_scope` with
    /// [`LinearBusy::Scoped`]; the statistics read the whole memory in use, and gain the scope's allocations,
    /// failures and high-water mark when it ends (the view's own [`stats`](ExclusiveLinear::stats) are the scope's).
    /// Values placed in the scope are not dropped.
    ///
    /// # Errors
    ///
    /// [`LinearBusy::InUse`] if the shared path has memory out (the offset is not 0), [`LinearBusy::Scoped`] if
    /// another scope is open; `f` is not called then, and the failure is counted. Never panics.
    ///
    /// ```
    /// use flight_memory::{static_allocator, AllocError, LinearBusy};
    ///
    /// static_allocator! {
    ///     static STAGING: LinearAllocator(1024);
    /// }
    ///
    /// for file in ["a.bin", "bb.bin"] {
    ///     let checksum = STAGING.try_scope(|staging| -> Result<u32, AllocError> {
    ///         let name = staging.alloc_str(file)?;
    ///         let image = staging.alloc_slice_fill_with(600, |i| i as u8)?;
    ///         assert!(STAGING.allocate(8, 1).is_err()); // the scope holds the allocator
    ///         Ok(name.len() as u32 + image.iter().map(|&b| u32::from(b)).sum::<u32>())
    ///     })??;
    ///     assert!(checksum > 0);
    ///     assert_eq!(STAGING.used_memory(), 0); // every byte came back
    /// }
    /// assert_eq!(STAGING.stats().peak, 606);
    ///
    /// // Once the shared path has handed out memory, a scope would free it under its user: refused.
    /// let kept: &'static mut u32 = STAGING.alloc(7).map_err(|r| r.error())?;
    /// assert_eq!(STAGING.try_scope(|_| ()), Err(LinearBusy::InUse { used: 4 }));
    /// assert_eq!(*kept, 7);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// A reference from the scope cannot leave it:
    ///
    /// ```compile_fail
    /// # flight_memory::static_allocator! { static STAGING: LinearAllocator(64); }
    /// let escaped = STAGING.try_scope(|staging| staging.alloc(1u8).unwrap()).unwrap();
    /// ```
    pub fn try_scope<R>(
        &self,
        f: impl FnOnce(&mut ExclusiveLinear<'_, 'a>) -> R,
    ) -> Result<R, LinearBusy> {
        let base = self.arena.base().as_ptr();
        let sentinel = self.scope_sentinel();
        if let Err(current) =
            self.next
                .compare_exchange(base, sentinel, Ordering::Acquire, Ordering::Relaxed)
        {
            self.stats.record_failure();
            return Err(if current == sentinel {
                LinearBusy::Scoped
            } else {
                LinearBusy::InUse {
                    used: self.offset_at(current),
                }
            });
        }
        let mut scope = ScopeEnd {
            allocator: self,
            next: Cell::new(base),
            counts: MemoryStats::new(),
        };
        let ScopeEnd {
            allocator,
            next,
            counts,
        } = &mut scope;
        let mut view = ExclusiveLinear::over(&allocator.arena, next, counts.exclusive());
        Ok(f(&mut view))
    }

    /// The next address that marks the allocator as held by a scope: the end of its memory, so that every
    /// placement of a byte or more from it fails, and the offset stays within the memory as `Arena::claim`
    /// requires.
    #[inline]
    pub(super) fn scope_sentinel(&self) -> *mut u8 {
        self.arena.end().as_ptr()
    }
}

/// The end of a scope, run on return and on unwinding: the scope's counts go into the allocator's statistics
/// and the offset back to 0.
struct ScopeEnd<'s, 'a> {
    allocator: &'s LinearAllocator<'a>,
    /// The scope's own next free byte in the allocator's memory.
    next: Cell<*mut u8>,
    /// The scope's own counters (the view's), added to the allocator's at the end.
    counts: MemoryStats,
}

impl Drop for ScopeEnd<'_, '_> {
    fn drop(&mut self) {
        let mut scope = self.counts.snapshot();
        scope.peak = scope.peak.max(self.allocator.offset_at(self.next.get()));
        self.allocator.stats.absorb(&scope);
        // The view and every reference it handed out are gone (they borrowed `self`), so the bytes can go back;
        // `Release` publishes the scope's writes to them to the next allocation's `Acquire`.
        self.allocator
            .next
            .store(self.allocator.arena.base().as_ptr(), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AllocError;

    #[test]
    fn a_scope_refuses_while_the_shared_path_has_memory_out_and_counts_it() {
        let mut buffer = [0u8; 32];
        let scratch = LinearAllocator::from_slice(&mut buffer);
        scratch.allocate(3, 1).unwrap();
        assert_eq!(
            scratch.try_scope(|_| unreachable!()),
            Err(LinearBusy::InUse { used: 3 })
        );
        assert_eq!(scratch.stats().failures, 1);
    }

    #[test]
    fn inside_a_scope_the_shared_path_and_other_scopes_are_refused() {
        let mut buffer = [0u8; 32];
        let scratch = LinearAllocator::from_slice(&mut buffer);
        let inner = scratch
            .try_scope(|view| {
                view.allocate(10, 1).unwrap();
                assert_eq!(scratch.used_memory(), 32, "the scope holds all of it");
                assert!(matches!(
                    scratch.allocate(1, 1),
                    Err(AllocError::OutOfMemory { remaining: 0, .. })
                ));
                scratch.try_scope(|_| ())
            })
            .unwrap();
        assert_eq!(inner, Err(LinearBusy::Scoped));
        let stats = scratch.stats();
        assert_eq!(
            (stats.used, stats.peak, stats.allocations, stats.failures),
            (0, 10, 1, 2)
        );
        // Free again: the shared path works, and so does the next scope once it gives its bytes back.
        assert!(scratch.allocate(32, 1).is_ok());
    }

    #[test]
    fn a_panicking_scope_still_gives_the_allocator_back() {
        let mut buffer = [0u8; 32];
        let scratch = LinearAllocator::from_slice(&mut buffer);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            scratch.try_scope(|view| {
                view.allocate(20, 1).unwrap();
                panic!("a command handler failed");
            })
        }));
        assert!(result.is_err());
        assert_eq!(scratch.used_memory(), 0);
        assert_eq!(scratch.stats().peak, 20);
        assert_eq!(scratch.try_scope(|view| view.total_memory()), Ok(32));
    }
}
