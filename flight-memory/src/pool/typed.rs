//! The typed pool: `N` blocks sized and aligned for a `T`, handed out as owning boxes.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ptr::NonNull;

use super::ledger::Ledger;
use super::pool_box::PoolBox;
use super::typed_slots::{TypedSlots, TypedStorage};
use crate::free_list::{Link, MAX_CAPACITY};
use crate::sync::const_fn_unless_loom;
use crate::{AllocError, Rejected, StatsSnapshot};

/// A pool of `N` blocks, each holding one `T`: [`alloc`](TypedPool::alloc) moves a value in and returns a
/// [`PoolBox`] that drops it and gives the block back when it goes out of scope.
///
/// Blocks have the size and alignment of `T` and no header; the metadata is 4 bytes per block beside them, as in
/// [`MemoryPool`](crate::MemoryPool) (which describes the costs and the lock-free free list). `new` is a `const
/// fn` whose value is all zero bytes, so a `static` pool lives in `.bss`. A zero-sized `T` works: the pool then
/// counts up to `N` boxes and uses no block memory.
///
/// # Where the memory goes
///
/// By default the values are inside the pool, one `static`. To put them in a region's linker section (which
/// start-up code may neither zero nor copy: DTCM, CCM RAM), declare a [`TypedSlots`] `static` with
/// `#[unsafe(link_section = ...)]` and build the pool with [`with_slots`](TypedPool::with_slots): only the
/// values, which need no initial value, go there; the pool's state stays in the sections start-up code
/// initialises (`.data`, as it holds the slots' address). This is the form code generators emit.
///
/// The pool is `Sync` when `T` is `Send`, since a box allocated on one thread can be dropped on another.
/// Statistics count `size_of::<T>()` bytes per block; see [`MemoryPool`](crate::MemoryPool#statistics).
///
/// `N == 0`, or `N` above what the target's free list can index, is a compile error.
///
/// ```
/// use flight_memory::{AllocError, TypedPool};
///
/// static COMMANDS: TypedPool<u64, 2> = TypedPool::new();
///
/// let first = COMMANDS.alloc(1)?;
/// let second = COMMANDS.alloc(2)?;
/// let refused = COMMANDS.alloc(3).unwrap_err();
/// assert_eq!(refused.error(), AllocError::Exhausted { capacity: 2 });
/// assert_eq!(refused.into_inner(), 3); // the value comes back
/// assert_eq!(format!("{first} {second}"), "1 2");
/// # Ok::<(), flight_memory::Rejected<u64>>(())
/// ```
///
/// ```compile_fail
/// use flight_memory::TypedPool;
///
/// static NONE: TypedPool<u64, 0> = TypedPool::new(); // N must be at least 1
/// ```
///
/// ```compile_fail
/// use std::rc::Rc;
/// use flight_memory::TypedPool;
///
/// static SHARED: TypedPool<Rc<u8>, 4> = TypedPool::new(); // not Sync: an `Rc` must stay on its thread
/// ```
pub struct TypedPool<T, const N: usize, S = TypedSlots<T, N>> {
    /// The free list and counters of the `N` slots.
    ledger: Ledger<[Link; N]>,
    /// The values: inline, or a `&'static TypedSlots` used by this pool only. It makes the pool `Sync` exactly
    /// when `T` is `Send` (see `TypedSlots`).
    slots: S,
    /// Names `T` for the `&'static TypedSlots` form; as `fn(T) -> T`, it adds no auto-trait bound and keeps
    /// the pool invariant in `T`, as the slots' `UnsafeCell` makes it.
    values: PhantomData<fn(T) -> T>,
}

impl<T, const N: usize, S> TypedPool<T, N, S> {
    /// Evaluated by the constructor, so bad const parameters fail compilation.
    const PARAMETERS_OK: () = {
        assert!(N > 0, "TypedPool: N must be at least 1 block");
        assert!(
            N <= MAX_CAPACITY as usize,
            "TypedPool: N is more blocks than the free list can index on this target \
             (2^32 - 3, or 65,533 with 32-bit compare-and-swap only)"
        );
    };
}

impl<T, const N: usize> TypedPool<T, N> {
    const_fn_unless_loom! {
        /// An empty pool. All zero bytes: a `static` pool lives in `.bss`.
        ///
        /// # Panics
        ///
        /// Never at run time. `N == 0` or `N` above the target's limit fail compilation (a panic in constant
        /// evaluation).
        ///
        /// ```
        /// use flight_memory::TypedPool;
        ///
        /// static POOL: TypedPool<[f32; 3], 16> = TypedPool::new();
        /// assert_eq!(POOL.capacity(), 16);
        /// ```
        pub fn new() -> Self {
            let () = Self::PARAMETERS_OK;
            TypedPool { ledger: Ledger::new(), slots: TypedSlots::new(), values: PhantomData }
        }
    }
}

impl<T, const N: usize> TypedPool<T, N, &'static TypedSlots<T, N>> {
    const_fn_unless_loom! {
        /// A pool over slots kept in a `static` of their own, which can be placed in a linker section (see
        /// [Where the memory goes](TypedPool#where-the-memory-goes)).
        ///
        /// # Safety
        ///
        /// No other pool is given the same `slots`: two pools over the same slots would hand out the same slot
        /// twice.
        ///
        /// # Panics
        ///
        /// Never at run time; bad const parameters fail compilation, as for [`new`](TypedPool::new).
        ///
        /// ```
        /// use flight_memory::{TypedPool, TypedSlots};
        ///
        /// // Only the values go to the DTCM section, which start-up code does not zero: they need no initial
        /// // value. The pool's state stays in the sections start-up code initialises.
        /// #[unsafe(link_section = ".dtcm")]
        /// static SAMPLE_SLOTS: TypedSlots<[f32; 3], 16> = TypedSlots::new();
        /// // SAFETY: `SAMPLE_SLOTS` is given to this pool only.
        /// static SAMPLES: TypedPool<[f32; 3], 16, &'static TypedSlots<[f32; 3], 16>> =
        ///     unsafe { TypedPool::with_slots(&SAMPLE_SLOTS) };
        ///
        /// let sample = SAMPLES.alloc([1.0, 2.0, 3.0])?;
        /// let start = &SAMPLE_SLOTS as *const _ as usize;
        /// assert!((start..start + 12 * 16).contains(&(&*sample as *const _ as usize)));
        /// # Ok::<(), flight_memory::Rejected<[f32; 3]>>(())
        /// ```
        pub unsafe fn with_slots(slots: &'static TypedSlots<T, N>) -> Self {
            let () = Self::PARAMETERS_OK;
            TypedPool { ledger: Ledger::new(), slots, values: PhantomData }
        }
    }
}

impl<T, const N: usize, S: TypedStorage<T, N>> TypedPool<T, N, S> {
    #[inline]
    fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Moves `value` into a free block.
    ///
    /// # Errors
    ///
    /// [`Rejected`] with [`AllocError::Exhausted`] and the value, unharmed, when every block is in use (counted
    /// as a failure).
    ///
    /// ```
    /// use flight_memory::TypedPool;
    ///
    /// static NAMES: TypedPool<&str, 1> = TypedPool::new();
    ///
    /// let name = NAMES.alloc("imu")?;
    /// assert_eq!(*name, "imu");
    /// assert_eq!(NAMES.alloc("gps").map_err(|r| r.into_inner()).unwrap_err(), "gps");
    /// # Ok::<(), flight_memory::Rejected<&str>>(())
    /// ```
    #[inline]
    pub fn alloc(&self, value: T) -> Result<PoolBox<'_, T>, Rejected<T>> {
        match self.ledger().take_held() {
            Some((ticket, index)) => {
                // SAFETY: the ledger hands out indices below its capacity, `N`.
                let slot = unsafe { self.slot(index as usize) };
                // SAFETY: the block is ours; its slot is valid for a write of a `T` and holds no value.
                unsafe { slot.as_ptr().write(value) };
                // SAFETY: the ticket's block is ours, taken from this ledger, and `slot` now holds an initialised
                // `T` that nothing else accesses.
                Ok(unsafe { PoolBox::new(slot, self.ledger.thin(), ticket) })
            }
            None => {
                // The error is built here rather than returned by a cold call, so the optimiser can keep the
                // `Result` in registers: a box is then built once, not built and copied.
                self.ledger().record_failure();
                Err(Rejected::new(value, AllocError::Exhausted { capacity: N }))
            }
        }
    }

    /// The `T` in slot `index`.
    ///
    /// # Safety
    ///
    /// `index < N`.
    #[inline]
    unsafe fn slot(&self, index: usize) -> NonNull<T> {
        debug_assert!(index < N);
        // SAFETY: `index < N` (the caller's contract), so the offset stays inside the array.
        let cell = unsafe { self.slots.slots().cells.as_ptr().add(index) };
        // SAFETY: derived from a reference, so not null. `UnsafeCell<MaybeUninit<T>>` has the layout of `T`.
        unsafe { NonNull::new_unchecked(UnsafeCell::raw_get(cell).cast::<T>()) }
    }

    /// How many blocks the pool has: `N`.
    ///
    /// ```
    /// use flight_memory::TypedPool;
    ///
    /// assert_eq!(TypedPool::<u8, 5>::new().capacity(), 5);
    /// ```
    #[inline]
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The size of a block: `size_of::<T>()`.
    ///
    /// ```
    /// use flight_memory::TypedPool;
    ///
    /// assert_eq!(TypedPool::<u32, 5>::new().block_size(), 4);
    /// ```
    #[inline]
    pub const fn block_size(&self) -> usize {
        size_of::<T>()
    }

    /// Boxes alive now. Exact when no other thread is allocating or freeing.
    ///
    /// ```
    /// use flight_memory::TypedPool;
    ///
    /// let pool = TypedPool::<u8, 3>::new();
    /// let _one = pool.alloc(1)?;
    /// assert_eq!(pool.in_use(), 1);
    /// # Ok::<(), flight_memory::Rejected<u8>>(())
    /// ```
    #[inline]
    pub fn in_use(&self) -> usize {
        self.ledger().in_use()
    }

    /// Blocks free now: `capacity() - in_use()`.
    ///
    /// ```
    /// use flight_memory::TypedPool;
    ///
    /// let pool = TypedPool::<u8, 3>::new();
    /// let _one = pool.alloc(1)?;
    /// assert_eq!(pool.available(), 2);
    /// # Ok::<(), flight_memory::Rejected<u8>>(())
    /// ```
    #[inline]
    pub fn available(&self) -> usize {
        N.saturating_sub(self.in_use())
    }

    /// The most boxes that have been alive at once (see [`MemoryPool::high_water`](crate::MemoryPool::high_water)
    /// for how it behaves under races).
    ///
    /// ```
    /// use flight_memory::TypedPool;
    ///
    /// let pool = TypedPool::<u8, 3>::new();
    /// drop((pool.alloc(1)?, pool.alloc(2)?));
    /// assert_eq!(pool.high_water(), 2);
    /// # Ok::<(), flight_memory::Rejected<u8>>(())
    /// ```
    #[inline]
    pub fn high_water(&self) -> usize {
        self.ledger().high_water()
    }

    /// The pool's statistics now, counting `size_of::<T>()` bytes per box.
    ///
    /// ```
    /// use flight_memory::{StatsSnapshot, TypedPool};
    ///
    /// let pool = TypedPool::<u32, 1>::new();
    /// let kept = pool.alloc(7)?;
    /// assert!(pool.alloc(8).is_err());
    /// assert_eq!(
    ///     pool.stats(),
    ///     StatsSnapshot { used: 4, peak: 4, allocations: 1, frees: 0, failures: 1 }
    /// );
    /// # drop(kept);
    /// # Ok::<(), flight_memory::Rejected<u32>>(())
    /// ```
    pub fn stats(&self) -> StatsSnapshot {
        self.ledger().snapshot(size_of::<T>())
    }
}

impl<T, const N: usize> Default for TypedPool<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize, S: TypedStorage<T, N>> core::fmt::Debug for TypedPool<T, N, S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TypedPool")
            .field("type", &core::any::type_name::<T>())
            .field("capacity", &N)
            .field("in_use", &self.in_use())
            .field("high_water", &self.high_water())
            .finish()
    }
}
