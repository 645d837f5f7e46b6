//! Telemetry of a buffer manager with F´'s channel names, overall ([`BufferTelemetry`]) and per bin
//! ([`BinTelemetry`]), and the failure hook ([`FailureHook`], [`BufferFailure`]). What each counter means is
//! documented on [`BufferManager`](crate::BufferManager#telemetry).

use crate::sync::{AtomicUsize, Ordering, const_fn_unless_loom};
use crate::{AllocError, StatsSnapshot};

use super::occupancy::Occupancy;
use super::{BufferManager, ManagerId, ReturnError};

/// The manager-wide counters. All zero when new.
///
/// Only `occupancy` is touched on the hot path (one atomic add when a buffer goes out, one when it comes back):
/// allocations and frees are the sums of what the bins' free lists count, and everything else is counted on
/// failures, zero-size requests and refused returns.
#[derive(Debug)]
pub(crate) struct Counters {
    /// Buffers and bytes (bin sizes) out, and the most of each there has been.
    pub(crate) occupancy: Occupancy,
    /// Requests that could not be served (F´'s `no_buffs`).
    pub(crate) failures: AtomicUsize,
    /// Empty or invalid buffers sent back through the port or the raw form (F´'s `EmptyBuffs`).
    pub(crate) empty_buffs: AtomicUsize,
    /// Refused returns.
    pub(crate) rejected_returns: AtomicUsize,
}

impl Counters {
    const_fn_unless_loom! {
        /// The counters of a manager of `buffers` buffers that together hold `bytes` bytes (the sum of each bin's
        /// size times its count).
        pub(crate) fn new(buffers: usize, bytes: usize) -> Self {
            Counters {
                occupancy: Occupancy::new(buffers, bytes),
                failures: AtomicUsize::new(0),
                empty_buffs: AtomicUsize::new(0),
                rejected_returns: AtomicUsize::new(0),
            }
        }
    }
}

/// The telemetry of a buffer manager at one instant, with F´'s channel names. See
/// [`BufferManager`](crate::BufferManager#telemetry) for what each counter means.
///
/// ```
/// use flight_memory::buffer_manager;
///
/// buffer_manager! {
///     static RADIO: id 4, bins [64 x 2];
/// }
///
/// let a = RADIO.allocate(10)?;
/// let b = RADIO.allocate(0)?; // served, and counted in zero_size_requests
/// assert!(RADIO.allocate(10).is_err()); // counted in no_buffs
/// drop(a);
/// RADIO.return_raw(b.into_raw())?; // an empty buffer sent back: counted in empty_buffs
///
/// let tlm = RADIO.telemetry();
/// assert_eq!((tlm.total_buffs, tlm.curr_buffs, tlm.hi_buffs), (2, 0, 2));
/// assert_eq!((tlm.no_buffs, tlm.zero_size_requests, tlm.empty_buffs), (1, 1, 1));
/// assert_eq!(tlm.rejected_returns, 0);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BufferTelemetry {
    /// The manager's id.
    pub manager: ManagerId,
    /// How many bins the manager has.
    pub bins: usize,
    /// Buffers the manager has.
    pub total_buffs: usize,
    /// Buffers handed out now.
    pub curr_buffs: usize,
    /// The most buffers out at once.
    pub hi_buffs: usize,
    /// Requests that could not be served (every candidate bin full, or larger than every bin).
    pub no_buffs: usize,
    /// Empty or invalid buffers sent back through the port ([`BufferPort::send_in`](crate::BufferPort::send_in))
    /// or the raw form ([`return_raw`](BufferManager::return_raw)): F´'s `EmptyBuffs`.
    pub empty_buffs: usize,
    /// Requests for zero bytes (served, but usually a size computed wrongly).
    pub zero_size_requests: usize,
    /// Returns that were refused.
    pub rejected_returns: usize,
}

/// The telemetry of one bin at one instant. See [`BufferManager`](crate::BufferManager#telemetry).
///
/// ```
/// use flight_memory::buffer_manager;
///
/// buffer_manager! {
///     static LINK: id 5, bins [32 x 1, 256 x 1];
/// }
///
/// let _small = LINK.allocate(20)?;
/// let _spilled = LINK.allocate(20)?; // bin 0 is full: served by bin 1
///
/// let bins: Vec<_> = LINK.bin_telemetry().collect();
/// assert_eq!((bins[0].size, bins[0].curr_buffs, bins[0].spills), (32, 1, 1));
/// assert_eq!((bins[1].size, bins[1].curr_buffs, bins[1].hi_buffs), (256, 1, 1));
/// # Ok::<(), flight_memory::AllocError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BinTelemetry {
    /// The bin's number (its position in size order).
    pub bin: usize,
    /// Bytes in each of its buffers.
    pub size: usize,
    /// Buffers in the bin.
    pub total_buffs: usize,
    /// Buffers of the bin handed out now.
    pub curr_buffs: usize,
    /// The most buffers of the bin out at once.
    pub hi_buffs: usize,
    /// Failed requests whose first choice was this bin.
    pub no_buffs: usize,
    /// Zero-size requests whose first choice was this bin (a zero-size request's first choice is bin 0).
    pub zero_size_requests: usize,
    /// Requests whose first choice was this bin, served by a larger bin because this one was full.
    pub spills: usize,
    /// Refused returns that named this bin.
    pub rejected_returns: usize,
}

/// What went wrong, as given to a [`FailureHook`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BufferFailure {
    /// A request could not be served (counted in `no_buffs`).
    Allocate {
        /// The manager's id.
        manager: ManagerId,
        /// Bytes asked for.
        requested: usize,
        /// Why it failed.
        error: AllocError,
    },
    /// A buffer given back was refused (counted in `rejected_returns`).
    Return {
        /// The manager's id.
        manager: ManagerId,
        /// Why it was refused.
        error: ReturnError,
    },
}

impl core::fmt::Display for BufferFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BufferFailure::Allocate {
                manager,
                requested,
                error,
            } => write!(
                f,
                "buffer manager {}: request for {requested} bytes failed: {error}",
                manager.0
            ),
            BufferFailure::Return { manager, error } => {
                write!(f, "buffer manager {}: return refused: {error}", manager.0)
            }
        }
    }
}

/// A function a manager calls, on the failing thread, each time a request fails or a return is refused, in
/// addition to counting it; set with [`BufferManager::with_failure_hook`](crate::BufferManager::with_failure_hook).
///
/// Unlike F´'s throttled events, which go silent after a few, the hook is called every time. It may run in
/// interrupt context if buffers are requested there: keep it short and non-blocking (bump a counter, set a flag,
/// queue an event). It must not request buffers from the same manager, which could recurse.
///
/// Components that would rather poll read [`BufferTelemetry::no_buffs`] and
/// [`rejected_returns`](BufferTelemetry::rejected_returns), which never stop counting.
pub type FailureHook = fn(&BufferFailure);

impl BufferManager<'_> {
    /// The manager's telemetry now. See [`BufferManager`](crate::BufferManager#telemetry) for the meanings.
    ///
    /// ```
    /// use flight_memory::buffer_manager;
    ///
    /// buffer_manager! {
    ///     static HK: id 3, bins [64 x 2];
    /// }
    ///
    /// let _a = HK.allocate(8)?;
    /// let tlm = HK.telemetry();
    /// assert_eq!((tlm.manager.0, tlm.bins, tlm.total_buffs, tlm.curr_buffs), (3, 1, 2, 1));
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    pub fn telemetry(&self) -> BufferTelemetry {
        let counters = &self.counters;
        let now = counters.occupancy.now();
        let (hi_buffs, _) = counters.occupancy.marks_after(now);
        BufferTelemetry {
            manager: self.id,
            bins: self.layouts.len(),
            total_buffs: self.total_buffs(),
            curr_buffs: now.0,
            hi_buffs,
            no_buffs: counters.failures.load(Ordering::Relaxed),
            empty_buffs: counters.empty_buffs.load(Ordering::Relaxed),
            zero_size_requests: self.bins.iter().fold(0, |sum, state| {
                sum.wrapping_add(state.zero_size_requests.load(Ordering::Relaxed))
            }),
            rejected_returns: counters.rejected_returns.load(Ordering::Relaxed),
        }
    }

    /// The telemetry of each bin now, smallest bin first.
    ///
    /// ```
    /// use flight_memory::buffer_manager;
    ///
    /// buffer_manager! {
    ///     static HK: id 3, bins [512 x 1, 64 x 2];
    /// }
    ///
    /// let _a = HK.allocate(100)?;
    /// let sizes: Vec<_> = HK.bin_telemetry().map(|bin| (bin.size, bin.curr_buffs)).collect();
    /// assert_eq!(sizes, [(64, 0), (512, 1)]);
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    pub fn bin_telemetry(&self) -> impl ExactSizeIterator<Item = BinTelemetry> + '_ {
        self.layouts
            .iter()
            .zip(self.bins.iter())
            .enumerate()
            .map(|(bin, (layout, state))| {
                let counts = state.free.counts(self.links_of(layout));
                BinTelemetry {
                    bin,
                    size: layout.size,
                    total_buffs: layout.count,
                    curr_buffs: counts.in_use as usize,
                    hi_buffs: counts.high_water as usize,
                    no_buffs: state.no_buffs.load(Ordering::Relaxed),
                    zero_size_requests: state.zero_size_requests.load(Ordering::Relaxed),
                    spills: state.spills.load(Ordering::Relaxed),
                    rejected_returns: state.rejected_returns.load(Ordering::Relaxed),
                }
            })
    }

    /// The manager's [`MemoryStats`](crate::MemoryStats)-style figures, in bytes of whole buffers: the bytes out
    /// and their peak from the occupancy word, allocations and frees summed over the bins' free lists, and the
    /// failed requests.
    ///
    /// Exact when no other thread is allocating or giving back; otherwise, as every snapshot, from values read at
    /// slightly different instants.
    pub(super) fn memory_stats(&self) -> StatsSnapshot {
        let (allocations, frees) = self.layouts.iter().zip(self.bins.iter()).fold(
            (0usize, 0usize),
            |(allocations, frees), (layout, state)| {
                let counts = state.free.counts(self.links_of(layout));
                (
                    allocations.wrapping_add(counts.taken),
                    frees.wrapping_add(counts.given_back),
                )
            },
        );
        let now = self.counters.occupancy.now();
        let (_, peak) = self.counters.occupancy.marks_after(now);
        StatsSnapshot {
            used: now.1,
            peak,
            allocations,
            frees,
            failures: self.counters.failures.load(Ordering::Relaxed),
        }
    }
}
