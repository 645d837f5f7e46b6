//! The memory.toml model: what the file says, with the span of every value.
//!
//! The model is built once by the parser and never changed afterwards: validation, layout and (later) code
//! generation only read it. A [`Config`] obtained from [`Checked`](crate::Checked) has passed every check; a
//! [`Config`] in an [`Analysis`](crate::Analysis) with errors holds only the items that were read without error.
//!
//! Sizes are bytes (`u64`), already converted from their units.

use crate::source::Span;

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written (the value, not its key).
    pub span: Span,
}

impl<T> Spanned<T> {
    /// `value` written at `span`.
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// A whole memory.toml file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The platforms, in file order: one for `[platform]`, one per `[platforms.NAME]`.
    pub platforms: Vec<Platform>,
    /// `[regions.NAME]`, in file order.
    pub regions: Vec<Region>,
    /// `[pools.NAME]`, in file order.
    pub pools: Vec<Pool>,
    /// `[buffer_managers.NAME]`, in file order.
    pub buffer_managers: Vec<BufferManager>,
    /// `[components.NAME]`, in file order.
    pub components: Vec<Component>,
}

impl Config {
    /// The platform called `name`.
    pub fn platform(&self, name: &str) -> Option<&Platform> {
        self.platforms.iter().find(|p| p.name.value == name)
    }

    /// The platform a build uses when it selects none: the one marked `default = true`, or the only one.
    pub fn default_platform(&self) -> Option<&Platform> {
        match self.platforms.as_slice() {
            [only] => Some(only),
            all => all.iter().find(|p| p.default),
        }
    }

    /// The region called `name`.
    pub fn region(&self, name: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.name.value == name)
    }

    /// Every item (pools, buffer managers, components), in that order and file order within each kind.
    pub fn items(&self) -> impl Iterator<Item = Item<'_>> {
        self.pools
            .iter()
            .map(Item::Pool)
            .chain(self.buffer_managers.iter().map(Item::BufferManager))
            .chain(self.components.iter().map(Item::Component))
    }
}

/// A platform: a board or simulator with a memory budget, sharing the file's regions and items.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Platform {
    /// `name` of `[platform]`, or `NAME` of `[platforms.NAME]`.
    pub name: Spanned<String>,
    /// `budget`: all regions together must fit in it.
    pub budget: Spanned<u64>,
    /// `default = true`: chosen when a build selects no platform.
    pub default: bool,
    /// The platform's own region sizes and sections (`[platforms.NAME.regions]`), in file order.
    pub overrides: Vec<RegionOverride>,
    /// The platform's table (the `[platform]` header or the `NAME` key).
    pub span: Span,
}

impl Platform {
    /// This platform's override of region `name`, if any.
    pub fn override_of(&self, region: &str) -> Option<&RegionOverride> {
        self.overrides.iter().find(|o| o.region.value == region)
    }
}

/// One platform's changes to a region: `sram = "32 MiB"` or `sram = { size = "32 MiB", section = false }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegionOverride {
    /// The region's name, as written in the platform's `regions` table.
    pub region: Spanned<String>,
    /// The region's size on this platform.
    pub size: Option<Spanned<u64>>,
    /// The region's link section on this platform (`Some(None)`: none, from `section = false`).
    pub section: Option<Spanned<Option<String>>>,
    /// The region's address on this platform (`Some(None)`: none, from `origin = false`).
    pub origin: Option<Spanned<Option<u64>>>,
    /// The linker memory the region's section goes in on this platform (`Some(None)`: none, from
    /// `memory = false`).
    pub memory: Option<Spanned<Option<String>>>,
}

impl Region {
    /// Where the region is on `platform`, and where that was written: the platform's `origin`/`memory` if it
    /// gives either (`= false` leaves the region unplaced there), else the region's own. When a table gives
    /// both keys (an error validation reports), `origin` wins.
    pub fn placement_on(&self, platform: &Platform) -> Option<Spanned<Placement>> {
        if let Some(o) = platform
            .override_of(&self.name.value)
            .filter(|o| o.places())
        {
            if let Some(Spanned {
                value: Some(origin),
                span,
            }) = &o.origin
            {
                return Some(Spanned::new(Placement::Origin(*origin), *span));
            }
            if let Some(Spanned {
                value: Some(memory),
                span,
            }) = &o.memory
            {
                return Some(Spanned::new(Placement::Memory(memory.clone()), *span));
            }
            return None;
        }
        if let Some(origin) = &self.origin {
            return Some(Spanned::new(Placement::Origin(origin.value), origin.span));
        }
        self.memory
            .as_ref()
            .map(|m| Spanned::new(Placement::Memory(m.value.clone()), m.span))
    }

    /// The region's link section on `platform`, and where it was written (the platform's `section`, or the
    /// region's): `None` without one.
    pub fn section_on(&self, platform: &Platform) -> Option<Spanned<String>> {
        match platform
            .override_of(&self.name.value)
            .and_then(|o| o.section.as_ref())
        {
            Some(s) => s.value.clone().map(|v| Spanned::new(v, s.span)),
            None => self.section.clone(),
        }
    }
}

impl RegionOverride {
    /// Whether the override says where the region is (`origin` or `memory`, even `= false`): then the
    /// region's own `origin` and `memory` do not apply on this platform.
    pub fn places(&self) -> bool {
        self.origin.is_some() || self.memory.is_some()
    }
}

/// `[regions.NAME]`: a named piece of memory items are placed in.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Region {
    /// `NAME`.
    pub name: Spanned<String>,
    /// `size`; may be left out when every platform gives the region a size.
    pub size: Option<Spanned<u64>>,
    /// `section`: the link section of the storage placed in this region.
    pub section: Option<Spanned<String>>,
    /// `align`: every item in the region starts at a multiple of it (at least).
    pub align: Option<Spanned<u64>>,
    /// `origin`: the region's address, which makes it its own linker memory.
    pub origin: Option<Spanned<u64>>,
    /// `memory`: the linker memory (declared by the board's `memory.x`) its section goes in.
    pub memory: Option<Spanned<String>>,
    /// The region's table.
    pub span: Span,
}

/// Where a region's section goes in the linker fragment, on one platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// `origin = 0x2000_0000`: the region is its own linker memory, at this address.
    Origin(u64),
    /// `memory = "RAM"`: the region's section goes in this memory, which the board's `memory.x` declares.
    Memory(String),
}

/// `[pools.NAME]`: a pool of fixed-size blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pool {
    /// `NAME`.
    pub name: Spanned<String>,
    /// `region`.
    pub region: Spanned<String>,
    /// `block_size` or `type`.
    pub block: Block,
    /// `count`: number of blocks.
    pub count: Spanned<u64>,
    /// `align`: alignment of every block.
    pub align: Option<Spanned<u64>>,
    /// The pool's table.
    pub span: Span,
}

/// What a pool's blocks hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// `block_size = 256`: untyped blocks of this many bytes.
    Size(Spanned<u64>),
    /// `type = "crate::tlm::Packet"`: blocks of a Rust type, whose size and alignment only the compiler knows.
    Type(Spanned<String>),
}

/// `[buffer_managers.NAME]`: an F´-style buffer manager with bins of buffers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BufferManager {
    /// `NAME`.
    pub name: Spanned<String>,
    /// `region`.
    pub region: Spanned<String>,
    /// `bins`, in file order (the runtime selects by size, whatever the order).
    pub bins: Spanned<Vec<Bin>>,
    /// `spill` (default `true`): a request may be served by a larger bin when its own bin is empty.
    pub spill: bool,
    /// `align`: alignment of every buffer.
    pub align: Option<Spanned<u64>>,
    /// `id`: the manager id raw buffer handles carry (default: assigned by the generator).
    pub id: Option<Spanned<u32>>,
    /// The manager's table.
    pub span: Span,
}

/// One bin of a buffer manager: `{ size = 1024, count = 16 }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bin {
    /// `size`: bytes per buffer.
    pub size: Spanned<u64>,
    /// `count`: number of buffers.
    pub count: Spanned<u64>,
    /// The bin's table.
    pub span: Span,
}

/// `[components.NAME]`: a component's own allocator.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Component {
    /// `NAME`.
    pub name: Spanned<String>,
    /// `region`.
    pub region: Spanned<String>,
    /// `strategy` and the keys that go with it.
    pub strategy: Strategy,
    /// `align`: alignment of the storage (linear, stack) or of every block (pool).
    pub align: Option<Spanned<u64>>,
    /// The component's table.
    pub span: Span,
}

/// A component's allocation strategy, with its sizes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// `strategy = "linear"`, `size = ...`: a bump allocator, reset all at once.
    Linear {
        /// `size`.
        size: Spanned<u64>,
    },
    /// `strategy = "stack"`, `size = ...`: a LIFO allocator with markers.
    Stack {
        /// `size`.
        size: Spanned<u64>,
    },
    /// `strategy = "pool"`, `block_size = ...`, `count = ...`: fixed-size blocks.
    Pool {
        /// `block_size`.
        block_size: Spanned<u64>,
        /// `count`.
        count: Spanned<u64>,
    },
}

impl Strategy {
    /// The name written in memory.toml (`"linear"`, `"stack"`, `"pool"`), as the runtime's
    /// `AllocationStrategy::as_str` spells it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Strategy::Linear { .. } => "linear",
            Strategy::Stack { .. } => "stack",
            Strategy::Pool { .. } => "pool",
        }
    }
}

/// The kinds of item, as the tables they are declared in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemKind {
    /// `[pools.NAME]`.
    Pool,
    /// `[buffer_managers.NAME]`.
    BufferManager,
    /// `[components.NAME]`.
    Component,
}

impl ItemKind {
    /// The table the kind is declared in (`"pools"`, `"buffer_managers"`, `"components"`).
    pub fn table(self) -> &'static str {
        match self {
            ItemKind::Pool => "pools",
            ItemKind::BufferManager => "buffer_managers",
            ItemKind::Component => "components",
        }
    }

    /// The kind in words (`"pool"`, `"buffer manager"`, `"component"`).
    pub fn noun(self) -> &'static str {
        match self {
            ItemKind::Pool => "pool",
            ItemKind::BufferManager => "buffer manager",
            ItemKind::Component => "component",
        }
    }
}

/// An item of any kind, borrowed from a [`Config`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A pool.
    Pool(&'a Pool),
    /// A buffer manager.
    BufferManager(&'a BufferManager),
    /// A component.
    Component(&'a Component),
}

impl<'a> Item<'a> {
    /// Its kind.
    pub fn kind(self) -> ItemKind {
        match self {
            Item::Pool(_) => ItemKind::Pool,
            Item::BufferManager(_) => ItemKind::BufferManager,
            Item::Component(_) => ItemKind::Component,
        }
    }

    /// Its name.
    pub fn name(self) -> &'a Spanned<String> {
        match self {
            Item::Pool(p) => &p.name,
            Item::BufferManager(b) => &b.name,
            Item::Component(c) => &c.name,
        }
    }

    /// The region it is placed in.
    pub fn region(self) -> &'a Spanned<String> {
        match self {
            Item::Pool(p) => &p.region,
            Item::BufferManager(b) => &b.region,
            Item::Component(c) => &c.region,
        }
    }

    /// Its `align`, if given.
    pub fn align(self) -> Option<&'a Spanned<u64>> {
        match self {
            Item::Pool(p) => p.align.as_ref(),
            Item::BufferManager(b) => b.align.as_ref(),
            Item::Component(c) => c.align.as_ref(),
        }
    }
}
