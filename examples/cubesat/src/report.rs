//! The memory report printed at the end of a run: per bin of each buffer manager, per item of the plan, and
//! per region, what is in use, the high-water mark and the failed requests.

use std::fmt::{self, Write as _};

use flight_memory::{BufferManager, ItemKind, Platform, StatsSnapshot};

/// A text table: a title, a header and rows of cells, two spaces apart; the first `left` columns (names) are
/// left-aligned, the others (numbers) right-aligned.
struct Table {
    title: String,
    header: Vec<&'static str>,
    left: usize,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(title: impl Into<String>, left: usize, header: &[&'static str]) -> Table {
        Table {
            title: title.into(),
            header: header.to_vec(),
            left,
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        writeln!(f, "{}", self.title)?;
        let header: Vec<String> = self.header.iter().map(|h| h.to_string()).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (column, (cell, width)) in row.iter().zip(&widths).enumerate() {
                if column < self.left {
                    let _ = write!(line, "  {cell:<width$}");
                } else {
                    let _ = write!(line, "  {cell:>width$}");
                }
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// `n` bytes for a person: `512 B`, `20 KiB`, `12.3 KiB`, `1.5 MiB`.
pub fn bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if n >= MIB {
        if n % MIB == 0 {
            format!("{} MiB", n / MIB)
        } else {
            format!("{:.1} MiB", n as f64 / MIB as f64)
        }
    } else if n >= KIB && n % KIB == 0 {
        format!("{} KiB", n / KIB)
    } else if n >= 10 * KIB {
        format!("{:.1} KiB", n as f64 / KIB as f64)
    } else {
        format!("{n} B")
    }
}

/// An item declared in the code by `#[memory_pool]` or `buffer_bins!` rather than in memory.toml: the build
/// script counted it in its region, but the plan's items (`Platform::regions`) do not list it.
pub struct MacroItem {
    /// Its name in the report.
    pub name: &'static str,
    /// The region it was declared in.
    pub region: &'static str,
    /// What it is: `typed pool`, `buffer manager`.
    pub kind: &'static str,
    /// Its allocator's statistics.
    pub stats: StatsSnapshot,
}

/// The report of a run on `platform`: the bins of `managers`, then every item of the plan with its allocator's
/// statistics (`overrides` replaces those of the items it names) and every item of `macros`, then every region.
/// A macro-declared item's `reserved` is what the build script added for it to its region: the region's
/// reserved bytes less those of its memory.toml items (one macro item per region here).
pub fn memory_report(
    platform: &Platform,
    managers: &[(&str, &BufferManager<'_>)],
    overrides: &[(&str, StatsSnapshot)],
    macros: &[MacroItem],
) -> String {
    let mut out = String::new();

    let mut bins = Table::new(
        "Buffer bins (F´ BufferManager telemetry: buffers in use now, high-water, failed requests)",
        1,
        &[
            "manager",
            "bin",
            "buffers",
            "in use",
            "high-water",
            "spills",
            "failed",
        ],
    );
    for (name, manager) in managers {
        for bin in manager.bin_telemetry() {
            bins.row(vec![
                name.to_string(),
                bytes(bin.size as u64),
                bin.total_buffs.to_string(),
                bin.curr_buffs.to_string(),
                bin.hi_buffs.to_string(),
                bin.spills.to_string(),
                bin.no_buffs.to_string(),
            ]);
        }
        let total = manager.telemetry();
        bins.row(vec![
            format!("{name} (id {})", total.manager.0),
            "all".to_string(),
            total.total_buffs.to_string(),
            total.curr_buffs.to_string(),
            total.hi_buffs.to_string(),
            String::new(),
            total.no_buffs.to_string(),
        ]);
    }
    let _ = writeln!(out, "{bins}");
    let _ = writeln!(
        out,
        "  A manager's `failed` also counts requests larger than its largest bin, which no bin could serve.\n"
    );

    let mut items = Table::new(
        format!(
            "Items of memory.toml and of the macros (allocator statistics, platform `{}`)",
            platform.name()
        ),
        3,
        &[
            "item",
            "region",
            "kind",
            "reserved",
            "in use",
            "high-water",
            "allocations",
            "failed",
        ],
    );
    let mut regions = Table::new(
        format!(
            "Regions (platform `{}`, budget {})",
            platform.name(),
            bytes(platform.budget())
        ),
        1,
        &[
            "region",
            "size",
            "reserved",
            "free",
            "in use",
            "high-water*",
            "failed",
        ],
    );
    let mut declared = Vec::new();
    for region in platform.regions() {
        let mut sum = StatsSnapshot::default();
        let mut plan_bytes = 0;
        for item in region.items() {
            plan_bytes += item.bytes();
            let stats = overrides
                .iter()
                .find(|(name, _)| *name == item.name())
                .map(|(_, stats)| *stats)
                .or_else(|| item.allocator().map(|allocator| allocator.stats()))
                .unwrap_or_default();
            sum.used += stats.used;
            sum.peak += stats.peak;
            sum.allocations += stats.allocations;
            sum.failures += stats.failures;
            let kind = match item.kind() {
                ItemKind::Pool => "pool".to_string(),
                ItemKind::BufferManager => "buffer manager".to_string(),
                _ => format!("{} allocator", item.strategy()),
            };
            items.row(vec![
                item.name().to_string(),
                region.name().to_string(),
                kind,
                bytes(item.bytes()),
                bytes(stats.used as u64),
                bytes(stats.peak as u64),
                stats.allocations.to_string(),
                stats.failures.to_string(),
            ]);
        }
        let macro_bytes = region.used().saturating_sub(plan_bytes);
        for item in macros.iter().filter(|item| item.region == region.name()) {
            let stats = item.stats;
            sum.used += stats.used;
            sum.peak += stats.peak;
            sum.allocations += stats.allocations;
            sum.failures += stats.failures;
            items.row(vec![
                format!("{} (macro)", item.name),
                region.name().to_string(),
                item.kind.to_string(),
                bytes(macro_bytes),
                bytes(stats.used as u64),
                bytes(stats.peak as u64),
                stats.allocations.to_string(),
                stats.failures.to_string(),
            ]);
        }
        if macro_bytes > 0 {
            declared.push(format!("{} +{macro_bytes} B", region.name()));
        }
        regions.row(vec![
            region.name().to_string(),
            bytes(region.size()),
            bytes(region.used()),
            bytes(region.free()),
            bytes(sum.used as u64),
            bytes(sum.peak as u64),
            sum.failures.to_string(),
        ]);
    }
    let _ = writeln!(out, "{items}");
    let _ = writeln!(out, "{regions}");
    let _ = writeln!(
        out,
        "  reserved: what the plan sets aside (storage, allocator state, padding), checked against the region's size\n  \
         at build time. * the sum of the items' high-water marks: an upper bound of what was in use at once."
    );
    let _ = writeln!(
        out,
        "  (macro): declared in the code with #[memory_pool] or buffer_bins!, not in memory.toml; the build script\n  \
         counted them in their regions' reserved bytes: {}.",
        declared.join(", ")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_bytes_for_people() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(2048), "2 KiB");
        assert_eq!(bytes(5000), "5000 B");
        assert_eq!(bytes(12_595), "12.3 KiB");
        assert_eq!(bytes(16 * 1024 * 1024), "16 MiB");
    }
}
