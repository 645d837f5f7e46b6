//! No library: the cases are in `tests/` and run by `tests/ui.rs` (see there).
