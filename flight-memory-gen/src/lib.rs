//! The memory.toml model, validation, layout and code generation for
//! [`flight-memory`](https://docs.rs/flight-memory).
//!
//! This crate is being built; see the workspace README for its plan.
