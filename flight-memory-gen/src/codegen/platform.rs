//! `memory::PLATFORM`: the platform the build selected, its budget, and its regions with their sizes, the bytes
//! their items reserve, their link sections and their items.

use super::Context;
use super::text::{Code, Doc, call, number, seq, string, string_doc, text};
use crate::layout::{ItemLayout, RegionLayout};
use crate::model::ItemKind;
use crate::naming::static_name;

/// The `PLATFORM` static.
pub(super) fn platform(cx: &Context<'_>, code: &mut Code) {
    let layout = cx.layout;
    let name = &layout.platform.value;
    let listed: Vec<String> = layout
        .regions
        .iter()
        .map(|r| {
            format!(
                "`{}` ({} bytes)",
                r.name.value,
                r.size.as_ref().map_or(0, |s| s.value)
            )
        })
        .collect();
    code.doc(&[format!(
        "The platform this build was generated for: `{name}`, with a budget of {} bytes and the regions {}.",
        layout.budget.value,
        listed.join(", ")
    )]);
    let regions = layout.regions.iter().map(region_info).collect();
    code.assignment(
        "pub static PLATFORM: fm::Platform",
        &call(
            "fm::Platform::new",
            vec![
                string_doc(name),
                number(layout.budget.value),
                seq(vec![text("&"), super::text::array(regions)]),
            ],
        ),
        ";",
    );
}

fn region_info(region: &RegionLayout) -> Doc {
    let name = &region.name.value;
    let section = match &region.section {
        Some(section) => format!("Some({})", string(section)),
        None => "None".to_string(),
    };
    // In memory.toml's order (the layout puts items of sizes only rustc knows last).
    let mut items: Vec<&ItemLayout> = region.items.iter().collect();
    items.sort_by_key(|item| item.name.span.start);
    let items = items.into_iter().map(item_info).collect();
    call(
        "fm::RegionInfo::new",
        vec![
            string_doc(name),
            number(region.size.as_ref().map_or(0, |s| s.value)),
            text(format!("__budget::USED_{}", static_name(name))),
            text(section),
            seq(vec![text("&"), super::text::array(items)]),
        ],
    )
}

fn item_info(item: &ItemLayout) -> Doc {
    let name = &item.name.value;
    let ident = static_name(name);
    let typed = !item.storage.is_exact();
    if typed {
        // A typed pool is not an `Allocator` (it hands out values, not bytes).
        return call(
            "fm::typed_pool_item",
            vec![
                string_doc(name),
                text(format!(
                    "__budget::TERM_{ident}.plus({})",
                    item.padding.saturating_add(item.metadata)
                )),
            ],
        );
    }
    let (constructor, module) = match (item.kind, item.strategy) {
        (ItemKind::Pool, _) => ("fm::pool_item", "pools"),
        (ItemKind::BufferManager, _) => ("fm::buffer_manager_item", "buffer_managers"),
        (ItemKind::Component, Some("linear")) => ("fm::linear_item", "components"),
        (ItemKind::Component, Some("stack")) => ("fm::stack_item", "components"),
        (ItemKind::Component, _) => ("fm::pool_component_item", "components"),
    };
    call(
        constructor,
        vec![
            string_doc(name),
            number(item.footprint().bytes),
            text(format!("&{module}::{ident}")),
        ],
    )
}
