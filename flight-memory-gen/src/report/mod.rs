//! Reports of a layout: a text table with fill bars, JSON for CI, and an SVG memory map.
//!
//! Each takes the layouts of the platforms to show (see [`Analysis::layouts`](crate::Analysis::layouts)); the
//! layouts may be over budget, which the reports show (the SVG in red).

mod json;
mod svg;
mod text;

pub use json::{json, json_with_uses};
pub use svg::{svg, svg_with_uses};
pub use text::{text, text_with_uses};

use crate::codegen::ExternalTerm;
use crate::layout::{ItemLayout, SizeExpr};
use crate::size::compact_size;

/// The macro uses (of a crate's sources, found by [`scan_crate`](crate::scan_crate)) in region `region`.
fn uses_in<'u>(
    uses: &'u [ExternalTerm],
    region: &'u str,
) -> impl Iterator<Item = &'u ExternalTerm> {
    uses.iter().filter(move |t| t.region == region)
}

/// What the generator knows of a macro use's bytes before rustc: `16 KiB` (exact) or `≥ 16 KiB`.
fn known(term: &ExternalTerm) -> String {
    if term.known_is_exact {
        compact_size(term.known_bytes)
    } else {
        format!("≥ {}", compact_size(term.known_bytes))
    }
}

/// The bytes the region's macro uses take at least.
fn uses_bytes(uses: &[ExternalTerm], region: &str) -> u64 {
    uses_in(uses, region).fold(0, |sum, t| sum.saturating_add(t.known_bytes))
}

/// `"12 KiB"`, or `"12 KiB + 64 × size_of::<T>()"` when the size has type terms.
fn show(size: &SizeExpr) -> String {
    let mut out = compact_size(size.bytes);
    for term in &size.terms {
        out.push_str(&format!(
            " + {} × size_of::<{}>()",
            term.count, term.type_path
        ));
    }
    out
}

/// What an item is, in a few words: `pool (64 × 256 B)`, `component linear`, `buffer manager (3 bins)`.
fn describe(item: &ItemLayout) -> String {
    let noun = item.kind.noun();
    let mut out = match item.strategy {
        Some(strategy) => format!("{noun}, {strategy}"),
        None => noun.to_string(),
    };
    if let (Some(count), Some(stride)) = (item.count, item.stride) {
        out.push_str(&format!(", {count} × {stride} B"));
    } else if let Some(term) = item.storage.terms.first() {
        out.push_str(&format!(", {} × {}", term.count, term.type_path));
    }
    if !item.bins.is_empty() {
        let bins: Vec<String> = item
            .bins
            .iter()
            .map(|b| format!("{} × {} B", b.count, b.stride))
            .collect();
        out.push_str(&format!(", {}", bins.join(" + ")));
    }
    out
}

/// `used / size` as a fraction, if both are known and the size is not zero.
#[allow(clippy::cast_precision_loss)] // a ratio for display
fn fill(used: u64, size: Option<u64>) -> Option<f64> {
    let size = size.filter(|s| *s > 0)?;
    Some(used as f64 / size as f64)
}
