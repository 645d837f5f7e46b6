//! Allocation statistics: lock-free counters an allocator updates, and the plain snapshot telemetry reads.

#[cfg(not(loom))]
use core::cell::Cell;

use crate::sync::{AtomicUsize, Ordering, const_fn_unless_loom};

/// Lock-free counters of one allocator: bytes in use, their high-water mark, and how many allocations, frees
/// and failed requests there were.
///
/// Counters wrap around at `usize::MAX` rather than saturate or panic. Each counter is exact, but a
/// [`snapshot`](MemoryStats::snapshot) taken while other threads allocate reads them one after another, so its
/// fields can be from slightly different instants.
///
/// ```
/// use flight_memory::MemoryStats;
///
/// static STATS: MemoryStats = MemoryStats::new();
/// STATS.record_allocation(64);
/// STATS.record_allocation(32);
/// STATS.record_free(64);
/// STATS.record_failure();
///
/// let now = STATS.snapshot();
/// assert_eq!((now.used, now.peak), (32, 96));
/// assert_eq!((now.allocations, now.frees, now.failures), (2, 1, 1));
/// ```
#[derive(Debug)]
pub struct MemoryStats {
    used: AtomicUsize,
    peak: AtomicUsize,
    allocations: AtomicUsize,
    frees: AtomicUsize,
    failures: AtomicUsize,
}

impl MemoryStats {
    const_fn_unless_loom! {
        /// All counters at zero.
        pub fn new() -> Self {
            MemoryStats {
                used: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
                allocations: AtomicUsize::new(0),
                frees: AtomicUsize::new(0),
                failures: AtomicUsize::new(0),
            }
        }
    }

    /// Counts one allocation of `bytes` and raises the peak if needed.
    #[inline]
    pub fn record_allocation(&self, bytes: usize) {
        self.allocations.fetch_add(1, Ordering::Relaxed);
        let used = self
            .used
            .fetch_add(bytes, Ordering::Relaxed)
            .wrapping_add(bytes);
        if used > self.peak.load(Ordering::Relaxed) {
            self.peak.fetch_max(used, Ordering::Relaxed);
        }
    }

    /// Counts one free of `bytes`.
    #[inline]
    pub fn record_free(&self, bytes: usize) {
        self.frees.fetch_add(1, Ordering::Relaxed);
        self.used.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Counts one request that could not be served.
    #[inline]
    pub fn record_failure(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Sets the bytes in use to zero after a bulk release (`reset`), keeping the peak and the counts.
    #[inline]
    pub fn record_reset(&self) {
        self.used.store(0, Ordering::Relaxed);
    }

    /// Sets the bytes in use, for allocators that release in bulk to a marker; raises the peak if needed.
    #[inline]
    pub fn set_used(&self, bytes: usize) {
        self.used.store(bytes, Ordering::Relaxed);
        if bytes > self.peak.load(Ordering::Relaxed) {
            self.peak.fetch_max(bytes, Ordering::Relaxed);
        }
    }

    /// Counts one allocation without touching the bytes in use, for allocators that derive those (and their
    /// peak) from their own state: one atomic add instead of three read-modify-writes.
    #[inline]
    pub(crate) fn count_allocation(&self) {
        self.allocations.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one free without touching the bytes in use (see [`count_allocation`](MemoryStats::count_allocation)).
    #[cfg(any(feature = "allocator-api2", test))]
    #[inline]
    pub(crate) fn count_free(&self) {
        self.frees.fetch_add(1, Ordering::Relaxed);
    }

    /// Raises the peak to `bytes` if it is below, without touching the bytes in use.
    #[inline]
    pub(crate) fn raise_peak(&self, bytes: usize) {
        if bytes > self.peak.load(Ordering::Relaxed) {
            self.peak.fetch_max(bytes, Ordering::Relaxed);
        }
    }

    /// Adds the allocations, frees and failures of `other` (counted elsewhere, e.g. by a scope) and raises the
    /// peak to its peak; the bytes in use are left alone.
    #[cfg(not(loom))]
    pub(crate) fn absorb(&self, other: &StatsSnapshot) {
        self.allocations
            .fetch_add(other.allocations, Ordering::Relaxed);
        self.frees.fetch_add(other.frees, Ordering::Relaxed);
        self.failures.fetch_add(other.failures, Ordering::Relaxed);
        self.raise_peak(other.peak);
    }

    /// [`record_allocation`](MemoryStats::record_allocation) for an owner that serialises every writer of the
    /// byte counts, allocations and frees (a lock, or `&mut`): plain loads and stores instead of atomic
    /// read-modify-writes, so an allocation costs no locked instruction. Readers still see whole values.
    /// Failures are not covered: [`record_failure`](MemoryStats::record_failure) stays safe to call from anywhere.
    ///
    /// A writer that does not hold the owner's lock would lose counts (never memory safety).
    #[inline]
    pub(crate) fn record_allocation_serialised(&self, bytes: usize) {
        let allocations = self.allocations.load(Ordering::Relaxed);
        self.allocations
            .store(allocations.wrapping_add(1), Ordering::Relaxed);
        let used = self.used.load(Ordering::Relaxed).wrapping_add(bytes);
        self.used.store(used, Ordering::Relaxed);
        if used > self.peak.load(Ordering::Relaxed) {
            self.peak.store(used, Ordering::Relaxed);
        }
    }

    /// Counts `count` allocations and as many frees together, made and released between two readings of the
    /// owner, whose bytes in use went up to `high` meanwhile and came back: `used` does not change, the peak is
    /// raised to `high`. Under the same rule as
    /// [`record_allocation_serialised`](MemoryStats::record_allocation_serialised).
    #[inline]
    pub(crate) fn record_round_trips_serialised(&self, count: usize, high: usize) {
        let allocations = self.allocations.load(Ordering::Relaxed);
        self.allocations
            .store(allocations.wrapping_add(count), Ordering::Relaxed);
        let frees = self.frees.load(Ordering::Relaxed);
        self.frees
            .store(frees.wrapping_add(count), Ordering::Relaxed);
        if high > self.peak.load(Ordering::Relaxed) {
            self.peak.store(high, Ordering::Relaxed);
        }
    }

    /// Counts `count` frees of `bytes` together, under the same rule as
    /// [`record_allocation_serialised`](MemoryStats::record_allocation_serialised).
    #[inline]
    pub(crate) fn record_frees_serialised(&self, count: usize, bytes: usize) {
        let frees = self.frees.load(Ordering::Relaxed);
        self.frees
            .store(frees.wrapping_add(count), Ordering::Relaxed);
        let used = self.used.load(Ordering::Relaxed);
        self.used.store(used.wrapping_sub(bytes), Ordering::Relaxed);
    }

    /// The counters as plain cells, for an owner that holds them exclusively: see [`ExclusiveCounts`]. (Loom's
    /// atomics cannot be borrowed as plain integers, so this is not built in loom models.)
    #[cfg(not(loom))]
    #[inline]
    pub(crate) fn exclusive(&mut self) -> ExclusiveCounts<'_> {
        ExclusiveCounts {
            used: Cell::from_mut(self.used.get_mut()),
            peak: Cell::from_mut(self.peak.get_mut()),
            allocations: Cell::from_mut(self.allocations.get_mut()),
            frees: Cell::from_mut(self.frees.get_mut()),
            failures: Cell::from_mut(self.failures.get_mut()),
        }
    }

    /// The counters now, as a plain value.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            used: self.used.load(Ordering::Relaxed),
            peak: self.peak.load(Ordering::Relaxed),
            allocations: self.allocations.load(Ordering::Relaxed),
            frees: self.frees.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
        }
    }
}

impl Default for MemoryStats {
    fn default() -> Self {
        Self::new()
    }
}

/// The counters of a [`MemoryStats`] borrowed with `&mut`: plain loads and stores, no atomic instruction, on a
/// single thread. They are the stats' own memory, so every count is in place at once, with nothing to write
/// back (a leaked borrower loses nothing). The same wrap-around rules as the atomic methods.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct ExclusiveCounts<'s> {
    used: &'s Cell<usize>,
    peak: &'s Cell<usize>,
    allocations: &'s Cell<usize>,
    frees: &'s Cell<usize>,
    failures: &'s Cell<usize>,
}

#[cfg(not(loom))]
impl ExclusiveCounts<'_> {
    /// [`MemoryStats::count_allocation`].
    #[inline]
    pub(crate) fn count_allocation(&self) {
        self.allocations.set(self.allocations.get().wrapping_add(1));
    }

    /// [`MemoryStats::record_failure`].
    #[inline]
    pub(crate) fn record_failure(&self) {
        self.failures.set(self.failures.get().wrapping_add(1));
    }

    /// [`MemoryStats::raise_peak`].
    #[inline]
    pub(crate) fn raise_peak(&self, bytes: usize) {
        self.peak.set(self.peak.get().max(bytes));
    }

    /// [`MemoryStats::snapshot`].
    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            used: self.used.get(),
            peak: self.peak.get(),
            allocations: self.allocations.get(),
            frees: self.frees.get(),
            failures: self.failures.get(),
        }
    }
}

/// The statistics of an allocator at one instant: what telemetry downlinks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StatsSnapshot {
    /// Bytes handed out and not yet given back (for pools and buffer managers: whole blocks).
    pub used: usize,
    /// The highest `used` has been.
    pub peak: usize,
    /// Successful allocations.
    pub allocations: usize,
    /// Successful frees.
    pub frees: usize,
    /// Requests that could not be served.
    pub failures: usize,
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn peak_survives_frees_and_resets() {
        let stats = MemoryStats::new();
        stats.record_allocation(100);
        stats.record_free(100);
        stats.record_allocation(10);
        stats.record_reset();
        assert_eq!(
            stats.snapshot(),
            StatsSnapshot {
                used: 0,
                peak: 100,
                allocations: 2,
                frees: 1,
                failures: 0
            }
        );
        stats.set_used(150);
        assert_eq!(stats.snapshot().peak, 150);
    }
}
