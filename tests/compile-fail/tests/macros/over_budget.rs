use flight_memory_macros::memory_pool;

flight_memory::include_memory!("ui_over_budget.rs");

/// 8 x 64 bytes and the pool's state: region `tiny` has 256 bytes.
#[memory_pool(count = 8, region = "tiny")]
pub struct Sample(pub [u8; 64]);

fn main() {
    let _ = Sample::pool();
}
