//! A crate that builds the code flight-memory-gen generates from its `memory.toml`, so that the tests can
//! allocate from every kind of item.

pub mod commands {
    //! The values of the typed pool `command`.

    /// A command as the dispatcher keeps it: aligned to 32 bytes, as region `dtcm` asks of its items.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    #[repr(C, align(32))]
    pub struct Command {
        /// The opcode.
        pub opcode: u16,
        /// The arguments.
        pub args: [u8; 40],
    }
}

flight_memory::include_memory!();
