//! The telemetry component: once per rate-group cycle, samples the spacecraft's channels into a packet built
//! in a block of the `telemetry_packet` pool and hands it to the framer. Every 50th cycle it also sends a
//! housekeeping dump, too large for a packet block, in a buffer of the downlink manager, and every 100th cycle
//! it takes a thumbnail from the payload camera (src/camera.rs) in a buffer of the camera's own bins.

use std::sync::mpsc::SyncSender;

use flight_memory::{AllocError, BufferPort, PoolBlock};

use crate::camera::{self, THUMBNAIL_EVERY};
use crate::framer::Downlink;
use crate::protocol::Kind;

/// Application process id of telemetry packets.
const APID_TELEMETRY: u16 = 0x0101;
/// Application process id of housekeeping dumps.
const APID_HOUSEKEEPING: u16 = 0x0102;
/// Bytes before the channel values: APID, sequence count, time, channel count.
const PACKET_HEADER: usize = 9;
/// Bytes of a housekeeping dump.
pub const HOUSEKEEPING_BYTES: usize = 700;
/// A housekeeping dump goes down once in this many cycles.
pub const HOUSEKEEPING_EVERY: u64 = 50;

/// Where packet blocks come from: the `telemetry_packet` pool of the plan, wired in `main`.
pub type PacketSource = fn() -> Result<PoolBlock<'static>, AllocError>;

/// What the telemetry component sent.
#[derive(Clone, Copy, Debug, Default)]
pub struct TelemetryReport {
    /// Telemetry packets.
    pub packets: u64,
    /// Housekeeping dumps.
    pub housekeeping: u64,
    /// Thumbnails taken from the camera.
    pub thumbnails: u64,
    /// Packets or thumbnails not taken because the pool or the downlink manager had nothing free.
    pub dropped: u64,
}

/// The telemetry component.
pub struct Telemetry {
    /// Packet blocks.
    pub packets: PacketSource,
    /// Where housekeeping buffers come from: the downlink manager.
    pub buffers: &'static (dyn BufferPort + Sync),
    /// The framer's input.
    pub framer: SyncSender<Downlink>,
}

impl Telemetry {
    /// Runs `cycles` rate-group cycles.
    pub fn run(self, cycles: u64) -> TelemetryReport {
        let mut report = TelemetryReport::default();
        for cycle in 0..cycles {
            match self.packet(cycle) {
                Some(packet) => {
                    if self.framer.send(packet).is_err() {
                        break; // the framer stopped
                    }
                    report.packets += 1;
                }
                None => report.dropped += 1,
            }
            if cycle % HOUSEKEEPING_EVERY == HOUSEKEEPING_EVERY - 1 {
                match self.housekeeping(cycle) {
                    Some(dump) => {
                        if self.framer.send(dump).is_err() {
                            break;
                        }
                        report.housekeeping += 1;
                    }
                    None => report.dropped += 1,
                }
            }
            if cycle % THUMBNAIL_EVERY == THUMBNAIL_EVERY - 1 {
                match camera::capture(cycle) {
                    Ok(thumbnail) => {
                        report.thumbnails += 1;
                        drop(thumbnail); // back to its bin
                    }
                    Err(_) => report.dropped += 1,
                }
            }
        }
        report
    }

    /// This cycle's packet: header, then between 32 and 58 channel values (what changed this cycle).
    fn packet(&self, cycle: u64) -> Option<Downlink> {
        let mut packet = (self.packets)().ok()?;
        let channels = 32 + (cycle % 27) as usize;
        let len = PACKET_HEADER + 4 * channels;
        packet[..2].copy_from_slice(&APID_TELEMETRY.to_le_bytes());
        packet[2..4].copy_from_slice(&(cycle as u16).to_le_bytes());
        packet[4..8].copy_from_slice(&(cycle as u32).to_le_bytes());
        packet[8] = channels as u8;
        for (channel, value) in packet[PACKET_HEADER..len].chunks_exact_mut(4).enumerate() {
            value.copy_from_slice(&sample(cycle, channel).to_le_bytes());
        }
        Some(Downlink::Telemetry { packet, len })
    }

    /// A housekeeping dump: header, then every parameter's value.
    fn housekeeping(&self, cycle: u64) -> Option<Downlink> {
        let mut dump = self.buffers.get(HOUSEKEEPING_BYTES).ok()?;
        dump[..2].copy_from_slice(&APID_HOUSEKEEPING.to_le_bytes());
        dump[2..6].copy_from_slice(&(cycle as u32).to_le_bytes());
        for (i, byte) in dump[6..].iter_mut().enumerate() {
            *byte = (i as u64 ^ cycle) as u8;
        }
        Some(Downlink::Packet {
            kind: Kind::Housekeeping,
            payload: dump,
        })
    }
}

/// The value of `channel` in `cycle`: a simulated sensor reading.
fn sample(cycle: u64, channel: usize) -> u32 {
    let phase = (cycle as u32)
        .wrapping_mul(7)
        .wrapping_add(channel as u32 * 13);
    1000 + (phase % 500)
}
