//! Code generated for random plans compiles (issue 12, item 11): a sample of plans drawn by the generator of
//! flight-memory-gen's property tests (`flight-memory-gen/tests/all/plan_gen.rs`), those `check` accepts, each
//! generated and compiled, without a warning, and run, in one trybuild pass.
//!
//! Compiling takes a minute, so the test is ignored by default; CI runs it with
//! `cargo test -p codegen-smoke --test random_plans -- --ignored`. `RANDOM_PLANS=N` changes the sample size.

#[allow(dead_code)] // the generator's model has fields only the other test reads
#[path = "../../../flight-memory-gen/tests/all/plan_gen.rs"]
mod plan_gen;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

#[test]
#[ignore = "compiles a sample of generated files: about a minute; CI runs it with --ignored"]
fn random_plans_compile() {
    let wanted: usize = std::env::var("RANDOM_PLANS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("random-plans");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut runner = TestRunner::deterministic();
    let strategy = plan_gen::plan();
    let mut written = 0;
    for attempt in 0..wanted * 50 {
        if written == wanted {
            break;
        }
        let plan = strategy.new_tree(&mut runner).unwrap().current();
        let text = plan_gen::write(&plan);
        let Ok(checked) = flight_memory_gen::check_str("memory.toml", &text) else {
            continue;
        };
        let code = flight_memory_gen::generate(&checked, "random").unwrap();
        let file = format!(
            "//! Generated for a random plan (attempt {attempt}):\n//!\n{}\n#![deny(warnings, missing_docs, unsafe_op_in_unsafe_fn)]\n\n{code}\n\
             fn main() {{\n    for region in memory::PLATFORM.regions() {{\n        assert!(region.used() <= region.size(), \"{{region}}\");\n    }}\n}}\n",
            text.lines()
                .map(|l| format!("//! {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        std::fs::write(dir.join(format!("plan_{written}.rs")), file).unwrap();
        written += 1;
    }
    assert_eq!(
        written,
        wanted,
        "too few accepted plans in {} attempts",
        wanted * 50
    );
    trybuild::TestCases::new().pass(dir.join("plan_*.rs"));
}
