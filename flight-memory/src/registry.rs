//! F´'s memory-id to allocator map, with a default, in fixed capacity.

use crate::{MemAllocator, MemoryId};

/// Why [`MemAllocatorRegistry::register`] refused an allocator. The registry is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RegistryError {
    /// All `capacity` entries are taken.
    Full {
        /// The registry's capacity `N`.
        capacity: usize,
    },
    /// The id already has an allocator.
    Duplicate {
        /// The id registered twice.
        id: MemoryId,
    },
}

impl core::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            RegistryError::Full { capacity } => write!(
                f,
                "memory allocator registry is full ({capacity} entries); raise its capacity"
            ),
            RegistryError::Duplicate { id } => {
                write!(f, "{id} already has an allocator; each id maps to one")
            }
        }
    }
}

impl core::error::Error for RegistryError {}

/// Maps memory ids to the [`MemAllocator`] that serves them, with a default for ids not registered: F´'s
/// `MemAllocatorRegistry`, with a fixed capacity of `N` entries and no heap.
///
/// Build it while the topology is set up, then let each component's `configure` look up its allocator by id.
/// Lookups are a linear scan of at most `N` entries (`N` is small).
///
/// ```
/// use flight_memory::{
///     static_allocator, MemAllocator, MemAllocatorRegistry, MemoryId, RegistryError,
/// };
///
/// static_allocator! {
///     static SRAM: MemoryRegion("sram", 4096);
///     static DTCM: MemoryRegion("dtcm", 1024);
/// }
/// const FILE_UPLINK: MemoryId = MemoryId(1);
/// const ATTITUDE: MemoryId = MemoryId(2);
///
/// let mut registry = MemAllocatorRegistry::<'_, 4>::new(&SRAM);
/// registry.register(ATTITUDE, &DTCM)?;
/// assert_eq!(
///     registry.register(ATTITUDE, &SRAM),
///     Err(RegistryError::Duplicate { id: ATTITUDE })
/// );
///
/// let block = registry.get_or_default(ATTITUDE).allocate(ATTITUDE, 256, 8)?;
/// assert_eq!(DTCM.used_memory(), 256);
/// let _ = registry.get_or_default(FILE_UPLINK).allocate(FILE_UPLINK, 512, 8)?; // the default: SRAM
/// assert_eq!(SRAM.used_memory(), 512);
/// # drop(block);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
pub struct MemAllocatorRegistry<'a, const N: usize> {
    default: &'a (dyn MemAllocator + Sync),
    /// Registered entries first, in registration order; `entries[len..]` are all `None`.
    entries: [Option<(MemoryId, &'a (dyn MemAllocator + Sync))>; N],
    /// Registered entries, `<= N`.
    len: usize,
}

impl<'a, const N: usize> MemAllocatorRegistry<'a, N> {
    /// An empty registry that answers every id with `default`.
    pub const fn new(default: &'a (dyn MemAllocator + Sync)) -> Self {
        MemAllocatorRegistry {
            default,
            entries: [None; N],
            len: 0,
        }
    }

    /// Maps `id` to `allocator`. Usable in a constant context, so a registry can be built at compile time.
    ///
    /// # Errors
    ///
    /// [`RegistryError::Duplicate`] if `id` is already registered, [`RegistryError::Full`] if all `N` entries
    /// are taken; the registry is unchanged.
    pub const fn register(
        &mut self,
        id: MemoryId,
        allocator: &'a (dyn MemAllocator + Sync),
    ) -> Result<(), RegistryError> {
        let mut index = 0;
        while index < N {
            if let Some((registered, _)) = self.entries[index] {
                if registered.0 == id.0 {
                    return Err(RegistryError::Duplicate { id });
                }
            }
            index += 1;
        }
        if self.len >= N {
            return Err(RegistryError::Full { capacity: N });
        }
        self.entries[self.len] = Some((id, allocator));
        self.len += 1;
        Ok(())
    }

    /// The allocator registered for `id`, if any.
    pub fn get(&self, id: MemoryId) -> Option<&'a (dyn MemAllocator + Sync)> {
        self.iter()
            .find(|&(registered, _)| registered == id)
            .map(|(_, allocator)| allocator)
    }

    /// The allocator registered for `id`, or the default.
    pub fn get_or_default(&self, id: MemoryId) -> &'a (dyn MemAllocator + Sync) {
        self.get(id).unwrap_or(self.default)
    }

    /// The allocator for ids not registered.
    pub fn default_allocator(&self) -> &'a (dyn MemAllocator + Sync) {
        self.default
    }

    /// The registered ids and their allocators, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = (MemoryId, &'a (dyn MemAllocator + Sync))> + '_ {
        self.entries.iter().flatten().copied()
    }

    /// How many ids are registered.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether no id is registered.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `N`, the most ids the registry can hold.
    pub const fn capacity(&self) -> usize {
        N
    }
}

impl<const N: usize> core::fmt::Debug for MemAllocatorRegistry<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        /// The registered ids, as a list.
        struct Ids<'r, 'a, const N: usize>(&'r MemAllocatorRegistry<'a, N>);

        impl<const N: usize> core::fmt::Debug for Ids<'_, '_, N> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_list()
                    .entries(self.0.iter().map(|(id, _)| id))
                    .finish()
            }
        }

        f.debug_struct("MemAllocatorRegistry")
            .field("ids", &Ids(self))
            .field("capacity", &N)
            .finish_non_exhaustive()
    }
}
