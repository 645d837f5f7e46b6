//! `LinearAllocator` and `StackAllocator` as allocators of `allocator-api2` collections.
#![cfg(all(feature = "allocator-api2", not(loom)))]

use allocator_api2::boxed::Box;
use allocator_api2::vec::Vec;
use flight_memory::{FreeError, LinearAllocator, StackAllocator, static_allocator};

#[test]
fn a_growing_vec_stays_in_place_in_a_linear_allocator() {
    let mut buffer = [0u8; 4096];
    let scratch = LinearAllocator::from_slice(&mut buffer);
    let mut samples: Vec<u32, _> = Vec::new_in(&scratch);
    samples.push(1);
    let first = samples.as_ptr();
    for i in 2..=500 {
        samples.push(i);
    }
    assert_eq!(samples.as_ptr(), first, "grown in place");
    assert_eq!(samples.iter().sum::<u32>(), 500 * 501 / 2);
    assert_eq!(scratch.used_memory(), samples.capacity() * 4);
    samples.shrink_to_fit();
    assert_eq!(scratch.used_memory(), 500 * 4);
    drop(samples);
    assert_eq!(scratch.used_memory(), 0, "the newest allocation rolls back");
}

#[test]
fn interleaved_vecs_in_a_linear_allocator_copy_and_keep_their_contents() {
    let mut buffer = [0u8; 8192];
    let scratch = LinearAllocator::from_slice(&mut buffer);
    let mut a: Vec<u16, _> = Vec::new_in(&scratch);
    let mut b: Vec<u64, _> = Vec::new_in(&scratch);
    for i in 0..200 {
        a.push(i);
        b.push(u64::from(i) * 3);
    }
    assert!(a.iter().copied().eq(0..200));
    assert!(b.iter().copied().eq((0..200).map(|i| i * 3)));
    let boxed = Box::new_in([7u8; 16], &scratch);
    assert_eq!(*boxed, [7u8; 16]);
    let stats = scratch.stats();
    assert!(stats.used <= 8192);
    assert_eq!(stats.failures, 0);
}

#[test]
fn exhaustion_is_an_error_not_a_panic() {
    let mut buffer = [0u8; 64];
    let scratch = LinearAllocator::from_slice(&mut buffer);
    let mut v: Vec<u8, _> = Vec::new_in(&scratch);
    assert!(v.try_reserve(65).is_err());
    v.try_reserve(64).unwrap();
    assert_eq!(scratch.stats().failures, 1);

    let mut buffer = [0u8; 64];
    let stack = StackAllocator::from_slice(&mut buffer);
    let mut w: Vec<u8, _> = Vec::new_in(&stack);
    assert!(w.try_reserve(64).is_err(), "the record needs room too");
    w.try_reserve(16).unwrap();
}

#[test]
fn a_growing_vec_stays_in_place_on_a_stack() {
    let mut buffer = [0u8; 4096];
    let stack = StackAllocator::from_slice(&mut buffer);
    let mut v: Vec<u32, _> = Vec::new_in(&stack);
    v.push(0);
    let first = v.as_ptr();
    v.extend(1..400);
    assert_eq!(v.as_ptr(), first, "grown in place");
    assert!(v.iter().copied().eq(0..400));
    assert_eq!(stack.depth(), 1);
    drop(v);
    assert_eq!((stack.used_memory(), stack.depth()), (0, 0));
}

#[test]
fn a_collection_holds_its_stack_memory_against_the_safe_api() {
    let mut buffer = [0u8; 1024];
    let stack = StackAllocator::from_slice(&mut buffer);
    let before = stack.marker();
    let mut v: Vec<u64, _> = Vec::new_in(&stack);
    v.extend([1, 2, 3]);
    let ptr = core::ptr::NonNull::new(v.as_mut_ptr())
        .unwrap()
        .cast::<u8>();
    // Neither a bare pointer nor an old marker can free memory the vector still owns.
    // SAFETY: the collection's memory is not a raw allocation of the stack; it is refused.
    let refused = unsafe { stack.deallocate(ptr, 24) };
    assert_eq!(refused, Err(FreeError::NotAllocated));
    assert_eq!(stack.free_to_marker(before), Err(FreeError::OutOfOrder));
    v.push(4);
    assert_eq!(v.as_slice(), [1, 2, 3, 4]);
    drop(v);
    assert_eq!(stack.free_to_marker(before), Ok(()));
}

#[test]
fn memory_given_back_out_of_order_is_released_once_it_is_the_newest() {
    let mut buffer = [0u8; 2048];
    let stack = StackAllocator::from_slice(&mut buffer);
    let mut a: Vec<u32, _> = Vec::with_capacity_in(8, &stack);
    a.extend(0..8);
    let mut b: Vec<u32, _> = Vec::with_capacity_in(8, &stack);
    b.extend(10..18);
    let with_both = stack.used_memory();
    drop(a); // out of order: `b` is newer
    assert_eq!(stack.used_memory(), with_both);
    assert_eq!(stack.depth(), 2);
    assert!(b.iter().copied().eq(10..18));
    // Growing `b` past its capacity in place still works: it is the newest.
    let b_ptr = b.as_ptr();
    b.extend(18..40);
    assert_eq!(b.as_ptr(), b_ptr);
    drop(b); // releases `b`, then `a` below it
    assert_eq!((stack.used_memory(), stack.depth()), (0, 0));
    let stats = stack.stats();
    // The growth in place counts as an allocation and a free.
    assert_eq!((stats.allocations, stats.frees, stats.used), (3, 3, 0));
}

#[test]
fn a_vec_that_cannot_grow_in_place_moves_and_its_old_memory_follows() {
    let mut buffer = [0u8; 4096];
    let stack = StackAllocator::from_slice(&mut buffer);
    let mut a: Vec<u8, _> = Vec::with_capacity_in(4, &stack);
    a.extend([1, 2, 3, 4]);
    let b: Vec<u8, _> = Vec::with_capacity_in(4, &stack);
    a.extend(5..=100); // `b` is on top: `a` moves, its old memory waits below `b`
    assert!(a.iter().copied().eq(1..=100));
    drop(b);
    drop(a);
    assert_eq!((stack.used_memory(), stack.depth()), (0, 0));
}

#[test]
fn a_static_stack_serves_collections_and_refuses_while_a_scope_owns_it() {
    static_allocator! {
        static STACK: StackAllocator(2048);
    }
    let mut names: Vec<&str, _> = Vec::new_in(&STACK);
    names.push("sun-sensor");
    STACK
        .try_scope(|frame| {
            let scratch = frame.alloc_slice_copy(&[1u8, 2, 3]).unwrap();
            let mut inside: Vec<u8, _> = Vec::new_in(&STACK);
            assert!(inside.try_reserve(1).is_err(), "the frame owns the stack");
            scratch[0]
        })
        .unwrap();
    names.push("star-tracker");
    assert_eq!(names.len(), 2);
    drop(names);
    assert_eq!(STACK.used_memory(), 0);
}

#[test]
fn zero_sized_allocations_work() {
    let mut buffer = [0u8; 256];
    let stack = StackAllocator::from_slice(&mut buffer);
    let unit = Box::new_in((), &stack);
    let empty: Vec<u32, _> = Vec::new_in(&stack);
    assert!(empty.is_empty());
    drop(unit);
    assert_eq!(stack.used_memory(), 0);

    let mut buffer = [0u8; 256];
    let scratch = LinearAllocator::from_slice(&mut buffer);
    let unit = Box::new_in((), &scratch);
    drop(unit);
    assert_eq!(scratch.used_memory(), 0);
}
