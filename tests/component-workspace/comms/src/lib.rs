//! The radio: receive buffers from its own `buffer_bins!` table, counted by the binary that links this crate.

flight_memory::include_memory!();

use flight_memory::AllocError;

flight_memory::buffer_bins! {
    /// Uplink frames as the radio receives them.
    pub static RX: in "sram" { 2048 x 12 }
}

/// Receives one frame: its length.
///
/// # Errors
///
/// When no receive buffer is free.
pub fn receive() -> Result<usize, AllocError> {
    let frame = RX.allocate(1500)?;
    Ok(frame.len())
}
