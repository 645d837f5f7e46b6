//! What the runtime's allocators cost besides their storage: the one place the layout takes these numbers from.
//!
//! The budget counts every statically reserved byte of an item against its region: its storage, the alignment
//! padding before it, and the bookkeeping its allocator keeps (free-list links, counters, heads). The storage
//! goes in the region's link section; the bookkeeping lives in `.bss` (which start-up code zeroes), but it is
//! still counted in the item's region so that a region's ledger is an upper bound of what its items need.
//!
//! The numbers are upper bounds of the runtime's `size_of` values on any target. The generated code asserts
//! them at compile time against the runtime crate (e.g. `assert!(size_of::<MemoryPool>() <= POOL_STATE_BYTES)`),
//! so a runtime change that makes an allocator bigger fails the build instead of silently leaving the budget.

/// Bytes of free-list link per block of a pool (the runtime's `free_list::Link`, an `AtomicU32` kept outside
/// the block).
pub const LINK_BYTES_PER_BLOCK: u64 = 4;

/// Fixed state of one pool (`MemoryPool`): free-list head and watermark, capacity, block size, storage pointer
/// and statistics counters.
pub const POOL_STATE_BYTES: u64 = 64;

/// Fixed state of one buffer manager (`BufferManager`), besides its bins: id, flags, bin table pointer,
/// failure hook and manager-wide telemetry.
pub const BUFFER_MANAGER_STATE_BYTES: u64 = 64;

/// State of one bin of a buffer manager: its free list, buffer size and count, and the per-bin telemetry
/// (`total_buffs`, `curr_buffs`, `hi_buffs`, `no_buffs`, `empty_buffs`).
pub const BIN_STATE_BYTES: u64 = 48;

/// Bytes of link per buffer of a buffer manager (one free-list link per buffer, as for pools).
pub const LINK_BYTES_PER_BUFFER: u64 = 4;

/// Fixed state of a linear (bump) allocator component: offset, capacity, storage pointer, statistics.
pub const LINEAR_STATE_BYTES: u64 = 48;

/// Fixed state of a stack allocator component: top, capacity, storage pointer, statistics.
pub const STACK_STATE_BYTES: u64 = 48;

/// Alignment of blocks, buffers and component storage when memory.toml gives no `align`: the largest
/// alignment of a primitive type (`u64`, `f64`) on the 32-bit targets flight software runs on.
pub const DEFAULT_ALIGN: u64 = 8;

/// The most blocks one free list (a pool, a pool component, or one bin) can manage on any target: block
/// indices are stored as `u32` with two codes reserved. Targets with only 32-bit compare-and-swap allow
/// fewer (65,533); the generated code checks that against the runtime at compile time.
pub const MAX_BLOCKS: u64 = u32::MAX as u64 - 2;

/// The largest alignment memory.toml accepts (1 GiB, far above any page or cache line).
pub const MAX_ALIGN: u64 = 1 << 30;

/// The metadata of a pool of `count` blocks: one link per block plus the fixed state. `None` on overflow.
pub const fn pool_metadata(count: u64) -> Option<u64> {
    match count.checked_mul(LINK_BYTES_PER_BLOCK) {
        Some(links) => links.checked_add(POOL_STATE_BYTES),
        None => None,
    }
}

/// The metadata of one bin of `count` buffers: one link per buffer plus the bin's state. `None` on overflow.
pub const fn bin_metadata(count: u64) -> Option<u64> {
    match count.checked_mul(LINK_BYTES_PER_BUFFER) {
        Some(links) => links.checked_add(BIN_STATE_BYTES),
        None => None,
    }
}
