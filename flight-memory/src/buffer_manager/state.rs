//! The run-time state of a buffer manager ([`BufferState`]: free lists, counters, links, tags; all zero when
//! new) and the bytes of its buffers ([`BufferStorage`]), kept apart so that a linker section can take the bytes
//! alone.

use core::cell::UnsafeCell;
use core::ptr::NonNull;

use super::list::{BinList, Link};
use crate::sync::{AtomicU32, AtomicUsize, const_array, const_fn_unless_loom};
use crate::{Align, AlignedBytes, Alignment};

/// The run-time state of one bin: which of its buffers are free, and its telemetry counters. All zero when new.
#[derive(Debug)]
pub(crate) struct BinState {
    /// The bin's free list; its links are the bin's `count` links, so its capacity is the bin's count. It counts
    /// the bin's buffers in use and their high-water mark itself.
    pub(crate) free: BinList,
    /// Failed requests whose first choice (the smallest bin that fits) was this bin.
    pub(crate) no_buffs: AtomicUsize,
    /// Zero-size requests whose first choice was this bin (always bin 0).
    pub(crate) zero_size_requests: AtomicUsize,
    /// Requests whose first choice was this bin but that a larger bin served.
    pub(crate) spills: AtomicUsize,
    /// Returns naming this bin that were refused.
    pub(crate) rejected_returns: AtomicUsize,
}

impl BinState {
    const_fn_unless_loom! {
        /// A bin none of whose buffers has been handed out, with its counters at zero.
        pub(crate) fn new() -> Self {
            BinState {
                free: BinList::new(),
                no_buffs: AtomicUsize::new(0),
                zero_size_requests: AtomicUsize::new(0),
                spills: AtomicUsize::new(0),
                rejected_returns: AtomicUsize::new(0),
            }
        }
    }
}

/// The run-time state of a buffer manager of `B` bins and `N` buffers: a free list and counters per bin, and a
/// link and a tag per buffer (8 bytes a buffer, none inside the buffers).
///
/// A new state is all zero bytes, so a `static` of it lives in `.bss` and start-up does no work per buffer.
/// Give it to one [`BufferManager::new`](crate::BufferManager::new), with the [`BinTable`](crate::BinTable)
/// whose [`bin_count`](crate::BinTable::bin_count) is `B` and [`buffer_count`](crate::BinTable::buffer_count) is
/// `N`:
///
/// ```
/// use flight_memory::{Bin, BinTable, BufferState};
///
/// const TABLE: BinTable<2> = BinTable::new([Bin::new(64, 8), Bin::new(512, 2)]);
/// static STATE: BufferState<2, { TABLE.buffer_count() }> = BufferState::new();
/// # let _ = &STATE;
/// ```
pub struct BufferState<const B: usize, const N: usize> {
    /// One per bin, in the table's (size) order.
    pub(crate) bins: [BinState; B],
    /// One per buffer, bin after bin: bin `b`'s are `first..first + count` of its layout.
    pub(crate) links: [Link; N],
    /// One per buffer, as `links`: `generation << 1 | out_as_raw` (see the `raw` module).
    pub(crate) tags: [AtomicU32; N],
}

impl<const B: usize, const N: usize> BufferState<B, N> {
    const_fn_unless_loom! {
        /// A state of `B` bins and `N` buffers none of which has been handed out. All zero bytes.
        pub fn new() -> Self {
            BufferState {
                bins: const_array!(BinState::new(); B),
                links: const_array!(Link::new(); N),
                tags: const_array!(AtomicU32::new(0); N),
            }
        }
    }
}

impl<const B: usize, const N: usize> Default for BufferState<B, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const B: usize, const N: usize> core::fmt::Debug for BufferState<B, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BufferState")
            .field("bins", &B)
            .field("buffers", &N)
            .finish()
    }
}

/// The bytes of a buffer manager's buffers: `SIZE` bytes aligned to `ALIGN`, and nothing else.
///
/// They need no initial value, so a `static` of this type may go to a linker section that start-up code neither
/// zeroes nor copies (DTCM, CCM RAM), while the manager's [`BufferState`] stays in `.bss`:
///
/// ```
/// use flight_memory::{Bin, BinTable, BufferStorage};
///
/// const TABLE: BinTable<1> = BinTable::with_alignment([Bin::new(100, 4)], 32);
/// // On a board: #[unsafe(link_section = ".dtcm")]
/// static STORAGE: BufferStorage<{ TABLE.storage_size() }, { TABLE.alignment() }> = BufferStorage::zeroed();
/// assert_eq!(core::mem::size_of_val(&STORAGE), 4 * 128);
/// assert_eq!(core::mem::align_of_val(&STORAGE), 32);
/// ```
pub struct BufferStorage<const SIZE: usize, const ALIGN: usize>
where
    Align<ALIGN>: Alignment,
{
    /// Accessed only through the buffers of the one manager this storage is given to.
    bytes: UnsafeCell<AlignedBytes<SIZE, ALIGN>>,
}

// SAFETY: `BufferStorage` gives no access to its bytes by itself. The one manager it is given to (the contract of
// `BufferManager::new`) hands each buffer to one owner at a time through its free lists, whose release/acquire
// operations order one owner's accesses before the next owner's.
unsafe impl<const SIZE: usize, const ALIGN: usize> Sync for BufferStorage<SIZE, ALIGN> where
    Align<ALIGN>: Alignment
{
}

impl<const SIZE: usize, const ALIGN: usize> BufferStorage<SIZE, ALIGN>
where
    Align<ALIGN>: Alignment,
{
    /// `SIZE` zero bytes: a `static` of this type lives in `.bss`, or in the section it is placed in.
    pub const fn zeroed() -> Self {
        BufferStorage {
            bytes: UnsafeCell::new(AlignedBytes::zeroed()),
        }
    }

    /// The first byte. Derived from the `UnsafeCell`, so writes through it (by the owner of a buffer) are allowed.
    pub(crate) const fn base(&self) -> NonNull<u8> {
        let first = self.bytes.get().cast::<u8>();
        // SAFETY: `UnsafeCell::get` of a reference is never null.
        unsafe { NonNull::new_unchecked(first) }
    }
}

impl<const SIZE: usize, const ALIGN: usize> Default for BufferStorage<SIZE, ALIGN>
where
    Align<ALIGN>: Alignment,
{
    fn default() -> Self {
        Self::zeroed()
    }
}

impl<const SIZE: usize, const ALIGN: usize> core::fmt::Debug for BufferStorage<SIZE, ALIGN>
where
    Align<ALIGN>: Alignment,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BufferStorage")
            .field("size", &SIZE)
            .field("align", &ALIGN)
            .finish()
    }
}
