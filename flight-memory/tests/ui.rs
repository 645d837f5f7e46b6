//! Compile-fail tests: what the type system refuses, with the error a user sees (`tests/ui/*.rs` + `.stderr`).
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p flight-memory --test ui`.
//!
//! Not run for the other free-list forms (`--cfg flight_memory_tagged32`, `--cfg flight_memory_critical_section`):
//! the errors do not depend on them, and trybuild would rebuild every dependency under each.

#[cfg(not(any(flight_memory_tagged32, flight_memory_critical_section)))]
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
