//! `check --crate DIR` and `report --crate DIR`: the macro uses of a crate, scanned as its build script does, added to the plan's totals
//! on every platform.

use std::path::Path;
use std::process::ExitCode;

use flight_memory_gen::{CfgValues, ExternalTerm, check_file, check_macros, scan_crate};

use crate::{CONFIG_ERRORS, USAGE_OR_IO};

/// The macro uses of the crate in `dir` (from its `src/lib.rs`, else `src/main.rs`), as its build script finds
/// them; on error, printed, the exit status.
pub fn scan(dir: &Path) -> Result<Vec<ExternalTerm>, ExitCode> {
    let Some(root) = ["src/lib.rs", "src/main.rs"]
        .iter()
        .map(|f| dir.join(f))
        .find(|f| f.is_file())
    else {
        eprintln!("error: {} has no src/lib.rs or src/main.rs", dir.display());
        return Err(ExitCode::from(USAGE_OR_IO));
    };
    scan_crate(&root, Some(dir)).map_err(|error| {
        eprintln!("error: {error}");
        ExitCode::from(USAGE_OR_IO)
    })
}

/// Scans the crate in `dir`, lists its macro uses with what is known of their sizes, and checks the plan at
/// `file` with them (a `#[cfg]` counts unless it is constant-false: the crate's features and target are not
/// known here).
pub fn check(file: &Path, dir: &Path) -> ExitCode {
    let uses = match scan(dir) {
        Ok(uses) => uses,
        Err(code) => return code,
    };
    let checked = match check_file(file) {
        Ok(checked) => checked,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(CONFIG_ERRORS);
        }
    };
    println!(
        "  {} macro use{} in {}:",
        uses.len(),
        if uses.len() == 1 { "" } else { "s" },
        dir.display()
    );
    for term in &uses {
        let known = if term.what.starts_with("buffer_bins!") {
            format!(
                "{} B of buffers, + the manager's state (rustc's)",
                term.known_bytes
            )
        } else {
            format!(
                "at least {} B of pool state, + the values (rustc's)",
                term.known_bytes
            )
        };
        let cfg = if term.cfg.is_empty() {
            String::new()
        } else {
            format!(", if cfg({})", term.cfg.join(", "))
        };
        println!(
            "    {}: {} in region `{}`: {known}{cfg}",
            term.location, term.what, term.region
        );
    }
    let mut unknown = false;
    for layout in checked.layouts() {
        for term in uses.iter().filter(|t| layout.region(&t.region).is_none()) {
            eprintln!(
                "error: {}: {} is in region `{}`, which platform `{}` does not declare",
                term.region_location.as_deref().unwrap_or(&term.location),
                term.what,
                term.region,
                layout.platform.value
            );
            unknown = true;
        }
    }
    if unknown {
        return ExitCode::from(CONFIG_ERRORS);
    }
    match check_macros(&checked, &uses, &CfgValues::default()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(CONFIG_ERRORS)
        }
    }
}
