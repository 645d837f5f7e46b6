//! Where the values of a [`TypedPool`](crate::TypedPool) live: inside the pool, or in a `static` of their own
//! that a linker section can place.

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;

/// The value slots of a [`TypedPool`](crate::TypedPool): room for `N` values of `T`, and nothing else (no state).
///
/// A pool holds its slots inline by default. A `static` of this type lets the slots go to another linker section
/// than the pool's state: give it to [`TypedPool::with_slots`](crate::TypedPool::with_slots). The slots need no
/// initial value, so the section may be one that start-up code neither zeroes nor copies (DTCM, CCM RAM).
///
/// It takes `N * size_of::<T>()` bytes, aligned as `T`. It is `Sync` when `T` is `Send`, like the pool.
///
/// ```
/// use flight_memory::TypedSlots;
///
/// static SLOTS: TypedSlots<[u16; 3], 4> = TypedSlots::new();
/// assert_eq!(core::mem::size_of_val(&SLOTS), 4 * 6);
/// assert_eq!(core::mem::align_of_val(&SLOTS), 2);
/// ```
pub struct TypedSlots<T, const N: usize> {
    /// Slot `i` holds an initialised `T` exactly while block `i` of the one pool that owns the slots is owned by a
    /// `PoolBox`.
    pub(super) cells: [UnsafeCell<MaybeUninit<T>>; N],
}

// SAFETY: `TypedSlots` gives no access to its values by itself. The one pool that owns them (the inline slots of a
// `TypedPool`, or the slots given to `TypedPool::with_slots`, whose contract forbids sharing them) hands each slot
// to one `PoolBox` at a time through its free list, whose release/acquire operations order one owner's accesses
// before the next's. Values are moved in on one thread and may be dropped (or moved out) on another through a box,
// which needs `T: Send`; the slots never give out `&T` to several threads.
unsafe impl<T: Send, const N: usize> Sync for TypedSlots<T, N> {}

impl<T, const N: usize> TypedSlots<T, N> {
    /// Empty slots, all zero bytes: a `static` of this type lives in `.bss`, or in the section it is placed in.
    ///
    /// ```
    /// use flight_memory::TypedSlots;
    ///
    /// static SLOTS: TypedSlots<u64, 8> = TypedSlots::new();
    /// # let _ = &SLOTS;
    /// ```
    pub const fn new() -> Self {
        TypedSlots {
            cells: [const { UnsafeCell::new(MaybeUninit::zeroed()) }; N],
        }
    }
}

impl<T, const N: usize> Default for TypedSlots<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> core::fmt::Debug for TypedSlots<T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TypedSlots")
            .field("type", &core::any::type_name::<T>())
            .field("count", &N)
            .finish()
    }
}

mod sealed {
    pub trait Sealed {}
}

impl<T, const N: usize> sealed::Sealed for TypedSlots<T, N> {}

impl<T, const N: usize> sealed::Sealed for &'static TypedSlots<T, N> {}

/// Where a [`TypedPool`](crate::TypedPool) keeps its values: the last type parameter of the pool.
///
/// * [`TypedSlots`] (the default): inside the pool, built by [`TypedPool::new`](crate::TypedPool::new).
/// * `&'static TypedSlots`: in a `static` of their own, which can carry a `#[unsafe(link_section = ...)]`, given
///   to [`TypedPool::with_slots`](crate::TypedPool::with_slots).
///
/// The trait is sealed: these two are the only forms.
///
/// ```
/// use flight_memory::{TypedPool, TypedSlots};
///
/// // Slots inside the pool: the usual form.
/// static INLINE: TypedPool<u32, 4> = TypedPool::new();
///
/// // Slots in a static of their own.
/// static SLOTS: TypedSlots<u32, 4> = TypedSlots::new();
/// // SAFETY: `SLOTS` is given to this pool only.
/// static SEPARATE: TypedPool<u32, 4, &'static TypedSlots<u32, 4>> =
///     unsafe { TypedPool::with_slots(&SLOTS) };
///
/// assert_eq!(*INLINE.alloc(1)? + *SEPARATE.alloc(2)?, 3);
/// # Ok::<(), flight_memory::Rejected<u32>>(())
/// ```
pub trait TypedStorage<T, const N: usize>: sealed::Sealed {
    /// The slots.
    #[doc(hidden)]
    fn slots(&self) -> &TypedSlots<T, N>;
}

impl<T, const N: usize> TypedStorage<T, N> for TypedSlots<T, N> {
    #[inline]
    fn slots(&self) -> &TypedSlots<T, N> {
        self
    }
}

impl<T, const N: usize> TypedStorage<T, N> for &'static TypedSlots<T, N> {
    #[inline]
    fn slots(&self) -> &TypedSlots<T, N> {
        self
    }
}
