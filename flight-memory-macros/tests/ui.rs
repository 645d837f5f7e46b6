//! Compile-fail tests (trybuild): every error the macros produce, with its message.
//!
//! How the UI crates find their plan: this test sets `FLIGHT_MEMORY_CONFIG` to `tests/ui/memory.toml` (the
//! documented override; the fallback, `CARGO_MANIFEST_DIR/memory.toml`, would be trybuild's generated crate) and
//! `OUT_DIR` to this crate's build-script output, where build.rs wrote one ledger per UI file
//! (`ui_NAME.rs`, read by `flight_memory::include_memory!("ui_NAME.rs")`). The cases in `tests/ui-no-plan`
//! run without `FLIGHT_MEMORY_CONFIG`.
#![cfg(not(loom))]

#[test]
fn ui() {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ui/memory.toml");
    // SAFETY: this is the only test of this binary, so no other thread reads the environment meanwhile.
    unsafe {
        std::env::set_var("OUT_DIR", env!("OUT_DIR"));
        std::env::set_var("FLIGHT_MEMORY_CONFIG", config);
        std::env::set_var("FLIGHT_MEMORY_USES", concat!(env!("OUT_DIR"), "/ui.uses"));
        std::env::remove_var("FLIGHT_MEMORY_PLATFORM");
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    drop(cases); // runs them
    // SAFETY: as above.
    unsafe {
        std::env::remove_var("FLIGHT_MEMORY_CONFIG");
        std::env::remove_var("FLIGHT_MEMORY_USES");
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui-no-plan/*.rs");
}
