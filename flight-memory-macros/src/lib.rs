//! The `#[memory_pool]` attribute and the `buffer_bins!` macro of flight-memory: static pools and buffer
//! managers declared next to the types that use them, counted in the memory budget of memory.toml.
//!
//! # Setting up a crate
//!
//! The macros read the crate's memory plan and count what they declare in its regions' ledgers, which the
//! build script generates:
//!
//! ```toml
//! # Cargo.toml
//! [dependencies]
//! flight-memory = "0.1"
//! flight-memory-macros = "0.1"
//! [build-dependencies]
//! flight-memory-gen = { version = "0.1", default-features = false }
//! ```
//!
//! ```ignore
//! // build.rs
//! fn main() { flight_memory_gen::build("memory.toml"); }
//! // src/main.rs or src/lib.rs, at the crate root
//! flight_memory::include_memory!();
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
//! `mod NAME;` files) for `#[memory_pool(count = .., region = ..)]` and `buffer_bins!` at module level, and adds a
//! term per use, `size_of` the exact static it declares, to its region's ledger in the generated
//! `memory::__budget`, where the region's total is checked against its size at compile time with memory.toml's
//! items. Each expansion asserts at compile time that the ledger has its term with its count and size, so a use
//! the scan did not see (inside a function, made by another macro, behind `#[path]`) is a compile error, not
//! memory outside the budget. Types and statics must be reachable from the crate root (`crate::a::b::Packet`)
//! for the ledger to name them.
//!
//! The crate is split as thiserror's is: `attr` (parse) → `ast` (model) → `valid` (checks against the syntax
//! rules and memory.toml, through `config`) → `expand` (code, or a fallback that keeps one error per mistake).

mod ast;
mod attr;
mod config;
mod expand;
mod valid;

use proc_macro::TokenStream;

/// A typed static pool for the struct it is on, in a region of memory.toml and in its budget.
///
/// ```ignore
/// #[memory_pool(count = 64, region = "sram")]   // 64 `Packet`s, counted in region `sram`
/// pub struct Packet { pub apid: u16, pub bytes: [u8; 254] }
///
/// let packet = Packet::pool().alloc(Packet { apid: 7, bytes: [0; 254] })?; // a PoolBox<'static, Packet>
/// // ... back to the pool when `packet` is dropped. An empty pool gives the value back: Err(Rejected).
///
/// #[memory_pool(pool = "telemetry_packet")]     // the `[pools.telemetry_packet]` of memory.toml
/// pub struct Frame { /* must fit its block size and alignment */ }
/// let block = Frame::pool().allocate()?;
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
#[proc_macro_attribute]
pub fn memory_pool(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::memory_pool(args.into(), input.into()).into()
}

/// Declares `static` `flight_memory::BufferManager`s with their bins in a region of memory.toml and in its
/// budget.
///
/// ```ignore
/// buffer_bins! {
///     /// Uplink buffers.
///     pub static UPLINK: in "sram" { 128 x 32, 1024 x 16, 4096 x 4 }
///     static DMA: in "dtcm" align 64 id 9 spill_over false { 512 x 8 }
/// }
/// let buffer = UPLINK.allocate(200)?; // from the 1024-byte bin
/// ```
///
/// Syntax: `[attributes] [visibility] static NAME: in "REGION" [align N] [id N] [spill_over BOOL] { SIZE x
/// COUNT, ... }`, repeated. Bins may be in any order. `align` is every buffer's alignment (a power of two, default
/// `flight_memory::DEFAULT_BUFFER_ALIGNMENT`), `id` the `ManagerId` of its raw buffers (default: a number derived
/// from the name, above 2^31 so it does not meet memory.toml's), `spill_over` whether a full bin spills to
/// larger ones (default `true`). The buffer bytes go in the region's link section; the manager's state stays
/// in sections start-up code initialises. Sizes and counts above zero, no two bins of one size, at most
/// `flight_memory::MAX_BINS` bins and power-of-two alignments are checked when the macro expands, with the
/// error at the offending token.
#[proc_macro]
pub fn buffer_bins(input: TokenStream) -> TokenStream {
    expand::buffer_bins(input.into()).into()
}
