//! The one place that chooses which atomics the crate uses.
//!
//! * Under `--cfg loom` every atomic comes from [`loom`] so that the lock-free parts can be model checked.
//! * Otherwise [`portable_atomic`] provides them: the native instructions where the target has them, and a
//!   `critical-section` implementation on targets without compare-and-swap (thumbv6m, riscv32imc, msp430).
//!
//! Loom's atomics have no `const fn new`, so constructors that build atomics are declared with
//! [`const_fn_unless_loom!`]: `const fn` in every real build, a plain `fn` in loom models.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use portable_atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering};

// Only the 64-bit free-list head uses a 64-bit atomic; see `free_list.rs` for when it is chosen.
#[cfg(all(
    not(loom),
    target_has_atomic = "64",
    not(flight_memory_tagged32),
    not(flight_memory_critical_section)
))]
pub(crate) use core::sync::atomic::AtomicU64;
#[cfg(all(
    loom,
    target_has_atomic = "64",
    not(flight_memory_tagged32),
    not(flight_memory_critical_section)
))]
pub(crate) use loom::sync::atomic::AtomicU64;

/// Declares a function that is `const` everywhere but under `--cfg loom`, whose atomics cannot be built in a
/// constant context.
macro_rules! const_fn_unless_loom {
    ($(#[$attr:meta])* $vis:vis fn $name:ident $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$attr])*
        $vis const fn $name $($rest)*

        #[cfg(loom)]
        $(#[$attr])*
        $vis fn $name $($rest)*
    };
    ($(#[$attr:meta])* $vis:vis unsafe fn $name:ident $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$attr])*
        $vis const unsafe fn $name $($rest)*

        #[cfg(loom)]
        $(#[$attr])*
        $vis unsafe fn $name $($rest)*
    };
}
pub(crate) use const_fn_unless_loom;

/// An array of `N` values built by a `const fn` constructor, usable where loom forbids constant evaluation.
macro_rules! const_array {
    ($ctor:expr; $n:expr) => {{
        #[cfg(not(loom))]
        let array = [const { $ctor }; $n];
        #[cfg(loom)]
        let array = core::array::from_fn(|_| $ctor);
        array
    }};
}
pub(crate) use const_array;
