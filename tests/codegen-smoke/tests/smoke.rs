//! Allocates from every item flight-memory-gen generated for `memory.toml`, and checks `memory::PLATFORM` and
//! where the linker put the storage.
//!
//! Each test uses its own statics, so that the tests can run in parallel.

use codegen_smoke::commands::Command;
use codegen_smoke::memory;
use flight_memory::{AllocError, AllocationStrategy, Allocator, ItemKind};

#[test]
fn pools_hand_out_every_block_and_take_them_back() {
    let pool = &memory::pools::TELEMETRY_PACKET;
    assert_eq!((pool.capacity(), pool.block_size()), (16, 256));
    let mut blocks = Vec::new();
    while let Ok(mut block) = pool.allocate() {
        block.fill(0xA5);
        assert_eq!(block.as_ptr() as usize % 8, 0);
        blocks.push(block);
    }
    assert_eq!(blocks.len(), 16);
    assert_eq!(
        pool.allocate().unwrap_err(),
        AllocError::Exhausted { capacity: 16 }
    );
    blocks.clear();
    assert_eq!((pool.in_use(), pool.high_water()), (0, 16));
    assert_eq!(pool.stats().failures, 2); // the end of the loop and the request after it
}

#[test]
fn the_typed_pool_holds_aligned_values() {
    let pool = &memory::pools::COMMAND;
    assert_eq!(pool.capacity(), 8);
    let command = Command {
        opcode: 0x42,
        args: [7; 40],
    };
    let boxed: Vec<_> = (0..8).map(|_| pool.alloc(command).unwrap()).collect();
    for value in &boxed {
        assert_eq!(**value, command);
        assert_eq!(&**value as *const Command as usize % 32, 0);
    }
    let refused = pool.alloc(command).unwrap_err();
    assert_eq!(refused.into_inner(), command);
    drop(boxed);
    assert_eq!(pool.in_use(), 0);
}

#[test]
fn buffer_managers_serve_from_their_bins() {
    let comm = &memory::buffer_managers::COMM;
    assert_eq!(comm.id().0, 7);
    assert!(comm.spill_over());
    let mut buffer = comm.allocate(512).unwrap();
    buffer.fill(1);
    assert_eq!((buffer.len(), buffer.capacity()), (512, 1024));
    let small: Vec<_> = (0..8).map(|_| comm.allocate(100).unwrap()).collect();
    // The 128-byte bin is empty: a small request spills to the 1024-byte bin.
    assert_eq!(comm.allocate(100).unwrap().capacity(), 1024);
    drop((buffer, small));
    assert_eq!(comm.telemetry().total_buffs, 12);

    let dma = &memory::buffer_managers::DMA;
    assert!(!dma.spill_over());
    assert_eq!(dma.alignment(), 64);
    let a = dma.allocate(512).unwrap();
    let b = dma.allocate(1).unwrap();
    assert_eq!(a.as_ptr() as usize % 64, 0);
    assert!(dma.allocate(1).is_err());
    drop((a, b));
    assert_eq!(dma.telemetry().no_buffs, 1);
}

#[test]
fn components_allocate_by_their_strategy() {
    let uplink: &'static dyn Allocator = &memory::components::FILE_UPLINK;
    assert_eq!(uplink.strategy(), AllocationStrategy::Linear);
    assert_eq!(uplink.total_memory(), 8 * 1024);
    let chunk = memory::components::FILE_UPLINK
        .alloc_slice_copy(&[1u8; 1000])
        .unwrap();
    assert_eq!(chunk.len(), 1000);
    assert!(uplink.allocate(8 * 1024, 8).is_err());

    let scratch = &memory::components::FRAME_SCRATCH;
    let sum = scratch
        .try_scope(|frame| -> Result<u32, AllocError> {
            let values = frame.alloc_slice_copy(&[1u32, 2, 3])?;
            Ok(values.iter().sum())
        })
        .unwrap()
        .unwrap();
    assert_eq!(sum, 6);
    assert_eq!(scratch.used_memory(), 0);
    assert_eq!(scratch.total_memory(), 4096);

    let events = &memory::components::EVENTS;
    assert_eq!((events.capacity(), events.block_size()), (32, 48));
    let event = events.allocate().unwrap();
    assert_eq!(event.len(), 48);
}

#[test]
fn the_platform_describes_the_plan() {
    let platform = &memory::PLATFORM;
    assert_eq!(platform.name(), "flight");
    assert_eq!(platform.budget(), 96 * 1024);
    assert_eq!(platform.size(), 96 * 1024);
    let names: Vec<&str> = platform.regions().iter().map(|r| r.name()).collect();
    assert_eq!(names, ["sram", "dtcm"]);

    let sram = platform.region("sram").unwrap();
    assert_eq!(
        (sram.size(), sram.section()),
        (64 * 1024, Some(".bss.sram"))
    );
    let dtcm = platform.region("dtcm").unwrap();
    assert_eq!((dtcm.size(), dtcm.section()), (32 * 1024, Some(".dtcm")));
    assert!(platform.region("flash").is_none());

    // A region uses what its items reserve, alignment padding between them included.
    for region in platform.regions() {
        let items: u64 = region.items().iter().map(|i| i.bytes()).sum();
        assert!(items <= region.used(), "{region}");
        assert!(
            region.used() - items < 32 * region.items().len() as u64,
            "{region}"
        );
        assert!(region.used() <= region.size());
    }
    // The typed pool's bytes come from rustc: 8 commands of 64 bytes, 31 bytes of worst-case padding, and the
    // pool's state.
    let command = platform.item("command").unwrap();
    assert_eq!(size_of::<Command>(), 64);
    assert_eq!(command.bytes(), 31 + 8 * 64 + (64 + 8 * 4));
    assert!(command.allocator().is_none());

    let kinds: Vec<(&str, ItemKind, AllocationStrategy)> = platform
        .items()
        .map(|i| (i.name(), i.kind(), i.strategy()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("telemetry_packet", ItemKind::Pool, AllocationStrategy::Pool),
            ("comm", ItemKind::BufferManager, AllocationStrategy::Buffers),
            (
                "file_uplink",
                ItemKind::Component,
                AllocationStrategy::Linear
            ),
            ("events", ItemKind::Component, AllocationStrategy::Pool),
            ("command", ItemKind::Pool, AllocationStrategy::Pool),
            ("dma", ItemKind::BufferManager, AllocationStrategy::Buffers),
            (
                "frame_scratch",
                ItemKind::Component,
                AllocationStrategy::Stack
            ),
        ]
    );
    let events = platform.item("events").unwrap().allocator().unwrap();
    assert_eq!(events.total_memory(), 32 * 48);
}

/// The storage statics are in their region's link section, and the allocator state is not. Read from the
/// test binary's symbol table with `objdump` (skipped where it is not installed).
#[test]
fn storage_is_in_the_regions_link_sections() {
    // Make sure the statics are linked in.
    let _ = memory::pools::TELEMETRY_PACKET.in_use();
    let _ = memory::buffer_managers::DMA.id();
    let _ = memory::components::FRAME_SCRATCH.used_memory();
    let _ = memory::pools::COMMAND.in_use();
    let exe = std::env::current_exe().unwrap();
    let Ok(output) = std::process::Command::new("objdump")
        .args(["-t", "-C"])
        .arg(&exe)
        .output()
    else {
        eprintln!("objdump is not installed: placement not checked");
        return;
    };
    let table = String::from_utf8_lossy(&output.stdout);
    let section_of = |symbol: &str| -> String {
        let line = table
            .lines()
            .find(|line| line.ends_with(symbol))
            .unwrap_or_else(|| panic!("{symbol} is not in the symbol table"));
        // `ADDRESS FLAGS SECTION SIZE NAME`: the section is the first field starting with a dot.
        line.split_whitespace()
            .find(|field| field.starts_with('.'))
            .unwrap_or_else(|| panic!("no section in `{line}`"))
            .to_string()
    };
    assert_eq!(
        section_of("codegen_smoke::memory::pools::TELEMETRY_PACKET::BLOCKS"),
        ".bss"
    );
    assert_eq!(
        section_of("codegen_smoke::memory::buffer_managers::DMA::STORAGE"),
        ".dtcm"
    );
    assert_eq!(
        section_of("codegen_smoke::memory::components::FRAME_SCRATCH::STORAGE"),
        ".dtcm"
    );
    assert_ne!(
        section_of("codegen_smoke::memory::buffer_managers::DMA::STATE"),
        ".dtcm"
    );
    assert_ne!(
        section_of("codegen_smoke::memory::components::FRAME_SCRATCH"),
        ".dtcm"
    );
    // A typed pool's values are in its region's section, its state is not.
    assert_eq!(
        section_of("codegen_smoke::memory::pools::COMMAND::SLOTS"),
        ".dtcm"
    );
    assert_ne!(section_of("codegen_smoke::memory::pools::COMMAND"), ".dtcm");
}
