//! Static, budget-checked memory for flight and embedded software.
//!
//! Flight software may not allocate from a general heap at run time, yet it needs memory: scratch space per
//! cycle, fixed-size objects, packet and file buffers passed between components. This crate provides the
//! allocators for that, every one usable from a `static` with no start-up work, O(1) on every operation, and
//! honest about failure: exhaustion is an error value, memory given back wrongly is refused and counted, and
//! each allocator reports its own statistics.
//!
//! | type | strategy | frees | use it for |
//! |------|----------|-------|------------|
//! | [`LinearAllocator`] | bump | all at once (`reset`) | per-cycle scratch, file uplink staging |
//! | [`StackAllocator`] | LIFO with markers | newest first | nested scratch in command handlers |
//! | [`MemoryPool`], [`TypedPool`] | fixed-size blocks | any order | packets, messages, fixed objects |
//! | [`BufferManager`] | bins of buffers, smallest fit | any order | F´-style buffers between components |
//! | [`MemAllocator`], [`MemAllocatorRegistry`] | initialisation-time blocks | at teardown | F´'s `configure(allocator, id)` |
//! | [`InitPhaseHeap`] | `#[global_allocator]` until `freeze()` | never | `Vec`, `Box`, `String` during start-up only |
//!
//! The sizes come from `memory.toml` through `flight-memory-gen`, which checks the plan against the platform's
//! RAM budget at build time.
//!
//! # Targets
//!
//! `#![no_std]` always. The free lists behind the pools and the buffer manager are lock-free on targets with
//! compare-and-swap (ABA-safe through a tag), and use `critical-section` on targets without it (thumbv6m,
//! riscv32imc), where the application provides the critical-section implementation as usual. Tests select the
//! other forms on a host with `--cfg flight_memory_tagged32` or `--cfg flight_memory_critical_section`.
//!
//! # Features
//!
//! * `alloc`: heap-backed constructors and [`MallocAllocator`].
//! * `std`: implies `alloc`; nothing else today. Every error type implements `core::error::Error` (which is
//!   `std::error::Error`) without it, so `?` into `Box<dyn Error>` works in `no_std` + `alloc` code too.
//! * `serde`: serialisation of statistics snapshots and telemetry.
//! * `allocator-api2`: [`LinearAllocator`] and [`StackAllocator`] as allocators of `allocator_api2` collections.
//! * `macros`: `#[memory_pool]` and `buffer_bins!` from flight-memory-macros, re-exported here.
//! * `defmt`: `defmt::Format` for telemetry and statistics, with the text their `Display` gives.
//!
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`MallocAllocator`]: https://docs.rs/flight-memory/latest/flight_memory/struct.MallocAllocator.html"
)]
#![no_std]
#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod align;
mod allocator;
#[cfg(feature = "allocator-api2")]
mod allocator_api2;
mod buffer_manager;
mod channels;
mod error;
mod free_list;
mod generated;
#[cfg(not(loom))]
mod init_heap;
mod linear;
#[cfg(feature = "alloc")]
mod malloc;
mod mem_allocator;
mod platform;
mod pool;
mod region;
mod registry;
mod stack;
mod stats;
mod storage;
mod strategy;
mod sync;

pub use align::{
    Align, Aligned16, Aligned32, Aligned64, AlignedBytes, Alignment, align_down, align_up,
    is_aligned, is_ptr_aligned,
};
pub use allocator::Allocator;
pub use buffer_manager::{
    Bin, BinTable, BinTelemetry, BinsError, Buffer, BufferFailure, BufferInfo, BufferManager,
    BufferPort, BufferState, BufferStorage, BufferTelemetry, DEFAULT_BUFFER_ALIGNMENT, FailureHook,
    MAX_BIN_COUNT, MAX_BINS, MAX_BUFFER_ALIGNMENT, ManagerId, RawBuffer, ReturnError, SetupError,
    TeardownError,
};
pub use error::{AllocError, FreeError, Rejected};
#[cfg(feature = "macros")]
pub use flight_memory_macros::{buffer_bins, memory_pool};
#[doc(hidden)]
pub use generated::__private_v0_1;
#[cfg(not(loom))]
pub use init_heap::InitPhaseHeap;
#[cfg(not(loom))]
pub use linear::ExclusiveLinear;
pub use linear::LinearAllocator;
#[cfg(not(loom))]
pub use linear::LinearBusy;
#[cfg(feature = "alloc")]
pub use malloc::MallocAllocator;
pub use mem_allocator::{MemAllocator, MemBlock, MemoryId};
pub use platform::{ItemInfo, ItemKind, Platform, RegionInfo};
pub use pool::{
    MemoryPool, PoolBlock, PoolBlocks, PoolBox, PoolStorage, TypedPool, TypedSlots, TypedStorage,
};
pub use region::MemoryRegion;
pub use registry::{MemAllocatorRegistry, RegistryEntry, RegistryError};
pub use stack::{ExclusiveMarker, ExclusiveStack, Frame, Marker, StackAllocator, StackBusy};
pub use stats::{MemoryStats, StatsSnapshot};
pub use storage::StaticStorage;
pub use strategy::{AllocationStrategy, UnknownStrategy};
