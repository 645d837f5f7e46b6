use flight_memory_macros::memory_pool;

#[memory_pool(pool = "telemetry")]
pub struct Packet(pub [u8; 16]);

fn main() {}
