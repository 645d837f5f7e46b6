//! F´'s memory-id to allocator map, with a default, in fixed capacity.

use core::mem::ManuallyDrop;

use heapless::LinearMap;

use crate::{MemAllocator, MemoryId};

/// Why [`MemAllocatorRegistry::register`] refused an allocator (the registry is unchanged), or
/// [`MemAllocatorRegistry::from_entries`] a list of entries.
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

/// An id and the allocator that serves it.
pub type RegistryEntry<'a> = (MemoryId, &'a (dyn MemAllocator + Sync));

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
///
/// A map known at compile time can be a `static`, with [`from_entries`](Self::from_entries):
///
/// ```
/// use flight_memory::{static_allocator, MemAllocator, MemAllocatorRegistry, MemoryId};
///
/// static_allocator! {
///     static SRAM: MemoryRegion("sram", 4096);
///     static DTCM: MemoryRegion("dtcm", 1024);
/// }
/// const ATTITUDE: MemoryId = MemoryId(2);
///
/// static REGISTRY: MemAllocatorRegistry<'static, 2> =
///     match MemAllocatorRegistry::from_entries(&SRAM, &[(ATTITUDE, &DTCM)]) {
///         Ok(registry) => registry,
///         Err(_) => panic!("an id listed twice, or more entries than the capacity"),
///     };
///
/// let _ = REGISTRY.get_or_default(ATTITUDE).allocate(ATTITUDE, 64, 8)?;
/// assert_eq!(DTCM.used_memory(), 64);
/// # Ok::<(), flight_memory::AllocError>(())
/// ```
#[derive(Clone)]
pub struct MemAllocatorRegistry<'a, const N: usize> {
    default: &'a (dyn MemAllocator + Sync),
    /// The entries given to [`from_entries`](Self::from_entries): checked there, never changed.
    fixed: &'a [RegistryEntry<'a>],
    /// The entries of [`register`](Self::register), in registration order; no id is also in `fixed`, and
    /// `fixed.len() + registered.len() <= N`.
    ///
    /// `ManuallyDrop` leaks nothing (ids and references need no drop) and leaves the registry without drop
    /// glue, which a constant needs to match on the `Result` of [`from_entries`](Self::from_entries).
    registered: ManuallyDrop<LinearMap<MemoryId, &'a (dyn MemAllocator + Sync), N>>,
}

impl<'a, const N: usize> MemAllocatorRegistry<'a, N> {
    /// An empty registry that answers every id with `default`.
    pub const fn new(default: &'a (dyn MemAllocator + Sync)) -> Self {
        MemAllocatorRegistry {
            default,
            fixed: &[],
            registered: ManuallyDrop::new(LinearMap::new()),
        }
    }

    /// A registry that maps the ids of `entries` to their allocators, and every other id to `default`.
    /// Usable in a constant context, so a registry can be built at compile time (a `static`); more ids can
    /// still be added with [`register`](Self::register) while there is room.
    ///
    /// # Errors
    ///
    /// [`RegistryError::Duplicate`] if an id is listed twice, [`RegistryError::Full`] if `entries` has more
    /// than `N` entries.
    pub const fn from_entries(
        default: &'a (dyn MemAllocator + Sync),
        entries: &'a [RegistryEntry<'a>],
    ) -> Result<Self, RegistryError> {
        if entries.len() > N {
            return Err(RegistryError::Full { capacity: N });
        }
        let mut index = 0;
        while index < entries.len() {
            let id = entries[index].0;
            let mut earlier = 0;
            while earlier < index {
                if entries[earlier].0.0 == id.0 {
                    return Err(RegistryError::Duplicate { id });
                }
                earlier += 1;
            }
            index += 1;
        }
        Ok(MemAllocatorRegistry {
            default,
            fixed: entries,
            registered: ManuallyDrop::new(LinearMap::new()),
        })
    }

    /// Maps `id` to `allocator`, at run time (F´ builds its registry while the topology is set up); for a
    /// registry built at compile time, see [`from_entries`](Self::from_entries).
    ///
    /// # Errors
    ///
    /// [`RegistryError::Duplicate`] if `id` is already registered, [`RegistryError::Full`] if all `N` entries
    /// are taken; the registry is unchanged.
    pub fn register(
        &mut self,
        id: MemoryId,
        allocator: &'a (dyn MemAllocator + Sync),
    ) -> Result<(), RegistryError> {
        if self.get(id).is_some() {
            return Err(RegistryError::Duplicate { id });
        }
        if self.len() >= N {
            return Err(RegistryError::Full { capacity: N });
        }
        // `id` is new, so `insert` replaces nothing; it refuses only a full map, which the check above rules out.
        match self.registered.insert(id, allocator) {
            Ok(_) => Ok(()),
            Err(_) => Err(RegistryError::Full { capacity: N }),
        }
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

    /// The registered ids and their allocators: those of [`from_entries`](Self::from_entries) in their
    /// order, then those of [`register`](Self::register) in registration order.
    pub fn iter(&self) -> impl Iterator<Item = RegistryEntry<'a>> + '_ {
        self.fixed.iter().copied().chain(
            self.registered
                .iter()
                .map(|(&id, &allocator)| (id, allocator)),
        )
    }

    /// How many ids are registered.
    pub fn len(&self) -> usize {
        self.fixed.len() + self.registered.len()
    }

    /// Whether no id is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
