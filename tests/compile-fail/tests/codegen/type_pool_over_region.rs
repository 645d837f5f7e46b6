// The code flight-memory-gen generates for plans/type_pool_over_region.toml: the pool's `type` has a size only
// rustc knows, and it does not fit in region `sram`.

mod tlm {
    #[allow(dead_code)]
    pub struct Packet {
        pub bytes: [u8; 100],
    }
}

include!("plans/type_pool_over_region.rs");

fn main() {}
