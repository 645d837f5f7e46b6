//! A buffer manager component (an instance of F´'s `Svc::BufferManager`): it owns a [`BufferManager`] set up
//! at initialisation from the allocator the topology gives it, serves buffers through [`BufferPort`] while the
//! deployment runs, and gives its memory back at teardown.

use std::fmt;

use flight_memory::{
    AllocError, Bin, Buffer, BufferManager, BufferPort, BufferTelemetry, FreeError, ManagerId,
    MemAllocator, MemoryId, SetupError, TeardownError,
};

/// A buffer manager component: unconfigured until [`configure`](BufferPool::configure).
pub struct BufferPool<'a> {
    /// The instance's name in the topology.
    pub name: &'static str,
    id: ManagerId,
    bins: &'static [Bin],
    /// `Some` between `configure` and a successful `teardown`.
    manager: Option<BufferManager<'a>>,
}

/// Why [`BufferPool::teardown`] did not give the memory back.
#[derive(Debug)]
pub enum PoolTeardownError {
    /// Buffers are still out; the component keeps its manager, so they can come back and teardown be retried.
    BuffersOut {
        /// How many.
        outstanding: usize,
    },
    /// The allocator refused the block back.
    Refused {
        /// Why.
        error: FreeError,
    },
    /// Anything else the manager reported.
    Other(String),
}

impl fmt::Display for PoolTeardownError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolTeardownError::BuffersOut { outstanding } => {
                write!(f, "{outstanding} buffers are still out")
            }
            PoolTeardownError::Refused { error } => {
                write!(f, "the allocator refused the block: {error}")
            }
            PoolTeardownError::Other(error) => f.write_str(error),
        }
    }
}

impl<'a> BufferPool<'a> {
    /// An unconfigured instance that will serve `bins` as manager `id`.
    pub const fn new(name: &'static str, id: ManagerId, bins: &'static [Bin]) -> BufferPool<'a> {
        BufferPool {
            name,
            id,
            bins,
            manager: None,
        }
    }

    /// F´'s `setup(mgrId, memId, allocator, bins)`: carves the manager's state and buffers out of one block of
    /// `allocator`, asked for on behalf of `memory`. Returns the bytes of buffers it got.
    ///
    /// The allocator must be `Sync`: the manager it backs is shared by the components that take buffers from
    /// it, on their own threads, and gives its block back from whichever thread tears it down.
    ///
    /// # Errors
    ///
    /// [`SetupError`] if the bins are invalid or the allocator cannot give the block.
    pub fn configure(
        &mut self,
        allocator: &'a (dyn MemAllocator + Sync),
        memory: MemoryId,
    ) -> Result<usize, SetupError> {
        let manager = BufferManager::setup(self.id, memory, allocator, self.bins)?;
        let buffers = manager.storage_size();
        self.manager = Some(manager);
        Ok(buffers)
    }

    /// The manager's telemetry, once configured.
    pub fn telemetry(&self) -> Option<BufferTelemetry> {
        self.manager.as_ref().map(BufferManager::telemetry)
    }

    /// The manager itself, once configured: for raw buffers, which queues and DMA use.
    pub fn manager(&self) -> Option<&BufferManager<'a>> {
        self.manager.as_ref()
    }

    /// F´'s teardown: gives the block back to the allocator it came from.
    ///
    /// # Errors
    ///
    /// [`PoolTeardownError`]; with buffers still out, nothing is given back and the component stays configured.
    pub fn teardown(&mut self) -> Result<(), PoolTeardownError> {
        let Some(manager) = self.manager.take() else {
            return Ok(());
        };
        match manager.teardown() {
            Ok(()) => Ok(()),
            Err(TeardownError::BuffersOut {
                outstanding,
                manager,
            }) => {
                self.manager = Some(manager);
                Err(PoolTeardownError::BuffersOut { outstanding })
            }
            Err(TeardownError::Refused { error, .. }) => Err(PoolTeardownError::Refused { error }),
            // `TeardownError` may grow variants; none of them leaves the manager to keep.
            Err(other) => Err(PoolTeardownError::Other(other.to_string())),
        }
    }
}

/// The component's `bufferGet` / `bufferSendIn` ports. Before `configure` (or after `teardown`) every request
/// fails, as an F´ port connected to nothing would.
impl BufferPort for BufferPool<'_> {
    fn get(&self, size: usize) -> Result<Buffer<'_>, AllocError> {
        match &self.manager {
            Some(manager) => manager.allocate(size),
            None => Err(AllocError::Exhausted { capacity: 0 }),
        }
    }

    fn send_in(&self, buffer: Buffer<'_>) -> Result<(), FreeError> {
        match &self.manager {
            Some(manager) => manager.deallocate(buffer),
            // A buffer exists only while its manager does: this cannot happen, and the buffer still goes home.
            None => {
                drop(buffer);
                Ok(())
            }
        }
    }
}
