//! The baseline the BufferManager is measured against, shared by the criterion bench and the instruction
//! counts: what F´'s BufferManager documents, a first-fit walk over every buffer's "allocated" flag.

#![allow(dead_code, reason = "each bench uses the parts it measures")]

/// The bin sizes, smallest first, and the request that lands in each.
pub const BIN_SIZES: [usize; 4] = [64, 128, 256, 512];
pub const REQUESTS: [usize; 4] = [60, 120, 250, 500];

/// The buffer a component gets from the baseline: F´'s `Fw::Buffer` (data, size, and the context that holds
/// the record's index).
#[derive(Clone, Copy, Debug)]
pub struct ScanBuffer {
    pub data: *mut u8,
    size: u32,
    context: u32,
}

impl ScanBuffer {
    const EMPTY: ScanBuffer = ScanBuffer {
        data: std::ptr::null_mut(),
        size: 0,
        context: 0,
    };
}

/// One record per buffer, as F´ keeps them: the buffer handed out, its memory and bin size, and whether it is
/// allocated.
#[derive(Debug)]
pub struct Record {
    buffer: ScanBuffer,
    memory: *mut u8,
    size: u32,
    allocated: bool,
}

/// The baseline: F´'s algorithm. Records are laid out bin after bin in declaration order.
#[derive(Debug)]
pub struct ScanManager {
    records: Vec<Record>,
    pub curr_buffs: u32,
    hi_buffs: u32,
    pub no_buffs: u32,
    /// The buffers' bytes, carved bin after bin as F´ carves its allocator's block.
    _storage: Vec<u8>,
}

impl ScanManager {
    pub fn new(per_bin: usize) -> Self {
        let total: usize = BIN_SIZES.iter().map(|size| size * per_bin).sum();
        let mut storage = vec![0u8; total];
        let base = storage.as_mut_ptr();
        let mut records = Vec::with_capacity(per_bin * BIN_SIZES.len());
        let mut offset = 0;
        for size in BIN_SIZES {
            for _ in 0..per_bin {
                let memory = base.wrapping_add(offset);
                let context = records.len() as u32;
                records.push(Record {
                    buffer: ScanBuffer {
                        data: memory,
                        size: size as u32,
                        context,
                    },
                    memory,
                    size: size as u32,
                    allocated: false,
                });
                offset += size;
            }
        }
        ScanManager {
            records,
            curr_buffs: 0,
            hi_buffs: 0,
            no_buffs: 0,
            _storage: storage,
        }
    }

    /// F´'s `bufferGet`: the first record that is free and big enough, else an empty buffer and a failure count.
    /// Takes the first half of every bin, as `get` would in that many calls (whose scans cost O(n²) in all,
    /// minutes under valgrind at 65,536 buffers).
    pub fn hold_first_half_of_each_bin(&mut self) {
        let per_bin = self.records.len() / BIN_SIZES.len();
        for (i, record) in self.records.iter_mut().enumerate() {
            if i % per_bin < per_bin / 2 {
                record.allocated = true;
                self.curr_buffs += 1;
            }
        }
        self.hi_buffs = self.hi_buffs.max(self.curr_buffs);
    }

    #[inline(never)]
    pub fn get(&mut self, size: usize) -> ScanBuffer {
        for record in &mut self.records {
            if !record.allocated && size <= record.size as usize {
                record.allocated = true;
                self.curr_buffs += 1;
                self.hi_buffs = self.hi_buffs.max(self.curr_buffs);
                let mut buffer = record.buffer;
                buffer.size = size as u32;
                return buffer;
            }
        }
        self.no_buffs += 1;
        ScanBuffer::EMPTY
    }

    /// F´'s `bufferSendIn`: the record named by the buffer's context, checked, marked free.
    #[inline(never)]
    pub fn give_back(&mut self, buffer: ScanBuffer) {
        let record = self
            .records
            .get_mut(buffer.context as usize)
            .expect("buffer id out of range");
        assert!(record.allocated, "buffer returned twice");
        assert_eq!(
            record.memory, buffer.data,
            "buffer memory does not match its id"
        );
        record.allocated = false;
        self.curr_buffs -= 1;
    }
}
