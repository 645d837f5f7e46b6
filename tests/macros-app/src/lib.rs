//! An application that declares a typed pool and a bins table next to the types that use them. The standard
//! build script scans these declarations and counts them in their regions with the items of memory.toml.

use flight_memory::{buffer_bins, memory_pool};

/// An event record, from a pool of 32 in region `dtcm`.
#[memory_pool(count = 32, region = "dtcm")]
#[derive(Debug, PartialEq, Eq)]
pub struct EventRecord {
    /// The cycle the event happened in.
    pub cycle: u64,
    /// Its id.
    pub id: u16,
}

/// A telemetry frame bound to the pool `telemetry_packet` of memory.toml: it must fit its 256-byte blocks.
#[memory_pool(pool = "telemetry_packet")]
pub struct Frame {
    /// The frame's bytes.
    pub bytes: [u8; 200],
}

pub mod radio {
    //! The radio's buffers.

    flight_memory::buffer_bins! {
        /// Uplink frames and file chunks.
        pub static UPLINK: in "sram" { 128 x 16, 1024 x 4 }
    }
}

buffer_bins! {
    /// Camera thumbnails.
    pub static THUMBNAILS: in "dtcm" { 256 x 4 }
}

flight_memory::include_memory!();
