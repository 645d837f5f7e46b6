use flight_memory_macros::memory_pool;

#[memory_pool(count = 4, region = "sram")]
pub struct Packet<T>(pub T);

fn main() {}
