//! `#[memory_pool]`: allocation, exhaustion, return on drop, threads, and binding to memory.toml's pools.

use std::sync::Barrier;
use std::thread;

use flight_memory::AllocError;
use flight_memory_macros::memory_pool;

/// A telemetry packet of 100 bytes.
#[memory_pool(count = 4, region = "sram")]
#[derive(Debug, PartialEq)]
pub struct Packet {
    pub apid: u16,
    pub bytes: [u8; 98],
}

/// Shared by the threads of one test only.
#[memory_pool(count = 64, region = "dtcm")]
pub struct Message(pub u64);

/// A frame in memory.toml's `telemetry_packet` blocks (256 bytes).
#[memory_pool(pool = "telemetry_packet")]
pub struct Frame {
    pub header: u32,
    pub body: [u8; 200],
}

fn packet(apid: u16) -> Packet {
    Packet {
        apid,
        bytes: [apid as u8; 98],
    }
}

#[test]
fn a_pool_hands_out_its_count_and_gives_the_value_back_when_empty() {
    let pool = Packet::pool();
    assert_eq!(pool.capacity(), 4);
    let boxes: Vec<_> = (0..4).map(|i| pool.alloc(packet(i)).unwrap()).collect();
    assert_eq!(pool.in_use(), 4);
    let refused = pool.alloc(packet(9)).unwrap_err();
    assert_eq!(refused.error(), AllocError::Exhausted { capacity: 4 });
    assert_eq!(refused.into_inner(), packet(9));
    for (i, b) in boxes.iter().enumerate() {
        assert_eq!(b.apid, i as u16);
        assert_eq!(b.bytes[97], i as u8);
    }
    drop(boxes);
    assert_eq!(pool.in_use(), 0);
    let again = pool.alloc(packet(5)).unwrap();
    assert_eq!(again.apid, 5);
    assert_eq!(pool.high_water(), 4);
}

#[test]
fn threads_share_a_pool_without_losing_or_duplicating_a_slot() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 2000;
    let barrier = Barrier::new(THREADS);
    thread::scope(|scope| {
        for t in 0..THREADS {
            let barrier = &barrier;
            scope.spawn(move || {
                barrier.wait();
                let mut held = Vec::new();
                for round in 0..ROUNDS {
                    let tag = ((t as u64) << 32) | round as u64;
                    if let Ok(b) = Message::pool().alloc(Message(tag)) {
                        held.push((tag, b));
                    }
                    if (held.len() > 8 || round % 3 == 0)
                        && let Some((tag, b)) = held.pop()
                    {
                        // Nobody else wrote into the slot while this thread owned it.
                        assert_eq!(b.0, tag);
                    }
                }
                for (tag, b) in held {
                    assert_eq!(b.0, tag);
                }
            });
        }
    });
    let pool = Message::pool();
    assert_eq!(pool.in_use(), 0);
    let stats = pool.stats();
    assert_eq!(stats.allocations, stats.frees);
    // Every slot can still be taken exactly once.
    let all: Vec<_> = (0..64).map(|i| pool.alloc(Message(i)).unwrap()).collect();
    assert!(pool.alloc(Message(0)).is_err());
    let mut addresses: Vec<usize> = all
        .iter()
        .map(|b| &**b as *const Message as usize)
        .collect();
    addresses.sort_unstable();
    addresses.dedup();
    assert_eq!(addresses.len(), 64);
}

#[test]
fn a_bound_type_uses_the_pool_of_memory_toml() {
    let pool = Frame::pool();
    assert!(std::ptr::eq(pool, &crate::memory::pools::TELEMETRY_PACKET));
    assert_eq!((pool.block_size(), pool.capacity()), (256, 8));
    let block = pool.allocate().unwrap();
    assert!(block.len() >= size_of::<Frame>());
    let frame = Frame {
        header: 1,
        body: [2; 200],
    };
    assert_eq!(frame.header as u8 + frame.body[199], 3);
}

#[test]
fn the_slots_are_a_static_of_their_own() {
    // The values are not inside the pool's static, which holds only the state: the slots are a static that
    // carries the region's link section (`.bss.test_dtcm` for `Message`; a host linker merges it into `.bss`,
    // so the section itself is checked by `flight-memory-gen verify` on the firmware and its fixture).
    let pool = Packet::pool();
    let boxed = pool.alloc(packet(3)).unwrap();
    let start = std::ptr::from_ref(pool) as usize;
    let value = &*boxed as *const Packet as usize;
    assert!(value < start || value >= start + size_of_val(pool));
    assert!(size_of_val(pool) < 4 * size_of::<Packet>());
}
