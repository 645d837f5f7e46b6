//! F´'s `Svc::BufferManager`, done right: bins of fixed-size buffers, smallest fit with spill-over, O(1) per bin,
//! aligned buffers, owned handles, validated raw buffers, and telemetry that never goes silent.
//!
//! One concept per file:
//!
//! * `bins`: [`Bin`], [`BinTable`] (validated, sorted, laid out; `const`), [`BinsError`];
//! * `state`: [`BufferState`] (free lists, counters, links, tags; all zero) and [`BufferStorage`] (the bytes);
//! * `list`: each bin's free list, one implementation per target;
//! * `manager`: [`BufferManager`], [`ManagerId`]: allocation and giving back;
//! * `occupancy`: the buffers and bytes out and their high-water marks, in one word;
//! * `buffer`: [`Buffer`], the owning handle;
//! * `raw`: [`RawBuffer`] and its validated way back, [`ReturnError`];
//! * `telemetry`: [`BufferTelemetry`], [`BinTelemetry`], [`BufferFailure`], [`FailureHook`];
//! * `port`: [`BufferPort`], F´'s `bufferGet`/`bufferSendIn`;
//! * `info`: [`BufferInfo`], cFE's `CFE_ES_GetPoolBufInfo`: what a pointer or raw buffer names;
//! * `setup`: the [`MemAllocator`](crate::MemAllocator)-backed lifecycle, [`SetupError`], [`TeardownError`];
//! * `as_allocator`: the [`Allocator`](crate::Allocator) implementation;
//! * `declare`: the [`buffer_manager!`](crate::buffer_manager) macro.

mod as_allocator;
mod bins;
mod buffer;
mod declare;
mod info;
mod list;
mod manager;
mod occupancy;
mod port;
mod raw;
mod setup;
mod state;
mod telemetry;

pub use bins::{
    Bin, BinTable, BinsError, DEFAULT_BUFFER_ALIGNMENT, MAX_BIN_COUNT, MAX_BINS,
    MAX_BUFFER_ALIGNMENT,
};
pub use buffer::Buffer;
pub use info::BufferInfo;
pub use manager::{BufferManager, ManagerId};
pub use port::BufferPort;
pub use raw::{RawBuffer, ReturnError};
pub use setup::{SetupError, TeardownError};
pub use state::{BufferState, BufferStorage};
pub use telemetry::{BinTelemetry, BufferFailure, BufferTelemetry, FailureHook};
