//! Stage 4: does one platform's layout fit? Items larger than their region, regions over their size, and
//! regions over the platform's budget, each with the numbers and the largest items.

use crate::diagnostic::{Diagnostic, Stage};
use crate::layout::{ItemLayout, PlatformLayout, RegionLayout};
use crate::naming::list_names;
use crate::size::compact_size;

/// How many of the largest items an over-size error names.
const LARGEST_SHOWN: usize = 3;

/// Checks `layout` (of the platform it names) against region sizes and the budget.
pub(crate) fn check(layout: &PlatformLayout) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let platform = &layout.platform.value;
    for region in &layout.regions {
        if region.overflow {
            continue;
        }
        // A region of zero bytes was already reported as such.
        let Some(size) = region.size.as_ref().filter(|s| s.value > 0) else {
            continue;
        };
        let oversized: Vec<&ItemLayout> = region
            .items
            .iter()
            .filter(|item| item.footprint().bytes > size.value)
            .collect();
        for item in &oversized {
            diagnostics.push(item_too_large(platform, region, item, layout));
        }
        if oversized.is_empty() && region.used.bytes > size.value {
            diagnostics.push(region_over_size(platform, region));
        }
    }
    // A budget of zero was already reported as such. A sum that overflows 64 bits is over any budget.
    if let Some(total) = regions_total(layout).filter(|_| layout.budget.value > 0) {
        if total > u128::from(layout.budget.value) {
            diagnostics.push(over_budget(layout, total));
        }
    }
    diagnostics
}

/// The sum of the regions' sizes, exact (in 128 bits it cannot overflow), or `None` if a region has no size
/// on this platform (that was reported where the region is declared).
pub(crate) fn regions_total(layout: &PlatformLayout) -> Option<u128> {
    layout.regions.iter().try_fold(0u128, |sum, r| {
        Some(sum + u128::from(r.size.as_ref()?.value))
    })
}

fn item_too_large(
    platform: &str,
    region: &RegionLayout,
    item: &ItemLayout,
    layout: &PlatformLayout,
) -> Diagnostic {
    let size = region.size.as_ref().map_or(0, |s| s.value);
    let need = item.footprint().bytes;
    let name = &item.name.value;
    let noun = item.kind.noun();
    let larger: Vec<&RegionLayout> = layout
        .regions
        .iter()
        .filter(|r| r.name.value != region.name.value)
        .filter(|r| r.free().is_some_and(|free| free >= need))
        .collect();
    let mut help = format!(
        "make {noun} `{name}` smaller (fewer or smaller blocks), or make region `{}` at least {} on platform `{platform}`",
        region.name.value,
        bytes_and_units(need)
    );
    if let Some(other) = larger.first() {
        help.push_str(&format!(
            ", or move it to region `{}` ({} free)",
            other.name.value,
            compact_size(other.free().unwrap_or(0))
        ));
    }
    let mut diagnostic = Diagnostic::new(
        Stage::Budget,
        format!(
            "{noun} `{name}` needs {} but its region `{}` has {} on platform `{platform}`",
            bytes_and_units(need),
            region.name.value,
            bytes_and_units(size)
        ),
        help,
    )
    .at(item.name.span, format!("needs {}", compact_size(need)));
    if let Some(size_at) = &region.size {
        diagnostic = diagnostic.also(
            size_at.span,
            format!(
                "region `{}` is {} here",
                region.name.value,
                compact_size(size)
            ),
        );
    }
    diagnostic.note(breakdown(item))
}

fn region_over_size(platform: &str, region: &RegionLayout) -> Diagnostic {
    let size = region.size.as_ref().map_or(0, |s| s.value);
    let used = region.used.bytes;
    let over = used.saturating_sub(size);
    let mut largest: Vec<&ItemLayout> = region.items.iter().collect();
    largest.sort_by_key(|item| std::cmp::Reverse(item.footprint().bytes));
    largest.truncate(LARGEST_SHOWN);
    let mut diagnostic = Diagnostic::new(
        Stage::Budget,
        format!(
            "region `{}` is over its size on platform `{platform}`: its items need {}, it has {}",
            region.name.value,
            bytes_and_units(used),
            bytes_and_units(size)
        ),
        format!(
            "make region `{}` at least {}, {} more, or shrink or move its largest items",
            region.name.value,
            bytes_and_units(used),
            compact_size(over)
        ),
    );
    if let Some(size_at) = &region.size {
        diagnostic = diagnostic.at(size_at.span, format!("{} short", compact_size(over)));
    }
    for item in &largest {
        diagnostic = diagnostic.also(
            item.name.span,
            format!(
                "{} `{}`: {}",
                item.kind.noun(),
                item.name.value,
                compact_size(item.footprint().bytes)
            ),
        );
    }
    let listed: Vec<String> = largest
        .iter()
        .map(|i| {
            format!(
                "{} `{}` {}",
                i.kind.noun(),
                i.name.value,
                compact_size(i.footprint().bytes)
            )
        })
        .collect();
    diagnostic.note(format!(
        "largest items in `{}`: {} ({} items in all)",
        region.name.value,
        listed.join(", "),
        region.items.len()
    ))
}

fn over_budget(layout: &PlatformLayout, total: u128) -> Diagnostic {
    let budget = layout.budget.value;
    let excess = total - u128::from(budget);
    // A sum beyond 64 bits is named in bytes only: there is no unit to show it in.
    let (total_text, excess_text) = match (u64::try_from(total), u64::try_from(excess)) {
        (Ok(total), Ok(excess)) => (bytes_and_units(total), compact_size(excess)),
        (Ok(total), Err(_)) => (bytes_and_units(total), format!("{excess} B")),
        (Err(_), _) => (
            format!("{total} bytes (over 16 EiB: more than 64 bits hold)"),
            format!("{excess} B"),
        ),
    };
    let platform = &layout.platform.value;
    let mut regions: Vec<&RegionLayout> = layout.regions.iter().collect();
    regions.sort_by_key(|r| std::cmp::Reverse(r.size.as_ref().map_or(0, |s| s.value)));
    let mut diagnostic = Diagnostic::new(
        Stage::Budget,
        format!(
            "the regions of platform `{platform}` add up to {total_text}, over its budget of {}",
            bytes_and_units(budget)
        ),
        if u64::try_from(total).is_ok() {
            format!(
                "raise `budget` of platform `{platform}` to at least {total_text}, or make regions {} smaller by {excess_text} in all",
                list_names(regions.iter().take(LARGEST_SHOWN).map(|r| r.name.value.as_str())),
            )
        } else {
            format!(
                "make regions {} smaller, so that they add up to at most the budget of platform `{platform}`",
                list_names(regions.iter().take(LARGEST_SHOWN).map(|r| r.name.value.as_str())),
            )
        },
    )
    .at(layout.budget.span, format!("{excess_text} short"));
    for region in regions.iter().take(LARGEST_SHOWN) {
        if let Some(size) = &region.size {
            diagnostic = diagnostic.also(
                size.span,
                format!(
                    "region `{}`: {}",
                    region.name.value,
                    compact_size(size.value)
                ),
            );
        }
    }
    let listed: Vec<String> = regions
        .iter()
        .filter_map(|r| {
            Some(format!(
                "`{}` {}",
                r.name.value,
                compact_size(r.size.as_ref()?.value)
            ))
        })
        .collect();
    diagnostic.note(format!(
        "regions on platform `{platform}`: {}",
        listed.join(", ")
    ))
}

fn breakdown(item: &ItemLayout) -> String {
    let mut parts = vec![format!("{} storage", compact_size(item.storage.bytes))];
    if let (Some(count), Some(stride)) = (item.count, item.stride) {
        parts[0] = format!(
            "{} storage ({count} × {stride} B)",
            compact_size(item.storage.bytes)
        );
    }
    if !item.bins.is_empty() {
        let bins: Vec<String> = item
            .bins
            .iter()
            .map(|b| format!("{} × {} B", b.count, b.stride))
            .collect();
        parts[0] = format!(
            "{} storage ({})",
            compact_size(item.storage.bytes),
            bins.join(" + ")
        );
    }
    parts.push(format!(
        "{} allocator metadata",
        compact_size(item.metadata)
    ));
    if item.padding > 0 {
        parts.push(format!("{} alignment padding", compact_size(item.padding)));
    }
    format!(
        "{} `{}` is {}",
        item.kind.noun(),
        item.name.value,
        parts.join(" + ")
    )
}

/// `"409600 bytes (400 KiB)"`, `"41184 bytes (~40.22 KiB)"`, or `"100 bytes"`.
fn bytes_and_units(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else {
        format!("{bytes} bytes ({})", compact_size(bytes))
    }
}
