//! Allocation statistics: lock-free counters an allocator updates, and the plain snapshot telemetry reads.

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
