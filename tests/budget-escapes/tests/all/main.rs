//! The escape set: every way we know to reserve static memory outside the budget, each refused with its error
//! at the right place, and the plans that fit exactly, each accepted. See `cases` for the list.
//!
//! Each case writes its files into one crate directory (`<target>/e2e/escapes/app`) and runs `cargo check` (or
//! `cargo build` where only the linker can tell) there, with the target directory of the e2e tests, so the
//! workspace's crates are compiled once and each case costs a build-script run and a check of a small crate.

#[allow(dead_code)] // the e2e tests' helpers, not all used here
#[path = "../../../e2e/tests/all/harness.rs"]
mod harness;

mod app;
mod cases;
mod component_crates;
mod component_workspace;
mod exact;
mod workspace;
