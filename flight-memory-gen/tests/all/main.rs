//! The tests of flight-memory-gen, one binary with a module per topic.

mod build_script;
mod catalogue;
#[cfg(feature = "cli")]
mod cli;
mod golden;
mod good;
mod hardening;
mod layout;
mod linker;
mod never_panics;
mod plan_gen;
mod random_plans;
mod readme_excerpt;
mod speed;
#[cfg(feature = "verify")]
mod verify;

use std::path::{Path, PathBuf};

/// `tests/<dir>/*.toml`, sorted, as paths relative to the crate (the working directory of tests).
fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new("tests").join(dir))
        .expect("test directory exists")
        .map(|entry| entry.expect("readable directory").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// Compares `actual` with the file `expected`; with `UPDATE_EXPECT=1`, writes it instead. Returns a
/// description of the mismatch.
fn expect_file(expected: &Path, actual: &str) -> Result<(), String> {
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        std::fs::write(expected, actual)
            .map_err(|e| format!("cannot write {}: {e}", expected.display()))?;
        return Ok(());
    }
    let wanted = std::fs::read_to_string(expected).map_err(|e| {
        format!(
            "{}: {e} (run with UPDATE_EXPECT=1 to create it)",
            expected.display()
        )
    })?;
    if wanted == actual {
        Ok(())
    } else {
        Err(format!(
            "{} differs (run with UPDATE_EXPECT=1 to accept):\n--- expected\n{wanted}\n--- actual\n{actual}",
            expected.display()
        ))
    }
}

/// Cases per property test: `PROPTEST_CASES` if set (for long runs), else `default`.
fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
