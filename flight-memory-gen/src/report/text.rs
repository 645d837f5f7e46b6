//! The text report: per platform, a table of regions with fill bars, then each region's items.

use std::fmt::Write as _;

use super::{describe, fill, show};
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
    let mut out = String::new();
    for (index, layout) in layouts.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        platform(&mut out, layout);
    }
    out
}

fn platform(out: &mut String, layout: &PlatformLayout) {
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
