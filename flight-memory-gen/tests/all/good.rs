//! Good configs pass, and their text and JSON reports match the expected ones (the layout's golden files).

use flight_memory_gen::{Analysis, check_file, report};

use crate::{expect_file, toml_files};

#[test]
fn good_configs_pass_and_report_as_expected() {
    let files = toml_files("good");
    assert!(files.len() >= 4);
    let mut failures = Vec::new();
    for file in &files {
        let checked = match check_file(file) {
            Ok(checked) => checked,
            Err(error) => {
                failures.push(format!("{} should pass:\n{error}", file.display()));
                continue;
            }
        };
        let layouts: Vec<_> = checked.layouts().iter().collect();
        if let Err(mismatch) = expect_file(&file.with_extension("txt"), &report::text(&layouts)) {
            failures.push(mismatch);
        }
        let analysis = Analysis::of_file(file).expect("readable");
        if let Err(mismatch) = expect_file(
            &file.with_extension("json"),
            &report::json(&layouts, &analysis.errors()),
        ) {
            failures.push(mismatch);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn readme_examples_pass() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let mut blocks = 0;
    for block in readme.split("```toml\n").skip(1) {
        let text = block.split("```").next().unwrap_or_default();
        if text.contains("[platform") {
            blocks += 1;
            if let Err(errors) = flight_memory_gen::check_str("README.md", text) {
                panic!("README example does not pass:\n{text}\n{errors}");
            }
        }
    }
    assert!(blocks >= 2, "README examples found: {blocks}");
}
