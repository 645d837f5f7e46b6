//! `memory::buffer_managers`: one `BufferManager` `static` per `[buffer_managers.NAME]`.
//!
//! Each manager is a `BinTable` `const` (no RAM), a `BufferState` `static` (all zero: `.bss`), and a
//! `BufferStorage` `static` with the buffers' bytes, which carries the region's link section, all declared
//! inside the manager's initialiser.

use std::collections::HashSet;

use super::text::{Code, array, call, generic, number, seq, string_doc, text};
use super::{Context, capitalised, not_laid_out, open_module, placement, section_attribute, what};
use crate::layout::{ItemLayout, RegionLayout};
use crate::model::{BufferManager, Item, ItemKind};
use crate::naming::static_name;

/// The `buffer_managers` module.
pub(super) fn buffer_managers(cx: &Context<'_>, code: &mut Code) {
    let managers = &cx.config.buffer_managers;
    if !open_module(
        code,
        "F´-style buffer managers: `[buffer_managers.NAME]` of memory.toml, as `NAME` in upper case.",
        "buffer_managers",
        managers.is_empty(),
    ) {
        return;
    }
    for (manager, id) in managers.iter().zip(manager_ids(managers)) {
        match cx.placed(Item::BufferManager(manager)) {
            Some((region, item)) => buffer_manager(cx, code, manager, id, region, item),
            None => not_laid_out(&manager.name.value, code),
        }
    }
    code.close("}");
}

/// Each manager's id: its `id`, or else the smallest number from 1 up that no manager has, in file order.
pub(crate) fn manager_ids(managers: &[BufferManager]) -> Vec<u32> {
    let mut taken: HashSet<u32> = managers
        .iter()
        .filter_map(|m| m.id.as_ref().map(|id| id.value))
        .collect();
    let mut next: u32 = 1;
    managers
        .iter()
        .map(|manager| match &manager.id {
            Some(id) => id.value,
            None => {
                while taken.contains(&next) {
                    next = next.wrapping_add(1);
                }
                taken.insert(next);
                next
            }
        })
        .collect()
}

fn buffer_manager(
    cx: &Context<'_>,
    code: &mut Code,
    manager: &BufferManager,
    id: u32,
    region: &RegionLayout,
    item: &ItemLayout,
) {
    let name = &manager.name.value;
    let what = what(ItemKind::BufferManager, name);
    let location = cx.location(manager.name.span);
    let bins = item.bins.len();
    let buffers: u64 = item.bins.iter().map(|b| b.count).sum();
    let (align, storage) = (item.align, item.storage.bytes);
    let bins_text: Vec<String> = item
        .bins
        .iter()
        .map(|bin| format!("{} x {} bytes", bin.count, bin.size))
        .collect();
    code.doc(&[
        format!(
            "{} (`{location}`), id {id}, in region `{}`: bins of {}; buffers aligned to {align}, spill-over {}.",
            capitalised(&what),
            region.name.value,
            bins_text.join(", "),
            if manager.spill { "on" } else { "off" }
        ),
        format!(
            "Reserves {} bytes: {storage} of buffers {}, and {} of allocator state (free lists, tags and \
             telemetry).",
            item.footprint().bytes,
            placement(region),
            item.metadata
        ),
    ]);
    code.statement(
        &seq(vec![
            text(format!("pub static {}: ", static_name(name))),
            generic("fm::BufferManager", vec![text("'static")], ""),
        ]),
        " = {",
    );
    let table = item
        .bins
        .iter()
        .map(|bin| call("fm::Bin::new", vec![number(bin.size), number(bin.count)]))
        .collect();
    code.assignment(
        &format!("const TABLE: fm::BinTable<{bins}>"),
        &call(
            "fm::BinTable::with_alignment",
            vec![array(table), number(align)],
        ),
        ";",
    );
    code.line_fmt(format_args!(
        "static STATE: fm::BufferState<{bins}, {buffers}> = fm::BufferState::new();"
    ));
    section_attribute(region, code);
    code.line_fmt(format_args!(
        "static STORAGE: fm::BufferStorage<{storage}, {align}> = fm::BufferStorage::zeroed();"
    ));
    code.assignment(
        "const _: ()",
        &call(
            format!("fm::check_buffer_manager::<{bins}, {buffers}>"),
            vec![
                string_doc(&what),
                string_doc(&location),
                number(item.metadata),
                text("TABLE.storage_size()"),
                number(storage),
            ],
        ),
        ";",
    );
    code.comment(
        "SAFETY: `STATE` and `STORAGE` are declared inside this initialiser, so no other code can name them: \
         they are new, sized from `TABLE`, and given to this manager only.",
    );
    let new = format!(
        "unsafe {{ fm::BufferManager::new(fm::ManagerId({id}), &TABLE, &STATE, &STORAGE) }}"
    );
    if manager.spill {
        code.line(&new);
    } else {
        code.line(&new);
        code.line("    .with_spill_over(false)");
    }
    code.close("};");
}

#[cfg(test)]
mod tests {
    use super::manager_ids;
    use crate::check_str;

    #[test]
    fn ids_fill_the_gaps_left_by_explicit_ones() {
        let text = r#"
[platform]
name = "p"
budget = "1 MiB"
[regions.r]
size = "1 MiB"
[buffer_managers.a]
region = "r"
bins = [ { size = 8, count = 1 } ]
[buffer_managers.b]
region = "r"
bins = [ { size = 8, count = 1 } ]
id = 1
[buffer_managers.c]
region = "r"
bins = [ { size = 8, count = 1 } ]
[buffer_managers.d]
region = "r"
bins = [ { size = 8, count = 1 } ]
id = 3
"#;
        let checked = check_str("m.toml", text).unwrap();
        assert_eq!(manager_ids(&checked.config().buffer_managers), [2, 1, 4, 3]);
    }
}
