//! Bump allocation: a batch of `u64` values and a batch of 256-byte slices, then a reset, with
//! `LinearAllocator` shared (`linear_allocator`: a compare-and-swap and a counter add per allocation), with its
//! exclusive view (`exclusive`: `LinearAllocator::exclusive`, plain loads and stores, the view taken once per
//! measurement and reset inside it), and with bumpalo. Every allocator gets room for the whole batch up front
//! (bumpalo through `with_capacity`), so none grows during the measurement; the reset is part of every batch.
//!
//! ```text
//! cargo bench -p flight-memory --bench linear
//! ```
//!
//! Criterion reports the time of one batch; BENCHMARKS.md divides it by the batch size. The figures are in
//! BENCHMARKS.md at the root of the workspace.

// `criterion_group!` declares a public function without documentation.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use bumpalo::Bump;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flight_memory::LinearAllocator;

/// `u64` values per batch.
const VALUES: usize = 1024;
/// 256-byte slices per batch.
const SLICES: usize = 256;
const SLICE: [u8; 256] = [0x5a; 256];
/// Room for either batch, alignment padding included.
const ARENA: usize = 128 * 1024;

fn linear(c: &mut Criterion) {
    let mut group = c.benchmark_group("linear/u64");
    group.throughput(Throughput::Elements(VALUES as u64));
    let mut bytes = vec![0u8; ARENA];
    let mut scratch = LinearAllocator::from_slice(&mut bytes);
    group.bench_function("linear_allocator", |b| {
        b.iter(|| {
            for i in 0..VALUES as u64 {
                let value = scratch.alloc(black_box(i)).expect("arena full");
                black_box(value);
            }
            scratch.reset();
        })
    });
    group.bench_function("exclusive", |b| {
        let mut view = scratch.exclusive();
        b.iter(|| {
            for i in 0..VALUES as u64 {
                let value = view.alloc(black_box(i)).expect("arena full");
                black_box(value);
            }
            view.reset();
        })
    });
    let mut bump = Bump::with_capacity(ARENA);
    group.bench_function("bumpalo", |b| {
        b.iter(|| {
            for i in 0..VALUES as u64 {
                let value = bump.alloc(black_box(i));
                black_box(value);
            }
            bump.reset();
        })
    });
    group.finish();

    let mut group = c.benchmark_group("linear/slice256");
    group.throughput(Throughput::Elements(SLICES as u64));
    group.bench_function("linear_allocator", |b| {
        b.iter(|| {
            for _ in 0..SLICES {
                let slice = scratch
                    .alloc_slice_copy(black_box(&SLICE[..]))
                    .expect("arena full");
                black_box(slice);
            }
            scratch.reset();
        })
    });
    group.bench_function("exclusive", |b| {
        let mut view = scratch.exclusive();
        b.iter(|| {
            for _ in 0..SLICES {
                let slice = view
                    .alloc_slice_copy(black_box(&SLICE[..]))
                    .expect("arena full");
                black_box(slice);
            }
            view.reset();
        })
    });
    group.bench_function("bumpalo", |b| {
        b.iter(|| {
            for _ in 0..SLICES {
                let slice = bump.alloc_slice_copy(black_box(&SLICE[..]));
                black_box(slice);
            }
            bump.reset();
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(60)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = linear
}
criterion_main!(benches);
