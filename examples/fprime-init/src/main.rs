//! F´'s initialisation pattern on flight-memory: configure → run → teardown.
//!
//! A topology builds its components, then *configures* each one with the allocator of its memory id: the
//! component asks that allocator, once, for all the memory it will ever use. Then the deployment runs, with no
//! allocation but from the memory carved at start-up. At shutdown (or in a test, between runs) each component
//! gives its memory back, in the reverse order.
//!
//! This program deploys the same four components twice, on two memory maps (see `memory_map.rs`):
//!
//! * `flight`: every memory id served by a [`MemoryRegion`](flight_memory::MemoryRegion) of static RAM (SRAM by
//!   default, DTCM for the event log and the telemetry database);
//! * `ground-sim`: the heap ([`MallocAllocator`](flight_memory::MallocAllocator)) by default, DTCM for the
//!   telemetry database;
//!
//! and prints what it did. It exits with 0 if every byte went back where it came from.
//!
//! ```text
//! cargo run -p fprime-init
//! ```

mod buffer_pool;
mod event_log;
mod memory_map;
mod tlm_db;

use std::process::ExitCode;

use flight_memory::{Bin, BufferPort, ManagerId};

use crate::buffer_pool::{BufferPool, PoolTeardownError};
use crate::event_log::EventLog;
use crate::memory_map::{DTCM, HEAP, SRAM, Target, ids, lookup, name_of};
use crate::tlm_db::TlmDb;

/// The communications buffer manager's bins: command packets, telemetry frames, large frames.
static COMMS_BINS: [Bin; 3] = [Bin::new(128, 16), Bin::new(512, 8), Bin::new(1024, 4)];
/// The file uplink's bins: 2 KiB file chunks.
static FILE_UPLINK_BINS: [Bin; 1] = [Bin::new(2048, 8)];
/// Event records in the log.
const EVENT_RECORDS: usize = 64;
/// Channels in the telemetry database.
const CHANNELS: usize = 256;
/// Rate-group cycles the deployment runs.
const CYCLES: u32 = 500;

fn main() -> ExitCode {
    let mut ok = true;
    for target in [Target::Flight, Target::GroundSim] {
        match deploy(target) {
            Ok(()) => {}
            Err(error) => {
                println!("  FAILED: {error}");
                ok = false;
            }
        }
        println!();
    }
    let left = [
        ("region sram", SRAM.used_memory()),
        ("region dtcm", DTCM.used_memory()),
        ("heap", HEAP.stats().used),
    ];
    for (name, used) in left {
        if used != 0 {
            println!("FAILED: {used} bytes of {name} never came back");
            ok = false;
        }
    }
    if ok {
        println!("ok: both deployments gave every byte back");
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Configures, runs and tears down the deployment on `target`'s memory map.
fn deploy(target: Target) -> Result<(), String> {
    let name = match target {
        Target::Flight => "flight",
        Target::GroundSim => "ground-sim",
    };
    println!("== deployment `{name}`");

    // The memory map: memory id -> allocator, with a default.
    let registry = memory_map::registry(target).map_err(|e| e.to_string())?;
    print!(
        "memory map: default {}",
        name_of(registry.default_allocator())
    );
    for (id, allocator) in registry.iter() {
        print!(", id {} -> {}", id.0, name_of(allocator));
    }
    println!();

    // Instantiate the components (nothing allocated yet) ...
    let mut comms = BufferPool::new("comms", ManagerId(1), &COMMS_BINS);
    let mut file_uplink = BufferPool::new("file_uplink", ManagerId(2), &FILE_UPLINK_BINS);
    let mut events = EventLog::default();
    let mut tlm = TlmDb::default();

    // ... and configure each with the allocator the registry maps its memory id to (or the default).
    for (pool, id) in [
        (&mut comms, ids::COMMS),
        (&mut file_uplink, ids::FILE_UPLINK),
    ] {
        let (allocator, _) = lookup(&registry, id);
        let buffers = pool
            .configure(allocator, id)
            .map_err(|e| format!("configure {}: {e}", pool.name))?;
        let tlm = pool.telemetry().ok_or("configured, yet no telemetry")?;
        println!(
            "configure {:<12} memory id {}: BufferManager::setup, {} buffers in {} bin{}, {buffers} bytes of buffers, from {}",
            pool.name,
            id.0,
            tlm.total_buffs,
            tlm.bins,
            if tlm.bins == 1 { "" } else { "s" },
            name_of(allocator)
        );
    }
    let (allocator, from) = lookup(&registry, ids::EVENT_LOG);
    let bytes = events
        .configure(allocator, ids::EVENT_LOG, EVENT_RECORDS)
        .map_err(|e| format!("configure event_log: {e}"))?;
    println!(
        "configure {:<12} memory id {}: {EVENT_RECORDS} records, {bytes} bytes, from {from}",
        "event_log",
        ids::EVENT_LOG.0
    );
    let (allocator, from) = lookup(&registry, ids::TLM_DB);
    let bytes = tlm
        .configure(allocator, ids::TLM_DB, CHANNELS)
        .map_err(|e| format!("configure tlm_db: {e}"))?;
    println!(
        "configure {:<12} memory id {}: {CHANNELS} channels, {bytes} bytes, from {from}",
        "tlm_db",
        ids::TLM_DB.0
    );
    print_memory("after configure");

    // Run: every cycle, a telemetry frame through the comms port, a value per channel, an event now and then;
    // a file chunk every tenth cycle.
    let comms_port: &dyn BufferPort = &comms;
    let files_port: &dyn BufferPort = &file_uplink;
    for cycle in 0..CYCLES {
        let frame_len = 100 + (cycle as usize * 37) % 900;
        let mut frame = comms_port
            .get(frame_len)
            .map_err(|e| format!("cycle {cycle}: {e}"))?;
        frame.fill(cycle as u8);
        tlm.write(cycle as usize % CHANNELS, cycle, u32::from(frame[0]));
        comms_port
            .send_in(frame)
            .map_err(|e| format!("cycle {cycle}: {e}"))?;
        if cycle % 10 == 0 {
            let chunk = files_port
                .get(2048)
                .map_err(|e| format!("cycle {cycle}: {e}"))?;
            drop(chunk); // written to flash, back to the manager
        }
        if cycle % 50 == 0 {
            events.log(cycle, 0x0100, "rate group 1 Hz: cycle slip check passed");
        }
    }
    let comms_tlm = comms.telemetry().ok_or("comms is not configured")?;
    println!(
        "run       {CYCLES} cycles: comms high-water {} of {} buffers, {} failed requests; {} events logged",
        comms_tlm.hi_buffs,
        comms_tlm.total_buffs,
        comms_tlm.no_buffs,
        events.written()
    );

    // A file chunk is still in the flash writer's queue, as a raw buffer, when teardown starts.
    let queued = file_uplink
        .manager()
        .ok_or("file_uplink is not configured")?
        .allocate(2048)
        .map_err(|e| e.to_string())?
        .into_raw();

    // Teardown, in the reverse order of configuration: a region gives back only its most recent block.
    tlm.teardown()
        .map_err(|e| format!("teardown tlm_db: {e}"))?;
    events
        .teardown()
        .map_err(|e| format!("teardown event_log: {e}"))?;
    match file_uplink.teardown() {
        Err(PoolTeardownError::BuffersOut { outstanding }) => {
            println!(
                "teardown  file_uplink refused: {outstanding} buffer still out (a chunk in the flash writer's queue); nothing was freed"
            );
            let manager = file_uplink
                .manager()
                .ok_or("file_uplink lost its manager")?;
            manager.return_raw(queued).map_err(|e| e.to_string())?;
            file_uplink
                .teardown()
                .map_err(|e| format!("teardown file_uplink: {e}"))?;
            println!("teardown  file_uplink: chunk returned, memory given back");
        }
        other => {
            return Err(format!(
                "teardown file_uplink: expected a refusal, got {other:?}"
            ));
        }
    }
    comms
        .teardown()
        .map_err(|e| format!("teardown comms: {e}"))?;
    println!("teardown  tlm_db, event_log, file_uplink, comms: done");
    print_memory("after teardown");
    Ok(())
}

/// One line on what each allocator of the map has out.
fn print_memory(when: &str) {
    println!(
        "memory    {when}: sram {} of {} bytes (high-water {}), dtcm {} of {} bytes (high-water {}), heap {} bytes in {} blocks",
        SRAM.used_memory(),
        SRAM.total_memory(),
        SRAM.high_water(),
        DTCM.used_memory(),
        DTCM.total_memory(),
        DTCM.high_water(),
        HEAP.stats().used,
        HEAP.live_blocks()
    );
}
