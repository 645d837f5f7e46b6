//! The operations whose instruction counts BENCHMARKS.md reports, each run `N` times inside one function,
//! `fm_counted_loop`, so that callgrind can count only that function and what it calls
//! (`--toggle-collect=*fm_counted_loop*`). `benches/instructions.py` runs every operation at `N` and `2N` and
//! takes `(Ir(2N) - Ir(N)) / N`, which cancels the loop's entry and exit and any first-use cost.
//!
//! ```text
//! python3 flight-memory/benches/instructions.py     # builds this bench, runs it under valgrind, prints the table
//! target/release/deps/instructions-HASH OPERATION N     # one operation, as the script runs it
//! ```
//!
//! Setup (filling half of every BufferManager bin, giving heapless its blocks, ...) happens before the counted
//! loop. Without arguments (as `cargo bench` runs it) the binary lists the operations and exits.

// A bench binary: its items are not a public API.
#![allow(missing_docs)]

use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;

use flight_memory::{
    Allocator, BufferManager, LinearAllocator, MemoryPool, StackAllocator, TypedPool,
    buffer_manager,
};
use heapless09::box_pool;
use heapless09::pool::boxed::BoxBlock;

#[path = "common/fprime_scan.rs"]
mod fprime_scan;
use fprime_scan::{BIN_SIZES, REQUESTS, ScanManager};

/// Blocks in every pool: more than a pair ever holds at once, as in a real pool.
const BLOCKS: usize = 1024;
/// Bytes for the linear and stack arenas: room for the largest `2N` used by the script without a reset.
const ARENA: usize = 1 << 20;
/// Allocations per stack batch.
const BATCH: usize = 16;

static POOL_64: MemoryPool<64, BLOCKS> = MemoryPool::new();
static TYPED_64: TypedPool<[u8; 64], BLOCKS> = TypedPool::new();
box_pool!(Heapless64: [u8; 64]);

buffer_manager! {
    static BM_16: id 1, bins [64 x 4, 128 x 4, 256 x 4, 512 x 4];
    static BM_1024: id 2, bins [64 x 256, 128 x 256, 256 x 256, 512 x 256];
    static BM_65536: id 3, bins [64 x 16384, 128 x 16384, 256 x 16384, 512 x 16384];
    // Each bin a little above its request and below its power of two, so that no bin fills its size class:
    // every request is compared with its bin's size before the pop.
    static BM_16_BETWEEN: id 4, bins [61 x 4, 121 x 4, 251 x 4, 501 x 4];
}

/// The counted region: `op` run `n` times. Never inlined, so callgrind sees it as one function.
#[inline(never)]
fn fm_counted_loop(n: u64, mut op: impl FnMut()) {
    for _ in 0..n {
        op();
    }
}

/// One allocate + deallocate of each bin (iteration ÷ 4 in the table), with half of every bin held.
fn buffer_manager_pairs(manager: &'static BufferManager<'static>, n: u64) {
    let per_bin = manager.total_buffs() / BIN_SIZES.len();
    let mut held = Vec::new();
    for request in REQUESTS {
        for _ in 0..per_bin / 2 {
            held.push(manager.allocate(request).expect("prefill"));
        }
    }
    fm_counted_loop(n, || {
        for request in REQUESTS {
            let buffer = manager.allocate(black_box(request)).expect("no buffer");
            black_box(&buffer);
            manager.deallocate(buffer).expect("return refused");
        }
    });
    drop(held);
}

/// The same with F´'s first-fit scan, no lock.
fn scan_pairs(buffers: usize, n: u64) {
    let per_bin = buffers / BIN_SIZES.len();
    let mut scan = ScanManager::new(per_bin);
    scan.hold_first_half_of_each_bin();
    fm_counted_loop(n, || {
        for request in REQUESTS {
            let buffer = scan.get(black_box(request));
            black_box(&buffer);
            scan.give_back(buffer);
        }
    });
}

/// A pair from an `embedded-alloc` heap over `ARENA` leaked bytes.
fn embedded_alloc_pairs(heap: &impl GlobalAlloc, n: u64) {
    let layout = Layout::new::<[u8; 64]>();
    fm_counted_loop(n, || {
        // SAFETY: the layout has a non-zero size; the pointer is given back with the same layout, once.
        unsafe {
            let ptr = heap.alloc(black_box(layout));
            assert!(!ptr.is_null(), "heap exhausted");
            heap.dealloc(black_box(ptr), layout);
        }
    });
}

fn run(operation: &str, n: u64) -> Result<(), String> {
    match operation {
        "pool_handle" => fm_counted_loop(n, || {
            let block = POOL_64.allocate().expect("pool exhausted");
            black_box(&block);
        }),
        "pool_raw" => fm_counted_loop(n, || {
            let ptr = Allocator::allocate(&POOL_64, 64, 8).expect("pool exhausted");
            // SAFETY: `ptr` came from this pool just above and is freed once, here.
            unsafe { POOL_64.deallocate_raw(black_box(ptr)) }.expect("raw free refused");
        }),
        "typed_pool" => fm_counted_loop(n, || {
            let boxed = TYPED_64
                .alloc(black_box([0u8; 64]))
                .expect("pool exhausted");
            black_box(&boxed);
        }),
        "heapless_box_pool" => {
            let blocks: &'static mut [BoxBlock<[u8; 64]>] =
                Vec::leak((0..BLOCKS).map(|_| BoxBlock::new()).collect());
            for block in blocks {
                Heapless64.manage(block);
            }
            fm_counted_loop(n, || {
                let boxed = Heapless64
                    .alloc(black_box([0u8; 64]))
                    .expect("pool exhausted");
                black_box(&boxed);
            });
        }
        "glibc_box" => fm_counted_loop(n, || {
            let boxed = Box::new(black_box([0u8; 64]));
            black_box(&boxed);
        }),
        "embedded_alloc_llff" => {
            let heap = embedded_alloc::LlffHeap::empty();
            let arena: &'static mut [u8] = Vec::leak(vec![0u8; ARENA]);
            // SAFETY: the arena is leaked, so it is valid for the rest of the program and used by this heap only.
            unsafe { heap.init(arena.as_mut_ptr() as usize, arena.len()) };
            embedded_alloc_pairs(&heap, n);
        }
        "embedded_alloc_tlsf" => {
            let heap = embedded_alloc::TlsfHeap::empty();
            let arena: &'static mut [u8] = Vec::leak(vec![0u8; ARENA]);
            // SAFETY: as above.
            unsafe { heap.init(arena.as_mut_ptr() as usize, arena.len()) };
            embedded_alloc_pairs(&heap, n);
        }
        "buffer_manager_16" => buffer_manager_pairs(&BM_16, n),
        "buffer_manager_1024" => buffer_manager_pairs(&BM_1024, n),
        "buffer_manager_65536" => buffer_manager_pairs(&BM_65536, n),
        "buffer_manager_16_between" => buffer_manager_pairs(&BM_16_BETWEEN, n),
        "fprime_scan_16" => scan_pairs(16, n),
        "fprime_scan_1024" => scan_pairs(1024, n),
        "fprime_scan_65536" => scan_pairs(65536, n),
        "linear_shared" => {
            let mut bytes = vec![0u8; ARENA];
            let linear = LinearAllocator::from_slice(&mut bytes);
            let mut i = 0u64;
            fm_counted_loop(n, || {
                i += 1;
                black_box(linear.alloc(black_box(i)).expect("arena full"));
            });
        }
        "linear_exclusive" => {
            let mut bytes = vec![0u8; ARENA];
            let mut linear = LinearAllocator::from_slice(&mut bytes);
            let view = linear.exclusive();
            let mut i = 0u64;
            fm_counted_loop(n, || {
                i += 1;
                black_box(view.alloc(black_box(i)).expect("arena full"));
            });
        }
        "bumpalo" => {
            let bump = bumpalo::Bump::with_capacity(ARENA);
            let mut i = 0u64;
            fm_counted_loop(n, || {
                i += 1;
                black_box(bump.alloc(black_box(i)));
            });
        }
        "stack_marker" => {
            let mut bytes = vec![0u8; ARENA];
            let stack = StackAllocator::from_slice(&mut bytes);
            fm_counted_loop(n, || {
                let marker = stack.marker();
                for _ in 0..BATCH {
                    black_box(stack.allocate(black_box(64), 8).expect("stack full"));
                }
                stack.free_to_marker(marker).expect("marker refused");
            });
        }
        "stack_exclusive_marker" => {
            let mut bytes = vec![0u8; ARENA];
            let mut stack = StackAllocator::from_slice(&mut bytes);
            let mut view = stack.exclusive();
            fm_counted_loop(n, || {
                let marker = view.marker();
                for _ in 0..BATCH {
                    black_box(view.allocate(black_box(64), 8).expect("stack full"));
                }
                view.free_to_marker(marker).expect("marker refused");
            });
        }
        "bump_scope_checkpoint" => {
            let bump: bump_scope::Bump = bump_scope::Bump::with_size(ARENA);
            fm_counted_loop(n, || {
                let checkpoint = bump.checkpoint();
                for _ in 0..BATCH {
                    black_box(bump.alloc_uninit_slice::<u8>(black_box(64)));
                }
                // SAFETY: the checkpoint was taken from this bump just above, which has not been reset since, and
                // nothing allocated after it is used again.
                unsafe { bump.reset_to(checkpoint) };
            });
        }
        _ => return Err(format!("unknown operation `{operation}`")),
    }
    Ok(())
}

/// Every operation `run` knows, in the order of the table.
const OPERATIONS: &[&str] = &[
    "pool_handle",
    "pool_raw",
    "typed_pool",
    "heapless_box_pool",
    "glibc_box",
    "embedded_alloc_llff",
    "embedded_alloc_tlsf",
    "buffer_manager_16",
    "buffer_manager_1024",
    "buffer_manager_65536",
    "buffer_manager_16_between",
    "fprime_scan_16",
    "fprime_scan_1024",
    "fprime_scan_65536",
    "linear_exclusive",
    "linear_shared",
    "bumpalo",
    "stack_marker",
    "stack_exclusive_marker",
    "bump_scope_checkpoint",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(operation), Some(n)) = (args.first(), args.get(1)) else {
        // `cargo bench` runs every bench binary with `--bench`: nothing to measure without valgrind.
        println!("operations: {}", OPERATIONS.join(" "));
        println!("usage: instructions OPERATION N; see benches/instructions.py");
        return;
    };
    let Ok(n) = n.parse::<u64>() else {
        eprintln!("N must be a whole number, not `{n}`");
        std::process::exit(2);
    };
    if let Err(message) = run(operation, n) {
        eprintln!("{message}; known: {}", OPERATIONS.join(" "));
        std::process::exit(2);
    }
}
