//! The generator of random, mostly valid memory plans, shared by `random_plans.rs` here and by
//! `random_plans_compile` in `tests/codegen-smoke` (which includes this file with `#[path]`): a plan is drawn
//! as a model, then written as memory.toml with its faults, if any.

use proptest::prelude::*;

/// A region: its name and size in bytes.
#[derive(Clone, Debug)]
pub struct RegionPlan {
    pub name: String,
    pub size: u64,
}

/// An item of a plan, in the region of index `region` (modulo the number of regions).
#[derive(Clone, Debug)]
pub enum ItemPlan {
    Pool {
        block: u64,
        count: u64,
        align: Option<u64>,
    },
    TypedPool {
        ty: &'static str,
        count: u64,
    },
    Manager {
        bins: Vec<(u64, u64)>,
        spill: bool,
    },
    Component {
        strategy: &'static str,
        size: u64,
        count: u64,
    },
}

/// Something wrong written into the file on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    UnknownKey,
    ZeroCount,
    UnknownRegion,
    AmbiguousUnit,
    BlockInType,
    Unquoted,
}

/// A whole plan.
#[derive(Clone, Debug)]
pub struct Plan {
    pub budget: u64,
    pub regions: Vec<RegionPlan>,
    pub items: Vec<(usize, ItemPlan)>,
    pub faults: Vec<(usize, Fault)>,
}

impl Plan {
    /// The regions' sizes added up exactly.
    pub fn regions_total(&self) -> u128 {
        self.regions.iter().map(|r| u128::from(r.size)).sum()
    }
}

const REGION_NAMES: [&str; 4] = ["sram", "dtcm", "ext_ram", "ccm"];
const TYPES: [&str; 5] = [
    "u32",
    "[u8; 24]",
    "[[u16; 3]; 2]",
    "core::mem::MaybeUninit<u64>",
    "u8",
];

fn size() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => (1u64..=512).prop_map(|k| k * 1024),
        1 => 1u64..=100_000,
        1 => prop_oneof![Just(0u64), Just(1 << 63), Just(u64::MAX)],
    ]
}

fn item() -> impl Strategy<Value = ItemPlan> {
    let power = (3u32..=6).prop_map(|p| 1u64 << p);
    prop_oneof![
        (1u64..=2048, 1u64..=64, proptest::option::of(power)).prop_map(|(block, count, align)| {
            ItemPlan::Pool {
                block,
                count,
                align,
            }
        }),
        (proptest::sample::select(&TYPES[..]), 1u64..=32)
            .prop_map(|(ty, count)| ItemPlan::TypedPool { ty, count }),
        (
            proptest::collection::btree_map(1u64..=4096, 1u64..=16, 1..4),
            any::<bool>()
        )
            .prop_map(|(bins, spill)| ItemPlan::Manager {
                bins: bins.into_iter().collect(),
                spill
            }),
        (
            proptest::sample::select(&["linear", "stack", "pool"][..]),
            1u64..=8192,
            1u64..=32
        )
            .prop_map(|(strategy, size, count)| ItemPlan::Component {
                strategy,
                size,
                count
            }),
    ]
}

fn fault() -> impl Strategy<Value = Fault> {
    proptest::sample::select(
        &[
            Fault::UnknownKey,
            Fault::ZeroCount,
            Fault::UnknownRegion,
            Fault::AmbiguousUnit,
            Fault::BlockInType,
            Fault::Unquoted,
        ][..],
    )
}

/// A random plan: 1 to 4 regions, up to 8 items, a budget near the regions' sum, and one time in five a fault.
pub fn plan() -> impl Strategy<Value = Plan> {
    (
        proptest::collection::vec(size(), 1..=4),
        proptest::collection::vec((0usize..4, item()), 0..=8),
        prop_oneof![4 => Just(Vec::new()), 1 => proptest::collection::vec((0usize..9, fault()), 1..=2)],
        prop_oneof![Just(0i64), Just(-1), Just(1), Just(4096), Just(-4096)],
    )
        .prop_map(|(sizes, items, faults, slack)| {
            let regions: Vec<RegionPlan> = sizes
                .iter()
                .zip(REGION_NAMES)
                .map(|(&size, name)| RegionPlan {
                    name: name.to_string(),
                    size,
                })
                .collect();
            let total: u128 = sizes.iter().map(|&s| u128::from(s)).sum();
            let budget = u64::try_from(total)
                .unwrap_or(u64::MAX)
                .saturating_add_signed(slack)
                .max(1);
            Plan {
                budget,
                regions,
                items,
                faults,
            }
        })
}

/// A size as a user may write it: bytes, or an exact number of KiB, or with a fraction.
fn write_size(bytes: u64, form: usize) -> String {
    match form % 4 {
        0 => bytes.to_string(),
        1 if bytes % 1024 == 0 => format!("\"{} KiB\"", bytes / 1024),
        2 if bytes % 512 == 0 && bytes >= 1024 => {
            format!(
                "\"{}.{} KiB\"",
                bytes / 1024,
                if bytes % 1024 == 0 { "0" } else { "5" }
            )
        }
        _ => format!("\"{bytes} B\""),
    }
}

/// The memory.toml text of `plan`, with its faults.
pub fn write(plan: &Plan) -> String {
    let has = |index: usize, fault: Fault| plan.faults.contains(&(index, fault));
    let mut text = String::from("[platform]\nname = \"random\"\n");
    text += &format!("budget = {}\n", write_size(plan.budget, plan.regions.len()));
    for (index, region) in plan.regions.iter().enumerate() {
        text += &format!(
            "\n[regions.{}]\nsize = {}\n",
            region.name,
            write_size(region.size, index)
        );
    }
    for (index, (region, item)) in plan.items.iter().enumerate() {
        let region = if has(index, Fault::UnknownRegion) {
            "nowhere"
        } else {
            &plan.regions[region % plan.regions.len()].name
        };
        let count = |count: u64| {
            if has(index, Fault::ZeroCount) {
                0
            } else {
                count
            }
        };
        let table = match item {
            ItemPlan::Pool {
                block,
                count: n,
                align,
            } => {
                let mut t = format!("[pools.item_{index}]\nregion = \"{region}\"\n");
                t += &if has(index, Fault::AmbiguousUnit) {
                    "block_size = \"1 kB\"\n".to_string()
                } else {
                    format!("block_size = {}\n", write_size(*block, index))
                };
                t += &format!("count = {}\n", count(*n));
                if let Some(align) = align {
                    t += &format!("align = {align}\n");
                }
                t
            }
            ItemPlan::TypedPool { ty, count: n } => {
                let ty = if has(index, Fault::BlockInType) {
                    "[u8; { 4 }]"
                } else {
                    ty
                };
                format!(
                    "[pools.item_{index}]\nregion = \"{region}\"\ntype = \"{ty}\"\ncount = {}\n",
                    count(*n)
                )
            }
            ItemPlan::Manager { bins, spill } => {
                let bins: Vec<String> = bins
                    .iter()
                    .map(|&(size, n)| format!("{{ size = {size}, count = {} }}", count(n)))
                    .collect();
                format!(
                    "[buffer_managers.item_{index}]\nregion = \"{region}\"\nbins = [{}]\nspill = {spill}\n",
                    bins.join(", ")
                )
            }
            ItemPlan::Component {
                strategy,
                size,
                count: n,
            } => {
                let mut t = format!(
                    "[components.item_{index}]\nregion = \"{region}\"\nstrategy = \"{strategy}\"\n"
                );
                if *strategy == "pool" {
                    t += &format!("block_size = {size}\ncount = {}\n", count(*n));
                } else {
                    t += &format!("size = {}\n", write_size(*size, index));
                }
                t
            }
        };
        text += "\n";
        text += &table;
        if has(index, Fault::UnknownKey) {
            text += "colour = \"blue\"\n";
        }
        if has(index, Fault::Unquoted) {
            text += "note = 64 KiB\n";
        }
    }
    text
}
