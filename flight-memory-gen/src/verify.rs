//! `verify`: a linked image checked against the plan it was built from.
//!
//! For the platform the image was built for, every region with a `section` must have an output section of that
//! name in the image that is `NOBITS` (`NOLOAD`: no bytes in the image, not touched by start-up code), that lies
//! inside `[origin, origin + size)` when the region has an `origin`, and that is no larger than the region.
//! Every item's storage symbol must lie inside its region's section: the storage `static`s of memory.toml's
//! pools, buffer managers and components (`…::memory::pools::NAME::BLOCKS`, `…::memory::pools::NAME::SLOTS` for
//! a typed pool, `…::memory::buffer_managers::NAME::STORAGE`, `…::memory::components::NAME::STORAGE`), and those
//! of the macros, found by scanning the crate's sources as the build script does: `buffer_bins!`
//! (`…::module::NAME::STORAGE`) and `#[memory_pool(count = N, region = ...)]` (the slots of `Type::pool()`,
//! `…module::Type>::pool::SLOTS`). Symbols are recognised by their demangled path (v0 or legacy mangling), so
//! nothing depends on `export_name` and two crates can hold items of the same name.
//!
//! An item whose symbol is not in the image (not used, so not linked) is a note.
//!
//! ```no_run
//! let checked = flight_memory_gen::check_file("memory.toml")?;
//! let image = std::fs::read("target/thumbv7em-none-eabihf/release/firmware")?;
//! let outcome = flight_memory_gen::verify::verify(&image, &checked, "flight", &[])?;
//! for violation in &outcome.violations {
//!     eprintln!("error: {violation}");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use object::{Object, ObjectSection, ObjectSymbol, SectionKind};

use crate::check::Checked;
use crate::codegen::ExternalTerm;
use crate::layout::RegionLayout;
use crate::model::{ItemKind, Placement};
use crate::naming::{list_names, static_name};
use crate::scan::{BUFFER_BINS_KEY, MEMORY_POOL_KEY};

/// What [`verify`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// Each way the image departs from the plan: empty when it keeps to it.
    pub violations: Vec<Violation>,
    /// What was not checked, and why (typed pools, items not in the image).
    pub notes: Vec<String>,
    /// How many region sections were checked.
    pub regions: usize,
    /// How many storage symbols were checked.
    pub items: usize,
}

/// One way the image departs from the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// The region of memory.toml.
    pub region: String,
    /// The item (`pool `packet``), if the violation is about one.
    pub item: Option<String>,
    /// What is wrong: what was found, and what was expected.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "region `{}`", self.region)?;
        if let Some(item) = &self.item {
            write!(f, ", {item}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why [`verify`] could not check the image at all.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The bytes are not an ELF file `object` can read.
    NotElf(String),
    /// The plan has no such platform.
    UnknownPlatform {
        /// The name asked for.
        name: String,
        /// The plan's platforms.
        platforms: Vec<String>,
    },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::NotElf(why) => write!(f, "not a readable ELF image: {why}"),
            VerifyError::UnknownPlatform { name, platforms } => write!(
                f,
                "the plan has no platform `{name}`; its platforms are {}",
                list_names(platforms.iter().map(String::as_str))
            ),
        }
    }
}

impl std::error::Error for VerifyError {}

/// A section of the image.
struct Section {
    index: object::SectionIndex,
    name: String,
    address: u64,
    size: u64,
    nobits: bool,
}

/// A symbol of the image, demangled without its hash.
struct Symbol {
    path: String,
    address: u64,
    section: Option<object::SectionIndex>,
}

/// Checks the linked `image` (ELF bytes) against `platform` of `checked`; `external` are the crate's
/// `buffer_bins!` and `#[memory_pool]` items ([`scan_crate`](crate::scan_crate)).
///
/// # Errors
///
/// [`VerifyError`] if the image is not ELF or the platform is not in the plan. Departures from the plan are
/// not errors but the [`Outcome`]'s violations.
pub fn verify(
    image: &[u8],
    checked: &Checked,
    platform: &str,
    external: &[ExternalTerm],
) -> Result<Outcome, VerifyError> {
    let Some(layout) = checked.layout(platform) else {
        return Err(VerifyError::UnknownPlatform {
            name: platform.to_string(),
            platforms: checked.platform_names(),
        });
    };
    let file = object::File::parse(image).map_err(|e| VerifyError::NotElf(e.to_string()))?;
    if file.format() != object::BinaryFormat::Elf {
        return Err(VerifyError::NotElf(format!("{:?} format", file.format())));
    }
    let sections: Vec<Section> = file
        .sections()
        .map(|s| Section {
            index: s.index(),
            name: s.name().unwrap_or_default().to_string(),
            address: s.address(),
            size: s.size(),
            nobits: matches!(
                s.kind(),
                SectionKind::UninitializedData | SectionKind::UninitializedTls
            ),
        })
        .collect();
    let symbols: Vec<Symbol> = file
        .symbols()
        .filter_map(|s| {
            let name = s.name().ok()?;
            Some(Symbol {
                path: format!("{:#}", rustc_demangle::demangle(name)),
                address: s.address(),
                section: s.section_index(),
            })
        })
        .collect();
    let mut outcome = Outcome::default();
    if symbols.is_empty() {
        outcome.violations.push(Violation {
            region: "*".to_string(),
            item: None,
            message: "the image has no symbol table (stripped?): verify needs the symbols of the items' storage; \
                      verify the image before stripping it"
                .to_string(),
        });
    }
    for region in &layout.regions {
        let Some(section_name) = &region.section else {
            continue;
        };
        outcome.regions += 1;
        let section = check_section(region, section_name, &sections, &mut outcome.violations);
        for (what, patterns) in storage_of(region, external, &mut outcome.notes) {
            let found: Vec<&Symbol> = symbols
                .iter()
                .filter(|s| patterns.iter().any(|p| ends_with_path(&s.path, p)))
                .collect();
            if found.is_empty() {
                if !symbols.is_empty() {
                    outcome.notes.push(format!(
                        "{what} of region `{}`: no storage symbol `…{}` in the image (not used, so not linked?)",
                        region.name.value, patterns[0]
                    ));
                }
                continue;
            }
            for symbol in found {
                outcome.items += 1;
                let inside = section.is_some_and(|s| {
                    symbol.section == Some(s.index)
                        && symbol.address >= s.address
                        && symbol.address < s.address.saturating_add(s.size.max(1))
                });
                if !inside {
                    let in_section = symbol
                        .section
                        .and_then(|i| sections.iter().find(|s| s.index == i))
                        .map_or("no section".to_string(), |s| format!("`{}`", s.name));
                    let expected = match section {
                        Some(s) => format!(
                            "expected in section `{section_name}` [{:#x}, {:#x})",
                            s.address,
                            s.address.saturating_add(s.size)
                        ),
                        None => {
                            format!("expected in section `{section_name}`, which the image lacks")
                        }
                    };
                    outcome.violations.push(Violation {
                        region: region.name.value.clone(),
                        item: Some(what.clone()),
                        message: format!(
                            "storage `{}` is at {:#x} in {in_section}, {expected}",
                            symbol.path, symbol.address
                        ),
                    });
                }
            }
        }
    }
    Ok(outcome)
}

/// Checks the section of `region`; returns it if the image has it.
fn check_section<'s>(
    region: &RegionLayout,
    name: &str,
    sections: &'s [Section],
    violations: &mut Vec<Violation>,
) -> Option<&'s Section> {
    let size = region.size.as_ref().map_or(0, |s| s.value);
    let mut violation = |message: String| {
        violations.push(Violation {
            region: region.name.value.clone(),
            item: None,
            message,
        });
    };
    let Some(section) = sections.iter().find(|s| s.name == name) else {
        violation(format!(
            "the image has no section `{name}` (expected a NOLOAD section of at most {size} bytes): link with \
             `-C link-arg=-Tflight-memory.x` after `-Tlink.x`, so that the plan's fragment places it"
        ));
        return None;
    };
    let end = u128::from(section.address) + u128::from(section.size);
    if !section.nobits {
        violation(format!(
            "section `{name}` at {:#x} takes {} bytes of the image (not NOBITS): it must be NOLOAD, as the \
             fragment flight-memory.x declares it",
            section.address, section.size
        ));
    }
    if section.size > size {
        violation(format!(
            "section `{name}` is {} bytes, more than the region's {size}",
            section.size
        ));
    }
    if let Some(Placement::Origin(origin)) = &region.placement {
        let limit = u128::from(*origin) + u128::from(size);
        if u128::from(section.address) < u128::from(*origin) || end > limit {
            violation(format!(
                "section `{name}` is at [{:#x}, {end:#x}), outside the region's [{origin:#x}, {limit:#x})",
                section.address
            ));
        }
    }
    Some(section)
}

/// The items of `region` whose storage is placed in its section, each with the path suffixes its storage
/// symbol may have; a term of the macros that is neither kind is noted instead.
fn storage_of(
    region: &RegionLayout,
    external: &[ExternalTerm],
    notes: &mut Vec<String>,
) -> Vec<(String, Vec<String>)> {
    let mut items = Vec::new();
    for item in &region.items {
        let what = format!("{} `{}`", item.kind.noun(), item.name.value);
        let name = static_name(&item.name.value);
        let table = item.kind.table();
        let storage = if item.kind == ItemKind::Pool && !item.storage.is_exact() {
            // A typed pool: its values are the `TypedSlots` static.
            vec![format!("memory::{table}::{name}::SLOTS")]
        } else {
            vec![
                format!("memory::{table}::{name}::BLOCKS"),
                format!("memory::{table}::{name}::STORAGE"),
            ]
        };
        items.push((what, storage));
    }
    for term in external.iter().filter(|t| t.region == region.name.value) {
        // `what` names the use's item between backticks (``buffer_bins! `UPLINK` ``); its statics are found by
        // the path's last segments, wherever the use is (a module, a function body).
        let name = term.what.split('`').nth(1).unwrap_or_default();
        if term.what.starts_with(BUFFER_BINS_KEY) {
            items.push((term.what.clone(), vec![format!("{name}::STORAGE")]));
        } else if term.what.starts_with(MEMORY_POOL_KEY) {
            // `static SLOTS` in `Type::pool()`: `<krate::module::Type>::pool::SLOTS` (v0 mangling) or
            // `krate::module::Type::pool::SLOTS` (legacy).
            items.push((
                term.what.clone(),
                vec![
                    format!("{name}>::pool::SLOTS"),
                    format!("{name}::pool::SLOTS"),
                ],
            ));
        } else {
            notes.push(format!(
                "{} of region `{}`: not a kind of item verify knows the storage symbol of",
                term.what, region.name.value
            ));
        }
    }
    items
}

/// Whether `path` is `suffix` or ends with `::suffix`.
fn ends_with_path(path: &str, suffix: &str) -> bool {
    path == suffix
        || path
            .strip_suffix(suffix)
            .is_some_and(|head| head.ends_with("::"))
}

#[cfg(test)]
mod tests {
    use super::ends_with_path;

    #[test]
    fn paths_match_on_segment_boundaries() {
        assert!(ends_with_path(
            "fw::memory::pools::A::BLOCKS",
            "memory::pools::A::BLOCKS"
        ));
        assert!(ends_with_path(
            "memory::pools::A::BLOCKS",
            "memory::pools::A::BLOCKS"
        ));
        assert!(!ends_with_path(
            "fw::xmemory::pools::A::BLOCKS",
            "memory::pools::A::BLOCKS"
        ));
        assert!(!ends_with_path(
            "fw::memory::pools::BA::BLOCKS",
            "A::BLOCKS"
        ));
    }
}
