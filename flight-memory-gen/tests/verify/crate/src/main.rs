//! verify's fixture image (tests/verify/*.elf): every kind of item placed by the plan (a typed pool too), a
//! `buffer_bins!` and a `#[memory_pool]`.
//! `make.sh` rebuilds the images.
#![no_std]
#![no_main]
use panic_halt as _;

flight_memory::include_memory!();

flight_memory::buffer_bins! {
    pub static UPLINK: in "sram" { 32 x 4, 128 x 2 }
}

#[flight_memory::memory_pool(count = 2, region = "sram")]
pub struct Reading(pub u32);

#[cortex_m_rt::entry]
fn main() -> ! {
    let a = memory::pools::PACKET.allocate().ok();
    let b = memory::buffer_managers::COMM.allocate(60).ok();
    let c = memory::components::SCRATCH.allocate(16, 8).ok();
    let d = UPLINK.allocate(20).ok();
    let e = memory::pools::SAMPLE.alloc(7).ok();
    let f = Reading::pool().alloc(Reading(3)).ok();
    core::hint::black_box((a, b, c, d, e, f));
    loop {}
}

struct Cs;
critical_section::set_impl!(Cs);
// SAFETY: a fixture that never runs with interrupts: acquire and release do nothing.
unsafe impl critical_section::Impl for Cs {
    unsafe fn acquire() -> bool { false }
    unsafe fn release(_: bool) {}
}
