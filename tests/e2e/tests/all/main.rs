//! End-to-end tests of the workspace, as a user meets it:
//!
//! * `examples`: `cargo run -p cubesat` and `cargo run -p fprime-init` build, run, exit with 0 and print what
//!   they should;
//! * `over_budget`: a crate whose build script generates code from an over-budget config of `configs/` does not
//!   build, and the error names the platform, the region, its size, the total and the place in memory.toml;
//! * `cli`: `flight-memory-gen check` and `report` (text, JSON, SVG) on every file of `configs/`.
//!
//! They run cargo themselves, with a target directory of their own inside the workspace's (see `harness`), so
//! they never wait on the lock of the build that runs them, and the crates they build share one compilation of
//! flight-memory and flight-memory-gen.

mod cli;
mod examples;
mod harness;
mod over_budget;
