//! The layout: exact numbers for hand-checked configs, and a model-based property test that random plans are
//! laid out without overlap, aligned, with the metadata of `flight_memory_gen::metadata`, and refused exactly
//! when they do not fit.

use flight_memory_gen::layout::PlatformLayout;
use flight_memory_gen::metadata::{
    BIN_STATE_BYTES, BUFFER_MANAGER_STATE_BYTES, DEFAULT_ALIGN, LINEAR_STATE_BYTES,
    LINK_BYTES_PER_BLOCK, LINK_BYTES_PER_BUFFER, POOL_STATE_BYTES, STACK_STATE_BYTES,
};
use flight_memory_gen::model::ItemKind;
use flight_memory_gen::{Analysis, SourceFile, Stage, check_str};
use proptest::prelude::*;

fn layout_of(text: &str) -> PlatformLayout {
    let checked = check_str("t.toml", text).unwrap_or_else(|e| panic!("{e}"));
    checked
        .default_layout()
        .expect("a default platform")
        .clone()
}

const DESIGN: &str = include_str!("../good/design_example.toml");

#[test]
fn design_example_by_hand() {
    let layout = layout_of(DESIGN);
    let sram = layout.region("sram").expect("sram");
    let [pool, comm, uplink] = sram.items.as_slice() else {
        panic!("three items in sram")
    };

    assert_eq!(
        (pool.name.value.as_str(), pool.offset, pool.padding),
        ("telemetry_packet", 0, 0)
    );
    assert_eq!(pool.storage.bytes, 64 * 256);
    assert_eq!(pool.metadata, 64 * LINK_BYTES_PER_BLOCK + POOL_STATE_BYTES);

    let comm_offset = pool.storage.bytes + pool.metadata;
    assert_eq!(comm.offset, comm_offset);
    assert_eq!(comm.storage.bytes, 128 * 32 + 1024 * 16 + 4096 * 4);
    assert_eq!(
        comm.metadata,
        BUFFER_MANAGER_STATE_BYTES + 3 * BIN_STATE_BYTES + (32 + 16 + 4) * LINK_BYTES_PER_BUFFER
    );
    let offsets: Vec<u64> = comm.bins.iter().map(|b| b.offset).collect();
    assert_eq!(offsets, [0, 128 * 32, 128 * 32 + 1024 * 16]);

    assert_eq!(
        uplink.offset,
        comm.offset + comm.storage.bytes + comm.metadata
    );
    assert_eq!(uplink.storage.bytes, 32 * 1024);
    assert_eq!(uplink.metadata, LINEAR_STATE_BYTES);
    assert_eq!(
        sram.used.bytes,
        uplink.offset + 32 * 1024 + LINEAR_STATE_BYTES
    );
    assert_eq!(layout.regions_size(), Some(448 * 1024));
    assert!(!layout.over_budget());
}

#[test]
fn padding_aligns_every_item() {
    let text = "[platform]\nname = \"p\"\nbudget = \"8 KiB\"\n[regions.ram]\nsize = \"8 KiB\"\n\
                [components.header]\nregion = \"ram\"\nstrategy = \"linear\"\nsize = 100\n\
                [pools.dma]\nregion = \"ram\"\nblock_size = 1000\ncount = 2\nalign = 1024\n";
    let layout = layout_of(text);
    let ram = layout.region("ram").expect("ram");
    let dma = &ram.items[1];
    assert_eq!(ram.items[0].offset, 0);
    assert_eq!(dma.padding, 1024 - (100 + LINEAR_STATE_BYTES));
    assert_eq!(dma.offset, 1024);
    assert_eq!(dma.stride, Some(1024));
    assert_eq!(dma.storage.bytes, 2048);
}

#[test]
fn region_alignment_is_a_minimum_for_its_items() {
    let text = "[platform]\nname = \"p\"\nbudget = \"8 KiB\"\n[regions.ram]\nsize = \"8 KiB\"\nalign = 64\n\
                [pools.a]\nregion = \"ram\"\nblock_size = 3\ncount = 3\n\
                [pools.b]\nregion = \"ram\"\nblock_size = 8\ncount = 1\nalign = 128\n";
    let ram = layout_of(text).regions.remove(0);
    assert_eq!((ram.items[0].align, ram.items[0].stride), (64, Some(64)));
    assert_eq!(ram.items[1].align, 128);
    assert_eq!(ram.items[1].offset % 128, 0);
}

#[test]
fn type_pools_are_symbolic_and_placed_last() {
    let text = include_str!("../good/two_platforms.toml");
    let checked = check_str("t.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let flight = checked.layout("flight").expect("flight");
    let sram = flight.region("sram").expect("sram");
    let last = sram.items.last().expect("items");
    assert_eq!(last.name.value, "telemetry_packet");
    assert!(!last.storage.is_exact());
    assert_eq!(last.storage.terms[0].type_path, "crate::tlm::Packet");
    assert_eq!(
        (last.storage.terms[0].count, last.storage.terms[0].align),
        (64, DEFAULT_ALIGN)
    );
    assert_eq!(last.metadata, 64 * LINK_BYTES_PER_BLOCK + POOL_STATE_BYTES);
    assert!(!sram.used.is_exact());
    assert!(
        sram.items[..sram.items.len() - 1]
            .iter()
            .all(|i| i.types_before == 0)
    );
}

#[test]
fn platforms_override_sizes_and_sections() {
    let text = include_str!("../good/two_platforms.toml");
    let checked = check_str("t.toml", text).unwrap_or_else(|e| panic!("{e}"));
    let flight = checked.layout("flight").expect("flight");
    let ground = checked.layout("ground-sim").expect("ground");
    assert_eq!(
        checked.default_layout().map(|l| l.platform.value.as_str()),
        Some("flight")
    );
    assert_eq!(
        flight
            .region("sram")
            .and_then(|r| r.size.as_ref())
            .map(|s| s.value),
        Some(384 * 1024)
    );
    assert_eq!(
        ground
            .region("sram")
            .and_then(|r| r.size.as_ref())
            .map(|s| s.value),
        Some(32 << 20)
    );
    assert_eq!(
        flight.region("dtcm").and_then(|r| r.section.clone()),
        Some(".dtcm".to_string())
    );
    assert_eq!(ground.region("dtcm").and_then(|r| r.section.clone()), None);
    // The items are the same on both platforms.
    assert_eq!(flight.used(), ground.used());
}

#[test]
fn one_byte_decides() {
    let exact = include_str!("../good/exact_fit.toml");
    assert!(check_str("t.toml", exact).is_ok());
    let short = exact.replace("size = 2144", "size = 2143");
    let errors = check_str("t.toml", &short).expect_err("one byte short");
    assert_eq!(errors.len(), 1);
    assert!(
        errors.diagnostics()[0]
            .message()
            .contains("needs 2144 bytes"),
        "{errors}"
    );
    let over_budget = exact.replace("budget = 2144", "budget = 2143");
    let errors = check_str("t.toml", &over_budget).expect_err("one byte over budget");
    assert!(
        errors.diagnostics()[0]
            .message()
            .contains("over its budget"),
        "{errors}"
    );
}

// ----- Model-based property test --------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Spec {
    Pool {
        block: u64,
        count: u64,
        align: Option<u64>,
    },
    Manager {
        bins: Vec<(u64, u64)>,
        align: Option<u64>,
    },
    Linear {
        size: u64,
    },
    Stack {
        size: u64,
    },
}

fn spec() -> impl Strategy<Value = Spec> {
    let align = proptest::option::of((0u32..8).prop_map(|s| 1u64 << s));
    prop_oneof![
        (1u64..5000, 1u64..300, align.clone()).prop_map(|(block, count, align)| Spec::Pool {
            block,
            count,
            align
        }),
        (
            proptest::collection::btree_map(1u64..5000, 1u64..40, 1..4),
            align
        )
            .prop_map(|(bins, align)| Spec::Manager {
                bins: bins.into_iter().collect(),
                align
            }),
        (1u64..100_000).prop_map(|size| Spec::Linear { size }),
        (1u64..100_000).prop_map(|size| Spec::Stack { size }),
    ]
}

fn round_up(v: u64, a: u64) -> u64 {
    v.div_ceil(a) * a
}

/// The model: (align, storage, metadata) of an item, computed from the documented rules.
fn model(spec: &Spec, region_align: u64) -> (u64, u64, u64) {
    let align_of = |a: &Option<u64>| a.unwrap_or(DEFAULT_ALIGN).max(region_align);
    match spec {
        Spec::Pool {
            block,
            count,
            align,
        } => {
            let a = align_of(align);
            (
                a,
                round_up(*block, a) * count,
                count * LINK_BYTES_PER_BLOCK + POOL_STATE_BYTES,
            )
        }
        Spec::Manager { bins, align } => {
            let a = align_of(align);
            let storage = bins.iter().map(|(s, c)| round_up(*s, a) * c).sum();
            let meta = BUFFER_MANAGER_STATE_BYTES
                + bins
                    .iter()
                    .map(|(_, c)| BIN_STATE_BYTES + c * LINK_BYTES_PER_BUFFER)
                    .sum::<u64>();
            (a, storage, meta)
        }
        Spec::Linear { size } => (DEFAULT_ALIGN.max(region_align), *size, LINEAR_STATE_BYTES),
        Spec::Stack { size } => (DEFAULT_ALIGN.max(region_align), *size, STACK_STATE_BYTES),
    }
}

fn render(regions: &[(u64, u64, Vec<Spec>)], budget: u64) -> String {
    let mut text = format!("[platform]\nname = \"p\"\nbudget = {budget}\n");
    for (r, (size, align, items)) in regions.iter().enumerate() {
        text.push_str(&format!("[regions.r{r}]\nsize = {size}\nalign = {align}\n"));
        for (i, item) in items.iter().enumerate() {
            let align_line =
                |a: &Option<u64>| a.map_or(String::new(), |a| format!("align = {a}\n"));
            match item {
                Spec::Pool { block, count, align } => text.push_str(&format!(
                    "[pools.p{r}_{i}]\nregion = \"r{r}\"\nblock_size = {block}\ncount = {count}\n{}",
                    align_line(align)
                )),
                Spec::Manager { bins, align } => {
                    let bins: Vec<String> =
                        bins.iter().map(|(s, c)| format!("{{ size = {s}, count = {c} }}")).collect();
                    text.push_str(&format!(
                        "[buffer_managers.m{r}_{i}]\nregion = \"r{r}\"\nbins = [{}]\n{}",
                        bins.join(", "),
                        align_line(align)
                    ));
                }
                Spec::Linear { size } => text.push_str(&format!(
                    "[components.l{r}_{i}]\nregion = \"r{r}\"\nstrategy = \"linear\"\nsize = {size}\n"
                )),
                Spec::Stack { size } => text.push_str(&format!(
                    "[components.s{r}_{i}]\nregion = \"r{r}\"\nstrategy = \"stack\"\nsize = {size}\n"
                )),
            }
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::proptest_cases(256), ..ProptestConfig::default() })]

    #[test]
    fn layouts_match_the_model(
        regions in proptest::collection::vec(
            (1u64..2_000_000, (0u32..7).prop_map(|s| 1u64 << s), proptest::collection::vec(spec(), 0..6)),
            1..4,
        ),
        budget in 1u64..6_000_000,
    ) {
        let text = render(&regions, budget);
        let analysis = Analysis::of(SourceFile::new("m.toml", text.as_str()));
        prop_assert!(analysis.model_is_complete(), "{}", analysis.errors());
        let layout = &analysis.layouts()[0];
        let mut expected_errors = 0;
        for ((size, region_align, items), region) in regions.iter().zip(&layout.regions) {
            prop_assert_eq!(region.items.len(), items.len());
            let mut end = 0u64;
            let mut any_item_too_large = false;
            for (spec, item) in items.iter().zip(&region.items) {
                let (align, storage, metadata) = model(spec, *region_align);
                let start = round_up(end, align);
                prop_assert_eq!(item.align, align);
                prop_assert_eq!(item.offset, start, "offset of {}", item.name.value);
                prop_assert_eq!(item.padding, start - end);
                prop_assert_eq!(item.storage.bytes, storage);
                prop_assert_eq!(item.metadata, metadata);
                prop_assert_eq!(item.offset % align, 0);
                if let Some(b) = item.bins.first() { prop_assert_eq!(b.offset, 0); }
                end = start + storage + metadata;
                if end - (start - item.padding) > *size { any_item_too_large = true; expected_errors += 1; }
                let kind_ok = matches!(
                    (spec, item.kind),
                    (Spec::Pool { .. }, ItemKind::Pool)
                        | (Spec::Manager { .. }, ItemKind::BufferManager)
                        | (Spec::Linear { .. } | Spec::Stack { .. }, ItemKind::Component)
                );
                prop_assert!(kind_ok);
            }
            prop_assert_eq!(region.used.bytes, end);
            prop_assert_eq!(region.over_size(), end > *size);
            if end > *size && !any_item_too_large { expected_errors += 1; }
        }
        let total: u64 = regions.iter().map(|(s, _, _)| s).sum();
        prop_assert_eq!(layout.regions_size(), Some(total));
        if total > budget { expected_errors += 1; }
        prop_assert_eq!(analysis.diagnostics().len(), expected_errors, "{}", analysis.errors());
        prop_assert!(analysis.diagnostics().iter().all(|d| d.stage() == Stage::Budget));
    }
}
