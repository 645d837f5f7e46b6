//! The CubeSat memory plan on a Cortex-M microcontroller, under QEMU.
//!
//! Built for `thumbv7em-none-eabihf` it runs on QEMU's `mps2-an386` (Cortex-M4F, compare-and-swap: the
//! lock-free free lists); built for `thumbv6m-none-eabi` on QEMU's `microbit` (Cortex-M0, no compare-and-swap:
//! the free lists take a critical section, which cortex-m's `critical-section-single-core` provides). The build
//! script picks the board's `memory.x` and the platform of `memory.toml` from the target.
//!
//! It exercises every kind of allocator of the plan once ([`exercise`]), then runs the interrupt stress
//! ([`stress`]): SysTick preempts the main loop thousands of times, and both allocate and return blocks and
//! buffers of the same allocators. Then it checks that every block and buffer came back and that none was
//! handed out twice ([`audit`]), prints the telemetry over semihosting and exits with status 0, or 1 on the
//! first failure. `scripts/qemu.sh` at the root of the repository builds, runs and verifies both images.
#![no_std]
#![no_main]

mod audit;
mod command;
mod events;
mod exercise;
mod stress;
mod tag;
mod telemetry;

flight_memory::include_memory!();

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};

/// The board the build script chose from the target (`an386` or `microbit`), also the platform's name.
pub const BOARD: &str = env!("FIRMWARE_BOARD");

#[entry]
fn main() -> ! {
    hprintln!(
        "cubesat-firmware on {} (platform `{}`)",
        BOARD,
        memory::PLATFORM.name()
    );
    let Some(peripherals) = cortex_m::Peripherals::take() else {
        fail("the core peripherals were already taken");
    };

    if let Err(what) = exercise::run() {
        fail(what);
    }
    let report = stress::run(peripherals.SYST);
    telemetry::print(&report);
    if let Err(what) = audit::run(&report) {
        fail(what);
    }
    hprintln!("ok: every block and buffer came back, none was handed out twice");
    debug::exit(debug::EXIT_SUCCESS);
    loop {
        cortex_m::asm::wfi();
    }
}

/// Prints what went wrong and ends the run with a failure status (QEMU exits with 1).
fn fail(what: &str) -> ! {
    hprintln!("FAILED: {}", what);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
