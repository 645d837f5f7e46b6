//! The radio: receives uplink frames into buffers of the uplink manager, and transmits downlink frames, giving
//! their buffers back to the downlink manager once they are on the air.

use std::sync::mpsc::{Receiver, SyncSender};

use flight_memory::{AllocError, Buffer, BufferPort};

use crate::event_log::{EVENTS, EventId};
use crate::ground::Ground;
use crate::protocol::{FRAME_OVERHEAD, Kind, encode, parse};

/// What the receiver did.
#[derive(Clone, Copy, Debug, Default)]
pub struct RxReport {
    /// Frames received and passed to the deframer.
    pub frames: u64,
    /// Frames dropped because they are larger than every uplink buffer.
    pub too_large: u64,
    /// Frames dropped because every buffer that could hold them was out.
    pub no_buffer: u64,
}

/// The receiving half: each cycle, the frame the ground sent goes into an uplink buffer of its exact length
/// (F´'s `bufferGet`), and on to the deframer.
pub struct RadioRx {
    /// Where uplink buffers come from: the uplink manager.
    pub buffers: &'static (dyn BufferPort + Sync),
    /// The deframer's input.
    pub deframer: SyncSender<Buffer<'static>>,
}

impl RadioRx {
    /// Receives `cycles` frames from `ground`, then hangs up, which tells the deframer the pass is over.
    pub fn run(self, mut ground: Ground, cycles: u64) -> RxReport {
        let mut report = RxReport::default();
        for cycle in 0..cycles {
            let sent = ground.next_frame();
            let len = sent.payload.len() + FRAME_OVERHEAD;
            let mut frame = match self.buffers.get(len) {
                Ok(frame) => frame,
                Err(AllocError::TooLarge { .. }) => {
                    report.too_large += 1;
                    EVENTS.log(EventId::FrameTooLarge, cycle as u32);
                    continue;
                }
                Err(_) => {
                    report.no_buffer += 1;
                    continue;
                }
            };
            encode(&mut frame, sent.kind, cycle as u8, sent.payload);
            if sent.corrupted {
                // A bit error in the payload, after the ground computed the CRC.
                frame[len - 3] ^= 0x10;
            }
            report.frames += 1;
            if self.deframer.send(frame).is_err() {
                break; // the deframer stopped
            }
        }
        report
    }
}

/// What the transmitter sent.
#[derive(Clone, Copy, Debug, Default)]
pub struct TxReport {
    /// Telemetry frames.
    pub telemetry: u64,
    /// Housekeeping dumps.
    pub housekeeping: u64,
    /// Command responses.
    pub responses: u64,
    /// File uplink events.
    pub file_events: u64,
    /// Bytes on the air.
    pub bytes: u64,
    /// Frames the transmitter could not parse (a framer bug).
    pub malformed: u64,
    /// Breaks in the framer's sequence count (frames lost between the framer and the radio).
    pub sequence_gaps: u64,
    /// Buffers the manager refused back (a wiring bug).
    pub refused_returns: u64,
}

/// The transmitting half: puts each framed buffer on the air, then sends it back to the downlink manager
/// (F´'s `bufferSendIn`).
pub struct RadioTx {
    /// Where transmitted buffers go back to: the downlink manager.
    pub buffers: &'static (dyn BufferPort + Sync),
    /// Framed buffers from the framer.
    pub framer: Receiver<Buffer<'static>>,
}

impl RadioTx {
    /// Transmits until the framer hangs up.
    pub fn run(self) -> TxReport {
        let mut report = TxReport::default();
        let mut next_seq = 0u8;
        for frame in self.framer {
            let Ok(parsed) = parse(&frame) else {
                report.malformed += 1;
                continue;
            };
            if parsed.seq != next_seq {
                report.sequence_gaps += 1;
            }
            next_seq = parsed.seq.wrapping_add(1);
            match parsed.kind {
                Kind::Telemetry => report.telemetry += 1,
                Kind::Housekeeping => report.housekeeping += 1,
                Kind::CommandResponse => report.responses += 1,
                Kind::FileEvent => report.file_events += 1,
                _ => report.malformed += 1,
            }
            report.bytes += frame.len() as u64;
            if self.buffers.send_in(frame).is_err() {
                report.refused_returns += 1;
            }
        }
        report
    }
}
