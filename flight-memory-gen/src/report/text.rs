//! The text report: per platform, a table of regions with fill bars, then each region's items.

use std::fmt::Write as _;

use super::{describe, fill, known, show, uses_bytes, uses_in};
use crate::codegen::ExternalTerm;
use crate::layout::PlatformLayout;
use crate::size::compact_size;

/// Width of a fill bar, in characters between the brackets.
const BAR: usize = 24;

/// Renders `layouts` as text tables.
///
/// ```
/// let text = "[platform]\nname = \"obc\"\nbudget = \"8 KiB\"\n[regions.sram]\nsize = \"8 KiB\"\n\
///             [pools.p]\nregion = \"sram\"\nblock_size = 64\ncount = 32\n";
/// let checked = flight_memory_gen::check_str("memory.toml", text)?;
/// let layouts: Vec<_> = checked.layouts().iter().collect();
/// let report = flight_memory_gen::report::text(&layouts);
/// assert!(report.contains("sram"));
/// assert!(report.contains("[######"));
/// # Ok::<(), flight_memory_gen::Diagnostics>(())
/// ```
pub fn text(layouts: &[&PlatformLayout]) -> String {
    text_with_uses(layouts, &[])
}

/// [`text`], with a crate's `#[memory_pool]` and `buffer_bins!` uses (from [`scan_crate`](crate::scan_crate))
/// listed under their regions, with what is known of their sizes before rustc, and each region's fill with
/// them.
///
/// ```
/// let text = "[platform]\nname = \"obc\"\nbudget = \"8 KiB\"\n[regions.sram]\nsize = \"8 KiB\"\n";
/// let checked = flight_memory_gen::check_str("memory.toml", text)?;
/// let layouts: Vec<_> = checked.layouts().iter().collect();
/// let mut bins = flight_memory_gen::ExternalTerm::new(
///     "src/lib.rs:2:42", "buffer_bins! `RX`", "src/lib.rs:2:42", "sram", "", 1,
/// );
/// bins.known_bytes = 4096;
/// let report = flight_memory_gen::report::text_with_uses(&layouts, &[bins]);
/// assert!(report.contains("src/lib.rs:2:42  buffer_bins! `RX`  ≥ 4 KiB"));
/// assert!(report.contains("with the macro uses: ≥ 4 KiB of 8 KiB"));
/// # Ok::<(), flight_memory_gen::Diagnostics>(())
/// ```
pub fn text_with_uses(layouts: &[&PlatformLayout], uses: &[ExternalTerm]) -> String {
    let mut out = String::new();
    for (index, layout) in layouts.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        platform(&mut out, layout, uses);
    }
    out
}

fn platform(out: &mut String, layout: &PlatformLayout, uses: &[ExternalTerm]) {
    let budget = layout.budget.value;
    let used = layout.used();
    let _ = write!(
        out,
        "platform `{}`: budget {}",
        layout.platform.value,
        compact_size(budget)
    );
    match layout.regions_size() {
        Some(total) => {
            let percent = fill(total, Some(budget))
                .map_or(String::new(), |f| format!(" ({:.0}%)", f * 100.0));
            let _ = write!(out, ", regions {}{percent}", compact_size(total));
            if total > budget {
                let _ = write!(out, ", OVER BUDGET by {}", compact_size(total - budget));
            }
        }
        None => out.push_str(", regions of unknown total size"),
    }
    let _ = writeln!(out, ", items use {}", show(&used));

    let mut rows = vec![[
        "region".to_string(),
        "size".to_string(),
        "used".to_string(),
        "free".to_string(),
        "fill".to_string(),
    ]];
    for region in &layout.regions {
        let size = region.size.as_ref().map(|s| s.value);
        let used = if region.overflow {
            "overflow".to_string()
        } else {
            show(&region.used)
        };
        let free = match (size, region.free()) {
            (_, Some(free)) => compact_size(free),
            (Some(size), None) => {
                format!("-{}", compact_size(region.used.bytes.saturating_sub(size)))
            }
            (None, None) => "?".to_string(),
        };
        rows.push([
            region.name.value.clone(),
            size.map_or("?".to_string(), compact_size),
            used,
            free,
            bar(
                fill(region.used.bytes, size),
                region.over_size(),
                region.used.is_exact(),
            ),
        ]);
    }
    table(out, &rows, "  ");

    for region in &layout.regions {
        let section = region
            .section
            .as_deref()
            .map_or(String::new(), |s| format!(", section {s}"));
        let _ = writeln!(
            out,
            "\n  region `{}`{section}, {} item{}",
            region.name.value,
            region.items.len(),
            if region.items.len() == 1 { "" } else { "s" }
        );
        macro_uses(out, region, uses);
        if region.items.is_empty() {
            continue;
        }
        let mut rows = vec![[
            "offset".to_string(),
            "padding".to_string(),
            "storage".to_string(),
            "metadata".to_string(),
            "item".to_string(),
        ]];
        for item in &region.items {
            let offset = if item.types_before == 0 {
                format!("{:#08x}", item.offset)
            } else {
                format!("≥ {:#08x}", item.offset)
            };
            rows.push([
                offset,
                compact_size(item.padding),
                show(&item.storage),
                compact_size(item.metadata),
                format!("{} ({})", item.name.value, describe(item)),
            ]);
        }
        table(out, &rows, "    ");
    }
}

/// The region's macro uses, and its fill with them (their sizes are lower bounds: rustc adds the state).
fn macro_uses(out: &mut String, region: &crate::layout::RegionLayout, uses: &[ExternalTerm]) {
    let name = &region.name.value;
    let mut rows = Vec::new();
    for term in uses_in(uses, name) {
        let cfg = if term.cfg.is_empty() {
            String::new()
        } else {
            format!(" if cfg({})", term.cfg.join(", "))
        };
        rows.push([
            term.location.clone(),
            term.what.clone(),
            format!("{}{cfg}", known(term)),
        ]);
    }
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "    macro uses ({}; sizes before rustc adds each one's state and values):",
        rows.len()
    );
    table(out, &rows, "      ");
    let used = region.used.bytes.saturating_add(uses_bytes(uses, name));
    let size = region.size.as_ref().map(|s| s.value);
    let over = size.is_some_and(|size| used > size);
    let _ = writeln!(
        out,
        "    with the macro uses: ≥ {} of {}  {}",
        compact_size(used),
        size.map_or("?".to_string(), compact_size),
        bar(fill(used, size), over, false)
    );
}

/// `[########----------------]  34%`, with `OVER` past 100%.
fn bar(fraction: Option<f64>, over: bool, exact: bool) -> String {
    let Some(fraction) = fraction else {
        return "?".to_string();
    };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped to 0..=BAR
    let filled = ((fraction.clamp(0.0, 1.0) * BAR as f64).round() as usize).min(BAR);
    let mut out = format!(
        "[{}{}] {:>3.0}%",
        "#".repeat(filled),
        "-".repeat(BAR - filled),
        fraction * 100.0
    );
    if !exact {
        out.push_str(" + types");
    }
    if over {
        out.push_str(" OVER");
    }
    out
}

/// Writes rows as left-aligned columns (the last column unpadded).
fn table<const N: usize>(out: &mut String, rows: &[[String; N]], indent: &str) {
    let mut widths = [0usize; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::from(indent);
        for (column, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if column + 1 < N {
                let width = widths.get(column).copied().unwrap_or(0);
                line.push_str(&" ".repeat(width.saturating_sub(cell.chars().count()) + 2));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}
