//! Loom models of the pools' lock-free free list: every interleaving (up to the preemption bound) of a few
//! threads allocating and freeing, including the ABA interleaving (a thread reads the head, is preempted while
//! another pops two blocks and pushes the first back, then tries its swap). In each, no block may be owned twice
//! and every block must be back at the end.
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p flight-memory --release --test loom_pool`
#![cfg(loom)]

use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::vec::Vec;

use flight_memory::{Allocator, FreeError, MemoryPool, PoolBlocks, TypedPool};
use loom::thread;

const BLOCK: usize = 8;

/// A pool over leaked blocks (loom threads need `'static` borrows; each execution makes a new one), with one
/// ownership flag per block. The flags are plain atomics: loom runs one thread at a time, so they see every
/// handover exactly, without adding interleavings of their own.
struct Harness<const N: usize> {
    pool: MemoryPool<BLOCK, N, 8, &'static PoolBlocks<BLOCK, N>>,
    base: usize,
    owned: [AtomicBool; N],
}

impl<const N: usize> Harness<N> {
    fn new() -> &'static Self {
        let blocks: &'static PoolBlocks<BLOCK, N> = Box::leak(Box::new(PoolBlocks::new()));
        Box::leak(Box::new(Harness {
            // SAFETY: `blocks` was just created and is given to this pool only.
            pool: unsafe { MemoryPool::with_blocks(blocks) },
            base: blocks as *const _ as usize,
            owned: [const { AtomicBool::new(false) }; N],
        }))
    }

    fn index(&self, ptr: *const u8) -> usize {
        let offset = ptr as usize - self.base;
        assert_eq!(offset % BLOCK, 0);
        assert!(offset / BLOCK < N);
        offset / BLOCK
    }

    /// Records that the caller now owns the block at `ptr`.
    fn take(&self, ptr: *const u8) {
        let index = self.index(ptr);
        assert!(
            !self.owned[index].swap(true, Ordering::SeqCst),
            "block {index} handed out twice"
        );
    }

    /// Records that the caller gives the block at `ptr` up.
    fn give(&self, ptr: *const u8) {
        let index = self.index(ptr);
        assert!(self.owned[index].swap(false, Ordering::SeqCst));
    }

    /// Allocates a block with a handle, checks ownership, frees it. Returns whether one was available.
    fn cycle(&self) -> bool {
        match self.pool.allocate() {
            Ok(block) => {
                self.take(block.as_ptr());
                self.give(block.as_ptr());
                drop(block);
                true
            }
            Err(_) => false,
        }
    }

    /// After all threads are done: nothing owned, statistics balanced, and every block can be taken exactly
    /// once more.
    fn check_all_back(&self, successes: usize) {
        assert!(self.owned.iter().all(|o| !o.load(Ordering::SeqCst)));
        let stats = self.pool.stats();
        assert_eq!(stats.allocations, successes);
        assert_eq!(stats.frees, successes);
        assert_eq!(self.pool.in_use(), 0);
        let all: Vec<_> = (0..N)
            .map(|_| self.pool.allocate().expect("a block was lost"))
            .collect();
        for block in &all {
            self.take(block.as_ptr());
        }
        assert!(self.pool.allocate().is_err());
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    // CI sets LOOM_MAX_PREEMPTIONS; a bound keeps the models to seconds either way.
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

#[test]
fn two_threads_allocating_and_freeing_never_share_a_block() {
    model(|| {
        let h = Harness::<2>::new();
        let other = thread::spawn(move || usize::from(h.cycle()) + usize::from(h.cycle()));
        let mine = usize::from(h.cycle()) + usize::from(h.cycle());
        let theirs = other.join().unwrap();
        // Two blocks for two threads that each hold at most one: nothing can fail.
        assert_eq!(mine + theirs, 4);
        h.check_all_back(4);
    });
}

#[test]
fn three_threads_contending_for_one_block_never_share_it() {
    model(|| {
        let h = Harness::<1>::new();
        let threads: Vec<_> = (0..2)
            .map(|_| thread::spawn(move || usize::from(h.cycle())))
            .collect();
        let mine = usize::from(h.cycle());
        let total = mine
            + threads
                .into_iter()
                .map(|t| t.join().unwrap())
                .sum::<usize>();
        // Whoever comes first finds the block free.
        assert!(total >= 1);
        assert_eq!(h.pool.stats().failures, 3 - total);
        h.check_all_back(total);
    });
}

/// Thread A pops once: it reads the head X and its next Y, and may be preempted before its swap. Meanwhile the
/// main thread pops X and Y, gives back a block W it held from before and then X, and keeps Y: the head is X again,
/// and as long again, but X's next is now W. If A's swap succeeded with its stale Y, Y would be handed out twice.
/// Four blocks are needed (W, X, Y, and one for A when it goes first). Under loom the free list keeps its length
/// in the head word up to 4 blocks, so `N = 4` checks that layout and `N = 5` the one for larger lists.
fn aba<const N: usize>() {
    model(|| {
        let h = Harness::<N>::new();
        // Put every block on the free list (not the watermark), so every pop below reads a link; then hold W.
        let all: Vec<_> = (0..N).map(|_| h.pool.allocate().unwrap()).collect();
        drop(all);
        let w = h.pool.allocate().unwrap();
        h.take(w.as_ptr());

        let a = thread::spawn(move || {
            let block = h.pool.allocate().unwrap();
            h.take(block.as_ptr());
            thread::yield_now();
            h.give(block.as_ptr());
        });
        let x = h.pool.allocate().unwrap();
        h.take(x.as_ptr());
        let y = h.pool.allocate().unwrap();
        h.take(y.as_ptr());
        h.give(w.as_ptr());
        drop(w);
        h.give(x.as_ptr());
        drop(x);
        thread::yield_now();
        h.give(y.as_ptr());
        drop(y);
        a.join().unwrap();
        h.check_all_back(N + 4);
    });
}

#[test]
fn aba_a_stale_head_is_never_installed_in_a_small_list() {
    aba::<4>();
}

#[test]
fn aba_a_stale_head_is_never_installed_in_a_large_list() {
    aba::<5>();
}

#[test]
fn racing_raw_frees_of_one_pointer_accept_exactly_one() {
    model(|| {
        let h = Harness::<1>::new();
        let ptr = Allocator::allocate(&h.pool, BLOCK, 8).unwrap();
        let address = ptr.as_ptr() as usize;
        let other = thread::spawn(move || {
            let ptr = NonNull::new(address as *mut u8).unwrap();
            // SAFETY: a deliberate racing double free. The block is taken again only as a handle, never as a
            // raw block, so the losing free is refused and nothing in use is freed.
            unsafe { h.pool.deallocate_raw(ptr) }
        });
        // SAFETY: as above.
        let mine = unsafe { h.pool.deallocate_raw(ptr) };
        // Meanwhile this thread takes the block again, with a handle, as soon as it is back: a late second free
        // of the old pointer must be refused rather than take the block from its new owner.
        let again = loop {
            match h.pool.allocate() {
                Ok(block) => break block,
                Err(_) => thread::yield_now(),
            }
        };
        h.take(again.as_ptr());
        let theirs = other.join().unwrap();
        assert_eq!(
            [mine, theirs].iter().filter(|r| r.is_ok()).count(),
            1,
            "{mine:?} {theirs:?}"
        );
        assert!([mine, theirs].contains(&Err(FreeError::NotAllocated)));
        assert_eq!(h.pool.refused_frees(), 1);
        h.give(again.as_ptr());
        drop(again);
        h.check_all_back(2);
    });
}

#[test]
fn typed_boxes_sent_to_another_thread_come_back() {
    model(|| {
        let pool: &'static TypedPool<u64, 2> = Box::leak(Box::new(TypedPool::new()));
        let first = pool.alloc(1).unwrap();
        let other = thread::spawn(move || {
            assert_eq!(*first, 1);
            drop(first);
            pool.alloc(3).map(|b| *b).ok()
        });
        let second = pool.alloc(2).map(|b| *b).ok();
        let third = other.join().unwrap();
        // At most one box lives at a time on each side, so both allocations succeed.
        assert_eq!((second, third), (Some(2), Some(3)));
        let stats = pool.stats();
        assert_eq!((stats.allocations, stats.frees, stats.used), (3, 3, 0));
        let all: Vec<_> = (0..2).map(|i| pool.alloc(i).unwrap()).collect();
        assert!(pool.alloc(9).is_err());
        drop(all);
    });
}
