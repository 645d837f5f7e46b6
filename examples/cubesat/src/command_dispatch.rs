//! The command dispatcher: decodes each command packet, runs its handler, and answers the ground.
//!
//! Memory: the plan's `command_dispatch` component, a [`StackAllocator`] of 8 KiB in DTCM. Each command runs
//! in a scoped frame of it ([`StackAllocator::try_scope`]): everything the handler allocates is released when
//! the handler returns, in LIFO order that the borrow checker enforces, with no bookkeeping. A command whose
//! scratch does not fit is refused with a "no memory" status instead of failing the whole dispatcher.

use std::sync::mpsc::{Receiver, SyncSender};

use flight_memory::{AllocError, Buffer, BufferPort, StackAllocator};

use crate::event_log::{EVENTS, EventId};
use crate::framer::Downlink;
use crate::ground::opcode;
use crate::protocol::{Kind, read_u16, read_u32};

/// Parameters the SET-PARAM command can set.
const PARAMS: usize = 64;

/// How a command ended, as sent to the ground.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    /// Done.
    Ok = 0,
    /// The handler's scratch memory did not fit in the dispatcher's stack.
    NoMemory = 1,
    /// The arguments are malformed or out of range.
    BadArguments = 2,
    /// No handler for the opcode.
    UnknownOpcode = 3,
    /// The sequence's times are not in order.
    Rejected = 4,
}

impl From<AllocError> for Status {
    fn from(_: AllocError) -> Status {
        Status::NoMemory
    }
}

/// What the dispatcher did.
#[derive(Clone, Copy, Debug, Default)]
pub struct DispatchReport {
    /// Commands that ran to completion.
    pub ok: u64,
    /// Commands refused because their scratch memory did not fit.
    pub no_memory: u64,
    /// Commands refused for another reason.
    pub failed: u64,
    /// Responses not sent for lack of a downlink buffer.
    pub responses_lost: u64,
}

/// One entry of a command sequence, as LOAD-SEQUENCE expands it in scratch memory.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
struct SequenceEntry {
    /// Seconds after the sequence starts.
    time: u32,
    /// The command to run.
    opcode: u16,
    /// Bytes of `args` in use.
    args_len: u16,
    /// The command's arguments.
    args: [u8; 40],
}

/// The command dispatcher component.
pub struct CommandDispatcher {
    /// Scratch memory for handlers: one scoped frame per command.
    scratch: &'static StackAllocator<'static>,
    /// Where response buffers come from: the downlink manager.
    buffers: &'static (dyn BufferPort + Sync),
    /// The framer's input.
    responses: SyncSender<Downlink>,
    /// What SET-PARAM sets.
    params: [u32; PARAMS],
}

impl CommandDispatcher {
    /// A dispatcher whose handlers use `scratch`.
    pub fn new(
        scratch: &'static StackAllocator<'static>,
        buffers: &'static (dyn BufferPort + Sync),
        responses: SyncSender<Downlink>,
    ) -> CommandDispatcher {
        CommandDispatcher {
            scratch,
            buffers,
            responses,
            params: [0; PARAMS],
        }
    }

    /// Dispatches commands until the deframer hangs up.
    pub fn run(mut self, commands: Receiver<Buffer<'static>>) -> DispatchReport {
        let mut report = DispatchReport::default();
        for packet in commands {
            let op = read_u16(&packet, 0).unwrap_or(0);
            let result = self.dispatch(op, packet.get(2..).unwrap_or_default());
            drop(packet); // back to the uplink manager before the response needs a buffer
            let (status, value) = match result {
                Ok(value) => {
                    report.ok += 1;
                    (Status::Ok, value)
                }
                Err(Status::NoMemory) => {
                    report.no_memory += 1;
                    EVENTS.log(EventId::CommandRefused, u32::from(op));
                    (Status::NoMemory, 0)
                }
                Err(status) => {
                    report.failed += 1;
                    (status, 0)
                }
            };
            if !self.respond(op, status, value) {
                report.responses_lost += 1;
            }
        }
        report
    }

    /// Runs the handler of `op`.
    fn dispatch(&mut self, op: u16, args: &[u8]) -> Result<u32, Status> {
        match op {
            opcode::NO_OP => Ok(0),
            opcode::PING => read_u32(args, 0).ok_or(Status::BadArguments),
            opcode::SET_PARAM => {
                let id = read_u16(args, 0).ok_or(Status::BadArguments)?;
                let value = read_u32(args, 2).ok_or(Status::BadArguments)?;
                let param = self
                    .params
                    .get_mut(usize::from(id))
                    .ok_or(Status::BadArguments)?;
                *param = value;
                Ok(value)
            }
            opcode::LOAD_SEQUENCE => {
                let entries = read_u16(args, 0).ok_or(Status::BadArguments)?;
                let seed = read_u32(args, 2).ok_or(Status::BadArguments)?;
                // Only this thread uses the stack, so it is never busy; if it were, the command would be refused.
                self.scratch
                    .try_scope(|frame| load_sequence(frame, usize::from(entries), seed))
                    .map_err(|_busy| Status::NoMemory)?
            }
            _ => Err(Status::UnknownOpcode),
        }
    }

    /// Sends the response to `op`. Returns whether it went out.
    fn respond(&self, op: u16, status: Status, value: u32) -> bool {
        let Ok(mut response) = self.buffers.get(7) else {
            return false;
        };
        response[..2].copy_from_slice(&op.to_le_bytes());
        response[2] = status as u8;
        response[3..7].copy_from_slice(&value.to_le_bytes());
        self.responses
            .send(Downlink::Packet {
                kind: Kind::CommandResponse,
                payload: response,
            })
            .is_ok()
    }
}

/// LOAD-SEQUENCE: expands the sequence in the frame, checks in a nested frame that its times are in order,
/// and returns its checksum. Everything allocated here is released when the scope ends.
fn load_sequence(
    frame: &mut flight_memory::Frame<'_, 'static>,
    entries: usize,
    seed: u32,
) -> Result<u32, Status> {
    let sequence = frame.alloc_slice_fill_with(entries, |i| sequence_entry(seed, i))?;
    let in_order = frame.scope(|inner| -> Result<bool, Status> {
        let times = inner.alloc_slice_fill_with(sequence.len(), |i| sequence[i].time)?;
        times.sort_unstable();
        Ok(times.iter().zip(sequence.iter()).all(|(t, e)| *t == e.time))
    })?; // the sorted copy is released here, the sequence stays
    if !in_order {
        return Err(Status::Rejected);
    }
    Ok(sequence.iter().fold(0u32, |sum, entry| {
        sum.wrapping_mul(31)
            .wrapping_add(entry.time ^ u32::from(entry.opcode) ^ u32::from(entry.args[0]))
    }))
}

/// Entry `i` of the sequence generated from `seed`.
fn sequence_entry(seed: u32, i: usize) -> SequenceEntry {
    let i = i as u32;
    let mut args = [0u8; 40];
    args[0] = (seed ^ i) as u8;
    SequenceEntry {
        time: i * 10,
        opcode: (seed.wrapping_add(i) % 4) as u16 + 1,
        args_len: 1,
        args,
    }
}
