//! The deframer: checks each uplink frame, takes the packet out of it into a buffer of its own size, and routes
//! it: commands to the dispatcher, file packets to the file uplink. The frame's buffer goes back to the uplink
//! manager as soon as the packet is out of it.

use std::sync::mpsc::{Receiver, SyncSender};

use flight_memory::{Buffer, BufferPort};

use crate::protocol::{FrameError, Kind, parse, read_u16, read_u32};

/// Longest file name the file uplink accepts.
pub const MAX_NAME: usize = 48;

/// A file packet, as the file uplink receives it.
pub enum FilePacket {
    /// A file starts.
    Start {
        /// The file's id.
        file: u16,
        /// Its size in bytes.
        size: usize,
        /// Its name (the first `name_len` bytes).
        name: [u8; MAX_NAME],
        /// Bytes of `name` in use.
        name_len: usize,
    },
    /// A chunk of a file, in a buffer of the uplink manager's 2 KiB bin.
    Data {
        /// The file's id.
        file: u16,
        /// Where the chunk goes in the file.
        offset: usize,
        /// The chunk.
        chunk: Buffer<'static>,
    },
    /// A file ends.
    End {
        /// The file's id.
        file: u16,
        /// The checksum of its content.
        checksum: u32,
    },
}

/// What the deframer did.
#[derive(Clone, Copy, Debug, Default)]
pub struct DeframerReport {
    /// Frames that passed the checks.
    pub frames: u64,
    /// Frames dropped for a bad CRC.
    pub bad_crc: u64,
    /// Frames dropped for another reason (no sync word, truncated, unknown kind, bad packet).
    pub malformed: u64,
    /// Packets dropped because no buffer was free for them.
    pub no_buffer: u64,
}

/// The deframer component.
pub struct Deframer {
    /// Where packet buffers come from: the uplink manager.
    pub buffers: &'static (dyn BufferPort + Sync),
    /// The command dispatcher's input.
    pub commands: SyncSender<Buffer<'static>>,
    /// The file uplink's input.
    pub files: SyncSender<FilePacket>,
}

impl Deframer {
    /// Deframes until the radio hangs up, then hangs up on the dispatcher and the file uplink.
    pub fn run(self, radio: Receiver<Buffer<'static>>) -> DeframerReport {
        let mut report = DeframerReport::default();
        for frame in radio {
            let parsed = match parse(&frame) {
                Ok(parsed) => parsed,
                Err(FrameError::BadCrc) => {
                    report.bad_crc += 1;
                    continue;
                }
                Err(_) => {
                    report.malformed += 1;
                    continue;
                }
            };
            report.frames += 1;
            let payload = parsed.payload;
            let routed = match parsed.kind {
                Kind::Command => match self.buffers.get(payload.len()) {
                    Ok(mut packet) => {
                        packet.copy_from_slice(payload);
                        self.commands.send(packet).is_ok()
                    }
                    Err(_) => {
                        report.no_buffer += 1;
                        true
                    }
                },
                Kind::FileStart | Kind::FileData | Kind::FileEnd => {
                    match self.file_packet(parsed.kind, payload, &mut report) {
                        Some(packet) => self.files.send(packet).is_ok(),
                        None => true,
                    }
                }
                _ => {
                    report.malformed += 1;
                    true
                }
            };
            // `frame` is dropped here, back to the uplink manager.
            if !routed {
                break; // a consumer stopped
            }
        }
        report
    }

    /// The file packet in `payload`, with a data chunk copied into a buffer of its own.
    fn file_packet(
        &self,
        kind: Kind,
        payload: &[u8],
        report: &mut DeframerReport,
    ) -> Option<FilePacket> {
        let Some(file) = read_u16(payload, 0) else {
            report.malformed += 1;
            return None;
        };
        let Some(word) = read_u32(payload, 2) else {
            report.malformed += 1;
            return None;
        };
        let rest = &payload[6..];
        match kind {
            Kind::FileStart => {
                let mut name = [0u8; MAX_NAME];
                let name_len = rest.len().min(MAX_NAME);
                name[..name_len].copy_from_slice(&rest[..name_len]);
                Some(FilePacket::Start {
                    file,
                    size: word as usize,
                    name,
                    name_len,
                })
            }
            Kind::FileData => match self.buffers.get(rest.len()) {
                Ok(mut chunk) => {
                    chunk.copy_from_slice(rest);
                    Some(FilePacket::Data {
                        file,
                        offset: word as usize,
                        chunk,
                    })
                }
                Err(_) => {
                    report.no_buffer += 1;
                    None
                }
            },
            _ => Some(FilePacket::End {
                file,
                checksum: word,
            }),
        }
    }
}
