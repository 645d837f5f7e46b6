use flight_memory_macros::memory_pool;

flight_memory::include_memory!("ui_too_big_for_pool.rs");

/// 64 bytes: the blocks of `small_block` are 16.
#[memory_pool(pool = "small_block")]
pub struct Big(pub [u8; 64]);

fn main() {
    let _ = Big::pool();
}
