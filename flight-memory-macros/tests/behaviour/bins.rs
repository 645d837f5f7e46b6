//! `buffer_bins!`: smallest fit, spill-over, exhaustion, alignment, threads.

use std::thread;

use flight_memory::AllocError;
use flight_memory_macros::buffer_bins;

buffer_bins! {
    /// The design's uplink table, bins out of order.
    pub static UPLINK: in "sram" { 1024 x 16, 128 x 32, 4096 x 4 }
    /// DMA buffers in the sectioned region: 64-byte aligned, no spill-over, a fixed id.
    static DMA: in "dtcm" align 64 id 42 spill false { 512 x 2, 64 x 2 }
}

#[test]
fn bins_pick_the_smallest_fit_and_spill_over() {
    let small = UPLINK.allocate(100).unwrap();
    assert_eq!((small.len(), small.capacity()), (100, 128));
    let mid = UPLINK.allocate(200).unwrap();
    assert_eq!(mid.capacity(), 1024);
    let big = UPLINK.allocate(4096).unwrap();
    assert_eq!(big.capacity(), 4096);
    assert!(UPLINK.allocate(4097).is_err());
    assert_eq!(UPLINK.total_buffs(), 52);
    let held: Vec<_> = (0..32)
        .map(|_| UPLINK.allocate(1).unwrap())
        .collect::<Vec<_>>();
    // 31 more from the 128 bin (one is `small`), then spill-over to 1024.
    assert!(held.iter().filter(|b| b.capacity() == 1024).count() >= 1);
}

#[test]
fn options_apply() {
    assert_eq!(DMA.id().0, 42);
    assert_eq!(DMA.alignment(), 64);
    assert!(!DMA.spill_over());
    let a = DMA.allocate(10).unwrap();
    let b = DMA.allocate(10).unwrap();
    assert_eq!(a.as_ptr() as usize % 64, 0);
    assert_eq!(b.as_ptr() as usize % 64, 0);
    // No spill-over: the 64-byte bin is empty and the 512 bin is not used for small requests.
    assert!(matches!(
        DMA.allocate(10),
        Err(AllocError::Exhausted { .. })
    ));
}

#[test]
fn threads_pass_buffers_between_them() {
    let (tx, rx) = std::sync::mpsc::channel();
    thread::scope(|scope| {
        scope.spawn(move || {
            for i in 0..500u32 {
                loop {
                    if let Ok(mut buffer) = UPLINK.allocate(1000) {
                        buffer[..4].copy_from_slice(&i.to_le_bytes());
                        tx.send(buffer).unwrap();
                        break;
                    }
                    thread::yield_now();
                }
            }
        });
        scope.spawn(move || {
            for i in 0..500u32 {
                let buffer = rx.recv().unwrap();
                assert_eq!(buffer[..4], i.to_le_bytes());
            }
        });
    });
}
