use flight_memory_macros::memory_pool;

#[memory_pool(cuont = 4, region = "sram")]
pub struct Packet(pub [u8; 16]);

fn main() {}
