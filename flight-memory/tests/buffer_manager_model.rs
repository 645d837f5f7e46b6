//! Model-based test of `BufferManager`: random bins and random sequences of requests and returns (handles, raw
//! buffers, raw pointers, bad raw buffers) against a simple model of bins with smallest fit and spill-over.
//! After every step: live buffers do not overlap, lie inside the manager's block, are aligned, have the right
//! bin, length and capacity, still hold what was written to them, and the telemetry equals the model's.
#![cfg(not(loom))]

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::Mutex;

use flight_memory::{
    AllocError, Allocator, Bin, BinTelemetry, Buffer, BufferManager, BufferTelemetry, FreeError,
    ManagerId, MemAllocator, MemBlock, MemoryId, RawBuffer, ReturnError,
};
use proptest::prelude::*;

/// A MemAllocator test double that hands out zeroed heap blocks and remembers the last one.
struct Heap {
    last: Mutex<Option<(usize, usize, Layout)>>,
}

impl MemAllocator for Heap {
    fn allocate(&self, _: MemoryId, size: usize, align: usize) -> Result<MemBlock<'_>, AllocError> {
        let layout = Layout::from_size_align(size.max(1), align).unwrap();
        // SAFETY: non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        *self.last.lock().unwrap() = Some((ptr as usize, size, layout));
        // SAFETY: freshly allocated, `size` bytes, ours until given back.
        Ok(unsafe { MemBlock::from_raw_parts(NonNull::new(ptr).unwrap(), size, false) })
    }

    fn deallocate(&self, _: MemoryId, block: MemBlock<'_>) -> Result<(), FreeError> {
        let (ptr, _, layout) = self
            .last
            .lock()
            .unwrap()
            .take()
            .ok_or(FreeError::NotAllocated)?;
        assert_eq!(ptr, block.as_ptr().as_ptr() as usize);
        // SAFETY: allocated above with this layout.
        unsafe { std::alloc::dealloc(ptr as *mut u8, layout) };
        Ok(())
    }
}

const ID: u32 = 17;

#[derive(Clone, Debug)]
enum Op {
    Allocate(usize),
    Drop(usize),
    Deallocate(usize),
    SetLen(usize, usize),
    IntoRaw(usize),
    ReturnRaw(usize),
    FromRaw(usize),
    ReturnStale(usize),
    BadRaw(usize, u8),
    AllocatePointer(usize, usize),
    FreePointer(usize),
    FreeHandlePointer(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..=330).prop_map(Op::Allocate),
        3 => any::<usize>().prop_map(Op::Drop),
        1 => any::<usize>().prop_map(Op::Deallocate),
        1 => (any::<usize>(), 0usize..=330).prop_map(|(k, len)| Op::SetLen(k, len)),
        2 => any::<usize>().prop_map(Op::IntoRaw),
        2 => any::<usize>().prop_map(Op::ReturnRaw),
        1 => any::<usize>().prop_map(Op::FromRaw),
        1 => any::<usize>().prop_map(Op::ReturnStale),
        2 => (any::<usize>(), 0u8..6).prop_map(|(k, kind)| Op::BadRaw(k, kind)),
        1 => (0usize..=330, 0u32..8).prop_map(|(size, shift)| Op::AllocatePointer(size, 1 << shift)),
        1 => any::<usize>().prop_map(Op::FreePointer),
        1 => any::<usize>().prop_map(Op::FreeHandlePointer),
    ]
}

/// Bins with distinct sizes, in a random order; an alignment; spill-over on or off.
fn config() -> impl Strategy<Value = (Vec<Bin>, usize, bool)> {
    (
        proptest::collection::btree_set(1usize..=300, 1..=5),
        proptest::collection::vec(1usize..=4, 5),
    )
        .prop_flat_map(|(sizes, counts)| {
            let bins: Vec<Bin> = sizes
                .into_iter()
                .zip(counts)
                .map(|(size, count)| Bin::new(size, count))
                .collect();
            (
                Just(bins).prop_shuffle(),
                prop::sample::select(vec![1usize, 2, 4, 8, 16, 64]),
                any::<bool>(),
            )
        })
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ModelBin {
    size: usize,
    count: usize,
    curr: usize,
    hi: usize,
    no_buffs: usize,
    zero_size_requests: usize,
    spills: usize,
    rejected: usize,
}

/// What a manager should do: bins sorted by size, each with how many of its buffers are out.
struct Model {
    bins: Vec<ModelBin>,
    spill_over: bool,
    alignment: usize,
    curr: usize,
    hi: usize,
    no_buffs: usize,
    empty_buffs: usize,
    zero_size_requests: usize,
    rejected: usize,
    allocations: usize,
    frees: usize,
    used: usize,
    peak: usize,
}

impl Model {
    fn new(bins: &[Bin], alignment: usize, spill_over: bool) -> Self {
        let mut sorted: Vec<ModelBin> = bins
            .iter()
            .map(|bin| ModelBin {
                size: bin.size,
                count: bin.count,
                ..ModelBin::default()
            })
            .collect();
        sorted.sort_by_key(|bin| bin.size);
        Model {
            bins: sorted,
            spill_over,
            alignment,
            curr: 0,
            hi: 0,
            no_buffs: 0,
            empty_buffs: 0,
            zero_size_requests: 0,
            rejected: 0,
            allocations: 0,
            frees: 0,
            used: 0,
            peak: 0,
        }
    }

    /// A raw buffer sent back: F´'s `EmptyBuffs` counts it if it is empty or has no data.
    fn sent_back(&mut self, raw: &RawBuffer) {
        if raw.is_empty() || raw.as_ptr().is_null() {
            self.empty_buffs += 1;
        }
    }

    fn first_choice(&self, size: usize) -> usize {
        self.bins
            .iter()
            .position(|bin| bin.size >= size)
            .unwrap_or(self.bins.len())
    }

    fn allocate(&mut self, size: usize) -> Result<usize, AllocError> {
        let first = self.first_choice(size);
        if size == 0 {
            self.zero_size_requests += 1;
            self.bins[first].zero_size_requests += 1;
        }
        let end = if self.spill_over {
            self.bins.len()
        } else {
            (first + 1).min(self.bins.len())
        };
        for bin in first..end {
            if self.bins[bin].curr < self.bins[bin].count {
                if bin != first {
                    self.bins[first].spills += 1;
                }
                let state = &mut self.bins[bin];
                state.curr += 1;
                state.hi = state.hi.max(state.curr);
                self.curr += 1;
                self.hi = self.hi.max(self.curr);
                self.allocations += 1;
                self.used += state.size;
                self.peak = self.peak.max(self.used);
                return Ok(bin);
            }
        }
        let largest = self.bins.last().unwrap().size;
        let error = if size > largest {
            AllocError::TooLarge {
                requested: size,
                max: largest,
            }
        } else {
            AllocError::Exhausted {
                capacity: self.bins[first..end].iter().map(|bin| bin.count).sum(),
            }
        };
        self.fail(first);
        Err(error)
    }

    fn fail(&mut self, first: usize) {
        self.no_buffs += 1;
        if let Some(bin) = self.bins.get_mut(first) {
            bin.no_buffs += 1;
        }
    }

    fn free(&mut self, bin: usize) {
        self.bins[bin].curr -= 1;
        self.curr -= 1;
        self.frees += 1;
        self.used -= self.bins[bin].size;
    }

    fn reject(&mut self, bin: Option<usize>) {
        self.rejected += 1;
        if let Some(bin) = bin {
            self.bins[bin].rejected += 1;
        }
    }

    fn telemetry(&self) -> BufferTelemetry {
        BufferTelemetry {
            manager: ManagerId(ID),
            bins: self.bins.len(),
            total_buffs: self.bins.iter().map(|bin| bin.count).sum(),
            curr_buffs: self.curr,
            hi_buffs: self.hi,
            no_buffs: self.no_buffs,
            empty_buffs: self.empty_buffs,
            zero_size_requests: self.zero_size_requests,
            rejected_returns: self.rejected,
        }
    }

    fn bin_telemetry(&self) -> Vec<BinTelemetry> {
        self.bins
            .iter()
            .enumerate()
            .map(|(bin, state)| BinTelemetry {
                bin,
                size: state.size,
                total_buffs: state.count,
                curr_buffs: state.curr,
                hi_buffs: state.hi,
                no_buffs: state.no_buffs,
                zero_size_requests: state.zero_size_requests,
                spills: state.spills,
                rejected_returns: state.rejected,
            })
            .collect()
    }
}

/// A buffer out of the manager, in one of its three forms, with what the test wrote into it.
enum Form<'m> {
    Handle(Buffer<'m>),
    Raw(RawBuffer),
    Pointer(NonNull<u8>, usize),
}

struct Live<'m> {
    form: Form<'m>,
    bin: usize,
    pattern: u8,
}

impl Live<'_> {
    fn address(&self) -> usize {
        match &self.form {
            Form::Handle(buffer) => buffer.as_ptr() as usize,
            Form::Raw(raw) => raw.as_ptr() as usize,
            Form::Pointer(ptr, _) => ptr.as_ptr() as usize,
        }
    }

    /// The bytes in use, with their length.
    fn bytes(&self) -> &[u8] {
        match &self.form {
            Form::Handle(buffer) => buffer,
            // SAFETY: the buffer is out and the test owns it; `len` is within its capacity.
            Form::Raw(raw) => unsafe { std::slice::from_raw_parts(raw.as_ptr(), raw.len()) },
            // SAFETY: as above.
            Form::Pointer(ptr, len) => unsafe { std::slice::from_raw_parts(ptr.as_ptr(), *len) },
        }
    }
}

fn pick<T>(items: &[T], k: usize, wanted: impl Fn(&T) -> bool) -> Option<usize> {
    let candidates: Vec<usize> = (0..items.len()).filter(|&i| wanted(&items[i])).collect();
    (!candidates.is_empty()).then(|| candidates[k % candidates.len()])
}

fn fill(buffer: &mut [u8], pattern: u8) {
    buffer.iter_mut().for_each(|byte| *byte = pattern);
}

fn run(bins: &[Bin], alignment: usize, spill_over: bool, ops: &[Op]) {
    let heap = Heap {
        last: Mutex::new(None),
    };
    let manager = BufferManager::setup_aligned(ManagerId(ID), MemoryId(1), &heap, bins, alignment)
        .unwrap()
        .with_spill_over(spill_over);
    let (base, block_len, _) = heap.last.lock().unwrap().unwrap();
    let mut model = Model::new(bins, alignment, spill_over);
    let storage: usize = model
        .bins
        .iter()
        .map(|bin| bin.size.next_multiple_of(alignment) * bin.count)
        .sum();
    assert_eq!(manager.storage_size(), storage);
    assert!(block_len >= storage);
    let mut live: Vec<Live<'_>> = Vec::new();
    let mut returned: Vec<RawBuffer> = Vec::new();
    let mut next_pattern = 1u8;
    let mut pattern = || {
        next_pattern = next_pattern.wrapping_add(1).max(1);
        next_pattern
    };

    for op in ops {
        match *op {
            Op::Allocate(size) => {
                let expected = model.allocate(size);
                match manager.allocate(size) {
                    Ok(mut buffer) => {
                        assert_eq!(Ok(buffer.bin()), expected, "allocate({size})");
                        let p = pattern();
                        fill(&mut buffer, p);
                        let bin = buffer.bin();
                        live.push(Live {
                            form: Form::Handle(buffer),
                            bin,
                            pattern: p,
                        });
                    }
                    Err(error) => assert_eq!(Err(error), expected, "allocate({size})"),
                }
            }
            Op::Drop(k) | Op::Deallocate(k) => {
                if let Some(i) = pick(&live, k, |l| matches!(l.form, Form::Handle(_))) {
                    let entry = live.swap_remove(i);
                    model.free(entry.bin);
                    if let Form::Handle(buffer) = entry.form {
                        if matches!(op, Op::Drop(_)) {
                            drop(buffer);
                        } else {
                            assert_eq!(manager.deallocate(buffer), Ok(()));
                        }
                    }
                }
            }
            Op::SetLen(k, len) => {
                if let Some(i) = pick(&live, k, |l| matches!(l.form, Form::Handle(_))) {
                    let capacity = model.bins[live[i].bin].size;
                    let p = live[i].pattern;
                    if let Form::Handle(buffer) = &mut live[i].form {
                        if len <= capacity {
                            assert_eq!(buffer.set_len(len), Ok(()));
                            fill(buffer, p);
                        } else {
                            assert_eq!(
                                buffer.set_len(len),
                                Err(AllocError::TooLarge {
                                    requested: len,
                                    max: capacity
                                })
                            );
                        }
                    }
                }
            }
            Op::IntoRaw(k) => {
                if let Some(i) = pick(&live, k, |l| matches!(l.form, Form::Handle(_))) {
                    let entry = live.swap_remove(i);
                    if let Form::Handle(buffer) = entry.form {
                        let len = buffer.len();
                        let raw = buffer.into_raw();
                        assert_eq!(
                            (raw.bin(), raw.len(), raw.manager()),
                            (entry.bin, len, ManagerId(ID))
                        );
                        live.push(Live {
                            form: Form::Raw(raw),
                            ..entry
                        });
                    }
                }
            }
            Op::ReturnRaw(k) => {
                if let Some(i) = pick(&live, k, |l| matches!(l.form, Form::Raw(_))) {
                    let entry = live.swap_remove(i);
                    if let Form::Raw(raw) = entry.form {
                        model.sent_back(&raw);
                        assert_eq!(manager.return_raw(raw), Ok(()));
                        model.free(entry.bin);
                        returned.push(raw);
                    }
                }
            }
            Op::FromRaw(k) => {
                if let Some(i) = pick(&live, k, |l| matches!(l.form, Form::Raw(_))) {
                    let entry = live.swap_remove(i);
                    if let Form::Raw(raw) = entry.form {
                        let buffer = manager.from_raw(raw).unwrap();
                        assert_eq!((buffer.bin(), buffer.len()), (raw.bin(), raw.len()));
                        returned.push(raw);
                        live.push(Live {
                            form: Form::Handle(buffer),
                            ..entry
                        });
                    }
                }
            }
            Op::ReturnStale(k) => {
                if !returned.is_empty() {
                    let stale = returned[k % returned.len()];
                    model.sent_back(&stale);
                    assert_eq!(
                        manager.return_raw(stale),
                        Err(ReturnError::Free(FreeError::NotAllocated))
                    );
                    model.reject(Some(stale.bin()));
                }
            }
            Op::BadRaw(k, kind) => {
                if let Some(i) = pick(&live, k, |l| matches!(l.form, Form::Raw(_))) {
                    let Form::Raw(raw) = live[i].form else {
                        unreachable!()
                    };
                    let bin = raw.bin();
                    let capacity = model.bins[bin].size;
                    let count = model.bins[bin].count;
                    let part = |id: u32, bin: usize, index: usize, data: *mut u8, len: usize| {
                        RawBuffer::from_parts(
                            ManagerId(id),
                            bin,
                            index,
                            raw.generation(),
                            data,
                            len,
                        )
                    };
                    let (bad, error, names_bin) = match kind {
                        0 => (
                            part(ID + 1, bin, raw.index(), raw.as_ptr(), raw.len()),
                            ReturnError::Free(FreeError::WrongManager {
                                expected: ID,
                                found: ID + 1,
                            }),
                            false,
                        ),
                        1 => (
                            part(ID, model.bins.len(), raw.index(), raw.as_ptr(), raw.len()),
                            ReturnError::Free(FreeError::BadBin {
                                bin: model.bins.len(),
                                bins: model.bins.len(),
                            }),
                            false,
                        ),
                        2 => (
                            part(ID, bin, count, raw.as_ptr(), raw.len()),
                            ReturnError::Free(FreeError::BadIndex {
                                index: count,
                                count,
                            }),
                            true,
                        ),
                        3 => (
                            part(
                                ID,
                                bin,
                                raw.index(),
                                raw.as_ptr().wrapping_add(1),
                                raw.len(),
                            ),
                            ReturnError::Free(if capacity > 1 {
                                FreeError::NotBlockStart { offset: 1 }
                            } else {
                                FreeError::ForeignPointer
                            }),
                            true,
                        ),
                        4 => (
                            part(ID, bin, raw.index(), raw.as_ptr(), capacity + 1),
                            ReturnError::TooLong {
                                len: capacity + 1,
                                capacity,
                            },
                            true,
                        ),
                        _ => (
                            part(
                                ID,
                                bin,
                                raw.index(),
                                raw.as_ptr().wrapping_sub(1),
                                raw.len(),
                            ),
                            ReturnError::Free(FreeError::ForeignPointer),
                            true,
                        ),
                    };
                    if k % 2 == 0 {
                        model.sent_back(&bad);
                        assert_eq!(manager.return_raw(bad), Err(error));
                    } else {
                        assert_eq!(manager.from_raw(bad).unwrap_err(), error);
                    }
                    model.reject(names_bin.then_some(bin));
                }
            }
            Op::AllocatePointer(size, align) => {
                let result = Allocator::allocate(&manager, size, align);
                if align > alignment {
                    assert_eq!(
                        result,
                        Err(AllocError::UnsupportedAlignment {
                            align,
                            max: alignment
                        })
                    );
                    let first = model.first_choice(size);
                    model.fail(first);
                    continue_checks(&manager, &model, &live, base, block_len);
                    continue;
                }
                let expected = model.allocate(size);
                match result {
                    Ok(ptr) => {
                        let bin = expected.expect("the model agrees a buffer was free");
                        let p = pattern();
                        // SAFETY: `size` bytes were allocated and are ours.
                        unsafe { ptr.as_ptr().write_bytes(p, size) };
                        live.push(Live {
                            form: Form::Pointer(ptr, size),
                            bin,
                            pattern: p,
                        });
                    }
                    Err(error) => assert_eq!(Err(error), expected),
                }
            }
            Op::FreePointer(k) => {
                if let Some(i) = pick(&live, k, |l| matches!(l.form, Form::Pointer(..))) {
                    let entry = live.swap_remove(i);
                    if let Form::Pointer(ptr, size) = entry.form {
                        // SAFETY: `ptr` is a live raw allocation of `manager`, given back once; the second call
                        // is a double free with no raw allocation taking the buffer in between, so it is refused.
                        let (first, second) = unsafe {
                            (
                                Allocator::deallocate(&manager, ptr, size),
                                Allocator::deallocate(&manager, ptr, size),
                            )
                        };
                        assert_eq!(first, Ok(()));
                        assert_eq!(second, Err(FreeError::NotAllocated));
                        model.free(entry.bin);
                        model.reject(Some(entry.bin));
                    }
                }
            }
            Op::FreeHandlePointer(k) => {
                if let Some(i) = pick(&live, k, |l| matches!(l.form, Form::Handle(_))) {
                    let ptr = NonNull::new(live[i].address() as *mut u8).unwrap();
                    // SAFETY: the buffer is held by a live handle, never out in raw form; it is refused.
                    let refused = unsafe { Allocator::deallocate(&manager, ptr, 1) };
                    assert_eq!(refused, Err(FreeError::NotAllocated));
                    model.reject(Some(live[i].bin));
                }
            }
        }
        continue_checks(&manager, &model, &live, base, block_len);
    }

    // Give everything back; the manager then tears down cleanly.
    for entry in live.drain(..) {
        match entry.form {
            Form::Handle(buffer) => drop(buffer),
            Form::Raw(raw) => {
                model.sent_back(&raw);
                manager.return_raw(raw).unwrap();
            }
            Form::Pointer(ptr, size) => {
                // SAFETY: a live raw allocation of `manager`, given back once.
                unsafe { Allocator::deallocate(&manager, ptr, size) }.unwrap()
            }
        }
        model.free(entry.bin);
    }
    continue_checks(&manager, &model, &live, base, block_len);
    let stats = manager.stats();
    assert_eq!(
        (
            stats.allocations,
            stats.frees,
            stats.used,
            stats.peak,
            stats.failures
        ),
        (
            model.allocations,
            model.frees,
            0,
            model.peak,
            model.no_buffs
        )
    );
    drop(live);
    manager.teardown().unwrap();
    assert!(
        heap.last.lock().unwrap().is_none(),
        "the block was given back"
    );
}

/// Every invariant, after every step.
fn continue_checks(
    manager: &BufferManager<'_>,
    model: &Model,
    live: &[Live<'_>],
    base: usize,
    block_len: usize,
) {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for entry in live {
        let capacity = model.bins[entry.bin].size;
        let start = entry.address();
        assert_eq!(start % model.alignment, 0, "aligned");
        // The buffers are the end of the block, after the manager's state.
        let storage_start = base + block_len - manager.storage_size();
        assert!(
            start >= storage_start && start + capacity <= base + block_len,
            "in bounds of the storage"
        );
        if let Form::Handle(buffer) = &entry.form {
            assert_eq!((buffer.bin(), buffer.capacity()), (entry.bin, capacity));
            assert!(buffer.len() <= capacity);
        }
        assert!(
            entry.bytes().iter().all(|&byte| byte == entry.pattern),
            "contents intact"
        );
        ranges.push((start, start + capacity));
    }
    ranges.sort_unstable();
    for pair in ranges.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "no overlap: {pair:?}");
    }
    assert_eq!(manager.telemetry(), model.telemetry());
    assert_eq!(
        manager.bin_telemetry().collect::<Vec<_>>(),
        model.bin_telemetry()
    );
    let stats = manager.stats();
    assert_eq!(
        (
            stats.allocations,
            stats.frees,
            stats.used,
            stats.peak,
            stats.failures
        ),
        (
            model.allocations,
            model.frees,
            model.used,
            model.peak,
            model.no_buffs
        )
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_manager_behaves_like_the_model(
        (bins, alignment, spill_over) in config(),
        ops in proptest::collection::vec(op(), 1..150),
    ) {
        run(&bins, alignment, spill_over, &ops);
    }
}

#[test]
fn a_long_fixed_sequence_exercises_every_operation() {
    let bins = [Bin::new(7, 3), Bin::new(64, 2), Bin::new(200, 1)];
    let ops: Vec<Op> = (0..600)
        .map(|i| match i % 12 {
            0 => Op::Allocate(i % 210),
            1 => Op::IntoRaw(i),
            2 => Op::Allocate(i % 70),
            3 => Op::BadRaw(i, (i % 6) as u8),
            4 => Op::ReturnRaw(i),
            5 => Op::AllocatePointer(i % 64, 1 << (i % 5)),
            6 => Op::FromRaw(i),
            7 => Op::ReturnStale(i),
            8 => Op::FreeHandlePointer(i),
            9 => Op::FreePointer(i),
            10 => Op::SetLen(i, i % 80),
            _ => Op::Drop(i),
        })
        .collect();
    for spill_over in [true, false] {
        run(&bins, 8, spill_over, &ops);
    }
}
