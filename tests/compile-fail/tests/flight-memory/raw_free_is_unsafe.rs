// Issue 12, item 6: a raw pointer freed once, whose block has since been handed out again as raw memory, has the
// same address as the new owner's, so no allocator can refuse a second free of it. Freeing by pointer is therefore
// `unsafe` (as `core::alloc::Allocator::deallocate`): safe code cannot free another owner's block.
use core::ptr::NonNull;
use flight_memory::{Allocator, MemoryPool, static_allocator};

static POOL: MemoryPool<32, 2> = MemoryPool::new();

static_allocator! {
    static STACK: StackAllocator(256);
}

fn stale_double_free(allocator: &dyn Allocator) {
    let first: NonNull<u8> = allocator.allocate(8, 8).unwrap();
    let _ = allocator.deallocate(first, 8);
    let _second = allocator.allocate(8, 8).unwrap(); // the same block, a new owner
    let _ = allocator.deallocate(first, 8); // would free `_second`
}

fn pool_raw_free() {
    let ptr = POOL.allocate().unwrap().into_raw();
    let _ = POOL.deallocate_raw(ptr);
}

fn stack_raw_free() {
    let top: NonNull<u8> = STACK.allocate(8, 8).unwrap();
    let _ = STACK.deallocate(top, 8);
}

fn main() {
    stale_double_free(&POOL);
    pool_raw_free();
    stack_raw_free();
}
