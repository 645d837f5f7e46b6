//! Several threads allocate buffers, write a pattern into them, pass them to each other through channels (as
//! handles and as raw buffers), check the pattern and give them back. Afterwards nothing is lost or handed out
//! twice: no buffer is out, every buffer can be allocated again exactly once, and the telemetry adds up.
#![cfg(not(loom))]

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};

use flight_memory::{Allocator, Buffer, BufferManager, RawBuffer, buffer_manager};

buffer_manager! {
    static SHARED: id 42, bins [16 x 8, 64 x 6, 256 x 4, 1000 x 2];
}

const THREADS: usize = 4;
/// Successful allocations per thread.
const ROUNDS: usize = 20_000;
/// The bytes of every buffer of `SHARED` at its bin's size: the most that can be in use.
const ALL_BYTES: usize = 16 * 8 + 64 * 6 + 256 * 4 + 1000 * 2;

enum Message {
    Handle(Buffer<'static>, u32),
    Raw(RawBuffer, u32),
}

fn stamp(thread: usize, round: usize) -> u32 {
    ((thread as u32) << 24) | round as u32
}

/// Fills a buffer with a pattern derived from `tag`; `check` verifies it.
fn write(bytes: &mut [u8], tag: u32) {
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = (tag as usize).wrapping_mul(31).wrapping_add(i) as u8;
    }
}

fn check(bytes: &[u8], tag: u32) {
    for (i, &byte) in bytes.iter().enumerate() {
        assert_eq!(
            byte,
            (tag as usize).wrapping_mul(31).wrapping_add(i) as u8,
            "buffer of {tag:#x} corrupted at byte {i}: shared with another owner?"
        );
    }
}

fn receive(manager: &BufferManager<'static>, message: Message) {
    match message {
        Message::Handle(buffer, tag) => {
            check(&buffer, tag);
            drop(buffer);
        }
        Message::Raw(raw, tag) => {
            let buffer = manager
                .from_raw(raw)
                .expect("a raw buffer sent once comes back once");
            check(&buffer, tag);
            if tag % 2 == 0 {
                let raw = buffer.into_raw();
                manager.return_raw(raw).expect("out as raw");
                assert!(
                    manager.return_raw(raw).is_err(),
                    "a double return is refused"
                );
            } else {
                manager.deallocate(buffer).expect("our own buffer");
            }
        }
    }
}

/// Reads the telemetry and statistics over and over while the workers run, checking what must hold at every
/// instant: the buffers and bytes out (kept together in one word) never exceed what the manager has, and the
/// high-water marks never go down. Returns how many times it looked.
fn watch(manager: &'static BufferManager<'static>, stop: &AtomicBool) -> usize {
    let (mut hi, mut peak, mut no_buffs, mut looks) = (0, 0, 0, 0);
    let mut bin_hi = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let tlm = manager.telemetry();
        let stats = manager.stats();
        assert!(tlm.curr_buffs <= tlm.total_buffs, "{tlm:?}");
        assert!(tlm.hi_buffs <= tlm.total_buffs, "{tlm:?}");
        assert!(
            stats.used <= ALL_BYTES && stats.peak <= ALL_BYTES,
            "{stats:?}"
        );
        assert!(tlm.hi_buffs >= hi && stats.peak >= peak && tlm.no_buffs >= no_buffs);
        assert!(
            tlm.curr_buffs <= tlm.hi_buffs && stats.used <= stats.peak,
            "{tlm:?} {stats:?}"
        );
        (hi, peak, no_buffs) = (tlm.hi_buffs, stats.peak, tlm.no_buffs);
        bin_hi.resize(manager.bin_telemetry().len(), 0);
        for (bin, last_hi) in manager.bin_telemetry().zip(bin_hi.iter_mut()) {
            // A bin's figures come from its free list: in use at most its high-water mark, which never goes down.
            assert!(
                bin.curr_buffs <= bin.hi_buffs && bin.hi_buffs <= bin.total_buffs,
                "{bin:?}"
            );
            assert!(bin.hi_buffs >= *last_hi, "{bin:?} after hi_buffs {last_hi}");
            *last_hi = bin.hi_buffs;
        }
        looks += 1;
        std::thread::yield_now();
    }
    looks
}

#[test]
fn threads_pass_buffers_around_and_nothing_is_lost_or_shared() {
    let manager: &'static BufferManager<'static> = &SHARED;
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || watch(manager, &stop))
    };
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    for _ in 0..THREADS {
        let (sender, receiver) = mpsc::channel::<Message>();
        senders.push(sender);
        receivers.push(receiver);
    }
    let barrier = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = receivers
        .into_iter()
        .enumerate()
        .map(|(me, inbox)| {
            let senders = senders.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut seed = 0x2545_F491u32 ^ (me as u32).wrapping_mul(0x9E37_79B9);
                let mut failures = 0usize;
                let mut kept: Vec<(Buffer<'static>, u32)> = Vec::new();
                barrier.wait();
                let mut served = 0;
                let mut round = 0;
                while served < ROUNDS {
                    round += 1;
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    let size = match seed % 10 {
                        0..=4 => seed as usize % 17,
                        5..=7 => seed as usize % 65,
                        8 => seed as usize % 257,
                        _ => seed as usize % 1001,
                    };
                    let tag = stamp(me, round);
                    match manager.allocate(size) {
                        Ok(mut buffer) => {
                            served += 1;
                            assert_eq!(buffer.len(), size);
                            assert_eq!(buffer.as_ptr() as usize % manager.alignment(), 0);
                            write(&mut buffer, tag);
                            let to = (seed as usize >> 8) % THREADS;
                            match (seed >> 4) % 4 {
                                0 => kept.push((buffer, tag)),
                                1 => senders[to]
                                    .send(Message::Raw(buffer.into_raw(), tag))
                                    .unwrap(),
                                _ => senders[to].send(Message::Handle(buffer, tag)).unwrap(),
                            }
                        }
                        Err(_) => {
                            // The buffers are in other threads' inboxes or hands: let them run.
                            failures += 1;
                            std::thread::yield_now();
                        }
                    }
                    if kept.len() > 3 || (round % 7 == 0 && !kept.is_empty()) {
                        let (buffer, tag) = kept.remove(0);
                        check(&buffer, tag);
                    }
                    while let Ok(message) = inbox.try_recv() {
                        receive(manager, message);
                    }
                }
                for (buffer, tag) in kept {
                    check(&buffer, tag);
                }
                // Stop sending, then take what is left until every other thread has stopped sending too.
                drop(senders);
                for message in inbox {
                    receive(manager, message);
                }
                failures
            })
        })
        .collect();
    drop(senders);
    let failures: usize = workers
        .into_iter()
        .map(|worker| worker.join().unwrap())
        .sum();
    stop.store(true, Ordering::Relaxed);
    assert!(
        watcher.join().unwrap() > 0,
        "the watcher looked at least once"
    );

    let tlm = manager.telemetry();
    assert_eq!(tlm.curr_buffs, 0, "every buffer came back");
    assert_eq!(tlm.no_buffs, failures, "every failed request was counted");
    assert!(tlm.hi_buffs <= tlm.total_buffs);
    assert!(tlm.rejected_returns > 0, "the double returns were refused");
    let bins: Vec<_> = manager.bin_telemetry().collect();
    assert!(
        bins.iter()
            .all(|bin| bin.curr_buffs == 0 && bin.hi_buffs <= bin.total_buffs)
    );
    assert_eq!(
        bins.iter().map(|bin| bin.rejected_returns).sum::<usize>(),
        tlm.rejected_returns
    );
    let stats = manager.stats();
    assert_eq!(stats.allocations, stats.frees);
    assert_eq!(stats.used, 0);
    assert!(stats.peak <= ALL_BYTES && stats.peak >= 1000, "{stats:?}");
    assert_eq!(stats.failures, failures);
    assert_eq!(stats.allocations, THREADS * ROUNDS);

    // Every buffer can be allocated again, exactly once.
    let all: Vec<Buffer<'static>> = std::iter::from_fn(|| manager.allocate(1).ok()).collect();
    assert_eq!(all.len(), tlm.total_buffs);
    let distinct: HashSet<usize> = all.iter().map(|buffer| buffer.as_ptr() as usize).collect();
    assert_eq!(distinct.len(), tlm.total_buffs);
    let per_bin: Vec<usize> = (0..tlm.bins)
        .map(|bin| all.iter().filter(|buffer| buffer.bin() == bin).count())
        .collect();
    assert_eq!(per_bin, [8, 6, 4, 2]);
    assert_eq!(manager.telemetry().curr_buffs, tlm.total_buffs);
    drop(all);
    assert_eq!(manager.telemetry().curr_buffs, 0);
}
