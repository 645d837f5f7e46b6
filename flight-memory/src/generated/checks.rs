//! The compile-time checks generated code runs against the runtime it is built with: the bytes flight-memory-gen
//! counted for each item's allocator state and storage are at least what the runtime's types take (so the budget
//! cannot drift from the runtime), and a typed pool's type is as aligned as memory.toml asks.
//!
//! Each is a `const fn` the generated code evaluates in a `const`, so a failure is a compile error whose message
//! names the item, its memory.toml location and the numbers.

use super::ledger::file_of;
use super::message::Message;
use crate::{
    Align, Alignment, BufferManager, BufferState, MemoryPool, PoolBlocks, TypedPool, TypedSlots,
};

/// Checks a `MemoryPool` over blocks in a static of their own (`MemoryPool<B, C, A, &'static PoolBlocks<B, C,
/// A>>`): its state takes at most `state` bytes and its blocks at most `blocks`.
///
/// # Panics
///
/// As [`check_counted`].
#[track_caller]
pub const fn check_pool<const B: usize, const C: usize, const A: usize>(
    what: &str,
    location: &str,
    state: u64,
    blocks: u64,
) where
    Align<A>: Alignment,
{
    check_counted(
        what,
        location,
        "allocator state",
        size_of::<MemoryPool<B, C, A, &'static PoolBlocks<B, C, A>>>(),
        state,
    );
    check_counted(
        what,
        location,
        "blocks",
        size_of::<PoolBlocks<B, C, A>>(),
        blocks,
    );
}

/// Checks a `BufferManager` of `B` bins and `N` buffers: the manager and its `BufferState` take at most `state`
/// bytes, and its table's buffers (`table_storage`) at most `storage`.
///
/// # Panics
///
/// As [`check_counted`].
#[track_caller]
pub const fn check_buffer_manager<const B: usize, const N: usize>(
    what: &str,
    location: &str,
    state: u64,
    table_storage: usize,
    storage: u64,
) {
    check_counted(
        what,
        location,
        "allocator state",
        size_of::<BufferManager<'static>>() + size_of::<BufferState<B, N>>(),
        state,
    );
    check_counted(what, location, "buffers", table_storage, storage);
}

/// Checks an allocator whose storage is apart (`LinearAllocator`, `StackAllocator`): it takes at most `state`
/// bytes.
///
/// # Panics
///
/// As [`check_counted`].
#[track_caller]
pub const fn check_allocator<T>(what: &str, location: &str, state: u64) {
    check_counted(what, location, "allocator state", size_of::<T>(), state);
}

/// Checks a `TypedPool<T, N>` over slots in a `static` of their own (the form generated code declares): its
/// state and its `TypedSlots` together take at most `counted` bytes.
///
/// # Panics
///
/// As [`check_counted`].
#[track_caller]
pub const fn check_typed_pool<T: 'static, const N: usize>(
    what: &str,
    location: &str,
    counted: u64,
) {
    check_counted(
        what,
        location,
        "allocator state and blocks",
        size_of::<TypedPool<T, N, &'static TypedSlots<T, N>>>() + size_of::<TypedSlots<T, N>>(),
        counted,
    );
}

/// Fails compilation (when evaluated in a `const`) if the runtime's `actual` bytes of `part` of an item exceed
/// the `counted` bytes flight-memory-gen put in the budget: the generator and the runtime do not match.
///
/// # Panics
///
/// If `actual > counted`, with a message naming the item, its location and both numbers.
#[track_caller]
pub const fn check_counted(what: &str, location: &str, part: &str, actual: usize, counted: u64) {
    if actual as u64 <= counted {
        return;
    }
    let mut message = Message::new()
        .text(location)
        .text(": ")
        .text(what)
        .text(" takes ")
        .number(actual as u64)
        .text(" bytes of ")
        .text(part)
        .text(" in this build, but flight-memory-gen counted ")
        .number(counted)
        .text(" in the memory budget: flight-memory-gen and flight-memory do not match; use the versions released together");
    panic!("{}", message.as_str())
}

/// Fails compilation (when evaluated in a `const`) if a typed pool's blocks, aligned as the type (`align`), are
/// less aligned than memory.toml asks (`required`, written at `location`: the pool's `align` or its region's).
///
/// # Panics
///
/// If `align < required`, with a message naming the pool, its location, the type and both alignments.
#[track_caller]
pub const fn check_type_align(
    what: &str,
    location: &str,
    type_name: &str,
    align: usize,
    required: u64,
) {
    if align as u64 >= required {
        return;
    }
    let mut message = Message::new()
        .text(location)
        .text(": ")
        .text(what)
        .text(" is to be aligned to ")
        .number(required)
        .text(" bytes, but `")
        .text(type_name)
        .text("` is aligned to ")
        .number(align as u64)
        .text(" and a typed pool's blocks have the alignment of their type: add #[repr(align(")
        .number(required)
        .text("))] to the type, or lower `align` in ")
        .text(file_of(location));
    panic!("{}", message.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LinearAllocator, StackAllocator};

    #[test]
    fn the_runtime_fits_what_the_generator_counts() {
        // The figures of flight-memory-gen's `metadata` module: 64 bytes per pool plus 4 per block, 224 per
        // buffer manager plus 56 per bin and 8 per buffer, 80 per linear and 96 per stack allocator.
        const _: () = check_pool::<256, 64, 8>("pool `p`", "m.toml:1:1", 64 + 64 * 4, 64 * 256);
        const _: () = check_buffer_manager::<3, 52>(
            "manager `m`",
            "m.toml:1:1",
            224 + 3 * 56 + 52 * 8,
            10,
            10,
        );
        const _: () = check_allocator::<LinearAllocator<'static>>("linear `l`", "m.toml:1:1", 80);
        const _: () = check_allocator::<StackAllocator<'static>>("stack `s`", "m.toml:1:1", 96);
        const _: () = check_typed_pool::<u64, 8>("pool `t`", "m.toml:1:1", 64 + 8 * 4 + 7 + 8 * 8);
    }

    #[test]
    fn failures_name_the_item_and_the_numbers() {
        check_counted("pool `p`", "m.toml:1:1", "allocator metadata", 64, 64);
        check_type_align("pool `p`", "m.toml:1:1", "u64", 8, 8);
        let panic = std::panic::catch_unwind(|| {
            check_counted("pool `p`", "m.toml:1:1", "metadata", 72, 64)
        })
        .unwrap_err();
        let message = panic.downcast_ref::<std::string::String>().unwrap();
        assert!(message.starts_with("m.toml:1:1: pool `p` takes 72 bytes of metadata"));
        let panic =
            std::panic::catch_unwind(|| check_type_align("pool `p`", "m.toml:1:1", "u32", 4, 64))
                .unwrap_err();
        let message = panic.downcast_ref::<std::string::String>().unwrap();
        assert!(message.contains("#[repr(align(64))]"), "{message}");
        assert!(message.ends_with("in m.toml"), "{message}");
    }
}
