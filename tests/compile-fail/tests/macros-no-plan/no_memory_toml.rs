// No FLIGHT_MEMORY_CONFIG and no memory.toml next to the crate's Cargo.toml.
use flight_memory_macros::memory_pool;

#[memory_pool(count = 4, region = "sram")]
pub struct Packet(pub [u8; 16]);

fn main() {
    let _ = Packet::pool();
}
