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

/// The bin sizes, smallest first, and the request that lands in each.
const BIN_SIZES: [usize; 4] = [64, 128, 256, 512];
const REQUESTS: [usize; 4] = [60, 120, 250, 500];

buffer_manager! {
    static BM_16: id 1, bins [64 x 4, 128 x 4, 256 x 4, 512 x 4];
    static BM_256: id 2, bins [64 x 64, 128 x 64, 256 x 64, 512 x 64];
    static BM_1024: id 3, bins [64 x 256, 128 x 256, 256 x 256, 512 x 256];
    static BM_16384: id 4, bins [64 x 4096, 128 x 4096, 256 x 4096, 512 x 4096];
    static BM_65536: id 5, bins [64 x 16384, 128 x 16384, 256 x 16384, 512 x 16384];
}

/// The buffer a component gets from the baseline: F´'s `Fw::Buffer` (data, size, and the context that holds
/// the record's index).
#[derive(Clone, Copy, Debug)]
struct ScanBuffer {
    data: *mut u8,
    size: u32,
    context: u32,
}

impl ScanBuffer {
    const EMPTY: ScanBuffer = ScanBuffer {
        data: std::ptr::null_mut(),
        size: 0,
        context: 0,
    };
}

/// One record per buffer, as F´ keeps them: the buffer handed out, its memory and bin size, and whether it is
/// allocated.
#[derive(Debug)]
struct Record {
    buffer: ScanBuffer,
    memory: *mut u8,
    size: u32,
    allocated: bool,
}

/// The baseline: F´'s algorithm. Records are laid out bin after bin in declaration order.
#[derive(Debug)]
struct ScanManager {
    records: Vec<Record>,
    curr_buffs: u32,
    hi_buffs: u32,
    no_buffs: u32,
    /// The buffers' bytes, carved bin after bin as F´ carves its allocator's block.
    _storage: Vec<u8>,
}

impl ScanManager {
    fn new(per_bin: usize) -> Self {
        let total: usize = BIN_SIZES.iter().map(|size| size * per_bin).sum();
        let mut storage = vec![0u8; total];
        let base = storage.as_mut_ptr();
        let mut records = Vec::with_capacity(per_bin * BIN_SIZES.len());
        let mut offset = 0;
        for size in BIN_SIZES {
            for _ in 0..per_bin {
                let memory = base.wrapping_add(offset);
                let context = records.len() as u32;
                records.push(Record {
                    buffer: ScanBuffer {
                        data: memory,
                        size: size as u32,
                        context,
                    },
                    memory,
                    size: size as u32,
                    allocated: false,
                });
                offset += size;
            }
        }
        ScanManager {
            records,
            curr_buffs: 0,
            hi_buffs: 0,
            no_buffs: 0,
            _storage: storage,
        }
    }

    /// F´'s `bufferGet`: the first record that is free and big enough, else an empty buffer and a failure count.
    #[inline(never)]
    fn get(&mut self, size: usize) -> ScanBuffer {
        for record in &mut self.records {
            if !record.allocated && size <= record.size as usize {
                record.allocated = true;
                self.curr_buffs += 1;
                self.hi_buffs = self.hi_buffs.max(self.curr_buffs);
                let mut buffer = record.buffer;
                buffer.size = size as u32;
                return buffer;
            }
        }
        self.no_buffs += 1;
        ScanBuffer::EMPTY
    }

    /// F´'s `bufferSendIn`: the record named by the buffer's context, checked, marked free.
    #[inline(never)]
    fn give_back(&mut self, buffer: ScanBuffer) {
        let record = self
            .records
            .get_mut(buffer.context as usize)
            .expect("buffer id out of range");
        assert!(record.allocated, "buffer returned twice");
        assert_eq!(
            record.memory, buffer.data,
            "buffer memory does not match its id"
        );
        record.allocated = false;
        self.curr_buffs -= 1;
    }
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
