//! After the stress: did every block and buffer come back, and was none handed out twice? Besides the counts
//! of the stress itself, each allocator is drained: it must hand out exactly its capacity, every block or
//! buffer at a different address, and refuse one more.

use crate::events::UPLINK;
use crate::memory;
use crate::stress::{PREEMPTIONS, Report};

/// The most blocks or buffers an allocator of this firmware has; the drain holds them in a fixed array.
const MOST: usize = 32;

/// Checks the stress's counts, then drains the pool and both buffer managers.
pub fn run(report: &Report) -> Result<(), &'static str> {
    if report.ticks < PREEMPTIONS {
        return Err("SysTick interrupted the main loop fewer times than the stress asks for");
    }
    if report.main.tag_errors + report.interrupt.tag_errors != 0 {
        return Err("a block or buffer changed under its holder: it was handed out twice");
    }
    if report.main.failures + report.interrupt.failures != 0 {
        return Err("an allocator refused a request it had room for: a block or buffer was lost");
    }

    let pool = &memory::pools::TELEMETRY_PACKET;
    let stats = pool.stats();
    if pool.in_use() != 0 || stats.allocations != stats.frees {
        return Err("the telemetry pool still counts blocks in use");
    }
    if pool.refused_frees() != 0 {
        return Err("the telemetry pool refused a block given back: it was given back twice");
    }
    drain(pool.capacity(), || pool.allocate().ok(), |b| b.as_ptr())
        .map_err(|_| "the telemetry pool does not have its blocks back")?;

    for manager in [&memory::buffer_managers::DOWNLINK, &UPLINK] {
        let telemetry = manager.telemetry();
        if telemetry.curr_buffs != 0 || telemetry.rejected_returns != manager_rejections(manager) {
            return Err("a buffer manager still counts buffers in use, or refused a return");
        }
        // Size 1 takes the smallest bin first and spills over to the larger ones: every buffer comes out.
        drain(
            telemetry.total_buffs,
            || manager.allocate(1).ok(),
            |b| b.as_ptr(),
        )
        .map_err(|_| "a buffer manager does not have its buffers back")?;
    }
    Ok(())
}

/// Returns expected by the audit: the downlink manager refused one double return on purpose in
/// `exercise::buffer_manager`; the stress itself returns nothing twice.
fn manager_rejections(manager: &flight_memory::BufferManager<'static>) -> usize {
    usize::from(core::ptr::eq(manager, &memory::buffer_managers::DOWNLINK))
}

/// Takes `capacity` blocks from `allocate` and checks that all come, at different addresses, and that one
/// more does not.
fn drain<T>(
    capacity: usize,
    mut allocate: impl FnMut() -> Option<T>,
    address: impl Fn(&T) -> *const u8,
) -> Result<(), ()> {
    if capacity > MOST {
        return Err(());
    }
    let mut held: [Option<T>; MOST] = [const { None }; MOST];
    for slot in held.iter_mut().take(capacity) {
        *slot = Some(allocate().ok_or(())?);
    }
    if allocate().is_some() {
        return Err(());
    }
    let addresses = held.iter().flatten().map(&address);
    for (i, a) in addresses.clone().enumerate() {
        if addresses.clone().skip(i + 1).any(|b| b == a) {
            return Err(());
        }
    }
    Ok(())
}
