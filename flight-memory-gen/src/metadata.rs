//! What the runtime's allocators cost besides their storage: the one place the layout takes these numbers from.
//!
//! The budget counts every statically reserved byte of an item against its region: its storage, the alignment
//! padding before it, and the bookkeeping its allocator keeps (free-list links, counters, heads). The storage
//! goes in the region's link section; the bookkeeping lives in `.bss` (which start-up code zeroes), but it is
//! still counted in the item's region so that a region's ledger is an upper bound of what its items need.
//!
//! The numbers are upper bounds of the runtime's `size_of` values on any target and with any of its features:
//! they are the sizes on 64-bit targets with lock-free free lists and the `alloc` feature (the largest form;
//! 32-bit targets and the `critical-section` form are smaller). The generated code asserts them at compile time against the runtime crate it is built with
//! (`fm::check_counted(.., size_of::<MemoryPool<..>>(), POOL_STATE_BYTES + count × LINK_BYTES_PER_BLOCK)`), so
//! a runtime change that makes an allocator bigger fails the build instead of silently leaving the budget.

/// Bytes of free-list link per block of a pool (the runtime's `free_list::Link`, an `AtomicU32` kept outside
/// the block).
pub const LINK_BYTES_PER_BLOCK: u64 = 4;

/// Fixed state of one pool (`MemoryPool`): free-list head, watermark and counts, two failure counters, and the
/// address of its blocks (48 bytes on 64-bit targets; the bound leaves room for the 32-bit-tag form's counters).
pub const POOL_STATE_BYTES: u64 = 64;

/// Fixed state of one buffer manager (`BufferManager`), besides its bins: id, spill-over flag, the addresses
/// and lengths of its table, state and storage, the failure hook, the set-up owner and the manager-wide
/// telemetry.
pub const BUFFER_MANAGER_STATE_BYTES: u64 = 224;

/// State of one bin of a buffer manager (`BufferState`): its free list, which counts `curr_buffs` and `hi_buffs`,
/// and the rest of the per-bin telemetry (`no_buffs`, `zero_size_requests`, spills, refused returns).
pub const BIN_STATE_BYTES: u64 = 56;

/// Bytes of metadata per buffer of a buffer manager: a free-list link and a tag (which validates raw buffers
/// when they come back), kept outside the buffer.
pub const LINK_BYTES_PER_BUFFER: u64 = 8;

/// Fixed state of a linear (bump) allocator component (`LinearAllocator`): storage address and length (and, with
/// the runtime's `alloc` feature, how to free a heap-owned arena), offset, statistics.
pub const LINEAR_STATE_BYTES: u64 = 80;

/// Fixed state of a stack allocator component (`StackAllocator`): storage address and length (and, with the
/// runtime's `alloc` feature, how to free a heap-owned arena), lock, top, depth, statistics.
pub const STACK_STATE_BYTES: u64 = 96;

/// Alignment of blocks, buffers and component storage when memory.toml gives no `align`: the largest
/// alignment of a primitive type (`u64`, `f64`) on the 32-bit targets flight software runs on.
pub const DEFAULT_ALIGN: u64 = 8;

/// The most blocks one free list (a pool, a pool component, or one bin) can manage on any target: block
/// indices are stored as `u32` with two codes reserved. Targets with only 32-bit compare-and-swap allow
/// fewer (65,533); the generated code checks that against the runtime at compile time.
pub const MAX_BLOCKS: u64 = u32::MAX as u64 - 2;

/// The most bins a buffer manager can have (the runtime's `MAX_BINS`; the generated code checks it too, as
/// its `BinTable` refuses more).
pub const MAX_BINS: u64 = 32;

/// The largest alignment memory.toml accepts: 4 KiB, a page, the largest the runtime's aligned storage supports.
pub const MAX_ALIGN: u64 = 4096;

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
