//! The part of a region's budget that only the compiler can add up, checked by constant evaluation.
//!
//! flight-memory-gen adds up every size it knows (storage, alignment padding, allocator metadata) and refuses a
//! plan that does not fit. A pool declared with `type = "..."` has a size only rustc knows: the generated code
//! gives each region a [`RegionLedger`] holding the known bytes and one [`Term`] per such size, and evaluates
//! [`RegionLedger::check`] in a `const`, so a region that is over its size fails compilation with a message that
//! names the region, the memory.toml location to change, and the numbers.
//!
//! The same ledger counts `#[memory_pool]` and `buffer_bins!` (flight-memory-macros): the generator adds a
//! term per macro use it finds in the crate's sources, whose size is [`Counted::SIZE`] of a type named after
//! the use, which the use's expansion (and only it) implements.

use super::message::Message;

/// One size only rustc knows: `count` values of a type of `size` bytes aligned to `align`, in blocks aligned to
/// at least `min_align`.
///
/// Its bytes are `(A - 1) + count × round_up(size, A)` with `A = max(align, min_align)`: the worst-case padding
/// before the first block, then the blocks. This is the formula of flight-memory-gen's layout.
#[derive(Clone, Copy, Debug)]
pub struct Term {
    /// What the term is for, unique in the ledger: `pools.NAME` for memory.toml's items.
    pub key: &'static str,
    /// What it is, for messages: ``pool `telemetry_packet` ``.
    pub what: &'static str,
    /// Where it is declared: `memory.toml:14:8`.
    pub location: &'static str,
    /// The type, as written.
    pub type_name: &'static str,
    /// How many values.
    pub count: u64,
    /// `size_of` the type.
    pub size: usize,
    /// `align_of` the type.
    pub align: usize,
    /// The smallest alignment of a block (a power of two).
    pub min_align: u64,
}

/// Implemented by a macro use's expansion for the type the generated code declares for it (named after the
/// use's file, line and column): the ledger counts its `SIZE` bytes aligned to `ALIGN`. Each use is claimed by
/// exactly one expansion: a second one is a conflicting implementation (E0119), and a use the build script did
/// not count has no type to implement it for.
#[diagnostic::on_unimplemented(
    message = "flight-memory: the build script counted the macro use `{Self}`, but it was not compiled",
    label = "counted in the memory budget, but not compiled",
    note = "the type is named after the use's file, line and column; the build script scans the sources again when \
            they change. If the use is behind a `#[cfg]` on something the scan does not follow (an expression, \
            `cfg_attr`), put the `#[cfg]` on the item or module that holds it"
)]
pub trait Counted {
    /// `size_of` of what the use declares (its allocator state and storage).
    const SIZE: usize;
    /// `align_of` of it.
    const ALIGN: usize;
}

impl Term {
    /// A use that is not compiled in this build (its `#[cfg]` is off): zero bytes.
    pub const fn absent(key: &'static str, what: &'static str, location: &'static str) -> Term {
        Term {
            key,
            what,
            location,
            type_name: "",
            count: 0,
            size: 0,
            align: 1,
            min_align: 1,
        }
    }

    /// The alignment of the blocks: the larger of the type's and `min_align`.
    pub const fn block_align(&self) -> u64 {
        let align = self.align as u64;
        if align > self.min_align {
            align
        } else {
            self.min_align
        }
    }

    /// The bytes of one block: the type's size rounded up to [`block_align`](Term::block_align). `None` on
    /// overflow.
    pub const fn stride(&self) -> Option<u64> {
        let align = self.block_align();
        match (self.size as u64).checked_add(align - 1) {
            Some(end) => Some(end & !(align - 1)),
            None => None,
        }
    }

    /// The bytes the term adds to its region: worst-case padding, then `count` blocks. `None` on overflow.
    pub const fn bytes(&self) -> Option<u64> {
        let Some(stride) = self.stride() else {
            return None;
        };
        match stride.checked_mul(self.count) {
            Some(blocks) => blocks.checked_add(self.block_align() - 1),
            None => None,
        }
    }

    /// `known` plus the term's bytes, saturating at `u64::MAX` (an overflow fails the region's
    /// [`check`](RegionLedger::check) anyway): an item's footprint, for `memory::PLATFORM`.
    pub const fn plus(&self, known: u64) -> u64 {
        match self.bytes() {
            Some(bytes) => known.saturating_add(bytes),
            None => u64::MAX,
        }
    }

    /// Writes `what (location): count x `type` of size bytes aligned to A = bytes bytes`.
    const fn describe(&self, message: Message) -> Message {
        let message = message
            .text(self.what)
            .text(" (")
            .text(self.location)
            .text("): ");
        let message = if self.type_name.is_empty() {
            message
                .number(self.size as u64)
                .text(" bytes aligned to ")
                .number(self.block_align())
        } else {
            message
                .number(self.count)
                .text(" x `")
                .text(self.type_name)
                .text("` of ")
                .number(self.size as u64)
                .text(" bytes aligned to ")
                .number(self.block_align())
        };
        match self.bytes() {
            Some(bytes) => message.text(" = ").number(bytes).text(" bytes"),
            None => message.text(" = more than 2^64 bytes"),
        }
    }
}

/// One region of the platform a build selected: its size, the bytes flight-memory-gen counted, and the sizes
/// only rustc knows.
#[derive(Clone, Copy, Debug)]
pub struct RegionLedger {
    /// The platform's name.
    pub platform: &'static str,
    /// The region's name.
    pub region: &'static str,
    /// Where the region's size is written for this platform: `memory.toml:6:8`.
    pub location: &'static str,
    /// The region's size on the platform.
    pub size: u64,
    /// What the generator counted: every item's padding, storage and metadata, except the [`terms`](Self::terms).
    pub known: u64,
    /// The generator's largest items (at most three), for messages: ``buffer manager `comm` 37280 bytes, ...``.
    pub largest: &'static str,
    /// The sizes only rustc knows.
    pub terms: &'static [Term],
    /// The sizes the program's component crates declare in the region (one slice per crate the build script
    /// was told to count, `Builder::counts_crates` in flight-memory-gen): only rustc knows them, in the crate
    /// that links every component.
    pub crates: &'static [&'static [Term]],
}

impl RegionLedger {
    /// What the region's items need: `known` plus every term. `None` on overflow.
    pub const fn total(&self) -> Option<u64> {
        let Some(mut total) = add_terms(self.known, self.terms) else {
            return None;
        };
        let mut i = 0;
        while i < self.crates.len() {
            let Some(sum) = add_terms(total, self.crates[i]) else {
                return None;
            };
            total = sum;
            i += 1;
        }
        Some(total)
    }

    /// What the region's items need, checked against its size.
    ///
    /// # Panics
    ///
    /// If the items need more than the region's size (or more than 2^64 bytes), with a message naming the
    /// region, its memory.toml location and every size. Evaluated in a `const`, the panic is a compile error.
    pub const fn used(&self) -> u64 {
        match self.report() {
            Ok(total) => total,
            Err(mut error) => panic!("{}", error.as_str()),
        }
    }

    /// What the region's items need, at most `u64::MAX`, whether or not it fits: what `memory::PLATFORM`
    /// shows (the build fails anyway if it does not fit, through [`check_all`]).
    pub const fn used_saturating(&self) -> u64 {
        match self.total() {
            Some(total) => total,
            None => u64::MAX,
        }
    }

    /// Fails compilation (when evaluated in a `const`) if the region's items need more than its size.
    ///
    /// # Panics
    ///
    /// As [`used`](RegionLedger::used).
    pub const fn check(&self) {
        let _ = self.used();
    }

    /// Whether the ledger has a term keyed `key`.
    pub const fn has(&self, key: &str) -> bool {
        let mut i = 0;
        while i < self.terms.len() {
            if str_eq(self.terms[i].key, key) {
                return true;
            }
            i += 1;
        }
        false
    }

    /// What the region's items need if it fits, else the error to show: a few lines naming the platform, the
    /// region, its size, the sizes only rustc knows (with where each is declared), and what to change.
    #[allow(clippy::result_large_err)] // evaluated by the compiler: a message buffer, no `Box` in a `const fn`
    pub const fn report(&self) -> Result<u64, BudgetError> {
        let total = self.total();
        if let Some(total) = total {
            if total <= self.size {
                return Ok(total);
            }
        }
        let mut message = Message::new()
            .text("region `")
            .text(self.region)
            .text("` of platform `")
            .text(self.platform)
            .text("` is over its size: its items need ");
        message = match total {
            Some(total) => message
                .number(total)
                .text(" bytes, it has ")
                .number(self.size)
                .text(" (")
                .number(total - self.size)
                .text(" short)"),
            None => message
                .text("more than 2^64 bytes, it has ")
                .number(self.size),
        };
        message = message.text("\n  sizes only rustc knows:");
        message = describe_terms(message, self.terms);
        let mut i = 0;
        while i < self.crates.len() {
            message = describe_terms(message, self.crates[i]);
            i += 1;
        }
        message = message
            .text("\n  memory.toml's other items: ")
            .number(self.known)
            .text(" bytes");
        if !self.largest.is_empty() {
            message = message.text(" (largest: ").text(self.largest).text(")");
        }
        message = message
            .text("\n  help: make region `")
            .text(self.region)
            .text("`");
        if let Some(total) = total {
            message = message.text(" at least ").number(total).text(" bytes");
        } else {
            message = message.text(" larger");
        }
        message = message
            .text(" for platform `")
            .text(self.platform)
            .text("` (")
            .text(self.location)
            .text("), or its items smaller");
        Err(BudgetError(message))
    }
}

/// `total` plus the bytes of every term. `None` on overflow.
const fn add_terms(mut total: u64, terms: &[Term]) -> Option<u64> {
    let mut i = 0;
    while i < terms.len() {
        let Some(bytes) = terms[i].bytes() else {
            return None;
        };
        let Some(sum) = total.checked_add(bytes) else {
            return None;
        };
        total = sum;
        i += 1;
    }
    Some(total)
}

/// One line per term that is compiled in this build (a use whose `#[cfg]` is off takes nothing).
const fn describe_terms(mut message: Message, terms: &[Term]) -> Message {
    let mut i = 0;
    while i < terms.len() {
        if terms[i].count > 0 {
            message = terms[i].describe(message.text("\n    "));
        }
        i += 1;
    }
    message
}

/// Why a region does not fit: the message of the compile error, built by constant evaluation.
pub struct BudgetError(Message);

impl BudgetError {
    /// The message.
    pub const fn as_str(&mut self) -> &str {
        self.0.as_str()
    }
}

/// Checks `ledgers` (one region, on every platform), in order: the first that does not fit is the error.
///
/// # Errors
///
/// The [`BudgetError`] of the first region over its size.
#[allow(clippy::result_large_err)] // as `RegionLedger::report`
pub const fn check_all(ledgers: &[RegionLedger]) -> Result<(), BudgetError> {
    let mut i = 0;
    while i < ledgers.len() {
        if let Err(error) = ledgers[i].report() {
            return Err(error);
        }
        i += 1;
    }
    Ok(())
}

/// `memory.toml` of `memory.toml:6:8`.
pub(super) const fn file_of(location: &str) -> &str {
    let bytes = location.as_bytes();
    let mut colons = 0;
    let mut end = bytes.len();
    while end > 0 && colons < 2 {
        end -= 1;
        if bytes[end] == b':' {
            colons += 1;
        }
    }
    if colons < 2 {
        return location;
    }
    let (file, _) = bytes.split_at(end);
    match core::str::from_utf8(file) {
        Ok(file) => file,
        Err(_) => location,
    }
}

/// Whether `a` and `b` are the same text, in a `const` (a component crate's platform against the program's).
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACKET: Term = Term {
        key: "pools.telemetry_packet",
        what: "pool `telemetry_packet`",
        location: "memory.toml:14:8",
        type_name: "crate::tlm::Packet",
        count: 64,
        size: 100,
        align: 4,
        min_align: 8,
    };

    #[test]
    fn terms_follow_the_generator_formula() {
        assert_eq!(PACKET.block_align(), 8);
        assert_eq!(PACKET.stride(), Some(104));
        assert_eq!(PACKET.bytes(), Some(7 + 64 * 104));
        assert_eq!(PACKET.plus(100), 100 + 7 + 64 * 104);
        let wide = Term {
            align: 64,
            ..PACKET
        };
        assert_eq!(wide.bytes(), Some(63 + 64 * 128));
        let huge = Term {
            count: u64::MAX,
            ..PACKET
        };
        assert_eq!(huge.bytes(), None);
        assert_eq!(huge.plus(1), u64::MAX);
    }

    #[test]
    fn ledgers_add_up_and_find_their_terms() {
        const SRAM: RegionLedger = RegionLedger {
            platform: "obc",
            region: "sram",
            location: "memory.toml:6:8",
            size: 10_000,
            known: 1000,
            largest: "",
            terms: &[PACKET],
            crates: &[],
        };
        const USED: u64 = SRAM.used();
        assert_eq!(USED, 1000 + 7 + 64 * 104);
        assert!(SRAM.has("pools.telemetry_packet"));
        assert!(!SRAM.has("pools.telemetry"));
        SRAM.check();
    }

    const SMALL_OK: RegionLedger = RegionLedger {
        platform: "obc",
        region: "sram",
        location: "memory.toml:6:8",
        size: 10_000,
        known: 0,
        largest: "",
        terms: &[Term::absent("k", "w", "l")],
        crates: &[],
    };

    #[test]
    fn an_over_size_region_names_itself_and_its_numbers() {
        let small = RegionLedger {
            platform: "obc",
            region: "sram",
            location: "memory.toml:6:8",
            size: 4096,
            known: 1000,
            largest: "component `scratch` 1000 bytes",
            terms: &[PACKET],
            crates: &[],
        };
        let panic = std::panic::catch_unwind(|| small.used()).unwrap_err();
        let message = panic.downcast_ref::<std::string::String>().unwrap();
        assert_eq!(
            message,
            "region `sram` of platform `obc` is over its size: its items need 7663 bytes, it has 4096 (3567 short)\n  \
             sizes only rustc knows:\n    \
             pool `telemetry_packet` (memory.toml:14:8): 64 x `crate::tlm::Packet` of 100 bytes aligned to 8 = \
             6663 bytes\n  \
             memory.toml's other items: 1000 bytes (largest: component `scratch` 1000 bytes)\n  \
             help: make region `sram` at least 7663 bytes for platform `obc` (memory.toml:6:8), or its items \
             smaller"
        );
        assert!(check_all(&[SMALL_OK]).is_ok());
        assert!(check_all(&[SMALL_OK, small]).is_err());
    }

    #[test]
    fn component_crates_terms_add_to_the_region_and_its_message() {
        const RADIO: Term = Term {
            key: "src/lib.rs:3:5",
            what: "buffer_bins! `RX` of crate `radio`",
            location: "src/lib.rs:3:5",
            type_name: "",
            count: 1,
            size: 3000,
            align: 8,
            min_align: 1,
        };
        let ledger = RegionLedger {
            platform: "obc",
            region: "sram",
            location: "memory.toml:6:8",
            size: 10_000,
            known: 1000,
            largest: "",
            terms: &[PACKET],
            crates: &[&[], &[RADIO]],
        };
        assert_eq!(ledger.total(), Some(1000 + 7 + 64 * 104 + 7 + 3000));
        let mut error = ledger.report().expect_err("over by 670 bytes");
        let message = error.as_str();
        assert!(
            message.contains(
                "buffer_bins! `RX` of crate `radio` (src/lib.rs:3:5): 3000 bytes aligned to 8 = 3007 bytes"
            ),
            "{message}"
        );
        assert!(message.contains("at least 10670 bytes"), "{message}");
        let fits = RegionLedger {
            size: 10_670,
            ..ledger
        };
        assert_eq!(fits.report().ok(), Some(10_670));
    }

    #[test]
    fn file_of_a_location() {
        assert_eq!(file_of("memory.toml:6:8"), "memory.toml");
        assert_eq!(file_of("c:/x/memory.toml:6:8"), "c:/x/memory.toml");
        assert_eq!(file_of("memory.toml"), "memory.toml");
    }
}
