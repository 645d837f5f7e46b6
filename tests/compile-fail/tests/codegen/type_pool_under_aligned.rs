// The code flight-memory-gen generates for plans/type_pool_under_aligned.toml: memory.toml asks for blocks
// aligned to 64 bytes, and the pool's `type` is aligned to 4.

include!("plans/type_pool_under_aligned.rs");

fn main() {}
