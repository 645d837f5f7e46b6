//! `LinearAllocator` against a model: random operation sequences, checked after every step, run through the
//! shared allocator and through its exclusive view (sessions of the view between shared operations, some of them
//! leaked); and a multi-thread test over one `static` allocator.
#![cfg(not(loom))]

use std::mem;
use std::ptr::NonNull;
use std::sync::{Arc, Barrier};
use std::thread;

use flight_memory::{
    AllocError, AllocationStrategy, Allocator, ExclusiveLinear, FreeError, LinearAllocator,
    Rejected, StatsSnapshot, static_allocator,
};
use proptest::prelude::*;

/// Alignments to ask for, including invalid ones.
const ALIGNS: [usize; 10] = [1, 2, 4, 8, 16, 32, 64, 0, 3, 24];

#[derive(Clone, Debug)]
enum Op {
    Allocate {
        size: usize,
        align: usize,
    },
    SliceCopy {
        len: usize,
    },
    Str {
        len: usize,
    },
    /// `alloc` (or `alloc_with`) of a `u64`.
    Value {
        value: u64,
        with: bool,
    },
    /// `alloc_slice_fill_with` of `len` `u16`s.
    FillWith {
        len: usize,
    },
    Reset,
    /// Shared allocator only.
    Deallocate {
        pick: usize,
    },
    /// Shared allocator only.
    DeallocateForeign,
    /// Shared allocator only: `ops` through an exclusive view, which is then dropped or leaked.
    Exclusive {
        ops: Vec<Op>,
        leak: bool,
    },
}

/// The operations both the allocator and its exclusive view have.
fn common_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..80, proptest::sample::select(&ALIGNS[..]))
            .prop_map(|(size, align)| Op::Allocate { size, align }),
        2 => (0usize..20).prop_map(|len| Op::SliceCopy { len }),
        1 => (0usize..30).prop_map(|len| Op::Str { len }),
        2 => (any::<u64>(), any::<bool>()).prop_map(|(value, with)| Op::Value { value, with }),
        1 => (0usize..24).prop_map(|len| Op::FillWith { len }),
        1 => Just(Op::Reset),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        13 => common_op(),
        1 => any::<usize>().prop_map(|pick| Op::Deallocate { pick }),
        1 => Just(Op::DeallocateForeign),
        2 => (proptest::collection::vec(common_op(), 0..24), any::<bool>())
            .prop_map(|(ops, leak)| Op::Exclusive { ops, leak }),
    ]
}

/// What the model checks and drives, on the allocator and on its exclusive view alike.
#[allow(clippy::mut_from_ref)] // the allocators' own signatures: fresh memory per call.
trait Scratch {
    fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError>;
    fn alloc(&self, value: u64) -> Result<&mut u64, Rejected<u64>>;
    fn alloc_with(&self, f: impl FnOnce() -> u64) -> Result<&mut u64, AllocError>;
    fn alloc_slice_copy(&self, src: &[u32]) -> Result<&mut [u32], AllocError>;
    fn alloc_slice_fill_with(
        &self,
        len: usize,
        f: impl FnMut(usize) -> u16,
    ) -> Result<&mut [u16], AllocError>;
    fn alloc_str(&self, src: &str) -> Result<&mut str, AllocError>;
    fn reset(&mut self);
    fn used_memory(&self) -> usize;
    fn total_memory(&self) -> usize;
    fn available_memory(&self) -> usize;
    fn stats(&self) -> StatsSnapshot;
}

/// Forwards every `Scratch` method to the type's own.
macro_rules! scratch {
    ($ty:ty) => {
        #[allow(clippy::mut_from_ref)]
        impl Scratch for $ty {
            fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
                <$ty>::allocate(self, size, align)
            }
            fn alloc(&self, value: u64) -> Result<&mut u64, Rejected<u64>> {
                <$ty>::alloc(self, value)
            }
            fn alloc_with(&self, f: impl FnOnce() -> u64) -> Result<&mut u64, AllocError> {
                <$ty>::alloc_with(self, f)
            }
            fn alloc_slice_copy(&self, src: &[u32]) -> Result<&mut [u32], AllocError> {
                <$ty>::alloc_slice_copy(self, src)
            }
            fn alloc_slice_fill_with(
                &self,
                len: usize,
                f: impl FnMut(usize) -> u16,
            ) -> Result<&mut [u16], AllocError> {
                <$ty>::alloc_slice_fill_with(self, len, f)
            }
            fn alloc_str(&self, src: &str) -> Result<&mut str, AllocError> {
                <$ty>::alloc_str(self, src)
            }
            fn reset(&mut self) {
                <$ty>::reset(self)
            }
            fn used_memory(&self) -> usize {
                <$ty>::used_memory(self)
            }
            fn total_memory(&self) -> usize {
                <$ty>::total_memory(self)
            }
            fn available_memory(&self) -> usize {
                <$ty>::available_memory(self)
            }
            fn stats(&self) -> StatsSnapshot {
                <$ty>::stats(self)
            }
        }
    };
}
scratch!(LinearAllocator<'_>);
scratch!(ExclusiveLinear<'_, '_>);

/// A live allocation: where it is, and the byte it was filled with.
#[derive(Debug)]
struct Live {
    addr: usize,
    ptr: NonNull<u8>,
    size: usize,
    align: usize,
    fill: u8,
}

/// The model: an offset into `len` bytes at `base`, and the statistics it implies.
struct Model {
    base: usize,
    len: usize,
    offset: usize,
    stats: StatsSnapshot,
    live: Vec<Live>,
    next_fill: u8,
}

impl Model {
    /// Where `size` bytes aligned to `align` go, or the error the allocator must report.
    fn place(&self, size: usize, align: usize) -> Result<(usize, usize), AllocError> {
        if !align.is_power_of_two() {
            return Err(AllocError::InvalidAlignment { align });
        }
        let addr = self.base + self.offset;
        let start = addr.div_ceil(align) * align - self.base;
        let end = start.checked_add(size).ok_or(AllocError::SizeOverflow)?;
        if end > self.len {
            return Err(AllocError::OutOfMemory {
                requested: size,
                remaining: self.len.saturating_sub(start),
            });
        }
        Ok((start, end))
    }

    fn allocated(&mut self, end: usize) {
        self.stats.allocations += 1;
        self.stats.used += end - self.offset;
        self.stats.peak = self.stats.peak.max(self.stats.used);
        self.offset = end;
    }

    fn fill(&mut self) -> u8 {
        self.next_fill = self.next_fill.wrapping_add(1);
        self.next_fill
    }

    /// Checks that `got` is the model's answer for `size` bytes aligned to `align`, and on success records the
    /// allocation, fills its bytes with a fresh mark and keeps it live.
    fn expect(&mut self, size: usize, align: usize, got: Result<NonNull<u8>, AllocError>) {
        match (self.place(size, align), got) {
            (Ok((start, end)), Ok(ptr)) => {
                assert_eq!(ptr.as_ptr() as usize, self.base + start);
                self.allocated(end);
                let fill = self.fill();
                // SAFETY: `size` fresh bytes at `ptr`, ours.
                unsafe { ptr.as_ptr().write_bytes(fill, size) };
                self.live.push(Live {
                    addr: self.base + start,
                    ptr,
                    size,
                    align,
                    fill,
                });
            }
            (Err(expected), Err(got)) => {
                assert_eq!(got, expected);
                self.stats.failures += 1;
            }
            (expected, got) => panic!("expected {expected:?}, got {got:?}"),
        }
    }

    fn reset(&mut self) {
        self.live.clear();
        self.offset = 0;
        self.stats.used = 0;
    }

    /// One operation both the allocator and its view have, through `scratch`.
    fn step(&mut self, scratch: &mut impl Scratch, op: Op) {
        match op {
            Op::Allocate { size, align } => self.expect(size, align, scratch.allocate(size, align)),
            Op::SliceCopy { len } => {
                let src: Vec<u32> = (0..len as u32).collect();
                let got = scratch.alloc_slice_copy(&src).map(|copy| {
                    assert_eq!(copy, &src[..]);
                    NonNull::from(copy).cast::<u8>()
                });
                self.expect(len * 4, 4, got);
            }
            Op::Str { len } => {
                let src = "x".repeat(len);
                let got = scratch.alloc_str(&src).map(|copy| {
                    assert_eq!(&*copy, src.as_str());
                    NonNull::from(copy).cast::<u8>()
                });
                self.expect(len, 1, got);
            }
            Op::Value { value, with } => {
                let mut built = false;
                let got = if with {
                    scratch.alloc_with(|| {
                        built = true;
                        value
                    })
                } else {
                    built = true;
                    scratch.alloc(value).map_err(|rejected| {
                        assert_eq!(rejected.into_inner(), value, "the value comes back");
                        rejected.error()
                    })
                };
                assert!(built || got.is_err(), "built only when it fits");
                let got = got.map(|placed| {
                    assert_eq!(*placed, value);
                    NonNull::from(placed).cast::<u8>()
                });
                self.expect(8, align_of::<u64>(), got);
            }
            Op::FillWith { len } => {
                let mut calls = 0;
                let got = scratch.alloc_slice_fill_with(len, |i| {
                    calls += 1;
                    i as u16
                });
                let got = got.map(|slice| {
                    assert!(slice.iter().enumerate().all(|(i, &v)| v == i as u16));
                    NonNull::from(slice).cast::<u8>()
                });
                assert_eq!(calls, if got.is_ok() { len } else { 0 });
                self.expect(len * 2, 2, got);
            }
            Op::Reset => {
                scratch.reset();
                self.reset();
            }
            Op::Deallocate { .. } | Op::DeallocateForeign | Op::Exclusive { .. } => {
                unreachable!("not a common operation: {op:?}")
            }
        }
    }

    /// Every invariant, after every step.
    fn check(&self, scratch: &impl Scratch) {
        assert_eq!(scratch.stats(), self.stats);
        assert_eq!(scratch.used_memory(), self.offset);
        assert_eq!(scratch.total_memory(), self.len);
        assert_eq!(scratch.available_memory(), self.len - self.offset);
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for live in &self.live {
            assert!(live.addr >= self.base && live.addr + live.size <= self.base + self.len);
            assert_eq!(live.addr % live.align, 0, "misaligned: {live:?}");
            // SAFETY: the allocation is live, `size` bytes long, and only this test writes it.
            let bytes = unsafe { std::slice::from_raw_parts(live.ptr.as_ptr(), live.size) };
            assert!(
                bytes.iter().all(|&b| b == live.fill),
                "overwritten: {live:?}"
            );
            spans.push((live.addr, live.addr + live.size));
        }
        spans.sort_unstable();
        for pair in spans.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "overlap: {pair:?}");
        }
    }
}

fn run(len: usize, skew: usize, ops: Vec<Op>) {
    let mut buffer = vec![0u8; len + skew];
    let memory = &mut buffer[skew..];
    let base = memory.as_ptr() as usize;
    let mut scratch = LinearAllocator::from_slice(memory);
    let mut model = Model {
        base,
        len,
        offset: 0,
        stats: StatsSnapshot::default(),
        live: Vec::new(),
        next_fill: 0,
    };
    for op in ops {
        match op {
            Op::Deallocate { pick } => {
                if model.live.is_empty() {
                    continue;
                }
                let live = &model.live[pick % model.live.len()];
                // SAFETY: a linear allocator frees nothing by pointer; it refuses and changes nothing.
                let refused = unsafe { Allocator::deallocate(&scratch, live.ptr, live.size) };
                assert_eq!(
                    refused,
                    Err(FreeError::Unsupported {
                        strategy: AllocationStrategy::Linear
                    })
                );
                model.stats.failures += 1;
            }
            Op::DeallocateForeign => {
                let mut elsewhere = 0u64;
                let foreign = NonNull::from(&mut elsewhere).cast();
                // SAFETY: the pointer is not in the allocator's memory; it is refused.
                let refused = unsafe { Allocator::deallocate(&scratch, foreign, 8) };
                assert_eq!(refused, Err(FreeError::ForeignPointer));
                model.stats.failures += 1;
            }
            Op::Exclusive { ops, leak } => {
                let mut view = scratch.exclusive();
                model.check(&view);
                for op in ops {
                    model.step(&mut view, op);
                    model.check(&view);
                }
                if leak {
                    // The view has no `Drop` today, so leaking it must change nothing; a view that wrote its
                    // state back on drop would fail the checks that follow.
                    #[allow(clippy::forget_non_drop)]
                    mem::forget(view);
                }
            }
            common => model.step(&mut scratch, common),
        }
        model.check(&scratch);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn linear_allocator_matches_the_model(
        len in 0usize..600,
        skew in 0usize..64,
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        run(len, skew, ops);
    }
}

#[test]
fn typed_helpers_never_panic_and_give_values_back() {
    let mut buffer = [0u8; 16];
    let scratch = LinearAllocator::from_slice(&mut buffer);
    let big = [7u64; 4];
    let rejected = scratch.alloc(big).unwrap_err();
    assert!(matches!(rejected.error(), AllocError::OutOfMemory { .. }));
    assert_eq!(rejected.into_inner(), big);
    let mut built = false;
    assert!(
        scratch
            .alloc_with(|| {
                built = true;
                [0u8; 17]
            })
            .is_err()
    );
    assert!(!built, "the value is not built when it does not fit");
    let zst = scratch.alloc(()).unwrap();
    assert_eq!(*zst, ());
    assert_eq!(
        scratch.alloc_slice_fill_with(usize::MAX / 2, |_| 0u16),
        Err(AllocError::SizeOverflow)
    );
    assert_eq!(scratch.stats().failures, 3);
}

#[test]
fn a_static_allocator_is_usable_as_dyn_allocator() {
    static_allocator! {
        static SCRATCH: LinearAllocator(256, align = 64);
    }
    let allocator: &'static dyn Allocator = &SCRATCH;
    let block = allocator.allocate(10, 64).unwrap();
    assert_eq!(block.as_ptr() as usize % 64, 0);
    assert_eq!(allocator.strategy(), AllocationStrategy::Linear);
    assert_eq!(allocator.used_memory(), 10);
    assert_eq!(allocator.total_memory(), 256);
}

#[test]
fn threads_share_one_static_allocator_without_overlap() {
    static_allocator! {
        static SHARED: LinearAllocator(64 * 1024);
    }
    const THREADS: usize = 4;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|thread_id| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                barrier.wait();
                let mut mine = Vec::new();
                let mut failures = 0;
                let mut seed = thread_id as u64 * 7919 + 1;
                for _ in 0..2000 {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let size = (seed >> 33) as usize % 64;
                    let align = 1 << ((seed >> 20) as usize % 6);
                    match SHARED.allocate(size, align) {
                        Ok(ptr) => {
                            assert_eq!(ptr.as_ptr() as usize % align, 0);
                            // SAFETY: `size` fresh bytes at `ptr`, ours.
                            unsafe { ptr.as_ptr().write_bytes(thread_id as u8 + 1, size) };
                            mine.push((ptr.as_ptr() as usize, size));
                        }
                        Err(AllocError::OutOfMemory { .. }) => failures += 1,
                        Err(other) => panic!("unexpected {other:?}"),
                    }
                }
                // Every byte we were given still holds our mark: nobody else was given it.
                for &(addr, size) in &mine {
                    // SAFETY: our live allocation.
                    let bytes = unsafe { std::slice::from_raw_parts(addr as *const u8, size) };
                    assert!(bytes.iter().all(|&b| b == thread_id as u8 + 1));
                }
                (mine, failures)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut failures = 0;
    for handle in handles {
        let (mine, failed) = handle.join().unwrap();
        all.extend(mine);
        failures += failed;
    }
    let stats = SHARED.stats();
    assert_eq!(stats.allocations, all.len());
    assert_eq!(stats.failures, failures);
    assert!(failures > 0, "the test should exhaust the allocator");
    assert_eq!(stats.used, SHARED.used_memory());
    assert!(all.iter().map(|&(_, size)| size).sum::<usize>() <= stats.used);
    all.sort_unstable();
    for pair in all.windows(2) {
        assert!(pair[0].0 + pair[0].1 <= pair[1].0, "overlap: {pair:?}");
    }
}
