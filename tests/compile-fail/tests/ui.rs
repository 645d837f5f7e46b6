//! The workspace's compile-fail tests, with the error a user sees (`NAME.rs` + `NAME.stderr`), and the golden
//! files of flight-memory-gen compiled and run, all in one trybuild project: trybuild builds one crate per test
//! package, with that package's dependencies and dev-dependencies, so one package with few dependencies
//! compiles them once rather than once per crate under test.
//!
//! * `tests/flight-memory/`: what flight-memory's type system refuses (raw frees are `unsafe`; the arguments of
//!   its macros are not evaluated in the macro's `unsafe`).
//! * `tests/macros/`: every error `#[memory_pool]` and `buffer_bins!` produce. Their plan is
//!   `tests/macros/memory.toml`, through `FLIGHT_MEMORY_CONFIG` (the documented override; the fallback,
//!   `CARGO_MANIFEST_DIR/memory.toml`, would be trybuild's generated crate); `OUT_DIR` is this package's
//!   build-script output, where build.rs wrote one ledger per case (`ui_NAME.rs`, read by
//!   `flight_memory::include_memory!("ui_NAME.rs")`). `tests/macros-no-plan/` runs without
//!   `FLIGHT_MEMORY_CONFIG`.
//! * `tests/golden/`: every golden file of flight-memory-gen compiles without a warning and runs.
//! * `tests/codegen/`: the budget checks of generated code that only rustc can do fail compilation with the
//!   expected message. They include generated code committed in `tests/codegen/plans/NAME.rs`, from
//!   `NAME.toml` (shown as `memory.toml` in messages); codegen-smoke's `tests/ui_sources.rs` checks that they
//!   and `tests/golden/` are up to date.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p compile-fail` and review the diff.

#[test]
fn ui() {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/macros/memory.toml");
    // SAFETY: this is the only test of this binary, so no other thread reads the environment meanwhile.
    unsafe {
        std::env::set_var("OUT_DIR", env!("OUT_DIR"));
        std::env::set_var("FLIGHT_MEMORY_CONFIG", config);
        std::env::set_var("FLIGHT_MEMORY_USES", concat!(env!("OUT_DIR"), "/ui.uses"));
        std::env::remove_var("FLIGHT_MEMORY_PLATFORM");
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/flight-memory/*.rs");
    cases.compile_fail("tests/macros/*.rs");
    cases.pass("tests/golden/*.rs");
    cases.compile_fail("tests/codegen/*.rs");
    drop(cases); // runs them, in one build
    // SAFETY: as above.
    unsafe {
        std::env::remove_var("FLIGHT_MEMORY_CONFIG");
        std::env::remove_var("FLIGHT_MEMORY_USES");
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/macros-no-plan/*.rs");
}
