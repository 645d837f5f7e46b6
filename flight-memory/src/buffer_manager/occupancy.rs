//! [`Occupancy`]: how many buffers a manager has out and how many bytes they hold, with the most of each there
//! has been, kept with one atomic add per allocation and one per give-back.
//!
//! Both high-water marks are of manager-wide totals, so they need the totals at the moment of each allocation:
//! they cannot be added up from per-bin figures afterwards. Keeping two totals would take two atomic
//! read-modify-writes per allocation and two per give-back; instead both go in one word,
//! `bytes << shift | buffers`, where `shift` is the number of bits the manager's buffer count needs. One
//! `fetch_add` of `size << shift | 1` counts a buffer of `size` bytes out and returns both new totals at once.
//! That addend is the buffer's bin's *weight*, computed with the table ([`weight_for`]), so the hot path loads it
//! instead of shifting; a weight of `0` marks a manager whose word is not packed.
//!
//! The high-water mark of the bytes is kept as the largest word there has been: words compare by their bytes
//! field first, so the largest word's bytes field is the most bytes out at once, and an allocation passes that
//! mark only if its word is larger than the mark. An allocation therefore tests the two marks with one mask, two
//! loads and two comparisons, and writes them only when it passes one.
//!
//! # Why the fields never spill into each other
//!
//! A buffer is added after it is taken from its free list and subtracted before it is given back. Its add happens
//! before its subtraction (the same thread, or a thread that received the buffer through something that
//! synchronises: a channel for a handle, the acquire/release tag protocol for a raw buffer), so the word's
//! modification order has every buffer's add before its subtraction. The word therefore always holds sums over a
//! set of buffers actually out: at most `total_buffs` buffers, which fit below `1 << shift`, and at most the sum of
//! every bin's `size * count` bytes, which [`Occupancy::new`] checked fits above the buffers. No add carries out of
//! the buffers field and no subtraction borrows from the bytes field.
//!
//! When the bytes do not fit (only for managers of very many buffers and bytes, in practice on 32-bit targets,
//! e.g. 1,024 buffers holding 2 MiB or more), the bytes get a word of their own: two atomic adds per allocation
//! and two per give-back, as before packing.

use crate::sync::{AtomicUsize, Ordering, const_fn_unless_loom};

/// The bits of a word the packing may use. Lowered under loom so that models of a few small buffers exercise
/// both forms.
#[cfg(not(loom))]
const WORD_BITS: u32 = usize::BITS;
#[cfg(loom)]
const WORD_BITS: u32 = 8;

/// Buffers out and the bytes they hold (each buffer counted at its bin's size), with their high-water marks. All
/// zero when new.
#[derive(Debug)]
pub(crate) struct Occupancy {
    /// Packed (`shift != 0`): `bytes << shift | buffers`. Otherwise: the buffers alone. Either way the sums over a
    /// set of buffers actually out (see the module documentation).
    word: AtomicUsize,
    /// The bytes out when they are not packed in `word`; zero otherwise.
    bytes: AtomicUsize,
    /// The most buffers out at once.
    hi: AtomicUsize,
    /// Packed: the largest `word` there has been, whose bytes field is the most bytes out at once. Otherwise the
    /// most bytes out at once.
    peak: AtomicUsize,
    /// The bits of `word` that hold the buffers, `1..WORD_BITS`, when the bytes are packed above them; `0` when
    /// they are not. Fixed at construction.
    shift: u32,
    /// `(1 << shift) - 1`: the buffers field of a packed word; `0` when the bytes are not packed. Kept rather than
    /// computed on every allocation.
    mask: usize,
}

/// The bits a manager of `buffers` buffers that together hold `bytes` bytes gives the buffers in its packed
/// occupancy word, `1..WORD_BITS`, or `0` when the bytes do not fit above them and are kept apart.
pub(crate) const fn shift_for(buffers: usize, bytes: usize) -> u32 {
    // Bits to hold every count from 0 to `buffers`; at least one, so that a packed word is never mistaken for an
    // unpacked one.
    let needed = usize::BITS - buffers.leading_zeros();
    let needed = if needed == 0 { 1 } else { needed };
    // Packed when `bytes << needed | (1 << needed) - 1` fits in `WORD_BITS` bits.
    let unused = usize::BITS - WORD_BITS;
    let fits = needed < WORD_BITS && bytes.leading_zeros() >= needed + unused;
    if fits { needed } else { 0 }
}

/// What a buffer of `size` bytes adds to a packed word of `shift` (from [`shift_for`]): `size << shift | 1`, one
/// buffer and its bytes; `0` when the word is not packed. `size` is at most the manager's bytes, so it does not
/// overflow.
pub(crate) const fn weight_for(shift: u32, size: usize) -> usize {
    if shift == 0 {
        0
    } else {
        size.wrapping_shl(shift) | 1
    }
}

impl Occupancy {
    const_fn_unless_loom! {
        /// Nothing out, for a manager of `buffers` buffers that together hold `bytes` bytes (the sum of each bin's
        /// size times its count).
        pub(crate) fn new(buffers: usize, bytes: usize) -> Self {
            let shift = shift_for(buffers, bytes);
            Occupancy {
                word: AtomicUsize::new(0),
                bytes: AtomicUsize::new(0),
                hi: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
                shift,
                mask: 1usize.wrapping_shl(shift).wrapping_sub(1),
            }
        }
    }

    /// Whether the bytes are packed in the same word as the buffers.
    #[inline]
    pub(crate) fn is_packed(&self) -> bool {
        self.mask != 0
    }

    /// What a buffer of `size` bytes adds to this manager's word: its bin's
    /// [`weight`](super::bins::BinLayout::weight).
    #[cfg(all(test, not(loom)))]
    fn weight(&self, size: usize) -> usize {
        weight_for(self.shift, size)
    }

    /// Counts a buffer of `size` bytes and weight `weight` (its bin's, from [`weight_for`] with this manager's
    /// shift) out, after taking it, and raises the high-water marks if needed.
    ///
    /// Packed, that is one atomic add, and two loads and comparisons against the marks. The bytes mark is kept
    /// as the largest word there has been: words compare by their bytes first, so its bytes field is the most
    /// bytes out at once, and a word holds more bytes than the mark only if it is larger than the mark.
    #[inline(always)]
    pub(crate) fn take(&self, weight: usize, size: usize) {
        if weight == 0 {
            return self.take_apart(size);
        }
        self.take_packed(weight);
    }

    /// [`take`](Occupancy::take) for a packed word, whose weights are never 0.
    #[inline(always)]
    pub(crate) fn take_packed(&self, weight: usize) {
        debug_assert!(self.is_packed() && weight != 0);
        let word = self
            .word
            .fetch_add(weight, Ordering::Relaxed)
            .wrapping_add(weight);
        if word & self.mask > self.hi.load(Ordering::Relaxed)
            || word > self.peak.load(Ordering::Relaxed)
        {
            self.raise_packed(word);
        }
    }

    /// Raises the marks of a packed word to `word`'s; rarely needed once a manager has reached its usual load.
    #[cold]
    #[inline(never)]
    fn raise_packed(&self, word: usize) {
        self.hi.fetch_max(word & self.mask, Ordering::Relaxed);
        self.peak.fetch_max(word, Ordering::Relaxed);
    }

    /// [`take`](Occupancy::take) for a manager whose bytes do not fit beside its buffers.
    #[cold]
    #[inline(never)]
    fn take_apart(&self, size: usize) {
        let buffers = self.word.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        let bytes = self
            .bytes
            .fetch_add(size, Ordering::Relaxed)
            .wrapping_add(size);
        if buffers > self.hi.load(Ordering::Relaxed) {
            self.hi.fetch_max(buffers, Ordering::Relaxed);
        }
        if bytes > self.peak.load(Ordering::Relaxed) {
            self.peak.fetch_max(bytes, Ordering::Relaxed);
        }
    }

    /// Counts a buffer of `size` bytes and weight `weight` back, before giving it back.
    #[inline(always)]
    pub(crate) fn give_back(&self, weight: usize, size: usize) {
        if weight == 0 {
            return self.give_back_apart(size);
        }
        self.give_back_packed(weight);
    }

    /// [`give_back`](Occupancy::give_back) for a packed word, whose weights are never 0.
    #[inline(always)]
    pub(crate) fn give_back_packed(&self, weight: usize) {
        debug_assert!(self.is_packed() && weight != 0);
        self.word.fetch_sub(weight, Ordering::Relaxed);
    }

    /// [`give_back`](Occupancy::give_back) for a manager whose bytes do not fit beside its buffers.
    #[cold]
    #[inline(never)]
    fn give_back_apart(&self, size: usize) {
        self.word.fetch_sub(1, Ordering::Relaxed);
        self.bytes.fetch_sub(size, Ordering::Relaxed);
    }

    /// The buffers out now and the bytes they hold. Packed, both come from one load, so they belong together even
    /// while other threads allocate.
    #[inline]
    pub(crate) fn now(&self) -> (usize, usize) {
        let word = self.word.load(Ordering::Acquire);
        if self.is_packed() {
            (word & self.mask, word.wrapping_shr(self.shift))
        } else {
            (word, self.bytes.load(Ordering::Acquire))
        }
    }

    /// The buffers out now.
    #[inline]
    pub(crate) fn buffers(&self) -> usize {
        self.now().0
    }

    /// The high-water marks of buffers and bytes, read after `now` (from [`now`](Occupancy::now)): at least
    /// `now`'s figures. An allocation adds to the count before it raises the marks, so a reader between the two
    /// would otherwise see a count above its mark.
    #[inline]
    pub(crate) fn marks_after(&self, now: (usize, usize)) -> (usize, usize) {
        (self.hi().max(now.0), self.peak().max(now.1))
    }

    /// The most buffers out at once.
    #[inline]
    pub(crate) fn hi(&self) -> usize {
        self.hi.load(Ordering::Relaxed)
    }

    /// The most bytes out at once.
    #[inline]
    pub(crate) fn peak(&self) -> usize {
        let peak = self.peak.load(Ordering::Relaxed);
        if self.is_packed() {
            peak.wrapping_shr(self.shift)
        } else {
            peak
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Runs the same takes and give-backs on `occupancy` and on plain numbers, checking every step.
    fn follows_a_model(occupancy: &Occupancy, sizes: &[usize]) {
        let (mut buffers, mut bytes, mut hi, mut peak) = (0usize, 0usize, 0usize, 0usize);
        let mut out = std::vec::Vec::new();
        for (step, &size) in sizes.iter().enumerate() {
            if step % 3 == 2 {
                let size = out.remove(0);
                occupancy.give_back(occupancy.weight(size), size);
                buffers -= 1;
                bytes -= size;
            } else {
                occupancy.take(occupancy.weight(size), size);
                out.push(size);
                buffers += 1;
                bytes += size;
                hi = hi.max(buffers);
                peak = peak.max(bytes);
            }
            assert_eq!(occupancy.now(), (buffers, bytes), "step {step}");
            assert_eq!(
                (occupancy.hi(), occupancy.peak()),
                (hi, peak),
                "step {step}"
            );
        }
        for size in out {
            occupancy.give_back(occupancy.weight(size), size);
        }
        assert_eq!(occupancy.now(), (0, 0));
    }

    const SIZES: [usize; 12] = [64, 512, 8, 4096, 64, 1, 512, 512, 100, 3000, 7, 64];

    #[test]
    fn small_managers_pack_and_count_exactly() {
        // 16 buffers need 5 bits; their bytes (at most 16 * 4096) fit above them.
        let occupancy = Occupancy::new(16, 16 * 4096);
        assert!(occupancy.is_packed());
        assert_eq!((occupancy.shift, occupancy.mask), (5, 0b1_1111));
        follows_a_model(&occupancy, &SIZES);
    }

    #[test]
    fn managers_whose_bytes_do_not_fit_count_them_apart_exactly() {
        // 16 buffers need 5 bits, which leaves 59 (27 on 32-bit targets) for the bytes: too few for these.
        let occupancy = Occupancy::new(16, usize::MAX >> 4);
        assert!(!occupancy.is_packed());
        follows_a_model(&occupancy, &SIZES);
    }

    #[test]
    fn the_packing_limit_is_exact() {
        // Buffers fill 5 bits; bytes may use every other bit, and not one more.
        let fits = usize::MAX >> 5;
        assert!(Occupancy::new(16, fits).is_packed());
        assert!(!Occupancy::new(16, fits + 1).is_packed());
        // At the limit, every buffer out with every byte still fits: no field spills.
        let full = Occupancy::new(16, fits);
        for _ in 0..15 {
            full.take(full.weight(fits / 16), fits / 16);
        }
        let last = fits - 15 * (fits / 16);
        full.take(full.weight(last), last);
        assert_eq!(full.now(), (16, fits));
        // A count of buffers that needs every bit leaves none for bytes.
        assert!(!Occupancy::new(usize::MAX, 1).is_packed());
        // No buffers at all still packs with one bit, so the word is never mistaken for an unpacked one.
        assert_eq!(Occupancy::new(0, 0).shift, 1);
        assert_eq!(Occupancy::new(16, usize::MAX).mask, 0);
    }

    #[test]
    fn threads_never_see_the_fields_spill() {
        use std::sync::atomic::{AtomicUsize as Finished, Ordering as StdOrdering};
        const PER_THREAD: usize = 4;
        const SIZE_A: usize = 48;
        const SIZE_B: usize = 1000;
        for occupancy in [
            Occupancy::new(2 * PER_THREAD, 2 * PER_THREAD * SIZE_B),
            Occupancy::new(2 * PER_THREAD, usize::MAX >> 2),
        ] {
            let finished = Finished::new(0);
            std::thread::scope(|scope| {
                for size in [SIZE_A, SIZE_B] {
                    let (occupancy, finished) = (&occupancy, &finished);
                    scope.spawn(move || {
                        for _ in 0..20_000 {
                            for _ in 0..PER_THREAD {
                                occupancy.take(occupancy.weight(size), size);
                            }
                            for _ in 0..PER_THREAD {
                                occupancy.give_back(occupancy.weight(size), size);
                            }
                        }
                        finished.fetch_add(1, StdOrdering::Release);
                    });
                }
                while finished.load(StdOrdering::Acquire) < 2 {
                    let (buffers, bytes) = occupancy.now();
                    assert!(buffers <= 2 * PER_THREAD, "{buffers} buffers");
                    assert!(bytes <= PER_THREAD * (SIZE_A + SIZE_B), "{bytes} bytes");
                    if occupancy.is_packed() {
                        // One load: the bytes are those of the buffers counted.
                        assert!(
                            bytes >= buffers * SIZE_A && bytes <= buffers * SIZE_B,
                            "{buffers} buffers of {bytes} bytes"
                        );
                    }
                }
            });
            assert_eq!(occupancy.now(), (0, 0));
            // Whether the two threads ever had all their buffers out at once is up to the scheduler.
            let hi = occupancy.hi();
            assert!((PER_THREAD..=2 * PER_THREAD).contains(&hi), "hi {hi}");
            let peak = occupancy.peak();
            assert!(
                (PER_THREAD * SIZE_B..=PER_THREAD * (SIZE_A + SIZE_B)).contains(&peak),
                "peak {peak}"
            );
        }
    }
}
