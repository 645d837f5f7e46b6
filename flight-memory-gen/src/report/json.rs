//! The JSON report, for CI. Its shape is documented in the crate's README ("JSON report").

use serde::Serialize;

use super::fill;
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
        platforms: layouts.iter().map(|l| platform(l)).collect(),
    };
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

fn platform(layout: &PlatformLayout) -> Platform<'_> {
    let used = layout.used();
    Platform {
        name: &layout.platform.value,
        budget: layout.budget.value,
        regions_size: layout.regions_size(),
        used: used.bytes,
        exact: used.is_exact(),
        over_budget: layout.over_budget(),
        regions: layout.regions.iter().map(region).collect(),
    }
}

fn region(region: &RegionLayout) -> Region<'_> {
    let size = region.size.as_ref().map(|s| s.value);
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
