//! `StackAllocator` against a model: random sequences of allocations, LIFO frees, wrong frees, markers (valid
//! and stale) and nested scopes, checked after every step; and multi-thread tests over one `static` stack.
#![cfg(not(loom))]

use std::ptr::NonNull;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use flight_memory::{
    AllocError, AllocationStrategy, Allocator, Frame, FreeError, Marker, StackAllocator, StackBusy,
    StatsSnapshot, static_allocator,
};
use proptest::prelude::*;

/// Frees through the stack's raw interface. Every pointer the tests pass is a live allocation of that stack
/// given back once, or one the stack refuses without touching an allocation in use: foreign, interior, out of
/// order, too large, or freed with no allocation of that size at its place since.
fn free(stack: &StackAllocator<'_>, ptr: NonNull<u8>, size: usize) -> Result<(), FreeError> {
    // SAFETY: as above: no test passes a stale pointer whose place a new allocation of the same size took.
    unsafe { stack.deallocate(ptr, size) }
}

/// Alignments to ask for, including invalid ones.
const ALIGNS: [usize; 9] = [1, 2, 4, 8, 16, 32, 64, 0, 12];
/// The documented per-allocation record: three words, word-aligned, after the allocation.
const RECORD: usize = 3 * size_of::<usize>();
const RECORD_ALIGN: usize = align_of::<usize>();

#[derive(Clone, Debug)]
enum FrameOp {
    Alloc { size: usize, align: usize },
    Str { len: usize },
    Nested(Vec<FrameOp>),
}

#[derive(Clone, Debug)]
enum Op {
    Allocate { size: usize, align: usize },
    FreeNewest,
    FreeOlder { pick: usize },
    FreeInterior,
    FreeTooLarge,
    FreeForeign,
    TakeMarker,
    FreeToMarker { pick: usize },
    Scope { shared: bool, ops: Vec<FrameOp> },
    Reset,
}

fn frame_ops() -> impl Strategy<Value = Vec<FrameOp>> {
    let leaf = prop_oneof![
        3 => (0usize..48, proptest::sample::select(&ALIGNS[..]))
            .prop_map(|(size, align)| FrameOp::Alloc { size, align }),
        1 => (0usize..12).prop_map(|len| FrameOp::Str { len }),
    ];
    let tree = leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            2 => inner.clone(),
            1 => proptest::collection::vec(inner, 0..6).prop_map(FrameOp::Nested),
        ]
    });
    proptest::collection::vec(tree, 0..8)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0usize..64, proptest::sample::select(&ALIGNS[..]))
            .prop_map(|(size, align)| Op::Allocate { size, align }),
        5 => Just(Op::FreeNewest),
        2 => any::<usize>().prop_map(|pick| Op::FreeOlder { pick }),
        1 => Just(Op::FreeInterior),
        1 => Just(Op::FreeTooLarge),
        1 => Just(Op::FreeForeign),
        2 => Just(Op::TakeMarker),
        2 => any::<usize>().prop_map(|pick| Op::FreeToMarker { pick }),
        2 => (any::<bool>(), frame_ops()).prop_map(|(shared, ops)| Op::Scope { shared, ops }),
        1 => Just(Op::Reset),
    ]
}

/// A live allocation.
#[derive(Debug)]
struct Live {
    ptr: NonNull<u8>,
    start: usize,
    size: usize,
    align: usize,
    /// The top before it was allocated.
    prev_top: usize,
    /// The top after it (and its record).
    end: usize,
    fill: u8,
}

struct Model {
    base: usize,
    len: usize,
    top: usize,
    live: Vec<Live>,
    /// Markers taken, with the number of live allocations when each was taken.
    markers: Vec<(Marker, usize)>,
    stats: StatsSnapshot,
    next_fill: u8,
}

fn align_up(value: usize, align: usize) -> usize {
    value.div_ceil(align) * align
}

impl Model {
    /// Where `size` bytes aligned to `align` go from `from`: `(start, end)`.
    fn place(&self, from: usize, size: usize, align: usize) -> Result<(usize, usize), AllocError> {
        if !align.is_power_of_two() {
            return Err(AllocError::InvalidAlignment { align });
        }
        let start = align_up(self.base + from, align) - self.base;
        let end = start.checked_add(size).ok_or(AllocError::SizeOverflow)?;
        if end > self.len {
            return Err(AllocError::OutOfMemory {
                requested: size,
                remaining: self.len.saturating_sub(start),
            });
        }
        Ok((start, end))
    }

    /// Where an allocation with its record goes: `(start, top after)`.
    fn place_recorded(&self, size: usize, align: usize) -> Result<(usize, usize), AllocError> {
        let (start, end) = self.place(self.top, size, align)?;
        let record_end = align_up(self.base + end, RECORD_ALIGN) - self.base + RECORD;
        if record_end > self.len {
            return Err(AllocError::OutOfMemory {
                requested: size,
                remaining: self.len - start,
            });
        }
        Ok((start, record_end))
    }

    fn allocated(&mut self, new_top: usize) {
        self.stats.allocations += 1;
        self.stats.used += new_top - self.top;
        self.stats.peak = self.stats.peak.max(self.stats.used);
        self.top = new_top;
    }

    fn released(&mut self, count: usize, new_top: usize) {
        self.stats.frees += count;
        self.stats.used -= self.top - new_top;
        self.top = new_top;
    }

    fn fill(&mut self) -> u8 {
        self.next_fill = self.next_fill.wrapping_add(1);
        self.next_fill
    }

    /// The top when `depth` allocations are live.
    fn boundary(&self, depth: usize) -> Option<usize> {
        match depth {
            0 => Some(0),
            d => self.live.get(d - 1).map(|live| live.end),
        }
    }

    fn check(&self, stack: &StackAllocator<'_>) {
        assert_eq!(stack.stats(), self.stats);
        assert_eq!(stack.used_memory(), self.top);
        assert_eq!(stack.depth(), self.live.len());
        assert_eq!(stack.available_memory(), self.len - self.top);
        check_disjoint_and_intact(self.base, self.len, self.live.iter());
    }
}

fn check_disjoint_and_intact<'l>(base: usize, len: usize, live: impl Iterator<Item = &'l Live>) {
    let mut spans = Vec::new();
    for live in live {
        let addr = live.ptr.as_ptr() as usize;
        assert_eq!(addr, base + live.start);
        assert!(live.start + live.size <= len, "out of bounds: {live:?}");
        assert_eq!(addr % live.align, 0, "misaligned: {live:?}");
        // SAFETY: a live allocation of `size` bytes that only this test writes.
        let bytes = unsafe { std::slice::from_raw_parts(live.ptr.as_ptr(), live.size) };
        assert!(
            bytes.iter().all(|&b| b == live.fill),
            "overwritten: {live:?}"
        );
        spans.push((live.start, live.start + live.size));
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "overlap: {pair:?}");
    }
}

/// Runs `ops` in `frame`, checking against the model; `outer` are the frame allocations of enclosing frames.
fn run_frame(frame: &mut Frame<'_, '_>, ops: &[FrameOp], model: &mut Model, outer: &mut Vec<Live>) {
    let start = model.top;
    let mut made = 0;
    let first_own = outer.len();
    for op in ops {
        match op {
            FrameOp::Alloc { size, align } => {
                let expected = model.place(model.top, *size, *align);
                match (expected, frame.allocate(*size, *align)) {
                    (Ok((begin, end)), Ok(ptr)) => {
                        assert_eq!(ptr.as_ptr() as usize, model.base + begin);
                        let fill = model.fill();
                        // SAFETY: `size` fresh bytes at `ptr`, ours until the frame ends.
                        unsafe { ptr.as_ptr().write_bytes(fill, *size) };
                        let prev_top = model.top;
                        model.allocated(end);
                        made += 1;
                        outer.push(Live {
                            ptr,
                            start: begin,
                            size: *size,
                            align: *align,
                            prev_top,
                            end,
                            fill,
                        });
                    }
                    (Err(expected), Err(got)) => {
                        assert_eq!(got, expected);
                        model.stats.failures += 1;
                    }
                    (expected, got) => panic!("expected {expected:?}, got {got:?}"),
                }
            }
            FrameOp::Str { len } => {
                let text = "s".repeat(*len);
                let expected = model.place(model.top, *len, 1);
                match (expected, frame.alloc_str(&text)) {
                    (Ok((begin, end)), Ok(copy)) => {
                        assert_eq!(&*copy, text.as_str());
                        let prev_top = model.top;
                        model.allocated(end);
                        made += 1;
                        outer.push(Live {
                            ptr: NonNull::from(&mut *copy).cast(),
                            start: begin,
                            size: *len,
                            align: 1,
                            prev_top,
                            end,
                            fill: b's',
                        });
                    }
                    (Err(expected), Err(got)) => {
                        assert_eq!(got, expected);
                        model.stats.failures += 1;
                    }
                    (expected, got) => panic!("expected {expected:?}, got {got:?}"),
                }
            }
            FrameOp::Nested(inner_ops) => {
                let before = model.top;
                frame.scope(|inner| run_frame(inner, inner_ops, model, outer));
                assert_eq!(model.top, before);
            }
        }
        assert_eq!(frame.used_memory(), model.top - start);
        assert_eq!(frame.available_memory(), model.len - model.top);
        check_disjoint_and_intact(model.base, model.len, model.live.iter().chain(outer.iter()));
    }
    // The frame ends when the closure returns: its allocations go back at once.
    outer.truncate(first_own);
    if made > 0 {
        model.released(made, start);
    }
}

fn run(len: usize, skew: usize, ops: Vec<Op>) {
    let mut buffer = vec![0u8; len + skew];
    let memory = &mut buffer[skew..];
    let base = memory.as_ptr() as usize;
    let mut stack = StackAllocator::from_slice(memory);
    let mut model = Model {
        base,
        len,
        top: 0,
        live: Vec::new(),
        markers: Vec::new(),
        stats: StatsSnapshot::default(),
        next_fill: 0,
    };
    for op in ops {
        match op {
            Op::Allocate { size, align } => {
                match (
                    model.place_recorded(size, align),
                    stack.allocate(size, align),
                ) {
                    (Ok((start, new_top)), Ok(ptr)) => {
                        assert_eq!(ptr.as_ptr() as usize, base + start);
                        let fill = model.fill();
                        // SAFETY: `size` fresh bytes at `ptr`, ours.
                        unsafe { ptr.as_ptr().write_bytes(fill, size) };
                        let prev_top = model.top;
                        model.allocated(new_top);
                        model.live.push(Live {
                            ptr,
                            start,
                            size,
                            align,
                            prev_top,
                            end: new_top,
                            fill,
                        });
                    }
                    (Err(expected), Err(got)) => {
                        assert_eq!(got, expected);
                        model.stats.failures += 1;
                    }
                    (expected, got) => panic!("expected {expected:?}, got {got:?}"),
                }
            }
            Op::FreeNewest => match model.live.pop() {
                Some(newest) => {
                    assert_eq!(free(&stack, newest.ptr, newest.size), Ok(()));
                    model.released(1, newest.prev_top);
                }
                None => {
                    let mut elsewhere = 0u8;
                    let result = free(&stack, NonNull::from(&mut elsewhere), 1);
                    assert_eq!(result, Err(FreeError::ForeignPointer));
                    model.stats.failures += 1;
                }
            },
            Op::FreeOlder { pick } => {
                if model.live.len() < 2 {
                    continue;
                }
                let older = &model.live[pick % (model.live.len() - 1)];
                // SAFETY: `older` is a live allocation given back out of order, which the stack refuses.
                let refused = unsafe { Allocator::deallocate(&stack, older.ptr, older.size) };
                assert_eq!(refused, Err(FreeError::OutOfOrder));
                model.stats.failures += 1;
            }
            Op::FreeInterior => {
                let Some(newest) = model.live.last().filter(|live| live.size >= 2) else {
                    continue;
                };
                let inside = NonNull::new(newest.ptr.as_ptr().wrapping_add(1)).unwrap();
                assert_eq!(
                    free(&stack, inside, 1),
                    Err(FreeError::NotBlockStart { offset: 1 })
                );
                model.stats.failures += 1;
            }
            Op::FreeTooLarge => {
                let Some(newest) = model.live.last() else {
                    continue;
                };
                assert_eq!(
                    free(&stack, newest.ptr, newest.size + 64),
                    Err(FreeError::NotAllocated)
                );
                model.stats.failures += 1;
            }
            Op::FreeForeign => {
                let mut elsewhere = [0u64; 2];
                assert_eq!(
                    free(&stack, NonNull::from(&mut elsewhere).cast(), 16),
                    Err(FreeError::ForeignPointer)
                );
                model.stats.failures += 1;
            }
            Op::TakeMarker => {
                let marker = stack.marker();
                assert_eq!(marker.used_memory(), model.top);
                model.markers.push((marker, model.live.len()));
            }
            Op::FreeToMarker { pick } => {
                if model.markers.is_empty() {
                    continue;
                }
                let (marker, depth) = model.markers[pick % model.markers.len()];
                // Valid iff the marker still sits on the boundary between the allocations live when it was
                // taken and the newer ones (it is stale once the stack was released below it, unless the same
                // boundary was rebuilt).
                match model.boundary(depth) {
                    Some(boundary) if boundary == marker.used_memory() => {
                        assert_eq!(stack.free_to_marker(marker), Ok(()));
                        let count = model.live.len() - depth;
                        model.live.truncate(depth);
                        model.released(count, marker.used_memory());
                    }
                    _ => {
                        assert_eq!(stack.free_to_marker(marker), Err(FreeError::OutOfOrder));
                        model.stats.failures += 1;
                    }
                }
            }
            Op::Scope { shared, ops } => {
                let before = model.top;
                let mut frames = Vec::new();
                if shared {
                    stack
                        .try_scope(|frame| run_frame(frame, &ops, &mut model, &mut frames))
                        .unwrap();
                } else {
                    stack.scope(|frame| run_frame(frame, &ops, &mut model, &mut frames));
                }
                assert_eq!(model.top, before);
            }
            Op::Reset => {
                stack.reset();
                model.live.clear();
                model.top = 0;
                model.stats.used = 0;
            }
        }
        model.check(&stack);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn stack_allocator_matches_the_model(
        len in 0usize..700,
        skew in 0usize..64,
        ops in proptest::collection::vec(op(), 1..100),
    ) {
        run(len, skew, ops);
    }
}

#[test]
fn frames_release_on_unwind_and_release_the_stack() {
    static_allocator! {
        static STACK: StackAllocator(256);
    }
    let result = std::panic::catch_unwind(|| {
        STACK
            .try_scope(|frame| {
                frame.alloc([1u8; 32]).unwrap();
                panic!("component fault");
            })
            .ok();
    });
    assert!(result.is_err());
    assert_eq!(STACK.used_memory(), 0);
    // The lock was released: the stack is usable again.
    let block = STACK.allocate(8, 8).unwrap();
    free(&STACK, block, 8).unwrap();
    let stats = STACK.stats();
    assert_eq!((stats.allocations, stats.frees, stats.used), (2, 2, 0));
}

#[test]
fn the_frame_owns_the_stack_while_it_is_open() {
    static_allocator! {
        static STACK: StackAllocator(256);
    }
    let outside = STACK.allocate(4, 4).unwrap();
    let marker = STACK.marker();
    STACK
        .try_scope(|frame| {
            frame.alloc(1u32).unwrap();
            assert!(matches!(
                STACK.allocate(4, 4),
                Err(AllocError::OutOfMemory { remaining: 0, .. })
            ));
            assert_eq!(free(&STACK, outside, 4), Err(FreeError::OutOfOrder));
            assert_eq!(STACK.free_to_marker(marker), Err(FreeError::OutOfOrder));
            assert_eq!(STACK.try_scope(|_| ()), Err(StackBusy));
            // A marker taken inside a scope is not a boundary once the scope is gone.
            STACK.marker()
        })
        .map(|inside| assert_eq!(STACK.free_to_marker(inside), Err(FreeError::OutOfOrder)))
        .unwrap();
    free(&STACK, outside, 4).unwrap();
    assert_eq!(STACK.stats().failures, 5);
    let allocator: &dyn Allocator = &STACK;
    assert_eq!(allocator.strategy(), AllocationStrategy::Stack);
}

#[test]
fn threads_contend_without_corruption() {
    static_allocator! {
        static STACK: StackAllocator(16 * 1024);
    }
    const THREADS: usize = 4;
    let barrier = Arc::new(Barrier::new(THREADS));
    let leftovers = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..THREADS)
        .map(|thread_id| {
            let barrier = Arc::clone(&barrier);
            let leftovers = Arc::clone(&leftovers);
            thread::spawn(move || {
                let mark = thread_id as u8 + 1;
                let mut mine: Vec<(NonNull<u8>, usize)> = Vec::new();
                let mut seed = thread_id as u64 + 11;
                barrier.wait();
                for _ in 0..20_000 {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    // At most two allocations each, so the owner of the global top always gets to free it.
                    if mine.is_empty() || (mine.len() < 2 && (seed >> 40) % 2 == 0) {
                        let size = (seed >> 33) as usize % 48;
                        if let Ok(ptr) = STACK.allocate(size, 8) {
                            // SAFETY: `size` fresh bytes, ours.
                            unsafe { ptr.as_ptr().write_bytes(mark, size) };
                            mine.push((ptr, size));
                        }
                    } else if let Some(&(ptr, size)) = mine.last() {
                        // SAFETY: our live allocation.
                        let bytes = unsafe { std::slice::from_raw_parts(ptr.as_ptr(), size) };
                        assert!(
                            bytes.iter().all(|&b| b == mark),
                            "another thread wrote here"
                        );
                        if free(&STACK, ptr, size).is_ok() {
                            mine.pop();
                        } else {
                            thread::yield_now();
                        }
                    }
                    if (seed >> 50) % 64 == 0 {
                        let _ = STACK.try_scope(|frame| {
                            if let Ok(scratch) = frame.alloc_slice_fill_with(40, |_| mark) {
                                std::hint::black_box(&mut *scratch);
                                assert!(scratch.iter().all(|&b| b == mark));
                            }
                        });
                    }
                }
                for &(ptr, size) in &mine {
                    // SAFETY: our live allocation.
                    let bytes = unsafe { std::slice::from_raw_parts(ptr.as_ptr(), size) };
                    assert!(
                        bytes.iter().all(|&b| b == mark),
                        "another thread wrote here"
                    );
                }
                let addresses: Vec<(usize, usize)> = mine
                    .iter()
                    .map(|&(ptr, size)| (ptr.as_ptr() as usize, size))
                    .collect();
                leftovers.lock().unwrap().extend(addresses);
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    // Free what is left in global LIFO order: every free must succeed and bring the stack back to empty.
    let mut leftovers = leftovers.lock().unwrap().clone();
    leftovers.sort_unstable();
    for pair in leftovers.windows(2) {
        assert!(pair[0].0 + pair[0].1 <= pair[1].0, "overlap: {pair:?}");
    }
    assert_eq!(STACK.depth(), leftovers.len());
    for &(addr, size) in leftovers.iter().rev() {
        let ptr = NonNull::new(addr as *mut u8).unwrap();
        assert_eq!(free(&STACK, ptr, size), Ok(()));
    }
    let stats = STACK.stats();
    assert_eq!((STACK.used_memory(), STACK.depth(), stats.used), (0, 0, 0));
    assert_eq!(stats.allocations, stats.frees);
    assert!(stats.allocations > 1000, "{stats:?}");
}
