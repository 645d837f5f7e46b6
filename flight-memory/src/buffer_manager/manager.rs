//! [`BufferManager`]: the bins, smallest-fit allocation with spill-over, and giving buffers back.

use core::ptr::NonNull;

use crate::sync::{AtomicU32, Ordering, const_fn_unless_loom};
use crate::{Align, Alignment, AllocError, FreeError};

use super::bins::{BIN, BinLayout, CLASSES, FIRST, FITS, size_class};
use super::list::{BinList, Link};
use super::setup::BlockOwner;
use super::state::BinState;
use super::telemetry::Counters;
use super::{
    Bin, BinTable, Buffer, BufferFailure, BufferState, BufferStorage, FailureHook, ReturnError,
};

/// The identifier of a buffer manager, as F´'s `mgrId`: carried by its [`RawBuffer`](crate::RawBuffer)s so that
/// a buffer returned to the wrong manager is recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ManagerId(pub u32);

impl core::fmt::Display for ManagerId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "buffer manager {}", self.0)
    }
}

/// F´'s `Svc::BufferManager`: bins of fixed-size buffers, each request served by the smallest bin that fits and
/// has a free buffer.
///
/// # Bins and allocation
///
/// A manager has up to [`MAX_BINS`](crate::MAX_BINS) bins of (buffer size, count), declared in any order and
/// kept sorted by size; a bin's number is its position in that order. [`allocate(size)`](BufferManager::allocate)
/// tries the smallest bin whose size is at least `size`, then, if it is full, each larger bin in turn
/// (*spill-over*; [`with_spill_over(false)`](BufferManager::with_spill_over) turns it off). When no bin can serve
/// the request it fails with an error and is counted in `no_buffs`. The smallest bin that fits is found in a
/// size-class table built with the manager (a count of leading zeros and one load; bins that share a power-of-two
/// class are then compared in turn), and each bin tried costs one lock-free pop: O(1) for a request its first
/// choice serves, O(number of bins) at worst, never a scan over buffers as in F´.
///
/// Every buffer starts at a multiple of the manager's [`alignment`](BufferManager::alignment) (a power of two,
/// 8 by default, up to 4096): each buffer takes its size rounded up to it.
///
/// # Buffers
///
/// A [`Buffer`] is an owning handle: it derefs to `[u8]` of the requested length, can grow up to its bin's
/// size, is `Send` and `Sync`, and goes back to its manager when dropped or by
/// [`deallocate`](BufferManager::deallocate). [`Buffer::into_raw`] turns it into a
/// [`RawBuffer`](crate::RawBuffer), plain data for queues and FFI, which [`return_raw`](BufferManager::return_raw)
/// and [`from_raw`](BufferManager::from_raw) validate when it comes back: a wrong manager id, bin, index,
/// pointer or length, a double return or a stale copy are refused and counted, never undefined behaviour and
/// never a panic.
///
/// # Telemetry
///
/// [`telemetry`](BufferManager::telemetry) and [`bin_telemetry`](BufferManager::bin_telemetry) report F´'s
/// channels, overall and per bin:
///
/// | counter | overall | per bin |
/// |---------|---------|---------|
/// | `total_buffs` | buffers the manager has | buffers of the bin |
/// | `curr_buffs` | buffers out now (handles, raw buffers, raw pointers) | the bin's buffers out now |
/// | `hi_buffs` | the most buffers out at once | the most of the bin's buffers out at once |
/// | `no_buffs` | requests that failed | failed requests whose first choice was the bin |
/// | `empty_buffs` | empty or invalid buffers sent back through the port or the raw form | — |
/// | `zero_size_requests` | requests for zero bytes | zero-size requests whose first choice was the bin (bin 0) |
/// | `spills` | — | requests whose first choice was the bin, served by a larger bin |
/// | `rejected_returns` | returns refused | refused returns that named the bin |
///
/// A request's *first choice* is the smallest bin whose size fits it; a request larger than every bin has none
/// and counts only overall.
///
/// `empty_buffs` is F´'s `EmptyBuffs`: buffers sent back that are empty or invalid, by
/// [`BufferPort::send_in`](crate::BufferPort::send_in) with a buffer of length 0, or
/// [`return_raw`](BufferManager::return_raw) with a raw buffer of length 0 or without data. F´ drops such a buffer
/// and leaks it; here an empty buffer of this manager is taken back as usual, and one without data is refused
/// (and counted in `rejected_returns` as well). A buffer that is dropped, or given back with
/// [`deallocate`](BufferManager::deallocate), is not "sent back" and not counted. A request for zero bytes is
/// served (a buffer of length 0 whose capacity is its bin's, see [`Buffer::set_len`]) and counted apart, in
/// `zero_size_requests`, since it usually means a size computed wrongly.
///
/// Failures never go silent (F´ throttles its events and then says nothing more): the counters count every one,
/// for a component to poll, and an optional [`FailureHook`] set by
/// [`with_failure_hook`](BufferManager::with_failure_hook) is called on every failed request and refused return.
///
/// Counters wrap around at `usize::MAX`. A snapshot taken while other threads work reads the counters one after
/// another; the manager's `curr_buffs` counts a buffer after taking it and before giving it back, so it never
/// exceeds the buffers actually out (and `hi_buffs`, at least `curr_buffs` in the same snapshot, never exceeds
/// `total_buffs`). A bin's `curr_buffs` is derived from its free list and is at most its `hi_buffs`, which never
/// goes down. All are exact when the manager is idle.
///
/// Counting is cheap on the hot path: the bins' free lists count their own buffers taken and given back, and the
/// manager keeps its buffers and bytes out in one word (two on targets where they do not fit in one `usize`,
/// only for managers of very many buffers and bytes). With 64-bit compare-and-swap and bins of up to 65,533
/// buffers, a buffer allocated and given back costs two compare-and-swaps on its bin's free list and two atomic
/// adds, whatever the number of buffers; a larger bin adds an atomic add per give-back, and a target with 32-bit
/// compare-and-swap only two per pair. The high-water marks are raised only when they are passed.
///
/// # Construction and where the memory goes
///
/// * **In statics** (what generated code and [`buffer_manager!`](crate::buffer_manager) emit): a
///   [`BinTable`](crate::BinTable) `const` (checked by the compiler, no RAM), a [`BufferState`] `static` (all
///   zero: `.bss`), a [`BufferStorage`] `static` (the bytes: may go to a linker section that start-up code does
///   not initialise, such as DTCM), tied together by the `const fn` [`new`](BufferManager::new). Nothing runs at
///   start-up; the manager itself holds addresses, so it is in `.data`.
/// * **At initialisation from a [`MemAllocator`](crate::MemAllocator)** (F´'s `setup`):
///   [`setup`](BufferManager::setup) carves state and buffers out of one block;
///   [`teardown`](BufferManager::teardown) gives it back, and refuses (returning the manager) while buffers are
///   out.
///
/// The metadata is 8 bytes per buffer (a free-list link and a tag), kept outside the buffers, plus 56 bytes per
/// bin and 224 for the manager on 64-bit targets. The bins table (64 bytes per bin and a 64-byte size-class
/// table) is a `const`: in flash, not RAM, for a manager in statics.
///
/// # Example
///
/// ```
/// use flight_memory::{buffer_manager, AllocError};
///
/// buffer_manager! {
///     static COMM: id 1, bins [1024 x 2, 128 x 4];
/// }
///
/// let mut packet = COMM.allocate(100)?;
/// packet.copy_from_slice(&[7; 100]);
/// assert_eq!((packet.len(), packet.capacity(), packet.bin()), (100, 128, 0));
/// assert_eq!(packet.as_ptr() as usize % COMM.alignment(), 0);
/// drop(packet); // back to COMM
///
/// let tlm = COMM.telemetry();
/// assert_eq!((tlm.total_buffs, tlm.curr_buffs, tlm.hi_buffs, tlm.no_buffs), (6, 0, 1, 0));
/// # Ok::<(), AllocError>(())
/// ```
pub struct BufferManager<'s> {
    /// Carried by this manager's raw buffers.
    pub(super) id: ManagerId,
    /// The bins, sorted by strictly increasing size, laid out back to back from the start of `storage`. At least
    /// one, at most `MAX_BINS` (none once a set-up manager is torn down).
    pub(super) layouts: &'s [BinLayout],
    /// The size-class table of `layouts` ([`classes_of`]): where the search for the smallest bin that fits a
    /// request starts. Every entry flagged `FITS` or `FIRST` names a bin of `layouts` (unsafe code relies on it).
    pub(super) classes: &'s [u8; CLASSES],
    /// One per bin, in the order of `layouts`: always exactly as many as `layouts` (unsafe code relies on it).
    pub(super) bins: &'s [BinState],
    /// One per buffer; bin `b`'s are `layouts[b].first..layouts[b].first + layouts[b].count`, which always lie
    /// within `links` (unsafe code relies on it).
    pub(super) links: &'s [Link],
    /// One per buffer, in the order of `links`.
    pub(super) tags: &'s [AtomicU32],
    /// The first byte of the buffers: aligned to `alignment`, valid for reads and writes of `storage_size`
    /// bytes for `'s`, initialised, and accessed only by the owner of each buffer.
    pub(super) storage: NonNull<u8>,
    /// The bytes of all buffers: the sum of `count * stride` over the bins.
    pub(super) storage_size: usize,
    /// A power of two: every buffer starts at a multiple of it.
    pub(super) alignment: usize,
    /// Whether a request may be served by a larger bin when its first choice is full.
    pub(super) spill_over: bool,
    /// Called on every failure.
    pub(super) hook: Option<FailureHook>,
    /// The manager-wide counters.
    pub(super) counters: Counters,
    /// For a manager set up from a `MemAllocator`: the one block everything above lives in.
    pub(super) owner: Option<BlockOwner<'s>>,
}

// SAFETY: the manager's shared state is atomics (free lists, tags, counters) and plain data. Its storage is
// reached only through buffers, each handed to one owner at a time by the free lists (acquire on pop, release on
// push order one owner's accesses before the next one's). The allocator reference of a set-up manager is
// `dyn MemAllocator + Sync`, and the hook a plain `fn`.
unsafe impl Send for BufferManager<'_> {}
// SAFETY: as above; every `&self` method is safe to call from several threads at once.
unsafe impl Sync for BufferManager<'_> {}

impl<'s> BufferManager<'s> {
    const_fn_unless_loom! {
        /// A manager over a bins table and state and storage in statics: what generated code and the
        /// [`buffer_manager!`](crate::buffer_manager) macro emit. The macro is the easy way; this is what it
        /// expands to.
        ///
        /// Nothing is done per buffer: `state` is all zero, and buffers are taken from it as needed. Only
        /// `storage` may go to a linker section that start-up code does not initialise (see
        /// [`BufferStorage`]); `state` and the manager itself must be in sections it zeroes or copies.
        ///
        /// # Safety
        ///
        /// For as long as the manager, or any buffer from it, is alive, no other manager uses `state` or
        /// `storage`, and `state` is new ([`BufferState::new`]) or was used only by managers over the same
        /// `table` and `storage`. Two managers over the same storage would hand out the same bytes twice.
        ///
        /// # Panics
        ///
        /// If `N` is not `table.buffer_count()`, `SIZE` is below `table.storage_size()` or `ALIGN` below
        /// `table.alignment()`. In a `static`, which is what this is for, that is a compile error.
        ///
        /// ```
        /// use flight_memory::{Bin, BinTable, BufferManager, BufferState, BufferStorage, ManagerId};
        ///
        /// // The table is a `const`: checked and laid out by the compiler, it takes no RAM.
        /// const COMM_BINS: BinTable<3> =
        ///     BinTable::new([Bin::new(1024, 16), Bin::new(128, 32), Bin::new(4096, 4)]);
        /// // The state is all zeroes: it lives in `.bss`.
        /// static COMM_STATE: BufferState<3, { COMM_BINS.buffer_count() }> = BufferState::new();
        /// // Only the bytes may go to a region's section, e.g. #[unsafe(link_section = ".bss.sram")].
        /// static COMM_STORAGE: BufferStorage<{ COMM_BINS.storage_size() }, { COMM_BINS.alignment() }> =
        ///     BufferStorage::zeroed();
        /// // SAFETY: COMM_STATE and COMM_STORAGE are new and given to this manager only.
        /// static COMM: BufferManager<'static> =
        ///     unsafe { BufferManager::new(ManagerId(1), &COMM_BINS, &COMM_STATE, &COMM_STORAGE) };
        ///
        /// let mut buffer = COMM.allocate(512)?;
        /// buffer.fill(0xA5);
        /// assert_eq!((buffer.len(), buffer.capacity()), (512, 1024));
        /// assert_eq!(COMM.telemetry().total_buffs, 52);
        /// # Ok::<(), flight_memory::AllocError>(())
        /// ```
        pub unsafe fn new<const B: usize, const N: usize, const SIZE: usize, const ALIGN: usize>(
            id: ManagerId,
            table: &'s BinTable<B>,
            state: &'s BufferState<B, N>,
            storage: &'s BufferStorage<SIZE, ALIGN>,
        ) -> Self
        where
            Align<ALIGN>: Alignment,
        {
            assert!(
                N == table.buffer_count(),
                "BufferManager::new: the state's N must be the table's buffer_count()"
            );
            assert!(
                SIZE >= table.storage_size(),
                "BufferManager::new: the storage's SIZE must be at least the table's storage_size()"
            );
            assert!(
                ALIGN >= table.alignment(),
                "BufferManager::new: the storage's ALIGN must be at least the table's alignment()"
            );
            BufferManager {
                id,
                layouts: table.layouts(),
                classes: table.classes(),
                bins: &state.bins,
                links: &state.links,
                tags: &state.tags,
                storage: storage.base(),
                storage_size: table.storage_size(),
                alignment: table.alignment(),
                spill_over: true,
                hook: None,
                counters: Counters::new(table.buffer_count(), table.buffer_bytes()),
                owner: None,
            }
        }
    }

    /// The manager with spill-over on (the default) or off. With it off, a request whose first-choice bin is
    /// full fails even if a larger bin has a free buffer.
    ///
    /// ```
    /// use flight_memory::{Bin, BinTable, BufferManager, BufferState, BufferStorage, ManagerId};
    ///
    /// const BINS: BinTable<2> = BinTable::new([Bin::new(16, 1), Bin::new(64, 1)]);
    /// static STATE: BufferState<2, 2> = BufferState::new();
    /// static STORAGE: BufferStorage<{ BINS.storage_size() }, 8> = BufferStorage::zeroed();
    /// // SAFETY: STATE and STORAGE are new and given to this manager only.
    /// static STRICT: BufferManager<'static> =
    ///     unsafe { BufferManager::new(ManagerId(2), &BINS, &STATE, &STORAGE) }.with_spill_over(false);
    ///
    /// let _only = STRICT.allocate(10)?;
    /// assert!(STRICT.allocate(10).is_err()); // bin 0 is full; bin 1 is not tried
    /// assert!(STRICT.allocate(40).is_ok());
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    #[must_use]
    pub const fn with_spill_over(mut self, spill_over: bool) -> Self {
        self.spill_over = spill_over;
        self
    }

    /// The manager with `hook` called on every failed request and refused return, on the thread where it
    /// happens (see [`FailureHook`]).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use flight_memory::{Bin, BinTable, BufferFailure, BufferManager, BufferState, BufferStorage, ManagerId};
    ///
    /// static FAILURES: AtomicUsize = AtomicUsize::new(0);
    /// fn count(failure: &BufferFailure) {
    ///     FAILURES.fetch_add(1, Ordering::Relaxed);
    ///     eprintln!("{failure}");
    /// }
    ///
    /// const BINS: BinTable<1> = BinTable::new([Bin::new(16, 1)]);
    /// static STATE: BufferState<1, 1> = BufferState::new();
    /// static STORAGE: BufferStorage<16, 8> = BufferStorage::zeroed();
    /// // SAFETY: STATE and STORAGE are new and given to this manager only.
    /// static WATCHED: BufferManager<'static> =
    ///     unsafe { BufferManager::new(ManagerId(3), &BINS, &STATE, &STORAGE) }.with_failure_hook(count);
    ///
    /// assert!(WATCHED.allocate(17).is_err());
    /// assert_eq!(FAILURES.load(Ordering::Relaxed), 1);
    /// ```
    #[must_use]
    pub const fn with_failure_hook(mut self, hook: FailureHook) -> Self {
        self.hook = Some(hook);
        self
    }

    /// This manager's id.
    #[inline]
    pub const fn id(&self) -> ManagerId {
        self.id
    }

    /// The alignment of every buffer.
    #[inline]
    pub const fn alignment(&self) -> usize {
        self.alignment
    }

    /// How many bins the manager has.
    #[inline]
    pub const fn bin_count(&self) -> usize {
        self.layouts.len()
    }

    /// How many buffers all bins have together.
    #[inline]
    pub const fn total_buffs(&self) -> usize {
        self.links.len()
    }

    /// The bytes all buffers take, each rounded up to the alignment.
    #[inline]
    pub const fn storage_size(&self) -> usize {
        self.storage_size
    }

    /// Whether a request may be served by a larger bin when its first choice is full.
    #[inline]
    pub const fn spill_over(&self) -> bool {
        self.spill_over
    }

    /// The bins, smallest first; bin numbers are positions in this order.
    ///
    /// ```
    /// use flight_memory::{buffer_manager, Bin};
    ///
    /// buffer_manager! {
    ///     static CAMERA: id 9, bins [4096 x 2, 256 x 8];
    /// }
    /// assert_eq!(CAMERA.bins().collect::<Vec<_>>(), [Bin::new(256, 8), Bin::new(4096, 2)]);
    /// ```
    pub fn bins(&self) -> impl ExactSizeIterator<Item = Bin> + '_ {
        self.layouts
            .iter()
            .map(|layout| Bin::new(layout.size, layout.count))
    }

    /// A buffer of `size` bytes, from the smallest bin whose buffers are at least `size` bytes and that has one
    /// free, or a larger bin if spill-over is on. Its [`len`](Buffer::len) is `size`, its
    /// [`capacity`](Buffer::capacity) the bin's size, and it starts at a multiple of the manager's
    /// [`alignment`](BufferManager::alignment). The bytes are what the previous owner left (zero at first).
    ///
    /// A zero-size request is served like any other (by bin 0 if it has a free buffer) and counted in
    /// `zero_size_requests`.
    ///
    /// Cost: the request's size class (a bit scan) picks its first-choice bin from a table built with the bins;
    /// then one lock-free pop, one atomic add and two comparisons with the high-water marks. When the bins'
    /// sizes do not decide the class alone (two bins within one power of two), the bins of the class are compared
    /// in turn; a full first choice tries each larger bin (spill-over). On x86-64 an allocation served by its first
    /// choice and its give-back take about 90 instructions together, 4 of them atomic read-modify-writes
    /// (BENCHMARKS.md).
    ///
    /// # Errors
    ///
    /// Counted in `no_buffs` and reported to the failure hook:
    ///
    /// * [`AllocError::TooLarge`] if `size` is larger than every bin;
    /// * [`AllocError::Exhausted`] if every bin that could serve it is full (`capacity` is how many buffers
    ///   those bins have).
    ///
    /// ```
    /// use flight_memory::{buffer_manager, AllocError};
    ///
    /// buffer_manager! {
    ///     static TLM: id 1, bins [64 x 1, 256 x 1];
    /// }
    ///
    /// let first = TLM.allocate(50)?;
    /// let spilled = TLM.allocate(50)?;
    /// assert_eq!((first.bin(), spilled.bin()), (0, 1));
    /// assert_eq!(TLM.allocate(50).unwrap_err(), AllocError::Exhausted { capacity: 2 });
    /// assert_eq!(TLM.allocate(300).unwrap_err(), AllocError::TooLarge { requested: 300, max: 256 });
    /// assert_eq!(TLM.telemetry().no_buffs, 2);
    /// # Ok::<(), AllocError>(())
    /// ```
    #[inline(always)]
    pub fn allocate(&self, size: usize) -> Result<Buffer<'_>, AllocError> {
        let (data, slot) = self.take(size)?;
        // SAFETY: `take` took buffer `index` of `bin` from its free list (so it is ours alone) from a bin whose
        // buffers hold `size` bytes, `data` is its first byte, and `bin` carries `FAST` as the handle needs.
        Ok(unsafe { Buffer::new(self, (slot >> 32) as u32, slot as u32, data, size) })
    }

    /// A buffer from the smallest bin that fits `size` bytes (or a larger one if that one is full and spill-over
    /// is on), counted out: its first byte and its [`slot`].
    ///
    /// The size class's entry in the table names the smallest bin that fits the request, or, when the class
    /// holds the sizes of several bins, the first of them to compare. A zero-size request, one larger than every
    /// bin, one whose class no bin serves, and one whose first choice is full go the slow way.
    #[inline(always)]
    fn take(&self, size: usize) -> Result<(NonNull<u8>, u64), AllocError> {
        let entry = self.classes[size_class(size)];
        let bin = usize::from(entry & BIN);
        // The handle's bin field: the bin with `Buffer::FAST`, which is `FITS`.
        let tagged = if entry & FITS != 0 {
            entry
        } else if {
            // Laid out after the `FITS` path, which then falls straight through to the pop.
            less_likely();
            entry & FIRST != 0
        }
            // SAFETY: a `FIRST` entry is a bin of `layouts` (the invariant of `classes`).
            && size <= unsafe { self.layouts.get_unchecked(bin) }.size
        {
            entry & BIN | FITS
        } else {
            return self.take_by_comparing(size, bin);
        };
        // SAFETY: a `FITS` or `FIRST` entry is a bin of `layouts` (the invariant of `classes`).
        let (layout, list, links) = unsafe { self.bin_parts_unchecked(bin) };
        // The bin's list is small and the manager's occupancy packed (both flags say so).
        let Some(index) = list.pop_small(links) else {
            return self.take_slow(size);
        };
        self.counters.occupancy.take_packed(layout.weight);
        // SAFETY: `index` was just popped from the bin's list, so it is below the bin's count.
        Ok((
            unsafe { self.buffer_at(layout, index) },
            slot(tagged, index),
        ))
    }

    /// [`take`](BufferManager::take) when the size class does not decide the bin alone: the bins from `bin` on
    /// are compared with the request until one fits. Not inlined, so that the common case stays short where
    /// `allocate` is inlined.
    #[inline(never)]
    fn take_by_comparing(
        &self,
        size: usize,
        mut bin: usize,
    ) -> Result<(NonNull<u8>, u64), AllocError> {
        let (layout, list, links) = loop {
            let Some(parts) = self.bin_parts(bin) else {
                return self.take_slow(size);
            };
            if size <= parts.0.size {
                break parts;
            }
            bin += 1;
        };
        let Some(index) = list.pop(links) else {
            return self.take_slow(size);
        };
        self.counters.occupancy.take(layout.weight, layout.size);
        // SAFETY: `index` was just popped from the bin's list, so it is below the bin's count.
        Ok((
            unsafe { self.buffer_at(layout, index) },
            slot(flagged(bin, layout), index),
        ))
    }

    /// The rest of [`allocate`](BufferManager::allocate): a zero-size request (counted), a request larger than
    /// every bin (counted as failed), or a first choice that is full (spill-over to each larger bin in turn, or
    /// failure). Returns what [`take`](BufferManager::take) does.
    #[cold]
    #[inline(never)]
    fn take_slow(&self, size: usize) -> Result<(NonNull<u8>, u64), AllocError> {
        let first = self.layouts.partition_point(|layout| layout.size < size);
        if size == 0 {
            self.count_zero_size(first);
        }
        let end = if self.spill_over {
            self.layouts.len()
        } else {
            first.saturating_add(1).min(self.layouts.len())
        };
        let mut bin = first;
        while bin < end {
            if let Some((layout, list, links)) = self.bin_parts(bin) {
                if let Some(index) = list.pop(links) {
                    self.counters.occupancy.take(layout.weight, layout.size);
                    if bin != first {
                        self.count_spill(first);
                    }
                    // SAFETY: `index` was just popped from the bin's list, so it is below the bin's count.
                    return Ok((
                        unsafe { self.buffer_at(layout, index) },
                        slot(flagged(bin, layout), index),
                    ));
                }
            }
            bin += 1;
        }
        Err(self.no_buffer(size, first, end))
    }

    /// Bin `bin`'s layout, free list and links, or `None` if there is no bin `bin`; one bounds check.
    #[inline(always)]
    pub(super) fn bin_parts(&self, bin: usize) -> Option<(&BinLayout, &BinList, &[Link])> {
        if bin >= self.layouts.len() {
            return None;
        }
        // SAFETY: just checked.
        Some(unsafe { self.bin_parts_unchecked(bin) })
    }

    /// Bin `bin`'s layout, free list and links, without a bounds check.
    ///
    /// # Safety
    ///
    /// `bin` is below `self.layouts.len()`.
    #[inline(always)]
    pub(super) unsafe fn bin_parts_unchecked(&self, bin: usize) -> (&BinLayout, &BinList, &[Link]) {
        // SAFETY: `bin` indexes a layout (the caller's contract); `bins` has exactly one entry per layout, and
        // every layout's `first..first + count` lies within `links` (the field invariants), and starts
        // `links_at = first * size_of::<Link>()` bytes after the first link.
        unsafe {
            let layout = self.layouts.get_unchecked(bin);
            let state = self.bins.get_unchecked(bin);
            let first = self.links.as_ptr().byte_add(layout.links_at);
            let links = core::slice::from_raw_parts(first, layout.count);
            (layout, &state.free, links)
        }
    }

    /// The first byte of buffer `index` of a bin, without the wrapping arithmetic of
    /// [`buffer_start`](BufferManager::buffer_start).
    ///
    /// # Safety
    ///
    /// `index` is below `layout.count`, and `layout` is one of the manager's.
    #[inline(always)]
    unsafe fn buffer_at(&self, layout: &BinLayout, index: u32) -> NonNull<u8> {
        let offset = layout.offset + index as usize * layout.stride;
        // SAFETY: the buffer lies within the bin's `offset..offset + count * stride`, which lies within the
        // `storage_size` bytes of `storage` (the layout and field invariants), so the offset stays inside storage.
        unsafe { self.storage.add(offset) }
    }

    /// The bin's layout and state, or `None` if there is no bin `bin`.
    #[inline]
    pub(super) fn bin(&self, bin: usize) -> Option<(&BinLayout, &BinState)> {
        Some((self.layouts.get(bin)?, self.bins.get(bin)?))
    }

    /// The links of a bin's buffers.
    #[inline]
    pub(super) fn links_of(&self, layout: &BinLayout) -> &[Link] {
        self.links
            .get(layout.first..layout.first.wrapping_add(layout.count))
            .unwrap_or(&[])
    }

    /// The tag of buffer `index` of a bin.
    #[inline]
    pub(super) fn tag_of(&self, layout: &BinLayout, index: u32) -> Option<&AtomicU32> {
        if index as usize >= layout.count {
            return None;
        }
        self.tags.get(layout.first.wrapping_add(index as usize))
    }

    /// The first byte of buffer `index` of a bin. The address is computed with wrapping arithmetic, so any
    /// `index` is harmless; for `index < layout.count` it is inside storage.
    #[inline]
    pub(super) fn buffer_start(&self, layout: &BinLayout, index: u32) -> NonNull<u8> {
        let offset = layout
            .offset
            .wrapping_add((index as usize).wrapping_mul(layout.stride));
        let start = self.storage.as_ptr().wrapping_add(offset);
        NonNull::new(start).unwrap_or(self.storage)
    }

    /// Gives buffer `index` of `bin` back to its free list and counts it.
    ///
    /// # Safety
    ///
    /// The caller owns the buffer: a handle being dropped, or a return that just took it back from the raw
    /// state. It does not touch the buffer afterwards.
    #[inline(always)]
    pub(super) unsafe fn release(&self, bin: usize, index: u32) {
        debug_assert!(bin < self.layouts.len());
        // SAFETY: the caller owns a buffer of `bin`, so `bin` is one of the manager's bins (the layouts of a
        // manager do not change while a buffer borrows it: only `teardown`, which takes the manager by value,
        // empties them).
        let (layout, list, links) = unsafe { self.bin_parts_unchecked(bin) };
        // Counted before the buffer is given back, so the counters never exceed the buffers actually out.
        self.counters
            .occupancy
            .give_back(layout.weight, layout.size);
        // SAFETY: the caller owns the buffer, so it was popped from this bin's free list with these links and has
        // not been pushed since.
        unsafe { list.push_owned(links, index) };
    }

    /// [`release`](BufferManager::release) of a buffer whose bin's list is small in a manager whose occupancy is
    /// packed (its handle carries [`Buffer::FAST`]): nothing to test.
    ///
    /// # Safety
    ///
    /// As `release`, and the bin's list is small and the occupancy packed.
    #[inline(always)]
    pub(super) unsafe fn release_fast(&self, bin: usize, index: u32) {
        debug_assert!(bin < self.layouts.len());
        // SAFETY: as in `release`.
        let (layout, list, links) = unsafe { self.bin_parts_unchecked(bin) };
        self.counters.occupancy.give_back_packed(layout.weight);
        // SAFETY: as in `release`; the list is small (the caller's contract).
        unsafe { list.push_small(links, index) };
    }

    /// Gives a buffer back. The same as dropping it, except that a buffer of another manager is refused: it goes
    /// back to its own manager all the same (nothing leaks), and the mistake is counted here in
    /// `rejected_returns` and reported to the hook.
    ///
    /// # Errors
    ///
    /// [`FreeError::WrongManager`] if the buffer came from another manager.
    ///
    /// ```
    /// use flight_memory::{buffer_manager, FreeError};
    ///
    /// buffer_manager! {
    ///     static A: id 1, bins [32 x 2];
    /// }
    /// buffer_manager! {
    ///     static B: id 2, bins [32 x 2];
    /// }
    ///
    /// let mine = A.allocate(8)?;
    /// assert_eq!(A.deallocate(mine), Ok(()));
    /// let stray = B.allocate(8)?;
    /// assert_eq!(A.deallocate(stray), Err(FreeError::WrongManager { expected: 1, found: 2 }));
    /// assert_eq!((A.telemetry().rejected_returns, B.telemetry().curr_buffs), (1, 0));
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    #[inline]
    pub fn deallocate(&self, buffer: Buffer<'_>) -> Result<(), FreeError> {
        if core::ptr::eq(buffer.manager.cast_erased(), self.cast_erased()) {
            drop(buffer);
            return Ok(());
        }
        Err(self.refuse_foreign(buffer))
    }

    /// A buffer of another manager given to [`deallocate`](BufferManager::deallocate): back to its own manager,
    /// and counted and reported here.
    #[cold]
    #[inline(never)]
    fn refuse_foreign(&self, buffer: Buffer<'_>) -> FreeError {
        let found = buffer.manager.id;
        drop(buffer);
        let error = FreeError::WrongManager {
            expected: self.id.0,
            found: found.0,
        };
        self.refuse(None, ReturnError::Free(error));
        error
    }

    /// The address of the manager, for identity comparisons across lifetimes.
    #[inline]
    fn cast_erased(&self) -> *const () {
        (self as *const Self).cast()
    }

    #[cold]
    #[inline(never)]
    fn count_zero_size(&self, first: usize) {
        if let Some(state) = self.bins.get(first) {
            state.zero_size_requests.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts an empty or invalid buffer sent back (F´'s `EmptyBuffs`).
    #[cold]
    #[inline(never)]
    pub(super) fn count_empty_return(&self) {
        self.counters.empty_buffs.fetch_add(1, Ordering::Relaxed);
    }

    #[cold]
    #[inline(never)]
    fn count_spill(&self, first: usize) {
        if let Some(state) = self.bins.get(first) {
            state.spills.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts and reports a request for `size` bytes that bins `first..end` could not serve.
    #[cold]
    #[inline(never)]
    pub(super) fn no_buffer(&self, size: usize, first: usize, end: usize) -> AllocError {
        let error = match self.layouts.last() {
            Some(largest) if size > largest.size => AllocError::TooLarge {
                requested: size,
                max: largest.size,
            },
            _ => AllocError::Exhausted {
                capacity: self
                    .layouts
                    .get(first..end)
                    .unwrap_or(&[])
                    .iter()
                    .map(|layout| layout.count)
                    .sum(),
            },
        };
        self.fail(size, first, error)
    }

    /// Counts and reports a request for `size` bytes (first choice `first`) that failed with `error`.
    #[cold]
    #[inline(never)]
    pub(super) fn fail(&self, size: usize, first: usize, error: AllocError) -> AllocError {
        self.counters.failures.fetch_add(1, Ordering::Relaxed);
        if let Some(state) = self.bins.get(first) {
            state.no_buffs.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(hook) = self.hook {
            hook(&BufferFailure::Allocate {
                manager: self.id,
                requested: size,
                error,
            });
        }
        error
    }

    /// Counts and reports a refused return, naming `bin` if it is one of the manager's.
    #[cold]
    #[inline(never)]
    pub(super) fn refuse(&self, bin: Option<usize>, error: ReturnError) -> ReturnError {
        self.counters
            .rejected_returns
            .fetch_add(1, Ordering::Relaxed);
        if let Some(state) = bin.and_then(|bin| self.bins.get(bin)) {
            state.rejected_returns.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(hook) = self.hook {
            hook(&BufferFailure::Return {
                manager: self.id,
                error,
            });
        }
        error
    }
}

/// Marks the branch that calls it as the less likely one, so that the compiler lays the other out first. Does
/// nothing.
#[cold]
#[inline(always)]
fn less_likely() {}

/// A buffer's bin (with [`Buffer::FAST`] if set) and index in one word, so that the ways of taking a buffer
/// return them in registers.
#[inline(always)]
fn slot(bin: u8, index: u32) -> u64 {
    u64::from(bin) << 32 | u64::from(index)
}

/// `bin` with [`Buffer::FAST`] if its list is small and the manager's occupancy packed (a weight of 0 means it
/// is not).
#[inline]
fn flagged(bin: usize, layout: &BinLayout) -> u8 {
    // Bins are at most `MAX_BINS` (32), below the flag.
    let bin = bin as u8;
    if layout.weight != 0 && BinList::is_small(layout.count) {
        bin | FITS
    } else {
        bin
    }
}

impl core::fmt::Debug for BufferManager<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BufferManager")
            .field("id", &self.id.0)
            .field("bins", &self.layouts.len())
            .field("total_buffs", &self.total_buffs())
            .field("curr_buffs", &self.counters.occupancy.buffers())
            .field("alignment", &self.alignment)
            .field("spill_over", &self.spill_over)
            .field("set_up", &self.owner.is_some())
            .finish_non_exhaustive()
    }
}
