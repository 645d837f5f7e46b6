//! `BufferManager` allocate + deallocate with 16, 256, 1,024, 16,384 and 65,536 buffers, against a baseline that
//! does what F´'s `Svc::BufferManager` documents: a first-fit linear scan over every buffer's record for the
//! first one that is free and whose bin size fits, under the manager's mutex; the return goes straight to the
//! record named by the buffer's id.
//!
//! Both managers have four bins of equal count (64, 128, 256 and 512 bytes, declared smallest first, which is
//! what makes F´'s first fit a smallest fit), and both run in the steady state of a manager in flight: the first
//! half of every bin is allocated before the measurement and stays allocated. One iteration asks once for each bin
//! (60, 120, 250 and 500 bytes) and gives each buffer back, so the scan walks past the taken half of the bin it
//! lands in and past every smaller bin: half the records on average. Criterion reports one iteration; BENCHMARKS.md
//! divides it by the four pairs.
//!
//! The baseline is not sandbagged: its records are 32 bytes (F´'s are larger: its `Fw::Buffer` carries a
//! serialisation buffer), it keeps F´'s counters (current, high-water, failures), and the return is O(1) as in F´.
//! `fprime_scan` takes a `std::sync::Mutex` around each call as F´ does with its `Os::Mutex`;
//! `fprime_scan_unlocked` is the same scan with no lock, a lower bound for the baseline.
//!
//! ```text
//! cargo bench -p flight-memory --bench buffer_manager
//! ```
//!
//! The figures are in BENCHMARKS.md at the root of the workspace.

// `criterion_group!` declares a public function without documentation.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Mutex;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use flight_memory::{Buffer, BufferManager, BufferState, buffer_manager};

#[path = "common/fprime_scan.rs"]
mod fprime_scan;
use fprime_scan::{BIN_SIZES, REQUESTS, ScanManager};

buffer_manager! {
    static BM_16: id 1, bins [64 x 4, 128 x 4, 256 x 4, 512 x 4];
    static BM_256: id 2, bins [64 x 64, 128 x 64, 256 x 64, 512 x 64];
    static BM_1024: id 3, bins [64 x 256, 128 x 256, 256 x 256, 512 x 256];
    static BM_16384: id 4, bins [64 x 4096, 128 x 4096, 256 x 4096, 512 x 4096];
    static BM_65536: id 5, bins [64 x 16384, 128 x 16384, 256 x 16384, 512 x 16384];
}

/// Takes the first half of every bin of `manager` and keeps it for the life of the bench.
fn hold_half(manager: &'static BufferManager<'static>) -> Vec<Buffer<'static>> {
    let per_bin = manager.total_buffs() / BIN_SIZES.len();
    let mut held = Vec::new();
    for request in REQUESTS {
        for _ in 0..per_bin / 2 {
            held.push(manager.allocate(request).expect("prefill"));
        }
    }
    held
}

/// Prints the managers' metadata: the state (free lists, links, tags, counters) per buffer. The manager value
/// itself (a few words: id, slices, counters) is one per manager, not per buffer.
fn print_metadata() {
    fn line<const N: usize>() {
        let bytes = size_of::<BufferState<4, N>>();
        eprintln!(
            "metadata: BufferState<4 bins, {N} buffers>: {bytes} bytes = {:.3} bytes per buffer",
            bytes as f64 / N as f64
        );
    }
    line::<16>();
    line::<1024>();
    line::<65536>();
    eprintln!(
        "metadata: BufferManager value: {} bytes per manager",
        size_of::<BufferManager<'static>>()
    );
}

fn buffer_managers(c: &mut Criterion) {
    print_metadata();
    let managers: [&'static BufferManager<'static>; 5] =
        [&BM_16, &BM_256, &BM_1024, &BM_16384, &BM_65536];
    let mut group = c.benchmark_group("buffer_manager");
    group.throughput(Throughput::Elements(REQUESTS.len() as u64));
    for manager in managers {
        let buffers = manager.total_buffs();
        let _held = hold_half(manager);
        group.bench_function(BenchmarkId::new("buffer_manager", buffers), |b| {
            b.iter(|| {
                for request in REQUESTS {
                    let buffer = manager.allocate(black_box(request)).expect("no buffer");
                    black_box(&buffer);
                    manager.deallocate(buffer).expect("return refused");
                }
            })
        });

        let per_bin = buffers / BIN_SIZES.len();
        let scan = Mutex::new(ScanManager::new(per_bin));
        for request in REQUESTS {
            for _ in 0..per_bin / 2 {
                let buffer = scan.lock().expect("poisoned").get(request);
                assert!(!buffer.data.is_null(), "prefill");
            }
        }
        group.bench_function(BenchmarkId::new("fprime_scan", buffers), |b| {
            b.iter(|| {
                for request in REQUESTS {
                    let buffer = scan.lock().expect("poisoned").get(black_box(request));
                    black_box(&buffer);
                    scan.lock().expect("poisoned").give_back(buffer);
                }
            })
        });
        let mut unlocked = scan.into_inner().expect("poisoned");
        group.bench_function(BenchmarkId::new("fprime_scan_unlocked", buffers), |b| {
            b.iter(|| {
                for request in REQUESTS {
                    let buffer = unlocked.get(black_box(request));
                    black_box(&buffer);
                    unlocked.give_back(buffer);
                }
            })
        });
        assert_eq!(
            (unlocked.curr_buffs as usize, unlocked.no_buffs),
            (buffers / 2, 0)
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = buffer_managers
}
criterion_main!(benches);
