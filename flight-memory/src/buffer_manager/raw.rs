//! [`RawBuffer`]: a buffer as plain data, for queues and FFI, and its validated way back
//! ([`BufferManager::from_raw`], [`BufferManager::return_raw`]).
//!
//! # The tag protocol
//!
//! Each buffer has a tag word beside its free-list link: `generation << 1 | out`. `out` is set while the buffer
//! is out *as a raw buffer*, and clear while it is free or held by a [`Buffer`] handle.
//!
//! * [`Buffer::into_raw`] (whose handle owns the buffer, so it is the tag's only writer) bumps the generation and
//!   sets `out`; the raw buffer carries the new generation.
//! * Taking a raw buffer back is one compare-and-swap from `generation << 1 | 1` to `generation << 1`. Exactly
//!   one caller can win it, so a double return, a return racing a `from_raw`, or a forged raw buffer naming a
//!   buffer held by a live handle (tag clear) all lose and are refused, never giving one buffer two owners.
//! * A stale copy of a raw buffer, from before the buffer was returned and handed out again, carries an older
//!   generation and is refused too (until the 31-bit generation wraps around, after 2³¹ trips through the raw
//!   form of the same buffer), where F´ would free the new owner's buffer.

use core::ptr::NonNull;

use crate::sync::{AtomicU32, Ordering};
use crate::{AllocError, FreeError};

use super::bins::BinLayout;
use super::{Buffer, BufferManager, ManagerId};

/// The `out` bit of a tag.
const OUT: u32 = 1;
/// Generations are 31 bits.
const GENERATION_MASK: u32 = u32::MAX >> 1;

/// Marks a buffer, owned by the caller, as out in raw form; returns its new generation.
#[inline]
pub(super) fn mark_out(tag: &AtomicU32) -> u32 {
    // The caller owns the buffer, so no one else writes the tag now (a concurrent return of a forged raw buffer
    // only attempts a compare-and-swap, which fails while `out` is clear).
    let generation = (tag.load(Ordering::Relaxed) >> 1).wrapping_add(1) & GENERATION_MASK;
    tag.store(generation << 1 | OUT, Ordering::Release);
    generation
}

/// Takes back a buffer out in raw form with `generation`; `false` if it is not out with that generation.
#[inline]
fn take_back(tag: &AtomicU32, generation: u32) -> bool {
    if generation > GENERATION_MASK {
        return false;
    }
    tag.compare_exchange(
        generation << 1 | OUT,
        generation << 1,
        Ordering::AcqRel,
        Ordering::Relaxed,
    )
    .is_ok()
}

/// Whether a buffer is out in raw form with `generation`.
#[inline]
pub(super) fn is_out_with(tag: &AtomicU32, generation: u32) -> bool {
    generation <= GENERATION_MASK && tag.load(Ordering::Acquire) == generation << 1 | OUT
}

/// Takes back a buffer out in raw form, whatever its generation; `false` if it is not out in raw form.
#[inline]
pub(super) fn take_back_any(tag: &AtomicU32) -> bool {
    let mut word = tag.load(Ordering::Relaxed);
    while word & OUT != 0 {
        match tag.compare_exchange_weak(word, word & !OUT, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => return true,
            Err(now) => word = now,
        }
    }
    false
}

/// A buffer as plain data: F´'s `Fw::Buffer` with its context, for message queues, DMA descriptors and FFI.
///
/// It names its buffer (manager id, bin, index, generation) and carries its first byte and length. It is `Copy`
/// and owns nothing by itself: the buffer stays out until one copy is given back, by
/// [`BufferManager::return_raw`] or [`BufferManager::from_raw`], which validate every field, refuse (and count)
/// anything that is not a buffer of this manager currently out in raw form, and never cause undefined behaviour
/// or a panic. Only the first copy to come back is accepted.
///
/// The layout is `#[repr(C)]`: `data`, `len`, `manager`, `bin`, `index`, `generation`, in that order.
///
/// Reading or writing through [`as_ptr`](RawBuffer::as_ptr) is up to the unsafe code that does it: the bytes
/// are valid for [`capacity`](Buffer::capacity) bytes while the buffer is out and its manager alive, and must be
/// left initialised (no uninitialised padding), since `from_raw` hands them out as `[u8]`.
///
/// ```
/// use flight_memory::{buffer_manager, FreeError, ReturnError};
///
/// buffer_manager! {
///     static COMM: id 1, bins [128 x 4];
/// }
///
/// let mut buffer = COMM.allocate(5).expect("a buffer is free");
/// buffer.copy_from_slice(b"hello");
/// let raw = buffer.into_raw(); // e.g. into a queue
/// assert_eq!((raw.len(), raw.manager().0), (5, 1));
///
/// let back = COMM.from_raw(raw)?; // out of the queue
/// assert_eq!(&back[..], b"hello");
/// let raw = back.into_raw();
/// COMM.return_raw(raw)?;
/// assert_eq!(COMM.return_raw(raw), Err(ReturnError::Free(FreeError::NotAllocated)));
/// # Ok::<(), ReturnError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct RawBuffer {
    data: *mut u8,
    len: usize,
    manager: u32,
    bin: u32,
    index: u32,
    generation: u32,
}

// SAFETY: a `RawBuffer` is plain data; its pointer is only dereferenced by unsafe code that takes responsibility
// for it, and a manager validates it before use.
unsafe impl Send for RawBuffer {}
// SAFETY: as above; `&RawBuffer` only reads the fields.
unsafe impl Sync for RawBuffer {}

impl RawBuffer {
    /// A raw buffer from its fields, as they came through FFI or a queue that stored them apart. Nothing is
    /// checked here; the manager checks everything when it is given back.
    pub const fn from_parts(
        manager: ManagerId,
        bin: usize,
        index: usize,
        generation: u32,
        data: *mut u8,
        len: usize,
    ) -> Self {
        RawBuffer {
            data,
            len,
            manager: manager.0,
            // Out-of-range values become `u32::MAX`, which no manager accepts.
            bin: if bin > u32::MAX as usize {
                u32::MAX
            } else {
                bin as u32
            },
            index: if index > u32::MAX as usize {
                u32::MAX
            } else {
                index as u32
            },
            generation,
        }
    }

    /// The same buffer with `len` bytes in use, for a producer that filled it through the pointer. The manager
    /// refuses a length above the buffer's capacity when it is given back.
    #[must_use]
    pub const fn with_len(self, len: usize) -> Self {
        RawBuffer { len, ..self }
    }

    /// The id of the manager the buffer belongs to.
    pub const fn manager(&self) -> ManagerId {
        ManagerId(self.manager)
    }

    /// The buffer's bin.
    pub const fn bin(&self) -> usize {
        self.bin as usize
    }

    /// The buffer's index in its bin.
    pub const fn index(&self) -> usize {
        self.index as usize
    }

    /// Which trip through the raw form this is; a stale copy from an earlier trip is refused.
    pub const fn generation(&self) -> u32 {
        self.generation
    }

    /// The first byte of the buffer.
    pub const fn as_ptr(&self) -> *mut u8 {
        self.data
    }

    /// Bytes in use.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether no bytes are in use.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Why a [`RawBuffer`] was refused by [`BufferManager::return_raw`] or [`BufferManager::from_raw`]. The manager
/// is unchanged, and the refusal is counted in `rejected_returns`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReturnError {
    /// A reason every allocator shares:
    ///
    /// * [`FreeError::WrongManager`]: the buffer names another manager's id;
    /// * [`FreeError::BadBin`], [`FreeError::BadIndex`]: no such bin, or no such buffer in it;
    /// * [`FreeError::NotBlockStart`]: the pointer is inside the named buffer but not at its start;
    /// * [`FreeError::ForeignPointer`]: the pointer is not inside the named buffer at all;
    /// * [`FreeError::NotAllocated`]: the named buffer is not out in raw form with this generation: returned
    ///   already (a double return), a stale copy, never handed out, or held by a live [`Buffer`].
    Free(FreeError),
    /// The length is above the buffer's capacity.
    TooLong {
        /// The length the raw buffer carries.
        len: usize,
        /// The buffer's capacity (its bin's size).
        capacity: usize,
    },
}

impl From<FreeError> for ReturnError {
    fn from(error: FreeError) -> Self {
        ReturnError::Free(error)
    }
}

impl core::fmt::Display for ReturnError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ReturnError::Free(error) => error.fmt(f),
            ReturnError::TooLong { len, capacity } => write!(
                f,
                "raw buffer claims {len} bytes but its buffer holds {capacity}"
            ),
        }
    }
}

impl core::error::Error for ReturnError {}

impl<'m> Buffer<'m> {
    /// The buffer as plain data, to be given back later with [`BufferManager::return_raw`] or turned into a
    /// handle again with [`BufferManager::from_raw`]. The buffer stays out (counted in `curr_buffs`) until then.
    ///
    /// ```
    /// use flight_memory::buffer_manager;
    ///
    /// buffer_manager! {
    ///     static QUEUE: id 2, bins [32 x 2];
    /// }
    ///
    /// let raw = QUEUE.allocate(20)?.into_raw();
    /// assert_eq!((raw.bin(), raw.len()), (0, 20));
    /// assert_eq!(QUEUE.telemetry().curr_buffs, 1);
    /// assert_eq!(QUEUE.return_raw(raw), Ok(()));
    /// assert_eq!(QUEUE.telemetry().curr_buffs, 0);
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    #[must_use = "the buffer stays out until the raw buffer is given back"]
    pub fn into_raw(self) -> RawBuffer {
        let this = core::mem::ManuallyDrop::new(self);
        let generation = this
            .manager
            .layouts
            .get(this.bin())
            .and_then(|layout| this.manager.tag_of(layout, this.index))
            .map_or(0, mark_out);
        RawBuffer {
            data: this.data.as_ptr(),
            len: this.len,
            manager: this.manager.id.0,
            bin: this.bin() as u32,
            index: this.index,
            generation,
        }
    }
}

impl<'s> BufferManager<'s> {
    /// Takes back a raw buffer of this manager as a handle again (of the raw buffer's length).
    ///
    /// # Errors
    ///
    /// [`ReturnError`] if the raw buffer is not a buffer of this manager currently out in raw form with this
    /// generation, or its pointer or length do not match the buffer. The refusal is counted and reported to the
    /// failure hook; the manager is unchanged.
    ///
    /// ```
    /// use flight_memory::{buffer_manager, FreeError, ReturnError};
    ///
    /// buffer_manager! {
    ///     static DMA: id 6, bins [256 x 2];
    /// }
    ///
    /// let raw = DMA.allocate(0).expect("a buffer is free").into_raw();
    /// // The DMA engine filled 200 bytes.
    /// let filled = DMA.from_raw(raw.with_len(200))?;
    /// assert_eq!(filled.len(), 200);
    /// assert_eq!(
    ///     DMA.from_raw(raw.with_len(300)).unwrap_err(),
    ///     ReturnError::TooLong { len: 300, capacity: 256 }
    /// );
    /// # Ok::<(), ReturnError>(())
    /// ```
    pub fn from_raw(&self, raw: RawBuffer) -> Result<Buffer<'_>, ReturnError> {
        let (bin, layout) = self.check_raw(&raw)?;
        self.take_back_raw(&raw, bin, layout)?;
        // SAFETY: `take_back_raw` just took the buffer out of the raw state, so it is ours alone; `check_raw`
        // checked that `raw.index` is below the bin's count, `raw.data` is the buffer's first byte, and
        // `raw.len` is at most the bin's size.
        Ok(unsafe {
            Buffer::new(
                self,
                // Below `MAX_BINS`; given back the general way, without `FAST`.
                bin as u32,
                raw.index,
                self.buffer_start(layout, raw.index),
                raw.len,
            )
        })
    }

    /// Gives back a raw buffer of this manager (F´'s `bufferSendIn` with an `Fw::Buffer`). One of length 0 or
    /// without data is counted in `empty_buffs` (F´'s `EmptyBuffs`); one of length 0 is still taken back.
    ///
    /// # Errors
    ///
    /// As [`from_raw`](BufferManager::from_raw): [`ReturnError`] for anything that is not a buffer of this
    /// manager currently out in raw form with this generation, with its own pointer and a length within its
    /// capacity. The refusal is counted and reported to the failure hook; the manager is unchanged.
    ///
    /// ```
    /// use flight_memory::{buffer_manager, FreeError, ManagerId, RawBuffer, ReturnError};
    ///
    /// buffer_manager! {
    ///     static COMM: id 1, bins [64 x 2];
    /// }
    ///
    /// let raw = COMM.allocate(8).expect("a buffer is free").into_raw();
    /// let forged = RawBuffer::from_parts(ManagerId(9), raw.bin(), raw.index(), raw.generation(), raw.as_ptr(), 8);
    /// assert_eq!(
    ///     COMM.return_raw(forged),
    ///     Err(ReturnError::Free(FreeError::WrongManager { expected: 1, found: 9 }))
    /// );
    /// let interior = RawBuffer::from_parts(ManagerId(1), raw.bin(), raw.index(), raw.generation(), raw.as_ptr().wrapping_add(4), 8);
    /// assert_eq!(
    ///     COMM.return_raw(interior),
    ///     Err(ReturnError::Free(FreeError::NotBlockStart { offset: 4 }))
    /// );
    /// COMM.return_raw(raw)?;
    /// assert_eq!(COMM.telemetry().rejected_returns, 2);
    /// # Ok::<(), ReturnError>(())
    /// ```
    pub fn return_raw(&self, raw: RawBuffer) -> Result<(), ReturnError> {
        let taken = self
            .check_raw(&raw)
            .and_then(|(bin, layout)| self.take_back_raw(&raw, bin, layout).map(|()| bin));
        let bin = match taken {
            Ok(bin) => bin,
            Err(error) => return Err(self.refused_send_in(&raw, error)),
        };
        // SAFETY: `take_back_raw` just took the buffer out of the raw state, so it is ours alone, and we do not
        // touch it again.
        unsafe { self.release(bin, raw.index) };
        if raw.len == 0 {
            self.count_empty_return();
        }
        Ok(())
    }

    /// A refused [`return_raw`](BufferManager::return_raw) (already counted and reported): counts it in
    /// `empty_buffs` as well if it is empty or has no data.
    #[cold]
    #[inline(never)]
    fn refused_send_in(&self, raw: &RawBuffer, error: ReturnError) -> ReturnError {
        if raw.len == 0 || raw.data.is_null() {
            self.count_empty_return();
        }
        error
    }

    /// Checks everything about a raw buffer but its state; returns its bin and the bin's layout.
    fn check_raw(&self, raw: &RawBuffer) -> Result<(usize, &BinLayout), ReturnError> {
        if raw.manager != self.id.0 {
            return Err(self.refuse(
                None,
                ReturnError::Free(FreeError::WrongManager {
                    expected: self.id.0,
                    found: raw.manager,
                }),
            ));
        }
        let bin = raw.bin as usize;
        let Some(layout) = self.layouts.get(bin) else {
            return Err(self.refuse(
                None,
                ReturnError::Free(FreeError::BadBin {
                    bin,
                    bins: self.layouts.len(),
                }),
            ));
        };
        let index = raw.index as usize;
        if index >= layout.count {
            return Err(self.refuse(
                Some(bin),
                ReturnError::Free(FreeError::BadIndex {
                    index,
                    count: layout.count,
                }),
            ));
        }
        let start = self.buffer_start(layout, raw.index).as_ptr().addr();
        let offset = raw.data.addr().wrapping_sub(start);
        if offset != 0 {
            let error = if offset < layout.size {
                FreeError::NotBlockStart { offset }
            } else {
                FreeError::ForeignPointer
            };
            return Err(self.refuse(Some(bin), ReturnError::Free(error)));
        }
        if raw.len > layout.size {
            return Err(self.refuse(
                Some(bin),
                ReturnError::TooLong {
                    len: raw.len,
                    capacity: layout.size,
                },
            ));
        }
        Ok((bin, layout))
    }

    /// Takes the checked raw buffer out of the raw state, so the caller owns it.
    fn take_back_raw(
        &self,
        raw: &RawBuffer,
        bin: usize,
        layout: &BinLayout,
    ) -> Result<(), ReturnError> {
        let taken = self
            .tag_of(layout, raw.index)
            .is_some_and(|tag| take_back(tag, raw.generation));
        if taken {
            Ok(())
        } else {
            Err(self.refuse(Some(bin), ReturnError::Free(FreeError::NotAllocated)))
        }
    }

    /// A buffer of `size` bytes, out in raw form, as its first byte; for the [`Allocator`](crate::Allocator)
    /// implementation.
    pub(super) fn allocate_raw_pointer(&self, size: usize) -> Result<NonNull<u8>, AllocError> {
        let buffer = self.allocate(size)?;
        let raw = buffer.into_raw();
        Ok(NonNull::new(raw.data).unwrap_or(self.storage))
    }
}
