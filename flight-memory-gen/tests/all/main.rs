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
/// Renders every platform of every good config with `render` and compares it with its golden file,
/// `tests/golden/NAME.EXT` (or `NAME.PLATFORM.EXT` for a file with several platforms).
fn check_goldens(extension: &str, render: impl Fn(&flight_memory_gen::Checked, &str) -> String) {
    let mut failures = Vec::new();
    let mut goldens = 0;
    for file in toml_files("good") {
        let text = std::fs::read_to_string(&file).expect("readable");
        let checked =
            flight_memory_gen::check_str("memory.toml", &text).expect("good configs pass");
        let stem = file.file_stem().expect("a file name").to_string_lossy();
        let several = checked.layouts().len() > 1;
        for layout in checked.layouts() {
            let platform = &layout.platform.value;
            let name = if several {
                format!("{stem}.{platform}.{extension}")
            } else {
                format!("{stem}.{extension}")
            };
            goldens += 1;
            let actual = render(&checked, platform);
            if let Err(mismatch) = expect_file(&PathBuf::from("tests/golden").join(name), &actual) {
                failures.push(mismatch);
            }
        }
    }
    assert!(goldens >= 6, "{goldens} golden files");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

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
