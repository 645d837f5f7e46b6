//! Where the macros find the crate's memory plan, and the selected platform's layout, through
//! flight-memory-gen's model (the build script's parser, not a second one).

use std::path::PathBuf;

use flight_memory_gen::layout::{PlatformLayout, RegionLayout};
use flight_memory_gen::{CONFIG_ENV, Checked, PLATFORM_ENV, Span};

/// The crate's checked plan and the platform the build selected.
pub struct Plan {
    pub checked: Checked,
    pub platform: String,
}

impl Plan {
    /// The selected platform's layout (present: [`load`] checked it).
    pub fn layout(&self) -> Option<&PlatformLayout> {
        self.checked.layout(&self.platform)
    }

    /// The region `name` on the selected platform.
    pub fn region(&self, name: &str) -> Option<&RegionLayout> {
        self.layout().and_then(|l| l.region(name))
    }

    /// The regions of the selected platform, for messages: `` `sram`, `dtcm` ``.
    pub fn region_names(&self) -> String {
        let names: Vec<String> = self
            .layout()
            .map(|l| {
                l.regions
                    .iter()
                    .map(|r| format!("`{}`", r.name.value))
                    .collect()
            })
            .unwrap_or_default();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    }

    /// `memory.toml:12:8`.
    pub fn location(&self, span: Span) -> String {
        let source = self.checked.source();
        format!(
            "{}:{}",
            source.name(),
            source.location(source.clamp(span).start)
        )
    }
}

/// Reads and checks the crate's memory plan: `FLIGHT_MEMORY_CONFIG`, else `CARGO_MANIFEST_DIR/memory.toml`.
///
/// # Errors
///
/// A message saying what is missing or wrong and how to set it up.
pub fn load() -> Result<Plan, String> {
    let path = match std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => {
            let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
            match manifest.map(|dir| dir.join("memory.toml")) {
                Some(path) if path.is_file() => path,
                _ => return Err(no_plan()),
            }
        }
    };
    let checked = flight_memory_gen::check_file(&path)
        .map_err(|error| format!("the memory plan {} cannot be used: {error}", path.display()))?;
    let platform = match std::env::var(PLATFORM_ENV).ok().filter(|v| !v.is_empty()) {
        Some(name) => name,
        None => match checked.config().default_platform() {
            Some(platform) => platform.name.value.clone(),
            None => {
                return Err(format!(
                    "{} has several platforms and none is selected: set {PLATFORM_ENV}=NAME (the build script \
                     does it for the platform it generated code for) or mark one `default = true`",
                    path.display()
                ));
            }
        },
    };
    if checked.layout(&platform).is_none() {
        return Err(format!(
            "{PLATFORM_ENV}={platform}, but {} has no such platform",
            path.display()
        ));
    }
    Ok(Plan { checked, platform })
}

fn no_plan() -> String {
    format!(
        "no memory.toml for this crate: flight-memory's macros declare static memory, which is counted in the \
         budget of the crate's memory plan. Set it up: put memory.toml next to Cargo.toml, add \
         `flight-memory-gen` to [build-dependencies] with a build.rs calling \
         `flight_memory_gen::build(\"memory.toml\")`, and write `flight_memory::include_memory!();` at the \
         crate root (the macros read the plan from {CONFIG_ENV}, which the build script sets, else from \
         CARGO_MANIFEST_DIR/memory.toml)"
    )
}
