//! Loom models of a small `BufferManager`: concurrent allocation with spill-over, returns racing allocations,
//! a raw buffer returned twice at once, and the occupancy counts (buffers and bytes out, in one word or two) of
//! a buffer given back on one thread and taken again on another. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p flight-memory --release --test loom_buffer_manager`.
#![cfg(loom)]

use flight_memory::{
    Allocator, Bin, BinTable, BufferManager, BufferState, BufferStorage, FreeError, ManagerId,
    ReturnError,
};
use loom::thread;

/// Two bins of one buffer each: the second request spills.
const TABLE: BinTable<2> = BinTable::new([Bin::new(8, 1), Bin::new(16, 1)]);

/// A new manager for one execution of a model. Loom's atomics cannot be built in a `static`, so the parts are
/// leaked (a few hundred bytes per execution).
fn manager() -> &'static BufferManager<'static> {
    let state: &'static BufferState<2, 2> = Box::leak(Box::new(BufferState::new()));
    let storage: &'static BufferStorage<{ TABLE.storage_size() }, 8> =
        Box::leak(Box::new(BufferStorage::zeroed()));
    // SAFETY: `state` and `storage` are new and given to this manager only.
    let manager = unsafe { BufferManager::new(ManagerId(1), &TABLE, state, storage) };
    Box::leak(Box::new(manager))
}

/// A new manager over `table` (two bins of one buffer each), as [`manager`] does.
fn manager_of(table: &'static BinTable<2>) -> &'static BufferManager<'static> {
    let state: &'static BufferState<2, 2> = Box::leak(Box::new(BufferState::new()));
    let storage: &'static BufferStorage<256, 8> = Box::leak(Box::new(BufferStorage::zeroed()));
    // SAFETY: `state` and `storage` are new and given to this manager only.
    let manager = unsafe { BufferManager::new(ManagerId(2), table, state, storage) };
    Box::leak(Box::new(manager))
}

/// Checks `f` under every interleaving with at most `bound` preemptions (or `LOOM_MAX_PREEMPTIONS`, if lower).
fn model(bound: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(builder.preemption_bound.map_or(bound, |env| env.min(bound)));
    builder.check(f);
}

/// Allocates, writes a pattern, checks it, and gives the buffer back; returns the bin that served it.
fn use_one(manager: &'static BufferManager<'static>, pattern: u8) -> usize {
    let mut buffer = manager
        .allocate(4)
        .expect("at most two buffers are wanted at once");
    buffer.fill(pattern);
    thread::yield_now();
    assert!(buffer.iter().all(|&byte| byte == pattern), "buffer shared");
    buffer.bin()
}

#[test]
fn two_threads_get_distinct_buffers_spilling_when_needed() {
    model(3, || {
        let manager = manager();
        let other = thread::spawn(move || use_one(manager, 0xAA));
        let mine = use_one(manager, 0x55);
        let theirs = other.join().unwrap();

        let tlm = manager.telemetry();
        assert_eq!((tlm.curr_buffs, tlm.no_buffs), (0, 0));
        assert!(tlm.hi_buffs <= 2);
        let bins: Vec<_> = manager.bin_telemetry().collect();
        let spilled = usize::from(mine == 1) + usize::from(theirs == 1);
        assert_eq!(bins[0].spills, spilled);
        assert_eq!(bins[0].curr_buffs + bins[1].curr_buffs, 0);
        // Both buffers are free again, once each.
        let a = manager.allocate(4).unwrap();
        let b = manager.allocate(4).unwrap();
        assert_ne!(a.as_ptr(), b.as_ptr());
        assert!(manager.allocate(1).is_err());
    });
}

#[test]
fn returns_race_allocations_and_raw_round_trips() {
    model(3, || {
        let manager = manager();
        let other = thread::spawn(move || {
            let buffer = manager.allocate(4).unwrap();
            let raw = buffer.into_raw();
            let back = manager.from_raw(raw).unwrap();
            drop(back);
        });
        use_one(manager, 1);
        use_one(manager, 2);
        other.join().unwrap();

        let tlm = manager.telemetry();
        assert_eq!(
            (tlm.curr_buffs, tlm.no_buffs, tlm.rejected_returns),
            (0, 0, 0)
        );
        assert_eq!(manager.stats().allocations, 3);
        let a = manager.allocate(4).unwrap();
        let b = manager.allocate(4).unwrap();
        assert_ne!(a.as_ptr(), b.as_ptr());
    });
}

#[test]
fn a_raw_buffer_returned_twice_at_once_is_taken_back_once() {
    model(3, || {
        let manager = manager();
        let raw = manager.allocate(4).unwrap().into_raw();
        let other = thread::spawn(move || manager.return_raw(raw));
        let mine = manager.return_raw(raw);
        let theirs = other.join().unwrap();

        let refused = Err(ReturnError::Free(FreeError::NotAllocated));
        assert!(
            (mine == Ok(()) && theirs == refused) || (mine == refused && theirs == Ok(())),
            "{mine:?} {theirs:?}"
        );
        let tlm = manager.telemetry();
        assert_eq!((tlm.curr_buffs, tlm.rejected_returns), (0, 1));
        // The buffer is on its free list once: two requests get two distinct buffers.
        let a = manager.allocate(4).unwrap();
        let b = manager.allocate(4).unwrap();
        assert_eq!((a.bin(), b.bin()), (0, 1));
    });
}

#[test]
fn three_threads_share_three_bins_of_one_buffer() {
    const THREE: BinTable<3> = BinTable::new([Bin::new(4, 1), Bin::new(8, 1), Bin::new(16, 1)]);
    // Three threads: two preemptions keep the model to seconds.
    model(2, || {
        let state: &'static BufferState<3, 3> = Box::leak(Box::new(BufferState::new()));
        let storage: &'static BufferStorage<{ THREE.storage_size() }, 8> =
            Box::leak(Box::new(BufferStorage::zeroed()));
        // SAFETY: `state` and `storage` are new and given to this manager only.
        let manager: &'static BufferManager<'static> = Box::leak(Box::new(unsafe {
            BufferManager::new(ManagerId(3), &THREE, state, storage)
        }));
        let take = move || manager.allocate(4).map(|buffer| buffer.bin());
        let first = thread::spawn(take);
        let second = thread::spawn(take);
        let mine = take().unwrap();
        let bins = [
            mine,
            first.join().unwrap().unwrap(),
            second.join().unwrap().unwrap(),
        ];

        let tlm = manager.telemetry();
        assert_eq!((tlm.curr_buffs, tlm.no_buffs), (0, 0));
        let spills = manager.bin_telemetry().next().unwrap().spills;
        assert_eq!(spills, bins.iter().filter(|&&bin| bin != 0).count());
        let all: Vec<_> = (0..3).map(|_| manager.allocate(1).unwrap()).collect();
        assert_eq!(all.iter().map(|b| b.bin()).collect::<Vec<_>>(), [0, 1, 2]);
    });
}

/// A buffer taken on one thread is counted back on another (through its raw form) while a second one is taken.
/// If the second is the first buffer again, the first was given back, so the counts (buffers and bytes out, kept
/// in one word or two) must show the second buffer alone: a count taken back after the buffer went back to its
/// free list would show two. Under loom the packing threshold is lowered, so the first table packs bytes and
/// buffers in one word and the second keeps them in two.
#[test]
fn a_buffer_is_counted_back_before_another_thread_can_take_it() {
    static PACKED: BinTable<2> = BinTable::new([Bin::new(8, 1), Bin::new(16, 1)]);
    static APART: BinTable<2> = BinTable::new([Bin::new(64, 1), Bin::new(128, 1)]);
    for table in [&PACKED, &APART] {
        model(3, move || {
            let manager = manager_of(table);
            let (small, large) = (table.bin(0).unwrap().size, table.bin(1).unwrap().size);
            let raw = manager.allocate(4).unwrap().into_raw();
            let other = thread::spawn(move || manager.return_raw(raw).unwrap());
            // Lets the other thread run first too: loom switches threads only at its own operations.
            thread::yield_now();
            let mine = manager.allocate(4).unwrap();
            let tlm = manager.telemetry();
            let used = manager.used_memory();
            if mine.bin() == 0 {
                assert_eq!((tlm.curr_buffs, used), (1, small), "{tlm:?}");
            } else {
                assert!(
                    tlm.curr_buffs <= 2 && used <= small + large,
                    "{tlm:?} {used}"
                );
                assert!(used == large || used == small + large, "{used}");
            }
            drop(mine);
            other.join().unwrap();

            let tlm = manager.telemetry();
            let stats = manager.stats();
            assert_eq!((tlm.curr_buffs, stats.used), (0, 0));
            assert_eq!((stats.allocations, stats.frees), (2, 2));
            assert!((1..=2).contains(&tlm.hi_buffs), "{tlm:?}");
            assert!(
                stats.peak >= small && stats.peak <= small + large,
                "{stats:?}"
            );
        });
    }
}

/// A bin of two buffers, which under loom uses the bin list's large layout (its length is not in the head word,
/// its give-backs are counted apart), shared by two threads that each take and give back a buffer while a third
/// stays out: the buffers are distinct and the counts exact afterwards.
#[test]
fn a_bin_of_two_with_the_large_list_layout_hands_out_distinct_buffers() {
    static PAIR: BinTable<1> = BinTable::new([Bin::new(8, 2)]);
    model(3, || {
        let state: &'static BufferState<1, 2> = Box::leak(Box::new(BufferState::new()));
        let storage: &'static BufferStorage<{ PAIR.storage_size() }, 8> =
            Box::leak(Box::new(BufferStorage::zeroed()));
        // SAFETY: `state` and `storage` are new and given to this manager only.
        let manager: &'static BufferManager<'static> = Box::leak(Box::new(unsafe {
            BufferManager::new(ManagerId(4), &PAIR, state, storage)
        }));
        // Both buffers are handed out once, so both threads below reuse given-back ones.
        drop((manager.allocate(8).unwrap(), manager.allocate(8).unwrap()));
        let other = thread::spawn(move || use_one(manager, 0xAA));
        use_one(manager, 0x55);
        other.join().unwrap();

        let tlm = manager.telemetry();
        assert_eq!((tlm.curr_buffs, tlm.hi_buffs, tlm.no_buffs), (0, 2, 0));
        let stats = manager.stats();
        assert_eq!((stats.allocations, stats.frees), (4, 4));
        let a = manager.allocate(1).unwrap();
        let b = manager.allocate(1).unwrap();
        assert_ne!(a.as_ptr(), b.as_ptr());
        assert!(manager.allocate(1).is_err());
    });
}
