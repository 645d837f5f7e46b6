//! What the build's memory plan is, at run time: the platform, its regions and their items, as generated from
//! memory.toml by flight-memory-gen (`memory::PLATFORM`).

use core::fmt;

use crate::{AllocationStrategy, Allocator};

/// The platform a program was built for, as memory.toml describes it: its name, its RAM budget, and its
/// regions with their sizes and what their items use.
///
/// flight-memory-gen generates one as `memory::PLATFORM` (see [`include_memory!`](crate::include_memory)),
/// built by constant evaluation: reading it costs nothing at start-up. Telemetry can report it, and a test can
/// check it; every figure is in bytes.
///
/// ```
/// use flight_memory::{AllocationStrategy, ItemInfo, ItemKind, Platform, RegionInfo};
///
/// // What the generated code declares (with the statics of the items behind `allocator`).
/// static PLATFORM: Platform = Platform::new(
///     "cubesat-obc",
///     448 * 1024,
///     &[
///         RegionInfo::new("sram", 384 * 1024, 86_800, Some(".bss.sram"), &[
///             ItemInfo::new("comm", ItemKind::BufferManager, AllocationStrategy::Buffers, 37_792, None),
///         ]),
///         RegionInfo::new("dtcm", 64 * 1024, 0, None, &[]),
///     ],
/// );
///
/// let sram = PLATFORM.region("sram").expect("declared in memory.toml");
/// assert_eq!((sram.size(), sram.used(), sram.free()), (393_216, 86_800, 306_416));
/// assert_eq!(sram.section(), Some(".bss.sram"));
/// assert_eq!(PLATFORM.size(), 448 * 1024);
/// assert_eq!(PLATFORM.item("comm").map(ItemInfo::kind), Some(ItemKind::BufferManager));
/// assert!(PLATFORM.region("flash").is_none());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Platform {
    /// The platform's name in memory.toml.
    name: &'static str,
    /// The budget: the regions' sizes together do not exceed it (checked by the generator).
    budget: u64,
    /// In memory.toml's order.
    regions: &'static [RegionInfo],
}

impl Platform {
    /// A platform called `name` with a budget of `budget` bytes and its `regions`.
    pub const fn new(name: &'static str, budget: u64, regions: &'static [RegionInfo]) -> Platform {
        Platform {
            name,
            budget,
            regions,
        }
    }

    /// The platform's name, as memory.toml writes it.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The budget in bytes: all regions together fit in it.
    pub const fn budget(&self) -> u64 {
        self.budget
    }

    /// The regions, in memory.toml's order.
    pub const fn regions(&self) -> &'static [RegionInfo] {
        self.regions
    }

    /// The region called `name`, if memory.toml declares it.
    pub fn region(&self, name: &str) -> Option<&'static RegionInfo> {
        self.regions.iter().find(|region| region.name == name)
    }

    /// The regions' sizes together (at most [`budget`](Platform::budget)). Saturates at `u64::MAX`.
    pub fn size(&self) -> u64 {
        self.regions
            .iter()
            .fold(0u64, |sum, region| sum.saturating_add(region.size))
    }

    /// What the items of every region use, in bytes. Saturates at `u64::MAX`.
    pub fn used(&self) -> u64 {
        self.regions
            .iter()
            .fold(0u64, |sum, region| sum.saturating_add(region.used))
    }

    /// Every item of every region, region by region.
    pub fn items(&self) -> impl Iterator<Item = &'static ItemInfo> + 'static {
        self.regions.iter().flat_map(|region| region.items.iter())
    }

    /// The item (pool, buffer manager or component) called `name`, in whichever region it is.
    pub fn item(&self, name: &str) -> Option<&'static ItemInfo> {
        self.items().find(|item| item.name == name)
    }
}

/// `cubesat-obc: 86800 of 458752 bytes used` then one line per region.
impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} of {} bytes used",
            self.name,
            self.used(),
            self.budget
        )?;
        for region in self.regions {
            write!(f, "\n  {region}")?;
        }
        Ok(())
    }
}

/// One region of a [`Platform`]: its size on that platform, the bytes its items take, its link section and its
/// items.
#[derive(Clone, Copy, Debug)]
pub struct RegionInfo {
    /// The region's name in memory.toml.
    name: &'static str,
    /// Its size on the platform.
    size: u64,
    /// What its items take, alignment padding and allocator metadata included: at most `size` (checked by the
    /// generator, or at compile time for sizes only rustc knows).
    used: u64,
    /// The link section of its items' storage bytes.
    section: Option<&'static str>,
    /// Its items, in memory.toml's order.
    items: &'static [ItemInfo],
}

impl RegionInfo {
    /// A region called `name` of `size` bytes, whose items use `used` bytes, with the storage of its items in
    /// link section `section`.
    pub const fn new(
        name: &'static str,
        size: u64,
        used: u64,
        section: Option<&'static str>,
        items: &'static [ItemInfo],
    ) -> RegionInfo {
        RegionInfo {
            name,
            size,
            used,
            section,
            items,
        }
    }

    /// The region's name, as memory.toml writes it.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Its size on this platform, in bytes.
    pub const fn size(&self) -> u64 {
        self.size
    }

    /// What its items reserve, in bytes: storage, allocator metadata and alignment padding. This is the
    /// budget's figure, fixed at build time (what the allocators hand out at run time is in their statistics).
    pub const fn used(&self) -> u64 {
        self.used
    }

    /// The bytes left: `size - used` (never below zero).
    pub const fn free(&self) -> u64 {
        self.size.saturating_sub(self.used)
    }

    /// The link section the storage of its items is placed in, if memory.toml gives one for this platform.
    pub const fn section(&self) -> Option<&'static str> {
        self.section
    }

    /// Its items, in memory.toml's order.
    pub const fn items(&self) -> &'static [ItemInfo] {
        self.items
    }

    /// The item of this region called `name`.
    pub fn item(&self, name: &str) -> Option<&'static ItemInfo> {
        self.items.iter().find(|item| item.name == name)
    }
}

/// `sram: 86800 of 393216 bytes used (.bss.sram)`.
impl fmt::Display for RegionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} of {} bytes used",
            self.name, self.used, self.size
        )?;
        if let Some(section) = self.section {
            write!(f, " ({section})")?;
        }
        Ok(())
    }
}

/// What kind of memory.toml item an [`ItemInfo`] is: the table it is declared in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ItemKind {
    /// `[pools.NAME]`: a [`MemoryPool`](crate::MemoryPool) or, with `type = ...`, a
    /// [`TypedPool`](crate::TypedPool).
    Pool,
    /// `[buffer_managers.NAME]`: a [`BufferManager`](crate::BufferManager).
    BufferManager,
    /// `[components.NAME]`: a component's own allocator (its [`strategy`](ItemInfo::strategy) says which).
    Component,
}

/// One item of a [`RegionInfo`]: a pool, buffer manager or component, with the bytes it reserves and, where it
/// is one, the allocator to read its statistics from.
#[derive(Clone, Copy)]
pub struct ItemInfo {
    /// The item's name in memory.toml.
    name: &'static str,
    /// The table it is declared in.
    kind: ItemKind,
    /// How it allocates.
    strategy: AllocationStrategy,
    /// Its footprint in the region's ledger: padding, storage, metadata.
    bytes: u64,
    /// The item's static, when it implements [`Allocator`] (typed pools do not).
    allocator: Option<&'static (dyn Allocator + Sync)>,
}

impl ItemInfo {
    /// An item called `name` of `kind` and `strategy`, reserving `bytes`, whose static is `allocator`.
    pub const fn new(
        name: &'static str,
        kind: ItemKind,
        strategy: AllocationStrategy,
        bytes: u64,
        allocator: Option<&'static (dyn Allocator + Sync)>,
    ) -> ItemInfo {
        ItemInfo {
            name,
            kind,
            strategy,
            bytes,
            allocator,
        }
    }

    /// The item's name, as memory.toml writes it.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The table it is declared in.
    pub const fn kind(&self) -> ItemKind {
        self.kind
    }

    /// How it allocates.
    pub const fn strategy(&self) -> AllocationStrategy {
        self.strategy
    }

    /// What it reserves in its region, in bytes: alignment padding, storage and allocator metadata.
    pub const fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The item's static as an [`Allocator`], for its statistics (`None` for a typed pool, whose
    /// `TypedPool::stats` is read from the static itself).
    pub const fn allocator(&self) -> Option<&'static (dyn Allocator + Sync)> {
        self.allocator
    }
}

impl fmt::Debug for ItemInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemInfo")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("strategy", &self.strategy)
            .field("bytes", &self.bytes)
            .field("allocator", &self.allocator.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryPool;
    use std::string::ToString;

    static POOL: MemoryPool<64, 2> = MemoryPool::new();
    static PLATFORM: Platform = Platform::new(
        "board",
        4096,
        &[
            RegionInfo::new(
                "ram",
                3072,
                220,
                Some(".ram"),
                &[ItemInfo::new(
                    "packets",
                    ItemKind::Pool,
                    AllocationStrategy::Pool,
                    220,
                    Some(&POOL),
                )],
            ),
            RegionInfo::new("ccm", 1024, 0, None, &[]),
        ],
    );

    #[test]
    fn looks_up_regions_and_items() {
        assert_eq!(PLATFORM.name(), "board");
        assert_eq!((PLATFORM.size(), PLATFORM.used()), (4096, 220));
        let ram = PLATFORM.region("ram").unwrap();
        assert_eq!(ram.free(), 2852);
        assert_eq!(ram.item("packets").unwrap().bytes(), 220);
        assert!(ram.item("nothing").is_none());
        assert_eq!(PLATFORM.items().count(), 1);
        let packets = PLATFORM.item("packets").unwrap();
        let pool = packets.allocator().unwrap();
        let block = pool.allocate(10, 8).unwrap();
        assert_eq!(pool.used_memory(), 64);
        // SAFETY: `block` is a live raw allocation of `pool`, given back once and not used afterwards.
        unsafe { pool.deallocate(block, 10) }.unwrap();
        assert_eq!(PLATFORM.region("ccm").unwrap().section(), None);
    }

    #[test]
    fn displays_a_summary() {
        assert_eq!(
            PLATFORM.to_string(),
            "board: 220 of 4096 bytes used\n  ram: 220 of 3072 bytes used (.ram)\n  ccm: 0 of 1024 bytes used"
        );
    }

    #[test]
    fn free_never_goes_below_zero() {
        assert_eq!(RegionInfo::new("r", 10, 20, None, &[]).free(), 0);
    }
}
