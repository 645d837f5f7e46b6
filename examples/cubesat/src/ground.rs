//! The ground station: what it sends up, cycle by cycle. A fixed script, so every run of the example receives
//! the same frames in the same order and ends with the same counts.
//!
//! * every 5th cycle, a command: NO-OP, PING, SET-PARAM or LOAD-SEQUENCE in turn; every 40th command is a
//!   sequence too large for the dispatcher's scratch memory, which it refuses;
//! * the other cycles carry file transfers in 2 KiB chunks, cycling through [`FILES`]; one of them is larger
//!   than the file uplink's staging area and is refused when it starts;
//! * every [`OVERSIZED_EVERY`] cycles the radio picks up a frame longer than any uplink buffer (noise locked
//!   as a frame), which it drops;
//! * every [`CORRUPT_EVERY`] frames, one byte is flipped on the way up: the deframer's CRC check drops it.

use crate::protocol::{Kind, file_checksum};

/// Opcodes of the commands the ground sends.
pub mod opcode {
    /// Does nothing but answer.
    pub const NO_OP: u16 = 0x0001;
    /// Answers with its argument.
    pub const PING: u16 = 0x0002;
    /// Sets parameter `id` (u16) to `value` (u32).
    pub const SET_PARAM: u16 = 0x0003;
    /// Loads a command sequence of `count` (u16) entries generated from `seed` (u32), checks that its times
    /// are in order and answers with its checksum.
    pub const LOAD_SEQUENCE: u16 = 0x0004;
}

/// The files the ground uplinks, in turn: (name, size in bytes).
pub const FILES: [(&str, usize); 5] = [
    ("seq/pass-0412.seq", 6_000),
    ("tbl/adcs-gains.tbl", 3 * 2048),
    ("fsw/patch-7.bin", 40_000),
    ("img/targets.raw", 120_000), // larger than the 96 KiB staging area: refused
    ("tbl/thermal.tbl", 12_345),
];

/// File data travels in chunks of this size, the uplink manager's 2 KiB bin.
pub const CHUNK: usize = 2048;
/// One cycle in this many receives a frame too long for any uplink buffer.
pub const OVERSIZED_EVERY: u64 = 997;
/// Bytes of such a frame's payload.
pub const OVERSIZED_PAYLOAD: usize = 5000;
/// One frame in this many is corrupted on the way up.
pub const CORRUPT_EVERY: u64 = 331;
/// Entries of a LOAD-SEQUENCE that fits the dispatcher's scratch memory ...
pub const SEQUENCE_ENTRIES: u16 = 96;
/// ... and of one that does not (every 40th command).
pub const OVERSIZED_SEQUENCE_ENTRIES: u16 = 1024;

/// One frame as the ground sends it: its kind, its payload, and whether it gets corrupted on the way.
pub struct Transmission<'a> {
    /// What the frame carries.
    pub kind: Kind,
    /// The payload.
    pub payload: &'a [u8],
    /// Whether a byte of the frame is flipped after its CRC is computed.
    pub corrupted: bool,
}

/// A file being sent.
struct Transfer {
    id: u16,
    size: usize,
    name: &'static str,
    /// Bytes sent so far.
    sent: usize,
    /// Whether the START frame went out.
    started: bool,
    /// The file's content (the ground has plenty of memory).
    content: Vec<u8>,
}

/// The ground station's script.
pub struct Ground {
    cycle: u64,
    frames: u64,
    commands: u64,
    files: u64,
    transfer: Option<Transfer>,
    /// The payload of the current frame.
    payload: Vec<u8>,
}

impl Ground {
    /// The script, at cycle 0.
    pub fn new() -> Ground {
        Ground {
            cycle: 0,
            frames: 0,
            commands: 0,
            files: 0,
            transfer: None,
            payload: Vec::with_capacity(OVERSIZED_PAYLOAD),
        }
    }

    /// The frame the ground sends in the next cycle.
    pub fn next_frame(&mut self) -> Transmission<'_> {
        let cycle = self.cycle;
        self.cycle += 1;
        self.payload.clear();
        let kind = if cycle % OVERSIZED_EVERY == OVERSIZED_EVERY - 1 {
            self.payload.resize(OVERSIZED_PAYLOAD, 0x55);
            Kind::FileData
        } else if cycle % 5 == 0 {
            self.command();
            Kind::Command
        } else {
            self.file_frame()
        };
        self.frames += 1;
        Transmission {
            kind,
            payload: &self.payload,
            corrupted: self.frames % CORRUPT_EVERY == 0,
        }
    }

    /// Writes the next command packet: opcode, then arguments.
    fn command(&mut self) {
        let k = self.commands;
        self.commands += 1;
        let p = &mut self.payload;
        match k % 4 {
            0 => p.extend_from_slice(&opcode::NO_OP.to_le_bytes()),
            1 => {
                p.extend_from_slice(&opcode::PING.to_le_bytes());
                p.extend_from_slice(&(k as u32).to_le_bytes());
            }
            2 => {
                p.extend_from_slice(&opcode::SET_PARAM.to_le_bytes());
                p.extend_from_slice(&((k % 64) as u16).to_le_bytes());
                p.extend_from_slice(&(k as u32 * 3).to_le_bytes());
            }
            _ => {
                let entries = if k % 40 == 39 {
                    OVERSIZED_SEQUENCE_ENTRIES
                } else {
                    SEQUENCE_ENTRIES
                };
                p.extend_from_slice(&opcode::LOAD_SEQUENCE.to_le_bytes());
                p.extend_from_slice(&entries.to_le_bytes());
                p.extend_from_slice(&(k as u32).to_le_bytes());
            }
        }
    }

    /// Writes the next frame of the current file transfer, starting the next file when none is under way.
    fn file_frame(&mut self) -> Kind {
        let transfer = self.transfer.get_or_insert_with(|| {
            let (name, size) = FILES[(self.files % FILES.len() as u64) as usize];
            self.files += 1;
            let id = self.files as u16;
            Transfer {
                id,
                size,
                name,
                sent: 0,
                started: false,
                content: file_content(id, size),
            }
        });
        let p = &mut self.payload;
        p.extend_from_slice(&transfer.id.to_le_bytes());
        if !transfer.started {
            transfer.started = true;
            p.extend_from_slice(&(transfer.size as u32).to_le_bytes());
            p.extend_from_slice(transfer.name.as_bytes());
            return Kind::FileStart;
        }
        if transfer.sent < transfer.size {
            let end = (transfer.sent + CHUNK).min(transfer.size);
            p.extend_from_slice(&(transfer.sent as u32).to_le_bytes());
            p.extend_from_slice(&transfer.content[transfer.sent..end]);
            transfer.sent = end;
            return Kind::FileData;
        }
        p.extend_from_slice(&file_checksum(&transfer.content).to_le_bytes());
        self.transfer = None;
        Kind::FileEnd
    }
}

/// The content of file `id`: `size` pseudo-random bytes (xorshift), the same every run.
fn file_content(id: u16, size: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9u32 ^ u32::from(id);
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}
