//! LIFO scratch: a batch of 16 allocations of 64 bytes, then everything freed back to where the batch started.
//! `StackAllocator` against bump-scope, which has checkpoints and scopes (bumpalo has neither).
//!
//! * `marker`: `StackAllocator::marker`, 16 × `allocate(64, 8)`, `free_to_marker` (each raw allocation is
//!   locked, recorded, and validated on the way back) vs bump-scope's `checkpoint`, 16 uninitialised slices,
//!   `reset_to`;
//! * `scope`: `StackAllocator::scope` with 16 × `alloc_slice_copy` of 64 bytes in the frame vs bump-scope's
//!   `scoped` with the same.
//!
//! ```text
//! cargo bench -p flight-memory --bench stack
//! ```
//!
//! Criterion reports the time of one batch. The figures are in BENCHMARKS.md at the root of the workspace.

// `criterion_group!` declares a public function without documentation.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use bump_scope::Bump;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flight_memory::StackAllocator;

/// Allocations per batch.
const BATCH: usize = 16;
const BLOCK: [u8; 64] = [0x5a; 64];
const ARENA: usize = 64 * 1024;

fn stack(c: &mut Criterion) {
    let mut bytes = vec![0u8; ARENA];
    let mut stack = StackAllocator::from_slice(&mut bytes);
    let mut bump: Bump = Bump::with_size(ARENA);

    let mut group = c.benchmark_group("stack/marker");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("stack_allocator", |b| {
        b.iter(|| {
            let marker = stack.marker();
            for _ in 0..BATCH {
                black_box(stack.allocate(black_box(64), 8).expect("stack full"));
            }
            stack.free_to_marker(marker).expect("marker refused");
        })
    });
    group.bench_function("bump_scope_checkpoint", |b| {
        b.iter(|| {
            let checkpoint = bump.checkpoint();
            for _ in 0..BATCH {
                black_box(bump.alloc_uninit_slice::<u8>(black_box(64)));
            }
            // SAFETY: the checkpoint was taken from this bump just above, which has not been reset or claimed
            // since, and the slices allocated after it were dropped in the loop.
            unsafe { bump.reset_to(checkpoint) };
        })
    });
    group.finish();

    let mut group = c.benchmark_group("stack/scope");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("stack_allocator", |b| {
        b.iter(|| {
            stack.scope(|frame| {
                for _ in 0..BATCH {
                    black_box(
                        frame
                            .alloc_slice_copy(black_box(&BLOCK[..]))
                            .expect("stack full"),
                    );
                }
            })
        })
    });
    group.bench_function("bump_scope_scoped", |b| {
        b.iter(|| {
            bump.scoped(|scope| {
                for _ in 0..BATCH {
                    black_box(scope.alloc_slice_copy(black_box(&BLOCK[..])));
                }
            })
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
    targets = stack
}
criterion_main!(benches);
