//! Alignment arithmetic and aligned storage.
//!
//! The functions never panic: an alignment that is not a power of two, or a result that would overflow, is
//! `None`. The storage types give byte arrays the alignment SIMD loads and DMA engines need.

/// Rounds `value` up to the next multiple of `align`.
///
/// Returns `None` if `align` is not a power of two or the result does not fit in `usize`.
///
/// ```
/// use flight_memory::align_up;
///
/// assert_eq!(align_up(13, 8), Some(16));
/// assert_eq!(align_up(16, 8), Some(16));
/// assert_eq!(align_up(1, 3), None); // 3 is not a power of two
/// assert_eq!(align_up(usize::MAX, 2), None); // overflow
/// ```
#[inline]
pub const fn align_up(value: usize, align: usize) -> Option<usize> {
    if !align.is_power_of_two() {
        return None;
    }
    match value.checked_add(align - 1) {
        Some(bumped) => Some(bumped & !(align - 1)),
        None => None,
    }
}

/// Rounds `value` down to a multiple of `align`, or `None` if `align` is not a power of two.
///
/// ```
/// use flight_memory::align_down;
///
/// assert_eq!(align_down(13, 8), Some(8));
/// assert_eq!(align_down(13, 0), None);
/// ```
#[inline]
pub const fn align_down(value: usize, align: usize) -> Option<usize> {
    if !align.is_power_of_two() {
        return None;
    }
    Some(value & !(align - 1))
}

/// Whether `value` is a multiple of `align`; `false` if `align` is not a power of two.
///
/// ```
/// use flight_memory::is_aligned;
///
/// assert!(is_aligned(64, 32));
/// assert!(!is_aligned(48, 32));
/// ```
#[inline]
pub const fn is_aligned(value: usize, align: usize) -> bool {
    align.is_power_of_two() && value & (align - 1) == 0
}

/// Whether the address of `ptr` is a multiple of `align`.
///
/// ```
/// use flight_memory::{is_ptr_aligned, Aligned64};
///
/// let block = Aligned64([0u8; 64]);
/// assert!(is_ptr_aligned(block.0.as_ptr(), 64));
/// ```
#[inline]
pub fn is_ptr_aligned<T>(ptr: *const T, align: usize) -> bool {
    is_aligned(ptr as usize, align)
}

/// A marker for an alignment of `N` bytes; [`Alignment`] is implemented for the powers of two up to 4096.
#[derive(Clone, Copy, Debug, Default)]
pub struct Align<const N: usize>;

/// Implemented by [`Align<N>`] for every supported alignment `N` (1 to 4096, powers of two).
///
/// A bound `Align<A>: Alignment` turns an alignment that is not supported into a compile error.
pub trait Alignment: sealed::Sealed {
    /// A zero-sized type whose alignment is `N`.
    type Archetype: Copy + Default + core::fmt::Debug;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! alignments {
    ($($n:literal => $name:ident),* $(,)?) => {$(
        #[doc(hidden)]
        #[derive(Clone, Copy, Debug, Default)]
        #[repr(align($n))]
        pub struct $name;
        impl sealed::Sealed for Align<$n> {}
        impl Alignment for Align<$n> {
            type Archetype = $name;
        }
    )*};
}

alignments! {
    1 => AlignTo1, 2 => AlignTo2, 4 => AlignTo4, 8 => AlignTo8, 16 => AlignTo16, 32 => AlignTo32,
    64 => AlignTo64, 128 => AlignTo128, 256 => AlignTo256, 512 => AlignTo512, 1024 => AlignTo1024,
    2048 => AlignTo2048, 4096 => AlignTo4096,
}

/// `N` bytes aligned to `A`: the building block of the static storage of every allocator.
///
/// ```
/// use flight_memory::AlignedBytes;
///
/// let bytes = AlignedBytes::<100, 32>::zeroed();
/// assert_eq!(core::mem::align_of_val(&bytes), 32);
/// assert_eq!(bytes.as_slice().len(), 100);
/// ```
#[derive(Clone, Copy)]
#[repr(C)]
pub struct AlignedBytes<const N: usize, const A: usize>
where
    Align<A>: Alignment,
{
    _align: [<Align<A> as Alignment>::Archetype; 0],
    bytes: [u8; N],
}

impl<const N: usize, const A: usize> AlignedBytes<N, A>
where
    Align<A>: Alignment,
{
    /// `N` zero bytes: a `static` of this type lives in `.bss`.
    pub const fn zeroed() -> Self {
        AlignedBytes {
            _align: [],
            bytes: [0; N],
        }
    }

    /// The bytes.
    pub const fn as_slice(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes, mutably.
    pub const fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.bytes
    }
}

impl<const N: usize, const A: usize> Default for AlignedBytes<N, A>
where
    Align<A>: Alignment,
{
    fn default() -> Self {
        Self::zeroed()
    }
}

impl<const N: usize, const A: usize> core::fmt::Debug for AlignedBytes<N, A>
where
    Align<A>: Alignment,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AlignedBytes")
            .field("len", &N)
            .field("align", &A)
            .finish()
    }
}

macro_rules! aligned_wrappers {
    ($($name:ident => $n:literal),* $(,)?) => {$(
        #[doc = concat!("A `T` aligned to at least ", stringify!($n), " bytes, for SIMD loads and DMA.")]
        ///
        /// ```
        #[doc = concat!("use flight_memory::", stringify!($name), ";")]
        ///
        #[doc = concat!("let lanes = ", stringify!($name), "([0f32; 8]);")]
        #[doc = concat!("assert_eq!(core::mem::align_of_val(&lanes) % ", stringify!($n), ", 0);")]
        /// ```
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        #[repr(C, align($n))]
        pub struct $name<T>(pub T);

        impl<T> core::ops::Deref for $name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }

        impl<T> core::ops::DerefMut for $name<T> {
            fn deref_mut(&mut self) -> &mut T {
                &mut self.0
            }
        }
    )*};
}

aligned_wrappers! { Aligned16 => 16, Aligned32 => 32, Aligned64 => 64 }

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align_up_matches_a_slow_model() {
        for align in [1usize, 2, 4, 8, 64, 4096] {
            for value in 0..10_000usize {
                let expected = value.div_ceil(align) * align;
                assert_eq!(
                    align_up(value, align),
                    Some(expected),
                    "align_up({value}, {align})"
                );
                assert_eq!(align_down(value, align), Some(value / align * align));
                assert_eq!(is_aligned(value, align), value % align == 0);
            }
        }
    }

    #[test]
    fn bad_alignments_and_overflow_are_none() {
        for align in [0usize, 3, 6, 12, 100] {
            assert_eq!(align_up(8, align), None);
            assert_eq!(align_down(8, align), None);
            assert!(!is_aligned(8, align));
        }
        assert_eq!(align_up(usize::MAX - 2, 4), None);
        assert_eq!(align_up(usize::MAX, 1), Some(usize::MAX));
    }

    #[test]
    fn aligned_bytes_have_their_alignment() {
        assert_eq!(core::mem::align_of::<AlignedBytes<3, 4096>>(), 4096);
        assert_eq!(core::mem::size_of::<AlignedBytes<3, 1>>(), 3);
        assert_eq!(core::mem::align_of::<Aligned32<u8>>(), 32);
    }
}
