//! The memory behind [`LinearAllocator`](crate::LinearAllocator), [`StackAllocator`](crate::StackAllocator) and
//! [`MemoryRegion`](crate::MemoryRegion): static storage that a `static` allocator can own soundly, the private
//! [`Arena`] (a borrowed, static or heap-owned run of bytes with the offset arithmetic every bump allocator
//! needs), and the typed placement used by the bumpalo-style helpers.
//!
//! # Declaring an allocator as a `static`
//!
//! An allocator holds a pointer to its bytes, and two allocators over the same bytes would hand out the same
//! memory twice. So the bytes of a `static` allocator live in a [`StaticStorage`] that nothing else can name:
//!
//! * hand-written code uses [`static_allocator!`](crate::static_allocator), which declares the storage inside
//!   the allocator's initialiser, where no other item can reach it;
//! * generated code (flight-memory-gen) keeps the storage in a private `static` of its own and calls the
//!   allocator's `unsafe` `from_raw_parts`, whose contract is exactly that nothing else uses those bytes.
//!
//! Both cost nothing at run time: the allocator is built by constant evaluation, the storage is zero bytes in
//! `.bss` (or in the region's link section), and the allocator's state (offsets, counters) stays in the
//! allocator's own `static`, which start-up code initialises like any other.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::{Align, AlignedBytes, Alignment, AllocError, align_up};

/// `N` bytes aligned to `A` (16 unless said otherwise) for one `static` allocator, with interior mutability so
/// that the allocator can write through a shared `static`.
///
/// The storage does nothing by itself: an allocator built over it with
/// [`static_allocator!`](crate::static_allocator) or an `unsafe` `from_raw_parts` constructor hands its bytes
/// out. Keep it private to that one allocator (the macro does): two allocators over the same storage would
/// hand out the same bytes.
///
/// ```
/// use flight_memory::{LinearAllocator, StaticStorage};
///
/// static STORAGE: StaticStorage<256, 32> = StaticStorage::new();
/// // SAFETY: `STORAGE` is used by this allocator only.
/// static SCRATCH: LinearAllocator<'static> =
///     unsafe { LinearAllocator::from_raw_parts(STORAGE.as_mut_ptr(), STORAGE.len()) };
///
/// assert_eq!(SCRATCH.total_memory(), 256);
/// assert_eq!(SCRATCH.allocate(8, 32)?.as_ptr() as usize % 32, 0);
/// # Ok::<(), flight_memory::AllocError>(())
/// ```
#[repr(transparent)]
pub struct StaticStorage<const N: usize, const A: usize = 16>
where
    Align<A>: Alignment,
{
    /// Only ever accessed through the pointer from [`as_mut_ptr`](StaticStorage::as_mut_ptr), by the one
    /// allocator the storage was given to.
    bytes: UnsafeCell<AlignedBytes<N, A>>,
}

// SAFETY: the storage never reads or writes its bytes itself. Access goes through the raw pointer from
// `as_mut_ptr`, and the `unsafe` constructors that take that pointer make their caller promise that one allocator
// uses it; that allocator synchronises its own accesses.
unsafe impl<const N: usize, const A: usize> Sync for StaticStorage<N, A> where Align<A>: Alignment {}

impl<const N: usize, const A: usize> StaticStorage<N, A>
where
    Align<A>: Alignment,
{
    /// `N` zero bytes: a `static` of this type lives in `.bss` and costs no start-up time.
    pub const fn new() -> Self {
        StaticStorage {
            bytes: UnsafeCell::new(AlignedBytes::zeroed()),
        }
    }

    /// The first byte, aligned to `A`. Getting the pointer is safe; handing it to an allocator is not.
    pub const fn as_mut_ptr(&self) -> NonNull<u8> {
        let bytes: *mut AlignedBytes<N, A> = self.bytes.get();
        // `AlignedBytes` is `repr(C)` with a zero-sized alignment field before the bytes, so its address is the
        // address of its first byte.
        match NonNull::new(bytes.cast::<u8>()) {
            Some(first) => first,
            // `UnsafeCell::get` of a reference is never null.
            None => NonNull::dangling(),
        }
    }

    /// `N`, the size in bytes.
    pub const fn len(&self) -> usize {
        N
    }

    /// Whether `N` is zero.
    pub const fn is_empty(&self) -> bool {
        N == 0
    }

    /// `A`, the alignment of the first byte.
    pub const fn align(&self) -> usize {
        A
    }
}

impl<const N: usize, const A: usize> Default for StaticStorage<N, A>
where
    Align<A>: Alignment,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, const A: usize> core::fmt::Debug for StaticStorage<N, A>
where
    Align<A>: Alignment,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StaticStorage")
            .field("len", &N)
            .field("align", &A)
            .finish()
    }
}

/// Declares `static` allocators whose storage nothing else can reach: the sound, zero-cost way to write a
/// [`LinearAllocator`](crate::LinearAllocator), [`StackAllocator`](crate::StackAllocator) or
/// [`MemoryRegion`](crate::MemoryRegion) by hand.
///
/// Each item expands to a `static` of type `LinearAllocator<'static>`, `StackAllocator<'static>` or
/// `MemoryRegion<'static>` whose initialiser declares its [`StaticStorage`] inside, so no other code can name
/// the bytes. The size and alignment must be constants; the alignment defaults to 16 and must be a power of two
/// up to 4096 (anything else does not compile). `section = "..."` places the storage bytes (only the bytes, not
/// the allocator's state, which stays where start-up code initialises it) in a link section. The arguments are
/// evaluated outside the macro's own `unsafe` block, so an unsafe operation in one needs an `unsafe` the caller
/// writes.
///
/// A `MemoryRegion` carves blocks in multiples of its alignment (see
/// [`MemoryRegion`](crate::MemoryRegion#blocks-and-alignment)).
///
/// ```
/// use flight_memory::{static_allocator, LinearAllocator};
///
/// static_allocator! {
///     /// Scratch memory for one telemetry cycle.
///     pub static SCRATCH: LinearAllocator(4096);
///     static FRAMES: StackAllocator(1024, align = 64);
///     static SRAM: MemoryRegion("sram", 8192, align = 8);
/// }
///
/// let reading = SCRATCH.alloc(21.5f32)?;
/// *reading += 1.0;
/// assert_eq!(SCRATCH.used_memory(), 4);
/// assert_eq!(FRAMES.total_memory(), 1024);
/// assert_eq!(SRAM.name(), "sram");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Placing the storage in a section (the name is target-specific; ELF targets accept any name):
///
/// ```
/// # #[cfg(target_os = "linux")]
/// flight_memory::static_allocator! {
///     static DTCM_SCRATCH: LinearAllocator(512, align = 8, section = ".bss.dtcm");
/// }
/// ```
#[macro_export]
macro_rules! static_allocator {
    () => {};
    (
        $(#[$attr:meta])*
        $vis:vis static $name:ident : LinearAllocator(
            $size:expr $(, align = $align:expr)? $(, section = $section:literal)? $(,)?
        );
        $($rest:tt)*
    ) => {
        $crate::static_allocator!(@bump LinearAllocator $(#[$attr])* $vis $name $size; $($align)?; $($section)?);
        $crate::static_allocator!($($rest)*);
    };
    (
        $(#[$attr:meta])*
        $vis:vis static $name:ident : StackAllocator(
            $size:expr $(, align = $align:expr)? $(, section = $section:literal)? $(,)?
        );
        $($rest:tt)*
    ) => {
        $crate::static_allocator!(@bump StackAllocator $(#[$attr])* $vis $name $size; $($align)?; $($section)?);
        $crate::static_allocator!($($rest)*);
    };
    // The one expansion of both bump allocators, which take the same storage and constructor.
    (@bump $kind:ident $(#[$attr:meta])* $vis:vis $name:ident $size:expr; $($align:expr)?; $($section:literal)?) => {
        $(#[$attr])*
        $vis static $name: $crate::$kind<'static> = {
            $(#[unsafe(link_section = $section)])?
            static STORAGE: $crate::StaticStorage<{ $size }, { $crate::__default_align!($($align)?) }> =
                $crate::StaticStorage::new();
            // SAFETY: `STORAGE` is declared inside this initialiser, which runs once, at compile time, for this
            // `static`: no other code can name it, so this allocator is the only user of its bytes, which are
            // valid for `'static`.
            unsafe { $crate::$kind::from_raw_parts(STORAGE.as_mut_ptr(), STORAGE.len()) }
        };
    };
    (
        $(#[$attr:meta])*
        $vis:vis static $name:ident : MemoryRegion(
            $region:expr, $size:expr $(, align = $align:expr)? $(, section = $section:literal)? $(,)?
        );
        $($rest:tt)*
    ) => {
        $(#[$attr])*
        $vis static $name: $crate::MemoryRegion<'static> = {
            $(#[unsafe(link_section = $section)])?
            static STORAGE: $crate::StaticStorage<{ $size }, { $crate::__default_align!($($align)?) }> =
                $crate::StaticStorage::new();
            // The caller's name is evaluated here, outside the `unsafe` block below, so that it cannot use unsafe
            // operations without an `unsafe` of its own.
            const __FLIGHT_MEMORY_REGION: &str = $region;
            // SAFETY: as for the bump allocators above: `STORAGE` is reachable from this region only.
            unsafe {
                $crate::MemoryRegion::from_raw_parts(
                    __FLIGHT_MEMORY_REGION,
                    STORAGE.as_mut_ptr(),
                    STORAGE.len(),
                )
            }
                .with_block_align::<{ $crate::__default_align!($($align)?) }>()
        };
        $crate::static_allocator!($($rest)*);
    };
}

/// The alignment of [`static_allocator!`] storage: the one given, or 16.
#[doc(hidden)]
#[macro_export]
macro_rules! __default_align {
    () => {
        16
    };
    ($align:expr) => {
        $align
    };
}

/// The alignment of heap-backed arenas (`LinearAllocator::new`, `StackAllocator::new`): what `malloc` gives on
/// the hosts that have a heap.
#[cfg(feature = "alloc")]
pub(crate) const HEAP_ALIGN: usize = 16;

/// A run of `len` bytes that one allocator owns for `'a`: borrowed (`&'a mut [u8]`), static (through an
/// `unsafe` constructor), or allocated on the heap and freed on drop.
///
/// The arena never reads or writes the bytes itself; it does the address arithmetic of bump allocation.
#[derive(Debug)]
pub(crate) struct Arena<'a> {
    /// The first byte. Valid for reads and writes of `len` bytes for `'a`, and accessed by nothing but the owner
    /// of this arena (and whoever it hands the bytes to).
    base: NonNull<u8>,
    /// Size in bytes; `base + len` does not wrap around (the bytes are one allocated object).
    len: usize,
    /// `Some(align)` when the bytes were allocated on the heap with `Layout(len, align)` and are freed on drop.
    #[cfg(feature = "alloc")]
    heap: Option<usize>,
    _bytes: PhantomData<&'a mut [u8]>,
}

// SAFETY: an arena is an exclusive handle to its bytes, like `&'a mut [u8]`, which is `Send`. It holds no
// thread-affine state; the heap bytes, if any, can be freed from any thread.
unsafe impl Send for Arena<'_> {}
// SAFETY: shared access to an arena only reads its address and length; the allocators that hand out the bytes
// through `&self` synchronise that themselves.
unsafe impl Sync for Arena<'_> {}

/// Where a request lands: bytes `start..end` of the arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Placement {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// What a bump allocation takes: a pointer to its first byte, and the offset just past its last byte (the
/// allocator's next offset) with a pointer to it. `end <= len` of the arena that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Claim {
    pub(crate) ptr: NonNull<u8>,
    pub(crate) end: usize,
    pub(crate) next: NonNull<u8>,
}

/// The largest size and alignment that bump allocators place with [`bump_up`], their one-comparison fast path.
pub(crate) const FAST_BUMP_MAX: usize = 1 << 16;

/// Where `size` bytes aligned to `align` land when the free space starts at address `next`: the address of the
/// first byte, and the address just past the last, both computed wrapping. Exact unless `next + align - 1 + size`
/// passes the top of the address space; for `size` and `align` up to [`FAST_BUMP_MAX`], that wrap leaves the end
/// below `next`, and cannot happen at all below an arena's [`fast_limit`](Arena::fast_limit).
///
/// `align` is a power of two.
#[inline(always)]
pub(crate) fn bump_up(next: usize, size: usize, align: usize) -> (usize, usize) {
    debug_assert!(align.is_power_of_two());
    let start = next.wrapping_add(align - 1) & !(align - 1);
    (start, start.wrapping_add(size))
}

/// Whether a request of `size` bytes aligned to `align` may take the fast path of [`bump_up`] (folded away for a
/// typed allocation, whose size and alignment are constants).
#[inline(always)]
pub(crate) fn is_fast_bump(size: usize, align: usize) -> bool {
    align.is_power_of_two() && size <= FAST_BUMP_MAX && align <= FAST_BUMP_MAX
}

impl<'a> Arena<'a> {
    /// The bytes of `bytes`, borrowed for `'a`.
    pub(crate) const fn from_slice(bytes: &'a mut [u8]) -> Self {
        let len = bytes.len();
        let base = match NonNull::new(bytes.as_mut_ptr()) {
            Some(base) => base,
            // A slice pointer is never null.
            None => NonNull::dangling(),
        };
        Arena {
            base,
            len,
            #[cfg(feature = "alloc")]
            heap: None,
            _bytes: PhantomData,
        }
    }

    /// The `len` bytes at `base`.
    ///
    /// # Safety
    ///
    /// `base` is valid for reads and writes of `len` bytes for `'a`, those bytes are one allocated object, and
    /// nothing else accesses them while the arena (or memory handed out from it) is in use.
    pub(crate) const unsafe fn from_raw_parts(base: NonNull<u8>, len: usize) -> Self {
        Arena {
            base,
            len,
            #[cfg(feature = "alloc")]
            heap: None,
            _bytes: PhantomData,
        }
    }

    /// `len` bytes from the global heap, aligned to `align`, freed when the arena is dropped.
    ///
    /// # Errors
    ///
    /// [`AllocError::SizeOverflow`] if the layout is invalid (more than `isize::MAX` bytes),
    /// [`AllocError::OutOfMemory`] if the heap is exhausted.
    #[cfg(feature = "alloc")]
    pub(crate) fn heap(len: usize, align: usize) -> Result<Arena<'static>, AllocError> {
        let layout = core::alloc::Layout::from_size_align(len, align)
            .map_err(|_| AllocError::SizeOverflow)?;
        if len == 0 {
            // Nothing to allocate: an aligned dangling pointer is valid for zero bytes.
            let base = NonNull::new(core::ptr::without_provenance_mut::<u8>(align))
                .ok_or(AllocError::InvalidAlignment { align })?;
            // SAFETY: a non-null aligned pointer is valid for reads and writes of zero bytes, forever.
            return Ok(unsafe { Arena::from_raw_parts(base, 0) });
        }
        // SAFETY: `layout` has a non-zero size.
        let base = NonNull::new(unsafe { alloc::alloc::alloc(layout) }).ok_or(
            AllocError::OutOfMemory {
                requested: len,
                remaining: 0,
            },
        )?;
        // SAFETY: the global allocator just gave us `len` bytes at `base`, ours until we free them in `drop`.
        let mut arena = unsafe { Arena::from_raw_parts(base, len) };
        arena.heap = Some(align);
        Ok(arena)
    }

    /// Size in bytes.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The address of the first byte.
    #[inline]
    pub(crate) fn addr(&self) -> usize {
        self.base.as_ptr().addr()
    }

    /// The first byte, with the provenance of the whole arena.
    #[inline]
    pub(crate) const fn base(&self) -> NonNull<u8> {
        self.base
    }

    /// The address one past the last byte.
    #[inline]
    pub(crate) fn end_addr(&self) -> usize {
        self.addr() + self.len
    }

    /// One past the last byte, with the provenance of the whole arena.
    #[inline]
    pub(crate) fn end(&self) -> NonNull<u8> {
        // SAFETY: the arena is `len` bytes of one allocated object from `base`: this is one past its end.
        unsafe { self.base.add(self.len) }
    }

    /// The exclusive upper bound for [`bump_up`]'s end when the arena ends far enough below the top of the
    /// address space that no fast request wraps (`end + 1`), else 0, which sends every request to the exact path.
    #[inline]
    pub(crate) fn fast_limit(&self) -> usize {
        let end = self.end_addr();
        if end <= usize::MAX - 2 * FAST_BUMP_MAX {
            end + 1
        } else {
            0
        }
    }

    /// The offset of `ptr` from the first byte, if `ptr` points into the arena or one past its end.
    #[inline]
    pub(crate) fn offset_of(&self, ptr: NonNull<u8>) -> Option<usize> {
        ptr.as_ptr()
            .addr()
            .checked_sub(self.addr())
            .filter(|&offset| offset <= self.len)
    }

    /// A pointer to byte `offset`, or `None` past the end. The pointer carries the arena's provenance.
    #[inline]
    pub(crate) fn ptr_at(&self, offset: usize) -> Option<NonNull<u8>> {
        if offset > self.len {
            return None;
        }
        // SAFETY: `offset <= len`, so the result is inside the arena's allocated object or one past its end.
        Some(unsafe { self.base.add(offset) })
    }

    /// Where `size` bytes aligned to `align` (an absolute address alignment) go if the free space starts at
    /// byte `from`.
    ///
    /// # Errors
    ///
    /// [`AllocError::InvalidAlignment`] if `align` is not a power of two, [`AllocError::SizeOverflow`] if the
    /// arithmetic overflows, [`AllocError::OutOfMemory`] if the request does not fit below the end.
    #[inline]
    pub(crate) fn place(
        &self,
        from: usize,
        size: usize,
        align: usize,
    ) -> Result<Placement, AllocError> {
        if !align.is_power_of_two() {
            return Err(AllocError::InvalidAlignment { align });
        }
        let base = self.addr();
        let start = base
            .checked_add(from)
            .and_then(|addr| align_up(addr, align))
            .map(|addr| addr - base)
            .ok_or(AllocError::SizeOverflow)?;
        let end = start.checked_add(size).ok_or(AllocError::SizeOverflow)?;
        if end > self.len {
            return Err(AllocError::OutOfMemory {
                requested: size,
                remaining: self.len.saturating_sub(start),
            });
        }
        Ok(Placement { start, end })
    }

    /// [`place`](Arena::place), with a pointer to the first byte: the step a bump allocator takes before it
    /// commits `end` as its new offset. Cheaper than `place` for a bump allocator: its offset is never past the
    /// end, so only one comparison decides whether the request fits.
    ///
    /// # Errors
    ///
    /// As [`place`](Arena::place).
    ///
    /// # Safety
    ///
    /// `from <= len()`: the offset of a bump allocator over this arena, which it never moves past the end.
    #[inline]
    pub(crate) unsafe fn claim(
        &self,
        from: usize,
        size: usize,
        align: usize,
    ) -> Result<Claim, AllocError> {
        debug_assert!(from <= self.len);
        if !align.is_power_of_two() {
            return Err(AllocError::InvalidAlignment { align });
        }
        // `from <= len` (the caller's contract) and the arena is one allocated object, so this address does not
        // wrap; the padding aligns it.
        let pad = (self.addr() + from).wrapping_neg() & (align - 1);
        // `pad < align`, so for a constant `size` (a typed allocation) this addition provably does not overflow
        // and costs no test. `len - from` does not wrap, by the caller's contract.
        match pad.checked_add(size) {
            Some(needed) if needed <= self.len - from => {
                let start = from + pad;
                let end = from + needed;
                // SAFETY: `start <= start + size = end <= len`, so both pointers are inside the arena's allocated
                // object or one past its end.
                let (ptr, next) = unsafe { (self.base.add(start), self.base.add(end)) };
                Ok(Claim { ptr, end, next })
            }
            // `place` works out why, with checked arithmetic, off the hot path.
            _ => Err(self.refusal(from, size, align)),
        }
    }

    #[cold]
    #[inline(never)]
    fn refusal(&self, from: usize, size: usize, align: usize) -> AllocError {
        match self.place(from, size, align) {
            Err(error) => error,
            // Unreachable: `claim` refuses exactly what `place` refuses.
            Ok(_) => AllocError::SizeOverflow,
        }
    }
}

#[cfg(feature = "alloc")]
impl Drop for Arena<'_> {
    fn drop(&mut self) {
        if let Some(align) = self.heap {
            if let Ok(layout) = core::alloc::Layout::from_size_align(self.len, align) {
                // SAFETY: `heap` is set only by `Arena::heap`, which allocated `base` with this very layout (a
                // non-zero size); the arena is being dropped, and everything handed out from it borrowed it.
                unsafe { alloc::alloc::dealloc(self.base.as_ptr(), layout) }
            }
        }
    }
}

/// Typed placement for the bumpalo-style helpers of [`LinearAllocator`](crate::LinearAllocator), its
/// [`ExclusiveLinear`](crate::ExclusiveLinear) view and [`Frame`](crate::Frame): each function turns freshly
/// allocated raw memory into a reference.
///
/// The helpers themselves ([`alloc`], [`alloc_with`], [`alloc_slice_copy`], [`alloc_slice_fill_with`],
/// [`alloc_str`]) are written once here, over any [`RawBump`], and hand out references that borrow the
/// allocator: the linear allocators' public methods are these. The building blocks below them ([`write`],
/// [`copy_slice`], [`fill_with`]) take memory the caller owns for some `'r` of its own (a stack frame's).
pub(crate) mod typed {
    use core::alloc::Layout;
    use core::ptr::NonNull;

    use crate::{AllocError, Rejected};

    /// An allocator as the typed helpers see it: fresh raw memory on request, with its failures counted.
    ///
    /// # Safety
    ///
    /// Memory that [`allocate`](RawBump::allocate) hands out through a borrow `&'s self` is the caller's alone
    /// for `'s`: the allocator neither hands it out again nor reads or writes it before `'s` ends (so whatever
    /// reuses memory, such as a reset, needs `&mut self` or a caller's promise that the memory is no longer in
    /// use). It is valid for `size` bytes and aligned to `align`.
    pub(crate) unsafe trait RawBump {
        /// `size` fresh bytes aligned to `align` (a power of two); a failure is counted by the allocator before
        /// it is returned.
        fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError>;

        /// Counts a request the allocator could not serve, and gives the error back.
        fn refuse(&self, error: AllocError) -> AllocError;
    }

    /// Moves `value` into fresh memory from `bump`, or gives it back with the reason.
    #[inline]
    #[allow(clippy::mut_from_ref)] // fresh memory per call, ours for the borrow of `bump` (`RawBump`'s contract).
    pub(crate) fn alloc<T>(bump: &impl RawBump, value: T) -> Result<&mut T, Rejected<T>> {
        match bump.allocate(size_of::<T>(), align_of::<T>()) {
            // SAFETY: the memory was just handed out for a `T` (size and alignment), and is ours alone for the
            // borrow of `bump` the result keeps (`RawBump`'s contract).
            Ok(ptr) => Ok(unsafe { write(ptr, value) }),
            Err(error) => Err(Rejected::new(value, error)),
        }
    }

    /// Places the value `f` returns, calling `f` only once the memory is found.
    #[inline]
    #[allow(clippy::mut_from_ref)] // as for `alloc`.
    pub(crate) fn alloc_with<T>(
        bump: &impl RawBump,
        f: impl FnOnce() -> T,
    ) -> Result<&mut T, AllocError> {
        let ptr = bump.allocate(size_of::<T>(), align_of::<T>())?;
        // SAFETY: as in `alloc`.
        Ok(unsafe { write(ptr, f()) })
    }

    /// Copies `src` into fresh memory from `bump`.
    #[inline]
    #[allow(clippy::mut_from_ref)] // as for `alloc`.
    pub(crate) fn alloc_slice_copy<'s, T: Copy>(
        bump: &'s impl RawBump,
        src: &[T],
    ) -> Result<&'s mut [T], AllocError> {
        let layout = array_layout::<T>(src.len()).map_err(|e| bump.refuse(e))?;
        let ptr = bump.allocate(layout.size(), layout.align())?;
        // SAFETY: the memory was just handed out for `[T; src.len()]` and is ours alone for the borrow of `bump`
        // (`RawBump`'s contract); it is fresh, so it cannot overlap `src`.
        Ok(unsafe { copy_slice(ptr, src) })
    }

    /// Builds `[f(0), f(1), ..]` of `len` values in fresh memory from `bump`, calling `f` only once the memory
    /// is found.
    #[inline]
    #[allow(clippy::mut_from_ref)] // as for `alloc`.
    pub(crate) fn alloc_slice_fill_with<T>(
        bump: &impl RawBump,
        len: usize,
        f: impl FnMut(usize) -> T,
    ) -> Result<&mut [T], AllocError> {
        let layout = array_layout::<T>(len).map_err(|e| bump.refuse(e))?;
        let ptr = bump.allocate(layout.size(), layout.align())?;
        // SAFETY: the memory was just handed out for `[T; len]` and is ours alone for the borrow of `bump`
        // (`RawBump`'s contract).
        Ok(unsafe { fill_with(ptr, len, f) })
    }

    /// Copies `src` into fresh memory from `bump`.
    #[inline]
    #[allow(clippy::mut_from_ref)] // as for `alloc`.
    pub(crate) fn alloc_str<'s>(
        bump: &'s impl RawBump,
        src: &str,
    ) -> Result<&'s mut str, AllocError> {
        let bytes = alloc_slice_copy(bump, src.as_bytes())?;
        // SAFETY: the bytes are a copy of a `str`, so they are UTF-8.
        Ok(unsafe { core::str::from_utf8_unchecked_mut(bytes) })
    }

    /// The layout of `[T; len]`.
    #[inline]
    pub(crate) fn array_layout<T>(len: usize) -> Result<Layout, AllocError> {
        Layout::array::<T>(len).map_err(|_| AllocError::SizeOverflow)
    }

    /// Moves `value` into `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is valid for writes of a `T`, aligned for `T`, and exclusively the caller's for `'r`.
    #[inline]
    pub(crate) unsafe fn write<'r, T>(ptr: NonNull<u8>, value: T) -> &'r mut T {
        let ptr = ptr.cast::<T>();
        // SAFETY: by this function's contract the memory is valid, aligned and ours for `'r`; after the write it
        // holds an initialised `T`.
        unsafe {
            ptr.as_ptr().write(value);
            &mut *ptr.as_ptr()
        }
    }

    /// Copies `src` into `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is valid for writes of `src.len()` values of `T`, aligned for `T`, exclusively the caller's for
    /// `'r`, and does not overlap `src`.
    #[inline]
    pub(crate) unsafe fn copy_slice<'r, T: Copy>(ptr: NonNull<u8>, src: &[T]) -> &'r mut [T] {
        let ptr = ptr.cast::<T>();
        // SAFETY: by this function's contract the destination is valid for `src.len()` aligned `T`s, ours for
        // `'r`, and disjoint from `src`; after the copy every element is initialised.
        unsafe {
            core::ptr::copy_nonoverlapping(src.as_ptr(), ptr.as_ptr(), src.len());
            core::slice::from_raw_parts_mut(ptr.as_ptr(), src.len())
        }
    }

    /// Fills `len` values of `T` at `ptr` with `f(0)`, `f(1)`, ...
    ///
    /// If `f` panics, the values written so far are leaked (never dropped) and no reference is created.
    ///
    /// # Safety
    ///
    /// `ptr` is valid for writes of `len` values of `T`, aligned for `T`, and exclusively the caller's for `'r`.
    #[inline]
    pub(crate) unsafe fn fill_with<'r, T>(
        ptr: NonNull<u8>,
        len: usize,
        mut f: impl FnMut(usize) -> T,
    ) -> &'r mut [T] {
        let ptr = ptr.cast::<T>();
        for index in 0..len {
            // SAFETY: `index < len`, so the element is inside the memory the contract gives us.
            unsafe { ptr.as_ptr().add(index).write(f(index)) };
        }
        // SAFETY: all `len` elements were written just above; the memory is ours for `'r`.
        unsafe { core::slice::from_raw_parts_mut(ptr.as_ptr(), len) }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn placement_aligns_absolute_addresses_and_refuses_overflow() {
        let mut bytes = [0u8; 64];
        let arena = Arena::from_slice(&mut bytes);
        let base = arena.addr();
        let placed = arena.place(1, 4, 8).unwrap();
        assert_eq!((base + placed.start) % 8, 0);
        assert!(placed.start >= 1);
        assert_eq!(placed.end, placed.start + 4);
        assert_eq!(
            arena.place(0, 3, 3),
            Err(AllocError::InvalidAlignment { align: 3 })
        );
        assert_eq!(arena.place(1, usize::MAX, 1), Err(AllocError::SizeOverflow));
        assert!(matches!(
            arena.place(60, 8, 1),
            Err(AllocError::OutOfMemory {
                requested: 8,
                remaining: 4
            })
        ));
        assert_eq!(arena.offset_of(arena.ptr_at(64).unwrap()), Some(64));
        assert_eq!(arena.ptr_at(65), None);
    }

    #[test]
    fn static_storage_is_aligned() {
        static STORAGE: StaticStorage<10, 64> = StaticStorage::new();
        assert_eq!(STORAGE.as_mut_ptr().as_ptr().addr() % 64, 0);
        assert_eq!((STORAGE.len(), STORAGE.align()), (10, 64));
        assert!(!STORAGE.is_empty());
    }
}
