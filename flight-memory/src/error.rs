//! The errors shared by every allocator: a request that cannot be served, and memory given back wrongly.
//!
//! Each variant carries the numbers needed to understand it in telemetry or a log line, and the `Display`
//! text says what to change.

use crate::AllocationStrategy;

/// Why an allocation request could not be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AllocError {
    /// Not enough contiguous space left (`remaining` counts the bytes after alignment padding).
    OutOfMemory {
        /// Bytes asked for.
        requested: usize,
        /// Bytes still free at the top of the allocator.
        remaining: usize,
    },
    /// Every block or buffer that could serve the request is in use.
    Exhausted {
        /// How many blocks or buffers exist.
        capacity: usize,
    },
    /// The request is larger than the largest block or buffer the allocator has.
    TooLarge {
        /// Bytes asked for.
        requested: usize,
        /// The largest size the allocator can hand out.
        max: usize,
    },
    /// The alignment asked for is not a power of two.
    InvalidAlignment {
        /// The alignment asked for.
        align: usize,
    },
    /// The alignment asked for is larger than the allocator guarantees for its blocks.
    UnsupportedAlignment {
        /// The alignment asked for.
        align: usize,
        /// The largest alignment the allocator gives.
        max: usize,
    },
    /// Size arithmetic (count × size, or size + padding) overflowed `usize`.
    SizeOverflow,
}

impl core::fmt::Display for AllocError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            AllocError::OutOfMemory {
                requested,
                remaining,
            } => write!(
                f,
                "out of memory: {requested} bytes requested, {remaining} bytes left; \
                 raise the allocator's size in memory.toml or reset it sooner"
            ),
            AllocError::Exhausted { capacity } => write!(
                f,
                "all {capacity} blocks are in use; raise `count` in memory.toml or return blocks sooner"
            ),
            AllocError::TooLarge { requested, max } => write!(
                f,
                "{requested} bytes requested but the largest block is {max} bytes; add a larger bin or block size"
            ),
            AllocError::InvalidAlignment { align } => {
                write!(f, "alignment {align} is not a power of two")
            }
            AllocError::UnsupportedAlignment { align, max } => write!(
                f,
                "alignment {align} requested but blocks are only aligned to {max}; raise `align` in memory.toml"
            ),
            AllocError::SizeOverflow => f.write_str("size arithmetic overflowed usize"),
        }
    }
}

/// Why memory given back to an allocator was refused. The allocator is unchanged when this is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FreeError {
    /// This kind of allocator frees only in bulk (`reset`), not one allocation at a time.
    Unsupported {
        /// The allocator's strategy.
        strategy: AllocationStrategy,
    },
    /// The pointer is not inside this allocator's memory.
    ForeignPointer,
    /// The pointer is inside this allocator's memory but not at the start of a block or buffer.
    NotBlockStart {
        /// Bytes from the start of the block that contains the pointer.
        offset: usize,
    },
    /// The block is not allocated to a raw pointer: it was freed twice, never handed out, or is still owned by
    /// a handle (`PoolBlock`, `PoolBox`, `Buffer`), which gives it back when dropped.
    NotAllocated,
    /// A stack allocation or marker was released while a newer one is still live.
    OutOfOrder,
    /// A raw buffer was returned to a manager other than the one that issued it.
    WrongManager {
        /// This manager's id.
        expected: u32,
        /// The id carried by the buffer.
        found: u32,
    },
    /// A raw buffer names a bin the manager does not have.
    BadBin {
        /// The bin named by the buffer.
        bin: usize,
        /// How many bins the manager has.
        bins: usize,
    },
    /// A raw buffer names a buffer index its bin does not have.
    BadIndex {
        /// The index named by the buffer.
        index: usize,
        /// How many buffers the bin has.
        count: usize,
    },
}

impl core::fmt::Display for FreeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            FreeError::Unsupported { strategy } => write!(
                f,
                "a {strategy} allocator does not free single allocations; reset it or use a pool"
            ),
            FreeError::ForeignPointer => f.write_str("pointer does not belong to this allocator"),
            FreeError::NotBlockStart { offset } => {
                write!(f, "pointer is {offset} bytes into a block, not at its start")
            }
            FreeError::NotAllocated => {
                f.write_str("block is not allocated to a raw pointer: freed twice, never handed out, or still owned by a handle")
            }
            FreeError::OutOfOrder => f.write_str(
                "freed out of order: a newer stack allocation or marker is still live; free that first",
            ),
            FreeError::WrongManager { expected, found } => {
                write!(f, "buffer belongs to manager {found}, returned to manager {expected}")
            }
            FreeError::BadBin { bin, bins } => {
                write!(f, "buffer names bin {bin}, but the manager has {bins} bins")
            }
            FreeError::BadIndex { index, count } => {
                write!(f, "buffer names index {index}, but its bin has {count} buffers")
            }
        }
    }
}

/// A value an allocator could not place, given back to the caller with the reason, so nothing is lost.
///
/// ```
/// use flight_memory::{AllocError, Rejected};
///
/// let rejected = Rejected::new([1u8; 4], AllocError::Exhausted { capacity: 2 });
/// assert_eq!(rejected.error(), AllocError::Exhausted { capacity: 2 });
/// assert_eq!(rejected.into_inner(), [1u8; 4]);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rejected<T> {
    value: T,
    error: AllocError,
}

impl<T> Rejected<T> {
    /// Pairs a value with the reason it was not placed.
    pub const fn new(value: T, error: AllocError) -> Self {
        Rejected { value, error }
    }

    /// Why the value was not placed.
    pub const fn error(&self) -> AllocError {
        self.error
    }

    /// The value, unharmed.
    pub fn into_inner(self) -> T {
        self.value
    }
}

/// `?` on a rejected value in a function that returns [`AllocError`]: the reason is kept, the value is dropped.
/// Match on the [`Rejected`] (or call [`Rejected::into_inner`]) before `?` to keep the value.
///
/// ```
/// use flight_memory::{AllocError, TypedPool};
///
/// static READINGS: TypedPool<u32, 1> = TypedPool::new();
///
/// fn take_two() -> Result<(), AllocError> {
///     let _first = READINGS.alloc(1)?;
///     let _second = READINGS.alloc(2)?; // the pool has one block: Exhausted
///     Ok(())
/// }
///
/// assert_eq!(take_two(), Err(AllocError::Exhausted { capacity: 1 }));
/// ```
impl<T> From<Rejected<T>> for AllocError {
    fn from(rejected: Rejected<T>) -> Self {
        rejected.error
    }
}

impl<T> core::fmt::Debug for Rejected<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Rejected")
            .field("type", &core::any::type_name::<T>())
            .field("error", &self.error)
            .finish()
    }
}

impl<T> core::fmt::Display for Rejected<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "value of type {} not placed: {}",
            core::any::type_name::<T>(),
            self.error
        )
    }
}

impl core::error::Error for AllocError {}
impl core::error::Error for FreeError {}
impl<T> core::error::Error for Rejected<T> {}

#[cfg(test)]
mod tests {
    /// Compiles only if `E` is an error type with no feature enabled (issue 12, item 10: `?` into
    /// `Box<dyn Error>` failed without `std`).
    fn is_error<E: core::error::Error>() {}

    #[test]
    fn every_error_type_is_a_core_error_without_features() {
        is_error::<crate::AllocError>();
        is_error::<crate::FreeError>();
        is_error::<crate::Rejected<[u8; 4]>>();
        is_error::<crate::BinsError>();
        is_error::<crate::ReturnError>();
        is_error::<crate::SetupError>();
        is_error::<crate::TeardownError<'static>>();
        is_error::<crate::RegistryError>();
        is_error::<crate::StackBusy>();
        is_error::<crate::LinearBusy>();
        is_error::<crate::UnknownStrategy>();
    }
}
