//! trybuild tests of generated code: every golden file of flight-memory-gen compiles without a warning and runs
//! (`tests/golden/*.rs`), and the budget checks that only rustc can do fail compilation with the expected
//! message (`tests/ui/*.rs` and their `.stderr`).
//!
//! The UI tests include generated code committed in `tests/ui/plans/NAME.rs`, generated from
//! `tests/ui/plans/NAME.toml` (shown as `memory.toml` in messages). `plans_are_generated_from_their_toml`
//! checks they are up to date; regenerate them (and the `.stderr` files, with trybuild's `TRYBUILD=overwrite`)
//! with `UPDATE_EXPECT=1 cargo test -p codegen-smoke --test compile_fail` and review the diff.

use std::path::Path;

#[test]
fn golden_files_compile_and_budget_errors_do_not() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/golden/*.rs");
    cases.compile_fail("tests/ui/*.rs");
}

#[test]
fn plans_are_generated_from_their_toml() {
    let mut plans: Vec<_> = std::fs::read_dir("tests/ui/plans")
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
        names("tests/golden"),
        "add a tests/golden/NAME.rs that includes each golden file of flight-memory-gen"
    );
}
