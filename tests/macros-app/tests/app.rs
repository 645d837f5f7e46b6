//! Allocates from the macro-declared pools and bins of a crate built with the standard build script, and checks
//! that the budget counted them.

use macros_app::{EventRecord, Frame, THUMBNAILS, memory, radio};

#[test]
fn macro_pools_hand_out_values_and_give_them_back_when_empty() {
    let pool = EventRecord::pool();
    let records: Vec<_> = (0..32)
        .map(|cycle| {
            pool.alloc(EventRecord { cycle, id: 7 })
                .expect("32 records fit")
        })
        .collect();
    let refused = pool
        .alloc(EventRecord { cycle: 99, id: 1 })
        .expect_err("the pool is full");
    assert_eq!(refused.into_inner(), EventRecord { cycle: 99, id: 1 });
    drop(records);
    assert_eq!(pool.in_use(), 0);
    assert_eq!(pool.high_water(), 32);
}

#[test]
fn a_type_bound_to_a_memory_toml_pool_allocates_from_it() {
    assert_eq!(Frame::pool().block_size(), 256);
    let block = Frame::pool().allocate().expect("a free block");
    assert_eq!(memory::pools::TELEMETRY_PACKET.in_use(), 1);
    drop(block);
    assert_eq!(memory::pools::TELEMETRY_PACKET.in_use(), 0);
}

#[test]
fn macro_bins_serve_buffers_across_threads() {
    let buffer = radio::UPLINK.allocate(600).expect("a 1 KiB buffer");
    assert_eq!((buffer.len(), buffer.capacity()), (600, 1024));
    std::thread::spawn(move || drop(buffer)).join().unwrap();
    assert_eq!(radio::UPLINK.telemetry().curr_buffs, 0);
    assert!(THUMBNAILS.allocate(300).is_err(), "256-byte bins only");
    assert_eq!(THUMBNAILS.telemetry().no_buffs, 1);
}

#[test]
fn the_budget_counts_the_macro_declared_bytes() {
    let region = |name| memory::PLATFORM.region(name).expect("declared region");
    // dtcm holds nothing from memory.toml: everything in it was declared by the macros.
    let dtcm = region("dtcm");
    let declared = (core::mem::size_of_val(EventRecord::pool()) + 4 * 256) as u64;
    assert!(
        dtcm.used() >= declared,
        "dtcm counts {} bytes, the macros declared at least {declared}",
        dtcm.used()
    );
    assert!(region("sram").used() >= 16 * 256 + 16 * 128 + 4 * 1024);
}
