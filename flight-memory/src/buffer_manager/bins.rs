//! The bins of a buffer manager: their declaration ([`Bin`]), validation ([`BinsError`]), sorting and layout in
//! storage ([`BinTable`]).
//!
//! Everything here is plain data computed by `const fn`s, so a table written in a `const` is checked by the
//! compiler: a bad table does not build.

use super::list::{BinList, Link, MAX_CAPACITY};
use super::occupancy::{shift_for, weight_for};

/// The most bins one manager can have.
pub const MAX_BINS: usize = 32;

/// The alignment of every buffer unless the table asks for another: enough for any scalar up to `u64`.
pub const DEFAULT_BUFFER_ALIGNMENT: usize = 8;

/// The largest buffer alignment a table may ask for (a page).
pub const MAX_BUFFER_ALIGNMENT: usize = 4096;

/// The most buffers one bin can have on this target: what its free list can index (2³² − 3, or 65,533 on
/// targets with 32-bit compare-and-swap only).
pub const MAX_BIN_COUNT: usize = MAX_CAPACITY as usize;

/// One bin as declared: `count` buffers of `size` bytes.
///
/// ```
/// use flight_memory::Bin;
///
/// let small = Bin::new(128, 32);
/// assert_eq!((small.size, small.count), (128, 32));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Bin {
    /// Bytes in each buffer of the bin; at least 1.
    pub size: usize,
    /// How many buffers the bin has; at least 1.
    pub count: usize,
}

impl Bin {
    /// `count` buffers of `size` bytes.
    pub const fn new(size: usize, count: usize) -> Self {
        Bin { size, count }
    }
}

/// Why a bins table is invalid. [`BinTable::new`] in a `const` or `static` turns it into a compile error with
/// the text of [`as_str`](BinsError::as_str).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BinsError {
    /// The table has no bins.
    NoBins,
    /// The table has more bins than [`MAX_BINS`].
    TooManyBins {
        /// How many bins were declared.
        bins: usize,
    },
    /// A bin has buffers of 0 bytes.
    ZeroSize {
        /// The bin's position in the declaration.
        bin: usize,
    },
    /// A bin has no buffers.
    ZeroCount {
        /// The bin's position in the declaration.
        bin: usize,
    },
    /// A bin has more buffers than [`MAX_BIN_COUNT`].
    TooManyBuffers {
        /// The bin's position in the declaration.
        bin: usize,
        /// How many buffers it declares.
        count: usize,
    },
    /// Two bins have the same buffer size.
    DuplicateSize {
        /// The size both declare.
        size: usize,
        /// The position of the first of them in the declaration.
        first: usize,
        /// The position of the second.
        second: usize,
    },
    /// The alignment is not a power of two, or above [`MAX_BUFFER_ALIGNMENT`].
    BadAlignment {
        /// The alignment asked for.
        alignment: usize,
    },
    /// The bytes or buffers of the table add up to more than `usize` holds.
    SizeOverflow,
}

impl BinsError {
    /// The error as a fixed sentence, without numbers; what a compile error from [`BinTable::new`] shows.
    pub const fn as_str(&self) -> &'static str {
        match self {
            BinsError::NoBins => {
                "buffer manager bins: the table has no bins; declare at least one (size, count)"
            }
            BinsError::TooManyBins { .. } => {
                "buffer manager bins: more bins than MAX_BINS (32); merge bins of similar sizes"
            }
            BinsError::ZeroSize { .. } => {
                "buffer manager bins: a bin has size 0; every buffer needs at least 1 byte"
            }
            BinsError::ZeroCount { .. } => {
                "buffer manager bins: a bin has count 0; give it at least 1 buffer or remove it"
            }
            BinsError::TooManyBuffers { .. } => {
                "buffer manager bins: a bin has more buffers than its free list can index (MAX_BIN_COUNT)"
            }
            BinsError::DuplicateSize { .. } => {
                "buffer manager bins: two bins have the same size; merge them into one bin with both counts"
            }
            BinsError::BadAlignment { .. } => {
                "buffer manager bins: the alignment must be a power of two from 1 to 4096"
            }
            BinsError::SizeOverflow => {
                "buffer manager bins: the bins' bytes add up to more than usize can hold"
            }
        }
    }
}

impl core::fmt::Display for BinsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            BinsError::NoBins => f.write_str(self.as_str()),
            BinsError::TooManyBins { bins } => write!(
                f,
                "buffer manager bins: {bins} bins declared, at most {MAX_BINS} allowed; merge bins of similar sizes"
            ),
            BinsError::ZeroSize { bin } => write!(
                f,
                "buffer manager bins: bin {bin} has size 0; every buffer needs at least 1 byte"
            ),
            BinsError::ZeroCount { bin } => write!(
                f,
                "buffer manager bins: bin {bin} has count 0; give it at least 1 buffer or remove it"
            ),
            BinsError::TooManyBuffers { bin, count } => write!(
                f,
                "buffer manager bins: bin {bin} has {count} buffers, at most {MAX_BIN_COUNT} allowed on this target"
            ),
            BinsError::DuplicateSize {
                size,
                first,
                second,
            } => write!(
                f,
                "buffer manager bins: bins {first} and {second} both have size {size}; merge them into one bin"
            ),
            BinsError::BadAlignment { alignment } => write!(
                f,
                "buffer manager bins: alignment {alignment} is not a power of two from 1 to {MAX_BUFFER_ALIGNMENT}"
            ),
            BinsError::SizeOverflow => f.write_str(self.as_str()),
        }
    }
}

impl core::error::Error for BinsError {}

/// Where one bin lives: its buffers are `count` consecutive strides of storage starting at `offset`, and their
/// links and tags are `count` consecutive entries starting at `first`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct BinLayout {
    /// Bytes in each buffer; at least 1.
    pub(crate) size: usize,
    /// Buffers in the bin; `1..=MAX_BIN_COUNT`.
    pub(crate) count: usize,
    /// `size` rounded up to the table's alignment: the distance between two buffers of the bin.
    pub(crate) stride: usize,
    /// Bytes from the start of storage to the bin's first buffer; a multiple of the alignment, and
    /// `offset + count * stride` is at most the table's storage size.
    pub(crate) offset: usize,
    /// The index of the bin's first buffer among all the manager's buffers (its first link and tag).
    pub(crate) first: usize,
    /// What one of the bin's buffers adds to the manager's occupancy word, `size << shift | 1`, when the table's
    /// buffers and bytes fit in one word; `0` when they do not (see the `occupancy` module). Set by
    /// [`weigh`] once every bin is laid out.
    pub(crate) weight: usize,
    /// `first` in bytes of links: where the bin's links start, ready to add to the address of the manager's
    /// first link.
    pub(crate) links_at: usize,
    /// Unused: makes a layout 64 bytes on 64-bit targets, so that finding a bin's is one shift.
    pub(crate) _pad: usize,
}

impl BinLayout {
    pub(crate) const UNUSED: BinLayout = BinLayout {
        size: 0,
        count: 0,
        stride: 0,
        offset: 0,
        first: 0,
        weight: 0,
        links_at: 0,
        _pad: 0,
    };

    /// The bin's buffers' bytes.
    pub(crate) const fn bytes(&self) -> usize {
        // Cannot overflow: validated when the table was built.
        self.stride.wrapping_mul(self.count)
    }
}

/// The totals of a valid table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Totals {
    pub(crate) buffers: usize,
    pub(crate) storage: usize,
}

/// Checks bins in declaration order; returns how many buffers and storage bytes they need.
pub(crate) const fn validate(bins: &[Bin], alignment: usize) -> Result<Totals, BinsError> {
    if bins.is_empty() {
        return Err(BinsError::NoBins);
    }
    if bins.len() > MAX_BINS {
        return Err(BinsError::TooManyBins { bins: bins.len() });
    }
    if !alignment.is_power_of_two() || alignment > MAX_BUFFER_ALIGNMENT {
        return Err(BinsError::BadAlignment { alignment });
    }
    let mut buffers: usize = 0;
    let mut storage: usize = 0;
    let mut i = 0;
    while i < bins.len() {
        let bin = bins[i];
        if bin.size == 0 {
            return Err(BinsError::ZeroSize { bin: i });
        }
        if bin.count == 0 {
            return Err(BinsError::ZeroCount { bin: i });
        }
        if bin.count > MAX_BIN_COUNT {
            return Err(BinsError::TooManyBuffers {
                bin: i,
                count: bin.count,
            });
        }
        let mut j = 0;
        while j < i {
            if bins[j].size == bin.size {
                return Err(BinsError::DuplicateSize {
                    size: bin.size,
                    first: j,
                    second: i,
                });
            }
            j += 1;
        }
        let Some(stride) = crate::align_up(bin.size, alignment) else {
            return Err(BinsError::SizeOverflow);
        };
        let Some(bytes) = stride.checked_mul(bin.count) else {
            return Err(BinsError::SizeOverflow);
        };
        storage = match storage.checked_add(bytes) {
            Some(total) => total,
            None => return Err(BinsError::SizeOverflow),
        };
        buffers = match buffers.checked_add(bin.count) {
            Some(total) => total,
            None => return Err(BinsError::SizeOverflow),
        };
        i += 1;
    }
    Ok(Totals { buffers, storage })
}

/// The layout of bin `i` of `sorted` (bins sorted by size and valid), given the layout of the bin before it.
pub(crate) const fn layout_after(
    previous: Option<BinLayout>,
    bin: Bin,
    alignment: usize,
) -> BinLayout {
    let (offset, first) = match previous {
        Some(before) => (
            before.offset.wrapping_add(before.bytes()),
            before.first.wrapping_add(before.count),
        ),
        None => (0, 0),
    };
    let stride = match crate::align_up(bin.size, alignment) {
        Some(stride) => stride,
        // Unreachable for a validated table; a zero stride would only make every buffer of the bin overlap the
        // first, and the table is validated before this is called.
        None => 0,
    };
    BinLayout {
        size: bin.size,
        count: bin.count,
        stride,
        offset,
        first,
        weight: 0,
        links_at: first.wrapping_mul(size_of::<Link>()),
        _pad: 0,
    }
}

/// Sets every bin's occupancy weight, once all of a table's bins (`layouts`, `buffers` buffers) are laid out.
pub(crate) const fn weigh(layouts: &mut [BinLayout], buffers: usize) {
    let shift = shift_for(buffers, bytes_of(layouts));
    let mut i = 0;
    while i < layouts.len() {
        layouts[i].weight = weight_for(shift, layouts[i].size);
        i += 1;
    }
}

/// Entries of a size-class table: one per bit of `usize`.
pub(crate) const CLASSES: usize = usize::BITS as usize;

/// The flag of a size-class table entry whose bin serves every request of the class at once: its buffers are at
/// least as large as the class's largest size, its list is small ([`BinList::is_small`]) and the manager's
/// occupancy is packed (its weight is not 0). The entry's other bits are the bin.
pub(crate) const FITS: u8 = 0x80;

/// The flag of a size-class table entry whose bin can take the fast path (its list small, the occupancy packed)
/// but does not fit every size of the class: the request is compared with the bin's size once, and served by it
/// if it fits.
pub(crate) const FIRST: u8 = 0x40;

/// The bin of a size-class table entry: the bits below both flags.
pub(crate) const BIN: u8 = 0x3F;

/// The entry of a size-class table for a class no bin serves from the fast path: neither [`FITS`] nor [`FIRST`],
/// and a bin above every bin ([`MAX_BINS`] is 32).
pub(crate) const NO_CLASS: u8 = BIN;

/// The size-class table of a manager without bins (torn down): every request takes the slow path.
pub(crate) static NO_CLASSES: [u8; CLASSES] = [NO_CLASS; CLASSES];

/// The size class of a request: `k` for sizes in `2^k + 1..=2^(k+1)` (and sizes 1 and 2 for class 0), and the
/// last class, `usize::BITS − 1`, for a size of 0 (which wraps around) or above `2^(usize::BITS − 1)`. Three
/// instructions (a decrement, an or, a bit scan), whatever the bins.
#[inline(always)]
pub(crate) const fn size_class(size: usize) -> usize {
    (size.wrapping_sub(1) | 1).ilog2() as usize
}

/// The size-class table of `layouts` (sorted by size, weighed): entry `k` is the first bin whose buffers are at
/// least as large as the smallest size of class `k`, so the smallest bin that fits a request of class `k` is
/// that bin or one of the few after it that share the class. The entry is flagged [`FITS`] when that bin fits
/// every size of the class and can take the fast path, [`FIRST`] when it can take the fast path but fits only
/// the class's smaller sizes. [`NO_CLASS`] where no bin is that large, and always for the last class, whose
/// requests (zero bytes, or more than half the address space) take the slow path.
pub(crate) const fn classes_of(layouts: &[BinLayout]) -> [u8; CLASSES] {
    let mut classes = [NO_CLASS; CLASSES];
    let mut class = 0;
    while class + 1 < CLASSES {
        let smallest = if class == 0 { 1 } else { (1usize << class) + 1 };
        let largest = 1usize << (class + 1);
        let mut bin = 0;
        while bin < layouts.len() && layouts[bin].size < smallest {
            bin += 1;
        }
        if bin < layouts.len() {
            let layout = &layouts[bin];
            let fast = layout.weight != 0 && BinList::is_small(layout.count);
            let flag = if !fast {
                0
            } else if layout.size >= largest {
                FITS
            } else {
                FIRST
            };
            // At most `MAX_BINS` (32) bins, below both flags.
            classes[class] = bin as u8 | flag;
        }
        class += 1;
    }
    classes
}

/// A validated bins table: the bins sorted by size and laid out in storage, with the alignment of every buffer.
///
/// Build it in a `const` with [`new`](BinTable::new) (or [`with_alignment`](BinTable::with_alignment)), where a
/// bad table is a compile error, or at run time with [`try_new`](BinTable::try_new). The bins may be declared in
/// any order; they are kept sorted by size, and a bin's number ([`Buffer::bin`](crate::Buffer::bin), telemetry)
/// is its position in that order.
///
/// Storage holds the bins one after the other, smallest first; each buffer takes its size rounded up to the
/// alignment (its *stride*), so every buffer starts aligned.
///
/// ```
/// use flight_memory::{Bin, BinTable};
///
/// const TABLE: BinTable<3> =
///     BinTable::new([Bin::new(1024, 2), Bin::new(100, 4), Bin::new(4096, 1)]);
///
/// assert_eq!(TABLE.bins().map(|bin| bin.size).collect::<Vec<_>>(), [100, 1024, 4096]);
/// assert_eq!(TABLE.alignment(), 8);
/// assert_eq!(TABLE.buffer_count(), 7);
/// // 100 bytes take a stride of 104 at alignment 8.
/// assert_eq!(TABLE.storage_size(), 4 * 104 + 2 * 1024 + 4096);
/// ```
///
/// A bad table in a `const` does not compile:
///
/// ```compile_fail
/// use flight_memory::{Bin, BinTable};
///
/// // error: buffer manager bins: two bins have the same size; merge them into one bin with both counts
/// const TABLE: BinTable<2> = BinTable::new([Bin::new(128, 4), Bin::new(128, 2)]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BinTable<const B: usize> {
    /// Sorted by strictly increasing size; laid out back to back from offset 0.
    layouts: [BinLayout; B],
    /// A power of two up to [`MAX_BUFFER_ALIGNMENT`].
    alignment: usize,
    /// The sum of the bins' counts.
    buffer_count: usize,
    /// The sum of the bins' `count * stride`.
    storage_size: usize,
    /// The size-class table of `layouts` ([`classes_of`]).
    classes: [u8; CLASSES],
}

impl<const B: usize> BinTable<B> {
    /// A table of `bins`, each buffer aligned to [`DEFAULT_BUFFER_ALIGNMENT`].
    ///
    /// # Panics
    ///
    /// If the bins are invalid (see [`BinsError`]). In a `const` or `static`, which is what this is for, that is a
    /// compile error; at run time use [`try_new`](BinTable::try_new).
    ///
    /// ```
    /// use flight_memory::{Bin, BinTable};
    ///
    /// const TABLE: BinTable<2> = BinTable::new([Bin::new(256, 8), Bin::new(64, 16)]);
    /// assert_eq!(TABLE.bin(0), Some(Bin::new(64, 16)));
    /// ```
    pub const fn new(bins: [Bin; B]) -> Self {
        Self::with_alignment(bins, DEFAULT_BUFFER_ALIGNMENT)
    }

    /// A table of `bins`, each buffer aligned to `alignment` (a power of two up to [`MAX_BUFFER_ALIGNMENT`]).
    ///
    /// # Panics
    ///
    /// If the bins or the alignment are invalid. In a `const` or `static` that is a compile error; at run time
    /// use [`try_new`](BinTable::try_new).
    ///
    /// ```
    /// use flight_memory::{Bin, BinTable};
    ///
    /// const DMA: BinTable<1> = BinTable::with_alignment([Bin::new(100, 4)], 64);
    /// assert_eq!(DMA.storage_size(), 4 * 128);
    /// ```
    pub const fn with_alignment(bins: [Bin; B], alignment: usize) -> Self {
        match Self::try_new(bins, alignment) {
            Ok(table) => table,
            Err(error) => panic!("{}", error.as_str()),
        }
    }

    /// A table of `bins` with buffers aligned to `alignment`, or why it is invalid.
    ///
    /// # Errors
    ///
    /// [`BinsError`]: no bins or more than [`MAX_BINS`], a bin of size or count 0 or with more than
    /// [`MAX_BIN_COUNT`] buffers, two bins of the same size, a bad alignment, or sizes that overflow `usize`.
    /// Bins are numbered in the errors by their position in `bins`.
    ///
    /// ```
    /// use flight_memory::{Bin, BinTable, BinsError};
    ///
    /// assert_eq!(
    ///     BinTable::try_new([Bin::new(64, 4), Bin::new(0, 1)], 8),
    ///     Err(BinsError::ZeroSize { bin: 1 })
    /// );
    /// assert!(BinTable::try_new([Bin::new(64, 4)], 8).is_ok());
    /// ```
    pub const fn try_new(bins: [Bin; B], alignment: usize) -> Result<Self, BinsError> {
        let totals = match validate(&bins, alignment) {
            Ok(totals) => totals,
            Err(error) => return Err(error),
        };
        let sorted = sort_by_size(bins);
        let mut layouts = [BinLayout::UNUSED; B];
        let mut i = 0;
        while i < B {
            let previous = if i == 0 { None } else { Some(layouts[i - 1]) };
            layouts[i] = layout_after(previous, sorted[i], alignment);
            i += 1;
        }
        weigh(&mut layouts, totals.buffers);
        Ok(BinTable {
            classes: classes_of(&layouts),
            layouts,
            alignment,
            buffer_count: totals.buffers,
            storage_size: totals.storage,
        })
    }

    /// How many bins the table has: `B`.
    pub const fn bin_count(&self) -> usize {
        B
    }

    /// Bin `bin` in size order, or `None` if there is no such bin.
    pub const fn bin(&self, bin: usize) -> Option<Bin> {
        if bin < B {
            let layout = &self.layouts[bin];
            Some(Bin::new(layout.size, layout.count))
        } else {
            None
        }
    }

    /// The bins, smallest first.
    pub fn bins(&self) -> impl ExactSizeIterator<Item = Bin> + '_ {
        self.layouts
            .iter()
            .map(|layout| Bin::new(layout.size, layout.count))
    }

    /// The alignment of every buffer.
    pub const fn alignment(&self) -> usize {
        self.alignment
    }

    /// How many buffers all bins have together: the length of the manager's links
    /// ([`BufferState`](crate::BufferState)'s `N`).
    pub const fn buffer_count(&self) -> usize {
        self.buffer_count
    }

    /// The bytes of storage all buffers take, each rounded up to the alignment
    /// ([`BufferStorage`](crate::BufferStorage)'s `SIZE`).
    pub const fn storage_size(&self) -> usize {
        self.storage_size
    }

    /// The layouts of the bins, smallest first.
    pub(crate) const fn layouts(&self) -> &[BinLayout] {
        &self.layouts
    }

    /// The size-class table of the bins.
    pub(crate) const fn classes(&self) -> &[u8; CLASSES] {
        &self.classes
    }

    /// The bytes all buffers hold at their bins' sizes (without rounding up to the alignment): the most a
    /// manager over this table counts as in use.
    pub(crate) const fn buffer_bytes(&self) -> usize {
        bytes_of(&self.layouts)
    }
}

/// The bytes the buffers of `layouts` hold at their bins' sizes: the sum of `size * count`. At most the storage
/// size of a validated table, so it does not overflow; it saturates all the same.
pub(crate) const fn bytes_of(layouts: &[BinLayout]) -> usize {
    let mut bytes: usize = 0;
    let mut i = 0;
    while i < layouts.len() {
        bytes = bytes.saturating_add(layouts[i].size.saturating_mul(layouts[i].count));
        i += 1;
    }
    bytes
}

/// `bins` sorted by size (insertion sort: at most [`MAX_BINS`] entries, in a `const fn`).
const fn sort_by_size<const B: usize>(mut bins: [Bin; B]) -> [Bin; B] {
    let mut i = 1;
    while i < B {
        let mut j = i;
        while j > 0 && bins[j - 1].size > bins[j].size {
            let swapped = bins[j - 1];
            bins[j - 1] = bins[j];
            bins[j] = swapped;
            j -= 1;
        }
        i += 1;
    }
    bins
}

/// Validates `bins` (in any order) and writes their layouts, sorted by size, into `out[..bins.len()]`; the
/// run-time counterpart of [`BinTable::try_new`] for bins of a length known only at run time.
pub(crate) fn layouts_of(
    bins: &[Bin],
    alignment: usize,
    out: &mut [BinLayout; MAX_BINS],
) -> Result<Totals, BinsError> {
    let totals = validate(bins, alignment)?;
    let mut sorted = [Bin::new(0, 0); MAX_BINS];
    let sorted = sorted
        .get_mut(..bins.len())
        .ok_or(BinsError::TooManyBins { bins: bins.len() })?;
    sorted.copy_from_slice(bins);
    sorted.sort_unstable_by_key(|bin| bin.size);
    let mut previous = None;
    for (slot, bin) in out.iter_mut().zip(sorted.iter()) {
        let layout = layout_after(previous, *bin, alignment);
        *slot = layout;
        previous = Some(layout);
    }
    if let Some(laid_out) = out.get_mut(..bins.len()) {
        weigh(laid_out, totals.buffers);
    }
    Ok(totals)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_laid_out_back_to_back() {
        let table =
            BinTable::try_new([Bin::new(1000, 3), Bin::new(10, 5), Bin::new(300, 1)], 16).unwrap();
        let layouts = table.layouts();
        assert_eq!(
            layouts
                .iter()
                .map(|l| (l.size, l.stride, l.offset, l.first))
                .collect::<std::vec::Vec<_>>(),
            [(10, 16, 0, 0), (300, 304, 80, 5), (1000, 1008, 384, 6)]
        );
        assert_eq!(table.storage_size(), 384 + 3 * 1008);
        assert_eq!(table.buffer_count(), 9);
        assert_eq!(table.buffer_bytes(), 5 * 10 + 300 + 3 * 1000);
    }

    #[test]
    fn every_invalid_table_is_refused_with_its_numbers() {
        assert_eq!(BinTable::<0>::try_new([], 8), Err(BinsError::NoBins));
        assert_eq!(
            BinTable::try_new([Bin::new(8, 0)], 8),
            Err(BinsError::ZeroCount { bin: 0 })
        );
        assert_eq!(
            BinTable::try_new([Bin::new(8, 1), Bin::new(9, 1), Bin::new(8, 2)], 8),
            Err(BinsError::DuplicateSize {
                size: 8,
                first: 0,
                second: 2
            })
        );
        assert_eq!(
            BinTable::try_new([Bin::new(8, 1)], 24),
            Err(BinsError::BadAlignment { alignment: 24 })
        );
        assert_eq!(
            BinTable::try_new([Bin::new(8, 1)], 8192),
            Err(BinsError::BadAlignment { alignment: 8192 })
        );
        assert_eq!(
            BinTable::try_new([Bin::new(usize::MAX, 1)], 8),
            Err(BinsError::SizeOverflow)
        );
        assert_eq!(
            BinTable::try_new([Bin::new(usize::MAX / 2, 3)], 8),
            Err(BinsError::SizeOverflow)
        );
        assert_eq!(
            BinTable::try_new([Bin::new(8, MAX_BIN_COUNT + 1)], 8),
            Err(BinsError::TooManyBuffers {
                bin: 0,
                count: MAX_BIN_COUNT + 1
            })
        );
        let many = [Bin::new(1, 1); MAX_BINS + 1];
        assert_eq!(
            validate(&many, 8),
            Err(BinsError::TooManyBins { bins: MAX_BINS + 1 })
        );
    }

    #[test]
    fn run_time_layouts_match_the_const_table() {
        let bins = [Bin::new(500, 2), Bin::new(3, 7), Bin::new(64, 1)];
        let table = BinTable::try_new(bins, 32).unwrap();
        let mut out = [BinLayout::UNUSED; MAX_BINS];
        let totals = layouts_of(&bins, 32, &mut out).unwrap();
        assert_eq!(&out[..3], table.layouts());
        assert_eq!(totals.storage, table.storage_size());
        assert_eq!(totals.buffers, table.buffer_count());
    }

    #[test]
    fn size_classes_cover_every_size_once() {
        assert_eq!(size_class(1), 0);
        assert_eq!(size_class(2), 0);
        assert_eq!(size_class(3), 1);
        assert_eq!(size_class(4), 1);
        assert_eq!(size_class(5), 2);
        assert_eq!(size_class(64), 5);
        assert_eq!(size_class(65), 6);
        assert_eq!(size_class(1 << (usize::BITS - 1)), CLASSES - 2);
        assert_eq!(size_class((1 << (usize::BITS - 1)) + 1), CLASSES - 1);
        assert_eq!(size_class(usize::MAX), CLASSES - 1);
        // Zero wraps around to the last class, which no bin serves from the fast path.
        assert_eq!(size_class(0), CLASSES - 1);
    }

    #[test]
    fn the_class_table_names_the_smallest_bin_that_fits_and_flags_the_sure_ones() {
        let table = BinTable::new([
            Bin::new(64, 4),
            Bin::new(100, 2),
            Bin::new(120, 1),
            Bin::new(512, 1),
        ]);
        let classes = table.classes();
        let layouts = table.layouts();
        for size in 1..=600 {
            let first = layouts.partition_point(|layout| layout.size < size);
            let entry = classes[size_class(size)];
            let start = usize::from(entry & BIN);
            if entry & FITS != 0 {
                assert_eq!(start, first, "size {size}");
            } else if first < layouts.len() {
                // The comparisons start at or before the smallest bin that fits, and never skip it.
                assert!(start <= first, "size {size}: {start} > {first}");
            } else {
                assert!(start >= layouts.len() || layouts[start..].iter().all(|l| l.size < size));
            }
        }
        // 33..=64 and 65..=128 fit bins 0 and 3's class wholly; 65..=128 needs comparisons (100, 120, 512).
        assert_eq!(classes[size_class(60)], FITS);
        assert_eq!(classes[size_class(90)], 1 | FIRST);
        assert_eq!(classes[size_class(300)], 3 | FITS);
        assert_eq!(classes[size_class(600)], NO_CLASS);
        assert_eq!(classes[size_class(0)], NO_CLASS);
    }

    #[test]
    fn a_table_whose_bytes_do_not_pack_flags_no_class() {
        // Bytes above what fits beside the buffer count: the weights are 0, every request compares.
        let table = BinTable::new([Bin::new(usize::MAX >> 2, 2)]);
        assert_eq!(table.layouts()[0].weight, 0);
        assert!(
            table
                .classes()
                .iter()
                .all(|&entry| entry & (FITS | FIRST) == 0)
        );
    }

    #[test]
    fn messages_name_the_problem() {
        use std::string::ToString;
        let text = BinsError::DuplicateSize {
            size: 64,
            first: 0,
            second: 3,
        }
        .to_string();
        assert!(
            text.contains("bins 0 and 3") && text.contains("64"),
            "{text}"
        );
    }
}
