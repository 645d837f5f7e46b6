use flight_memory_macros::memory_pool;

#[memory_pool(count = 4, region = "sdram")]
pub struct Packet(pub [u8; 16]);

fn main() {}
