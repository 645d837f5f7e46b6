//! Compile-fail tests: what the type system refuses, with the error a user sees (`tests/ui/*.rs` + `.stderr`).
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p flight-memory --test ui`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
