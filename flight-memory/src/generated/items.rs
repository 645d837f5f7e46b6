//! Short constructors of the [`ItemInfo`]s of `memory::PLATFORM`, one per kind of item, so that the generated
//! list of items stays one line per item.

use crate::platform::{ItemInfo, ItemKind};
use crate::{AllocationStrategy, Allocator};

/// A `[pools.NAME]` with `block_size`: a `MemoryPool`.
pub const fn pool_item(
    name: &'static str,
    bytes: u64,
    pool: &'static (dyn Allocator + Sync),
) -> ItemInfo {
    ItemInfo::new(
        name,
        ItemKind::Pool,
        AllocationStrategy::Pool,
        bytes,
        Some(pool),
    )
}

/// A `[pools.NAME]` with `type`: a `TypedPool`, which is not an [`Allocator`].
pub const fn typed_pool_item(name: &'static str, bytes: u64) -> ItemInfo {
    ItemInfo::new(name, ItemKind::Pool, AllocationStrategy::Pool, bytes, None)
}

/// A `[buffer_managers.NAME]`.
pub const fn buffer_manager_item(
    name: &'static str,
    bytes: u64,
    manager: &'static (dyn Allocator + Sync),
) -> ItemInfo {
    ItemInfo::new(
        name,
        ItemKind::BufferManager,
        AllocationStrategy::Buffers,
        bytes,
        Some(manager),
    )
}

/// A `[components.NAME]` with `strategy = "linear"`.
pub const fn linear_item(
    name: &'static str,
    bytes: u64,
    allocator: &'static (dyn Allocator + Sync),
) -> ItemInfo {
    ItemInfo::new(
        name,
        ItemKind::Component,
        AllocationStrategy::Linear,
        bytes,
        Some(allocator),
    )
}

/// A `[components.NAME]` with `strategy = "stack"`.
pub const fn stack_item(
    name: &'static str,
    bytes: u64,
    allocator: &'static (dyn Allocator + Sync),
) -> ItemInfo {
    ItemInfo::new(
        name,
        ItemKind::Component,
        AllocationStrategy::Stack,
        bytes,
        Some(allocator),
    )
}

/// A `[components.NAME]` with `strategy = "pool"`.
pub const fn pool_component_item(
    name: &'static str,
    bytes: u64,
    pool: &'static (dyn Allocator + Sync),
) -> ItemInfo {
    ItemInfo::new(
        name,
        ItemKind::Component,
        AllocationStrategy::Pool,
        bytes,
        Some(pool),
    )
}
