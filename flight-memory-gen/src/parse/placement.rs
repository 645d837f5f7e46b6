//! Where a region is: `origin` (an address) and `memory` (a linker memory), in a region and in a platform's
//! override of it.

use toml::Spanned as TomlSpanned;
use toml::de::DeValue;

use super::{Read, Reader, Reported, span_of};
use crate::diagnostic::{Diagnostic, Stage};
use crate::model::Spanned;

const ORIGIN_HELP: &str = "write the region's address as an integer, `origin = 0x2000_0000`, or a string, \
                           `origin = \"0x2000_0000\"`";
const MEMORY_HELP: &str = "name a memory of the board's memory.x, e.g. `memory = \"RAM\"`";

impl Reader<'_> {
    /// `origin = 0x2000_0000` or `origin = "0x2000_0000"`.
    pub(super) fn origin(&mut self, value: &TomlSpanned<DeValue<'_>>) -> Read<Spanned<u64>> {
        let span = span_of(value);
        match value.get_ref() {
            DeValue::Integer(integer) => {
                Ok(Spanned::new(self.unsigned(value, "origin", integer)?, span))
            }
            DeValue::String(text) => match parse_address(text) {
                Some(address) => Ok(Spanned::new(address, span)),
                None => {
                    self.error(
                        Diagnostic::new(
                            Stage::Model,
                            format!(
                                "bad `origin` \"{}\": not an address below 2^64",
                                text.escape_debug()
                            ),
                            "write a hexadecimal (`\"0x2000_0000\"`), octal (`\"0o...\"`), binary (`\"0b...\"`) or \
                             decimal address; `_` may separate digits",
                        )
                        .at(span, "not an address"),
                    );
                    Err(Reported)
                }
            },
            _ => {
                self.wrong_type(value, "origin", "an address", ORIGIN_HELP);
                Err(Reported)
            }
        }
    }

    /// `memory = "RAM"`.
    pub(super) fn memory(&mut self, value: &TomlSpanned<DeValue<'_>>) -> Read<Spanned<String>> {
        match value.get_ref() {
            DeValue::String(name) => {
                let usable = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if usable {
                    Ok(Spanned::new(name.to_string(), span_of(value)))
                } else {
                    self.error(
                        Diagnostic::new(
                            Stage::Model,
                            format!(
                                "`memory` \"{}\" is not a linker memory name",
                                name.escape_debug()
                            ),
                            "write the name memory.x gives the memory in its `MEMORY` block (letters, digits and \
                             `_`, not starting with a digit), e.g. `memory = \"RAM\"`",
                        )
                        .at(span_of(value), "not a memory name"),
                    );
                    Err(Reported)
                }
            }
            _ => {
                self.wrong_type(value, "memory", "a string", MEMORY_HELP);
                Err(Reported)
            }
        }
    }

    /// A platform's `origin`: an address, or `false` for none on this platform.
    pub(super) fn origin_override(
        &mut self,
        value: &TomlSpanned<DeValue<'_>>,
    ) -> Read<Spanned<Option<u64>>> {
        match value.get_ref() {
            DeValue::Boolean(false) => Ok(Spanned::new(None, span_of(value))),
            DeValue::Boolean(true) => {
                self.wrong_type(
                    value,
                    "origin",
                    "an address or `false`",
                    "write the region's address on this platform, `origin = 0x2000_0000`, or `origin = false` \
                     for none (leave `origin` out to keep the region's own)",
                );
                Err(Reported)
            }
            _ => self
                .origin(value)
                .map(|o| Spanned::new(Some(o.value), o.span)),
        }
    }

    /// A platform's `memory`: a memory name, or `false` for none on this platform.
    pub(super) fn memory_override(
        &mut self,
        value: &TomlSpanned<DeValue<'_>>,
    ) -> Read<Spanned<Option<String>>> {
        match value.get_ref() {
            DeValue::Boolean(false) => Ok(Spanned::new(None, span_of(value))),
            DeValue::Boolean(true) => {
                self.wrong_type(
                    value,
                    "memory",
                    "a memory name or `false`",
                    &format!("{MEMORY_HELP}, or `memory = false` for none on this platform"),
                );
                Err(Reported)
            }
            _ => self
                .memory(value)
                .map(|m| Spanned::new(Some(m.value), m.span)),
        }
    }
}

/// `"0x2000_0000"`, `"0o17"`, `"0b101"` or `"536870912"`, with `_` between digits; `None` if it is not one or
/// does not fit in 64 bits.
pub(crate) fn parse_address(text: &str) -> Option<u64> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let (digits, radix) = match lower.get(..2) {
        Some("0x") => (&lower[2..], 16),
        Some("0o") => (&lower[2..], 8),
        Some("0b") => (&lower[2..], 2),
        _ => (lower.as_str(), 10),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    if digits.starts_with(['+', '-']) {
        return None;
    }
    u64::from_str_radix(&digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::parse_address;

    #[test]
    fn addresses() {
        assert_eq!(parse_address("0x2000_0000"), Some(0x2000_0000));
        assert_eq!(parse_address("0X10000000"), Some(0x1000_0000));
        assert_eq!(parse_address("1_024"), Some(1024));
        assert_eq!(parse_address("0b1_0"), Some(2));
        assert_eq!(parse_address("0o17"), Some(15));
        assert_eq!(parse_address("0xFFFF_FFFF_FFFF_FFFF"), Some(u64::MAX));
        for bad in [
            "",
            "0x",
            "0x_1",
            "0x1_",
            "0x1__0",
            "1 KiB",
            "-1",
            "0x+1",
            "0x1_0000_0000_0000_0000",
            "ram",
        ] {
            assert_eq!(parse_address(bad), None, "{bad}");
        }
    }
}
