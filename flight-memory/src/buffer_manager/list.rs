//! The free list of one bin: which of its buffers are free, and what the bin has done (buffers taken, given back,
//! in use, and the high-water mark).
//!
//! One implementation is chosen per target, here and nowhere else, as in `free_list`:
//!
//! * with 64-bit compare-and-swap, `list/tagged64.rs`: the bin's own head word, shaped for the manager's hot
//!   path;
//! * with 32-bit compare-and-swap only or none (and in the `flight_memory_tagged32` and
//!   `flight_memory_critical_section` test builds), `list/shared.rs`: the crate's `BareFreeList`.
//!
//! The 64-bit form is the manager's own so that a pop and a push are the fewest instructions the word's layout
//! allows (one addition moves both the pop count and the length; see that file) without changing the list the
//! pools share. Both forms have the same interface: [`BinList`], [`Link`], [`Counts`], [`MAX_CAPACITY`].

#[cfg_attr(
    all(
        target_has_atomic = "64",
        not(flight_memory_tagged32),
        not(flight_memory_critical_section)
    ),
    path = "list/tagged64.rs"
)]
#[cfg_attr(
    any(
        not(target_has_atomic = "64"),
        flight_memory_tagged32,
        flight_memory_critical_section
    ),
    path = "list/shared.rs"
)]
mod imp;

pub(crate) use imp::{BinList, Link, MAX_CAPACITY};

/// What a bin's list has done since it was new, read by [`BinList::counts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Buffers handed out, wrapping at `usize::MAX`.
    pub(crate) taken: usize,
    /// Buffers given back, wrapping at `usize::MAX`.
    pub(crate) given_back: usize,
    /// Buffers handed out and not given back: at most the capacity.
    pub(crate) in_use: u32,
    /// The most buffers in use at once: at least `in_use`, and never lower than at an earlier reading.
    pub(crate) high_water: u32,
}
