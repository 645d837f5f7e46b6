//! The text of a memory.toml file, byte spans into it, and their line:column locations.

use std::fmt;

/// A byte range `start..end` in a [`SourceFile`].
///
/// Spans come from the TOML parser and always lie on character boundaries of the text they were taken from;
/// [`SourceFile::clamp`] makes any span safe to use on a given file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// The first byte.
    pub start: usize,
    /// One past the last byte (`start <= end`).
    pub end: usize,
}

impl Span {
    /// The span `start..end` (swapped if given backwards).
    pub const fn new(start: usize, end: usize) -> Span {
        if start <= end {
            Span { start, end }
        } else {
            Span {
                start: end,
                end: start,
            }
        }
    }
}

impl From<std::ops::Range<usize>> for Span {
    fn from(range: std::ops::Range<usize>) -> Span {
        Span::new(range.start, range.end)
    }
}

/// A 1-based line and column (the column counts characters, not bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A configuration file: the name it is reported under (usually its path) and its text.
///
/// ```
/// use flight_memory_gen::{SourceFile, Span};
///
/// let file = SourceFile::new("memory.toml", "[platform]\nname = \"obc\"\n");
/// let location = file.location(Span::new(11, 15).start);
/// assert_eq!((location.line, location.column), (2, 1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    name: String,
    text: String,
    /// Byte offset of the start of every line; `line_starts[0] == 0`, strictly increasing.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A file named `name` (shown in diagnostics) with contents `text`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// The name diagnostics show for this file.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The line and column of byte `offset` (clamped to the text).
    pub fn location(&self, offset: usize) -> Location {
        let offset = self.floor_boundary(offset);
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0);
        let column = self
            .text
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count());
        Location {
            line: line_index + 1,
            column: column + 1,
        }
    }

    /// `span` moved inside the text and onto character boundaries, so it can be sliced and rendered.
    pub fn clamp(&self, span: Span) -> Span {
        let start = self.floor_boundary(span.start);
        let end = self.ceil_boundary(span.end.max(start));
        Span { start, end }
    }

    /// The text of `span` (clamped), e.g. to quote what the user wrote.
    pub fn slice(&self, span: Span) -> &str {
        let span = self.clamp(span);
        self.text.get(span.start..span.end).unwrap_or("")
    }

    fn floor_boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    fn ceil_boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while offset < self.text.len() && !self.text.is_char_boundary(offset) {
            offset += 1;
        }
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_count_lines_and_characters() {
        let file = SourceFile::new("m.toml", "ab\nçd\n\nx");
        assert_eq!(file.location(0), Location { line: 1, column: 1 });
        assert_eq!(file.location(3), Location { line: 2, column: 1 });
        assert_eq!(file.location(5), Location { line: 2, column: 2 });
        assert_eq!(file.location(4), Location { line: 2, column: 1 }); // inside 'ç'
        assert_eq!(file.location(8), Location { line: 4, column: 1 });
        assert_eq!(file.location(999), Location { line: 4, column: 2 });
    }

    #[test]
    fn clamp_keeps_spans_on_boundaries() {
        let file = SourceFile::new("m.toml", "çç");
        assert_eq!(file.clamp(Span::new(1, 3)), Span::new(0, 4));
        assert_eq!(file.slice(Span::new(10, 20)), "");
        assert_eq!(Span::new(5, 2), Span::new(2, 5));
    }
}
