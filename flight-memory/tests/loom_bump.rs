//! Loom models of the lock-free parts of the bump allocators: the offset compare-and-swap of
//! `LinearAllocator` and `MemoryRegion` (with the region's roll-back racing a carve), the stack's lock flag
//! (operations and a scope from two threads), and `MallocAllocator`'s slot table. In every interleaving (up to the
//! preemption bound) no byte may be owned twice, and the counters must agree with what the threads saw.
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p flight-memory --release --test loom_bump`
#![cfg(loom)]

use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::vec::Vec;

use flight_memory::{LinearAllocator, MemoryId, MemoryRegion, StackAllocator};
use loom::thread;

const BYTES: usize = 64;

/// Memory for one execution, leaked so loom threads can borrow it for `'static`, with one ownership flag per
/// byte. The flags are plain atomics: loom runs one thread at a time, so they see every handover exactly.
struct Bytes {
    base: usize,
    owned: [AtomicBool; BYTES],
}

impl Bytes {
    fn new() -> (&'static mut [u8], &'static Self) {
        let memory: &'static mut [u8] = Box::leak(vec![0u8; BYTES].into_boxed_slice());
        let bytes = Box::leak(Box::new(Bytes {
            base: memory.as_ptr() as usize,
            owned: [const { AtomicBool::new(false) }; BYTES],
        }));
        (memory, bytes)
    }

    /// Takes ownership of `len` bytes at `ptr`; panics if any is owned already.
    fn take(&self, ptr: NonNull<u8>, len: usize) {
        let start = ptr.as_ptr() as usize - self.base;
        for flag in &self.owned[start..start + len] {
            assert!(!flag.swap(true, Ordering::Relaxed), "byte handed out twice");
        }
    }

    fn give(&self, ptr: NonNull<u8>, len: usize) {
        let start = ptr.as_ptr() as usize - self.base;
        for flag in &self.owned[start..start + len] {
            assert!(flag.swap(false, Ordering::Relaxed), "byte given back twice");
        }
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

#[test]
fn linear_allocations_from_two_threads_never_overlap() {
    model(|| {
        let (memory, bytes) = Bytes::new();
        let scratch: &'static LinearAllocator<'static> =
            Box::leak(Box::new(LinearAllocator::from_slice(memory)));
        let worker = thread::spawn(move || {
            let mut got = 0;
            for (size, align) in [(5, 1), (8, 8)] {
                if let Ok(ptr) = scratch.allocate(size, align) {
                    bytes.take(ptr, size);
                    got += 1;
                }
            }
            got
        });
        let mut got = 0;
        for (size, align) in [(7, 4), (16, 16)] {
            if let Ok(ptr) = scratch.allocate(size, align) {
                bytes.take(ptr, size);
                got += 1;
            }
        }
        got += worker.join().unwrap();
        let stats = scratch.stats();
        assert_eq!(stats.allocations, got);
        assert_eq!(stats.used, scratch.used_memory());
        assert!(scratch.used_memory() <= BYTES);
    });
}

#[test]
fn region_roll_back_races_a_carve_safely() {
    model(|| {
        let (memory, bytes) = Bytes::new();
        let region: &'static MemoryRegion<'static> = Box::leak(Box::new(
            MemoryRegion::from_slice("loom", memory).with_block_align::<8>(),
        ));
        let worker = thread::spawn(move || {
            let block = region.allocate(MemoryId(1), 16, 8).unwrap();
            bytes.take(block.as_ptr(), 16);
            let ptr = block.as_ptr();
            bytes.give(ptr, 16);
            match region.deallocate(MemoryId(1), block) {
                Ok(()) => true,
                Err(_) => {
                    // Refused (a newer block exists): the bytes stay reserved, so nobody else may get them.
                    bytes.take(ptr, 16);
                    false
                }
            }
        });
        let block = region.allocate(MemoryId(2), 8, 8).unwrap();
        bytes.take(block.as_ptr(), 8);
        let rolled_back = worker.join().unwrap();
        let stats = region.stats();
        assert_eq!(stats.allocations, 2);
        assert_eq!(stats.frees, usize::from(rolled_back));
        assert_eq!(region.used_memory(), if rolled_back { 8 } else { 24 });
        assert_eq!(stats.used, region.used_memory());
        drop(block);
    });
}

#[test]
fn the_stack_serves_one_thread_at_a_time() {
    model(|| {
        let (memory, bytes) = Bytes::new();
        let stack: &'static StackAllocator<'static> =
            Box::leak(Box::new(StackAllocator::from_slice(memory)));
        let worker = thread::spawn(move || {
            let mut kept = Vec::new();
            if let Ok(ptr) = stack.allocate(4, 4) {
                bytes.take(ptr, 4);
                bytes.give(ptr, 4);
                // SAFETY: `ptr` is this thread's live allocation, given back once (kept if refused).
                if unsafe { stack.deallocate(ptr, 4) }.is_err() {
                    bytes.take(ptr, 4);
                    kept.push(ptr.as_ptr() as usize);
                }
            }
            kept
        });
        let mut kept = Vec::new();
        let _ = stack.try_scope(|frame| {
            if let Ok(ptr) = frame.allocate(8, 8) {
                bytes.take(ptr, 8);
                bytes.give(ptr, 8); // released when the frame ends
            }
        });
        if let Ok(ptr) = stack.allocate(4, 4) {
            bytes.take(ptr, 4);
            kept.push(ptr.as_ptr() as usize);
        }
        kept.extend(worker.join().unwrap());
        // Whatever is left goes back newest (highest) first, and the stack is empty again.
        kept.sort_unstable();
        for &addr in kept.iter().rev() {
            let ptr = NonNull::new(addr as *mut u8).unwrap();
            // SAFETY: every kept address is a live allocation of `stack`, given back once, newest first.
            unsafe { stack.deallocate(ptr, 4) }.unwrap();
        }
        assert_eq!((stack.used_memory(), stack.depth()), (0, 0));
        let stats = stack.stats();
        assert_eq!(stats.allocations, stats.frees);
    });
}

#[cfg(feature = "alloc")]
#[test]
fn the_heap_slot_table_never_loses_or_doubles_a_block() {
    use flight_memory::MallocAllocator;

    model(|| {
        let heap: &'static MallocAllocator<2> = Box::leak(Box::new(MallocAllocator::with_slots()));
        let worker = thread::spawn(move || {
            let block = heap.allocate(MemoryId(1), 8, 8);
            block.map(|block| heap.deallocate(MemoryId(1), block).is_ok())
        });
        let first = heap.allocate(MemoryId(2), 8, 8).unwrap();
        let second = heap.allocate(MemoryId(2), 8, 8);
        let worker = worker.join().unwrap();
        // Two slots: of the three requests, at most two were live at once.
        if let Ok(freed) = worker {
            assert!(freed);
        }
        heap.deallocate(MemoryId(2), first).unwrap();
        if let Ok(second) = second {
            heap.deallocate(MemoryId(2), second).unwrap();
        }
        assert_eq!(heap.live_blocks(), 0);
        let stats = heap.stats();
        assert_eq!(stats.allocations, stats.frees);
        assert_eq!(stats.used, 0);
    });
}
