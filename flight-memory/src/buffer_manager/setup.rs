//! F´'s lifecycle for a buffer manager whose memory comes from a [`MemAllocator`] at initialisation:
//! [`setup`](BufferManager::setup) (configure) → run → [`teardown`](BufferManager::teardown).
//!
//! Everything the manager needs is carved out of one block from the allocator, in this order, each part aligned
//! for its type: the bin layouts, their size-class table, the bin states (free lists and counters), a link and a
//! tag per buffer, and the buffers' bytes. All size arithmetic is checked.

use core::mem::{align_of, size_of};
use core::ptr::NonNull;

use crate::sync::AtomicU32;
use crate::{AllocError, FreeError, MemAllocator, MemBlock, MemoryId, align_up, is_ptr_aligned};

use super::bins::{BinLayout, CLASSES, NO_CLASSES, bytes_of, classes_of, layouts_of};
use super::list::Link;
use super::state::BinState;
use super::telemetry::Counters;
use super::{Bin, BinsError, BufferManager, DEFAULT_BUFFER_ALIGNMENT, MAX_BINS, ManagerId};

// The block is given back without running destructors of what was written into it: there are none to run.
#[cfg(not(loom))]
const _: () = assert!(
    !core::mem::needs_drop::<BinState>()
        && !core::mem::needs_drop::<Link>()
        && !core::mem::needs_drop::<AtomicU32>()
);

/// The block a set-up manager lives in, and where it goes back.
pub(crate) struct BlockOwner<'a> {
    allocator: &'a (dyn MemAllocator + Sync),
    memory: MemoryId,
    /// The block as the allocator handed it out.
    block: NonNull<u8>,
    len: usize,
    recoverable: bool,
}

/// Where each part of a set-up manager goes in its block (byte offsets), and the block's size and alignment.
#[derive(Clone, Copy, Debug)]
struct Carving {
    classes: usize,
    states: usize,
    links: usize,
    tags: usize,
    storage: usize,
    total: usize,
    align: usize,
}

impl Carving {
    /// The carving for `bins` bins, `buffers` buffers and `storage` bytes of buffers aligned to `alignment`, or
    /// `None` if it does not fit in `usize`.
    fn new(bins: usize, buffers: usize, storage: usize, alignment: usize) -> Option<Self> {
        let classes = size_of::<BinLayout>().checked_mul(bins)?;
        let classes_end = classes.checked_add(CLASSES)?;
        let states = align_up(classes_end, align_of::<BinState>())?;
        let states_end = states.checked_add(size_of::<BinState>().checked_mul(bins)?)?;
        let links = align_up(states_end, align_of::<Link>())?;
        let links_end = links.checked_add(size_of::<Link>().checked_mul(buffers)?)?;
        let tags = align_up(links_end, align_of::<AtomicU32>())?;
        let tags_end = tags.checked_add(size_of::<AtomicU32>().checked_mul(buffers)?)?;
        let storage_at = align_up(tags_end, alignment)?;
        let total = storage_at.checked_add(storage)?;
        let align = alignment
            .max(align_of::<BinLayout>())
            .max(align_of::<BinState>())
            .max(align_of::<Link>())
            .max(align_of::<AtomicU32>());
        Some(Carving {
            classes,
            states,
            links,
            tags,
            storage: storage_at,
            total,
            align,
        })
    }
}

/// Why [`BufferManager::setup`] failed. Nothing is left allocated when it is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SetupError {
    /// The bins are invalid.
    Bins(BinsError),
    /// The bytes the manager needs (its state and buffers together) do not fit in `usize`.
    SizeOverflow,
    /// The allocator handed out nothing.
    Allocator {
        /// The memory id asked for.
        memory: MemoryId,
        /// The allocator's error.
        error: AllocError,
    },
    /// The allocator handed out less than the manager needs (it was given back).
    TooSmall {
        /// The memory id asked for.
        memory: MemoryId,
        /// Bytes the manager needs: state and buffers.
        needed: usize,
        /// Bytes the allocator handed out.
        got: usize,
    },
    /// The allocator handed out a block not aligned as asked (it was given back).
    Misaligned {
        /// The memory id asked for.
        memory: MemoryId,
        /// The block's address.
        address: usize,
        /// The alignment asked for.
        align: usize,
    },
}

impl From<BinsError> for SetupError {
    fn from(error: BinsError) -> Self {
        SetupError::Bins(error)
    }
}

impl core::fmt::Display for SetupError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SetupError::Bins(error) => error.fmt(f),
            SetupError::SizeOverflow => f.write_str(
                "buffer manager setup: state and buffers together need more bytes than usize holds",
            ),
            SetupError::Allocator { memory, error } => {
                write!(
                    f,
                    "buffer manager setup: {memory}: allocator failed: {error}"
                )
            }
            SetupError::TooSmall {
                memory,
                needed,
                got,
            } => write!(
                f,
                "buffer manager setup: {memory}: needs {needed} bytes but the allocator handed out {got}; \
                 give the region {} more bytes",
                needed.saturating_sub(*got)
            ),
            SetupError::Misaligned {
                memory,
                address,
                align,
            } => write!(
                f,
                "buffer manager setup: {memory}: block at {address:#x} is not aligned to {align} as asked"
            ),
        }
    }
}

impl core::error::Error for SetupError {}

/// Why [`BufferManager::teardown`] did not complete.
#[derive(Debug)]
#[non_exhaustive]
#[allow(
    clippy::large_enum_variant,
    reason = "the manager is given back whole, without a heap to box it in; teardown runs once"
)]
pub enum TeardownError<'s> {
    /// Buffers are still out (as handles that were leaked, raw buffers or raw pointers). Nothing was given back:
    /// here is the manager, intact, to try again once they have come back.
    BuffersOut {
        /// How many buffers are out.
        outstanding: usize,
        /// The manager.
        manager: BufferManager<'s>,
    },
    /// The allocator refused the block back; it stays reserved in the allocator (the manager is gone).
    Refused {
        /// The memory id of the block.
        memory: MemoryId,
        /// The allocator's error.
        error: FreeError,
    },
}

impl<'s> TeardownError<'s> {
    /// The manager, if the teardown was refused because buffers are out.
    pub fn into_manager(self) -> Option<BufferManager<'s>> {
        match self {
            TeardownError::BuffersOut { manager, .. } => Some(manager),
            TeardownError::Refused { .. } => None,
        }
    }
}

impl core::fmt::Display for TeardownError<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TeardownError::BuffersOut {
                outstanding,
                manager,
            } => write!(
                f,
                "buffer manager {}: teardown with {outstanding} buffers still out; return them first",
                manager.id.0
            ),
            TeardownError::Refused { memory, error } => {
                write!(
                    f,
                    "buffer manager teardown: {memory}: allocator refused the block: {error}"
                )
            }
        }
    }
}

impl core::error::Error for TeardownError<'_> {}

impl<'s> BufferManager<'s> {
    /// F´'s `setup(mgrId, memId, allocator, bins)`: a manager whose state and buffers are carved out of one
    /// block that `allocator` hands out for `memory`, with buffers aligned to [`DEFAULT_BUFFER_ALIGNMENT`].
    /// The bins may be in any order. The block is zeroed here, once (this is initialisation time).
    ///
    /// Give the block back with [`teardown`](BufferManager::teardown). Dropping the manager gives it back too
    /// if no buffer is out, and otherwise leaves it reserved, never dangling.
    ///
    /// # Errors
    ///
    /// [`SetupError`]: invalid bins, a size that overflows, an allocator that fails or hands out a block too
    /// small or misaligned (which is given back).
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use flight_memory::{
    ///     AlignedBytes, AllocError, Bin, BufferManager, FreeError, ManagerId, MemAllocator, MemBlock, MemoryId,
    /// };
    ///
    /// // A test double: hands out one block of 4 KiB, once.
    /// struct OneBlock(Mutex<Option<&'static mut [u8]>>);
    ///
    /// impl MemAllocator for OneBlock {
    ///     fn allocate(&self, _: MemoryId, _: usize, _: usize) -> Result<MemBlock<'_>, AllocError> {
    ///         let bytes = self.0.lock().unwrap().take().ok_or(AllocError::Exhausted { capacity: 1 })?;
    ///         // SAFETY: the bytes are this allocator's own, handed out once.
    ///         Ok(unsafe { MemBlock::from_slice(bytes, false) })
    ///     }
    ///     fn deallocate(&self, _: MemoryId, _: MemBlock<'_>) -> Result<(), FreeError> {
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let bytes = Box::leak(Box::new(AlignedBytes::<4096, 64>::zeroed())).as_mut_slice();
    /// let region = OneBlock(Mutex::new(Some(bytes)));
    ///
    /// let bins = [Bin::new(1024, 2), Bin::new(64, 8)];
    /// let manager = BufferManager::setup(ManagerId(1), MemoryId(0), &region, &bins)?;
    /// let buffer = manager.allocate(100).expect("a 1024-byte buffer is free");
    /// assert_eq!(buffer.capacity(), 1024);
    /// drop(buffer);
    /// assert!(manager.teardown().is_ok());
    /// # Ok::<(), flight_memory::SetupError>(())
    /// ```
    pub fn setup(
        id: ManagerId,
        memory: MemoryId,
        allocator: &'s (dyn MemAllocator + Sync),
        bins: &[Bin],
    ) -> Result<Self, SetupError> {
        Self::setup_aligned(id, memory, allocator, bins, DEFAULT_BUFFER_ALIGNMENT)
    }

    /// As [`setup`](BufferManager::setup), with every buffer aligned to `alignment` (a power of two up to
    /// [`MAX_BUFFER_ALIGNMENT`](crate::MAX_BUFFER_ALIGNMENT)).
    ///
    /// # Errors
    ///
    /// As [`setup`](BufferManager::setup); a bad alignment is [`BinsError::BadAlignment`].
    pub fn setup_aligned(
        id: ManagerId,
        memory: MemoryId,
        allocator: &'s (dyn MemAllocator + Sync),
        bins: &[Bin],
        alignment: usize,
    ) -> Result<Self, SetupError> {
        let mut all_layouts = [BinLayout::UNUSED; MAX_BINS];
        let totals = layouts_of(bins, alignment, &mut all_layouts)?;
        let layouts =
            all_layouts
                .get(..bins.len())
                .ok_or(SetupError::Bins(BinsError::TooManyBins {
                    bins: bins.len(),
                }))?;
        let carving = Carving::new(bins.len(), totals.buffers, totals.storage, alignment)
            .ok_or(SetupError::SizeOverflow)?;

        let block = allocator
            .allocate(memory, carving.total, carving.align)
            .map_err(|error| SetupError::Allocator { memory, error })?;
        if block.len() < carving.total {
            let got = block.len();
            // The block is useless to us; if the allocator refuses it back too, it stays reserved there.
            let _ = allocator.deallocate(memory, block);
            return Err(SetupError::TooSmall {
                memory,
                needed: carving.total,
                got,
            });
        }
        let base = block.as_ptr();
        if !is_ptr_aligned(base.as_ptr(), carving.align) {
            let _ = allocator.deallocate(memory, block);
            return Err(SetupError::Misaligned {
                memory,
                address: base.as_ptr().addr(),
                align: carving.align,
            });
        }
        let owner = BlockOwner {
            allocator,
            memory,
            block: base,
            len: block.len(),
            recoverable: block.is_recoverable(),
        };
        // The block is now the manager's; `owner` remembers it for `teardown`.
        drop(block);

        let base = base.as_ptr();
        // SAFETY: the block is valid for reads and writes of `carving.total` bytes for `'s` and ours alone (the
        // `MemBlock` contract; we checked its length), and aligned to `carving.align`, the largest alignment of
        // the parts. Each part starts at an offset aligned for its type (`Carving::new`), and the parts do not
        // overlap and end within `carving.total`. Every element is written before the slices over it are made,
        // and nothing but the manager refers to the block from now on.
        let manager = unsafe {
            let layouts_at = base.cast::<BinLayout>();
            for (i, layout) in layouts.iter().enumerate() {
                layouts_at.add(i).write(*layout);
            }
            let classes_at = base.add(carving.classes).cast::<[u8; CLASSES]>();
            classes_at.write(classes_of(layouts));
            let states_at = base.add(carving.states).cast::<BinState>();
            for i in 0..bins.len() {
                states_at.add(i).write(BinState::new());
            }
            let links_at = base.add(carving.links).cast::<Link>();
            let tags_at = base.add(carving.tags).cast::<AtomicU32>();
            for i in 0..totals.buffers {
                links_at.add(i).write(Link::new());
                tags_at.add(i).write(AtomicU32::new(0));
            }
            let storage_at = base.add(carving.storage);
            core::ptr::write_bytes(storage_at, 0, totals.storage);
            BufferManager {
                id,
                layouts: core::slice::from_raw_parts(layouts_at, bins.len()),
                classes: &*classes_at,
                bins: core::slice::from_raw_parts(states_at, bins.len()),
                links: core::slice::from_raw_parts(links_at, totals.buffers),
                tags: core::slice::from_raw_parts(tags_at, totals.buffers),
                storage: NonNull::new_unchecked(storage_at),
                storage_size: totals.storage,
                alignment,
                spill_over: true,
                hook: None,
                counters: Counters::new(totals.buffers, bytes_of(layouts)),
                owner: Some(owner),
            }
        };
        Ok(manager)
    }

    /// F´'s teardown: gives the manager's block back to its allocator. A manager made by
    /// [`new`](BufferManager::new) has no block; its teardown only checks that no buffer is out.
    ///
    /// A buffer handle borrows its manager, so none can be alive here; buffers still out are raw buffers, raw
    /// pointers, or leaked handles.
    ///
    /// # Errors
    ///
    /// * [`TeardownError::BuffersOut`] if buffers are still out: nothing is given back, and the error holds the
    ///   manager, intact ([`TeardownError::into_manager`]).
    /// * [`TeardownError::Refused`] if the allocator refused the block.
    ///
    /// ```
    /// # use flight_memory::{AllocError, Bin, BufferManager, FreeError, ManagerId, MemAllocator, MemBlock, MemoryId};
    /// # struct Heap;
    /// # impl MemAllocator for Heap {
    /// #     fn allocate(&self, _: MemoryId, size: usize, _: usize) -> Result<MemBlock<'_>, AllocError> {
    /// #         let words: &'static mut [u64] = Box::leak(vec![0u64; size.div_ceil(8)].into_boxed_slice());
    /// #         let bytes = unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), size) };
    /// #         Ok(unsafe { MemBlock::from_slice(bytes, false) })
    /// #     }
    /// #     fn deallocate(&self, _: MemoryId, _: MemBlock<'_>) -> Result<(), FreeError> { Ok(()) }
    /// # }
    /// use flight_memory::TeardownError;
    ///
    /// let heap = Heap;
    /// let manager = BufferManager::setup(ManagerId(1), MemoryId(0), &heap, &[Bin::new(64, 2)])?;
    /// let raw = manager.allocate(8).expect("a buffer is free").into_raw(); // e.g. still in a queue
    /// let manager = match manager.teardown() {
    ///     Err(TeardownError::BuffersOut { outstanding: 1, manager }) => manager,
    ///     other => panic!("{other:?}"),
    /// };
    /// assert_eq!(manager.return_raw(raw), Ok(()));
    /// assert!(manager.teardown().is_ok());
    /// # Ok::<(), flight_memory::SetupError>(())
    /// ```
    #[allow(
        clippy::result_large_err,
        reason = "the manager is given back whole in the error; teardown runs once, off the hot path"
    )]
    pub fn teardown(mut self) -> Result<(), TeardownError<'s>> {
        let outstanding = self.counters.occupancy.buffers();
        if outstanding != 0 {
            return Err(TeardownError::BuffersOut {
                outstanding,
                manager: self,
            });
        }
        self.give_back_block()
            .map_err(|(memory, error)| TeardownError::Refused { memory, error })
    }

    /// Gives the block (if any) back to its allocator, leaving the manager empty.
    fn give_back_block(&mut self) -> Result<(), (MemoryId, FreeError)> {
        let Some(owner) = self.owner.take() else {
            return Ok(());
        };
        // Nothing may refer into the block once it is given back.
        self.layouts = &[];
        self.bins = &[];
        self.links = &[];
        self.tags = &[];
        self.storage_size = 0;
        self.classes = &NO_CLASSES;
        // SAFETY: this is the block the allocator handed out (address, length, flag as it gave them), and the
        // manager, its only user, refers into it no more.
        let block = unsafe { MemBlock::from_raw_parts(owner.block, owner.len, owner.recoverable) };
        owner
            .allocator
            .deallocate(owner.memory, block)
            .map_err(|error| (owner.memory, error))
    }
}

impl Drop for BufferManager<'_> {
    /// Gives a set-up manager's block back if no buffer is out; otherwise leaves it reserved (raw buffers may
    /// still point into it).
    fn drop(&mut self) {
        if self.owner.is_some() && self.counters.occupancy.buffers() == 0 {
            // Nowhere to report a refusal from a destructor: the block then stays reserved in the allocator.
            let _ = self.give_back_block();
        }
    }
}
