//! The event log: a ring of fixed-size event records, carved at initialisation from the allocator of its memory
//! id (F´'s `configure(allocator, memId)` pattern), and given back at teardown.

use flight_memory::{AllocError, FreeError, MemAllocator, MemBlock, MemoryId};

/// Bytes of one record: a time tag, an event id and a short text.
pub const RECORD: usize = 64;

/// The event log component.
#[derive(Default)]
pub struct EventLog<'a> {
    /// From `configure` to `teardown`: the allocator, the memory id and the block of records.
    memory: Option<(&'a dyn MemAllocator, MemoryId, MemBlock<'a>)>,
    /// Records written in all (the ring keeps the newest).
    written: usize,
}

impl<'a> EventLog<'a> {
    /// Carves room for `records` records from `allocator` on behalf of `memory`. Returns the bytes it got.
    ///
    /// # Errors
    ///
    /// [`AllocError`] if the allocator cannot give even one record.
    pub fn configure(
        &mut self,
        allocator: &'a dyn MemAllocator,
        memory: MemoryId,
        records: usize,
    ) -> Result<usize, AllocError> {
        let mut block = allocator.allocate(memory, records * RECORD, 8)?;
        // F´'s allocators may hand out less than asked: use what came, in whole records.
        if block.len() < RECORD {
            let _ = allocator.deallocate(memory, block);
            return Err(AllocError::OutOfMemory {
                requested: RECORD,
                remaining: 0,
            });
        }
        block.as_mut_slice().fill(0);
        let len = block.len();
        self.memory = Some((allocator, memory, block));
        Ok(len)
    }

    /// Records event `id` at `time` with `text` (cut to fit). Does nothing before `configure`.
    pub fn log(&mut self, time: u32, id: u16, text: &str) {
        let Some((_, _, block)) = &mut self.memory else {
            return;
        };
        let ring = block.as_mut_slice();
        let slots = ring.len() / RECORD;
        let at = (self.written % slots) * RECORD;
        let record = &mut ring[at..at + RECORD];
        record[..4].copy_from_slice(&time.to_le_bytes());
        record[4..6].copy_from_slice(&id.to_le_bytes());
        let text = &text.as_bytes()[..text.len().min(RECORD - 6)];
        record[6..6 + text.len()].copy_from_slice(text);
        record[6 + text.len()..].fill(0);
        self.written += 1;
    }

    /// Records written since `configure`.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Gives the block back.
    ///
    /// # Errors
    ///
    /// [`FreeError`] if the allocator refuses it (a region gives back only its most recent block: tear down in
    /// the reverse order of configuration). The block then stays reserved until the region is reset.
    pub fn teardown(&mut self) -> Result<(), FreeError> {
        match self.memory.take() {
            Some((allocator, memory, block)) => allocator.deallocate(memory, block),
            None => Ok(()),
        }
    }
}
