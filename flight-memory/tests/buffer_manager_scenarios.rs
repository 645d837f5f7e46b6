//! F´'s BufferManager semantics, scenario by scenario: spill-over, exhaustion, telemetry, raw-buffer validation,
//! alignment, and the MemAllocator-backed lifecycle.
#![cfg(not(loom))]

use std::alloc::Layout;
use std::collections::HashSet;
use std::ptr::NonNull;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use flight_memory::{
    AllocError, AllocationStrategy, Allocator, Bin, BinTable, BinsError, Buffer, BufferFailure,
    BufferManager, BufferPort, BufferState, BufferStorage, FreeError, MAX_BINS, ManagerId,
    MemAllocator, MemBlock, MemoryId, RawBuffer, ReturnError, SetupError, TeardownError,
    buffer_manager,
};

// ---------------------------------------------------------------------------------------------------------------
// A test double for MemAllocator: heap blocks, a mode to misbehave, and a record of every call.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Normal,
    Fail,
    /// Hand out this many bytes fewer than asked.
    Short(usize),
    /// Hand out a block one byte past an aligned address.
    Misaligned,
    /// Refuse every block given back.
    RefuseFrees,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Call {
    Allocate {
        id: MemoryId,
        size: usize,
        align: usize,
    },
    Deallocate {
        id: MemoryId,
        address: usize,
        len: usize,
    },
}

struct Recorder {
    mode: Mutex<Mode>,
    calls: Mutex<Vec<Call>>,
    /// Blocks out: (address handed out, length handed out, allocation address, layout).
    out: Mutex<Vec<(usize, usize, usize, Layout)>>,
}

impl Recorder {
    fn new(mode: Mode) -> Self {
        Recorder {
            mode: Mutex::new(mode),
            calls: Mutex::new(Vec::new()),
            out: Mutex::new(Vec::new()),
        }
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    fn blocks_out(&self) -> usize {
        self.out.lock().unwrap().len()
    }

    fn block(&self) -> (usize, usize) {
        let out = self.out.lock().unwrap();
        assert_eq!(out.len(), 1);
        (out[0].0, out[0].1)
    }
}

impl MemAllocator for Recorder {
    fn allocate(
        &self,
        id: MemoryId,
        size: usize,
        align: usize,
    ) -> Result<MemBlock<'_>, AllocError> {
        self.calls
            .lock()
            .unwrap()
            .push(Call::Allocate { id, size, align });
        let mode = *self.mode.lock().unwrap();
        let (len, skew) = match mode {
            Mode::Fail => {
                return Err(AllocError::OutOfMemory {
                    requested: size,
                    remaining: 0,
                });
            }
            Mode::Short(less) => (size.saturating_sub(less), 0),
            Mode::Misaligned => (size, 1),
            Mode::Normal | Mode::RefuseFrees => (size, 0),
        };
        let layout = Layout::from_size_align(len + skew + 1, align).unwrap();
        // SAFETY: the layout has a non-zero size.
        let base = unsafe { std::alloc::alloc_zeroed(layout) };
        assert!(!base.is_null());
        let start = base.wrapping_add(skew);
        self.out
            .lock()
            .unwrap()
            .push((start as usize, len, base as usize, layout));
        // SAFETY: `start..start + len` is inside the allocation, which stays ours until `deallocate` or drop.
        Ok(unsafe { MemBlock::from_raw_parts(NonNull::new(start).unwrap(), len, false) })
    }

    fn deallocate(&self, id: MemoryId, block: MemBlock<'_>) -> Result<(), FreeError> {
        let address = block.as_ptr().as_ptr() as usize;
        self.calls.lock().unwrap().push(Call::Deallocate {
            id,
            address,
            len: block.len(),
        });
        if *self.mode.lock().unwrap() == Mode::RefuseFrees {
            return Err(FreeError::Unsupported {
                strategy: AllocationStrategy::Region,
            });
        }
        let mut out = self.out.lock().unwrap();
        let position = out
            .iter()
            .position(|&(start, len, _, _)| start == address && len == block.len())
            .ok_or(FreeError::ForeignPointer)?;
        let (_, _, base, layout) = out.remove(position);
        // SAFETY: allocated above with this layout, and given back once.
        unsafe { std::alloc::dealloc(base as *mut u8, layout) };
        Ok(())
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        for (_, _, base, layout) in self.out.lock().unwrap().drain(..) {
            // SAFETY: allocated in `allocate` with this layout and not freed.
            unsafe { std::alloc::dealloc(base as *mut u8, layout) };
        }
    }
}

fn setup<'a>(recorder: &'a Recorder, id: u32, bins: &[Bin]) -> BufferManager<'a> {
    BufferManager::setup(ManagerId(id), MemoryId(7), recorder, bins).unwrap()
}

fn address(buffer: &Buffer<'_>) -> usize {
    buffer.as_ptr() as usize
}

// ---------------------------------------------------------------------------------------------------------------
// Allocation: smallest fit, spill-over, exhaustion.

#[test]
fn requests_go_to_the_smallest_bin_that_fits() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(
        &recorder,
        1,
        &[Bin::new(64, 2), Bin::new(256, 2), Bin::new(1024, 2)],
    );
    let cases = [(1, 0), (64, 0), (65, 1), (256, 1), (257, 2), (1024, 2)];
    for (size, bin) in cases {
        let buffer = manager.allocate(size).unwrap();
        assert_eq!(
            (buffer.bin(), buffer.len()),
            (bin, size),
            "request of {size}"
        );
        assert_eq!(buffer.capacity(), [64, 256, 1024][bin]);
    }
}

#[test]
fn a_full_bin_spills_to_the_next_larger_one() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(
        &recorder,
        1,
        &[Bin::new(32, 1), Bin::new(64, 1), Bin::new(128, 1)],
    );
    let a = manager.allocate(10).unwrap();
    let b = manager.allocate(10).unwrap();
    let c = manager.allocate(10).unwrap();
    assert_eq!((a.bin(), b.bin(), c.bin()), (0, 1, 2));
    assert_eq!((b.len(), b.capacity()), (10, 64));
    let bins: Vec<_> = manager.bin_telemetry().collect();
    assert_eq!(bins[0].spills, 2);
    assert_eq!((bins[1].spills, bins[2].spills), (0, 0));
    // A freed small buffer is preferred again.
    drop(a);
    assert_eq!(manager.allocate(10).unwrap().bin(), 0);
}

#[test]
fn with_spill_over_off_a_full_bin_fails_instead() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 1, &[Bin::new(32, 1), Bin::new(64, 1)]).with_spill_over(false);
    assert!(!manager.spill_over());
    let _a = manager.allocate(10).unwrap();
    assert_eq!(
        manager.allocate(10).unwrap_err(),
        AllocError::Exhausted { capacity: 1 }
    );
    // The larger bin is still there for requests that need it.
    assert_eq!(manager.allocate(40).unwrap().bin(), 1);
    let bins: Vec<_> = manager.bin_telemetry().collect();
    assert_eq!(
        (bins[0].no_buffs, bins[0].spills, bins[1].no_buffs),
        (1, 0, 0)
    );
    assert_eq!(manager.telemetry().no_buffs, 1);
}

#[test]
fn when_every_candidate_is_full_the_request_fails_and_no_buffs_counts_it() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 1, &[Bin::new(32, 2), Bin::new(64, 1)]);
    let held: Vec<_> = (0..3).map(|_| manager.allocate(20).unwrap()).collect();
    assert_eq!(
        manager.allocate(20).unwrap_err(),
        AllocError::Exhausted { capacity: 3 }
    );
    assert_eq!(
        manager.allocate(50).unwrap_err(),
        AllocError::Exhausted { capacity: 1 }
    );
    assert_eq!(
        manager.allocate(65).unwrap_err(),
        AllocError::TooLarge {
            requested: 65,
            max: 64
        }
    );
    let tlm = manager.telemetry();
    assert_eq!((tlm.no_buffs, tlm.curr_buffs, tlm.hi_buffs), (3, 3, 3));
    let bins: Vec<_> = manager.bin_telemetry().collect();
    // The too-large request has no first choice: it counts only overall.
    assert_eq!((bins[0].no_buffs, bins[1].no_buffs), (1, 1));
    assert_eq!(manager.stats().failures, 3);
    drop(held);
    assert!(manager.allocate(20).is_ok());
}

#[test]
fn buffers_come_back_in_any_order_and_are_all_handed_out_again() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(
        &recorder,
        1,
        &[Bin::new(16, 5), Bin::new(48, 4), Bin::new(200, 3)],
    );
    let sizes = [16, 1, 2, 3, 4, 17, 30, 48, 40, 49, 100, 200];
    let mut held: Vec<_> = sizes
        .iter()
        .map(|&size| manager.allocate(size).unwrap())
        .collect();
    let before: HashSet<usize> = held.iter().map(address).collect();
    assert_eq!(before.len(), 12);
    // Give them back in a scrambled order.
    let mut seed = 0x9E37_79B9u32;
    while !held.is_empty() {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let victim = held.swap_remove(seed as usize % held.len());
        if seed & 1 == 0 {
            drop(victim);
        } else {
            manager.deallocate(victim).unwrap();
        }
        assert_eq!(manager.telemetry().curr_buffs, held.len());
    }
    // Every buffer, and only those, is handed out again.
    let again: Vec<_> = std::iter::from_fn(|| manager.allocate(1).ok()).collect();
    let after: HashSet<usize> = again.iter().map(address).collect();
    assert_eq!(after, before);
}

#[test]
fn the_high_water_mark_stays_after_returns() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 1, &[Bin::new(16, 4), Bin::new(64, 4)]);
    let small: Vec<_> = (0..3).map(|_| manager.allocate(8).unwrap()).collect();
    let large = manager.allocate(40).unwrap();
    drop(small);
    drop(large);
    let _one = manager.allocate(8).unwrap();
    let tlm = manager.telemetry();
    assert_eq!((tlm.curr_buffs, tlm.hi_buffs), (1, 4));
    let bins: Vec<_> = manager.bin_telemetry().collect();
    assert_eq!((bins[0].curr_buffs, bins[0].hi_buffs), (1, 3));
    assert_eq!((bins[1].curr_buffs, bins[1].hi_buffs), (0, 1));
    assert_eq!(manager.stats().peak, 3 * 16 + 64);
}

#[test]
fn zero_size_requests_are_served_and_counted_in_zero_size_requests() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 1, &[Bin::new(16, 1), Bin::new(64, 1)]);
    let mut empty = manager.allocate(0).unwrap();
    assert!(empty.is_empty());
    assert_eq!((empty.bin(), empty.capacity()), (0, 16));
    empty.set_len(16).unwrap();
    assert_eq!(
        empty.set_len(17),
        Err(AllocError::TooLarge {
            requested: 17,
            max: 16
        })
    );
    let spilled = manager.allocate(0).unwrap();
    assert_eq!(spilled.bin(), 1);
    assert!(manager.allocate(0).is_err());
    let tlm = manager.telemetry();
    assert_eq!(
        (tlm.zero_size_requests, tlm.no_buffs, tlm.empty_buffs),
        (3, 1, 0)
    );
    let bins: Vec<_> = manager.bin_telemetry().collect();
    assert_eq!(
        (bins[0].zero_size_requests, bins[1].zero_size_requests),
        (3, 0)
    );
    // Dropping a handle of length zero is an ordinary return, not one sent back through the port.
    let mut shrunk = spilled;
    shrunk.truncate(0);
    drop(shrunk);
    assert_eq!(manager.telemetry().empty_buffs, 0);
}

/// Issue 12, item 9: F´'s `EmptyBuffs` counts empty or invalid buffers sent back to the manager (through
/// `bufferSendIn`), not zero-byte requests.
#[test]
fn empty_buffs_counts_empty_or_invalid_buffers_sent_back_as_in_fprime() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 3, &[Bin::new(16, 2), Bin::new(64, 1)]);
    let port: &dyn BufferPort = &manager;

    // An empty buffer through the port: accepted (it goes back to its bin) and counted.
    let mut sent = port.get(8).unwrap();
    sent.truncate(0);
    assert_eq!(port.send_in(sent), Ok(()));
    // A full one is not counted.
    let full = port.get(8).unwrap();
    assert_eq!(port.send_in(full), Ok(()));
    // An empty raw buffer: accepted and counted.
    let raw = manager.allocate(5).unwrap().into_raw();
    assert_eq!(manager.return_raw(raw.with_len(0)), Ok(()));
    // An invalid one (no data): refused, counted in both.
    let null = RawBuffer::from_parts(ManagerId(3), 0, 0, 1, core::ptr::null_mut(), 4);
    assert!(manager.return_raw(null).is_err());

    let tlm = manager.telemetry();
    assert_eq!(
        (
            tlm.empty_buffs,
            tlm.zero_size_requests,
            tlm.rejected_returns,
            tlm.curr_buffs
        ),
        (3, 0, 1, 0)
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Raw buffers: every wrong return is refused and counted.

#[test]
fn raw_buffers_round_trip_and_keep_their_length() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 5, &[Bin::new(64, 2)]);
    let mut buffer = manager.allocate(10).unwrap();
    buffer.copy_from_slice(b"0123456789");
    let raw = buffer.into_raw();
    assert_eq!((raw.manager(), raw.bin(), raw.len()), (ManagerId(5), 0, 10));
    assert_eq!(manager.telemetry().curr_buffs, 1);
    let back = manager.from_raw(raw).unwrap();
    assert_eq!(&back[..], b"0123456789");
    // Taken back already: the same raw buffer cannot be taken twice.
    assert_eq!(
        manager.from_raw(raw).unwrap_err(),
        ReturnError::Free(FreeError::NotAllocated)
    );
    drop(back);
    assert_eq!(manager.telemetry().curr_buffs, 0);
    assert_eq!(manager.telemetry().rejected_returns, 1);
}

#[test]
fn bad_raw_buffers_are_refused_counted_and_leave_the_manager_intact() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 1, &[Bin::new(32, 2), Bin::new(128, 2)]);
    let other = setup(&recorder, 2, &[Bin::new(32, 2), Bin::new(128, 2)]);
    let raw = manager.allocate(100).unwrap().into_raw();
    let foreign = other.allocate(100).unwrap().into_raw();
    let (bin, index, generation, data) = (raw.bin(), raw.index(), raw.generation(), raw.as_ptr());
    let with = |id: u32, bin: usize, index: usize, generation: u32, data: *mut u8, len: usize| {
        RawBuffer::from_parts(ManagerId(id), bin, index, generation, data, len)
    };
    let refusals = [
        (
            foreign,
            ReturnError::Free(FreeError::WrongManager {
                expected: 1,
                found: 2,
            }),
        ),
        (
            with(1, 2, index, generation, data, 1),
            ReturnError::Free(FreeError::BadBin { bin: 2, bins: 2 }),
        ),
        (
            with(1, 1 << 40, index, generation, data, 1),
            ReturnError::Free(FreeError::BadBin {
                bin: u32::MAX as usize,
                bins: 2,
            }),
        ),
        (
            with(1, bin, 2, generation, data, 1),
            ReturnError::Free(FreeError::BadIndex { index: 2, count: 2 }),
        ),
        (
            with(1, bin, index, generation, data.wrapping_add(5), 1),
            ReturnError::Free(FreeError::NotBlockStart { offset: 5 }),
        ),
        (
            with(1, bin, index, generation, data.wrapping_add(128), 1),
            ReturnError::Free(FreeError::ForeignPointer),
        ),
        (
            with(1, bin, index, generation, data.wrapping_sub(1), 1),
            ReturnError::Free(FreeError::ForeignPointer),
        ),
        (
            with(1, bin, index, generation, foreign.as_ptr(), 1),
            ReturnError::Free(FreeError::ForeignPointer),
        ),
        (
            with(1, bin, index, generation, data, 129),
            ReturnError::TooLong {
                len: 129,
                capacity: 128,
            },
        ),
        (
            with(1, bin, index, generation.wrapping_add(1), data, 1),
            ReturnError::Free(FreeError::NotAllocated),
        ),
        (
            with(1, bin, index, u32::MAX, data, 1),
            ReturnError::Free(FreeError::NotAllocated),
        ),
    ];
    for (bad, error) in refusals {
        assert_eq!(manager.return_raw(bad), Err(error), "{bad:?}");
        assert_eq!(manager.from_raw(bad).unwrap_err(), error, "{bad:?}");
    }
    let tlm = manager.telemetry();
    assert_eq!(
        (tlm.rejected_returns, tlm.curr_buffs),
        (2 * refusals.len(), 1)
    );
    let bins: Vec<_> = manager.bin_telemetry().collect();
    // Wrong manager and bad bins name no bin of ours; the rest name bin 1.
    assert_eq!(
        (bins[0].rejected_returns, bins[1].rejected_returns),
        (0, 2 * (refusals.len() - 3))
    );
    // The genuine raw buffer still comes back, once.
    assert_eq!(manager.return_raw(raw), Ok(()));
    assert_eq!(
        manager.return_raw(raw),
        Err(ReturnError::Free(FreeError::NotAllocated))
    );
    assert_eq!(other.return_raw(foreign), Ok(()));
    let tlm = manager.telemetry();
    assert_eq!(
        (tlm.rejected_returns, tlm.curr_buffs),
        (2 * refusals.len() + 1, 0)
    );
}

#[test]
fn a_stale_raw_copy_cannot_free_the_next_owners_buffer() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 1, &[Bin::new(32, 1)]);
    let stale = manager.allocate(4).unwrap().into_raw();
    manager.return_raw(stale).unwrap();
    // The same buffer goes to a new owner, as a handle and then as a raw buffer.
    let handle = manager.allocate(4).unwrap();
    assert_eq!(handle.as_ptr(), stale.as_ptr().cast_const());
    assert_eq!(
        manager.return_raw(stale),
        Err(ReturnError::Free(FreeError::NotAllocated))
    );
    let current = handle.into_raw();
    assert_ne!(current.generation(), stale.generation());
    assert_eq!(
        manager.return_raw(stale),
        Err(ReturnError::Free(FreeError::NotAllocated))
    );
    assert_eq!(manager.return_raw(current), Ok(()));
}

#[test]
fn a_raw_buffer_naming_a_live_handle_is_refused() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 1, &[Bin::new(32, 1)]);
    let handle = manager.allocate(4).unwrap();
    let data = handle.as_ptr().cast_mut();
    for generation in [0, 1, 2] {
        let forged = RawBuffer::from_parts(ManagerId(1), 0, 0, generation, data, 4);
        assert_eq!(
            manager.return_raw(forged),
            Err(ReturnError::Free(FreeError::NotAllocated))
        );
    }
    // The handle still owns its buffer: nothing else can get it.
    assert!(manager.allocate(4).is_err());
    drop(handle);
    assert!(manager.allocate(4).is_ok());
}

#[test]
fn a_buffer_given_to_the_wrong_manager_is_refused_but_still_goes_home() {
    let recorder = Recorder::new(Mode::Normal);
    let home = setup(&recorder, 1, &[Bin::new(32, 1)]);
    let away = setup(&recorder, 2, &[Bin::new(32, 1)]);
    let buffer = home.allocate(8).unwrap();
    assert_eq!(
        away.deallocate(buffer),
        Err(FreeError::WrongManager {
            expected: 2,
            found: 1
        })
    );
    assert_eq!(away.telemetry().rejected_returns, 1);
    assert_eq!(home.telemetry().curr_buffs, 0);
    assert!(home.allocate(8).is_ok());
}

#[test]
fn the_failure_hook_sees_every_failure() {
    static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    fn hook(failure: &BufferFailure) {
        CALLS.fetch_add(1, Ordering::SeqCst);
        SEEN.lock().unwrap().push(failure.to_string());
        if let BufferFailure::Allocate { manager, .. } | BufferFailure::Return { manager, .. } =
            failure
        {
            assert_eq!(manager.0, 8);
        }
    }
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 8, &[Bin::new(32, 1)]).with_failure_hook(hook);
    let raw = manager.allocate(1).unwrap().into_raw();
    for _ in 0..100 {
        assert!(manager.allocate(1).is_err());
    }
    manager.return_raw(raw).unwrap();
    assert!(manager.return_raw(raw).is_err());
    // No throttle: every failure reached the hook.
    assert_eq!(CALLS.load(Ordering::SeqCst), 101);
    let seen = SEEN.lock().unwrap();
    assert!(
        seen[0].contains("request for 1 bytes failed"),
        "{}",
        seen[0]
    );
    assert!(seen[100].contains("not allocated"), "{}", seen[100]);
}

// ---------------------------------------------------------------------------------------------------------------
// Bins in any order, alignment.

#[test]
fn bins_declared_in_any_order_behave_the_same() {
    let sorted = [Bin::new(8, 3), Bin::new(100, 2), Bin::new(1000, 1)];
    let orders = [[0, 1, 2], [2, 1, 0], [1, 0, 2], [2, 0, 1]];
    let mut outcomes = Vec::new();
    for order in orders {
        let bins: Vec<Bin> = order.iter().map(|&i| sorted[i]).collect();
        let recorder = Recorder::new(Mode::Normal);
        let manager = setup(&recorder, 1, &bins);
        assert_eq!(manager.bins().collect::<Vec<_>>(), sorted);
        let (base, _) = recorder.block();
        let mut outcome = Vec::new();
        let mut held = Vec::new();
        for size in [5, 5, 5, 5, 90, 90, 0, 1000, 1] {
            match manager.allocate(size) {
                Ok(buffer) => {
                    outcome.push(Ok((buffer.bin(), address(&buffer) - base)));
                    held.push(buffer);
                }
                Err(error) => outcome.push(Err(error)),
            }
        }
        outcomes.push(outcome);
    }
    assert!(outcomes.windows(2).all(|pair| pair[0] == pair[1]));
    let table = BinTable::new([Bin::new(1000, 1), Bin::new(8, 3), Bin::new(100, 2)]);
    assert_eq!(table.bins().collect::<Vec<_>>(), sorted);
}

#[test]
fn every_buffer_is_aligned() {
    for alignment in [1, 2, 8, 16, 64, 512, 4096] {
        let recorder = Recorder::new(Mode::Normal);
        let bins = [
            Bin::new(1, 3),
            Bin::new(13, 4),
            Bin::new(100, 2),
            Bin::new(4097, 1),
        ];
        let manager =
            BufferManager::setup_aligned(ManagerId(1), MemoryId(0), &recorder, &bins, alignment)
                .unwrap();
        assert_eq!(manager.alignment(), alignment);
        let held: Vec<_> = std::iter::from_fn(|| manager.allocate(1).ok()).collect();
        assert_eq!(held.len(), 10);
        for buffer in &held {
            assert_eq!(address(buffer) % alignment, 0, "alignment {alignment}");
        }
    }
    assert_eq!(
        BufferManager::setup_aligned(
            ManagerId(1),
            MemoryId(0),
            &Recorder::new(Mode::Normal),
            &[Bin::new(8, 1)],
            3
        )
        .unwrap_err(),
        SetupError::Bins(BinsError::BadAlignment { alignment: 3 })
    );
}

#[test]
fn static_managers_align_their_buffers_too() {
    buffer_manager! {
        static ALIGNED: id 1, align 128, bins [3 x 2, 200 x 2];
    }
    let held: Vec<_> = std::iter::from_fn(|| ALIGNED.allocate(2).ok()).collect();
    assert_eq!(held.len(), 4);
    for buffer in &held {
        assert_eq!(address(buffer) % 128, 0);
    }
    let mut distinct: Vec<_> = held.iter().map(address).collect();
    distinct.sort_unstable();
    assert_eq!(distinct[1] - distinct[0], 128); // 3 bytes take a stride of 128
}

#[cfg(target_os = "linux")]
#[test]
fn the_storage_of_a_static_manager_can_go_to_its_own_section() {
    buffer_manager! {
        static PLACED: id 1, spill_over false, section ".bss.flight_memory_test_buffers", bins [64 x 2];
    }
    assert!(!PLACED.spill_over());
    let a = PLACED.allocate(64).unwrap();
    let b = PLACED.allocate(1).unwrap();
    assert_eq!(address(&a).abs_diff(address(&b)), 64);
}

#[test]
fn a_table_of_max_bins_works_and_one_more_is_refused() {
    let bins: Vec<Bin> = (1..=MAX_BINS).map(|i| Bin::new(i * 8, 1)).collect();
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 1, &bins);
    let held: Vec<_> = std::iter::from_fn(|| manager.allocate(1).ok()).collect();
    assert_eq!(held.len(), MAX_BINS);
    let too_many: Vec<Bin> = (1..=MAX_BINS + 1).map(|i| Bin::new(i * 8, 1)).collect();
    assert_eq!(
        BufferManager::setup(ManagerId(1), MemoryId(0), &recorder, &too_many).unwrap_err(),
        SetupError::Bins(BinsError::TooManyBins { bins: MAX_BINS + 1 })
    );
}

#[test]
fn invalid_bins_are_setup_errors() {
    let recorder = Recorder::new(Mode::Normal);
    let cases: [(&[Bin], BinsError); 4] = [
        (&[], BinsError::NoBins),
        (
            &[Bin::new(8, 1), Bin::new(0, 1)],
            BinsError::ZeroSize { bin: 1 },
        ),
        (&[Bin::new(8, 0)], BinsError::ZeroCount { bin: 0 }),
        (
            &[Bin::new(8, 1), Bin::new(8, 2)],
            BinsError::DuplicateSize {
                size: 8,
                first: 0,
                second: 1,
            },
        ),
    ];
    for (bins, error) in cases {
        assert_eq!(
            BufferManager::setup(ManagerId(1), MemoryId(0), &recorder, bins).unwrap_err(),
            SetupError::Bins(error)
        );
    }
    assert!(
        recorder.calls().is_empty(),
        "nothing asked of the allocator"
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Lifecycle: setup from a MemAllocator, teardown.

#[test]
fn setup_asks_for_one_block_and_teardown_gives_it_back() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 1, &[Bin::new(100, 4), Bin::new(10, 3)]);
    let (base, len) = recorder.block();
    let Call::Allocate { id, size, align } = recorder.calls()[0] else {
        panic!("{:?}", recorder.calls());
    };
    assert_eq!((id, size, len), (MemoryId(7), len, len));
    assert!(align >= 8);
    // The buffers are inside the block, at its end.
    let held: Vec<_> = std::iter::from_fn(|| manager.allocate(1).ok()).collect();
    assert_eq!(held.len(), 7);
    for buffer in &held {
        assert!(address(buffer) >= base && address(buffer) + buffer.capacity() <= base + len);
    }
    drop(held);
    manager.teardown().unwrap();
    assert_eq!(
        recorder.calls()[1],
        Call::Deallocate {
            id: MemoryId(7),
            address: base,
            len
        }
    );
    assert_eq!(recorder.blocks_out(), 0);
}

#[test]
fn teardown_with_buffers_out_is_an_error_that_hands_the_manager_back() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 3, &[Bin::new(64, 2)]);
    let raw = manager.allocate(10).unwrap().into_raw();
    let leaked = manager.allocate(10).unwrap();
    let (bin, index, data) = (leaked.bin(), leaked.index(), leaked.as_ptr().cast_mut());
    std::mem::forget(leaked);
    let error = manager.teardown().unwrap_err();
    assert!(error.to_string().contains("2 buffers still out"), "{error}");
    let TeardownError::BuffersOut {
        outstanding,
        manager,
    } = error
    else {
        panic!("{error:?}");
    };
    assert_eq!(outstanding, 2);
    assert_eq!(recorder.blocks_out(), 1, "nothing given back");
    // The manager is intact: the raw buffer comes back; the leaked handle's buffer too, once its raw form is
    // rebuilt by hand.
    manager.return_raw(raw).unwrap();
    let leaked_raw = RawBuffer::from_parts(ManagerId(3), bin, index, 0, data, 0);
    assert!(
        manager.return_raw(leaked_raw).is_err(),
        "a handle's buffer is not out as raw"
    );
    let manager = manager.teardown().unwrap_err().into_manager().unwrap();
    // Dropping the manager with a buffer out leaves the block reserved rather than dangling.
    drop(manager);
    assert_eq!(recorder.blocks_out(), 1);
    assert_eq!(recorder.calls().len(), 1, "no deallocate call");
}

#[test]
fn dropping_a_set_up_manager_with_nothing_out_gives_its_block_back() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 1, &[Bin::new(64, 2)]);
    drop(manager.allocate(3).unwrap());
    drop(manager);
    assert_eq!(recorder.blocks_out(), 0);
}

#[test]
fn an_allocator_that_refuses_the_block_back_is_reported() {
    let recorder = Recorder::new(Mode::RefuseFrees);
    let manager = setup(&recorder, 1, &[Bin::new(64, 2)]);
    let error = manager.teardown().unwrap_err();
    assert!(matches!(
        error,
        TeardownError::Refused {
            memory: MemoryId(7),
            error: FreeError::Unsupported { .. }
        }
    ));
    assert!(error.into_manager().is_none());
}

#[test]
fn setup_from_an_allocator_that_fails_or_gives_too_little_is_an_error() {
    let bins = [Bin::new(64, 4)];

    let failing = Recorder::new(Mode::Fail);
    let error = BufferManager::setup(ManagerId(1), MemoryId(2), &failing, &bins).unwrap_err();
    let SetupError::Allocator {
        memory,
        error: cause,
    } = error
    else {
        panic!("{error:?}");
    };
    assert_eq!(memory, MemoryId(2));
    assert!(matches!(cause, AllocError::OutOfMemory { .. }));

    let stingy = Recorder::new(Mode::Short(1));
    let error = BufferManager::setup(ManagerId(1), MemoryId(2), &stingy, &bins).unwrap_err();
    let SetupError::TooSmall { needed, got, .. } = error else {
        panic!("{error:?}");
    };
    assert_eq!(got + 1, needed);
    assert!(needed >= 4 * 64 + 4 * 8, "state and buffers: {needed}");
    assert!(
        error.to_string().contains(&format!("needs {needed} bytes")),
        "{error}"
    );
    assert_eq!(stingy.blocks_out(), 0, "the short block was given back");

    let crooked = Recorder::new(Mode::Misaligned);
    let error = BufferManager::setup(ManagerId(1), MemoryId(2), &crooked, &bins).unwrap_err();
    assert!(
        matches!(error, SetupError::Misaligned { align: 8, .. }),
        "{error:?}"
    );
    assert_eq!(
        crooked.blocks_out(),
        0,
        "the misaligned block was given back"
    );
}

#[test]
fn size_arithmetic_overflow_in_setup_is_an_error() {
    let recorder = Recorder::new(Mode::Normal);
    // The buffers alone fit in usize; with the manager's state they do not.
    let huge = [Bin::new(usize::MAX - 7, 1)];
    assert_eq!(
        BufferManager::setup(ManagerId(1), MemoryId(0), &recorder, &huge).unwrap_err(),
        SetupError::SizeOverflow
    );
    let two_huge = [
        Bin::new(usize::MAX / 2, 1),
        Bin::new(usize::MAX / 2 - 64, 1),
    ];
    assert!(matches!(
        BufferManager::setup(ManagerId(1), MemoryId(0), &recorder, &two_huge).unwrap_err(),
        SetupError::SizeOverflow | SetupError::Bins(BinsError::SizeOverflow)
    ));
    assert!(recorder.calls().is_empty());
}

// ---------------------------------------------------------------------------------------------------------------
// The static form, the Allocator trait, the port.

#[test]
fn a_hand_written_static_manager_works() {
    const TABLE: BinTable<2> = BinTable::with_alignment([Bin::new(40, 2), Bin::new(8, 3)], 16);
    static STATE: BufferState<2, { TABLE.buffer_count() }> = BufferState::new();
    static STORAGE: BufferStorage<{ TABLE.storage_size() }, { TABLE.alignment() }> =
        BufferStorage::zeroed();
    // SAFETY: STATE and STORAGE are new and given to this manager only.
    static MANAGER: BufferManager<'static> =
        unsafe { BufferManager::new(ManagerId(11), &TABLE, &STATE, &STORAGE) };

    let storage = &STORAGE as *const _ as usize;
    let held: Vec<_> = std::iter::from_fn(|| MANAGER.allocate(5).ok()).collect();
    assert_eq!(held.len(), 5);
    for buffer in &held {
        assert!(address(buffer) >= storage);
        assert!(address(buffer) + buffer.capacity() <= storage + TABLE.storage_size());
    }
    assert_eq!(MANAGER.storage_size(), 3 * 16 + 2 * 48);
    assert_eq!(MANAGER.total_buffs(), 5);
}

#[test]
fn as_an_allocator_buffers_are_taken_back_by_pointer_and_zeroed() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 1, &[Bin::new(16, 1), Bin::new(64, 1)]);
    let allocator: &dyn Allocator = &manager;
    let ptr = allocator.allocate(10, 8).unwrap();
    // SAFETY: the allocation is 10 bytes (capacity 16), ours until deallocated.
    unsafe { ptr.as_ptr().write_bytes(0xFF, 16) };
    assert_eq!(
        allocator.allocate(10, 3),
        Err(AllocError::InvalidAlignment { align: 3 })
    );
    let interior = NonNull::new(ptr.as_ptr().wrapping_add(1)).unwrap();
    let mut stray = 0u8;
    let handle = manager.allocate(30).unwrap();
    let held = NonNull::new(handle.as_ptr().cast_mut()).unwrap();
    // SAFETY: `ptr` is the only raw allocation and is given back once; every other pointer (interior, foreign,
    // a live handle's, `ptr` again before any new raw allocation) is refused and changes nothing.
    unsafe {
        assert_eq!(
            allocator.deallocate(interior, 10),
            Err(FreeError::NotBlockStart { offset: 1 })
        );
        assert_eq!(
            allocator.deallocate(NonNull::from(&mut stray), 10),
            Err(FreeError::ForeignPointer)
        );
        assert_eq!(
            allocator.deallocate(held, 30),
            Err(FreeError::NotAllocated),
            "a live handle's buffer cannot be freed by pointer"
        );
        allocator.deallocate(ptr, 10).unwrap();
        assert_eq!(allocator.deallocate(ptr, 10), Err(FreeError::NotAllocated));
    }
    let again = manager.allocate(16).unwrap();
    assert_eq!(again.as_ptr(), ptr.as_ptr().cast_const());
    assert!(
        again.iter().all(|&byte| byte == 0),
        "zeroed on the way back"
    );
    let stats = allocator.stats();
    assert_eq!((stats.allocations, stats.frees, stats.failures), (3, 1, 1));
    assert_eq!(
        (allocator.used_memory(), allocator.total_memory()),
        (80, 80)
    );
    assert_eq!(manager.telemetry().rejected_returns, 4);
}

#[test]
fn components_wired_to_a_port_can_be_given_a_test_double() {
    /// Records every request and delegates to a real manager.
    struct Recording<'a> {
        inner: &'a BufferManager<'a>,
        requests: Mutex<Vec<usize>>,
    }
    impl BufferPort for Recording<'_> {
        fn get(&self, size: usize) -> Result<Buffer<'_>, AllocError> {
            self.requests.lock().unwrap().push(size);
            self.inner.allocate(size)
        }
        fn send_in(&self, buffer: Buffer<'_>) -> Result<(), FreeError> {
            self.inner.deallocate(buffer)
        }
    }
    fn component(port: &dyn BufferPort) -> Result<u8, AllocError> {
        let mut buffer = port.get(4)?;
        buffer.copy_from_slice(&[1, 2, 3, 4]);
        let sum = buffer.iter().sum();
        port.send_in(buffer).unwrap();
        Ok(sum)
    }
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 1, &[Bin::new(8, 1)]);
    assert_eq!(component(&manager), Ok(10));
    let double = Recording {
        inner: &manager,
        requests: Mutex::new(Vec::new()),
    };
    assert_eq!(component(&double), Ok(10));
    assert_eq!(component(&&double), Ok(10));
    assert_eq!(*double.requests.lock().unwrap(), [4, 4]);
    assert_eq!(manager.telemetry().curr_buffs, 0);
}

#[test]
fn buffers_are_send_and_sync_and_managers_too() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Buffer<'static>>();
    send_sync::<BufferManager<'static>>();
    send_sync::<RawBuffer>();
}

/// Issue 12, item 9: cFE's `CFE_ES_GetPoolBufInfo`: the size of an outstanding buffer from its pointer or raw
/// form, an error for anything else, and nothing counted.
#[test]
fn buffer_info_names_outstanding_buffers_only() {
    let recorder = Recorder::new(Mode::Normal);
    let manager = setup(&recorder, 4, &[Bin::new(16, 2), Bin::new(64, 1)]);
    let held = manager.allocate(40).unwrap();
    let info = manager.buffer_info(held.as_ptr()).unwrap();
    assert_eq!((info.bin, info.index, info.capacity), (1, 0, 64));

    let raw = manager.allocate(3).unwrap().into_raw();
    let info = manager.raw_buffer_info(&raw).unwrap();
    assert_eq!((info.bin, info.capacity), (0, 16));
    assert_eq!(manager.buffer_info(raw.as_ptr()), Ok(info));

    let allocator: &dyn Allocator = &manager;
    let ptr = allocator.allocate(10, 8).unwrap();
    assert_eq!(
        manager
            .buffer_info(ptr.as_ptr())
            .map(|info| (info.bin, info.index)),
        Ok((0, 1))
    );

    let stray = 0u8;
    assert_eq!(
        manager.buffer_info(&raw const stray),
        Err(FreeError::ForeignPointer)
    );
    assert_eq!(
        manager.buffer_info(raw.as_ptr().wrapping_add(2)),
        Err(FreeError::NotBlockStart { offset: 2 })
    );
    let wrong = RawBuffer::from_parts(ManagerId(5), 0, 0, raw.generation(), raw.as_ptr(), 3);
    assert_eq!(
        manager.raw_buffer_info(&wrong),
        Err(FreeError::WrongManager {
            expected: 4,
            found: 5
        })
    );
    manager.return_raw(raw).unwrap();
    assert_eq!(
        manager.raw_buffer_info(&raw),
        Err(FreeError::NotAllocated),
        "stale"
    );
    assert_eq!(
        manager.buffer_info(raw.as_ptr()),
        Err(FreeError::NotAllocated)
    );
    // Queries are not refusals.
    assert_eq!(manager.telemetry().rejected_returns, 0);
    drop(held);
    // SAFETY: `ptr` is the live raw allocation, given back once.
    unsafe { allocator.deallocate(ptr, 10) }.unwrap();
}
