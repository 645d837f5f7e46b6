//! [`LinearAllocator`] and [`StackAllocator`] as allocators of `allocator-api2` collections (feature
//! `allocator-api2`): `allocator_api2::vec::Vec::new_in(&scratch)`.
//!
//! * [`LinearAllocator`]: growing or shrinking the newest allocation happens in place, and giving back the
//!   newest allocation rolls the allocator back, so a single growing `Vec` wastes nothing. Anything else that is
//!   given back stays used until [`reset`](LinearAllocator::reset).
//!
//! In the statistics, a resize in place counts as one allocation and one free, as a move would.
//! * [`StackAllocator`]: growing or shrinking the newest allocation happens in place. A collection's memory
//!   is *held*: the safe API cannot free it under the collection (`deallocate` refuses it with
//!   [`FreeError::NotAllocated`](crate::FreeError::NotAllocated), and a marker below it with
//!   [`FreeError::OutOfOrder`](crate::FreeError::OutOfOrder)). A collection that gives its memory back while
//!   newer allocations are live (out of order) has it released as soon as everything above it is freed. When
//!   growing cannot happen in place, the old memory is released that same way. If the stack is busy (another
//!   thread or a scope holds it), allocation fails and memory given back stays used until
//!   [`reset`](StackAllocator::reset) (counted as a failure).
//!
//! ```
//! use allocator_api2::vec::Vec;
//! use flight_memory::{LinearAllocator, StackAllocator};
//!
//! let mut buffer = [0u8; 1024];
//! let scratch = LinearAllocator::from_slice(&mut buffer);
//! let mut samples = Vec::new_in(&scratch);
//! samples.extend([1u32, 2, 3, 4, 5]);
//! assert_eq!(samples.iter().sum::<u32>(), 15);
//! assert_eq!(scratch.used_memory(), samples.capacity() * 4); // grown in place
//!
//! let mut buffer = [0u8; 1024];
//! let stack = StackAllocator::from_slice(&mut buffer);
//! {
//!     let mut names = Vec::new_in(&stack);
//!     names.extend_from_slice(b"imu");
//! }
//! assert_eq!(stack.used_memory(), 0); // dropped: given back
//! ```

use core::alloc::Layout;
use core::ptr::NonNull;

use ::allocator_api2::alloc::{AllocError as ApiAllocError, Allocator as ApiAllocator};

use crate::{LinearAllocator, StackAllocator};

#[inline]
fn block(ptr: NonNull<u8>, size: usize) -> NonNull<[u8]> {
    NonNull::slice_from_raw_parts(ptr, size)
}

#[inline]
fn is_aligned_to(ptr: NonNull<u8>, align: usize) -> bool {
    crate::is_ptr_aligned(ptr.as_ptr(), align)
}

/// `grow`, in place where the allocator can, then zeroes the bytes past the old size: one `grow_zeroed` for both
/// bump allocators (the trait's default would always move the block).
///
/// # Safety
///
/// As [`ApiAllocator::grow_zeroed`]: `ptr` is a block of `allocator` with `old_layout`, and `new_layout.size()` is
/// at least `old_layout.size()`.
unsafe fn grow_then_zero<A: ApiAllocator + ?Sized>(
    allocator: &A,
    ptr: NonNull<u8>,
    old_layout: Layout,
    new_layout: Layout,
) -> Result<NonNull<[u8]>, ApiAllocError> {
    // SAFETY: forwarded from this function's contract.
    let grown = unsafe { allocator.grow(ptr, old_layout, new_layout) }?;
    // SAFETY: the grown block is valid for `new_layout.size() >= old_layout.size()` bytes.
    unsafe {
        grown
            .cast::<u8>()
            .as_ptr()
            .add(old_layout.size())
            .write_bytes(0, new_layout.size() - old_layout.size());
    }
    Ok(grown)
}

/// Moves a block that could not be resized in place: allocates `new`, copies what fits, frees the old one.
///
/// # Safety
///
/// As `allocator_api2::alloc::Allocator::grow` / `shrink` for `allocator`.
unsafe fn move_block<A: ApiAllocator + ?Sized>(
    allocator: &A,
    ptr: NonNull<u8>,
    old: Layout,
    new: Layout,
) -> Result<NonNull<[u8]>, ApiAllocError> {
    let moved = allocator.allocate(new)?;
    // SAFETY: the old block is valid for `old.size()` bytes (caller's contract), the new one for `new.size()`;
    // they are distinct live allocations, so they do not overlap.
    unsafe {
        core::ptr::copy_nonoverlapping(
            ptr.as_ptr(),
            moved.cast::<u8>().as_ptr(),
            old.size().min(new.size()),
        );
        allocator.deallocate(ptr, old);
    }
    Ok(moved)
}

// SAFETY: blocks come from `LinearAllocator::allocate`, which hands out disjoint memory, aligned and of the size
// asked, valid until the allocator is reset (`&mut self`, impossible while a collection borrows or owns it) or
// dropped. Memory is reused only through the newest-allocation roll-back below, after its holder gave it up
// (the contract of `deallocate` and `shrink`).
unsafe impl ApiAllocator for LinearAllocator<'_> {
    #[inline]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, ApiAllocError> {
        LinearAllocator::allocate(self, layout.size(), layout.align())
            .map(|ptr| block(ptr, layout.size()))
            .map_err(|_| ApiAllocError)
    }

    /// Rolls back the newest allocation; other memory stays used until `reset`.
    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        if layout.size() == 0 {
            return;
        }
        if let Some(start) = self.offset_of(ptr) {
            self.release_newest(start, layout.size());
        }
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, ApiAllocError> {
        if let Some(start) = self.offset_of(ptr) {
            if old_layout.size() > 0
                && is_aligned_to(ptr, new_layout.align())
                && self.resize_newest(start, old_layout.size(), new_layout.size())
            {
                return Ok(block(ptr, new_layout.size()));
            }
        }
        // SAFETY: forwarded from this function's contract.
        unsafe { move_block(self, ptr, old_layout, new_layout) }
    }

    unsafe fn grow_zeroed(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, ApiAllocError> {
        // SAFETY: forwarded from this function's contract.
        unsafe { grow_then_zero(self, ptr, old_layout, new_layout) }
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, ApiAllocError> {
        if is_aligned_to(ptr, new_layout.align()) {
            if let Some(start) = self.offset_of(ptr) {
                if old_layout.size() > 0 {
                    // Gives the tail back if this is the newest allocation; otherwise it stays used.
                    self.resize_newest(start, old_layout.size(), new_layout.size());
                }
            }
            return Ok(block(ptr, new_layout.size()));
        }
        // SAFETY: forwarded from this function's contract.
        unsafe { move_block(self, ptr, old_layout, new_layout) }
    }
}

/// Grows or shrinks a block of `stack`: in place if it is the newest allocation, else by moving it.
///
/// # Safety
///
/// As [`ApiAllocator::grow`] / [`ApiAllocator::shrink`]: `ptr` is a block of `stack` allocated with `old_layout`.
unsafe fn resize_on_stack(
    stack: &StackAllocator<'_>,
    ptr: NonNull<u8>,
    old_layout: Layout,
    new_layout: Layout,
) -> Result<NonNull<[u8]>, ApiAllocError> {
    if stack.resize_newest(ptr, new_layout.size(), new_layout.align()) {
        return Ok(block(ptr, new_layout.size()));
    }
    // SAFETY: forwarded from this function's contract.
    unsafe { move_block(stack, ptr, old_layout, new_layout) }
}

// SAFETY: blocks come from `StackAllocator::allocate_held`, which hands out disjoint memory above the top,
// aligned and of the size asked, and marks it held: the safe API (`deallocate`, `free_to_marker`) refuses to
// free held memory, scopes release only what their frames allocated, and `reset` takes `&mut self`. Held memory
// is freed only through `deallocate`/`grow`/`shrink` below, after its holder gave it up.
unsafe impl ApiAllocator for StackAllocator<'_> {
    #[inline]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, ApiAllocError> {
        self.allocate_held(layout.size(), layout.align())
            .map(|ptr| block(ptr, layout.size()))
            .map_err(|_| ApiAllocError)
    }

    /// Frees now if this is the newest allocation, else as soon as everything above it is freed.
    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: the caller gives up a block allocated by `allocate_held` above, with this layout.
        unsafe { self.deallocate_held(ptr, layout.size()) }
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, ApiAllocError> {
        // SAFETY: forwarded from this function's contract.
        unsafe { resize_on_stack(self, ptr, old_layout, new_layout) }
    }

    unsafe fn grow_zeroed(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, ApiAllocError> {
        // SAFETY: forwarded from this function's contract.
        unsafe { grow_then_zero(self, ptr, old_layout, new_layout) }
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, ApiAllocError> {
        // SAFETY: forwarded from this function's contract.
        unsafe { resize_on_stack(self, ptr, old_layout, new_layout) }
    }
}
