//! The `#[memory_pool]` attribute and the `buffer_bins!` macro of flight-memory.
//!
//! This crate is being built; see the workspace README for its plan.
