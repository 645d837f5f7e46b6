//! The allocators declared in the code rather than in memory.toml: the event log's records with
//! `#[memory_pool]` and the uplink's buffers with `buffer_bins!`. The build script counts both in their
//! regions' budgets with the items of the plan.

use flight_memory::{buffer_bins, memory_pool};

/// Something the firmware logs: a pool of 8 records, counted in region `ccm`.
#[memory_pool(count = 8, region = "ccm")]
#[derive(Debug)]
pub struct EventRecord {
    /// What happened.
    pub id: u16,
    /// A number that goes with it.
    pub detail: u32,
}

buffer_bins! {
    /// Uplink buffers, counted in region `sram`: 8 of 64 bytes, 2 of 256. The SysTick interrupt and the main
    /// loop both take and return them during the stress.
    pub static UPLINK: in "sram" id 20 { 64 x 8, 256 x 2 }
}
