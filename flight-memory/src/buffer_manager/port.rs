//! [`BufferPort`]: F´'s `bufferGet` and `bufferSendIn` ports as a trait, so a component can be wired to any
//! buffer manager, or to a test double.

use crate::{AllocError, FreeError};

use super::{Buffer, BufferManager};

/// Where a component gets buffers and sends them back: F´'s `bufferGet` and `bufferSendIn` ports.
///
/// A component holds a `&dyn BufferPort` (the trait is object safe) and does not care what is behind it: a
/// [`BufferManager`] from a `static` ([`buffer_manager!`](crate::buffer_manager), generated code) or set up from
/// a [`MemAllocator`](crate::MemAllocator), or a test double. Buffers are made only by managers, so a double
/// wraps a small manager of its own and adds what the test needs: recording requests, failing on demand.
///
/// A component that drops a buffer gives it back as well; [`send_in`](BufferPort::send_in) says so explicitly,
/// and lets the port check where it came from.
///
/// ```
/// use std::cell::Cell;
/// use flight_memory::{buffer_manager, AllocError, Buffer, BufferPort, FreeError};
///
/// /// A component that frames telemetry into buffers from whatever it is wired to.
/// struct Framer<'a> {
///     buffers: &'a dyn BufferPort,
/// }
///
/// impl Framer<'_> {
///     fn frame(&self, payload: &[u8]) -> Result<usize, AllocError> {
///         let mut frame = self.buffers.get(payload.len() + 2)?;
///         frame[..2].copy_from_slice(&[0xEB, 0x90]);
///         frame[2..].copy_from_slice(payload);
///         let framed = frame.len();
///         self.buffers.send_in(frame).ok(); // done with it
///         Ok(framed)
///     }
/// }
///
/// // In flight: wired to a manager.
/// buffer_manager! {
///     static FRAMES: id 1, bins [64 x 4];
/// }
/// assert_eq!(Framer { buffers: &FRAMES }.frame(b"hi"), Ok(4));
///
/// // In a test: a double that fails the next request on demand.
/// buffer_manager! {
///     static SPARE: id 99, bins [64 x 1];
/// }
/// struct Flaky {
///     fail_next: Cell<bool>,
/// }
/// impl BufferPort for Flaky {
///     fn get(&self, size: usize) -> Result<Buffer<'_>, AllocError> {
///         if self.fail_next.replace(false) {
///             return Err(AllocError::Exhausted { capacity: 0 });
///         }
///         SPARE.allocate(size)
///     }
///     fn send_in(&self, buffer: Buffer<'_>) -> Result<(), FreeError> {
///         SPARE.deallocate(buffer)
///     }
/// }
/// let flaky = Flaky { fail_next: Cell::new(true) };
/// let framer = Framer { buffers: &flaky };
/// assert!(framer.frame(b"hi").is_err());
/// assert_eq!(framer.frame(b"hi"), Ok(4));
/// ```
pub trait BufferPort {
    /// F´'s `bufferGet`: a buffer of `size` bytes.
    ///
    /// # Errors
    ///
    /// [`AllocError`] when no buffer can be had; for a [`BufferManager`], as
    /// [`allocate`](BufferManager::allocate).
    fn get(&self, size: usize) -> Result<Buffer<'_>, AllocError>;

    /// F´'s `bufferSendIn`: gives a buffer back.
    ///
    /// # Errors
    ///
    /// [`FreeError`] if the port refuses the buffer; for a [`BufferManager`], a buffer of another manager
    /// ([`FreeError::WrongManager`]), which still goes back to its own manager.
    fn send_in(&self, buffer: Buffer<'_>) -> Result<(), FreeError>;
}

impl BufferPort for BufferManager<'_> {
    #[inline]
    fn get(&self, size: usize) -> Result<Buffer<'_>, AllocError> {
        self.allocate(size)
    }

    /// Gives `buffer` back with [`deallocate`](BufferManager::deallocate); an empty one is counted in
    /// `empty_buffs`, as F´ counts the empty buffers sent to its `bufferSendIn`.
    #[inline]
    fn send_in(&self, buffer: Buffer<'_>) -> Result<(), FreeError> {
        if buffer.is_empty() {
            return self.send_in_empty(buffer);
        }
        self.deallocate(buffer)
    }
}

impl BufferManager<'_> {
    /// [`send_in`](BufferPort::send_in) of an empty buffer, apart so that the common case stays a test and a jump.
    #[cold]
    #[inline(never)]
    fn send_in_empty(&self, buffer: Buffer<'_>) -> Result<(), FreeError> {
        self.count_empty_return();
        self.deallocate(buffer)
    }
}

impl<P: BufferPort + ?Sized> BufferPort for &P {
    #[inline]
    fn get(&self, size: usize) -> Result<Buffer<'_>, AllocError> {
        (**self).get(size)
    }

    #[inline]
    fn send_in(&self, buffer: Buffer<'_>) -> Result<(), FreeError> {
        (**self).send_in(buffer)
    }
}
