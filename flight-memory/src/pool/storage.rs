//! Where the blocks of a [`MemoryPool`](crate::MemoryPool) live: inside the pool, or in a `static` of their own
//! that a linker section can place.

use core::cell::UnsafeCell;
use core::ptr::NonNull;

use crate::{Align, AlignedBytes, Alignment};

/// The block bytes of a [`MemoryPool`](crate::MemoryPool): `COUNT` blocks of `BLOCK_SIZE` bytes, each aligned to
/// `ALIGN`, and nothing else (no header, no state).
///
/// A pool holds its blocks inline by default. A `static` of this type lets the blocks go to another linker section
/// than the pool's state: give it to [`MemoryPool::with_blocks`](crate::MemoryPool::with_blocks). The bytes need no
/// initial value, so the section may be one that start-up code neither zeroes nor copies (DTCM, CCM RAM).
///
/// Each block takes `BLOCK_SIZE` rounded up to `ALIGN` bytes, so that the next one is aligned too.
///
/// ```
/// use flight_memory::PoolBlocks;
///
/// static BLOCKS: PoolBlocks<48, 4, 32> = PoolBlocks::new();
/// // 48 bytes rounded up to the alignment of 32: four blocks of 64 bytes.
/// assert_eq!(core::mem::size_of_val(&BLOCKS), 4 * 64);
/// assert_eq!(core::mem::align_of_val(&BLOCKS), 32);
/// ```
pub struct PoolBlocks<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize = 8>
where
    Align<ALIGN>: Alignment,
{
    /// Only the one pool these blocks belong to accesses them, through the pointers its free list hands out.
    blocks: UnsafeCell<[AlignedBytes<BLOCK_SIZE, ALIGN>; COUNT]>,
}

// SAFETY: `PoolBlocks` gives no access to its bytes by itself. The one pool that owns them (the inline storage of
// a `MemoryPool`, or the blocks given to `MemoryPool::with_blocks`, whose contract forbids sharing them) hands
// each block to one owner at a time through its free list, and the free list's release/acquire operations order
// one owner's accesses before the next owner's.
unsafe impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize> Sync
    for PoolBlocks<BLOCK_SIZE, COUNT, ALIGN>
where
    Align<ALIGN>: Alignment,
{
}

impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize>
    PoolBlocks<BLOCK_SIZE, COUNT, ALIGN>
where
    Align<ALIGN>: Alignment,
{
    /// The distance between the starts of two blocks: `BLOCK_SIZE` rounded up to `ALIGN`.
    pub(crate) const STRIDE: usize = size_of::<AlignedBytes<BLOCK_SIZE, ALIGN>>();

    /// Zeroed blocks: a `static` of this type lives in `.bss`, or in the section it is placed in.
    ///
    /// ```
    /// use flight_memory::PoolBlocks;
    ///
    /// static BLOCKS: PoolBlocks<64, 8> = PoolBlocks::new();
    /// # let _ = &BLOCKS;
    /// ```
    pub const fn new() -> Self {
        PoolBlocks {
            blocks: UnsafeCell::new([AlignedBytes::zeroed(); COUNT]),
        }
    }

    /// The address of the first block.
    #[inline]
    pub(crate) fn base_address(&self) -> usize {
        self.blocks.get().addr()
    }

    /// The first byte of block `index`.
    ///
    /// # Safety
    ///
    /// `index < COUNT`.
    #[inline]
    pub(crate) unsafe fn block(&self, index: usize) -> NonNull<u8> {
        debug_assert!(index < COUNT);
        let first = self.blocks.get().cast::<AlignedBytes<BLOCK_SIZE, ALIGN>>();
        // SAFETY: `index < COUNT` (the caller's contract), so the offset stays inside the array, and the pointer is
        // derived from a reference, so it is not null.
        unsafe { NonNull::new_unchecked(first.add(index).cast::<u8>()) }
    }
}

impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize> Default
    for PoolBlocks<BLOCK_SIZE, COUNT, ALIGN>
where
    Align<ALIGN>: Alignment,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize> core::fmt::Debug
    for PoolBlocks<BLOCK_SIZE, COUNT, ALIGN>
where
    Align<ALIGN>: Alignment,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PoolBlocks")
            .field("block_size", &BLOCK_SIZE)
            .field("count", &COUNT)
            .field("align", &ALIGN)
            .finish()
    }
}

mod sealed {
    pub trait Sealed {}
}

impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize> sealed::Sealed
    for PoolBlocks<BLOCK_SIZE, COUNT, ALIGN>
where
    Align<ALIGN>: Alignment,
{
}

impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize> sealed::Sealed
    for &'static PoolBlocks<BLOCK_SIZE, COUNT, ALIGN>
where
    Align<ALIGN>: Alignment,
{
}

/// Where a [`MemoryPool`](crate::MemoryPool) keeps its blocks: the last type parameter of the pool.
///
/// * [`PoolBlocks`] (the default): inside the pool, built by [`MemoryPool::new`](crate::MemoryPool::new).
/// * `&'static PoolBlocks`: in a `static` of their own, which can carry a `#[unsafe(link_section = ...)]`, given
///   to [`MemoryPool::with_blocks`](crate::MemoryPool::with_blocks).
///
/// The trait is sealed: these two are the only forms.
///
/// ```
/// use flight_memory::{MemoryPool, PoolBlocks};
///
/// // Blocks inside the pool: the usual form.
/// static INLINE: MemoryPool<32, 4> = MemoryPool::new();
///
/// // Blocks in a static of their own.
/// static BLOCKS: PoolBlocks<32, 4> = PoolBlocks::new();
/// // SAFETY: `BLOCKS` is given to this pool only.
/// static SEPARATE: MemoryPool<32, 4, 8, &'static PoolBlocks<32, 4>> =
///     unsafe { MemoryPool::with_blocks(&BLOCKS) };
///
/// assert_eq!(INLINE.allocate()?.len(), SEPARATE.allocate()?.len());
/// # Ok::<(), flight_memory::AllocError>(())
/// ```
pub trait PoolStorage<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize>:
    sealed::Sealed
where
    Align<ALIGN>: Alignment,
{
    /// The blocks.
    #[doc(hidden)]
    fn blocks(&self) -> &PoolBlocks<BLOCK_SIZE, COUNT, ALIGN>;
}

impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize>
    PoolStorage<BLOCK_SIZE, COUNT, ALIGN> for PoolBlocks<BLOCK_SIZE, COUNT, ALIGN>
where
    Align<ALIGN>: Alignment,
{
    #[inline]
    fn blocks(&self) -> &PoolBlocks<BLOCK_SIZE, COUNT, ALIGN> {
        self
    }
}

impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize>
    PoolStorage<BLOCK_SIZE, COUNT, ALIGN> for &'static PoolBlocks<BLOCK_SIZE, COUNT, ALIGN>
where
    Align<ALIGN>: Alignment,
{
    #[inline]
    fn blocks(&self) -> &PoolBlocks<BLOCK_SIZE, COUNT, ALIGN> {
        self
    }
}
