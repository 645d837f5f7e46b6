//! The runtime's hot paths and heapless's pool, each wrapped in an `extern "C"` function, so that their code size
//! and fast-path instructions on a Cortex-M4F can be read from the staticlib (BENCHMARKS.md, "On the target"):
//!
//! ```text
//! cd flight-memory/benches/thumbv7em && sh size.sh
//! ```
//!
//! Not a member of the workspace: it builds `core` for the target with `-Zbuild-std`.
#![no_std]
use core::hint::black_box;
use core::ptr::NonNull;
use flight_memory::{
    Allocator, LinearAllocator, MemoryPool, StackAllocator, TypedPool, buffer_manager,
};
use heapless::box_pool;
use heapless::pool::boxed::BoxBlock;

static POOL: MemoryPool<64, 1024> = MemoryPool::new();
static TYPED: TypedPool<[u8; 64], 1024> = TypedPool::new();
box_pool!(HL: [u8; 64]);
buffer_manager! {
    static BM: id 1, bins [64 x 4, 128 x 4, 256 x 4, 512 x 4];
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[unsafe(no_mangle)]
pub extern "C" fn fm_pool_handle_pair() -> bool {
    match POOL.allocate() {
        Ok(b) => {
            black_box(&b);
            true
        }
        Err(_) => false,
    }
}
#[unsafe(no_mangle)]
pub extern "C" fn fm_pool_raw_alloc() -> *mut u8 {
    Allocator::allocate(&POOL, 64, 8).map_or(core::ptr::null_mut(), |p| p.as_ptr())
}
/// # Safety
///
/// `p` is null or a pointer from `fm_pool_raw_alloc` not freed since (`MemoryPool::deallocate_raw`'s contract).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fm_pool_raw_free(p: *mut u8) -> bool {
    // SAFETY: forwarded from this function's contract.
    NonNull::new(p).is_some_and(|p| unsafe { POOL.deallocate_raw(p) }.is_ok())
}
#[unsafe(no_mangle)]
pub extern "C" fn fm_typed_pool_pair() -> bool {
    match TYPED.alloc([0u8; 64]) {
        Ok(b) => {
            black_box(&b);
            true
        }
        Err(_) => false,
    }
}
#[unsafe(no_mangle)]
pub extern "C" fn heapless_box_pool_pair() -> bool {
    match HL.alloc([0u8; 64]) {
        Ok(b) => {
            black_box(&b);
            true
        }
        Err(_) => false,
    }
}
#[unsafe(no_mangle)]
pub extern "C" fn fm_buffer_manager_pair(size: usize) -> bool {
    match BM.allocate(size) {
        Ok(b) => BM.deallocate(b).is_ok(),
        Err(_) => false,
    }
}
#[unsafe(no_mangle)]
pub extern "C" fn fm_linear_exclusive_u64(l: &mut LinearAllocator<'static>, v: u64) -> usize {
    let view = l.exclusive();
    view.alloc(v).map_or(0, |r| r as *mut u64 as usize)
}
#[unsafe(no_mangle)]
pub extern "C" fn fm_linear_shared_u64(l: &LinearAllocator<'static>, v: u64) -> usize {
    l.alloc(v).map_or(0, |r| r as *mut u64 as usize)
}
#[unsafe(no_mangle)]
pub extern "C" fn fm_stack_exclusive_batch(s: &mut StackAllocator<'static>) -> bool {
    let mut view = s.exclusive();
    let m = view.marker();
    for _ in 0..16 {
        if view.allocate(black_box(64), 8).is_err() {
            return false;
        }
    }
    view.free_to_marker(m).is_ok()
}
#[unsafe(no_mangle)]
pub extern "C" fn fm_stack_marker_batch(s: &StackAllocator<'static>) -> bool {
    let m = s.marker();
    for _ in 0..16 {
        if s.allocate(black_box(64), 8).is_err() {
            return false;
        }
    }
    s.free_to_marker(m).is_ok()
}

/// Gives heapless's pool a block (its pool starts empty).
#[unsafe(no_mangle)]
pub extern "C" fn heapless_manage(block: &'static mut BoxBlock<[u8; 64]>) {
    HL.manage(block)
}
