//! The sources of the compile-fail tests of generated code (`tests/compile-fail`, run by its `tests/ui.rs`) are
//! up to date: `tests/codegen/plans/NAME.rs` is what flight-memory-gen generates from `NAME.toml`, and
//! `tests/golden/` has a file that compiles and runs each golden file of flight-memory-gen.
//!
//! Regenerate the plans with `UPDATE_EXPECT=1 cargo test -p codegen-smoke --test ui_sources`, then the
//! `.stderr` files with `TRYBUILD=overwrite cargo test -p compile-fail`, and review the diff.

use std::path::Path;

/// The plans of the compile-fail tests of generated code.
const PLANS: &str = "../compile-fail/tests/codegen/plans";

#[test]
fn plans_are_generated_from_their_toml() {
    let mut plans: Vec<_> = std::fs::read_dir(PLANS)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    plans.sort();
    assert!(plans.len() >= 2);
    let update = std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1");
    for plan in plans {
        let text = std::fs::read_to_string(&plan).unwrap();
        let checked = flight_memory_gen::check_str("memory.toml", &text)
            .unwrap_or_else(|errors| panic!("{} has errors:\n{errors}", plan.display()));
        let platform = checked.default_layout().unwrap().platform.value.clone();
        let code = flight_memory_gen::generate(&checked, &platform).unwrap();
        let generated = plan.with_extension("rs");
        if update {
            std::fs::write(&generated, &code).unwrap();
        } else {
            let committed = std::fs::read_to_string(&generated).unwrap_or_default();
            assert!(
                committed == code,
                "{} is not what {} generates: run with UPDATE_EXPECT=1 and review",
                generated.display(),
                Path::new(&plan).display()
            );
        }
    }
}

#[test]
fn every_golden_file_of_the_generator_is_compiled() {
    let names = |dir: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| {
                entry
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .replace(['.', '-'], "_")
            })
            .filter(|name| name.ends_with("_rs"))
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names("../../flight-memory-gen/tests/golden"),
        names("../compile-fail/tests/golden"),
        "add a tests/compile-fail/tests/golden/NAME.rs that includes each golden file of flight-memory-gen"
    );
}
