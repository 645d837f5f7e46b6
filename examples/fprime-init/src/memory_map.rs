//! The deployment's memory map: which allocator serves each memory id, for the flight board and for the ground
//! simulator. Components never name an allocator; the topology looks theirs up by id and passes it to
//! `configure`, as an F´ topology does.

use flight_memory::{
    MallocAllocator, MemAllocator, MemAllocatorRegistry, MemoryId, MemoryRegion, RegistryError,
    static_allocator,
};

/// Memory ids, one per component that allocates at initialisation (F´'s `memId`).
pub mod ids {
    use flight_memory::MemoryId;

    /// The communications buffer manager.
    pub const COMMS: MemoryId = MemoryId(1);
    /// The file uplink's buffer manager.
    pub const FILE_UPLINK: MemoryId = MemoryId(2);
    /// The event log's ring of records.
    pub const EVENT_LOG: MemoryId = MemoryId(3);
    /// The telemetry database's channel table.
    pub const TLM_DB: MemoryId = MemoryId(4);
}

static_allocator! {
    /// The board's SRAM set aside for components configured at start-up: each `configure` carves its block.
    pub static SRAM: MemoryRegion("sram", 64 * 1024, align = 16);
    /// The board's DTCM, for the data the control loop reads every cycle.
    pub static DTCM: MemoryRegion("dtcm", 16 * 1024, align = 32);
}

/// The heap, which the ground simulator may use at initialisation.
pub static HEAP: MallocAllocator = MallocAllocator::new();

/// Where a deployment's memory comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The flight board: regions of static RAM only; no heap.
    Flight,
    /// The ground simulator on a workstation: the heap, except what must behave as on the board.
    GroundSim,
}

/// The registry of `target`: memory id to allocator, with a default for ids not listed.
///
/// # Errors
///
/// If an id is listed twice, or the registry is too small.
pub fn registry(target: Target) -> Result<MemAllocatorRegistry<'static, 4>, RegistryError> {
    let mut registry = MemAllocatorRegistry::new(default_allocator(target));
    match target {
        Target::Flight => {
            registry.register(ids::EVENT_LOG, &DTCM)?;
            registry.register(ids::TLM_DB, &DTCM)?;
        }
        Target::GroundSim => {
            // The telemetry database stays in a region on the ground too: its layout is what gets tested.
            registry.register(ids::TLM_DB, &DTCM)?;
        }
    }
    Ok(registry)
}

/// The allocator for ids with no entry of their own.
pub fn default_allocator(target: Target) -> &'static (dyn MemAllocator + Sync) {
    match target {
        Target::Flight => &SRAM,
        Target::GroundSim => &HEAP,
    }
}

/// The name of an allocator of this map, for the log.
pub fn name_of(allocator: &dyn MemAllocator) -> &'static str {
    let address = (allocator as *const dyn MemAllocator).cast::<()>();
    if address == (&SRAM as *const MemoryRegion<'_>).cast::<()>() {
        "region sram"
    } else if address == (&DTCM as *const MemoryRegion<'_>).cast::<()>() {
        "region dtcm"
    } else if address == (&HEAP as *const MallocAllocator).cast::<()>() {
        "heap (MallocAllocator)"
    } else {
        "another allocator"
    }
}

/// The allocator for `id` in `registry`, with its name.
pub fn lookup(
    registry: &MemAllocatorRegistry<'static, 4>,
    id: MemoryId,
) -> (&'static (dyn MemAllocator + Sync), &'static str) {
    let allocator = registry.get_or_default(id);
    (allocator, name_of(allocator))
}
