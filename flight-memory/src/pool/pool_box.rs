//! The owning box of a [`TypedPool`](crate::TypedPool).

use core::marker::PhantomData;
use core::ptr::NonNull;

use super::ledger::LedgerRef;
use crate::free_list::Ticket;

/// A `T` in a block of a [`TypedPool`](crate::TypedPool), owned like a `Box<T>`: it derefs to the value, and
/// dropping it drops the value and gives the block back.
///
/// It borrows the pool, which is usually a `static`. It is `Send` if `T` is, and `Sync` if `T` is.
///
/// ```
/// use flight_memory::TypedPool;
///
/// #[derive(Debug)]
/// struct Packet { apid: u16, len: u16 }
///
/// static PACKETS: TypedPool<Packet, 4> = TypedPool::new();
///
/// let mut packet = PACKETS.alloc(Packet { apid: 0x08, len: 0 })?;
/// packet.len = 12;
/// assert_eq!((packet.apid, packet.len), (0x08, 12));
/// assert_eq!(format!("{packet:?}"), "Packet { apid: 8, len: 12 }");
/// drop(packet);
/// assert_eq!(PACKETS.in_use(), 0);
/// # Ok::<(), flight_memory::Rejected<Packet>>(())
/// ```
///
/// A box of a value that must stay on its thread cannot be sent:
///
/// ```compile_fail
/// use std::rc::Rc;
/// use flight_memory::TypedPool;
///
/// fn send<T: Send>(_: T) {}
///
/// let pool = TypedPool::<Rc<u8>, 1>::new();
/// send(pool.alloc(Rc::new(1)).unwrap());
/// ```
pub struct PoolBox<'a, T> {
    /// The value, initialised, in a block owned by this box.
    value: NonNull<T>,
    /// The pool's ledger.
    ledger: LedgerRef<'a>,
    /// The block's receipt from `ledger`: its index and what giving it back needs.
    ticket: Ticket,
    /// The box owns a `T` (for the drop check and auto traits).
    _owns: PhantomData<T>,
}

// SAFETY: a `PoolBox<T>` owns its `T` like `Box<T>` does, so sending the box sends the value, which needs
// `T: Send`; its ledger is shared through atomics and giving the block back from another thread is what the free
// list is built for.
unsafe impl<T: Send> Send for PoolBox<'_, T> {}
// SAFETY: `&PoolBox<T>` only gives `&T`, which is safe to share when `T: Sync`.
unsafe impl<T: Sync> Sync for PoolBox<'_, T> {}

impl<'a, T> PoolBox<'a, T> {
    /// Wraps the value at `value`, in the block of `ticket`.
    ///
    /// # Safety
    ///
    /// `ticket` was taken with `Ledger::take_held` from `ledger`'s ledger and its block is owned by the caller,
    /// and `value` points into that block at an initialised `T` that nothing else accesses, valid for `'a`.
    #[inline]
    pub(crate) unsafe fn new(value: NonNull<T>, ledger: LedgerRef<'a>, ticket: Ticket) -> Self {
        PoolBox {
            value,
            ledger,
            ticket,
            _owns: PhantomData,
        }
    }

    /// Moves the value out and gives the block back.
    ///
    /// This is a method, so it is called instead of a method of `T` with the same name; write
    /// `PoolBox::into_inner(boxed)` when that matters.
    ///
    /// ```
    /// use flight_memory::TypedPool;
    ///
    /// static POOL: TypedPool<[u32; 4], 1> = TypedPool::new();
    ///
    /// let boxed = POOL.alloc([1, 2, 3, 4])?;
    /// assert_eq!(PoolBox::into_inner(boxed), [1, 2, 3, 4]);
    /// assert_eq!(POOL.available(), 1);
    /// # use flight_memory::PoolBox;
    /// # Ok::<(), flight_memory::Rejected<[u32; 4]>>(())
    /// ```
    #[inline]
    pub fn into_inner(self) -> T {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: the box owns an initialised `T` at `value`; it is read once, and the box is consumed without
        // being dropped, so the value is neither dropped nor read again.
        let value = unsafe { this.value.as_ptr().read() };
        // SAFETY: the box owns block `index` (the constructor's contract) and no longer touches it.
        unsafe { this.ledger.give_back(this.ticket) };
        value
    }
}

impl<T> core::ops::Deref for PoolBox<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the box owns an initialised `T` at `value` for as long as the pool is borrowed.
        unsafe { self.value.as_ref() }
    }
}

impl<T> core::ops::DerefMut for PoolBox<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only access.
        unsafe { self.value.as_mut() }
    }
}

impl<T> AsRef<T> for PoolBox<'_, T> {
    #[inline]
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T> AsMut<T> for PoolBox<'_, T> {
    #[inline]
    fn as_mut(&mut self) -> &mut T {
        self
    }
}

impl<T> Drop for PoolBox<'_, T> {
    /// Drops the value, then gives the block back. If the value's `drop` panics, the block stays in use (it is
    /// leaked, never reused while something may still see it).
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the box owns an initialised `T` at `value`, dropped exactly once here.
        unsafe { core::ptr::drop_in_place(self.value.as_ptr()) };
        // SAFETY: the box owns block `index` and nothing accesses it after this.
        unsafe { self.ledger.give_back(self.ticket) };
    }
}

impl<T: core::fmt::Debug> core::fmt::Debug for PoolBox<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&**self, f)
    }
}

impl<T: core::fmt::Display> core::fmt::Display for PoolBox<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&**self, f)
    }
}
