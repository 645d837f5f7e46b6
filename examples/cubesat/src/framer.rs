//! The framer: wraps each downlink packet (telemetry, housekeeping, responses, events) in a frame, in a buffer
//! of the downlink manager sized for it, and hands the frame to the radio. The packet's own memory (a pool
//! block or a buffer) goes back as soon as it is framed.

use std::sync::mpsc::{Receiver, SyncSender};

use flight_memory::{Buffer, BufferPort, PoolBlock};

use crate::protocol::{FRAME_OVERHEAD, Kind, encode};

/// A packet for the ground, as the framer receives it.
pub enum Downlink {
    /// A telemetry packet, in a block of the `telemetry_packet` pool (the first `len` bytes).
    Telemetry {
        /// The block.
        packet: PoolBlock<'static>,
        /// Bytes of the packet.
        len: usize,
    },
    /// Any other packet, in a downlink buffer of its own length.
    Packet {
        /// What it is.
        kind: Kind,
        /// The packet.
        payload: Buffer<'static>,
    },
}

/// What the framer did.
#[derive(Clone, Copy, Debug, Default)]
pub struct FramerReport {
    /// Frames handed to the radio.
    pub frames: u64,
    /// Packets dropped because no downlink buffer was free for their frame.
    pub no_buffer: u64,
}

/// The framer component.
pub struct Framer {
    /// Where frame buffers come from: the downlink manager.
    pub buffers: &'static (dyn BufferPort + Sync),
    /// The radio's input.
    pub radio: SyncSender<Buffer<'static>>,
}

impl Framer {
    /// Frames packets until every producer hangs up, then hangs up on the radio.
    pub fn run(self, packets: Receiver<Downlink>) -> FramerReport {
        let mut report = FramerReport::default();
        let mut seq = 0u8;
        for packet in packets {
            let (kind, payload) = match &packet {
                Downlink::Telemetry { packet, len } => (Kind::Telemetry, &packet[..*len]),
                Downlink::Packet { kind, payload } => (*kind, &payload[..]),
            };
            let mut frame = match self.buffers.get(payload.len() + FRAME_OVERHEAD) {
                Ok(frame) => frame,
                Err(_) => {
                    report.no_buffer += 1;
                    continue;
                }
            };
            encode(&mut frame, kind, seq, payload);
            seq = seq.wrapping_add(1);
            drop(packet); // the pool block or payload buffer goes back now
            report.frames += 1;
            if self.radio.send(frame).is_err() {
                break;
            }
        }
        report
    }
}
