//! The telemetry database (F´'s `TlmChan`): the latest value of every channel, in a table carved at
//! initialisation from the allocator of its memory id and given back at teardown.

use flight_memory::{AllocError, FreeError, MemAllocator, MemBlock, MemoryId};

/// Bytes per channel: the value and its time tag.
const SLOT: usize = 8;

/// The telemetry database component.
#[derive(Default)]
pub struct TlmDb<'a> {
    /// From `configure` to `teardown`: the allocator, the memory id and the table.
    memory: Option<(&'a dyn MemAllocator, MemoryId, MemBlock<'a>)>,
}

impl<'a> TlmDb<'a> {
    /// Carves a table of `channels` channels. Returns its bytes.
    ///
    /// # Errors
    ///
    /// [`AllocError`] if the allocator cannot give the whole table (a smaller block is given back).
    pub fn configure(
        &mut self,
        allocator: &'a dyn MemAllocator,
        memory: MemoryId,
        channels: usize,
    ) -> Result<usize, AllocError> {
        let needed = channels * SLOT;
        let mut block = allocator.allocate(memory, needed, 8)?;
        if block.len() < needed {
            let got = block.len();
            let _ = allocator.deallocate(memory, block);
            return Err(AllocError::OutOfMemory {
                requested: needed,
                remaining: got,
            });
        }
        block.as_mut_slice().fill(0);
        self.memory = Some((allocator, memory, block));
        Ok(needed)
    }

    /// Writes `value` to `channel` at `time`. Returns whether the channel exists.
    pub fn write(&mut self, channel: usize, time: u32, value: u32) -> bool {
        let Some((_, _, block)) = &mut self.memory else {
            return false;
        };
        let Some(slot) = block
            .as_mut_slice()
            .get_mut(channel * SLOT..(channel + 1) * SLOT)
        else {
            return false;
        };
        slot[..4].copy_from_slice(&time.to_le_bytes());
        slot[4..].copy_from_slice(&value.to_le_bytes());
        true
    }

    /// Gives the table back.
    ///
    /// # Errors
    ///
    /// [`FreeError`] if the allocator refuses it.
    pub fn teardown(&mut self) -> Result<(), FreeError> {
        match self.memory.take() {
            Some((allocator, memory, block)) => allocator.deallocate(memory, block),
            None => Ok(()),
        }
    }
}
