//! A user's first day with flight-memory, written from the README alone: every pattern it documents, compiled
//! and run by `cargo test -p first-day` (the tests call these functions).
//!
//! * [`first_hour`]: `?` on every allocator in a function returning `Result<_, AllocError>`, a type pool of
//!   `#[memory_pool]` included;
//! * [`stage_files`]: a generated linear component (a `static`) reset after every file, safely, with
//!   `try_scope`; and a generated stack component's scope;
//! * [`downlink_telemetry`]: telemetry as F´ channel text.
//!
//! It also runs the workspace README's Rust examples as doctests. `tests/init_phase_heap.rs` runs them with the plan's `boot_heap` as the `#[global_allocator]`, frozen after
//! start-up.

use flight_memory::{AllocError, buffer_bins, memory_pool};

/// The workspace README's Rust examples, run as doctests of this crate, whose build script writes the plans
/// they include.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/README.md"))]
pub struct ReadmeDoctests;

flight_memory::include_memory!();

/// An event the app logs, from its own pool of 8, counted in region `dtcm`.
#[memory_pool(count = 8, region = "dtcm")]
#[derive(Debug, PartialEq, Eq)]
pub struct EventRecord {
    /// The rate-group cycle.
    pub cycle: u64,
    /// The event's id.
    pub id: u16,
}

buffer_bins! {
    /// The camera's thumbnails, counted in region `sram`.
    pub static THUMBNAILS: in "sram" { 256 x 4, 4096 x 1 }
}

/// Allocates from every kind of item with `?`, as the README does, and gives everything back.
///
/// # Errors
///
/// The first allocation that fails (none does on this plan).
pub fn first_hour() -> Result<u64, AllocError> {
    let record = EventRecord::pool().alloc(EventRecord { cycle: 7, id: 1 })?;
    let mut packet = memory::pools::TELEMETRY_PACKET.allocate()?;
    packet[..2].copy_from_slice(&0x0101u16.to_le_bytes());
    let frame = memory::buffer_managers::DOWNLINK.allocate(300)?;
    let thumbnail = THUMBNAILS.allocate(600)?;
    let sum = memory::components::COMMAND_DISPATCH
        .try_scope(|frame| -> Result<u64, AllocError> {
            let args = frame.alloc_slice_copy(&[1u64, 2, 3])?;
            Ok(args.iter().sum())
        })
        .map_err(|_busy| AllocError::Exhausted { capacity: 1 })??;
    assert_eq!((frame.capacity(), thumbnail.capacity()), (512, 4096));
    Ok(record.cycle + sum)
}

/// Fills the pool of events until it refuses, then shows the value coming back in the `Rejected`.
///
/// # Errors
///
/// `AllocError::Exhausted` from the ninth record: `?` keeps the reason.
pub fn log_too_many() -> Result<(), AllocError> {
    let mut kept = Vec::new();
    for cycle in 0.. {
        kept.push(EventRecord::pool().alloc(EventRecord { cycle, id: 2 })?);
    }
    Ok(())
}

/// Stages `files` one after another in the linear component `file_uplink`, each in a scope that gives every
/// byte back at its end; returns the bytes staged and the component's high-water mark.
///
/// # Errors
///
/// If the component is in use elsewhere (`LinearBusy`) or a file does not fit (`AllocError`).
pub fn stage_files(files: &[&[u8]]) -> Result<(usize, usize), Box<dyn std::error::Error>> {
    let staging = &memory::components::FILE_UPLINK;
    let mut staged = 0;
    for file in files {
        staged += staging.try_scope(|area| -> Result<usize, AllocError> {
            let image = area.alloc_slice_copy(file)?;
            image.reverse(); // work on it in place
            Ok(image.len())
        })??;
        assert_eq!(staging.used_memory(), 0, "every byte came back");
    }
    Ok((staged, staging.stats().peak))
}

/// The downlink manager's telemetry, as F´ prints its channels.
pub fn downlink_telemetry() -> String {
    format!(
        "downlink: {}",
        memory::buffer_managers::DOWNLINK.telemetry()
    )
}

/// The items of the plan with their statistics, one line each: `file_uplink: Used 0 Peak 3000 ...`.
pub fn item_statistics() -> Vec<String> {
    memory::PLATFORM
        .items()
        .filter_map(|item| Some(format!("{}: {}", item.name(), item.allocator()?.stats())))
        .collect()
}
