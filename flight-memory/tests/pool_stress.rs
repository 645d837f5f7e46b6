//! Multi-thread stress of the pools: threads allocate, free, and pass blocks to each other (owning handles, raw
//! pointers and typed boxes) through channels. Every block carries a stamp unique to its owner and allocation,
//! checked when it is freed; an ownership flag per block catches a block handed out twice. At the end every block
//! must be free exactly once, and the statistics must equal what the threads counted.
#![cfg(not(loom))]

use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Barrier};
use std::thread;
use std::vec::Vec;

use flight_memory::{
    AllocError, Allocator, MemoryPool, PoolBlock, PoolBlocks, PoolBox, StatsSnapshot, TypedPool,
};

const THREADS: usize = 4;
/// Iterations per thread (few under Miri, which is ~1000× slower).
const ITERATIONS: usize = if cfg!(miri) { 300 } else { 500_000 };
const BLOCK: usize = 64;
const COUNT: usize = 24;
const TYPED_COUNT: usize = 12;
/// How many messages a thread keeps at most.
const KEEP: usize = 7;

static BLOCKS: PoolBlocks<BLOCK, COUNT> = PoolBlocks::new();
// SAFETY: `BLOCKS` is given to this pool only.
static POOL: MemoryPool<BLOCK, COUNT, 8, &'static PoolBlocks<BLOCK, COUNT>> =
    unsafe { MemoryPool::with_blocks(&BLOCKS) };
static TYPED: TypedPool<Payload, TYPED_COUNT> = TypedPool::new();

/// One flag per block: set while someone owns the block.
static OWNED: [AtomicBool; COUNT] = [const { AtomicBool::new(false) }; COUNT];
static PAYLOAD_DROPS: AtomicUsize = AtomicUsize::new(0);
/// Threads that have finished their iterations.
/// Messages waiting in each thread's inbox. A thread sends only to an inbox with few waiting, so that a thread the
/// scheduler has not run for a while (there may be fewer cores than threads) cannot hold the whole pool hostage.
static WAITING: [AtomicUsize; THREADS] = [const { AtomicUsize::new(0) }; THREADS];
const MAX_WAITING: usize = 2;
static FINISHED: AtomicUsize = AtomicUsize::new(0);

/// A raw block in flight between threads.
struct RawBlock(NonNull<u8>);
// SAFETY: the pointer is the only access to a block this message owns; the block is plain bytes.
unsafe impl Send for RawBlock {}

struct Payload {
    stamp: u64,
    words: [u64; 6],
}

impl Payload {
    fn new(stamp: u64) -> Self {
        Payload {
            stamp,
            words: [stamp; 6],
        }
    }

    fn check(&self) {
        assert!(
            self.words.iter().all(|&w| w == self.stamp),
            "typed value overwritten"
        );
    }
}

impl Drop for Payload {
    fn drop(&mut self) {
        self.check();
        PAYLOAD_DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

enum Message {
    Handle(PoolBlock<'static>, u64),
    Raw(RawBlock, u64),
    Boxed(PoolBox<'static, Payload>),
}

fn index_of(ptr: *const u8) -> usize {
    let offset = ptr as usize - &BLOCKS as *const _ as usize;
    assert_eq!(offset % BLOCK, 0, "block pointer not at a block start");
    assert!(offset / BLOCK < COUNT, "block pointer out of bounds");
    offset / BLOCK
}

/// Marks the block at `ptr` owned (it must not have been) and stamps it.
fn take(ptr: *mut u8, stamp: u64) {
    let index = index_of(ptr);
    assert!(
        !OWNED[index].swap(true, Ordering::AcqRel),
        "block {index} handed out twice"
    );
    assert_eq!(ptr as usize % 8, 0);
    for word in 0..BLOCK / 8 {
        // SAFETY: the block is ours, 64 bytes, aligned to 8.
        unsafe { ptr.cast::<u64>().add(word).write(stamp) };
    }
}

/// Checks the block at `ptr` still holds `stamp` and marks it no longer owned.
fn release(ptr: *const u8, stamp: u64) {
    for word in 0..BLOCK / 8 {
        // SAFETY: the block is ours, 64 bytes, aligned to 8.
        let found = unsafe { ptr.cast::<u64>().add(word).read() };
        assert_eq!(found, stamp, "block overwritten by another owner");
    }
    let index = index_of(ptr);
    assert!(
        OWNED[index].swap(false, Ordering::AcqRel),
        "block {index} freed while not owned"
    );
}

/// What one thread did.
#[derive(Default, Debug)]
struct Counts {
    allocations: usize,
    frees: usize,
    failures: usize,
    typed_allocations: usize,
    typed_failures: usize,
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn free(message: Message, counts: &mut Counts) {
    match message {
        Message::Handle(block, stamp) => {
            release(block.as_ptr(), stamp);
            drop(block);
            counts.frees += 1;
        }
        Message::Raw(RawBlock(ptr), stamp) => {
            release(ptr.as_ptr(), stamp);
            // SAFETY: the message moved the raw block to this thread, which gives it back once and drops it.
            let result = unsafe {
                if stamp % 2 == 0 {
                    POOL.deallocate_raw(ptr)
                } else {
                    Allocator::deallocate(&POOL, ptr, BLOCK)
                }
            };
            assert_eq!(result, Ok(()));
            counts.frees += 1;
        }
        Message::Boxed(boxed) => {
            boxed.check();
            if boxed.stamp % 3 == 0 {
                let value = PoolBox::into_inner(boxed);
                value.check();
            }
        }
    }
}

fn drain(id: usize, inbox: &Receiver<Message>, counts: &mut Counts) {
    while let Ok(message) = inbox.try_recv() {
        WAITING[id].fetch_sub(1, Ordering::AcqRel);
        free(message, counts);
    }
}

/// Takes blocks until the pool refuses one, then frees them. Whether the random traffic ever empties the pool
/// depends on how the scheduler runs the threads (on one core, a thread rarely holds enough); this makes
/// exhaustion, with the other threads allocating and freeing meanwhile, part of every run.
fn exhaust(stamp: u64, counts: &mut Counts) {
    let mut held = Vec::new();
    loop {
        match POOL.allocate() {
            Ok(mut block) => {
                take(block.as_mut_ptr(), stamp);
                counts.allocations += 1;
                held.push(block);
                assert!(
                    held.len() <= COUNT,
                    "the pool handed out more than {COUNT} blocks"
                );
            }
            Err(error) => {
                assert_eq!(error, AllocError::Exhausted { capacity: COUNT });
                counts.failures += 1;
                break;
            }
        }
    }
    for block in held {
        free(Message::Handle(block, stamp), counts);
    }
}

fn worker(
    id: usize,
    inbox: Receiver<Message>,
    outboxes: Vec<Sender<Message>>,
    start: Arc<Barrier>,
    done: Arc<Barrier>,
) -> Counts {
    // Start together: a thread that is not running yet cannot serve the blocks sent to it.
    start.wait();
    let mut rng =
        XorShift(0x9E37_79B9_7F4A_7C15 ^ (id as u64 + 1).wrapping_mul(0x1234_5678_9ABC_DEF1));
    let mut counts = Counts::default();
    let mut kept: Vec<Message> = Vec::new();
    for seq in 0..ITERATIONS {
        let stamp = ((id as u64) << 48) | seq as u64;
        if id == 0 && seq == ITERATIONS / 2 {
            exhaust(stamp, &mut counts);
        }
        let choice = rng.next();
        let message = match choice % 8 {
            0..=2 => match POOL.allocate() {
                Ok(mut block) => {
                    take(block.as_mut_ptr(), stamp);
                    counts.allocations += 1;
                    if choice & 0x100 != 0 {
                        let ptr = block.into_raw();
                        Some(Message::Raw(RawBlock(ptr), stamp))
                    } else {
                        Some(Message::Handle(block, stamp))
                    }
                }
                Err(error) => {
                    assert_eq!(error, AllocError::Exhausted { capacity: COUNT });
                    counts.failures += 1;
                    // Let the owners of the blocks run.
                    thread::yield_now();
                    None
                }
            },
            3 => match Allocator::allocate(&POOL, BLOCK, 8) {
                Ok(ptr) => {
                    take(ptr.as_ptr(), stamp);
                    counts.allocations += 1;
                    Some(Message::Raw(RawBlock(ptr), stamp))
                }
                Err(error) => {
                    assert_eq!(error, AllocError::Exhausted { capacity: COUNT });
                    counts.failures += 1;
                    None
                }
            },
            4 => match TYPED.alloc(Payload::new(stamp)) {
                Ok(boxed) => {
                    counts.typed_allocations += 1;
                    Some(Message::Boxed(boxed))
                }
                Err(rejected) => {
                    let value = rejected.into_inner();
                    assert_eq!(value.stamp, stamp);
                    counts.typed_failures += 1;
                    None
                }
            },
            5 => {
                if let Some(message) = kept.pop() {
                    free(message, &mut counts);
                }
                None
            }
            _ => {
                drain(id, &inbox, &mut counts);
                None
            }
        };
        if let Some(message) = message {
            match (choice >> 16) % 4 {
                // Free it here and now.
                0 => free(message, &mut counts),
                // Keep it a while: a few at most, but together the threads can keep more than the pool has, so
                // allocations also fail now and then.
                1 if kept.len() < KEEP => kept.push(message),
                // Pass it to another thread, which frees it.
                _ => {
                    let to = (id + 1 + (choice >> 24) as usize % (THREADS - 1)) % THREADS;
                    if WAITING[to].fetch_add(1, Ordering::AcqRel) < MAX_WAITING {
                        outboxes[to].send(message).expect("receiver alive");
                    } else {
                        WAITING[to].fetch_sub(1, Ordering::AcqRel);
                        free(message, &mut counts);
                    }
                }
            }
        }
    }
    for message in kept.drain(..) {
        free(message, &mut counts);
    }
    // Keep serving the inbox until every thread has stopped allocating, so blocks sent here are not held hostage
    // from threads still running; then stop sending, and drain for the last time once everyone has stopped.
    FINISHED.fetch_add(1, Ordering::AcqRel);
    while FINISHED.load(Ordering::Acquire) < THREADS {
        drain(id, &inbox, &mut counts);
        thread::yield_now();
    }
    drop(outboxes);
    done.wait();
    drain(id, &inbox, &mut counts);
    counts
}

#[test]
fn threads_passing_blocks_never_share_or_lose_one() {
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..THREADS).map(|_| channel()).unzip();
    let start = Arc::new(Barrier::new(THREADS));
    let done = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = receivers
        .into_iter()
        .enumerate()
        .map(|(id, inbox)| {
            let outboxes = senders.clone();
            let start = start.clone();
            let done = done.clone();
            thread::spawn(move || worker(id, inbox, outboxes, start, done))
        })
        .collect();
    drop(senders);
    let counts: Vec<Counts> = workers
        .into_iter()
        .map(|w| w.join().expect("worker panicked"))
        .collect();

    let allocations: usize = counts.iter().map(|c| c.allocations).sum();
    let frees: usize = counts.iter().map(|c| c.frees).sum();
    let failures: usize = counts.iter().map(|c| c.failures).sum();
    assert_eq!(allocations, frees, "{counts:?}");
    assert!(
        allocations > THREADS * ITERATIONS / 8,
        "too few allocations succeeded: {counts:?}"
    );
    // At least the one of `exhaust`.
    assert!(failures > 0, "the pool was never exhausted");
    assert!(OWNED.iter().all(|owned| !owned.load(Ordering::Relaxed)));

    let stats = POOL.stats();
    assert_eq!(
        stats,
        StatsSnapshot {
            used: 0,
            peak: stats.peak,
            allocations,
            frees,
            failures,
        }
    );
    assert_eq!(POOL.high_water(), COUNT);
    assert_eq!(POOL.refused_frees(), 0);

    // Every block is free exactly once: all of them can be taken, each at a different address, and no more.
    let all: Vec<PoolBlock<'_>> = (0..COUNT)
        .map(|_| POOL.allocate().expect("a block was lost"))
        .collect();
    let mut indices: Vec<usize> = all.iter().map(|b| index_of(b.as_ptr())).collect();
    indices.sort_unstable();
    assert_eq!(indices, (0..COUNT).collect::<Vec<_>>());
    assert!(POOL.allocate().is_err());
    drop(all);

    let typed_allocations: usize = counts.iter().map(|c| c.typed_allocations).sum();
    let typed_failures: usize = counts.iter().map(|c| c.typed_failures).sum();
    let typed = TYPED.stats();
    assert_eq!(
        (typed.allocations, typed.frees, typed.failures, typed.used),
        (typed_allocations, typed_allocations, typed_failures, 0)
    );
    // Every payload was dropped exactly once: the boxed ones and the rejected ones.
    assert_eq!(
        PAYLOAD_DROPS.load(Ordering::Relaxed),
        typed_allocations + typed_failures
    );
    let boxes: Vec<_> = (0..TYPED_COUNT)
        .map(|i| {
            TYPED
                .alloc(Payload::new(i as u64))
                .expect("a slot was lost")
        })
        .collect();
    assert!(TYPED.alloc(Payload::new(99)).is_err());
    drop(boxes);
}
