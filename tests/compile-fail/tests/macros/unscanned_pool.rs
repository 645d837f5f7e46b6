// The build script generated this file's ledger without scanning it: the pool is not in the budget.
use flight_memory_macros::memory_pool;

flight_memory::include_memory!("ui_unscanned_pool.rs");

#[memory_pool(count = 4, region = "sram")]
pub struct Packet(pub [u8; 16]);

fn main() {
    let _ = Packet::pool();
}
