//! `memory::__budget` (hidden): each region's ledger, where sizes only rustc knows are added to the bytes the
//! generator counted and checked against the region's size at compile time.
//!
//! For every region, a `REGION_<NAME>: RegionLedger` holds the platform, the region, where its size is written,
//! its size, the bytes the generator counted (`known`) and one `Term` per size only rustc knows: each pool with
//! `type = "..."` (`TERM_<POOL>`), and each [`ExternalTerm`] (the hook for the macros). `USED_<NAME>` is
//! `REGION_<NAME>.used()`, evaluated in a `const`: a region over its size fails compilation with a message
//! that names the region, the location to change in memory.toml, and every number. `memory::PLATFORM` reports
//! the same figures.

use super::text::{Code, array, generic, seq, string, text};
use super::{Context, type_text};
use crate::layout::{ItemLayout, RegionLayout};
use crate::naming::static_name;

/// A size declared outside memory.toml, counted in a region's ledger: `count` values of `type_path`, in blocks
/// aligned to at least `min_align`.
///
/// This is what a scan of a crate's sources for `#[memory_pool]` and `buffer_bins!` (flight-memory-macros)
/// produces, one per use; see [`generate_with`](crate::generate_with). The macro's expansion asserts with
/// `RegionLedger::has(key)` that the generator counted it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExternalTerm {
    /// Unique in the ledger, and computable by the macro's expansion from its own input (e.g.
    /// `memory_pool:crate::tlm::Packet`).
    pub key: String,
    /// What it is, for messages (``#[memory_pool] on `Packet` ``).
    pub what: String,
    /// Where it is declared (`src/tlm.rs:12:1`).
    pub location: String,
    /// The region it is counted in.
    pub region: String,
    /// The Rust type whose `size_of` and `align_of` are counted (e.g. `flight_memory::TypedPool<Packet, 64>`).
    pub type_path: String,
    /// How many values of the type.
    pub count: u64,
    /// The smallest alignment of a block (a power of two).
    pub min_align: u64,
}

impl ExternalTerm {
    /// `count` values of `type_path` declared at `location`, counted in `region` under `key`.
    pub fn new(
        key: impl Into<String>,
        what: impl Into<String>,
        location: impl Into<String>,
        region: impl Into<String>,
        type_path: impl Into<String>,
        count: u64,
    ) -> ExternalTerm {
        ExternalTerm {
            key: key.into(),
            what: what.into(),
            location: location.into(),
            region: region.into(),
            type_path: type_path.into(),
            count,
            min_align: 1,
        }
    }
}

/// How many of the generator's largest items a ledger names, for its message.
const LARGEST_SHOWN: usize = 3;

/// The `__budget` module.
pub(super) fn budget(cx: &Context<'_>, code: &mut Code) {
    code.line("#[doc(hidden)]");
    code.doc(&["The budget ledger of every region (hidden: read `PLATFORM` instead)."]);
    code.open("pub mod __budget {");
    code.line("use super::fm;");
    let mut ledgers = Vec::new();
    for region in &cx.layout.regions {
        let terms = region_terms(cx, region, code);
        ledgers.push((region, terms));
    }
    for (region, terms) in &ledgers {
        let upper = static_name(&region.name.value);
        let name = &region.name.value;
        let location = cx.location(
            region
                .size
                .as_ref()
                .map_or(region.name.span, |size| size.span),
        );
        code.doc(&[format!(
            "Region `{name}`: the generator's bytes and the sizes only rustc knows."
        )]);
        let wrapped = code.open_assignment(
            &format!("pub const REGION_{upper}: fm::RegionLedger"),
            "fm::RegionLedger {",
        );
        code.line_fmt(format_args!(
            "platform: {},",
            string(&cx.layout.platform.value)
        ));
        code.line_fmt(format_args!("region: {},", string(name)));
        code.line_fmt(format_args!("location: {},", string(&location)));
        code.line_fmt(format_args!(
            "size: {},",
            region.size.as_ref().map_or(0, |s| s.value)
        ));
        code.line_fmt(format_args!("known: {},", region.used.bytes));
        code.line_fmt(format_args!("largest: {},", string(&largest(region))));
        code.statement(
            &seq(vec![
                text("terms: &"),
                array(terms.iter().map(|t| text(t.clone())).collect()),
            ]),
            ",",
        );
        code.close_assignment(wrapped, "};");
        code.doc(&[format!(
            "What region `{name}`'s items need, checked against its size."
        )]);
        code.assignment(
            &format!("pub const USED_{upper}: u64"),
            &text(format!("REGION_{upper}.used()")),
            ";",
        );
    }
    code.doc(&["Every region's ledger, in memory.toml's order."]);
    let names: Vec<String> = ledgers
        .iter()
        .map(|(region, _)| format!("REGION_{}", static_name(&region.name.value)))
        .collect();
    code.assignment(
        "pub const REGIONS: &[fm::RegionLedger]",
        &seq(vec![
            text("&"),
            array(names.iter().map(|n| text(n.clone())).collect()),
        ]),
        ";",
    );
    code.comment(
        "Evaluated whether or not anything reads them: a region over its size is a compile error.",
    );
    for (region, _) in &ledgers {
        code.line_fmt(format_args!(
            "const _: u64 = USED_{};",
            static_name(&region.name.value)
        ));
    }
    code.close("}");
}

/// Writes the `TERM_*` consts of `region` and returns their names.
fn region_terms(cx: &Context<'_>, region: &RegionLayout, code: &mut Code) -> Vec<String> {
    let mut names = Vec::new();
    for item in &region.items {
        // Only a pool with `type = "..."` has a term.
        let Some(term) = item.storage.terms.first() else {
            continue;
        };
        let name = format!("TERM_{}", static_name(&item.name.value));
        let ty = type_text(&term.type_path);
        code.doc(&[format!(
            "Pool `{}`: {} x `{ty}`.",
            item.name.value, term.count
        )]);
        write_term(
            code,
            &name,
            &format!("pools.{}", item.name.value),
            &format!("pool `{}`", item.name.value),
            &cx.location(term.span),
            &ty,
            term.count,
            term.align,
        );
        names.push(name);
    }
    for (index, external) in cx
        .external
        .iter()
        .filter(|t| t.region == region.name.value)
        .enumerate()
    {
        let name = format!("EXTERNAL_{}_{index}", static_name(&region.name.value));
        // `#[memory_pool]` would read as a broken intra-doc link to rustdoc.
        let what = external.what.replace('[', "\\[").replace(']', "\\]");
        code.doc(&[format!("{what} (`{}`).", external.location)]);
        write_term(
            code,
            &name,
            &external.key,
            &external.what,
            &external.location,
            &type_text(&external.type_path),
            external.count,
            external.min_align.max(1),
        );
        names.push(name);
    }
    names
}

#[allow(clippy::too_many_arguments)] // the fields of a `Term`, named at the call
fn write_term(
    code: &mut Code,
    name: &str,
    key: &str,
    what: &str,
    location: &str,
    ty: &str,
    count: u64,
    min_align: u64,
) {
    let wrapped = code.open_assignment(&format!("pub const {name}: fm::Term"), "fm::Term {");
    code.line_fmt(format_args!("key: {},", string(key)));
    code.line_fmt(format_args!("what: {},", string(what)));
    code.line_fmt(format_args!("location: {},", string(location)));
    code.line_fmt(format_args!("type_name: {},", string(ty)));
    code.line_fmt(format_args!("count: {count},"));
    code.statement(
        &generic(
            "size: ::core::mem::size_of::",
            vec![text(ty.to_string())],
            "()",
        ),
        ",",
    );
    code.statement(
        &generic(
            "align: ::core::mem::align_of::",
            vec![text(ty.to_string())],
            "()",
        ),
        ",",
    );
    code.line_fmt(format_args!("min_align: {min_align},"));
    code.close_assignment(wrapped, "};");
}

/// ``buffer manager `comm` 37280 bytes, ...``: the region's largest items of known size.
fn largest(region: &RegionLayout) -> String {
    let mut items: Vec<&ItemLayout> = region
        .items
        .iter()
        .filter(|i| i.storage.is_exact())
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.footprint().bytes));
    let shown: Vec<String> = items
        .iter()
        .take(LARGEST_SHOWN)
        .map(|i| {
            format!(
                "{} `{}` {} bytes",
                i.kind.noun(),
                i.name.value,
                i.footprint().bytes
            )
        })
        .collect();
    shown.join(", ")
}
