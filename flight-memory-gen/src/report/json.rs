//! The JSON report, for CI. Its shape is documented in the crate's README ("JSON report").

use serde::Serialize;

use super::{fill, uses_bytes, uses_in};
use crate::codegen::ExternalTerm;
use crate::diagnostic::Diagnostics;
use crate::layout::{ItemLayout, PlatformLayout, RegionLayout, TypeTerm};
use crate::model::{ItemKind, Placement};

/// The version of the JSON shape; raised when a field changes meaning or is removed.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    file: &'a str,
    ok: bool,
    errors: Vec<Error<'a>>,
    platforms: Vec<Platform<'a>>,
}

#[derive(Serialize)]
struct Error<'a> {
    message: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    help: &'a str,
}

#[derive(Serialize)]
struct Platform<'a> {
    name: &'a str,
    budget: u64,
    regions_size: Option<u64>,
    used: u64,
    exact: bool,
    over_budget: bool,
    regions: Vec<Region<'a>>,
}

#[derive(Serialize)]
struct Region<'a> {
    name: &'a str,
    size: Option<u64>,
    section: Option<&'a str>,
    origin: Option<u64>,
    memory: Option<&'a str>,
    align: u64,
    used: u64,
    free: Option<u64>,
    fill: Option<f64>,
    exact: bool,
    over: bool,
    type_terms: Vec<Term<'a>>,
    items: Vec<Item<'a>>,
    /// The crate's macro uses in the region (`report --crate`), empty without.
    macro_uses: Vec<MacroUse<'a>>,
    /// `used` plus what is known of the macro uses' bytes: a lower bound unless every one is exact.
    used_with_macros: u64,
    /// Whether `used_with_macros` is over the region's size.
    over_with_macros: bool,
}

#[derive(Serialize)]
struct MacroUse<'a> {
    location: &'a str,
    what: &'a str,
    /// What the generator knows of its bytes: the exact size if `exact`, else a lower bound.
    bytes: u64,
    exact: bool,
    /// The `#[cfg(...)]` predicates around it, all of which must hold for it to be compiled.
    cfg: &'a [String],
}

#[derive(Serialize)]
struct Term<'a> {
    #[serde(rename = "type")]
    type_path: &'a str,
    count: u64,
    align: u64,
}

#[derive(Serialize)]
struct Item<'a> {
    name: &'a str,
    kind: &'static str,
    strategy: Option<&'static str>,
    offset: u64,
    padding: u64,
    storage: u64,
    metadata: u64,
    footprint: u64,
    align: u64,
    exact: bool,
    #[serde(rename = "type")]
    type_term: Option<Term<'a>>,
    count: Option<u64>,
    stride: Option<u64>,
    bins: Vec<Bin>,
}

#[derive(Serialize)]
struct Bin {
    size: u64,
    count: u64,
    stride: u64,
    offset: u64,
}

/// Renders `layouts` and `errors` (of `file`) as pretty-printed JSON (see the README for the shape).
///
/// ```
/// use flight_memory_gen::Analysis;
/// use flight_memory_gen::SourceFile;
///
/// let text = "[platform]\nname = \"obc\"\nbudget = 4096\n[regions.sram]\nsize = 4096\n";
/// let analysis = Analysis::of(SourceFile::new("memory.toml", text));
/// let layouts: Vec<_> = analysis.layouts().iter().collect();
/// let json = flight_memory_gen::report::json(&layouts, &analysis.errors());
/// assert!(json.contains("\"ok\": true"));
/// assert!(json.contains("\"name\": \"sram\""));
/// ```
pub fn json(layouts: &[&PlatformLayout], errors: &Diagnostics) -> String {
    json_with_uses(layouts, errors, &[])
}

/// [`json`], with a crate's `#[memory_pool]` and `buffer_bins!` uses (from [`scan_crate`](crate::scan_crate))
/// in each region's `macro_uses`, and `used_with_macros`/`over_with_macros` counting what is known of them.
///
/// ```
/// use flight_memory_gen::{Analysis, ExternalTerm, SourceFile};
///
/// let text = "[platform]\nname = \"obc\"\nbudget = 4096\n[regions.sram]\nsize = 4096\n";
/// let analysis = Analysis::of(SourceFile::new("memory.toml", text));
/// let layouts: Vec<_> = analysis.layouts().iter().collect();
/// let mut bins = ExternalTerm::new("src/lib.rs:2:42", "buffer_bins! `RX`", "src/lib.rs:2:42", "sram", "", 1);
/// bins.known_bytes = 8192;
/// let json = flight_memory_gen::report::json_with_uses(&layouts, &analysis.errors(), &[bins]);
/// assert!(json.contains("\"used_with_macros\": 8192"));
/// assert!(json.contains("\"over_with_macros\": true"));
/// ```
pub fn json_with_uses(
    layouts: &[&PlatformLayout],
    errors: &Diagnostics,
    uses: &[ExternalTerm],
) -> String {
    let report = Report {
        version: JSON_VERSION,
        file: errors.source().name(),
        ok: errors.is_empty(),
        errors: errors
            .diagnostics()
            .iter()
            .map(|d| {
                let location = errors.location(d);
                Error {
                    message: d.message(),
                    line: location.map(|l| l.line),
                    column: location.map(|l| l.column),
                    help: d.help(),
                }
            })
            .collect(),
        platforms: layouts.iter().map(|l| platform(l, uses)).collect(),
    };
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

fn platform<'a>(layout: &'a PlatformLayout, uses: &'a [ExternalTerm]) -> Platform<'a> {
    let used = layout.used();
    Platform {
        name: &layout.platform.value,
        budget: layout.budget.value,
        regions_size: layout.regions_size(),
        used: used.bytes,
        exact: used.is_exact(),
        over_budget: layout.over_budget(),
        regions: layout.regions.iter().map(|r| region(r, uses)).collect(),
    }
}

fn region<'a>(region: &'a RegionLayout, uses: &'a [ExternalTerm]) -> Region<'a> {
    let size = region.size.as_ref().map(|s| s.value);
    let used_with_macros = region
        .used
        .bytes
        .saturating_add(uses_bytes(uses, &region.name.value));
    Region {
        name: &region.name.value,
        size,
        section: region.section.as_deref(),
        origin: match &region.placement {
            Some(Placement::Origin(origin)) => Some(*origin),
            _ => None,
        },
        memory: match &region.placement {
            Some(Placement::Memory(memory)) => Some(memory.as_str()),
            _ => None,
        },
        align: region.align,
        used: region.used.bytes,
        free: region.free(),
        fill: fill(region.used.bytes, size),
        exact: region.used.is_exact(),
        over: region.over_size(),
        type_terms: region.used.terms.iter().map(term).collect(),
        items: region.items.iter().map(item).collect(),
        macro_uses: uses_in(uses, &region.name.value)
            .map(|t| MacroUse {
                location: &t.location,
                what: &t.what,
                bytes: t.known_bytes,
                exact: t.known_is_exact,
                cfg: &t.cfg,
            })
            .collect(),
        used_with_macros,
        over_with_macros: size.is_some_and(|size| used_with_macros > size),
    }
}

fn term(term: &TypeTerm) -> Term<'_> {
    Term {
        type_path: &term.type_path,
        count: term.count,
        align: term.align,
    }
}

fn item(item: &ItemLayout) -> Item<'_> {
    Item {
        name: &item.name.value,
        kind: match item.kind {
            ItemKind::Pool => "pool",
            ItemKind::BufferManager => "buffer_manager",
            ItemKind::Component => "component",
        },
        strategy: item.strategy,
        offset: item.offset,
        padding: item.padding,
        storage: item.storage.bytes,
        metadata: item.metadata,
        footprint: item.footprint().bytes,
        align: item.align,
        exact: item.storage.is_exact() && item.types_before == 0,
        type_term: item.storage.terms.first().map(term),
        count: item.count,
        stride: item.stride,
        bins: item
            .bins
            .iter()
            .map(|b| Bin {
                size: b.size,
                count: b.count,
                stride: b.stride,
                offset: b.offset,
            })
            .collect(),
    }
}
