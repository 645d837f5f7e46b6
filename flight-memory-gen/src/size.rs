//! Byte sizes as memory.toml writes them: `4096`, `"4096"`, `"32 KiB"`, `"1.5 MiB"`, `"64K"`, `"0x8000"`.
//!
//! Units are 1024-based and case-sensitive: `B`, `KiB`, `MiB`, `GiB`, and the linker-script forms `K`, `M`, `G`.
//! `kB`, `KB`, `MB`, `GB` (and their lower-case forms) are refused: half of all readers take them as powers of
//! 1000, the other half as powers of 1024.

use std::fmt;

use crate::diagnostic::shorten;

/// The units a size string may end with, with their factor.
pub const UNITS: [(&str, u64); 7] = [
    ("B", 1),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("K", 1 << 10),
    ("M", 1 << 20),
    ("G", 1 << 30),
];

/// Why a size string was refused. `Display` says what is wrong; [`SizeError::help`] how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SizeError {
    /// Nothing, or no number, was written.
    Empty,
    /// The number part is not a number.
    BadNumber {
        /// What was written before the unit.
        number: String,
    },
    /// A unit whose meaning is ambiguous (`kB`, `MB`, ...).
    AmbiguousUnit {
        /// The unit as written.
        unit: String,
        /// The unit meant if 1024-based.
        binary: &'static str,
    },
    /// A known unit written in the wrong case (`kib`, `mib`, `k`).
    WrongCase {
        /// The unit as written.
        unit: String,
        /// The correct spelling.
        correct: &'static str,
    },
    /// A unit that is not supported at all.
    UnknownUnit {
        /// The unit as written.
        unit: String,
    },
    /// The value is not a whole number of bytes (`"1.3 KiB"`).
    Fractional {
        /// What was written.
        written: String,
    },
    /// The value does not fit in 64 bits.
    Overflow,
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeError::Empty => f.write_str("empty size"),
            SizeError::BadNumber { number } => write!(f, "`{}` is not a size", shorten(number)),
            SizeError::AmbiguousUnit { unit, .. } => {
                write!(
                    f,
                    "ambiguous unit `{}`: it can mean a power of 1000 or of 1024",
                    shorten(unit)
                )
            }
            SizeError::WrongCase { unit, correct } => {
                write!(
                    f,
                    "unit `{}` is written `{correct}` (units are case-sensitive)",
                    shorten(unit)
                )
            }
            SizeError::UnknownUnit { unit } => write!(f, "unknown unit `{}`", shorten(unit)),
            SizeError::Fractional { written } => {
                write!(f, "`{}` is not a whole number of bytes", shorten(written))
            }
            SizeError::Overflow => f.write_str("size does not fit in 64 bits"),
        }
    }
}

impl std::error::Error for SizeError {}

impl SizeError {
    /// How to fix it, in one sentence.
    pub fn help(&self) -> String {
        const UNITS_HELP: &str = "write a number of bytes, or a number and one of the units B, KiB, MiB, GiB \
                                  (or K, M, G), e.g. \"32 KiB\"";
        match self {
            SizeError::Empty | SizeError::BadNumber { .. } | SizeError::UnknownUnit { .. } => {
                UNITS_HELP.to_string()
            }
            SizeError::AmbiguousUnit { binary, .. } => format!(
                "write `{binary}` for the 1024-based unit (sizes here are 1024-based), or the exact number of bytes"
            ),
            SizeError::WrongCase { correct, .. } => format!("write `{correct}`"),
            SizeError::Fractional { .. } => {
                "write the size in a smaller unit or in bytes, so that it is a whole number"
                    .to_string()
            }
            SizeError::Overflow => "sizes must be below 16 EiB (2^64 bytes)".to_string(),
        }
    }
}

/// Parses a size string: a number (decimal with optional `_` separators and fraction, or `0x` hexadecimal),
/// optional spaces, and an optional unit from [`UNITS`]. Returns the size in bytes.
///
/// ```
/// use flight_memory_gen::size::{parse_size, SizeError};
///
/// assert_eq!(parse_size("32 KiB"), Ok(32 * 1024));
/// assert_eq!(parse_size("1.5M"), Ok(3 << 19));
/// assert_eq!(parse_size("0x8000"), Ok(0x8000));
/// assert!(matches!(parse_size("64 kB"), Err(SizeError::AmbiguousUnit { .. })));
/// ```
///
/// # Errors
///
/// A [`SizeError`] for anything else; it never panics.
pub fn parse_size(text: &str) -> Result<u64, SizeError> {
    let (number, unit) = split_number_unit(text);
    if number.is_empty() {
        return Err(if unit.is_empty() {
            SizeError::Empty
        } else {
            SizeError::BadNumber {
                number: text.trim().to_string(),
            }
        });
    }
    let factor = unit_factor(unit)?;
    let bad = || SizeError::BadNumber {
        number: number.to_string(),
    };
    if let Some(hex) = number
        .strip_prefix("0x")
        .or_else(|| number.strip_prefix("0X"))
    {
        let value = parse_digits(hex, 16)
            .ok_or_else(bad)?
            .ok_or(SizeError::Overflow)?;
        return value.checked_mul(factor).ok_or(SizeError::Overflow);
    }
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) => (w, f),
        None => (number, ""),
    };
    if whole.is_empty() || (number.contains('.') && fraction.is_empty()) {
        return Err(bad());
    }
    let whole = parse_digits(whole, 10)
        .ok_or_else(bad)?
        .ok_or(SizeError::Overflow)?;
    let whole_bytes = whole.checked_mul(factor).ok_or(SizeError::Overflow)?;
    if fraction.is_empty() {
        return Ok(whole_bytes);
    }
    let frac_bytes = fraction_bytes(fraction, factor)
        .ok_or_else(bad)?
        .ok_or_else(|| SizeError::Fractional {
            written: text.trim().to_string(),
        })?;
    whole_bytes
        .checked_add(frac_bytes)
        .ok_or(SizeError::Overflow)
}

/// The bytes of the fraction `0.DIGITS` of `factor` bytes, computed exactly whatever the number of digits:
/// `None` if `digits` are not digits (with `_` separators), `Some(None)` if the result is not whole.
///
/// It is the schoolbook product of the decimal fraction and `factor`, from the last digit to the first: each
/// step writes one decimal digit of the product below the point and carries the rest, so the fraction is
/// whole exactly when every digit written is 0, and the final carry (less than `factor`) is the result.
fn fraction_bytes(digits: &str, factor: u64) -> Option<Option<u64>> {
    // The separator rules of `parse_digits`, without its 64-bit limit.
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut carry = 0u128;
    let mut whole = true;
    for c in digits.chars().rev().filter(|&c| c != '_') {
        let digit = c.to_digit(10)?;
        // digit × factor + carry < 10 × 2^64 + 2^64: no overflow in 128 bits.
        let product = u128::from(digit) * u128::from(factor) + carry;
        whole &= product % 10 == 0;
        carry = product / 10;
    }
    // carry < factor: it fits in 64 bits.
    Some(whole.then(|| u64::try_from(carry).unwrap_or(u64::MAX)))
}

/// Splits `"32 KiB"` into `("32", "KiB")`: the unit is the trailing run of letters.
pub(crate) fn split_number_unit(text: &str) -> (&str, &str) {
    let text = text.trim();
    let unit_start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic())
        .last()
        .map_or(text.len(), |(i, _)| i);
    // A hexadecimal number's letters belong to the number: "0xFF" has no unit, "0x10 K" has one.
    let (mut number, mut unit) = text.split_at(unit_start);
    if number.trim_end() == "0" && (unit.starts_with('x') || unit.starts_with('X')) {
        number = text;
        unit = "";
    }
    if (number.starts_with("0x") || number.starts_with("0X")) && !number.ends_with(' ') {
        // "0x1F" split as "0x1" + "F": the letters were hex digits.
        if unit.chars().all(|c| c.is_ascii_hexdigit()) && !unit.is_empty() {
            number = text;
            unit = "";
        }
    }
    (number.trim_end(), unit)
}

/// Digits with optional `_` separators; `None` if they are not digits, `Some(None)` if they overflow.
fn parse_digits(digits: &str, radix: u32) -> Option<Option<u64>> {
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut value: Option<u64> = Some(0);
    for c in digits.chars().filter(|&c| c != '_') {
        let d = c.to_digit(radix)?;
        value = value
            .and_then(|v| v.checked_mul(u64::from(radix)))
            .and_then(|v| v.checked_add(u64::from(d)));
    }
    Some(value)
}

fn unit_factor(unit: &str) -> Result<u64, SizeError> {
    if unit.is_empty() {
        return Ok(1);
    }
    if let Some(&(_, factor)) = UNITS.iter().find(|(u, _)| *u == unit) {
        return Ok(factor);
    }
    let lower = unit.to_ascii_lowercase();
    let ambiguous = match lower.as_str() {
        "kb" | "kbyte" | "kbytes" => Some("KiB"),
        "mb" | "mbyte" | "mbytes" => Some("MiB"),
        "gb" | "gbyte" | "gbytes" => Some("GiB"),
        _ => None,
    };
    if let Some(binary) = ambiguous {
        return Err(SizeError::AmbiguousUnit {
            unit: unit.to_string(),
            binary,
        });
    }
    let correct = match lower.as_str() {
        "b" | "byte" | "bytes" => Some("B"),
        "kib" => Some("KiB"),
        "mib" => Some("MiB"),
        "gib" => Some("GiB"),
        "k" => Some("K"),
        "m" => Some("M"),
        "g" => Some("G"),
        _ => None,
    };
    match correct {
        Some(correct) => Err(SizeError::WrongCase {
            unit: unit.to_string(),
            correct,
        }),
        None => Err(SizeError::UnknownUnit {
            unit: unit.to_string(),
        }),
    }
}

/// A size for people: the largest unit that shows it exactly (`"32 KiB"`, `"1.5 MiB"`), else bytes with the
/// approximate larger unit (`"1000 B (~0.98 KiB)"`).
///
/// ```
/// use flight_memory_gen::size::display_size;
///
/// assert_eq!(display_size(32 * 1024), "32 KiB");
/// assert_eq!(display_size(1536), "1.5 KiB");
/// assert_eq!(display_size(100), "100 B");
/// assert_eq!(display_size(1000), "1000 B (~0.98 KiB)");
/// ```
pub fn display_size(bytes: u64) -> String {
    const SCALES: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    // The largest unit not above the value, or the next smaller one while it reads well (< 10000).
    let largest = SCALES.iter().position(|&(_, factor)| bytes >= factor);
    for (index, &(unit, factor)) in SCALES.iter().enumerate() {
        let usable = largest.is_some_and(|l| index == l || (index > l && bytes / factor < 10_000));
        if usable {
            // Exact with at most two decimals?
            let hundredths = u128::from(bytes) * 100;
            if hundredths % u128::from(factor) == 0 {
                let h = hundredths / u128::from(factor);
                return if h % 100 == 0 {
                    format!("{} {unit}", h / 100)
                } else if h % 10 == 0 {
                    format!("{}.{} {unit}", h / 100, (h % 100) / 10)
                } else {
                    format!("{}.{:02} {unit}", h / 100, h % 100)
                };
            }
        }
    }
    if bytes >= 1000 {
        let (unit, factor) = SCALES
            .iter()
            .copied()
            .find(|&(_, factor)| bytes >= factor)
            .unwrap_or(("KiB", 1 << 10));
        #[allow(clippy::cast_precision_loss)] // an approximation for reading
        let approx = bytes as f64 / factor as f64;
        return format!("{bytes} B (~{approx:.2} {unit})");
    }
    format!("{bytes} B")
}

/// A short size for tables and labels: exact when a unit shows it exactly (`"32 KiB"`), else rounded to two
/// decimals with a `~` (`"~40.22 KiB"`); below 1 KiB always exact bytes.
///
/// ```
/// use flight_memory_gen::size::compact_size;
///
/// assert_eq!(compact_size(32 * 1024), "32 KiB");
/// assert_eq!(compact_size(41184), "~40.22 KiB");
/// assert_eq!(compact_size(1000), "1000 B");
/// ```
pub fn compact_size(bytes: u64) -> String {
    const SCALES: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    let exact = display_size(bytes);
    if !exact.contains('(') {
        return exact;
    }
    match SCALES.iter().find(|&&(_, factor)| bytes >= factor) {
        Some(&(unit, factor)) => {
            #[allow(clippy::cast_precision_loss)] // an approximation for reading
            let approx = bytes as f64 / factor as f64;
            format!("~{approx:.2} {unit}")
        }
        None => format!("{bytes} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_unit_and_form() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("12B"), Ok(12));
        assert_eq!(parse_size(" 12 B "), Ok(12));
        assert_eq!(parse_size("1 KiB"), Ok(1024));
        assert_eq!(parse_size("1K"), Ok(1024));
        assert_eq!(parse_size("2 MiB"), Ok(2 << 20));
        assert_eq!(parse_size("2M"), Ok(2 << 20));
        assert_eq!(parse_size("3 GiB"), Ok(3 << 30));
        assert_eq!(parse_size("3G"), Ok(3 << 30));
        assert_eq!(parse_size("1_024"), Ok(1024));
        assert_eq!(parse_size("0x1F"), Ok(31));
        assert_eq!(parse_size("0xff"), Ok(255));
        assert_eq!(parse_size("0x10 K"), Ok(16 * 1024));
        assert_eq!(parse_size("0.5 KiB"), Ok(512));
        assert_eq!(parse_size("1.25 MiB"), Ok(1_310_720));
        assert_eq!(parse_size("1.000 B"), Ok(1));
        assert_eq!(parse_size("15 GiB"), Ok(15 << 30));
    }

    #[test]
    fn refuses_ambiguous_wrong_and_unknown_units() {
        for unit in ["kB", "KB", "MB", "mb", "GB", "gb", "Kb", "kbytes"] {
            assert!(
                matches!(
                    parse_size(&format!("4 {unit}")),
                    Err(SizeError::AmbiguousUnit { .. })
                ),
                "{unit}"
            );
        }
        assert_eq!(
            parse_size("4 kib"),
            Err(SizeError::WrongCase {
                unit: "kib".into(),
                correct: "KiB"
            })
        );
        assert!(matches!(
            parse_size("4 k"),
            Err(SizeError::WrongCase { .. })
        ));
        assert!(matches!(
            parse_size("4 bytes"),
            Err(SizeError::WrongCase { .. })
        ));
        assert!(matches!(
            parse_size("4 TiB"),
            Err(SizeError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_size("4 KiB!"),
            Err(SizeError::BadNumber { .. })
        ));
    }

    #[test]
    fn refuses_bad_numbers_fractions_and_overflow() {
        assert_eq!(parse_size(""), Err(SizeError::Empty));
        assert_eq!(parse_size("  "), Err(SizeError::Empty));
        assert!(matches!(
            parse_size("KiB"),
            Err(SizeError::BadNumber { .. })
        ));
        assert!(matches!(
            parse_size("large"),
            Err(SizeError::BadNumber { .. })
        ));
        assert!(matches!(parse_size("-4"), Err(SizeError::BadNumber { .. })));
        assert!(matches!(
            parse_size("1..2"),
            Err(SizeError::BadNumber { .. })
        ));
        assert!(matches!(parse_size("1."), Err(SizeError::BadNumber { .. })));
        assert!(matches!(parse_size(".5"), Err(SizeError::BadNumber { .. })));
        assert!(matches!(
            parse_size("1__0"),
            Err(SizeError::BadNumber { .. })
        ));
        assert!(matches!(parse_size("0x"), Err(SizeError::BadNumber { .. })));
        assert!(matches!(
            parse_size("1.3 KiB"),
            Err(SizeError::Fractional { .. })
        ));
        assert!(matches!(
            parse_size("0.5"),
            Err(SizeError::Fractional { .. })
        ));
        assert_eq!(parse_size("16 GiB"), Ok(16 << 30));
        assert_eq!(parse_size("99999999999 GiB"), Err(SizeError::Overflow));
        assert_eq!(parse_size("99999999999999999999"), Err(SizeError::Overflow));
        assert!(parse_size("1.00000000000000000000000000000000000000001 KiB").is_err());
        assert!(matches!(
            parse_size("0.000000000931322574615478515626 GiB"),
            Err(SizeError::Fractional { .. })
        ));
        assert!(matches!(
            parse_size("0.5x"),
            Err(SizeError::BadNumber { .. } | SizeError::UnknownUnit { .. })
        ));
    }

    #[test]
    fn accepts_exact_fractions_of_any_length() {
        // 2^-30 GiB is one byte: 30 decimals, more than a u64 holds.
        assert_eq!(parse_size("0.000000000931322574615478515625 GiB"), Ok(1));
        assert_eq!(parse_size("0.000000000931322574615478515625G"), Ok(1));
        assert_eq!(
            parse_size("1.000000000931322574615478515625 GiB"),
            Ok((1 << 30) + 1)
        );
        // Trailing zeros and separators change nothing, however many there are.
        let zeros = "0".repeat(10_000);
        assert_eq!(parse_size(&format!("1.5{zeros} KiB")), Ok(1536));
        assert_eq!(parse_size("0.000_976_562_5 MiB"), Ok(1024));
        assert_eq!(parse_size("0.9999999999999999999999 KiB").ok(), None);
        assert_eq!(parse_size("1023.999023437500 KiB"), Ok(1024 * 1024 - 1));
        assert_eq!(
            parse_size("17179869183.999999999068677425384521484375 GiB"),
            Ok(u64::MAX)
        );
        assert_eq!(parse_size("17179869184 GiB"), Err(SizeError::Overflow));
    }

    #[test]
    fn displays_exact_when_possible() {
        assert_eq!(display_size(0), "0 B");
        assert_eq!(display_size(1024), "1 KiB");
        assert_eq!(display_size(1024 + 256), "1.25 KiB");
        assert_eq!(display_size(3 << 30), "3 GiB");
        assert_eq!(display_size(1025 * 1024), "1025 KiB");
        assert_eq!(display_size(40_000_000_000), "40000000000 B (~37.25 GiB)");
        assert_eq!(display_size(1_000_000), "1000000 B (~976.56 KiB)");
        assert!(display_size(u64::MAX).starts_with("18446744073709551615 B (~"));
    }
}
