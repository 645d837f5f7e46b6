//! `memory::pools`: one `static` per `[pools.NAME]`.
//!
//! A pool of `block_size` blocks is a `MemoryPool` over a `PoolBlocks` static of its own, which carries the
//! region's link section; the pool (free list, counters, the blocks' address) stays in `.data`. A pool of
//! `type = "..."` is likewise a `TypedPool` over a `TypedSlots` static of its own in the region's link section,
//! its sizes checked at compile time against the region's ledger (see `ledger`).

use super::text::{Code, call, call_doc, generic, number, seq, string_doc, text};
use super::{Context, capitalised, not_laid_out, open_module, placement, section_attribute, what};
use crate::layout::{ItemLayout, RegionLayout};
use crate::model::{Block, Item, ItemKind, Pool, Spanned};
use crate::naming::static_name;

/// The `pools` module.
pub(super) fn pools(cx: &Context<'_>, code: &mut Code) {
    let pools = &cx.config.pools;
    if !open_module(
        code,
        "Pools of fixed-size blocks: `[pools.NAME]` of memory.toml, as `NAME` in upper case.",
        "pools",
        pools.is_empty(),
    ) {
        return;
    }
    for pool in pools {
        match cx.placed(Item::Pool(pool)) {
            Some((region, item)) => match &pool.block {
                Block::Size(size) => memory_pool(
                    cx,
                    code,
                    ItemKind::Pool,
                    &pool.name,
                    size.value,
                    region,
                    item,
                ),
                Block::Type(path) => typed_pool(cx, code, pool, path, region, item),
            },
            None => not_laid_out(&pool.name.value, code),
        }
    }
    code.close("}");
}

/// A `MemoryPool` over blocks in a `static` of their own: a `[pools.NAME]` with `block_size`, or a component
/// with `strategy = "pool"`.
pub(super) fn memory_pool(
    cx: &Context<'_>,
    code: &mut Code,
    kind: ItemKind,
    name: &Spanned<String>,
    block_size: u64,
    region: &RegionLayout,
    item: &ItemLayout,
) {
    let count = item.count.unwrap_or(0);
    let align = item.align;
    let what = what(kind, &name.value);
    let location = cx.location(name.span);
    code.doc(&[
        format!(
            "{} (`{location}`): {count} blocks of {block_size} bytes aligned to {align}, in region `{}`.",
            capitalised(&what),
            region.name.value
        ),
        format!(
            "Reserves {} bytes: {} of blocks {}, and {} of allocator state (free list and counters).",
            item.footprint().bytes,
            item.storage.bytes,
            placement(region),
            item.metadata
        ),
    ]);
    let parameters = || vec![number(block_size), number(count), number(align)];
    let blocks_type = format!("fm::PoolBlocks<{block_size}, {count}, {align}>");
    let mut pool_parameters = parameters();
    pool_parameters.push(text(format!("&'static {blocks_type}")));
    code.statement(
        &seq(vec![
            text(format!("pub static {}: ", static_name(&name.value))),
            generic("fm::MemoryPool", pool_parameters, ""),
        ]),
        " = {",
    );
    section_attribute(region, code);
    code.line_fmt(format_args!(
        "static BLOCKS: {blocks_type} = fm::PoolBlocks::new();"
    ));
    code.assignment(
        "const _: ()",
        &call(
            format!("fm::check_pool::<{block_size}, {count}, {align}>"),
            vec![
                string_doc(&what),
                string_doc(&location),
                number(item.metadata),
                number(item.storage.bytes),
            ],
        ),
        ";",
    );
    code.comment(
        "SAFETY: `BLOCKS` is declared inside this initialiser, so no other code can name it: this pool is \
         the only one ever given these blocks.",
    );
    code.line("unsafe { fm::MemoryPool::with_blocks(&BLOCKS) }");
    code.close("};");
}

/// A `TypedPool<T, N>` over slots in a `static` of their own, for a `[pools.NAME]` with `type = "T"`.
fn typed_pool(
    cx: &Context<'_>,
    code: &mut Code,
    pool: &Pool,
    path: &Spanned<String>,
    region: &RegionLayout,
    item: &ItemLayout,
) {
    let ty = &super::type_text(&path.value);
    let count = pool.count.value;
    let what = what(ItemKind::Pool, &pool.name.value);
    let location = cx.location(pool.name.span);
    code.doc(&[
        format!(
            "{} (`{location}`): {count} values of `{ty}`, in region `{}`.",
            capitalised(&what),
            region.name.value
        ),
        format!(
            "Reserves {count} blocks of `size_of::<{ty}>()` bytes {}, which rustc adds to the region's \
             budget at compile time, and {} bytes of allocator state (free list and counters).",
            placement(region),
            item.metadata
        ),
    ]);
    let slots_type = format!("fm::TypedSlots<{ty}, {count}>");
    code.statement(
        &seq(vec![
            text(format!("pub static {}: ", static_name(&pool.name.value))),
            generic(
                "fm::TypedPool",
                vec![
                    text(ty.clone()),
                    number(count),
                    text(format!("&'static {slots_type}")),
                ],
                "",
            ),
        ]),
        " = {",
    );
    section_attribute(region, code);
    code.line_fmt(format_args!(
        "static SLOTS: {slots_type} = fm::TypedSlots::new();"
    ));
    // The alignment memory.toml asks for explicitly (the pool's or its region's): the type must have it, as a
    // typed pool's blocks are aligned as their type.
    let region_align = cx
        .config
        .region(&region.name.value)
        .and_then(|r| r.align.as_ref());
    let asked = match (pool.align.as_ref(), region_align) {
        (Some(own), Some(of_region)) if of_region.value > own.value => Some(of_region),
        (Some(own), _) => Some(own),
        (None, of_region) => of_region,
    };
    if let Some(asked) = asked.filter(|a| a.value > 1) {
        code.assignment(
            "const _: ()",
            &call(
                "fm::check_type_align",
                vec![
                    string_doc(&what),
                    string_doc(&cx.location(asked.span)),
                    string_doc(ty),
                    generic("::core::mem::align_of::", vec![text(ty.to_string())], "()"),
                    number(asked.value),
                ],
            ),
            ";",
        );
    }
    code.assignment(
        "const _: ()",
        &call_doc(
            generic(
                "fm::check_typed_pool::",
                vec![text(ty.clone()), number(count)],
                "",
            ),
            vec![
                string_doc(&what),
                string_doc(&location),
                text(format!(
                    "super::__budget::TERM_{}.plus({})",
                    static_name(&pool.name.value),
                    item.metadata
                )),
            ],
        ),
        ";",
    );
    code.comment(
        "SAFETY: `SLOTS` is declared inside this initialiser, so no other code can name it: this pool is the \
         only one ever given these slots.",
    );
    code.line("unsafe { fm::TypedPool::with_slots(&SLOTS) }");
    code.close("};");
}
