//! What kind of allocator a piece of memory is managed by.

/// The allocation strategy of an allocator, as named in `memory.toml` (`strategy = "linear"`).
///
/// ```
/// use flight_memory::AllocationStrategy;
///
/// assert_eq!("stack".parse::<AllocationStrategy>(), Ok(AllocationStrategy::Stack));
/// assert_eq!(AllocationStrategy::Pool.as_str(), "pool");
/// assert!(!AllocationStrategy::Linear.frees_individually());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum AllocationStrategy {
    /// Bump allocation, freed all at once by `reset` ([`LinearAllocator`](crate::LinearAllocator)).
    Linear,
    /// Last-in first-out with markers ([`StackAllocator`](crate::StackAllocator)).
    Stack,
    /// Fixed-size blocks, freed one by one in any order ([`MemoryPool`](crate::MemoryPool)).
    Pool,
    /// Bins of fixed-size buffers with smallest-fit selection ([`BufferManager`](crate::BufferManager)).
    Buffers,
    /// Initialisation-time blocks from a [`MemAllocator`](crate::MemAllocator), never freed one by one.
    Region,
    /// The system heap ([`MallocAllocator`], feature `alloc`), for ground tools and simulation.
    ///
    #[cfg_attr(feature = "alloc", doc = "[`MallocAllocator`]: crate::MallocAllocator")]
    #[cfg_attr(
        not(feature = "alloc"),
        doc = "[`MallocAllocator`]: https://docs.rs/flight-memory/latest/flight_memory/struct.MallocAllocator.html"
    )]
    Heap,
}

impl AllocationStrategy {
    /// Every strategy, in declaration order.
    pub const ALL: [AllocationStrategy; 6] = [
        AllocationStrategy::Linear,
        AllocationStrategy::Stack,
        AllocationStrategy::Pool,
        AllocationStrategy::Buffers,
        AllocationStrategy::Region,
        AllocationStrategy::Heap,
    ];

    /// The name used in `memory.toml`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AllocationStrategy::Linear => "linear",
            AllocationStrategy::Stack => "stack",
            AllocationStrategy::Pool => "pool",
            AllocationStrategy::Buffers => "buffers",
            AllocationStrategy::Region => "region",
            AllocationStrategy::Heap => "heap",
        }
    }

    /// Whether single allocations can be given back before the allocator is reset.
    pub const fn frees_individually(self) -> bool {
        !matches!(
            self,
            AllocationStrategy::Linear | AllocationStrategy::Region
        )
    }
}

impl core::fmt::Display for AllocationStrategy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an [`AllocationStrategy`] from a name it does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownStrategy;

impl core::fmt::Display for UnknownStrategy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("unknown allocation strategy: expected one of linear, stack, pool, buffers, region, heap")
    }
}

impl core::error::Error for UnknownStrategy {}

impl core::str::FromStr for AllocationStrategy {
    type Err = UnknownStrategy;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        AllocationStrategy::ALL
            .into_iter()
            .find(|strategy| strategy.as_str() == name)
            .ok_or(UnknownStrategy)
    }
}
