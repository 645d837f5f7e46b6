//! The catalogue of bad configs: each `tests/catalogue/NAME.toml` with its expected diagnostics in
//! `NAME.stderr`, rendered without colour exactly as `flight-memory-gen check` prints them.

use flight_memory_gen::Analysis;

use crate::{expect_file, toml_files};

#[test]
fn every_bad_config_gives_its_expected_diagnostics() {
    let files = toml_files("catalogue");
    assert!(
        files.len() >= 40,
        "the catalogue has {} configs, fewer than 40",
        files.len()
    );
    let mut failures = Vec::new();
    for file in &files {
        let analysis = Analysis::of_file(file).expect("catalogue files are readable");
        let errors = analysis.errors();
        if errors.is_empty() {
            failures.push(format!("{}: no error reported", file.display()));
            continue;
        }
        for diagnostic in errors.diagnostics() {
            if diagnostic.help().trim().is_empty() {
                failures.push(format!(
                    "{}: `{}` has no help",
                    file.display(),
                    diagnostic.message()
                ));
            }
            if diagnostic.primary().is_none() {
                failures.push(format!(
                    "{}: `{}` has no location",
                    file.display(),
                    diagnostic.message()
                ));
            }
        }
        let rendered = errors.render_plain();
        if let Err(mismatch) = expect_file(&file.with_extension("stderr"), &rendered) {
            failures.push(mismatch);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_expectation_has_its_config() {
    for entry in std::fs::read_dir("tests/catalogue").expect("catalogue exists") {
        let path = entry.expect("readable").path();
        if path.extension().is_some_and(|e| e == "stderr") {
            assert!(
                path.with_extension("toml").exists(),
                "{} has no .toml",
                path.display()
            );
        }
    }
}

#[test]
fn short_lines_name_file_line_and_column() {
    for file in toml_files("catalogue") {
        let errors = Analysis::of_file(&file).expect("readable").errors();
        let prefix = format!("{}:", file.display());
        for line in errors.short_lines() {
            let rest = line
                .strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("{line} does not start with {prefix}"));
            let mut parts = rest.splitn(3, ':');
            let line_no: usize = parts
                .next()
                .and_then(|l| l.parse().ok())
                .unwrap_or_else(|| panic!("no line in {line}"));
            let column: usize = parts
                .next()
                .and_then(|c| c.parse().ok())
                .unwrap_or_else(|| panic!("no column in {line}"));
            assert!(line_no >= 1 && column >= 1, "{line}");
        }
    }
}
