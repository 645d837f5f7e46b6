//! The commands the dispatcher queues: values of the plan's type pool `[pools.command]`
//! (`type = "crate::command::Command"`), whose size and alignment only the compiler knows.

/// A decoded command waiting for dispatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Command {
    /// What to do.
    pub opcode: u16,
    /// Its arguments.
    pub args: [u32; 3],
}
