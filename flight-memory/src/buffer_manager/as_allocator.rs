//! A [`BufferManager`] as an [`Allocator`] (strategy [`Buffers`](AllocationStrategy::Buffers)), so components
//! that take `&dyn Allocator` can be given one.

use core::ptr::NonNull;

use crate::{AllocError, AllocationStrategy, Allocator, FreeError, StatsSnapshot};

use super::bins::BinLayout;
use super::{BufferManager, ReturnError, raw};

/// Allocations are buffers out in raw form: `deallocate` takes them back by pointer (any generation), validated
/// as [`BufferManager::return_raw`] validates raw buffers but for the generation, which a bare pointer does not
/// carry (so the free is `unsafe`: see [raw frees](Allocator#raw-frees); hand [`RawBuffer`](super::RawBuffer)s
/// around to have stale copies refused), and zeroes them, since the caller may have written
/// bytes that are not initialised (padding) that the buffer's next owner would read as `[u8]`.
///
/// `stats()` counts whole buffers of their bin's size: `used` and `peak` in bytes, `allocations` and `frees` of
/// buffers in every form (handles, raw buffers, pointers), `failures` = `no_buffs`.
///
/// ```
/// use flight_memory::{buffer_manager, Allocator, AllocationStrategy, AllocError, FreeError};
///
/// buffer_manager! {
///     static SCRATCH: id 4, bins [64 x 2, 1024 x 1];
/// }
///
/// let allocator: &dyn Allocator = &SCRATCH;
/// let ptr = allocator.allocate(100, 8).expect("the 1024-byte buffer is free");
/// assert_eq!(allocator.used_memory(), 1024);
/// assert_eq!(allocator.allocate(8, 64), Err(AllocError::UnsupportedAlignment { align: 64, max: 8 }));
/// // SAFETY: `ptr` is given back once; the second call comes before any new raw allocation, so the buffer is
/// // seen free and the double free is refused (counted in `rejected_returns`).
/// unsafe {
///     allocator.deallocate(ptr, 100)?;
///     assert_eq!(allocator.deallocate(ptr, 100), Err(FreeError::NotAllocated));
/// }
/// assert_eq!(allocator.strategy(), AllocationStrategy::Buffers);
/// assert_eq!((allocator.total_memory(), allocator.stats().failures), (1152, 1));
/// # Ok::<(), FreeError>(())
/// ```
impl Allocator for BufferManager<'_> {
    fn allocate(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        if !align.is_power_of_two() {
            let first = self.layouts.partition_point(|layout| layout.size < size);
            return Err(self.fail(size, first, AllocError::InvalidAlignment { align }));
        }
        if align > self.alignment {
            let first = self.layouts.partition_point(|layout| layout.size < size);
            return Err(self.fail(
                size,
                first,
                AllocError::UnsupportedAlignment {
                    align,
                    max: self.alignment,
                },
            ));
        }
        self.allocate_raw_pointer(size)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, _size: usize) -> Result<(), FreeError> {
        match self.take_back_pointer(ptr) {
            Ok(()) => Ok(()),
            Err((bin, error)) => {
                self.refuse(bin, ReturnError::Free(error));
                Err(error)
            }
        }
    }

    fn used_memory(&self) -> usize {
        self.counters.occupancy.now().1
    }

    fn total_memory(&self) -> usize {
        self.layouts
            .iter()
            .map(|layout| layout.size.saturating_mul(layout.count))
            .fold(0, usize::saturating_add)
    }

    fn stats(&self) -> StatsSnapshot {
        self.memory_stats()
    }

    fn strategy(&self) -> AllocationStrategy {
        AllocationStrategy::Buffers
    }
}

impl BufferManager<'_> {
    /// Finds the buffer that starts at `ptr`: its bin, the bin's layout and its index. On error, the bin the
    /// pointer is in, if any.
    pub(super) fn locate(
        &self,
        ptr: *const u8,
    ) -> Result<(usize, &BinLayout, u32), (Option<usize>, FreeError)> {
        // Below the storage the subtraction wraps to a huge offset, which is outside too.
        let offset = ptr.addr().wrapping_sub(self.storage.as_ptr().addr());
        if offset >= self.storage_size {
            return Err((None, FreeError::ForeignPointer));
        }
        // The last bin that starts at or before `offset`; bins are laid out back to back from offset 0.
        let bin = self
            .layouts
            .partition_point(|layout| layout.offset <= offset)
            .saturating_sub(1);
        let Some((layout, _)) = self.bin(bin) else {
            return Err((None, FreeError::ForeignPointer));
        };
        let within_bin = offset.wrapping_sub(layout.offset);
        let (index, within) = match layout.stride {
            0 => (0, within_bin),
            stride => (within_bin / stride, within_bin % stride),
        };
        if index >= layout.count {
            return Err((None, FreeError::ForeignPointer));
        }
        if within != 0 {
            return Err((Some(bin), FreeError::NotBlockStart { offset: within }));
        }
        // `index < layout.count`, which fits in `u32` (bins are validated).
        Ok((bin, layout, index as u32))
    }

    /// Finds the buffer that starts at `ptr`, takes it out of the raw state, zeroes and releases it.
    fn take_back_pointer(&self, ptr: NonNull<u8>) -> Result<(), (Option<usize>, FreeError)> {
        let (bin, layout, index) = self.locate(ptr.as_ptr())?;
        let taken = self.tag_of(layout, index).is_some_and(raw::take_back_any);
        if !taken {
            return Err((Some(bin), FreeError::NotAllocated));
        }
        let start = self.buffer_start(layout, index);
        // SAFETY: the buffer was just taken out of the raw state, so it is ours alone; `start` is its first byte,
        // valid for `layout.size` bytes of storage.
        unsafe { core::ptr::write_bytes(start.as_ptr(), 0, layout.size) };
        // SAFETY: ours alone (above), and not touched again.
        unsafe { self.release(bin, index) };
        Ok(())
    }
}
