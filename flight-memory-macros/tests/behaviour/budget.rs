//! The macros' items are in the ledger the generated code checks, with memory.toml's items.

use flight_memory::{BinTable, BufferManager, BufferState, BufferStorage, TypedPool, TypedSlots};

use crate::memory::__budget::{REGION_DTCM, REGION_SRAM};
use crate::pools::{Message, Packet};

#[test]
fn macro_items_are_counted_in_their_regions() {
    let term = |what: &str| REGION_SRAM.terms.iter().find(|t| t.what == what).unwrap();
    let mut whats: Vec<&str> = REGION_SRAM.terms.iter().map(|t| t.what).collect();
    whats.sort_unstable();
    assert_eq!(
        whats,
        ["#[memory_pool] on `Packet`", "buffer_bins! `UPLINK`"]
    );
    // Keyed by where each use is.
    let pool = term("#[memory_pool] on `Packet`");
    assert!(
        pool.key.starts_with("tests/behaviour/pools.rs:"),
        "{}",
        pool.key
    );
    assert_eq!(pool.key, pool.location);
    // The pool's state and its slots, two statics, counted as one term.
    assert_eq!(
        pool.size,
        size_of::<(
            TypedPool<Packet, 4, &'static TypedSlots<Packet, 4>>,
            TypedSlots<Packet, 4>
        )>()
    );
    const TABLE: BinTable<3> = BinTable::new([
        flight_memory::Bin::new(1024, 16),
        flight_memory::Bin::new(128, 32),
        flight_memory::Bin::new(4096, 4),
    ]);
    let manager = size_of::<(
        BufferManager<'static>,
        BufferState<{ TABLE.bin_count() }, { TABLE.buffer_count() }>,
        BufferStorage<{ TABLE.storage_size() }, { TABLE.alignment() }>,
    )>();
    assert!(manager >= TABLE.storage_size());
    assert_eq!(term("buffer_bins! `UPLINK`").size, manager);
    // The region's total is memory.toml's known bytes plus the terms.
    let terms: u64 = REGION_SRAM.terms.iter().map(|t| t.bytes().unwrap()).sum();
    assert_eq!(REGION_SRAM.used(), REGION_SRAM.known + terms);
    let dtcm = |what: &str| REGION_DTCM.terms.iter().find(|t| t.what == what);
    assert!(dtcm("buffer_bins! `DMA`").is_some());
    assert_eq!(
        size_of::<(
            TypedPool<Message, 64, &'static TypedSlots<Message, 64>>,
            TypedSlots<Message, 64>
        )>(),
        dtcm("#[memory_pool] on `Message`").unwrap().size
    );
    let sram = crate::memory::PLATFORM.region("sram").unwrap();
    assert_eq!(sram.used(), REGION_SRAM.used());
}
