//! `memory::components`: one allocator `static` per `[components.NAME]`, by its strategy.
//!
//! `linear` and `stack` are a `LinearAllocator` or `StackAllocator` over a `StaticStorage` static of their own,
//! which carries the region's link section; `pool` is a `MemoryPool`, as `[pools.NAME]` with `block_size`.

use super::pools::memory_pool;
use super::text::{Code, call, generic, number, seq, string_doc, text};
use super::{Context, capitalised, not_laid_out, open_module, placement, section_attribute, what};
use crate::layout::{ItemLayout, RegionLayout};
use crate::model::{Component, Item, ItemKind, Strategy};
use crate::naming::static_name;

/// The `components` module.
pub(super) fn components(cx: &Context<'_>, code: &mut Code) {
    let components = &cx.config.components;
    if !open_module(
        code,
        "Components' own allocators: `[components.NAME]` of memory.toml, as `NAME` in upper case.",
        "components",
        components.is_empty(),
    ) {
        return;
    }
    for component in components {
        match cx.placed(Item::Component(component)) {
            Some((region, item)) => match &component.strategy {
                Strategy::Linear { .. } => arena(cx, code, component, Arena::Linear, region, item),
                Strategy::Stack { .. } => arena(cx, code, component, Arena::Stack, region, item),
                Strategy::Pool { block_size, .. } => memory_pool(
                    cx,
                    code,
                    ItemKind::Component,
                    &component.name,
                    block_size.value,
                    region,
                    item,
                ),
            },
            None => not_laid_out(&component.name.value, code),
        }
    }
    code.close("}");
}

/// The allocators over one run of bytes.
#[derive(Clone, Copy)]
enum Arena {
    Linear,
    Stack,
}

fn arena(
    cx: &Context<'_>,
    code: &mut Code,
    component: &Component,
    arena: Arena,
    region: &RegionLayout,
    item: &ItemLayout,
) {
    let name = &component.name.value;
    let what = what(ItemKind::Component, name);
    let location = cx.location(component.name.span);
    let (allocator, description) = match arena {
        Arena::Linear => (
            "fm::LinearAllocator",
            "a bump allocator (`LinearAllocator`)",
        ),
        Arena::Stack => (
            "fm::StackAllocator",
            "a LIFO allocator with markers (`StackAllocator`)",
        ),
    };
    let (size, align) = (item.storage.bytes, item.align);
    code.doc(&[
        format!(
            "{} (`{location}`): {description} of {size} bytes aligned to {align}, in region `{}`.",
            capitalised(&what),
            region.name.value
        ),
        format!(
            "Reserves {} bytes: {size} of storage {}, and {} of allocator state.",
            item.footprint().bytes,
            placement(region),
            item.metadata
        ),
    ]);
    code.statement(
        &seq(vec![
            text(format!("pub static {}: ", static_name(name))),
            generic(allocator, vec![text("'static")], ""),
        ]),
        " = {",
    );
    section_attribute(region, code);
    code.line_fmt(format_args!(
        "static STORAGE: fm::StaticStorage<{size}, {align}> = fm::StaticStorage::new();"
    ));
    code.assignment(
        "const _: ()",
        &call(
            format!("fm::check_allocator::<{allocator}<'static>>"),
            vec![
                string_doc(&what),
                string_doc(&location),
                number(item.metadata),
            ],
        ),
        ";",
    );
    code.comment(
        "SAFETY: `STORAGE` is a `static` declared inside this initialiser: its `len()` bytes at \
         `as_mut_ptr()` are one allocated object, valid for reads and writes for `'static`, and no other \
         code can name it, so this allocator is the only user of those bytes.",
    );
    code.statement(
        &seq(vec![
            text("unsafe { "),
            call(
                format!("{allocator}::from_raw_parts"),
                vec![text("STORAGE.as_mut_ptr()"), text("STORAGE.len()")],
            ),
        ]),
        " }",
    );
    code.close("};");
}
