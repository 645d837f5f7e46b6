//! The telemetry, printed over semihosting at the end of the run: the plan's regions, the stress's counts,
//! and each allocator's statistics in F´'s terms (in use, high-water, failed requests).

use cortex_m_semihosting::hprintln;
use flight_memory::{BufferManager, StatsSnapshot};

use crate::events::{EventRecord, UPLINK};
use crate::memory;
use crate::stress::Report;

/// Prints everything.
pub fn print(report: &Report) {
    hprintln!("{}", memory::PLATFORM);
    hprintln!(
        "stress: {} SysTick interrupts, {} of them inside an allocator call of the main loop",
        report.ticks,
        report.preempted_in_allocator
    );
    for (side, counts) in [("main loop", report.main), ("interrupt", report.interrupt)] {
        hprintln!(
            "  {:<9}  {:>7} steps  {:>2} tags changed  {:>2} requests refused",
            side,
            counts.steps,
            counts.tag_errors,
            counts.failures
        );
    }

    hprintln!("allocator                 in use  high-water  allocations  frees  failed");
    stats(
        "telemetry_packet (pool)",
        memory::pools::TELEMETRY_PACKET.stats(),
    );
    stats("command (type pool)", memory::pools::COMMAND.stats());
    stats("event_record (macro)", EventRecord::pool().stats());
    stats(
        "housekeeping (linear)",
        memory::components::HOUSEKEEPING.stats(),
    );
    stats(
        "command_dispatch (stack)",
        memory::components::COMMAND_DISPATCH.stats(),
    );

    hprintln!("buffer bins               bin  buffers  in use  high-water  spills  failed");
    bins("downlink", &memory::buffer_managers::DOWNLINK);
    bins("uplink (macro)", &UPLINK);
}

/// One allocator's line of statistics.
fn stats(name: &str, stats: StatsSnapshot) {
    hprintln!(
        "{:<24} {:>6} B {:>9} B {:>12} {:>6} {:>7}",
        name,
        stats.used,
        stats.peak,
        stats.allocations,
        stats.frees,
        stats.failures
    );
}

/// A buffer manager's F´ telemetry, one line per bin.
fn bins(name: &str, manager: &BufferManager<'static>) {
    for bin in manager.bin_telemetry() {
        hprintln!(
            "{:<18} {:>6} B {:>8} {:>7} {:>11} {:>7} {:>7}",
            name,
            bin.size,
            bin.total_buffs,
            bin.curr_buffs,
            bin.hi_buffs,
            bin.spills,
            bin.no_buffs
        );
    }
}
