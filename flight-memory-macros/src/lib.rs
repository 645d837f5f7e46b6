//! The `#[memory_pool]` attribute and the `buffer_bins!` macro of flight-memory: static pools and buffer
//! managers declared next to the types that use them, counted in the memory budget of memory.toml.
//!
//! # Setting up a crate
//!
//! The macros read the crate's memory plan and count what they declare in its regions' ledgers, which the
//! build script generates:
//!
//! ```toml
//! # Cargo.toml: the macros come with flight-memory's feature `macros`
//! [dependencies]
//! flight-memory = { version = "0.1", features = ["macros"] }
//! [build-dependencies]
//! flight-memory-gen = { version = "0.1", default-features = false }
//! ```
//!
//! ```no_run
//! // build.rs
//! fn main() { flight_memory_gen::build("memory.toml"); }
//! ```
//!
//! ```
#![doc = include_str!("../doc/setup.md")]
//! ```
//!
//! # Where the macros find memory.toml
//!
//! 1. `FLIGHT_MEMORY_CONFIG`, the absolute path the build script sets with `cargo::rustc-env`
//!    (`flight_memory_gen::build` does it), or that a test sets in its environment;
//! 2. else `CARGO_MANIFEST_DIR/memory.toml`, the crate's own file.
//!
//! The platform is `FLIGHT_MEMORY_PLATFORM` (set by the build script to the one it generated code for), else
//! the file's only platform or the one marked `default = true`.
//!
//! # How the budget sees the macros
//!
//! The build script scans the crate's sources (`flight_memory_gen::scan_crate`, from the crate root through
//! `mod NAME;` files, into function bodies, impl blocks and closures) for `#[memory_pool(count = .., region =
//! ..)]` and `buffer_bins!`, and keys each use by the file, line and column of its name. The generated
//! `memory::__budget::uses` declares one type per use, named after that location; the expansion (`claim`)
//! implements the runtime's `Counted` for it with `size_of` the exact static it declares, which the region's
//! ledger adds up with memory.toml's items and checks at compile time, on every platform, at the use. A use the
//! scan did not see (made by another macro, in an `include!`d file) is a compile error at the use saying why;
//! a second expansion of one use is a conflicting implementation (E0119). The location comes from
//! `proc_macro::Span::line`/`column`/`local_file`: this crate needs Rust 1.88.
//!
//! The crate is split as thiserror's is: `attr` (parse) → `ast` (model) → `valid` (checks against the syntax
//! rules and memory.toml, through `config`) → `expand` (code, or a fallback that keeps one error per mistake).

mod ast;
mod attr;
mod claim;
mod config;
mod doc_plan;
mod expand;
mod valid;

use proc_macro::TokenStream;

/// A typed static pool for the struct it is on, in a region of memory.toml and in its budget.
///
/// ```
#[doc = include_str!("../doc/memory_pool.md")]
/// ```
///
/// * `count = N, region = "NAME"`: `Type::pool()` is a `&'static flight_memory::TypedPool<Type, N, &'static
///   flight_memory::TypedSlots<Type, N>>`, whose `alloc(value)` returns a `PoolBox` or the value back. Its slots
///   are a `static` of their own in the region's link section when it has one (like memory.toml's typed pools);
///   its state stays in `.data`. Both count against region `NAME`.
/// * `pool = "NAME"`: `Type::pool()` is memory.toml's `memory::pools::NAME` (counted there already); the type's
///   size and alignment are checked against the pool's blocks at compile time.
///
/// Refused, each with an error at the token: unknown arguments, a missing or zero `count`, a region or pool
/// memory.toml does not declare (the declared ones are listed), a generic struct (a static needs one concrete
/// type whose size the budget can count), a type bigger than its bound pool's blocks, a crate without memory.toml.
///
/// A use the build script's scan does not see, such as one another macro writes, is in no ledger and does not
/// compile (the error is at the use):
///
/// ```compile_fail,E0425
#[doc = include_str!("../doc/not_counted.md")]
/// ```
#[proc_macro_attribute]
pub fn memory_pool(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::memory_pool(args.into(), input.into()).into()
}

/// Declares `static` `flight_memory::BufferManager`s with their bins in a region of memory.toml and in its
/// budget.
///
/// ```
#[doc = include_str!("../doc/buffer_bins.md")]
/// ```
///
/// Syntax: `[attributes] [visibility] static NAME: in "REGION" [align N] [id N] [spill BOOL] { SIZE x
/// COUNT, ... }`, repeated. Bins may be in any order. `align` is every buffer's alignment (a power of two, default
/// `flight_memory::DEFAULT_BUFFER_ALIGNMENT`), `id` the `ManagerId` of its raw buffers (default: a number derived
/// from the name, above 2^31 so it does not meet memory.toml's), `spill` whether a full bin spills to
/// larger ones (default `true`). The buffer bytes go in the region's link section; the manager's state stays
/// in sections start-up code initialises. Sizes and counts above zero, no two bins of one size, at most
/// `flight_memory::MAX_BINS` bins and power-of-two alignments are checked when the macro expands, with the
/// error at the offending token.
#[proc_macro]
pub fn buffer_bins(input: TokenStream) -> TokenStream {
    expand::buffer_bins(input.into()).into()
}

/// The module `memory` generated from the plan at `CARGO_MANIFEST_DIR/PATH`, at compile time: what
/// `include_memory!()` includes, for doc examples, which have no build script. Not public API: crates use a
/// build script.
#[doc(hidden)]
#[proc_macro]
pub fn __doc_plan(input: TokenStream) -> TokenStream {
    doc_plan::expand(input.into()).into()
}
