//! [`BufferInfo`]: what a manager knows about one of its buffers that is out, from its pointer or its raw form,
//! as cFE's `CFE_ES_GetPoolBufInfo` tells the size of a pool buffer from its address.

use crate::FreeError;

use super::BufferManager;
use super::raw::{RawBuffer, is_out_with};

/// A buffer of a manager that is out (held by a [`Buffer`](super::Buffer), out in raw form, or a raw
/// allocation): where it is and how many bytes it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct BufferInfo {
    /// The buffer's bin.
    pub bin: usize,
    /// The buffer's index in its bin.
    pub index: usize,
    /// Bytes the buffer holds: its bin's size.
    pub capacity: usize,
}

impl BufferManager<'_> {
    /// The buffer of this manager that starts at `ptr`, if it is out: cFE's `CFE_ES_GetPoolBufInfo`. Only
    /// reads; nothing is counted or reported to the failure hook.
    ///
    /// # Errors
    ///
    /// [`FreeError::ForeignPointer`] if `ptr` is not in this manager's buffers, [`FreeError::NotBlockStart`] if
    /// it points into a buffer, [`FreeError::NotAllocated`] if that buffer is free.
    ///
    /// ```
    /// use flight_memory::{buffer_manager, FreeError};
    ///
    /// buffer_manager! {
    ///     static POOL: id 7, bins [64 x 2, 512 x 1];
    /// }
    ///
    /// let buffer = POOL.allocate(100)?;
    /// let info = POOL.buffer_info(buffer.as_ptr()).expect("out");
    /// assert_eq!((info.bin, info.capacity), (1, 512));
    /// let ptr = buffer.as_ptr();
    /// drop(buffer);
    /// assert_eq!(POOL.buffer_info(ptr), Err(FreeError::NotAllocated));
    /// assert_eq!(POOL.buffer_info(ptr.wrapping_add(1)), Err(FreeError::NotBlockStart { offset: 1 }));
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    pub fn buffer_info(&self, ptr: *const u8) -> Result<BufferInfo, FreeError> {
        let (bin, layout, index) = self.locate(ptr).map_err(|(_, error)| error)?;
        let out = self
            .bin(bin)
            .is_some_and(|(_, state)| state.free.is_allocated(self.links_of(layout), index));
        if !out {
            return Err(FreeError::NotAllocated);
        }
        Ok(BufferInfo {
            bin,
            index: index as usize,
            capacity: layout.size,
        })
    }

    /// The buffer `raw` names, if it is out in raw form with `raw`'s generation (a stale copy is refused) and
    /// `raw`'s pointer is its first byte. Only reads; nothing is counted or reported to the failure hook.
    ///
    /// # Errors
    ///
    /// The [`FreeError`]s of [`return_raw`](BufferManager::return_raw): another manager's id, no such bin or
    /// index, a pointer that is not the buffer's first byte, or a buffer not out in raw form with this
    /// generation.
    ///
    /// ```
    /// use flight_memory::{buffer_manager, FreeError};
    ///
    /// buffer_manager! {
    ///     static QUEUE: id 8, bins [128 x 2];
    /// }
    ///
    /// let raw = QUEUE.allocate(16)?.into_raw();
    /// assert_eq!(QUEUE.raw_buffer_info(&raw).map(|info| info.capacity), Ok(128));
    /// QUEUE.return_raw(raw).expect("out in raw form");
    /// assert_eq!(QUEUE.raw_buffer_info(&raw), Err(FreeError::NotAllocated));
    /// # Ok::<(), flight_memory::AllocError>(())
    /// ```
    pub fn raw_buffer_info(&self, raw: &RawBuffer) -> Result<BufferInfo, FreeError> {
        if raw.manager() != self.id {
            return Err(FreeError::WrongManager {
                expected: self.id.0,
                found: raw.manager().0,
            });
        }
        let (bin, index) = (raw.bin(), raw.index());
        let Some(layout) = self.layouts.get(bin) else {
            return Err(FreeError::BadBin {
                bin,
                bins: self.layouts.len(),
            });
        };
        if index >= layout.count {
            return Err(FreeError::BadIndex {
                index,
                count: layout.count,
            });
        }
        // `index < layout.count`, which fits in `u32` (bins are validated).
        let index32 = index as u32;
        let start = self.buffer_start(layout, index32).as_ptr().addr();
        let offset = raw.as_ptr().addr().wrapping_sub(start);
        if offset != 0 {
            return Err(if offset < layout.size {
                FreeError::NotBlockStart { offset }
            } else {
                FreeError::ForeignPointer
            });
        }
        let out = self
            .tag_of(layout, index32)
            .is_some_and(|tag| is_out_with(tag, raw.generation()));
        if !out {
            return Err(FreeError::NotAllocated);
        }
        Ok(BufferInfo {
            bin,
            index,
            capacity: layout.size,
        })
    }
}
