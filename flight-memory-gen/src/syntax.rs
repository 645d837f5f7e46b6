//! TOML syntax errors as diagnostics: each located (the parser gives no position for a dotted key over its
//! nesting limit, so one is found here), runs of the same error merged, and at most [`MAX_SYNTAX_ERRORS`] of
//! them, so that a line of 10,000 control characters gives one error, not 10,000 copies of the line.

use crate::diagnostic::{Diagnostic, Stage, shorten};
use crate::source::{SourceFile, Span};

/// The most syntax errors reported for one file; the last says how many more there are.
pub(crate) const MAX_SYNTAX_ERRORS: usize = 20;

/// The diagnostics of the TOML parser's `errors` over `source`.
pub(crate) fn syntax_diagnostics(
    source: &SourceFile,
    errors: &[toml::de::Error],
) -> Vec<Diagnostic> {
    // (message, span): errors with the same message at neighbouring characters of a line become one (the
    // parser reports each bad character of a run, at a point).
    let mut merged: Vec<(&str, Option<Span>)> = Vec::new();
    for error in errors {
        let message = error.message().trim_end();
        let span = error.span().map(Span::from);
        if let (Some((last_message, Some(last_span))), Some(span)) = (merged.last_mut(), span) {
            let between = source.text().get(last_span.end..span.start);
            let neighbours = between.is_some_and(|b| b.len() <= 4 && !b.contains('\n'));
            if *last_message == message && neighbours {
                *last_span = Span::new(last_span.start, span.end.max(last_span.end));
                continue;
            }
        }
        merged.push((message, span));
    }
    let hidden = merged.len().saturating_sub(MAX_SYNTAX_ERRORS);
    let mut diagnostics: Vec<Diagnostic> = merged
        .iter()
        .take(MAX_SYNTAX_ERRORS)
        .map(|&(message, span)| syntax_error(source, message, span))
        .collect();
    if hidden > 0 {
        if let Some(last) = diagnostics.pop() {
            diagnostics.push(last.note(format!(
                "{hidden} more syntax error(s) after this one are not shown: fix these first"
            )));
        }
    }
    diagnostics
}

fn syntax_error(source: &SourceFile, message: &str, span: Option<Span>) -> Diagnostic {
    let (first_line, rest) = message.split_once('\n').unwrap_or((message, ""));
    let recursion = first_line.contains("recursion") || first_line.contains("recurse");
    let (span, label) = match span {
        Some(span) => (span, first_line.to_string()),
        // The parser reports a dotted key of too many parts without a position: point at the longest one.
        None => match longest_dotted_key(source.text()) {
            Some((span, parts)) if recursion => (span, format!("a key of {parts} parts")),
            _ => (Span::new(0, 0), "somewhere in this file".to_string()),
        },
    };
    let line = line_at(source, span.start);
    let help = if recursion {
        "memory.toml nests tables and arrays a few levels deep at most: write the key with fewer parts \
         (`[pools.name]` then `key = value`), and fewer nested `[...]` or `{...}`"
            .to_string()
    } else {
        syntax_help(first_line, line)
    };
    let message = if recursion && !first_line.contains("depth") {
        format!("TOML syntax error: {first_line} (the key nests too deeply)")
    } else {
        format!("TOML syntax error: {first_line}")
    };
    let mut diagnostic = Diagnostic::new(Stage::Syntax, message, help).at(span, label);
    if !rest.trim().is_empty() {
        diagnostic = diagnostic.note(shorten(rest.trim()).into_owned());
    }
    diagnostic
}

/// The line of `source` that holds byte `offset`.
fn line_at(source: &SourceFile, offset: usize) -> &str {
    let text = source.text();
    let at = source.clamp(Span::new(offset, offset)).start;
    let start = text
        .get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = text
        .get(at..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| at + i);
    text.get(start..end).unwrap_or("")
}

/// The key with the most dot-separated parts outside strings and comments, and its number of parts: a
/// plain scan of the text (keys and values alike; a value has at most one dot, so the longest key wins).
fn longest_dotted_key(text: &str) -> Option<(Span, usize)> {
    let bytes = text.as_bytes();
    let mut best: Option<(Span, usize)> = None;
    let mut start = 0;
    let mut dots = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => i = find_from(bytes, i, b"\n"),
            quote @ (b'"' | b'\'') => {
                let triple = [quote; 3];
                if bytes[i..].starts_with(&triple) {
                    i = find_from(bytes, i + 3, &triple) + 2;
                } else {
                    // A basic string ends at an unescaped quote, a literal one at any, both at the line's end.
                    let mut j = i + 1;
                    while j < bytes.len() && bytes[j] != quote && bytes[j] != b'\n' {
                        j += if quote == b'"' && bytes[j] == b'\\' {
                            2
                        } else {
                            1
                        };
                    }
                    i = j;
                }
            }
            b'.' => dots += 1,
            b'=' | b',' | b'{' | b'}' | b'[' | b']' | b'\n' => {
                if dots > 0 && best.is_none_or(|(_, parts)| dots + 1 > parts) {
                    let key = text.get(start..i).unwrap_or("");
                    let lead = key.len() - key.trim_start().len();
                    let span = Span::new(start + lead, start + key.trim_end().len());
                    best = Some((span, dots + 1));
                }
                start = i + 1;
                dots = 0;
            }
            _ => {}
        }
        i += 1;
    }
    best
}

/// The index of the first `needle` in `bytes` at or after `from`, or the end.
fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.windows(needle.len()).position(|w| w == needle))
        .map_or(bytes.len(), |at| from + at)
}

/// How to fix a TOML syntax error with `message`, found on source `line`.
fn syntax_help(message: &str, line: &str) -> String {
    if message.contains("quoted") {
        // `size = 32 KiB`: suggest the same line with the value in quotes.
        if let Some((key, value)) = line.split_once('=') {
            let value = value.split('#').next().unwrap_or("").trim();
            if !value.is_empty() && !value.contains('"') {
                return format!(
                    "write text values, and sizes with a unit, in double quotes: `{} = \"{}\"`",
                    shorten(key.trim()),
                    shorten(value)
                );
            }
        }
    }
    if message.contains("duplicate key") {
        "each key and table may appear once: merge the two, or rename one".to_string()
    } else if message.contains("unclosed") || message.contains("expected `]`") {
        "close the table header: `[name]`, or the array: `[ ... ]`".to_string()
    } else if message.contains("string") {
        "strings are written in double quotes, e.g. `region = \"sram\"`".to_string()
    } else {
        "fix the TOML syntax: keys are `key = value`, tables `[name]`, strings in double quotes"
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::longest_dotted_key;

    #[test]
    fn finds_the_longest_dotted_key_outside_strings_and_comments() {
        let text = "# a.b.c.d.e.f\nx = \"a.b.c.d.e\"\n  p.q.r = 1\n[s.t]\n";
        let (span, parts) = longest_dotted_key(text).expect("a dotted key");
        assert_eq!(&text[span.start..span.end], "p.q.r");
        assert_eq!(parts, 3);
        assert_eq!(longest_dotted_key("a = 1\n'''x.y.z'''\n"), None);
    }
}
