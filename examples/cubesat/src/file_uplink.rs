//! The file uplink: stages each file in a bump allocator while its chunks come in, checks it, "writes it to
//! flash", and frees the whole staging area at once for the next file.
//!
//! Memory: the plan's `file_uplink` component, a [`LinearAllocator`] of 96 KiB in SRAM, a `static`. Each file
//! is staged in a [`try_scope`](LinearAllocator::try_scope) of it, which gives every byte back when the file is
//! done: the borrow checker proves that no part of the old file outlives the scope, and the allocator refuses
//! the scope (an error, never a panic) if anything else had memory out of it.

use std::sync::mpsc::{Receiver, SyncSender};

use flight_memory::{BufferPort, ExclusiveLinear, LinearAllocator, LinearBusy};

use crate::deframer::FilePacket;
use crate::event_log::{EVENTS, EventId};
use crate::framer::Downlink;
use crate::protocol::{Kind, file_checksum};

/// How a file transfer ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Outcome {
    /// Received whole, checksum good: written to flash.
    Stored = 0,
    /// Did not fit in the staging area: refused when it started.
    Refused = 1,
    /// Checksum wrong (a chunk was lost on the way): discarded.
    Corrupted = 2,
    /// A new file started, or the pass ended, before this one was complete: discarded.
    Incomplete = 3,
}

/// What the file uplink did.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileUplinkReport {
    /// Files stored.
    pub stored: u64,
    /// Files refused for their size.
    pub refused: u64,
    /// Files discarded for a bad checksum.
    pub corrupted: u64,
    /// Files discarded incomplete.
    pub incomplete: u64,
    /// Bytes written to flash.
    pub bytes_stored: u64,
    /// Packets of files not being received (refused, or whose start was lost), discarded.
    pub discarded_packets: u64,
    /// Events not sent for lack of a downlink buffer.
    pub events_lost: u64,
}

/// The file uplink component.
pub struct FileUplink {
    /// The staging area: one file at a time, in a scope that gives it back after each.
    staging: &'static LinearAllocator<'static>,
    /// Where event buffers come from: the downlink manager.
    buffers: &'static (dyn BufferPort + Sync),
    /// The framer's input.
    events: SyncSender<Downlink>,
}

impl FileUplink {
    /// The component, staging files in `memory` (the plan's `file_uplink` allocator).
    ///
    /// # Errors
    ///
    /// If `memory` has handed out bytes to someone else: the component needs all of it, for scopes.
    pub fn new(
        memory: &'static LinearAllocator<'static>,
        buffers: &'static (dyn BufferPort + Sync),
        events: SyncSender<Downlink>,
    ) -> Result<FileUplink, LinearBusy> {
        match memory.used_memory() {
            0 => Ok(FileUplink {
                staging: memory,
                buffers,
                events,
            }),
            used => Err(LinearBusy::InUse { used }),
        }
    }

    /// Receives files until the deframer hangs up. Returns what it did (the staging area's statistics are
    /// the `file_uplink` allocator's own).
    pub fn run(self, input: Receiver<FilePacket>) -> FileUplinkReport {
        let mut report = FileUplinkReport::default();
        let mut next = input.recv().ok();
        while let Some(packet) = next {
            next = match packet {
                FilePacket::Start {
                    file,
                    size,
                    name,
                    name_len,
                } => {
                    let name = &name[..name_len];
                    // Every byte of the file is free again when the scope ends: nothing borrowed from it
                    // outlives `receive`. Nobody else allocates from the staging area, so the scope is never
                    // refused; if it were, the file would be, with its packets.
                    let (outcome, next) = self
                        .staging
                        .try_scope(|staging| self.receive(staging, file, size, name, &input))
                        .unwrap_or_else(|_busy| (Outcome::Refused, input.recv().ok()));
                    match outcome {
                        Outcome::Stored => {
                            report.stored += 1;
                            report.bytes_stored += size as u64;
                            EVENTS.log(EventId::FileStored, size as u32);
                        }
                        Outcome::Refused => {
                            report.refused += 1;
                            EVENTS.log(EventId::FileRefused, size as u32);
                        }
                        Outcome::Corrupted => report.corrupted += 1,
                        Outcome::Incomplete => report.incomplete += 1,
                    }
                    if !self.send_event(file, outcome, size, name) {
                        report.events_lost += 1;
                    }
                    next
                }
                FilePacket::Data { .. } | FilePacket::End { .. } => {
                    report.discarded_packets += 1;
                    input.recv().ok()
                }
            };
        }
        report
    }

    /// Receives file `file` of `size` bytes into the staging area, until its end packet. Returns how it ended,
    /// and the packet after it.
    fn receive(
        &self,
        staging: &ExclusiveLinear<'_, '_>,
        file: u16,
        size: usize,
        name: &[u8],
        input: &Receiver<FilePacket>,
    ) -> (Outcome, Option<FilePacket>) {
        // The name and the whole image, bump-allocated: O(1) each, and freed together when the scope ends.
        let staged = staging.alloc_slice_copy(name).and_then(|name| {
            let image = staging.alloc_slice_fill_with(size, |_| 0u8)?;
            Ok((name, image))
        });
        let Ok((_name, image)) = staged else {
            // Counted as a failure in the staging area's statistics; the file's packets are discarded.
            return (Outcome::Refused, input.recv().ok());
        };
        loop {
            let Ok(packet) = input.recv() else {
                return (Outcome::Incomplete, None);
            };
            match packet {
                FilePacket::Data {
                    file: of,
                    offset,
                    chunk,
                } if of == file => {
                    if let Some(target) = image.get_mut(offset..offset + chunk.len()) {
                        target.copy_from_slice(&chunk);
                    }
                    // `chunk` is dropped here, back to the uplink manager.
                }
                FilePacket::End { file: of, checksum } if of == file => {
                    let outcome = if file_checksum(image) == checksum {
                        Outcome::Stored // a flight build would write `image` to flash here
                    } else {
                        Outcome::Corrupted
                    };
                    return (outcome, input.recv().ok());
                }
                other => return (Outcome::Incomplete, Some(other)),
            }
        }
    }

    /// Tells the ground how the transfer ended. Returns whether the event went out.
    fn send_event(&self, file: u16, outcome: Outcome, size: usize, name: &[u8]) -> bool {
        let Ok(mut event) = self.buffers.get(7 + name.len()) else {
            return false;
        };
        event[..2].copy_from_slice(&file.to_le_bytes());
        event[2] = outcome as u8;
        event[3..7].copy_from_slice(&(size as u32).to_le_bytes());
        event[7..].copy_from_slice(name);
        self.events
            .send(Downlink::Packet {
                kind: Kind::FileEvent,
                payload: event,
            })
            .is_ok()
    }
}
