//! The memory.toml model, validation, layout and reports of [`flight-memory`](https://docs.rs/flight-memory).
//!
//! A memory plan goes through five stages, each a plain function over the previous one's output; the model is
//! built once and never changed afterwards:
//!
//! 1. **parse** — the TOML text into the [`model`] (every key of every table, with spans);
//! 2. **validate** — names, references, duplicates, ranges, alignments, bins, `type` paths;
//! 3. **layout** — every item's offset, padding, storage and metadata in its region, per platform
//!    ([`layout`]); this is the one computation of sizes;
//! 4. **budget** — items larger than their region, regions over their size, regions over the platform budget;
//! 5. **code generation** — the `static`s of one platform ([`generate`]), with `const` assertions for the sizes
//!    only rustc knows.
//!
//! Every error of a file is reported in one run (after a TOML syntax error, only the syntax errors), each
//! with its file, line and column, a snippet, and a hint that says how to fix it.
//!
//! [`check_str`] and [`check_file`] run the first four stages and return a [`Checked`] plan, which is what
//! code generation and the `flight-memory-macros` crate read; [`Analysis`] keeps the layout even when the plan
//! does not fit (for reports). The [`report`] module renders layouts as text, JSON or SVG, as the
//! `flight-memory-gen` command-line tool does. With the `verify` feature, the `verify` module checks a linked
//! ELF image against the plan.
//!
//! Build scripts call [`build`] (or configure a [`Builder`]): it checks the plan, writes the code of the
//! selected platform to `$OUT_DIR/flight_memory.rs` for `flight_memory::include_memory!()` and its linker
//! fragment to `$OUT_DIR/flight-memory.x` ([`linker_script`]; a firmware links it with
//! `-C link-arg=-Tflight-memory.x` after `-Tlink.x`), and fails the build
//! with one `cargo::error=memory.toml:LINE:COL: message` line per error when the plan does not fit:
//!
//! ```no_run
//! // build.rs
//! fn main() {
//!     flight_memory_gen::build("memory.toml");
//! }
//! ```
//!
//! ```
//! let text = r#"
//! [platform]
//! name = "cubesat-obc"
//! budget = "64 KiB"
//!
//! [regions.sram]
//! size = "64 KiB"
//!
//! [pools.telemetry_packet]
//! region = "sram"
//! block_size = 256
//! count = 512   # 128 KiB: does not fit
//! "#;
//! let errors = flight_memory_gen::check_str("memory.toml", text).unwrap_err();
//! let rendered = errors.to_string();
//! assert!(rendered.contains("pool `telemetry_packet` needs"));
//! assert!(rendered.contains("memory.toml:9:8"));
//! ```
//!
//! The syntax of memory.toml, including several platforms in one file, is described in this crate's
//! README.

#![deny(missing_docs)]
#![allow(clippy::needless_doctest_main)] // build-script examples show their `main`

mod budget;
mod builder;
mod check;
mod codegen;
mod diagnostic;
pub mod layout;
mod linker;
pub mod metadata;
pub mod model;
pub mod naming;
mod parse;
mod placement;
pub mod report;
pub mod size;
mod source;
mod syntax;
mod type_path;
mod validate;
#[cfg(feature = "verify")]
pub mod verify;

pub use builder::{
    BuildError, Builder, CONFIG_ENV, Generated, PLATFORM_ENV, USES_ENV, build,
    build_component_crate,
};
pub use check::{Analysis, CheckError, Checked, ReadError, check_file, check_str};
pub use codegen::{
    ExternalTerm, GenerateError, OUTPUT_FILE, RUNTIME_PATH, counted_crate_symbol, generate,
    generate_component_crate, generate_program, generate_with, plan_fingerprint,
};

/// The README's Rust examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
pub use diagnostic::{Diagnostic, Diagnostics, Label, RENDER_LIMIT, Stage};
pub use linker::{LINKER_SCRIPT_FILE, linker_memory_name, linker_script, region_symbols};
pub use source::{Location, SourceFile, Span};

mod scan;
mod totals;
pub use scan::{
    BUFFER_BINS_KEY, CfgValues, MEMORY_POOL_KEY, ScanError, claim_name, key_file, scan_crate,
    scan_source,
};
pub use totals::{MacrosOverBudget, check as check_macros};
