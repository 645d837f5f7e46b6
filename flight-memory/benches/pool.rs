//! Fixed-size blocks: one allocate + free pair of a 64-byte and of a 256-byte block, from one thread and from two
//! threads contending for the same pool.
//!
//! * `MemoryPool` untyped: the owning handle (`allocate`, drop) and the raw form (`Allocator::allocate`,
//!   `deallocate_raw`, which validates the pointer and zeroes the block);
//! * `TypedPool<[u8; N]>`: `alloc(value)`, drop;
//! * heapless 0.9 `BoxPool` (`box_pool!`, blocks given with `manage` once at start): `alloc(value)`, drop;
//! * `Box<[u8; N]>` on the system allocator;
//! * a `MemoryPool` of 100,000 blocks (handle only): above 65,533 blocks the free list counts frees in a
//!   separate counter instead of its head word.
//!
//! The contended form runs the same pair on two threads at once, each doing as many pairs as criterion asks for,
//! and reports the wall time from a common start to the last thread's end: a figure per pair per thread,
//! comparable with the one-thread figure (equal when the threads do not slow each other down).
//!
//! ```text
//! cargo bench -p flight-memory --bench pool
//! ```
//!
//! The figures are in BENCHMARKS.md at the root of the workspace.

// `criterion_group!` declares a public function without documentation.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime,
};
use flight_memory::{Allocator, MemoryPool, PoolBlocks, TypedPool};
use heapless09::box_pool;
use heapless09::pool::boxed::BoxBlock;

/// Blocks in every pool: more than the pairs ever hold at once (two), as in a real pool.
const BLOCKS: usize = 1024;

/// Blocks in the large pool: more than the 65,533 whose counts fit in the free list's head word, so each of its
/// frees also adds to a counter.
const LARGE_BLOCKS: usize = 100_000;

static POOL_64: MemoryPool<64, BLOCKS> = MemoryPool::new();
static POOL_64_LARGE: MemoryPool<64, LARGE_BLOCKS> = MemoryPool::new();
static POOL_256: MemoryPool<256, BLOCKS> = MemoryPool::new();
static TYPED_64: TypedPool<[u8; 64], BLOCKS> = TypedPool::new();
static TYPED_256: TypedPool<[u8; 256], BLOCKS> = TypedPool::new();

box_pool!(Heapless64: [u8; 64]);
box_pool!(Heapless256: [u8; 256]);

/// Gives heapless's pools their blocks, once: `BLOCKS` blocks each, as 'static memory (leaked, so no
/// `static mut` is needed).
fn manage_heapless_blocks() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let blocks: &'static mut [BoxBlock<[u8; 64]>] =
            Vec::leak((0..BLOCKS).map(|_| BoxBlock::new()).collect());
        for block in blocks {
            Heapless64.manage(block);
        }
        let blocks: &'static mut [BoxBlock<[u8; 256]>] =
            Vec::leak((0..BLOCKS).map(|_| BoxBlock::new()).collect());
        for block in blocks {
            Heapless256.manage(block);
        }
    });
}

/// Runs `pair` `iters` times on each of two threads started together; the wall time from the start to the end
/// of the slower thread.
fn contended(iters: u64, pair: impl Fn() + Sync) -> Duration {
    const THREADS: usize = 2;
    let barrier = Barrier::new(THREADS);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        pair();
                    }
                    (start, Instant::now())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("bench thread panicked"))
            .collect()
    });
    let start = spans.iter().map(|span| span.0).min();
    let end = spans.iter().map(|span| span.1).max();
    match (start, end) {
        (Some(start), Some(end)) => end.duration_since(start),
        _ => Duration::ZERO,
    }
}

/// Registers one pair under `name`, run once from one thread (`1t/...`) and from two threads (`2t/...`).
fn pair(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, pair: impl Fn() + Sync) {
    group.bench_function(format!("1t/{name}"), |b| b.iter(&pair));
    group.bench_function(format!("2t/{name}"), |b| {
        b.iter_custom(|iters| contended(iters, &pair))
    });
}

macro_rules! pool_pairs {
    ($c:expr, $size:literal, $pool:expr, $typed:expr, $heapless:expr) => {{
        let mut group = $c.benchmark_group(concat!("pool/", $size, "B"));
        pair(&mut group, "memory_pool_handle", || {
            let block = $pool.allocate().expect("pool exhausted");
            black_box(&block);
        });
        pair(&mut group, "memory_pool_raw", || {
            let ptr = Allocator::allocate(&$pool, $size, 8).expect("pool exhausted");
            // SAFETY: `ptr` was just allocated from this pool as a raw pointer and is given back once.
            unsafe { $pool.deallocate_raw(black_box(ptr)) }.expect("raw free refused");
        });
        pair(&mut group, "typed_pool", || {
            let boxed = $typed
                .alloc(black_box([0u8; $size]))
                .map_err(|rejected| rejected.error())
                .expect("typed pool exhausted");
            black_box(&boxed);
        });
        pair(&mut group, "heapless_box_pool", || {
            let boxed = $heapless
                .alloc(black_box([0u8; $size]))
                .expect("heapless pool exhausted");
            black_box(&boxed);
        });
        pair(&mut group, "system_box", || {
            let boxed = Box::new(black_box([0u8; $size]));
            black_box(&boxed);
        });
        group.finish();
    }};
}

/// Prints the pools' metadata: every byte of a pool that is not block storage, per block.
fn print_metadata() {
    let untyped = size_of::<MemoryPool<64, BLOCKS>>() - size_of::<PoolBlocks<64, BLOCKS>>();
    let typed = size_of::<TypedPool<[u8; 64], BLOCKS>>() - size_of::<[[u8; 64]; BLOCKS]>();
    for (name, bytes) in [
        ("MemoryPool<64, 1024>", untyped),
        ("TypedPool<[u8; 64], 1024>", typed),
    ] {
        eprintln!(
            "metadata: {name}: {bytes} bytes = {:.3} bytes per block ({} per block + {} per pool)",
            bytes as f64 / BLOCKS as f64,
            bytes / BLOCKS,
            bytes % BLOCKS,
        );
    }
}

fn pools(c: &mut Criterion) {
    print_metadata();
    manage_heapless_blocks();
    pool_pairs!(c, 64, POOL_64, TYPED_64, Heapless64);
    pool_pairs!(c, 256, POOL_256, TYPED_256, Heapless256);
    let mut group = c.benchmark_group("pool/64B_large");
    pair(&mut group, "memory_pool_handle", || {
        let block = POOL_64_LARGE.allocate().expect("pool exhausted");
        black_box(&block);
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(60)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = pools
}
criterion_main!(benches);
