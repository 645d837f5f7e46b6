// What generated code asserts for every item: the runtime's allocator state fits in what flight-memory-gen
// counted in the budget. Here a generator that counts 8 bytes for a pool's state (the real figure is larger)
// meets the runtime: the build fails instead of the budget silently missing bytes.

use flight_memory::__private_v0_1 as fm;

pub static PACKETS: fm::MemoryPool<256, 16, 8> = {
    const _: () = fm::check_counted(
        "pool `packets`",
        "memory.toml:9:8",
        "allocator state",
        ::core::mem::size_of::<fm::MemoryPool<256, 16, 8, &'static fm::PoolBlocks<256, 16, 8>>>(),
        8,
    );
    fm::MemoryPool::new()
};

fn main() {
    let _ = PACKETS.capacity();
}
