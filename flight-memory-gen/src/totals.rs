//! The build script's totals with the macros' items: before rustc adds up the exact sizes, the build script
//! adds what it knows of each `#[memory_pool]` and `buffer_bins!` use (the buffers of a bins table; a pool's
//! state and links, its values being at least zero bytes) to the items of memory.toml, on every platform. A
//! region they overflow fails the build here, with advice that is right the first time: the region must be at
//! least that large (rustc may then ask for a little more, the exact size).

use std::fmt;

use crate::check::Checked;
use crate::codegen::ExternalTerm;
use crate::layout::PlatformLayout;
use crate::scan::CfgValues;
use crate::source::SourceFile;

/// Memory.toml's items and the macros' items do not fit a region of a platform.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MacrosOverBudget {
    /// Where the region's size is written: `memory.toml:6:8`.
    pub location: String,
    /// The platform.
    pub platform: String,
    /// The region.
    pub region: String,
    /// Its size.
    pub size: u64,
    /// What memory.toml's items need.
    pub plan: u64,
    /// The macros' items: what, where, bytes at least, whether exact.
    pub items: Vec<(String, String, u64, bool)>,
}

impl MacrosOverBudget {
    /// What the macros' items need at least.
    pub fn macros(&self) -> u64 {
        self.items.iter().fold(0u64, |t, i| t.saturating_add(i.2))
    }

    /// One line, for `cargo::error=`.
    pub fn lines(&self) -> Vec<String> {
        vec![self.to_string().replace('\n', " ")]
    }
}

impl fmt::Display for MacrosOverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.plan.saturating_add(self.macros());
        write!(
            f,
            "{}: region `{}` of platform `{}` is over its size with the macros' items: memory.toml's items need {} \
             bytes and the macros' at least {} more, {} in all; it has {} bytes.",
            self.location,
            self.region,
            self.platform,
            self.plan,
            self.macros(),
            total,
            self.size
        )?;
        for (what, location, bytes, exact) in &self.items {
            let bound = if *exact { "" } else { "at least " };
            write!(f, "\n  {location}: {what}: {bound}{bytes} bytes")?;
        }
        write!(
            f,
            "\nMake region `{}` at least {total} bytes for platform `{}`, or its items smaller.",
            self.region, self.platform
        )
    }
}

impl std::error::Error for MacrosOverBudget {}

/// Checks every platform's regions of `checked` with the macro uses `external` added (those whose `#[cfg]`
/// `cfg` does not know to be off), as a build script does before rustc: a bins table's buffers, a pool's
/// state and links (its values' size is rustc's).
///
/// ```
/// let checked = flight_memory_gen::check_str(
///     "memory.toml",
///     "[platform]\nname = \"obc\"\nbudget = 4096\n[regions.sram]\nsize = 4096\n",
/// )?;
/// let uses = flight_memory_gen::scan_source(
///     "buffer_bins! { static B: in \"sram\" { 1024 x 8 } }",
///     "src/lib.rs",
/// )?;
/// let error = flight_memory_gen::check_macros(&checked, &uses, &Default::default()).unwrap_err();
/// assert_eq!(error.macros(), 8192);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// The first region that does not fit.
pub fn check(
    checked: &Checked,
    external: &[ExternalTerm],
    cfg: &CfgValues,
) -> Result<(), MacrosOverBudget> {
    match over(checked.source(), checked.layouts(), external, cfg)
        .into_iter()
        .next()
    {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Every region of `layouts` that memory.toml's items and the macro uses together overflow.
pub(crate) fn over(
    source: &SourceFile,
    layouts: &[PlatformLayout],
    external: &[ExternalTerm],
    cfg: &CfgValues,
) -> Vec<MacrosOverBudget> {
    let mut found = Vec::new();
    let compiled: Vec<&ExternalTerm> = external
        .iter()
        .filter(|t| t.cfg.iter().all(|p| cfg.eval(p) != Some(false)))
        .collect();
    for layout in layouts {
        for region in &layout.regions {
            let Some(size) = &region.size else {
                continue;
            };
            let items: Vec<(String, String, u64, bool)> = compiled
                .iter()
                .filter(|t| t.region == region.name.value)
                .map(|t| {
                    (
                        t.what.clone(),
                        t.location.clone(),
                        t.known_bytes,
                        t.known_is_exact,
                    )
                })
                .collect();
            let macros = items.iter().fold(0u64, |t, i| t.saturating_add(i.2));
            if items.is_empty() || region.used.bytes.saturating_add(macros) <= size.value {
                continue;
            }
            found.push(MacrosOverBudget {
                location: format!(
                    "{}:{}",
                    source.name(),
                    source.location(source.clamp(size.span).start)
                ),
                platform: layout.platform.value.clone(),
                region: region.name.value.clone(),
                size: size.value,
                plan: region.used.bytes,
                items,
            });
        }
    }
    found
}
