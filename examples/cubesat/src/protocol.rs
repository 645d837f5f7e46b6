//! The space link of the example: how frames look on the radio, in both directions.
//!
//! A frame is
//!
//! ```text
//! +------+------+------+-----+--------+-------------+-------+
//! | 0x1A | 0xCF | kind | seq | length | payload ... | CRC16 |
//! +------+------+------+-----+--------+-------------+-------+
//!   sync word     u8     u8    u16 LE   length bytes   over kind..payload, little endian
//! ```
//!
//! a cut-down CCSDS transfer frame: enough to make framing and deframing real work (headers, lengths, a CRC
//! that catches corrupted frames) without the rest of the standard.

/// The sync word that starts every frame.
pub const SYNC: [u8; 2] = [0x1A, 0xCF];
/// Bytes a frame adds to its payload: sync word, kind, sequence count, length and CRC.
pub const FRAME_OVERHEAD: usize = 8;
/// Bytes before the payload.
const HEADER: usize = 6;

/// What a frame carries. Uplink kinds come from the ground, downlink kinds from the spacecraft.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// Uplink: a command packet for the dispatcher.
    Command = 0x01,
    /// Uplink: the start of a file (id, size, name).
    FileStart = 0x02,
    /// Uplink: a chunk of a file (id, offset, up to 2 KiB of data).
    FileData = 0x03,
    /// Uplink: the end of a file (id, checksum).
    FileEnd = 0x04,
    /// Downlink: a telemetry packet.
    Telemetry = 0x10,
    /// Downlink: a command response.
    CommandResponse = 0x11,
    /// Downlink: a housekeeping dump, larger than a telemetry packet.
    Housekeeping = 0x12,
    /// Downlink: an event from the file uplink (file stored, refused, corrupted).
    FileEvent = 0x13,
}

impl Kind {
    /// The kind whose code is `code`.
    pub fn from_code(code: u8) -> Option<Kind> {
        Some(match code {
            0x01 => Kind::Command,
            0x02 => Kind::FileStart,
            0x03 => Kind::FileData,
            0x04 => Kind::FileEnd,
            0x10 => Kind::Telemetry,
            0x11 => Kind::CommandResponse,
            0x12 => Kind::Housekeeping,
            0x13 => Kind::FileEvent,
            _ => return None,
        })
    }
}

/// Why a frame was refused by [`parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// Shorter than a header and a CRC, or than its length field says.
    Truncated,
    /// The first two bytes are not the sync word.
    NoSync,
    /// The CRC does not match: the frame was corrupted on the way.
    BadCrc,
    /// An unknown kind.
    UnknownKind(u8),
}

/// The parts of a frame that passed [`parse`].
#[derive(Debug)]
pub struct Frame<'a> {
    /// What the payload is.
    pub kind: Kind,
    /// The sender's sequence count.
    pub seq: u8,
    /// The payload.
    pub payload: &'a [u8],
}

/// Writes a frame of `kind` around `payload` into `out`, which must be `payload.len() + FRAME_OVERHEAD` long.
pub fn encode(out: &mut [u8], kind: Kind, seq: u8, payload: &[u8]) {
    debug_assert_eq!(out.len(), payload.len() + FRAME_OVERHEAD);
    let length = u16::try_from(payload.len()).unwrap_or(u16::MAX);
    out[..2].copy_from_slice(&SYNC);
    out[2] = kind as u8;
    out[3] = seq;
    out[4..HEADER].copy_from_slice(&length.to_le_bytes());
    out[HEADER..HEADER + payload.len()].copy_from_slice(payload);
    let crc = crc16(&out[2..HEADER + payload.len()]);
    out[HEADER + payload.len()..].copy_from_slice(&crc.to_le_bytes());
}

/// Checks a frame and finds its payload.
pub fn parse(frame: &[u8]) -> Result<Frame<'_>, FrameError> {
    if frame.len() < FRAME_OVERHEAD {
        return Err(FrameError::Truncated);
    }
    if frame[..2] != SYNC {
        return Err(FrameError::NoSync);
    }
    let length = usize::from(u16::from_le_bytes([frame[4], frame[5]]));
    let end = HEADER + length;
    let Some(crc_bytes) = frame.get(end..end + 2) else {
        return Err(FrameError::Truncated);
    };
    if crc16(&frame[2..end]) != u16::from_le_bytes([crc_bytes[0], crc_bytes[1]]) {
        return Err(FrameError::BadCrc);
    }
    let kind = Kind::from_code(frame[2]).ok_or(FrameError::UnknownKind(frame[2]))?;
    Ok(Frame {
        kind,
        seq: frame[3],
        payload: &frame[HEADER..end],
    })
}

/// CRC-16/CCITT-FALSE, the CRC of CCSDS transfer frames.
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc = 0xFFFFu16;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The checksum the ground sends with a file: a 32-bit Fletcher sum, cheap enough for a flight CPU.
pub fn file_checksum(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (0u32, 0u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65_535;
        b = (b + a) % 65_535;
    }
    (b << 16) | a
}

/// Reads a little-endian `u16` at `at`, if the bytes are there.
pub fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at + 2)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// Reads a little-endian `u32` at `at`, if the bytes are there.
pub fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_round_trips_and_corruption_is_caught() {
        let payload = b"hello, ground";
        let mut out = vec![0u8; payload.len() + FRAME_OVERHEAD];
        encode(&mut out, Kind::Telemetry, 7, payload);
        let frame = parse(&out).unwrap();
        assert_eq!(
            (frame.kind, frame.seq, frame.payload),
            (Kind::Telemetry, 7, &payload[..])
        );
        out[8] ^= 1;
        assert_eq!(parse(&out).unwrap_err(), FrameError::BadCrc);
        assert_eq!(parse(&out[..5]).unwrap_err(), FrameError::Truncated);
    }

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
    }
}
