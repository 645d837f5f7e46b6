//! A message built during constant evaluation, numbers included, for the compile errors of generated code.
//!
//! A `const` panic cannot format integers, but it can print a `&str` built by a `const fn`: [`Message`] writes
//! text and decimal numbers into a fixed buffer, and [`Message::as_str`] hands out what was written.

/// Bytes a message can hold; longer text is cut (at a character boundary) and ends with `...`.
const CAPACITY: usize = 1536;

/// Text written during constant evaluation.
pub(crate) struct Message {
    /// `bytes[..len]` is UTF-8 (text is only ever cut at a character boundary).
    bytes: [u8; CAPACITY],
    /// Bytes written, at most `CAPACITY`.
    len: usize,
    /// Whether text was cut.
    cut: bool,
}

impl Message {
    /// An empty message.
    pub(crate) const fn new() -> Message {
        Message {
            bytes: [0; CAPACITY],
            len: 0,
            cut: false,
        }
    }

    /// Appends `text`, or as much of it as fits (whole characters).
    pub(crate) const fn text(mut self, text: &str) -> Message {
        let text = text.as_bytes();
        let room = CAPACITY - 3 - self.len;
        let mut take = if text.len() <= room {
            text.len()
        } else {
            self.cut = true;
            room
        };
        // Do not end inside a character: back off over continuation bytes.
        while take > 0 && take < text.len() && (text[take] & 0b1100_0000) == 0b1000_0000 {
            take -= 1;
        }
        let mut i = 0;
        while i < take {
            self.bytes[self.len + i] = text[i];
            i += 1;
        }
        self.len += take;
        self
    }

    /// Appends `value` in decimal.
    pub(crate) const fn number(self, value: u64) -> Message {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        let mut rest = value;
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        let (_, used) = digits.split_at(start);
        match core::str::from_utf8(used) {
            Ok(text) => self.text(text),
            // Digits are ASCII.
            Err(_) => self,
        }
    }

    /// The text written, ending with `...` if some was cut.
    pub(crate) const fn as_str(&mut self) -> &str {
        let mut len = self.len;
        if self.cut {
            self.bytes[len] = b'.';
            self.bytes[len + 1] = b'.';
            self.bytes[len + 2] = b'.';
            len += 3;
        }
        let (written, _) = self.bytes.split_at(len);
        match core::str::from_utf8(written) {
            Ok(text) => text,
            // Only whole characters are written.
            Err(_) => "(message is not UTF-8)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_text_and_numbers() {
        let mut message = Message::new()
            .text("region `sram`: ")
            .number(0)
            .text(" / ")
            .number(u64::MAX);
        assert_eq!(message.as_str(), "region `sram`: 0 / 18446744073709551615");
    }

    #[test]
    fn cuts_long_text_at_a_character_boundary() {
        let mut message = Message::new();
        for _ in 0..CAPACITY {
            message = message.text("é");
        }
        let text = message.as_str();
        assert!(text.ends_with("..."));
        assert!(text.len() <= CAPACITY);
        assert!(text.trim_end_matches('.').chars().all(|c| c == 'é'));
    }

    #[test]
    fn works_in_constant_evaluation() {
        const LEN: usize = Message::new().text("abc").number(42).len;
        assert_eq!(LEN, 5);
    }
}
