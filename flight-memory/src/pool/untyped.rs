//! The untyped pool: `COUNT` blocks of `BLOCK_SIZE` bytes.

use core::ptr::NonNull;

use super::ledger::Ledger;
use super::pool_block::PoolBlock;
use super::storage::{PoolBlocks, PoolStorage};
use crate::free_list::{Link, MAX_CAPACITY};
use crate::sync::const_fn_unless_loom;
use crate::{
    Align, Alignment, AllocError, AllocationStrategy, Allocator, FreeError, StatsSnapshot,
};

/// A pool of `COUNT` blocks of `BLOCK_SIZE` bytes, each aligned to `ALIGN` (a power of two up to 4096, 8 by
/// default): O(1) allocate and free, in any order, from any thread.
///
/// * **No start-up work, no header.** [`new`](MemoryPool::new) is a `const fn` whose value is all zero bytes,
///   so a `static` pool lives in `.bss`. The only metadata is 4 bytes per block kept beside the blocks (a free-list
///   link), plus a few dozen bytes of free-list head and counters.
/// * **Lock-free** where the target has compare-and-swap (ABA-safe through a tag); a critical section on targets
///   without it. With 64-bit compare-and-swap and up to 65,533 blocks, an allocation or a free is a single
///   compare-and-swap: the free list keeps its counts in its head word, and allocations, frees, blocks in use and
///   the high-water mark (its watermark of blocks ever used) are derived from them when read (larger pools and
///   32-bit targets add an atomic add on a counter).
/// * **Owning handles and validated raw pointers.** [`allocate`](MemoryPool::allocate) returns a [`PoolBlock`]
///   that gives its block back on drop. The raw form, for queues and FFI, is [`PoolBlock::into_raw`] or
///   [`Allocator::allocate`], given back with `unsafe` [`deallocate_raw`](MemoryPool::deallocate_raw) (a bare
///   address cannot show that it is stale; see [raw frees](Allocator#raw-frees)), which refuses a
///   pointer that is not the start of a raw-allocated block of this pool, never corrupting the pool. It also
///   refuses the block of a live `PoolBlock`, so safe code cannot take a block away from its handle.
///
/// # Where the memory goes
///
/// By default the blocks are inside the pool (the [`PoolBlocks`] type parameter). Start-up code on most boards
/// zeroes `.bss` only: a region in a section of its own (DTCM, CCM RAM) is often neither zeroed nor copied. The
/// pool's *state* (free-list head, links, counters) must start at zero, but its *blocks* need no initial value. So
/// to place a pool in such a region, put only the blocks there, in a `static` [`PoolBlocks`] with a
/// `#[unsafe(link_section = ...)]`, and build the pool with [`with_blocks`](MemoryPool::with_blocks), leaving the
/// pool itself in the default sections. That pool holds the address of its blocks, so it is in `.data` (copied
/// from flash at start-up: 4 bytes per block plus a few dozen) rather than `.bss`; either
/// way start-up code initialises it.
///
/// # Statistics
///
/// [`stats`](MemoryPool::stats) counts whole blocks: `used` is blocks in use × `BLOCK_SIZE`, `peak` the
/// high-water mark of blocks in use × `BLOCK_SIZE`, `allocations` and `frees` the successful ones (handles and raw
/// pointers alike), and `failures` the allocation requests that could not be served. Raw frees that were refused
/// are counted apart, by [`refused_frees`](MemoryPool::refused_frees): a wrong pointer is a bug to find, not a sign
/// that the pool is too small. Counters wrap around at `usize::MAX`.
///
/// # Compile-time checks
///
/// `BLOCK_SIZE == 0`, `COUNT == 0`, `COUNT` above what the target's free list can index (2³² − 3 blocks, or
/// 65,533 on targets with 32-bit compare-and-swap only) and an unsupported `ALIGN` are compile errors.
///
/// ```
/// use flight_memory::MemoryPool;
///
/// static PACKETS: MemoryPool<256, 8, 16> = MemoryPool::new();
///
/// let mut packet = PACKETS.allocate()?;
/// packet[0] = 0x08;
/// assert_eq!(packet.len(), 256);
/// assert_eq!(packet.as_ptr() as usize % 16, 0);
/// assert_eq!((PACKETS.in_use(), PACKETS.available()), (1, 7));
/// drop(packet);
/// assert_eq!(PACKETS.stats().peak, 256);
/// # Ok::<(), flight_memory::AllocError>(())
/// ```
///
/// A bad parameter does not compile:
///
/// ```compile_fail
/// use flight_memory::MemoryPool;
///
/// static EMPTY: MemoryPool<64, 0> = MemoryPool::new(); // COUNT must be at least 1
/// ```
///
/// ```compile_fail
/// use flight_memory::MemoryPool;
///
/// static ODD: MemoryPool<64, 4, 3> = MemoryPool::new(); // ALIGN must be a power of two
/// ```
pub struct MemoryPool<
    const BLOCK_SIZE: usize,
    const COUNT: usize,
    const ALIGN: usize = 8,
    S = PoolBlocks<BLOCK_SIZE, COUNT, ALIGN>,
> where
    Align<ALIGN>: Alignment,
{
    /// The free list and counters of the `COUNT` blocks of `blocks`.
    ledger: Ledger<[Link; COUNT]>,
    /// The block bytes: inline, or a `&'static PoolBlocks` used by this pool only.
    blocks: S,
}

impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize, S>
    MemoryPool<BLOCK_SIZE, COUNT, ALIGN, S>
where
    Align<ALIGN>: Alignment,
{
    /// Evaluated by the constructors, so bad const parameters fail compilation.
    const PARAMETERS_OK: () = {
        assert!(
            BLOCK_SIZE > 0,
            "MemoryPool: BLOCK_SIZE must be at least 1 byte"
        );
        assert!(COUNT > 0, "MemoryPool: COUNT must be at least 1 block");
        assert!(
            COUNT <= MAX_CAPACITY as usize,
            "MemoryPool: COUNT is more blocks than the free list can index on this target \
             (2^32 - 3, or 65,533 with 32-bit compare-and-swap only)"
        );
    };
}

impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize>
    MemoryPool<BLOCK_SIZE, COUNT, ALIGN>
where
    Align<ALIGN>: Alignment,
{
    const_fn_unless_loom! {
        /// A pool with its blocks inline, none handed out. All zero bytes: a `static` pool lives in `.bss`.
        ///
        /// # Panics
        ///
        /// Never at run time. `BLOCK_SIZE == 0`, `COUNT == 0` or `COUNT` above the target's limit fail
        /// compilation (a panic in constant evaluation).
        ///
        /// ```
        /// use flight_memory::MemoryPool;
        ///
        /// static POOL: MemoryPool<64, 4> = MemoryPool::new();
        /// assert_eq!((POOL.capacity(), POOL.block_size(), POOL.in_use()), (4, 64, 0));
        /// ```
        pub fn new() -> Self {
            let () = Self::PARAMETERS_OK;
            MemoryPool { ledger: Ledger::new(), blocks: PoolBlocks::new() }
        }
    }
}

impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize>
    MemoryPool<BLOCK_SIZE, COUNT, ALIGN, &'static PoolBlocks<BLOCK_SIZE, COUNT, ALIGN>>
where
    Align<ALIGN>: Alignment,
{
    const_fn_unless_loom! {
        /// A pool over blocks kept in a `static` of their own, which can be placed in a linker section (see
        /// [Where the memory goes](MemoryPool#where-the-memory-goes)). This is the form code generators emit.
        ///
        /// # Safety
        ///
        /// No other pool is given the same `blocks`: two pools over the same bytes would hand out the same block
        /// twice.
        ///
        /// # Panics
        ///
        /// Never at run time; bad const parameters fail compilation, as for [`new`](MemoryPool::new).
        ///
        /// ```
        /// use flight_memory::{MemoryPool, PoolBlocks};
        ///
        /// // Only the block bytes go to the DTCM section, which start-up code does not zero: they need no
        /// // initial value. The pool's state stays in the sections start-up code initialises.
        /// #[unsafe(link_section = ".dtcm")]
        /// static TLM_BLOCKS: PoolBlocks<256, 16> = PoolBlocks::new();
        /// // SAFETY: `TLM_BLOCKS` is given to this pool only.
        /// static TLM: MemoryPool<256, 16, 8, &'static PoolBlocks<256, 16>> =
        ///     unsafe { MemoryPool::with_blocks(&TLM_BLOCKS) };
        ///
        /// let block = TLM.allocate()?;
        /// let start = &TLM_BLOCKS as *const _ as usize;
        /// assert!((start..start + 256 * 16).contains(&(block.as_ptr() as usize)));
        /// # Ok::<(), flight_memory::AllocError>(())
        /// ```
        pub unsafe fn with_blocks(blocks: &'static PoolBlocks<BLOCK_SIZE, COUNT, ALIGN>) -> Self {
            let () = Self::PARAMETERS_OK;
            MemoryPool { ledger: Ledger::new(), blocks }
        }
    }
}

impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize, S>
    MemoryPool<BLOCK_SIZE, COUNT, ALIGN, S>
where
    Align<ALIGN>: Alignment,
    S: PoolStorage<BLOCK_SIZE, COUNT, ALIGN>,
{
    #[inline]
    fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Takes a free block, owned by the returned handle until it is dropped.
    ///
    /// # Errors
    ///
    /// [`AllocError::Exhausted`] when every block is in use (counted in [`stats`](MemoryPool::stats) as a
    /// failure).
    ///
    /// ```
    /// use flight_memory::{AllocError, MemoryPool};
    ///
    /// static POOL: MemoryPool<8, 1> = MemoryPool::new();
    ///
    /// let only = POOL.allocate()?;
    /// assert_eq!(POOL.allocate().unwrap_err(), AllocError::Exhausted { capacity: 1 });
    /// drop(only);
    /// assert!(POOL.allocate().is_ok());
    /// assert_eq!(POOL.stats().failures, 1);
    /// # Ok::<(), AllocError>(())
    /// ```
    #[inline]
    pub fn allocate(&self) -> Result<PoolBlock<'_>, AllocError> {
        match self.ledger().take_held() {
            Some((ticket, index)) => {
                // SAFETY: the ledger hands out indices below its capacity, `COUNT`.
                let ptr = unsafe { self.blocks.blocks().block(index as usize) };
                // SAFETY: the ticket's block was just taken from this ledger for a handle and is ours; `ptr` is its
                // first byte, valid for `BLOCK_SIZE` bytes while the pool is borrowed.
                Ok(unsafe { PoolBlock::new(ptr, BLOCK_SIZE, self.ledger.thin(), ticket) })
            }
            None => {
                // The error is a constant here (not the return value of a cold call), so the optimiser can keep
                // the `Result` in registers: a handle is then built once, not built and copied.
                self.ledger().record_failure();
                Err(AllocError::Exhausted { capacity: COUNT })
            }
        }
    }

    /// Gives back a block allocated as a raw pointer (by [`PoolBlock::into_raw`] or [`Allocator::allocate`]).
    ///
    /// The pointer is validated, and the pool is unchanged when it is refused. An accepted block is zeroed, so
    /// its next owner never sees bytes it may not read (padding written through the pointer).
    ///
    /// # Safety
    ///
    /// `ptr` was handed out as a raw pointer by this pool and has not been given back since. A pointer freed
    /// already whose block has been handed out again as a raw pointer has the same address as the new owner's:
    /// the pool cannot tell them apart and would free the new owner's block (see
    /// [`Allocator`'s raw frees](Allocator#raw-frees)). Everything else is checked and refused. The caller does
    /// not use the block after `Ok`.
    ///
    /// # Errors
    ///
    /// Each refusal is counted by [`refused_frees`](MemoryPool::refused_frees):
    ///
    /// * [`FreeError::ForeignPointer`]: the pointer is not in this pool's blocks;
    /// * [`FreeError::NotBlockStart`]: it points into a block, not at its start;
    /// * [`FreeError::NotAllocated`]: the block is free (a double free), was never handed out, or is owned by a
    ///   live [`PoolBlock`].
    ///
    /// ```
    /// use core::ptr::NonNull;
    /// use flight_memory::{FreeError, MemoryPool};
    ///
    /// static POOL: MemoryPool<32, 2> = MemoryPool::new();
    ///
    /// let ptr = POOL.allocate()?.into_raw();
    /// let interior = NonNull::new(ptr.as_ptr().wrapping_add(4)).unwrap();
    /// let mut elsewhere = 0u8;
    /// // SAFETY (all four calls): no raw block of this pool is out but `ptr`'s, which is given back once; the
    /// // wrong pointers are refused because no other raw block could be at those addresses.
    /// unsafe {
    ///     assert_eq!(POOL.deallocate_raw(interior), Err(FreeError::NotBlockStart { offset: 4 }));
    ///     assert_eq!(POOL.deallocate_raw(NonNull::from(&mut elsewhere)), Err(FreeError::ForeignPointer));
    ///     assert_eq!(POOL.deallocate_raw(ptr), Ok(()));
    ///     assert_eq!(POOL.deallocate_raw(ptr), Err(FreeError::NotAllocated)); // double free, block still free
    /// }
    /// assert_eq!((POOL.in_use(), POOL.refused_frees()), (0, 3));
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    pub unsafe fn deallocate_raw(&self, ptr: NonNull<u8>) -> Result<(), FreeError> {
        match self.release_raw(ptr) {
            Ok(()) => Ok(()),
            Err(error) => Err(self.refused(error)),
        }
    }

    fn release_raw(&self, ptr: NonNull<u8>) -> Result<(), FreeError> {
        let index = self.index_of(ptr)?;
        self.ledger().claim(index)?;
        // SAFETY: `index_of` returned an index below `COUNT`.
        let block = unsafe { self.blocks.blocks().block(index as usize) };
        // SAFETY: the claim succeeded, so the block is ours alone (it is neither allocated nor on the free list);
        // it is valid for `BLOCK_SIZE` bytes.
        unsafe { core::ptr::write_bytes(block.as_ptr(), 0, BLOCK_SIZE) };
        // SAFETY: we claimed the block just above and do not touch it again.
        unsafe { self.ledger().give_back(index) };
        Ok(())
    }

    /// The size of the block that starts at `ptr` if it is out (to a raw pointer or a handle): cFE's
    /// `CFE_ES_GetPoolBufInfo`. Only reads; nothing is counted.
    ///
    /// # Errors
    ///
    /// [`FreeError::ForeignPointer`] if `ptr` is not in this pool's blocks, [`FreeError::NotBlockStart`] if it
    /// points into a block, [`FreeError::NotAllocated`] if the block is free.
    ///
    /// ```
    /// use flight_memory::{FreeError, MemoryPool};
    ///
    /// static POOL: MemoryPool<48, 2> = MemoryPool::new();
    ///
    /// let block = POOL.allocate()?;
    /// let ptr = block.as_ptr();
    /// assert_eq!(POOL.block_info(ptr), Ok(48));
    /// assert_eq!(POOL.block_info(ptr.wrapping_add(8)), Err(FreeError::NotBlockStart { offset: 8 }));
    /// drop(block);
    /// assert_eq!(POOL.block_info(ptr), Err(FreeError::NotAllocated));
    /// assert_eq!(POOL.block_info(core::ptr::null()), Err(FreeError::ForeignPointer));
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    pub fn block_info(&self, ptr: *const u8) -> Result<usize, FreeError> {
        let ptr = NonNull::new(ptr.cast_mut()).ok_or(FreeError::ForeignPointer)?;
        let index = self.index_of(ptr)?;
        if self.ledger().is_out(index) {
            Ok(BLOCK_SIZE)
        } else {
            Err(FreeError::NotAllocated)
        }
    }

    /// The index of the block that starts at `ptr`.
    fn index_of(&self, ptr: NonNull<u8>) -> Result<u32, FreeError> {
        let stride = PoolBlocks::<BLOCK_SIZE, COUNT, ALIGN>::STRIDE;
        // Below the first block the subtraction wraps to a huge offset, which is outside too. `COUNT * stride`
        // is the size of an array that exists, so it does not overflow.
        let offset = ptr
            .as_ptr()
            .addr()
            .wrapping_sub(self.blocks.blocks().base_address());
        if offset >= COUNT * stride {
            return Err(FreeError::ForeignPointer);
        }
        let within = offset % stride;
        if within != 0 {
            return Err(FreeError::NotBlockStart { offset: within });
        }
        // `COUNT` fits in `u32` (checked at compile time), and the index is below it.
        Ok((offset / stride) as u32)
    }

    #[cold]
    #[inline(never)]
    fn exhausted(&self) -> AllocError {
        self.ledger().record_failure();
        AllocError::Exhausted { capacity: COUNT }
    }

    #[cold]
    #[inline(never)]
    fn rejected(&self, error: AllocError) -> AllocError {
        self.ledger().record_failure();
        error
    }

    #[cold]
    #[inline(never)]
    fn refused(&self, error: FreeError) -> FreeError {
        self.ledger().record_refused_free();
        error
    }

    /// How many blocks the pool has: `COUNT`.
    ///
    /// ```
    /// use flight_memory::MemoryPool;
    ///
    /// assert_eq!(MemoryPool::<64, 4>::new().capacity(), 4);
    /// ```
    #[inline]
    pub const fn capacity(&self) -> usize {
        COUNT
    }

    /// The size of every block: `BLOCK_SIZE`.
    ///
    /// ```
    /// use flight_memory::MemoryPool;
    ///
    /// assert_eq!(MemoryPool::<48, 4, 16>::new().block_size(), 48);
    /// ```
    #[inline]
    pub const fn block_size(&self) -> usize {
        BLOCK_SIZE
    }

    /// Blocks handed out and not given back. Exact when no other thread is allocating or freeing.
    ///
    /// ```
    /// use flight_memory::MemoryPool;
    ///
    /// let pool = MemoryPool::<64, 4>::new();
    /// let _a = pool.allocate()?;
    /// let _b = pool.allocate()?;
    /// assert_eq!(pool.in_use(), 2);
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    #[inline]
    pub fn in_use(&self) -> usize {
        self.ledger().in_use()
    }

    /// Blocks free now: `capacity() - in_use()`.
    ///
    /// ```
    /// use flight_memory::MemoryPool;
    ///
    /// let pool = MemoryPool::<64, 4>::new();
    /// let _a = pool.allocate()?;
    /// assert_eq!(pool.available(), 3);
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    #[inline]
    pub fn available(&self) -> usize {
        COUNT.saturating_sub(self.in_use())
    }

    /// The most blocks that have been in use at once. When an allocation races a free on another thread it can
    /// count a block that the free was about to give back, so it can exceed the true peak by the number of
    /// threads racing.
    ///
    /// ```
    /// use flight_memory::MemoryPool;
    ///
    /// let pool = MemoryPool::<64, 4>::new();
    /// let a = pool.allocate()?;
    /// let b = pool.allocate()?;
    /// drop((a, b));
    /// let _c = pool.allocate()?;
    /// assert_eq!((pool.in_use(), pool.high_water()), (1, 2));
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    #[inline]
    pub fn high_water(&self) -> usize {
        self.ledger().high_water()
    }

    /// How many raw frees ([`deallocate_raw`](MemoryPool::deallocate_raw), [`Allocator::deallocate`]) were
    /// refused. Not part of [`stats`](MemoryPool::stats)' `failures`, which counts allocation requests.
    ///
    /// ```
    /// use core::ptr::NonNull;
    /// use flight_memory::MemoryPool;
    ///
    /// let pool = MemoryPool::<64, 4>::new();
    /// let mut stray = 0u8;
    /// // SAFETY: `stray` is no block of the pool; it is refused.
    /// assert!(unsafe { pool.deallocate_raw(NonNull::from(&mut stray)) }.is_err());
    /// assert_eq!(pool.refused_frees(), 1);
    /// ```
    #[inline]
    pub fn refused_frees(&self) -> usize {
        self.ledger().refused_frees()
    }

    /// The pool's statistics now, in bytes of whole blocks; see [Statistics](MemoryPool#statistics).
    ///
    /// ```
    /// use flight_memory::{MemoryPool, StatsSnapshot};
    ///
    /// let pool = MemoryPool::<64, 2>::new();
    /// let a = pool.allocate()?;
    /// let b = pool.allocate()?;
    /// assert!(pool.allocate().is_err());
    /// drop(a);
    /// assert_eq!(
    ///     pool.stats(),
    ///     StatsSnapshot { used: 64, peak: 128, allocations: 2, frees: 1, failures: 1 }
    /// );
    /// # drop(b);
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    pub fn stats(&self) -> StatsSnapshot {
        self.ledger().snapshot(BLOCK_SIZE)
    }
}

impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize> Default
    for MemoryPool<BLOCK_SIZE, COUNT, ALIGN>
where
    Align<ALIGN>: Alignment,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize, S> core::fmt::Debug
    for MemoryPool<BLOCK_SIZE, COUNT, ALIGN, S>
where
    Align<ALIGN>: Alignment,
    S: PoolStorage<BLOCK_SIZE, COUNT, ALIGN>,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryPool")
            .field("block_size", &BLOCK_SIZE)
            .field("capacity", &COUNT)
            .field("align", &ALIGN)
            .field("in_use", &self.in_use())
            .field("high_water", &self.high_water())
            .finish()
    }
}

/// The raw interface: a block for any request of at most `BLOCK_SIZE` bytes aligned to at most `ALIGN`
/// (a zero-size request takes a block too), given back through
/// [`deallocate_raw`](MemoryPool::deallocate_raw) (the size is not checked). Failed requests count as failures.
impl<const BLOCK_SIZE: usize, const COUNT: usize, const ALIGN: usize, S> Allocator
    for MemoryPool<BLOCK_SIZE, COUNT, ALIGN, S>
where
    Align<ALIGN>: Alignment,
    S: PoolStorage<BLOCK_SIZE, COUNT, ALIGN>,
{
    #[inline]
    fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        if !align.is_power_of_two() {
            return Err(self.rejected(AllocError::InvalidAlignment { align }));
        }
        if align > ALIGN {
            return Err(self.rejected(AllocError::UnsupportedAlignment { align, max: ALIGN }));
        }
        if size > BLOCK_SIZE {
            return Err(self.rejected(AllocError::TooLarge {
                requested: size,
                max: BLOCK_SIZE,
            }));
        }
        match self.ledger().take_raw() {
            // SAFETY: the ledger hands out indices below its capacity, `COUNT`.
            Some(index) => Ok(unsafe { self.blocks.blocks().block(index as usize) }),
            None => Err(self.exhausted()),
        }
    }

    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, _size: usize) -> Result<(), FreeError> {
        // SAFETY: the caller upholds `Allocator::deallocate`'s contract, which is `deallocate_raw`'s.
        unsafe { self.deallocate_raw(ptr) }
    }

    fn used_memory(&self) -> usize {
        self.in_use().saturating_mul(BLOCK_SIZE)
    }

    fn total_memory(&self) -> usize {
        COUNT.saturating_mul(BLOCK_SIZE)
    }

    fn stats(&self) -> StatsSnapshot {
        MemoryPool::stats(self)
    }

    fn strategy(&self) -> AllocationStrategy {
        AllocationStrategy::Pool
    }
}
