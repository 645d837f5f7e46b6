//! The SVG memory map: per platform, the regions against the budget, then each region as a bar with its items
//! as labelled blocks, free space, and what is over in red.

use std::fmt::Write as _;

use super::{describe, known, show, uses_bytes, uses_in};
use crate::codegen::ExternalTerm;
use crate::layout::{ItemLayout, PlatformLayout, RegionLayout};
use crate::model::ItemKind;
use crate::size::compact_size;

const WIDTH: f64 = 1000.0;
const MARGIN: f64 = 16.0;
/// Left column with region names.
const LABEL_WIDTH: f64 = 170.0;
const BAR_X: f64 = MARGIN + LABEL_WIDTH;
const BAR_WIDTH: f64 = WIDTH - BAR_X - MARGIN;
const BAR_HEIGHT: f64 = 34.0;
const ROW_HEIGHT: f64 = 60.0;
/// Approximate width of a character of the 11 px label font.
const CHAR_WIDTH: f64 = 6.4;

const OVER: &str = "#d62728";
const FREE: &str = "#f4f4f4";

/// Renders `layouts` as one SVG document.
///
/// ```
/// let text = "[platform]\nname = \"obc\"\nbudget = \"8 KiB\"\n[regions.sram]\nsize = \"8 KiB\"\n\
///             [pools.p]\nregion = \"sram\"\nblock_size = 64\ncount = 32\n";
/// let checked = flight_memory_gen::check_str("memory.toml", text)?;
/// let layouts: Vec<_> = checked.layouts().iter().collect();
/// let svg = flight_memory_gen::report::svg(&layouts);
/// assert!(svg.starts_with("<svg"));
/// assert!(svg.contains(">p<"));
/// # Ok::<(), flight_memory_gen::Diagnostics>(())
/// ```
pub fn svg(layouts: &[&PlatformLayout]) -> String {
    svg_with_uses(layouts, &[])
}

/// [`svg`], with a crate's `#[memory_pool]` and `buffer_bins!` uses (from [`scan_crate`](crate::scan_crate))
/// drawn after each region's items, hatched (rustc adds to what is drawn), and the region's fill with them.
///
/// ```
/// let text = "[platform]\nname = \"obc\"\nbudget = 4096\n[regions.sram]\nsize = 4096\n";
/// let checked = flight_memory_gen::check_str("memory.toml", text)?;
/// let layouts: Vec<_> = checked.layouts().iter().collect();
/// let mut bins = flight_memory_gen::ExternalTerm::new(
///     "src/lib.rs:2:42", "buffer_bins! `RX`", "src/lib.rs:2:42", "sram", "", 1,
/// );
/// bins.known_bytes = 1024;
/// let svg = flight_memory_gen::report::svg_with_uses(&layouts, &[bins]);
/// assert!(svg.contains("buffer_bins! `RX` (src/lib.rs:2:42)"));
/// # Ok::<(), flight_memory_gen::Diagnostics>(())
/// ```
pub fn svg_with_uses(layouts: &[&PlatformLayout], uses: &[ExternalTerm]) -> String {
    let mut body = String::new();
    let mut y = MARGIN;
    for layout in layouts {
        y = platform(&mut body, layout, uses, y);
        y += 20.0;
    }
    let height = y.max(60.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">"#
    );
    out.push_str("<title>flight-memory memory map</title>\n");
    let _ = writeln!(
        out,
        r##"<defs><pattern id="symbolic" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#9ecae1"/></pattern></defs>"##
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

fn platform(out: &mut String, layout: &PlatformLayout, uses: &[ExternalTerm], mut y: f64) -> f64 {
    let budget = layout.budget.value;
    let over_budget = layout.over_budget();
    let total = layout.regions_size();
    let title = format!(
        "platform {} — budget {}, regions {}{}",
        layout.platform.value,
        compact_size(budget),
        total.map_or("?".to_string(), compact_size),
        if over_budget { " — OVER BUDGET" } else { "" }
    );
    text(
        out,
        MARGIN,
        y + 14.0,
        &title,
        if over_budget { OVER } else { "#111" },
        "bold",
        14.0,
    );
    y += 26.0;

    // The budget bar: each region's size, side by side, against the budget.
    let scale_total = total.unwrap_or(0).max(budget).max(1);
    let scale = BAR_WIDTH / to_f64(scale_total);
    text(out, MARGIN, y + 15.0, "budget", "#111", "bold", 11.0);
    let mut x = BAR_X;
    for region in &layout.regions {
        let Some(size) = &region.size else { continue };
        let width = to_f64(size.value) * scale;
        let label = format!("{} {}", region.name.value, compact_size(size.value));
        let tooltip = format!("region {}: {}", region.name.value, compact_size(size.value));
        rect(out, x, y, width, 22.0, "#dde6f0", "#667", "", &tooltip);
        label_inside(out, x, y + 15.0, width, &label, "#111");
        x += width;
    }
    let budget_x = BAR_X + to_f64(budget) * scale;
    if over_budget {
        rect(
            out,
            budget_x,
            y,
            x - budget_x,
            22.0,
            OVER,
            OVER,
            r#" fill-opacity="0.35""#,
            "over budget",
        );
    }
    let marker = if over_budget { OVER } else { "#111" };
    line(out, budget_x, y - 4.0, budget_x, y + 26.0, marker, 2.0);
    // The label goes on the side of the marker where there is room.
    let (anchor, label_x) = if budget_x > BAR_X + BAR_WIDTH / 2.0 {
        ("end", budget_x - 4.0)
    } else {
        ("start", budget_x + 4.0)
    };
    let label = format!("budget {}", compact_size(budget));
    anchored(out, label_x, y - 5.0, anchor, &label, marker, 10.0);
    y += 40.0;

    for region in &layout.regions {
        y = region_row(out, region, uses, y);
    }
    y + legend(out, y)
}

fn region_row(out: &mut String, region: &RegionLayout, uses: &[ExternalTerm], y: f64) -> f64 {
    let size = region.size.as_ref().map(|s| s.value);
    let items = region.used.bytes;
    let used = items.saturating_add(uses_bytes(uses, &region.name.value));
    let over = region.over_size() || size.is_some_and(|size| used > size);
    let extent = size.unwrap_or(0).max(used).max(1);
    let scale = BAR_WIDTH / to_f64(extent);
    let colour = if over { OVER } else { "#111" };
    text(
        out,
        MARGIN,
        y + 14.0,
        &region.name.value,
        colour,
        "bold",
        12.0,
    );
    let used_text = if region.used.is_exact() && used == items {
        compact_size(used)
    } else {
        format!("≥ {}", compact_size(used))
    };
    let summary = match size {
        Some(size) => format!("{used_text} of {}", compact_size(size)),
        None => format!("{used_text} (no size)"),
    };
    text(out, MARGIN, y + 29.0, &summary, colour, "normal", 10.0);

    // The region's own extent, free space first (items are drawn over it).
    if let Some(size) = size {
        let width = to_f64(size) * scale;
        rect(
            out,
            BAR_X,
            y,
            width,
            BAR_HEIGHT,
            FREE,
            if over { OVER } else { "#555" },
            r#" stroke-width="1.5""#,
            &format!("region {}: {}", region.name.value, compact_size(size)),
        );
        if let Some(free) = region.free().filter(|f| *f > 0) {
            let x = BAR_X + to_f64(used) * scale;
            label_inside(
                out,
                x,
                y + 21.0,
                to_f64(free) * scale,
                &format!("free {}", compact_size(free)),
                "#777",
            );
        }
    }
    for item in &region.items {
        item_block(out, item, y, scale);
    }
    let mut offset = items;
    for term in uses_in(uses, &region.name.value) {
        let x = BAR_X + to_f64(offset) * scale;
        let width = (to_f64(term.known_bytes) * scale).max(4.0);
        let label = term.what.clone();
        let tooltip = format!("{label} ({}): {}", term.location, known(term));
        rect(
            out,
            x,
            y + 2.0,
            width,
            BAR_HEIGHT - 4.0,
            "url(#symbolic)",
            "#333",
            r#" stroke-dasharray="3 2""#,
            &tooltip,
        );
        label_inside(out, x, y + 15.0, width, &label, "#111");
        label_inside(out, x, y + 28.0, width, &known(term), "#333");
        offset = offset.saturating_add(term.known_bytes);
    }
    if let Some(size) = size.filter(|s| used > *s) {
        let x = BAR_X + to_f64(size) * scale;
        let width = to_f64(used - size) * scale;
        rect(
            out,
            x,
            y - 3.0,
            width,
            BAR_HEIGHT + 6.0,
            OVER,
            OVER,
            r#" fill-opacity="0.25" stroke-dasharray="4 2""#,
            &format!("over by {}", compact_size(used - size)),
        );
        line(out, x, y - 6.0, x, y + BAR_HEIGHT + 6.0, OVER, 2.5);
        let label = format!(
            "over by {}: items {}, region {}",
            compact_size(used - size),
            compact_size(used),
            compact_size(size)
        );
        anchored(
            out,
            BAR_X + BAR_WIDTH,
            y + BAR_HEIGHT + 14.0,
            "end",
            &label,
            OVER,
            11.0,
        );
    }
    y + ROW_HEIGHT
}

fn item_block(out: &mut String, item: &ItemLayout, y: f64, scale: f64) {
    let start = item.offset.saturating_sub(item.padding);
    let x = BAR_X + to_f64(start) * scale;
    let footprint = item.footprint();
    let width = (to_f64(footprint.bytes) * scale).max(if footprint.is_exact() { 1.0 } else { 4.0 });
    let fill = match (item.kind, footprint.is_exact()) {
        (_, false) => "url(#symbolic)",
        (ItemKind::Pool, _) => "#6baed6",
        (ItemKind::BufferManager, _) => "#74c476",
        (ItemKind::Component, _) => "#fdae6b",
    };
    let tooltip = format!(
        "{} ({}): {} at offset {}; storage {}, metadata {}, padding {}",
        item.name.value,
        describe(item),
        show(&footprint),
        item.offset,
        show(&item.storage),
        compact_size(item.metadata),
        compact_size(item.padding)
    );
    let dash = if footprint.is_exact() {
        ""
    } else {
        r#" stroke-dasharray="3 2""#
    };
    rect(
        out,
        x,
        y + 2.0,
        width,
        BAR_HEIGHT - 4.0,
        fill,
        "#333",
        dash,
        &tooltip,
    );
    label_inside(out, x, y + 15.0, width, &item.name.value, "#111");
    let size_label = if footprint.is_exact() {
        compact_size(footprint.bytes)
    } else {
        format!("≥ {}", compact_size(footprint.bytes))
    };
    label_inside(out, x, y + 28.0, width, &size_label, "#333");
}

fn legend(out: &mut String, y: f64) -> f64 {
    let entries = [
        ("#6baed6", "pool"),
        ("#74c476", "buffer manager"),
        ("#fdae6b", "component"),
        ("url(#symbolic)", "size known to rustc only"),
        (FREE, "free"),
        (OVER, "over"),
    ];
    let mut x = BAR_X;
    for (fill, name) in entries {
        rect(out, x, y, 12.0, 12.0, fill, "#555", "", name);
        text(out, x + 16.0, y + 10.0, name, "#333", "normal", 10.0);
        x += 28.0 + to_f64(u64::try_from(name.len()).unwrap_or(0)) * 6.0;
    }
    18.0
}

fn to_f64(value: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)] // pixels
    let v = value as f64;
    v
}

/// `text` centred in `width` from `x` if it fits, else nothing (the block's tooltip still has it).
fn label_inside(out: &mut String, x: f64, baseline: f64, width: f64, label: &str, colour: &str) {
    let chars = to_f64(u64::try_from(label.chars().count()).unwrap_or(u64::MAX));
    if chars * CHAR_WIDTH + 6.0 <= width {
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{baseline:.1}" text-anchor="middle" fill="{colour}">{}</text>"#,
            x + width / 2.0,
            escape(label)
        );
    }
}

fn anchored(
    out: &mut String,
    x: f64,
    y: f64,
    anchor: &str,
    content: &str,
    colour: &str,
    size: f64,
) {
    let _ = writeln!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" fill="{colour}" font-size="{size}">{}</text>"#,
        escape(content)
    );
}

fn text(out: &mut String, x: f64, y: f64, content: &str, colour: &str, weight: &str, size: f64) {
    let _ = writeln!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" fill="{colour}" font-weight="{weight}" font-size="{size}">{}</text>"#,
        escape(content)
    );
}

#[allow(clippy::too_many_arguments)]
fn rect(
    out: &mut String,
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    fill: &str,
    stroke: &str,
    extra: &str,
    title: &str,
) {
    let _ = writeln!(
        out,
        r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{height:.1}" fill="{fill}" stroke="{stroke}"{extra}><title>{}</title></rect>"#,
        width.max(0.0),
        escape(title)
    );
}

fn line(out: &mut String, x1: f64, y1: f64, x2: f64, y2: f64, colour: &str, width: f64) {
    let _ = writeln!(
        out,
        r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="{width}"/>"#
    );
}

/// Escapes text for XML content and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("Vec<u8> & \"x\" 'y'"),
            "Vec&lt;u8&gt; &amp; &quot;x&quot; &apos;y&apos;"
        );
        assert_eq!(escape("a\u{1}b"), "a\u{FFFD}b");
    }
}
