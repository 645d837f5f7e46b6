//! The generated file as text, written directly in rustfmt's style (100 columns, 4-space indentation).
//!
//! Building token streams and pretty-printing them (`quote`, `syn`, `prettyplease`) took 1.5 s for 10,000
//! items; writing the text directly takes a few milliseconds. [`Code`] writes lines at an indentation, `//`
//! and `///` comments wrapped to the width, and [`Doc`]s: expressions and types whose bracketed lists are
//! printed on one line when they fit, and one item per line (with trailing commas) when they do not, as rustfmt
//! does. A test checks that the golden files are unchanged by rustfmt.

use std::borrow::Cow;
use std::fmt::Write as _;

/// The maximum line width, as rustfmt's default `max_width`.
const WIDTH: usize = 100;

/// Spaces per indentation level.
const INDENT: usize = 4;

/// Most columns the arguments of a call may take on one line (rustfmt's `fn_call_width`).
pub(super) const CALL_WIDTH: usize = 60;

/// Most columns the elements of an array may take on one line (rustfmt's `array_width`).
pub(super) const ARRAY_WIDTH: usize = 60;

/// No limit but the line's width (generic arguments).
pub(super) const ANY_WIDTH: usize = usize::MAX;

/// A piece of code that may be broken over lines.
#[derive(Clone, Debug)]
pub(super) enum Doc {
    /// Text that is never broken.
    Text(Cow<'static, str>),
    /// `open`, the items separated by `, `, `close` on one line if they fit (and the items take at most `flat`
    /// columns); else `open`, one item per line one level deeper with a trailing comma, and `close`.
    List {
        open: String,
        items: Vec<Doc>,
        close: String,
        flat: usize,
    },
    /// The parts one after the other.
    Seq(Vec<Doc>),
}

impl Doc {
    /// Whether every list in it may stay on one line by its own limit (the line's width aside).
    fn may_be_flat(&self) -> bool {
        match self {
            Doc::Text(_) => true,
            Doc::List { items, flat, .. } => {
                let items_width = items.iter().map(Doc::flat_width).sum::<usize>()
                    + 2 * items.len().saturating_sub(1);
                // rustfmt's width heuristics apply to lists of several items only.
                (items.len() < 2 || items_width <= *flat) && items.iter().all(Doc::may_be_flat)
            }
            Doc::Seq(parts) => parts.iter().all(Doc::may_be_flat),
        }
    }

    /// Whether, alone in a list that does not fit, it can keep its place after the list's opening bracket and
    /// break inside itself instead (rustfmt's "overflow" of a last argument): a list, or ends with one.
    fn overflows(&self) -> bool {
        match self {
            Doc::List { items, .. } => !items.is_empty(),
            Doc::Seq(parts) => parts.last().is_some_and(Doc::overflows),
            Doc::Text(_) => false,
        }
    }

    /// Its width on one line if that is at most `limit`, without measuring all of a long list.
    fn width_within(&self, limit: usize) -> Option<usize> {
        match self {
            Doc::Text(text) => Some(text.width()).filter(|w| *w <= limit),
            Doc::List {
                open, items, close, ..
            } => {
                let mut width = open.width() + close.width() + 2 * items.len().saturating_sub(1);
                for item in items {
                    if width > limit {
                        return None;
                    }
                    width += item.width_within(limit - width)?;
                }
                Some(width).filter(|w| *w <= limit)
            }
            Doc::Seq(parts) => {
                let mut width = 0;
                for part in parts {
                    width += part.width_within(limit.checked_sub(width)?)?;
                }
                Some(width)
            }
        }
    }

    /// Its width on one line.
    fn flat_width(&self) -> usize {
        match self {
            Doc::Text(text) => text.width(),
            Doc::List {
                open, items, close, ..
            } => {
                open.width()
                    + close.width()
                    + items.iter().map(Doc::flat_width).sum::<usize>()
                    + 2 * items.len().saturating_sub(1)
            }
            Doc::Seq(parts) => parts.iter().map(Doc::flat_width).sum(),
        }
    }
}

/// The columns a piece of text takes (its characters; all generated code is ASCII but for names in strings).
trait Width {
    fn width(&self) -> usize;
}

impl Width for str {
    fn width(&self) -> usize {
        if self.is_ascii() {
            self.len()
        } else {
            self.chars().count()
        }
    }
}

/// `text`.
pub(super) fn text(text: impl Into<Cow<'static, str>>) -> Doc {
    Doc::Text(text.into())
}

/// A call `callee(args)`.
pub(super) fn call(callee: impl Into<String>, args: Vec<Doc>) -> Doc {
    Doc::List {
        open: format!("{}(", callee.into()),
        items: args,
        close: ")".to_string(),
        flat: CALL_WIDTH,
    }
}

/// A call whose callee is itself a [`Doc`] (a path with generic arguments).
pub(super) fn call_doc(callee: Doc, args: Vec<Doc>) -> Doc {
    Doc::Seq(vec![
        callee,
        Doc::List {
            open: "(".to_string(),
            items: args,
            close: ")".to_string(),
            flat: CALL_WIDTH,
        },
    ])
}

/// A path with generic arguments, `path<args>` followed by `after` (e.g. `>()` of a turbofish call).
pub(super) fn generic(path: impl Into<String>, args: Vec<Doc>, after: &str) -> Doc {
    Doc::List {
        open: format!("{}<", path.into()),
        items: args,
        close: format!(">{after}"),
        flat: ANY_WIDTH,
    }
}

/// An array `[items]`.
pub(super) fn array(items: Vec<Doc>) -> Doc {
    Doc::List {
        open: "[".to_string(),
        items,
        close: "]".to_string(),
        flat: ARRAY_WIDTH,
    }
}

/// The parts one after the other.
pub(super) fn seq(parts: Vec<Doc>) -> Doc {
    Doc::Seq(parts)
}

/// A Rust string literal of `value`.
pub(super) fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    if !value
        .bytes()
        .any(|b| b == b'"' || b == b'\\' || b.is_ascii_control())
        && value.is_ascii()
    {
        out.push_str(value);
        out.push('"');
        return out;
    }
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A string literal [`Doc`].
pub(super) fn string_doc(value: &str) -> Doc {
    Doc::Text(Cow::Owned(string(value)))
}

/// A number [`Doc`].
pub(super) fn number(value: u64) -> Doc {
    Doc::Text(Cow::Owned(value.to_string()))
}

/// Lines of code being written.
pub(super) struct Code {
    out: String,
    /// The current indentation, in levels.
    depth: usize,
}

impl Code {
    /// An empty file.
    pub(super) fn new(capacity: usize) -> Code {
        Code {
            out: String::with_capacity(capacity),
            depth: 0,
        }
    }

    /// An empty piece of code, `depth` levels deep (to be added to a file with [`push_code`](Code::push_code)).
    pub(super) fn at_depth(depth: usize, capacity: usize) -> Code {
        Code {
            out: String::with_capacity(capacity),
            depth,
        }
    }

    /// Bytes written.
    pub(super) fn len(&self) -> usize {
        self.out.len()
    }

    /// Makes room for `additional` more bytes.
    pub(super) fn reserve(&mut self, additional: usize) {
        self.out.reserve(additional);
    }

    /// Appends code written by another [`Code`].
    pub(super) fn push_code(&mut self, other: Code) {
        self.out.push_str(&other.out);
    }

    /// The text written.
    pub(super) fn finish(self) -> String {
        self.out
    }

    fn indent(&mut self) {
        self.spaces(self.depth * INDENT);
    }

    /// One line.
    pub(super) fn line(&mut self, text: &str) {
        self.indent();
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// A line that opens a block (`... {`): what follows is one level deeper.
    pub(super) fn open(&mut self, text: &str) {
        self.line(text);
        self.depth += 1;
    }

    /// A line that closes a block (`}` or `};`), one level up.
    pub(super) fn close(&mut self, text: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.line(text);
    }

    /// An empty line.
    pub(super) fn blank(&mut self) {
        self.out.push('\n');
    }

    /// `// text`, wrapped to the width.
    pub(super) fn comment(&mut self, text: &str) {
        self.prefixed("// ", &[text]);
    }

    /// `/// ` doc comments, one paragraph after the other with an empty `///` line between, wrapped to the
    /// width.
    pub(super) fn doc<S: AsRef<str>>(&mut self, paragraphs: &[S]) {
        self.prefixed("/// ", paragraphs);
    }

    fn prefixed<S: AsRef<str>>(&mut self, prefix: &str, paragraphs: &[S]) {
        let width = WIDTH
            .saturating_sub(self.depth * INDENT + prefix.len())
            .max(40);
        let bare = prefix.trim_end();
        for (index, paragraph) in paragraphs.iter().enumerate() {
            if index > 0 {
                self.indent();
                self.out.push_str(bare);
                self.out.push('\n');
            }
            // Greedy wrapping at spaces: a word longer than the width gets a line of its own.
            let mut line_length = 0;
            for word in paragraph.as_ref().split(' ').filter(|w| !w.is_empty()) {
                let length = word.width();
                if line_length > 0 && line_length + 1 + length > width {
                    self.out.push('\n');
                    line_length = 0;
                }
                if line_length == 0 {
                    self.indent();
                    self.out.push_str(prefix);
                } else {
                    self.out.push(' ');
                    line_length += 1;
                }
                self.out.push_str(word);
                line_length += length;
            }
            if line_length == 0 {
                self.indent();
                self.out.push_str(bare);
            }
            self.out.push('\n');
        }
    }

    /// A line written with `format_args!` (no intermediate string).
    pub(super) fn line_fmt(&mut self, args: std::fmt::Arguments<'_>) {
        self.indent();
        let _ = self.out.write_fmt(args);
        self.out.push('\n');
    }

    /// A statement or item: `doc` laid out from the current indentation, then `end` (`;`, ` = {`, ...).
    pub(super) fn statement(&mut self, doc: &Doc, end: &str) {
        self.indent();
        let start = self.depth * INDENT;
        self.print(doc, start, end.width());
        self.out.push_str(end);
        self.out.push('\n');
        if end.ends_with('{') {
            self.depth += 1;
        }
    }

    /// An assignment-like statement, `lhs = rhs` then `end`: on one line if it fits; else with `rhs` on the
    /// next line, one level deeper, if it fits there on one line; else with `rhs` broken after `lhs = `.
    pub(super) fn assignment(&mut self, lhs: &str, rhs: &Doc, end: &str) {
        let start = self.depth * INDENT;
        let lhs_width = lhs.width() + 3;
        let end_width = end.width();
        let rhs_width = rhs
            .width_within(WIDTH.saturating_sub(start + INDENT + end_width))
            .filter(|_| rhs.may_be_flat());
        if rhs_width.is_none_or(|w| start + lhs_width + w + end_width <= WIDTH) {
            // On this line, broken if it must be.
            self.indent();
            self.out.push_str(lhs);
            self.out.push_str(" = ");
            self.print(rhs, start + lhs_width, end_width);
        } else {
            // On the next line, whole.
            self.indent();
            self.out.push_str(lhs);
            self.out.push_str(" =\n");
            self.depth += 1;
            self.indent();
            self.print(rhs, self.depth * INDENT, end_width);
            self.depth -= 1;
        }
        self.out.push_str(end);
        self.out.push('\n');
    }

    /// Opens a block that is the value of an assignment, `lhs = open` (e.g. `const X: T = T {`): on one line if
    /// it fits, else with `open` on the next line, one level deeper. Close it with
    /// [`close_assignment`](Code::close_assignment) and what this returns.
    pub(super) fn open_assignment(&mut self, lhs: &str, open: &str) -> bool {
        let width = self.depth * INDENT + lhs.width() + 3 + open.width();
        if width <= WIDTH {
            self.open(&format!("{lhs} = {open}"));
            false
        } else {
            self.line(&format!("{lhs} ="));
            self.depth += 1;
            self.open(open);
            true
        }
    }

    /// Closes a block opened by [`open_assignment`](Code::open_assignment).
    pub(super) fn close_assignment(&mut self, wrapped: bool, text: &str) {
        self.close(text);
        if wrapped {
            self.depth -= 1;
        }
    }

    /// Writes `doc` at column `column` (the current line is indented to it), with `trailing` columns to follow
    /// it on its last line. Returns the column after it.
    fn print(&mut self, doc: &Doc, column: usize, trailing: usize) -> usize {
        match doc {
            Doc::Text(text) => {
                self.out.push_str(text);
                column + text.width()
            }
            Doc::Seq(parts) => {
                let mut column = column;
                for (index, part) in parts.iter().enumerate() {
                    let after = first_line_width(&parts[index + 1..], trailing);
                    column = self.print(part, column, after);
                }
                column
            }
            Doc::List {
                open, items, close, ..
            } => {
                let room = WIDTH.saturating_sub(column + trailing);
                if items.is_empty() || (doc.width_within(room).is_some() && doc.may_be_flat()) {
                    self.out.push_str(open);
                    let mut column = column + open.width();
                    for (index, item) in items.iter().enumerate() {
                        if index > 0 {
                            self.out.push_str(", ");
                            column += 2;
                        }
                        column = self.print(item, column, 0);
                    }
                    self.out.push_str(close);
                    return column + close.width();
                }
                if let [only] = items.as_slice() {
                    if only.overflows() {
                        self.out.push_str(open);
                        let column =
                            self.print(only, column + open.width(), trailing + close.width());
                        self.out.push_str(close);
                        return column + close.width();
                    }
                }
                // One item per line, one level deeper than the line the list starts on.
                self.out.push_str(open);
                self.out.push('\n');
                let item_depth = self.depth + 1;
                for item in items {
                    self.spaces(item_depth * INDENT);
                    self.depth_override(item_depth, |code| {
                        code.print(item, item_depth * INDENT, 1);
                    });
                    self.out.push_str(",\n");
                }
                self.spaces(self.depth * INDENT);
                self.out.push_str(close);
                self.depth * INDENT + close.width()
            }
        }
    }

    fn depth_override(&mut self, depth: usize, f: impl FnOnce(&mut Code)) {
        let saved = self.depth;
        self.depth = depth;
        f(self);
        self.depth = saved;
    }

    fn spaces(&mut self, count: usize) {
        const SPACES: &str = "                                                                ";
        let mut left = count;
        while left > 0 {
            let now = left.min(SPACES.len());
            self.out.push_str(&SPACES[..now]);
            left -= now;
        }
    }
}

/// How many columns `parts` need on the line they start on, at least: up to the opening bracket of the first
/// list (the line can break after it), or all of them and then `trailing` if none is a list.
fn first_line_width(parts: &[Doc], trailing: usize) -> usize {
    match width_to_first_list(parts) {
        Some(width) => width,
        None => parts.iter().map(Doc::flat_width).sum::<usize>() + trailing,
    }
}

/// The width of `parts` up to and including the opening bracket of their first list, if they have one.
fn width_to_first_list(parts: &[Doc]) -> Option<usize> {
    let mut width = 0;
    for part in parts {
        match part {
            Doc::Text(text) => width += text.width(),
            Doc::List { open, .. } => return Some(width + open.width()),
            Doc::Seq(inner) => match width_to_first_list(inner) {
                Some(inner) => return Some(width + inner),
                None => width += part.flat_width(),
            },
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_wrap_at_spaces() {
        let mut code = Code::new(64);
        code.open("mod m {");
        code.comment(&format!("SAFETY: {} end", "word ".repeat(20)));
        code.doc(&["one", "", "two"]);
        code.close("}");
        let expected = format!(
            "mod m {{\n    // SAFETY: {}word\n    // word word word end\n    /// one\n    ///\n    ///\n    ///\n    /// two\n}}\n",
            "word ".repeat(16)
        );
        assert_eq!(code.finish(), expected);
    }

    #[test]
    fn lists_stay_flat_when_they_fit() {
        let mut code = Code::new(64);
        code.statement(
            &seq(vec![
                text("let x = "),
                call("f", vec![number(1), string_doc("a\"b")]),
            ]),
            ";",
        );
        assert_eq!(code.finish(), "let x = f(1, \"a\\\"b\");\n");
    }

    #[test]
    fn lists_break_one_item_per_line_when_they_do_not() {
        let long = "x".repeat(50);
        let mut code = Code::new(256);
        code.open("mod m {");
        code.statement(
            &seq(vec![
                text("const _: () = "),
                call(
                    "check",
                    vec![
                        string_doc(&long),
                        generic("size_of::", vec![text("T")], "()"),
                    ],
                ),
            ]),
            ";",
        );
        code.close("}");
        assert_eq!(
            code.finish(),
            format!(
                "mod m {{\n    const _: () = check(\n        \"{long}\",\n        size_of::<T>(),\n    );\n}}\n"
            )
        );
    }
}
