//! A region of memory from `memory.toml` as an F´ initialisation-time allocator.

use core::ptr::NonNull;

use crate::storage::Arena;
use crate::sync::{AtomicUsize, Ordering, const_fn_unless_loom};
use crate::{
    Align, Alignment, AllocError, AllocationStrategy, Allocator, FreeError, MemAllocator, MemBlock,
    MemoryId, MemoryStats, StatsSnapshot, align_up,
};

/// A region of RAM (a `[regions.NAME]` of `memory.toml`) that carves blocks for components while they are
/// configured: F´'s pattern of handing `configure` a `&dyn MemAllocator`.
///
/// Blocks are bumped off the region with one compare-and-swap, so the region is `Sync` and lock-free and can
/// be a `static` shared by every component.
///
/// # Blocks and alignment
///
/// The region has a *block alignment* `G` (16 unless set with
/// [`with_block_align`](MemoryRegion::with_block_align); [`static_allocator!`](crate::static_allocator) uses the
/// storage's alignment). Every block starts at a multiple of `G` and takes a multiple of `G` bytes, so no
/// request ever needs padding, which is what lets blocks be given back exactly:
///
/// * a request aligned to at most `G` always gets exactly the size asked for (never less: F´ allows an allocator
///   to hand out less, but for initialisation-time memory that only moves the failure, so a request that does
///   not fit is an error);
/// * a request aligned to more than `G` is refused with [`AllocError::UnsupportedAlignment`];
/// * if the region's memory does not start on a multiple of `G` (a borrowed slice), the bytes before the first
///   multiple are not used.
///
/// # Giving blocks back
///
/// [`MemAllocator::deallocate`] of the most recent block rolls the region back to where it was before that
/// block, so components torn down in the reverse order of their configuration return all of their memory. Any
/// other block is refused with [`FreeError::OutOfOrder`] and stays reserved until the region is
/// [`reset`](MemoryRegion::reset).
///
/// Through the crate's [`Allocator`] trait a region only carves (its strategy,
/// [`AllocationStrategy::Region`], does not free one by one): [`Allocator::deallocate`] takes a bare pointer,
/// which anyone can copy out of a [`MemBlock`], so it must not free the block under the component that owns it.
/// It refuses with [`FreeError::Unsupported`].
///
/// A block is recognised by its address and length. Only `unsafe` code can forge a second `MemBlock` over a block
/// that is still out ([`MemBlock::from_slice`]'s contract forbids it), so giving back a block is safe.
///
/// # Statistics
///
/// `used` counts whole blocks (multiples of `G`); its peak is the region's high-water mark,
/// [`high_water`](MemoryRegion::high_water). `failures` counts refused requests and refused blocks.
///
/// ```
/// use flight_memory::{static_allocator, FreeError, MemAllocator, MemoryId};
///
/// static_allocator! {
///     static SRAM: MemoryRegion("sram", 4096, align = 8);
/// }
///
/// let region: &dyn MemAllocator = &SRAM;
/// let mut queue = region.allocate(MemoryId(1), 1000, 8)?;
/// let table = region.allocate(MemoryId(2), 100, 4)?;
/// queue.as_mut_slice().fill(0);
/// assert_eq!((queue.len(), SRAM.used_memory()), (1000, 1000 + 104));
///
/// // Teardown in reverse order gives everything back.
/// region.deallocate(MemoryId(2), table)?;
/// region.deallocate(MemoryId(1), queue)?;
/// assert_eq!((SRAM.used_memory(), SRAM.high_water()), (0, 1104));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MemoryRegion<'a> {
    name: &'static str,
    arena: Arena<'a>,
    /// `G`, a power of two: blocks start `G`-aligned and take multiples of `G` bytes.
    block_align: usize,
    /// Bytes carved, counted from the first `G`-aligned byte of the arena: a multiple of `G`, at most the
    /// capacity. Grows by compare-and-swap (`Acquire`, pairing with the `Release` of a roll-back that gave the
    /// bytes back); goes down only by rolling back the most recent block and in `reset`.
    offset: AtomicUsize,
    stats: MemoryStats,
}

impl<'a> MemoryRegion<'a> {
    /// The block alignment of a region unless [`with_block_align`](MemoryRegion::with_block_align) says
    /// otherwise.
    pub const DEFAULT_BLOCK_ALIGN: usize = 16;

    const_fn_unless_loom! {
        /// A region called `name` over `bytes`, which it borrows for `'a`.
        ///
        /// ```
        /// use flight_memory::{MemAllocator, MemoryId, MemoryRegion};
        ///
        /// let mut ram = [0u8; 256];
        /// let region = MemoryRegion::from_slice("test", &mut ram);
        /// let block = region.allocate(MemoryId(7), 10, 4)?;
        /// assert_eq!(block.len(), 10);
        /// # Ok::<(), flight_memory::AllocError>(())
        /// ```
        pub fn from_slice(name: &'static str, bytes: &'a mut [u8]) -> Self {
            Self::with_arena(name, Arena::from_slice(bytes))
        }
    }

    const_fn_unless_loom! {
        /// A region called `name` over the `len` bytes at `ptr`: the constructor for generated code, which keeps
        /// the storage in a private `static` (see [`StaticStorage`](crate::StaticStorage)).
        ///
        /// # Safety
        ///
        /// * `ptr` is valid for reads and writes of `len` bytes for `'a`, and those bytes are one allocated
        ///   object (a `static`, or one allocation);
        /// * nothing else reads or writes those bytes while the region or any block it handed out is in use: in
        ///   particular, no second allocator is built over them.
        pub unsafe fn from_raw_parts(name: &'static str, ptr: NonNull<u8>, len: usize) -> Self {
            // SAFETY: forwarded from this function's contract.
            Self::with_arena(name, unsafe { Arena::from_raw_parts(ptr, len) })
        }
    }

    const_fn_unless_loom! {
        fn with_arena(name: &'static str, arena: Arena<'a>) -> Self {
            MemoryRegion {
                name,
                arena,
                block_align: Self::DEFAULT_BLOCK_ALIGN,
                offset: AtomicUsize::new(0),
                stats: MemoryStats::new(),
            }
        }
    }

    /// The same region with block alignment `G` (a power of two up to 4096; anything else does not compile).
    /// Set it before the first block is carved.
    ///
    /// ```
    /// use flight_memory::{AllocError, MemoryId, MemoryRegion};
    ///
    /// let mut ram = [0u8; 256];
    /// let region = MemoryRegion::from_slice("dtcm", &mut ram).with_block_align::<4>();
    /// let block = region.allocate(MemoryId(1), 3, 4)?;
    /// assert_eq!((block.len(), region.used_memory()), (3, 4));
    /// assert_eq!(
    ///     region.allocate(MemoryId(1), 8, 8).unwrap_err(),
    ///     AllocError::UnsupportedAlignment { align: 8, max: 4 }
    /// );
    /// # Ok::<(), AllocError>(())
    /// ```
    pub const fn with_block_align<const G: usize>(mut self) -> Self
    where
        Align<G>: Alignment,
    {
        self.block_align = G;
        self
    }

    /// The region's name, as in `memory.toml`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// `G`: every block is aligned to it and takes a multiple of it.
    pub const fn block_align(&self) -> usize {
        self.block_align
    }

    /// `(lead, capacity)`: the bytes skipped before the first `G`-aligned byte, and the bytes usable from
    /// there (a multiple of `G`); `None` if the memory holds no `G`-aligned address at all.
    #[inline]
    fn geometry(&self) -> Option<(usize, usize)> {
        let g = self.block_align;
        let addr = self.arena.addr();
        let lead = align_up(addr, g)? - addr;
        let usable = self.arena.len().checked_sub(lead)?;
        Some((lead, usable - usable % g))
    }

    #[cold]
    #[inline(never)]
    fn refuse<E>(&self, error: E) -> E {
        self.stats.record_failure();
        error
    }

    /// Carves a block of `size` bytes aligned to `align`.
    fn carve(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        let g = self.block_align;
        if !align.is_power_of_two() {
            return Err(self.refuse(AllocError::InvalidAlignment { align }));
        }
        if align > g {
            return Err(self.refuse(AllocError::UnsupportedAlignment { align, max: g }));
        }
        let Some(taken) = align_up(size, g) else {
            return Err(self.refuse(AllocError::SizeOverflow));
        };
        let Some((lead, capacity)) = self.geometry() else {
            return Err(self.refuse(AllocError::OutOfMemory {
                requested: size,
                remaining: 0,
            }));
        };
        let mut current = self.offset.load(Ordering::Relaxed);
        loop {
            let end = current
                .checked_add(taken)
                .filter(|&end| end <= capacity)
                .ok_or(AllocError::OutOfMemory {
                    requested: size,
                    remaining: capacity.saturating_sub(current),
                })
                .map_err(|e| self.refuse(e))?;
            let ptr = self
                .arena
                .ptr_at(lead + current)
                .ok_or_else(|| self.refuse(AllocError::SizeOverflow))?;
            match self.offset.compare_exchange_weak(
                current,
                end,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    self.stats.record_allocation(taken);
                    return Ok(ptr);
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// Rolls back the block of `size` bytes at `ptr` if it is the most recent one.
    fn give_back(&self, ptr: NonNull<u8>, size: usize) -> Result<(), FreeError> {
        let g = self.block_align;
        let (lead, capacity) = self
            .geometry()
            .ok_or_else(|| self.refuse(FreeError::ForeignPointer))?;
        let start = self
            .arena
            .offset_of(ptr)
            .and_then(|offset| offset.checked_sub(lead))
            .filter(|&start| start <= capacity)
            .ok_or_else(|| self.refuse(FreeError::ForeignPointer))?;
        if start % g != 0 {
            return Err(self.refuse(FreeError::NotBlockStart { offset: start % g }));
        }
        let taken = align_up(size, g).ok_or_else(|| self.refuse(FreeError::NotAllocated))?;
        if taken == 0 {
            // An empty block holds no bytes, so there is nothing to roll back; an older block may even have
            // rolled back past it already.
            self.stats.record_free(0);
            return Ok(());
        }
        let end = start
            .checked_add(taken)
            .ok_or_else(|| self.refuse(FreeError::NotAllocated))?;
        let mut current = self.offset.load(Ordering::Relaxed);
        loop {
            if end != current {
                return Err(self.refuse(if end < current {
                    FreeError::OutOfOrder
                } else {
                    FreeError::NotAllocated
                }));
            }
            match self.offset.compare_exchange_weak(
                current,
                start,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    self.stats.record_free(end - start);
                    return Ok(());
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// Carves a block for `id`: [`MemAllocator::allocate`], callable without naming the trait (a region also
    /// implements [`Allocator`], whose `allocate` takes no id).
    ///
    /// # Errors
    ///
    /// As [`MemAllocator::allocate`] for a region: [`AllocError::OutOfMemory`],
    /// [`AllocError::UnsupportedAlignment`], [`AllocError::InvalidAlignment`], [`AllocError::SizeOverflow`].
    #[inline]
    pub fn allocate(
        &self,
        id: MemoryId,
        size: usize,
        align: usize,
    ) -> Result<MemBlock<'_>, AllocError> {
        MemAllocator::allocate(self, id, size, align)
    }

    /// Gives `block` back: [`MemAllocator::deallocate`], callable without naming the trait.
    ///
    /// # Errors
    ///
    /// As [`MemAllocator::deallocate`] for a region: [`FreeError::OutOfOrder`] if a newer block is out,
    /// [`FreeError::ForeignPointer`], [`FreeError::NotBlockStart`], [`FreeError::NotAllocated`].
    #[inline]
    pub fn deallocate(&self, id: MemoryId, block: MemBlock<'_>) -> Result<(), FreeError> {
        MemAllocator::deallocate(self, id, block)
    }

    /// Gives every block back at once. Keeps the peak and the counts in [`stats`](MemoryRegion::stats).
    pub fn reset(&mut self) {
        self.offset.store(0, Ordering::Relaxed);
        self.stats.record_reset();
    }

    /// Bytes in blocks handed out (whole multiples of the block alignment).
    #[inline]
    pub fn used_memory(&self) -> usize {
        self.offset.load(Ordering::Relaxed)
    }

    /// Bytes the region can hand out: its size, less the bytes before the first aligned one and after the last
    /// whole multiple of the block alignment.
    #[inline]
    pub fn total_memory(&self) -> usize {
        self.geometry().map_or(0, |(_, capacity)| capacity)
    }

    /// Bytes not handed out.
    #[inline]
    pub fn available_memory(&self) -> usize {
        self.total_memory().saturating_sub(self.used_memory())
    }

    /// The most bytes ever in use at once.
    #[inline]
    pub fn high_water(&self) -> usize {
        self.stats.snapshot().peak
    }

    /// The region's statistics now.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }
}

impl MemAllocator for MemoryRegion<'_> {
    /// Carves a block of exactly `size` bytes aligned to `align`; `id` is not used.
    ///
    /// # Errors
    ///
    /// [`AllocError::OutOfMemory`] if it does not fit, [`AllocError::UnsupportedAlignment`] if `align` exceeds
    /// the block alignment, [`AllocError::InvalidAlignment`], [`AllocError::SizeOverflow`].
    fn allocate(
        &self,
        _id: MemoryId,
        size: usize,
        align: usize,
    ) -> Result<MemBlock<'_>, AllocError> {
        let ptr = self.carve(size, align)?;
        // SAFETY: `carve` reserved `size` bytes at `ptr` inside the region's memory, valid for `'a`, which
        // outlives the borrow of `self`; they are handed out to nobody else until this block is given back.
        Ok(unsafe { MemBlock::from_raw_parts(ptr, size, false) })
    }

    /// Rolls the region back if `block` is the most recent block.
    ///
    /// # Errors
    ///
    /// [`FreeError::OutOfOrder`] if a newer block is still out (`block` stays reserved until
    /// [`reset`](MemoryRegion::reset)), [`FreeError::ForeignPointer`], [`FreeError::NotBlockStart`] or
    /// [`FreeError::NotAllocated`] for a block this region did not hand out.
    fn deallocate(&self, _id: MemoryId, block: MemBlock<'_>) -> Result<(), FreeError> {
        self.give_back(block.as_ptr(), block.len())
    }
}

impl Allocator for MemoryRegion<'_> {
    fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        self.carve(size, align)
    }

    /// Refuses: blocks go back through [`MemAllocator::deallocate`], which takes the block itself.
    ///
    /// # Errors
    ///
    /// [`FreeError::ForeignPointer`] if `ptr` is not in the region, else [`FreeError::Unsupported`]; both are
    /// counted as failures.
    unsafe fn deallocate(&self, ptr: NonNull<u8>, _size: usize) -> Result<(), FreeError> {
        Err(self.refuse(match self.arena.offset_of(ptr) {
            None => FreeError::ForeignPointer,
            Some(_) => FreeError::Unsupported {
                strategy: AllocationStrategy::Region,
            },
        }))
    }

    fn used_memory(&self) -> usize {
        MemoryRegion::used_memory(self)
    }

    fn total_memory(&self) -> usize {
        MemoryRegion::total_memory(self)
    }

    fn stats(&self) -> StatsSnapshot {
        MemoryRegion::stats(self)
    }

    fn strategy(&self) -> AllocationStrategy {
        AllocationStrategy::Region
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn misaligned_memory_is_skipped_and_counted_out() {
        let mut ram = [0u8; 100];
        let start = ram.as_ptr().addr();
        let skip = align_up(start, 16).unwrap() - start;
        let region = MemoryRegion::from_slice("r", &mut ram[(skip + 1) % 16..]);
        assert_eq!(region.total_memory() % 16, 0);
        let block = Allocator::allocate(&region, 1, 16).unwrap();
        assert_eq!(block.as_ptr().addr() % 16, 0);
    }

    #[test]
    fn only_the_newest_block_rolls_back() {
        let mut ram = [0u8; 128];
        let region = MemoryRegion::from_slice("r", &mut ram).with_block_align::<8>();
        let a = region.carve(5, 1).unwrap();
        let b = region.carve(9, 8).unwrap();
        assert_eq!(region.used_memory(), 24);
        assert_eq!(region.give_back(a, 5), Err(FreeError::OutOfOrder));
        assert_eq!(region.give_back(b, 30), Err(FreeError::NotAllocated));
        // SAFETY: a region never frees through a raw pointer; it refuses this one and changes nothing.
        let refused = unsafe { Allocator::deallocate(&region, b, 9) };
        assert_eq!(
            refused,
            Err(FreeError::Unsupported {
                strategy: AllocationStrategy::Region
            })
        );
        region.give_back(b, 9).unwrap();
        region.give_back(a, 5).unwrap();
        assert_eq!(region.used_memory(), 0);
        assert_eq!(region.stats().failures, 3);
    }
}
