//! One pass over every kind of allocator of the plan, single-threaded, before the stress: the type pool, the
//! `#[memory_pool]` pool, the linear and stack components, and the buffer manager's bins, spill-over, limits
//! and raw form. Each step checks what it got and returns the first thing that is wrong.

use flight_memory::LinearAllocator;

use crate::command::Command;
use crate::events::EventRecord;
use crate::memory;

/// Runs every step.
pub fn run() -> Result<(), &'static str> {
    type_pool()?;
    macro_pool()?;
    linear()?;
    stack()?;
    buffer_manager()?;
    Ok(())
}

/// `[pools.command]`: eight commands fit, the ninth is given back, and every slot returns on drop.
fn type_pool() -> Result<(), &'static str> {
    let pool = &memory::pools::COMMAND;
    let mut queued: [Option<flight_memory::PoolBox<'static, Command>>; 8] = [const { None }; 8];
    for (opcode, slot) in (0u16..).zip(queued.iter_mut()) {
        let command = Command {
            opcode,
            args: [u32::from(opcode); 3],
        };
        *slot = Some(
            pool.alloc(command)
                .map_err(|_| "the command pool refused one of its 8 commands")?,
        );
    }
    let extra = Command {
        opcode: 99,
        args: [0; 3],
    };
    match pool.alloc(extra) {
        Ok(_) => return Err("the command pool handed out a ninth command"),
        Err(rejected) if rejected.into_inner() != extra => {
            return Err("a refused command came back changed");
        }
        Err(_) => {}
    }
    let intact = queued
        .iter()
        .zip(0u16..)
        .all(|(slot, opcode)| slot.as_ref().is_some_and(|c| c.opcode == opcode));
    if !intact {
        return Err("a queued command changed in its pool slot");
    }
    drop(queued);
    if pool.in_use() != 0 {
        return Err("the command pool did not get its slots back");
    }
    Ok(())
}

/// The `#[memory_pool]` records of the event log.
fn macro_pool() -> Result<(), &'static str> {
    let first = EventRecord::pool()
        .alloc(EventRecord {
            id: 1,
            detail: 0xfeed,
        })
        .map_err(|_| "no event record")?;
    let second = EventRecord::pool()
        .alloc(EventRecord { id: 2, detail: 7 })
        .map_err(|_| "no second event record")?;
    if first.id != 1 || second.detail != 7 || EventRecord::pool().in_use() != 2 {
        return Err("the event records are not what was stored");
    }
    drop((first, second));
    if EventRecord::pool().in_use() != 0 {
        return Err("the event records did not go back to their pool");
    }
    Ok(())
}

/// `[components.housekeeping]`, a linear allocator: the housekeeping task takes its whole storage once and
/// bump-allocates each cycle's scratch in it, freed all at once by a reset (`&mut`, so no scratch outlives it).
fn linear() -> Result<(), &'static str> {
    let component = &memory::components::HOUSEKEEPING;
    let storage = component
        .alloc_slice_fill_with(component.available_memory(), |_| 0u8)
        .map_err(|_| "the housekeeping component refused its own storage")?;
    let mut scratch = LinearAllocator::from_slice(storage);
    for cycle in 0..100u32 {
        let samples = scratch
            .alloc_slice_copy(&[cycle; 16])
            .map_err(|_| "no room for the samples")?;
        let label = scratch
            .alloc_str("battery")
            .map_err(|_| "no room for the label")?;
        if samples.iter().any(|s| *s != cycle) || label != "battery" {
            return Err("housekeeping scratch was overwritten");
        }
        if scratch.alloc_slice_fill_with(1024, |_| 0u8).is_ok() {
            return Err("the 512-byte housekeeping scratch handed out 1 KiB");
        }
        scratch.reset();
        if scratch.used_memory() != 0 {
            return Err("a reset left housekeeping scratch in use");
        }
    }
    Ok(())
}

/// `[components.command_dispatch]`, a stack allocator: nested scoped frames, released when they end.
fn stack() -> Result<(), &'static str> {
    let dispatch = &memory::components::COMMAND_DISPATCH;
    let result = dispatch.try_scope(|frame| {
        let arguments = frame
            .alloc_slice_copy(&[1u32, 2, 3, 4])
            .map_err(|_| "no room for the arguments")?;
        let outer = frame.used_memory();
        let sum = frame.scope(|inner| {
            let table = inner
                .alloc_slice_fill_with(32, |i| i as u32)
                .map_err(|_| "no room for the table")?;
            Ok::<u32, &'static str>(table.iter().sum::<u32>())
        })?;
        if frame.used_memory() != outer {
            return Err("the inner frame was not released");
        }
        Ok(sum + arguments.iter().sum::<u32>())
    });
    match result {
        Ok(Ok(sum)) if sum == 496 + 10 => {}
        Ok(Ok(_)) => return Err("the dispatcher's scratch held wrong values"),
        Ok(Err(what)) => return Err(what),
        Err(_) => return Err("the dispatcher's stack was busy"),
    }
    if dispatch.used_memory() != 0 {
        return Err("the dispatcher's frame was not released");
    }
    Ok(())
}

/// `[buffer_managers.downlink]`: smallest fit, a request larger than every bin, and the raw form's checks.
fn buffer_manager() -> Result<(), &'static str> {
    let downlink = &memory::buffer_managers::DOWNLINK;
    let frame = downlink
        .allocate(300)
        .map_err(|_| "no downlink buffer for 300 bytes")?;
    if (frame.len(), frame.capacity()) != (300, 512) {
        return Err("a 300-byte downlink buffer did not come from the 512-byte bin");
    }
    if downlink.allocate(600).is_ok() {
        return Err("the downlink manager served 600 bytes, larger than its largest bin");
    }
    let raw = frame.into_raw();
    downlink
        .return_raw(raw)
        .map_err(|_| "the downlink manager refused its own raw buffer")?;
    if downlink.return_raw(raw).is_ok() {
        return Err("the downlink manager took the same raw buffer back twice");
    }
    let telemetry = downlink.telemetry();
    if telemetry.curr_buffs != 0 || telemetry.no_buffs != 1 || telemetry.rejected_returns != 1 {
        return Err(
            "the downlink telemetry does not count the failed request and the double return",
        );
    }
    Ok(())
}
