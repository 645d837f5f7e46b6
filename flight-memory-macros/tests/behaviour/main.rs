//! Behaviour of `#[memory_pool]` and `buffer_bins!` in a crate whose build script generated the ledger
//! (this crate's build.rs does it for the tests).
#![cfg(not(loom))]

flight_memory::include_memory!();

mod bins;
mod budget;
mod pools;
