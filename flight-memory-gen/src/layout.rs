//! Stage 3: where every item goes in its region, for one platform, and what each region and the platform use.
//!
//! This is the one computation of sizes: the budget check, the report and (later) the generated code all read
//! a [`PlatformLayout`]. Per region, items are placed one after the other in file order, each at the next
//! offset that is a multiple of its alignment. An item's footprint is its padding, its storage, and its
//! allocator's metadata (see [`metadata`](crate::metadata)).
//!
//! Items whose size only the compiler knows (pools with `type = "..."`) come after the others in their
//! region, and their size is a symbolic [`TypeTerm`]: the generated code will check it with a `const`
//! assertion. Offsets are positions in the region's ledger; the linker chooses real addresses, so the ledger
//! includes each item's alignment padding as if the items were placed in this order.

use std::collections::HashMap;
use std::fmt;

use crate::diagnostic::{Diagnostic, Stage};
use crate::metadata::{
    BUFFER_MANAGER_STATE_BYTES, DEFAULT_ALIGN, LINEAR_STATE_BYTES, STACK_STATE_BYTES, bin_metadata,
    pool_metadata,
};
use crate::model::{Block, Config, Item, ItemKind, Placement, Platform, Spanned, Strategy};
use crate::source::Span;

/// A size the generator knows exactly, plus terms only the compiler can evaluate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SizeExpr {
    /// The known part, in bytes.
    pub bytes: u64,
    /// The parts that depend on Rust types' sizes (empty when the size is exact).
    pub terms: Vec<TypeTerm>,
}

impl SizeExpr {
    /// An exactly known size.
    pub fn exact(bytes: u64) -> SizeExpr {
        SizeExpr {
            bytes,
            terms: Vec::new(),
        }
    }

    /// Whether the size is known exactly (no type terms).
    pub fn is_exact(&self) -> bool {
        self.terms.is_empty()
    }
}

impl fmt::Display for SizeExpr {
    /// `1234` or `1234 + pad(T) + 64 × stride(T)` style: see [`TypeTerm`] for the meaning of a term.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.bytes)?;
        for term in &self.terms {
            write!(f, " + {term}")?;
        }
        Ok(())
    }
}

/// The storage of `count` values of a Rust type, in a pool with minimum alignment `align`.
///
/// With `A = max(align_of::<T>(), align)`, the term is `(A - 1) + count × round_up(size_of::<T>(), A)`: the
/// worst-case padding before the pool, then `count` blocks of the type's size rounded up to `A`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeTerm {
    /// The type as written in memory.toml.
    pub type_path: String,
    /// How many values.
    pub count: u64,
    /// The minimum alignment (from `align` and the region's alignment).
    pub align: u64,
    /// Where the type was written, for the message of the generated assertion.
    pub span: Span,
}

impl fmt::Display for TypeTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} × size_of::<{}>() (align ≥ {})",
            self.count, self.type_path, self.align
        )
    }
}

/// One platform's layout of every region.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlatformLayout {
    /// The platform's name.
    pub platform: Spanned<String>,
    /// Its budget, in bytes.
    pub budget: Spanned<u64>,
    /// The regions, in file order.
    pub regions: Vec<RegionLayout>,
}

impl PlatformLayout {
    /// The sum of the regions' sizes (the figure compared with the budget), or `None` if a region has no size
    /// or the sum overflows.
    pub fn regions_size(&self) -> Option<u64> {
        self.regions
            .iter()
            .try_fold(0u64, |sum, r| sum.checked_add(r.size.as_ref()?.value))
    }

    /// What all regions' items use, the known part saturating at `u64::MAX`.
    pub fn used(&self) -> SizeExpr {
        let mut used = SizeExpr::default();
        for region in &self.regions {
            used.bytes = used.bytes.saturating_add(region.used.bytes);
            used.terms.extend(region.used.terms.iter().cloned());
        }
        used
    }

    /// Whether the regions' sizes add up to more than the budget (a sum that overflows 64 bits always does).
    pub fn over_budget(&self) -> bool {
        match crate::budget::regions_total(self) {
            Some(total) => total > u128::from(self.budget.value),
            None => self.regions.iter().any(|r| r.overflow),
        }
    }

    /// The region called `name`.
    pub fn region(&self, name: &str) -> Option<&RegionLayout> {
        self.regions.iter().find(|r| r.name.value == name)
    }
}

/// One region on one platform: its size there and its items.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegionLayout {
    /// The region's name.
    pub name: Spanned<String>,
    /// Its size on this platform, where that size was written (the region or the platform's override).
    /// `None` if it has none (an error already reported).
    pub size: Option<Spanned<u64>>,
    /// Its link section on this platform.
    pub section: Option<String>,
    /// Where its section goes on this platform (`origin` or `memory`), if anywhere.
    pub placement: Option<Placement>,
    /// The minimum alignment of its items (its `align`, or 1).
    pub align: u64,
    /// The items placed in it: known sizes in file order, then sizes only the compiler knows.
    pub items: Vec<ItemLayout>,
    /// The end of the last item: the bytes its items need.
    pub used: SizeExpr,
    /// Whether adding up its items overflowed 64 bits (an error already reported; `used` is meaningless).
    pub overflow: bool,
}

impl RegionLayout {
    /// Bytes left (known part), or `None` if the region has no size or is over it.
    pub fn free(&self) -> Option<u64> {
        self.size.as_ref()?.value.checked_sub(self.used.bytes)
    }

    /// Whether its items (known part) need more than its size.
    pub fn over_size(&self) -> bool {
        self.overflow
            || self
                .size
                .as_ref()
                .is_some_and(|s| self.used.bytes > s.value)
    }
}

/// One item's place in its region.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ItemLayout {
    /// The item's name.
    pub name: Spanned<String>,
    /// Its kind.
    pub kind: ItemKind,
    /// For components, the strategy (`"linear"`, `"stack"`, `"pool"`).
    pub strategy: Option<&'static str>,
    /// The offset of its storage in the region's ledger: exact when
    /// [`types_before`](Self::types_before) is zero, else the known part, to which the first `types_before`
    /// type terms of the region's [`used`](RegionLayout::used) must be added.
    pub offset: u64,
    /// How many items with a size only the compiler knows come before this one in the region.
    pub types_before: usize,
    /// Bytes of alignment padding before the storage (for a type pool, inside its [`TypeTerm`] instead).
    pub padding: u64,
    /// Storage bytes (blocks, buffers, or the component's memory).
    pub storage: SizeExpr,
    /// Allocator metadata bytes (free-list links and state), counted after the storage.
    pub metadata: u64,
    /// The alignment of its storage (for a type pool, the minimum: the type's may be larger).
    pub align: u64,
    /// Bytes per block (pools and pool components), rounded up to `align`.
    pub stride: Option<u64>,
    /// Blocks (pools and pool components).
    pub count: Option<u64>,
    /// Bins (buffer managers), in file order.
    pub bins: Vec<BinLayout>,
}

impl ItemLayout {
    /// Padding, storage and metadata together.
    pub fn footprint(&self) -> SizeExpr {
        SizeExpr {
            bytes: self
                .padding
                .saturating_add(self.storage.bytes)
                .saturating_add(self.metadata),
            terms: self.storage.terms.clone(),
        }
    }
}

/// One bin of a buffer manager.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BinLayout {
    /// Buffer size as declared.
    pub size: u64,
    /// Number of buffers.
    pub count: u64,
    /// Bytes per buffer, rounded up to the manager's alignment.
    pub stride: u64,
    /// Offset of the bin's first buffer from the manager's storage.
    pub offset: u64,
}

/// Lays out every region of `config` for `platform`. Overflows are returned as errors (and flag the region).
pub(crate) fn lay_out(config: &Config, platform: &Platform) -> (PlatformLayout, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut regions = Vec::with_capacity(config.regions.len());
    // Items of each region, in file order.
    let mut by_region: HashMap<&str, Vec<Item<'_>>> = HashMap::new();
    for item in config.items() {
        by_region
            .entry(item.region().value.as_str())
            .or_default()
            .push(item);
    }
    for items in by_region.values_mut() {
        items.sort_by_key(|item| item.name().span.start);
    }
    for region in &config.regions {
        let over = platform.override_of(&region.name.value);
        let size = over
            .and_then(|o| o.size.clone())
            .or_else(|| region.size.clone());
        let section = region.section_on(platform).map(|s| s.value);
        let placement = region.placement_on(platform).map(|p| p.value);
        let align = region.align.as_ref().map_or(1, |a| valid_align(a.value));
        let mut layout = RegionLayout {
            name: region.name.clone(),
            size,
            section,
            placement,
            align,
            items: Vec::new(),
            used: SizeExpr::default(),
            overflow: false,
        };
        let mut end: u64 = 0;
        let mut terms: Vec<TypeTerm> = Vec::new();
        let (known, typed): (Vec<&Item<'_>>, Vec<&Item<'_>>) = by_region
            .get(region.name.value.as_str())
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .partition(|item| !matches!(item, Item::Pool(p) if matches!(p.block, Block::Type(_))));
        for item in known.into_iter().chain(typed) {
            match place(*item, align, end, terms.len()) {
                Ok((placed, new_end)) => {
                    end = new_end;
                    terms.extend(placed.storage.terms.iter().cloned());
                    layout.items.push(placed);
                }
                Err(what) => {
                    layout.overflow = true;
                    diagnostics.push(
                        Diagnostic::new(
                            Stage::Budget,
                            format!(
                                "the size of {} `{}` overflows 64-bit arithmetic ({what})",
                                item.kind().noun(),
                                item.name().value
                            ),
                            "use smaller sizes or counts: this item cannot fit in any memory",
                        )
                        .at(item.name().span, "too large to compute"),
                    );
                }
            }
        }
        layout.used = SizeExpr { bytes: end, terms };
        regions.push(layout);
    }
    (
        PlatformLayout {
            platform: platform.name.clone(),
            budget: platform.budget.clone(),
            regions,
        },
        diagnostics,
    )
}

/// An alignment that is safe to compute with: non-powers of two (already reported) count as 1.
fn valid_align(align: u64) -> u64 {
    if align.is_power_of_two() { align } else { 1 }
}

fn round_up(value: u64, align: u64) -> Option<u64> {
    // `align` is a power of two.
    value.checked_add(align - 1).map(|v| v & !(align - 1))
}

/// Places `item` at the first suitable offset from `end` in a region whose minimum alignment is
/// `region_align`, after `terms` items whose size only the compiler knows. Returns the placed item and the new end, or what
/// overflowed.
fn place(
    item: Item<'_>,
    region_align: u64,
    end: u64,
    terms: usize,
) -> Result<(ItemLayout, u64), &'static str> {
    let align = item
        .align()
        .map_or(DEFAULT_ALIGN, |a| valid_align(a.value))
        .max(region_align);
    let mut placed = ItemLayout {
        name: item.name().clone(),
        kind: item.kind(),
        strategy: None,
        offset: 0,
        types_before: terms,
        padding: 0,
        storage: SizeExpr::default(),
        metadata: 0,
        align,
        stride: None,
        count: None,
        bins: Vec::new(),
    };
    let storage: SizeExpr;
    match item {
        Item::Pool(pool) => {
            placed.count = Some(pool.count.value);
            placed.metadata = pool_metadata(pool.count.value).ok_or("count × link bytes")?;
            storage = match &pool.block {
                Block::Size(size) => {
                    let stride = round_up(size.value, align)
                        .ok_or("block size rounded up to the alignment")?;
                    placed.stride = Some(stride);
                    SizeExpr::exact(
                        stride
                            .checked_mul(pool.count.value)
                            .ok_or("block size × count")?,
                    )
                }
                Block::Type(path) => SizeExpr {
                    bytes: 0,
                    terms: vec![TypeTerm {
                        type_path: path.value.clone(),
                        count: pool.count.value,
                        align,
                        span: path.span,
                    }],
                },
            };
        }
        Item::BufferManager(manager) => {
            let mut bytes: u64 = 0;
            let mut metadata = BUFFER_MANAGER_STATE_BYTES;
            for bin in &manager.bins.value {
                let stride = round_up(bin.size.value, align)
                    .ok_or("buffer size rounded up to the alignment")?;
                placed.bins.push(BinLayout {
                    size: bin.size.value,
                    count: bin.count.value,
                    stride,
                    offset: bytes,
                });
                let bin_bytes = stride
                    .checked_mul(bin.count.value)
                    .ok_or("buffer size × count")?;
                bytes = bytes.checked_add(bin_bytes).ok_or("sum of the bins")?;
                metadata = bin_metadata(bin.count.value)
                    .and_then(|m| metadata.checked_add(m))
                    .ok_or("bin metadata")?;
            }
            placed.metadata = metadata;
            storage = SizeExpr::exact(bytes);
        }
        Item::Component(component) => {
            placed.strategy = Some(component.strategy.as_str());
            match &component.strategy {
                Strategy::Linear { size } => {
                    placed.metadata = LINEAR_STATE_BYTES;
                    storage = SizeExpr::exact(size.value);
                }
                Strategy::Stack { size } => {
                    placed.metadata = STACK_STATE_BYTES;
                    storage = SizeExpr::exact(size.value);
                }
                Strategy::Pool { block_size, count } => {
                    let stride = round_up(block_size.value, align)
                        .ok_or("block size rounded up to the alignment")?;
                    placed.stride = Some(stride);
                    placed.count = Some(count.value);
                    placed.metadata = pool_metadata(count.value).ok_or("count × link bytes")?;
                    storage = SizeExpr::exact(
                        stride
                            .checked_mul(count.value)
                            .ok_or("block size × count")?,
                    );
                }
            }
        }
    }
    if storage.is_exact() && terms == 0 {
        let start = round_up(end, align).ok_or("offset")?;
        placed.padding = start - end;
        placed.offset = start;
    } else {
        // After (or as) a type term, padding is part of the term.
        placed.offset = end;
    }
    let new_end = placed
        .offset
        .checked_add(storage.bytes)
        .and_then(|e| e.checked_add(placed.metadata))
        .ok_or("end of the item")?;
    placed.storage = storage;
    Ok((placed, new_end))
}
