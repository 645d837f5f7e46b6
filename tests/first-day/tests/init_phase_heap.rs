//! The plan's `boot_heap` component as the `#[global_allocator]`: `Vec`, `Box` and `String` work during
//! start-up, then `freeze()` ends the initialisation phase and every allocation is refused (null, counted).
//! Runs without the test harness, which would allocate after the freeze.

use std::alloc::{GlobalAlloc, Layout};

use first_day::memory;
use flight_memory::InitPhaseHeap;

#[global_allocator]
static HEAP: InitPhaseHeap = InitPhaseHeap::new(&memory::components::BOOT_HEAP);

fn main() {
    // Start-up: the app builds its tables on the heap.
    let table: Vec<u32> = (0..100).collect();
    let name = String::from("first-day");
    let boxed = Box::new([7u8; 300]);
    assert_eq!((table[99], name.as_str(), boxed[299]), (99, "first-day", 7));
    let from_heap = HEAP.stats();
    assert!(from_heap.allocations >= 3, "{from_heap:?}");
    assert!(from_heap.used >= 400 + 9 + 300, "{from_heap:?}");
    let heap_start = memory::components::BOOT_HEAP
        .allocate(0, 1)
        .unwrap()
        .as_ptr() as usize;
    assert!(
        (table.as_ptr() as usize) < heap_start,
        "the Vec came from boot_heap"
    );

    // The documented patterns, while the heap still serves (they format strings).
    assert_eq!(first_day::first_hour(), Ok(13));
    let lines = first_day::item_statistics();
    let telemetry = first_day::downlink_telemetry();
    println!(
        "init phase: {} allocations, {} bytes",
        from_heap.allocations, from_heap.used
    );

    HEAP.freeze();

    // Run phase: nothing may allocate. What was allocated before stays valid.
    // SAFETY: the layout has a non-zero size; a null result is checked, not used.
    let refused = unsafe { std::alloc::alloc(Layout::from_size_align(64, 8).unwrap()) };
    assert!(refused.is_null());
    // SAFETY: as above, through the allocator itself.
    assert!(unsafe { HEAP.alloc(Layout::new::<u64>()) }.is_null());
    assert_eq!(HEAP.refused(), 2);
    assert!(HEAP.is_frozen());
    // Allocators of the plan work without the heap.
    let packet = memory::pools::TELEMETRY_PACKET.allocate().unwrap();
    assert_eq!(packet.len(), 256);
    assert_eq!(table.len() + name.len() + boxed.len(), 100 + 9 + 300);
    assert!(telemetry.starts_with("downlink: TotalBuffs 12 CurrBuffs 0 HiBuffs 1 NoBuffs 0"));
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("boot_heap: Used "))
    );
    println!("run phase: {} allocations refused", HEAP.refused());
}
