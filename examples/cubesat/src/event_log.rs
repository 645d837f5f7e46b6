//! The event log: the notable things the components report (a frame too large for any uplink buffer, a file
//! stored or refused, a command refused for lack of scratch memory), each an [`EventRecord`] from a pool of 32
//! declared next to the type with `#[memory_pool]`. The build script counts that pool in region `dtcm` with the
//! items of the plan. The log keeps the latest [`KEEP`] records for the next downlink pass; an older record goes
//! back to the pool when a new one comes in.

use std::collections::VecDeque;
use std::sync::Mutex;

use flight_memory::{PoolBox, memory_pool};

/// Records the log keeps between downlink passes: fewer than the pool's 32 records.
pub const KEEP: usize = 16;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventId {
    /// The radio received a frame larger than any uplink buffer (detail: the cycle).
    FrameTooLarge,
    /// The file uplink stored a file (detail: its size).
    FileStored,
    /// The file uplink refused a file larger than its staging area (detail: its size).
    FileRefused,
    /// The dispatcher refused a command for lack of scratch memory (detail: the opcode).
    CommandRefused,
}

/// One event, in a slot of its pool (`EventRecord::pool()`, 32 records in region `dtcm`).
#[memory_pool(count = 32, region = "dtcm")]
#[derive(Debug)]
pub struct EventRecord {
    /// What happened.
    pub id: EventId,
    /// A number that goes with it: a cycle, a size, an opcode.
    pub detail: u32,
}

/// The latest events, and how many were logged or lost.
pub struct EventLog {
    /// At most [`KEEP`] records, oldest first. Held under the lock while a record is allocated, so the pool
    /// never has more than `KEEP` records out.
    state: Mutex<LogState>,
}

/// The log behind its lock.
struct LogState {
    /// The records kept for the downlink pass.
    recent: VecDeque<PoolBox<'static, EventRecord>>,
    /// Events logged since the start.
    logged: u64,
    /// Events not logged because the pool had no free record (none: the log keeps fewer than the pool holds).
    lost: u64,
}

/// What the event log did.
#[derive(Clone, Copy, Debug, Default)]
pub struct EventLogReport {
    /// Events logged.
    pub logged: u64,
    /// Records still kept when the pass ended, downlinked and given back then.
    pub downlinked: u64,
    /// Bytes of the downlinked records: an id byte and a 4-byte detail each.
    pub downlinked_bytes: u64,
    /// Events lost for lack of a record.
    pub lost: u64,
}

/// The spacecraft's event log, which every component writes to.
pub static EVENTS: EventLog = EventLog {
    state: Mutex::new(LogState {
        recent: VecDeque::new(),
        logged: 0,
        lost: 0,
    }),
};

impl EventLog {
    /// Logs `id` with `detail`, dropping the oldest record if the log is full.
    pub fn log(&self, id: EventId, detail: u32) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.recent.len() == KEEP {
            state.recent.pop_front(); // back to the pool
        }
        match EventRecord::pool().alloc(EventRecord { id, detail }) {
            Ok(record) => {
                state.recent.push_back(record);
                state.logged += 1;
            }
            Err(_) => state.lost += 1,
        }
    }

    /// Downlinks the records kept, encoded as an id byte and a 4-byte detail each (every record goes back to the
    /// pool), and reports what the log did.
    pub fn downlink(&self) -> EventLogReport {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut frame = Vec::with_capacity(5 * KEEP);
        let mut downlinked = 0;
        for record in state.recent.drain(..) {
            frame.push(record.id as u8);
            frame.extend_from_slice(&record.detail.to_le_bytes());
            downlinked += 1;
        }
        EventLogReport {
            logged: state.logged,
            downlinked,
            downlinked_bytes: frame.len() as u64,
            lost: state.lost,
        }
    }
}
