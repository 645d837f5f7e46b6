//! `flight-memory-gen verify ELF [--config FILE] [--platform P] [--sources ROOT]`.
//!
//! Without `--config`, the plan is the `memory.toml` of the nearest directory above the image (an image in
//! `CRATE/target/<triple>/release/` finds `CRATE/memory.toml`). Without `--platform`, the plan's only or default
//! platform. Without `--sources`, `src/main.rs` (else `src/lib.rs`) next to the plan is scanned for
//! `buffer_bins!` and `#[memory_pool]`, as the build script does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use flight_memory_gen::verify::verify;
use flight_memory_gen::{Analysis, scan_crate};

/// Exit statuses.
const VIOLATIONS: u8 = 1;
const USAGE: u8 = 2;

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(USAGE)
}

pub(crate) fn run(
    image: &Path,
    config: Option<PathBuf>,
    platform: Option<String>,
    sources: Option<PathBuf>,
) -> ExitCode {
    let bytes = match std::fs::read(image) {
        Ok(bytes) => bytes,
        Err(error) => return usage(format_args!("cannot read `{}`: {error}", image.display())),
    };
    let config = match config.or_else(|| find_plan(image)) {
        Some(config) => config,
        None => {
            return usage(format_args!(
                "no memory.toml in a directory above `{}`: give the plan with --config FILE",
                image.display()
            ));
        }
    };
    let analysis = match Analysis::of_file(&config) {
        Ok(analysis) => analysis,
        Err(error) => return usage(error),
    };
    let checked = match analysis.into_result() {
        Ok(checked) => checked,
        Err(errors) => {
            eprint!("{}", errors.render_plain());
            return usage(format_args!(
                "the plan `{}` has errors: fix it first",
                config.display()
            ));
        }
    };
    let platform = match platform.or_else(|| {
        checked
            .config()
            .default_platform()
            .map(|p| p.name.value.clone())
    }) {
        Some(platform) => platform,
        None => {
            return usage(format_args!(
                "`{}` has several platforms and none is the default: give --platform NAME",
                config.display()
            ));
        }
    };
    let root = sources.or_else(|| {
        let dir = config.parent().unwrap_or(Path::new(".")).join("src");
        [dir.join("main.rs"), dir.join("lib.rs")]
            .into_iter()
            .find(|p| p.is_file())
    });
    let external = match &root {
        Some(root) => match scan_crate(root, None) {
            Ok(terms) => terms,
            Err(error) => return usage(error),
        },
        None => Vec::new(),
    };
    let outcome = match verify(&bytes, &checked, &platform, &external) {
        Ok(outcome) => outcome,
        Err(error) => return usage(format_args!("{}: {error}", image.display())),
    };
    for note in &outcome.notes {
        eprintln!("note: {note}");
    }
    if root.is_none() {
        eprintln!(
            "note: no crate sources found next to the plan: buffer_bins! and #[memory_pool] items were not checked (--sources)"
        );
    }
    for violation in &outcome.violations {
        eprintln!("error: {violation}");
    }
    if outcome.violations.is_empty() {
        println!(
            "{}: keeps to `{}` (platform `{platform}`): {} region sections and {} storage symbols checked",
            image.display(),
            config.display(),
            outcome.regions,
            outcome.items
        );
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "error: {} does not keep to `{}` (platform `{platform}`): {} violation{}",
            image.display(),
            config.display(),
            outcome.violations.len(),
            if outcome.violations.len() == 1 {
                ""
            } else {
                "s"
            }
        );
        ExitCode::from(VIOLATIONS)
    }
}

/// The `memory.toml` of the nearest directory above `image`.
fn find_plan(image: &Path) -> Option<PathBuf> {
    let image = std::path::absolute(image).ok()?;
    image
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("memory.toml"))
        .find(|p| p.is_file())
}
