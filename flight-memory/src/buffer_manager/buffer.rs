//! [`Buffer`]: the owning handle of one buffer, which goes back to its manager when dropped.

use core::ptr::NonNull;

use crate::AllocError;

use super::{BufferManager, ManagerId};

/// One buffer of a [`BufferManager`], owned by whoever holds this handle: F´'s `Fw::Buffer`, with ownership.
///
/// It derefs to `[u8]` of its [`len`](Buffer::len), the size requested, and may grow up to its
/// [`capacity`](Buffer::capacity), its bin's size. It is `Send` and `Sync`, so it can be passed between
/// components and threads, and it goes back to its manager when dropped (or by
/// [`BufferManager::deallocate`]). [`into_raw`](Buffer::into_raw) turns it into plain data for queues and FFI.
///
/// A buffer's bytes are what its previous owner left there (zero the first time): the manager does not clear
/// them, as F´'s does not.
///
/// ```
/// use std::sync::mpsc;
/// use flight_memory::buffer_manager;
///
/// buffer_manager! {
///     static FILES: id 3, bins [512 x 4];
/// }
///
/// let (to_downlink, downlink) = mpsc::channel();
/// let mut chunk = FILES.allocate(3)?;
/// chunk.copy_from_slice(b"abc");
/// to_downlink.send(chunk).unwrap();
///
/// std::thread::spawn(move || {
///     let chunk = downlink.recv().unwrap();
///     assert_eq!(&chunk[..], b"abc");
///     // dropped here: back to FILES
/// })
/// .join()
/// .unwrap();
/// assert_eq!(FILES.telemetry().curr_buffs, 0);
/// # Ok::<(), flight_memory::AllocError>(())
/// ```
pub struct Buffer<'m> {
    /// The manager the buffer goes back to.
    pub(super) manager: &'m BufferManager<'m>,
    /// The first byte: valid for reads and writes of the bin's size for `'m`, initialised, aligned to the
    /// manager's alignment, and accessed by no one but this handle.
    pub(super) data: NonNull<u8>,
    /// Bytes in use: at most the bin's size.
    pub(super) len: usize,
    /// The buffer's index in its bin, below the bin's count.
    pub(super) index: u32,
    /// The buffer's bin, below the manager's bin count (at most `MAX_BINS`), with [`Buffer::FAST`] set if the
    /// bin's list is small and the manager's occupancy packed, which makes giving it back test nothing. A `u32`
    /// rather than a `u8` so that the handle has no padding: moving it is four word copies, where padding made
    /// LLVM copy it piecemeal.
    pub(super) bin: u32,
}

// SAFETY: a `Buffer` is an exclusive handle to its bytes, like `&'m mut [u8]` (which is `Send`), plus a shared
// reference to a manager, which is `Sync`.
unsafe impl Send for Buffer<'_> {}
// SAFETY: through `&Buffer` only the bytes can be read (like `&[u8]`) and the manager reached by `&`.
unsafe impl Sync for Buffer<'_> {}

impl<'m> Buffer<'m> {
    /// The flag of [`bin`](Buffer::bin)'s field for a buffer whose bin's list is small
    /// ([`BinList::is_small`](super::list::BinList::is_small)) in a manager whose occupancy is packed.
    /// The same bit as the size-class table's [`FITS`](super::bins::FITS), so that the fast path puts the
    /// table's entry in the handle as it is.
    pub(super) const FAST: u32 = super::bins::FITS as u32;

    /// Wraps buffer `index` of bin `bin`, where `bin` may carry [`FAST`](Buffer::FAST).
    ///
    /// # Safety
    ///
    /// The caller owns buffer `index` of `bin` of `manager` (taken from its free list, or back from the raw
    /// state) and gives that ownership to the handle; `data` is its first byte; `len` is at most the bin's size;
    /// `FAST` is set only if the bin's list is small and the manager's occupancy packed.
    #[inline(always)]
    pub(super) unsafe fn new(
        manager: &'m BufferManager<'m>,
        bin: u32,
        index: u32,
        data: NonNull<u8>,
        len: usize,
    ) -> Self {
        debug_assert!(((bin & !Self::FAST) as usize) < manager.bin_count());
        Buffer {
            manager,
            data,
            len,
            index,
            bin,
        }
    }

    /// Bytes in use: the size requested, or as set by [`set_len`](Buffer::set_len).
    #[inline]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether no bytes are in use.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The size of the buffer's bin: how long it may become.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.manager
            .layouts
            .get(self.bin())
            .map_or(self.len, |layout| layout.size)
    }

    /// The buffer's bin: its position in the manager's bins, smallest first.
    #[inline]
    pub const fn bin(&self) -> usize {
        (self.bin & !Self::FAST) as usize
    }

    /// The buffer's index in its bin.
    #[inline]
    pub const fn index(&self) -> usize {
        self.index as usize
    }

    /// The id of the manager the buffer goes back to.
    #[inline]
    pub const fn manager_id(&self) -> ManagerId {
        self.manager.id
    }

    /// Sets the bytes in use to `len`, up to the [`capacity`](Buffer::capacity). Growing exposes what the
    /// buffer held before (its bytes are always initialised, so this is safe, unlike `Vec::set_len`).
    ///
    /// # Errors
    ///
    /// [`AllocError::TooLarge`] if `len` exceeds the capacity; the buffer is unchanged.
    ///
    /// ```
    /// use flight_memory::{buffer_manager, AllocError};
    ///
    /// buffer_manager! {
    ///     static UPLINK: id 7, bins [64 x 1];
    /// }
    ///
    /// let mut frame = UPLINK.allocate(0)?;
    /// frame.set_len(64)?;
    /// assert_eq!(frame.len(), 64);
    /// assert_eq!(frame.set_len(65), Err(AllocError::TooLarge { requested: 65, max: 64 }));
    /// # Ok::<(), AllocError>(())
    /// ```
    #[inline]
    pub fn set_len(&mut self, len: usize) -> Result<(), AllocError> {
        let capacity = self.capacity();
        if len > capacity {
            return Err(AllocError::TooLarge {
                requested: len,
                max: capacity,
            });
        }
        self.len = len;
        Ok(())
    }

    /// Shortens the bytes in use to `len`; does nothing if `len` is not shorter.
    ///
    /// ```
    /// use flight_memory::buffer_manager;
    ///
    /// buffer_manager! {
    ///     static PACKETS: id 8, bins [64 x 1];
    /// }
    ///
    /// let mut packet = PACKETS.allocate(64)?;
    /// packet.truncate(10);
    /// assert_eq!((packet.len(), packet.capacity()), (10, 64));
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    #[inline]
    pub fn truncate(&mut self, len: usize) {
        if len < self.len {
            self.len = len;
        }
    }

    /// The bytes in use.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `data` is valid, initialised and ours alone for the bin's size, and `len` is at most that
        // (the field invariants); the slice borrows `self`.
        unsafe { core::slice::from_raw_parts(self.data.as_ptr(), self.len) }
    }

    /// The bytes in use, mutably.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_slice`, and `&mut self` makes this the only view.
        unsafe { core::slice::from_raw_parts_mut(self.data.as_ptr(), self.len) }
    }

    /// The first byte, for FFI and DMA. Aligned to the manager's alignment; valid for
    /// [`capacity`](Buffer::capacity) bytes while the handle lives. Unsafe code writing through it must leave
    /// the bytes initialised (no uninitialised padding), since the buffer and its later owners read them as
    /// `[u8]`.
    #[inline]
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.data.as_ptr()
    }

    /// The first byte, for reading.
    #[inline]
    pub fn as_ptr(&self) -> *const u8 {
        self.data.as_ptr()
    }
}

impl Drop for Buffer<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        if self.bin & Self::FAST != 0 {
            // SAFETY: the handle owns its buffer (field invariants) and is going away; `FAST` says its list is
            // small and the occupancy packed.
            unsafe { self.manager.release_fast(self.bin(), self.index) };
        } else {
            // SAFETY: the handle owns its buffer (field invariants) and is going away.
            unsafe { self.manager.release(self.bin(), self.index) };
        }
    }
}

impl core::ops::Deref for Buffer<'_> {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl core::ops::DerefMut for Buffer<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

impl AsRef<[u8]> for Buffer<'_> {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsMut<[u8]> for Buffer<'_> {
    fn as_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

impl core::fmt::Debug for Buffer<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Buffer")
            .field("manager", &self.manager.id.0)
            .field("bin", &self.bin())
            .field("index", &self.index)
            .field("len", &self.len)
            .field("capacity", &self.capacity())
            .finish()
    }
}
