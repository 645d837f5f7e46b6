//! Errors found in a memory.toml file: what is wrong, where, and how to fix it.
//!
//! Every [`Diagnostic`] has a message, usually a primary span with a label, and always a `help` line saying
//! what to change. [`Diagnostics`] holds all of a file's diagnostics with the file's text and renders them the
//! way rustc does (through `codespan-reporting`), or as one `cargo::error=` line each for build scripts.

use std::fmt;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::termcolor::{Ansi, NoColor};
use codespan_reporting::term::{self, Chars, Config as TermConfig};

use crate::source::{Location, SourceFile, Span};

/// The most characters of user text a message quotes: [`shorten`] cuts longer text.
const QUOTE_LIMIT: usize = 64;

/// User text as a message quotes it: whole if short, else its first characters, `…`, and its length, so that
/// a 10 MB value gives a message of a line, not of 10 MB.
///
/// Every message, label, note and help that quotes text from the file (a name, a key, a string value, a size
/// as written) passes it through here. The snippet under the message still shows where the value is.
pub(crate) fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(QUOTE_LIMIT) {
        None => std::borrow::Cow::Borrowed(text),
        Some(_) => {
            let (cut, _) = text
                .char_indices()
                .nth(QUOTE_LIMIT - 16)
                .unwrap_or((text.len(), ' '));
            std::borrow::Cow::Owned(format!("{}… ({} bytes in all)", &text[..cut], text.len()))
        }
    }
}

/// `text` (a message, label, note or help) with every `` `quoted` `` part longer than a line passed through
/// [`shorten`], and cut as a whole if it is still over 4 KiB: the net under the explicit calls, so that no
/// message quotes a long name or value whole (a valid name may be a megabyte long).
fn shorten_quotes(text: String) -> String {
    const WHOLE_LIMIT: usize = 4096;
    if text.len() <= 4 * QUOTE_LIMIT {
        return text;
    }
    let mut out = String::new();
    for (index, part) in text.split('`').enumerate() {
        if index > 0 {
            out.push('`');
        }
        out.push_str(
            if index % 2 == 1 {
                shorten(part)
            } else {
                part.into()
            }
            .as_ref(),
        );
    }
    if out.len() > WHOLE_LIMIT {
        let cut = (0..=WHOLE_LIMIT / 2)
            .rev()
            .find(|&i| out.is_char_boundary(i))
            .unwrap_or(0);
        out = format!("{}… ({} bytes in all)", &out[..cut], out.len());
    }
    out
}

/// Which stage of the check found a problem.
///
/// The stages run in this order; a later stage still runs when an earlier one found errors (except after TOML
/// syntax errors), so that one run reports everything it can.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Stage {
    /// The file could not be read as UTF-8 TOML.
    Syntax,
    /// A key, value or reference in the model is wrong (unknown key, bad unit, unknown region, ...).
    Model,
    /// The layout does not fit: an item larger than its region, a region over its size, regions over the
    /// platform budget, or a size that overflows.
    Budget,
}

/// A span with a message, pointing at something the diagnostic is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What about it.
    pub message: String,
}

/// One error in a memory.toml file.
///
/// ```
/// use flight_memory_gen::check_str;
///
/// let errors = check_str("memory.toml", "[platform]\nname = \"obc\"\nbudget = \"64 kB\"\n").unwrap_err();
/// let error = &errors.diagnostics()[0];
/// assert!(error.message().contains("kB"));
/// assert!(error.help().contains("KiB"));
/// assert_eq!(errors.location(error).map(|l| l.line), Some(3));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    stage: Stage,
    message: String,
    primary: Option<Label>,
    secondary: Vec<Label>,
    notes: Vec<String>,
    help: String,
}

impl Diagnostic {
    /// An error found by `stage`, saying `message`, with no location yet and the given `help`.
    pub(crate) fn new(
        stage: Stage,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            stage,
            message: shorten_quotes(message.into()),
            primary: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: shorten_quotes(help.into()),
        }
    }

    /// Points the error at `span`, labelled `label`.
    pub(crate) fn at(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.primary = Some(Label {
            span,
            message: shorten_quotes(label.into()),
        });
        self
    }

    /// Adds a secondary span (something related, e.g. the first declaration of a duplicate).
    pub(crate) fn also(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: shorten_quotes(label.into()),
        });
        self
    }

    /// Adds a note (extra facts: the declared regions, the largest items, ...).
    pub(crate) fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(shorten_quotes(note.into()));
        self
    }

    /// The stage that found it.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// What is wrong, in one line.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where it is wrong, if it is about a place in the file.
    pub fn primary(&self) -> Option<&Label> {
        self.primary.as_ref()
    }

    /// Related places (first declarations, largest items, ...).
    pub fn secondary(&self) -> &[Label] {
        &self.secondary
    }

    /// Extra facts.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// How to fix it.
    pub fn help(&self) -> &str {
        &self.help
    }

    fn to_codespan(&self, source: &SourceFile) -> CsDiagnostic<()> {
        let mut labels = Vec::new();
        if let Some(primary) = &self.primary {
            labels.push(label(CsLabel::primary, source, primary));
        }
        labels.extend(
            self.secondary
                .iter()
                .map(|l| label(CsLabel::secondary, source, l)),
        );
        let mut notes: Vec<String> = self.notes.iter().map(|n| format!("note: {n}")).collect();
        notes.push(format!("help: {}", self.help));
        CsDiagnostic::error()
            .with_message(&self.message)
            .with_labels(labels)
            .with_notes(notes)
    }
}

fn label(
    make: fn((), std::ops::Range<usize>) -> CsLabel<()>,
    source: &SourceFile,
    label: &Label,
) -> CsLabel<()> {
    let span = source.clamp(label.span);
    make((), span.start..span.end).with_message(&label.message)
}

/// All the errors found in one file, with the file, ready to render.
///
/// `Display` renders them without colour, rustc style, followed by a summary line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics {
    source: SourceFile,
    /// Sorted by position; diagnostics without a position last.
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Collects `list` for `source`, ordered by position in the file, exact duplicates removed.
    pub(crate) fn new(source: SourceFile, mut list: Vec<Diagnostic>) -> Diagnostics {
        list.sort_by_key(|d| match &d.primary {
            Some(l) => (0, l.span.start, l.span.end),
            None => (1, 0, 0),
        });
        list.dedup();
        Diagnostics { source, list }
    }

    /// The file the errors are in.
    pub fn source(&self) -> &SourceFile {
        &self.source
    }

    /// The errors, in file order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.list
    }

    /// How many errors.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none (a [`Diagnostics`] returned as an error is never empty).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The line and column where `diagnostic` points, if it has a position.
    pub fn location(&self, diagnostic: &Diagnostic) -> Option<Location> {
        diagnostic
            .primary
            .as_ref()
            .map(|l| self.source.location(self.source.clamp(l.span).start))
    }

    /// One line per error, `FILE:LINE:COL: message`, as a build script prints after `cargo::error=`.
    ///
    /// ```
    /// let errors = flight_memory_gen::check_str("memory.toml", "[platfrom]\n").unwrap_err();
    /// assert!(errors.short_lines()[0].starts_with("memory.toml:1:2: "));
    /// ```
    pub fn short_lines(&self) -> Vec<String> {
        self.list
            .iter()
            .map(|d| match self.location(d) {
                Some(loc) => format!("{}:{}: {}", self.source.name(), loc, d.message),
                None => format!("{}: {}", self.source.name(), d.message),
            })
            .collect()
    }

    /// Renders every error with its snippet, without colour, and a summary line (as `Display` does).
    pub fn render_plain(&self) -> String {
        self.render(false)
    }

    /// Renders every error with its snippet and a summary line, rustc style; with `colour`, with ANSI colour
    /// codes for a terminal.
    ///
    /// Each snippet shows whole lines, so a file of long lines with many errors could render to far more than
    /// its size: once the output passes [`RENDER_LIMIT`], the remaining errors are counted, not shown (every
    /// error is still in [`Diagnostics::diagnostics`] and [`Diagnostics::short_lines`]).
    pub fn render(&self, colour: bool) -> String {
        let file = SimpleFile::new(self.source.name(), self.source.text());
        let config = TermConfig {
            chars: Chars::ascii(),
            ..TermConfig::default()
        };
        let mut out = String::new();
        let mut shown = 0;
        for diagnostic in &self.list {
            if shown > 0 && out.len() >= RENDER_LIMIT {
                break;
            }
            let diagnostic = diagnostic.to_codespan(&self.source);
            // Spans are clamped to the text, so the file lookup cannot fail; writing to a Vec cannot either.
            let bytes = if colour {
                let mut writer = Ansi::new(Vec::new());
                let _ = term::emit_to_write_style(&mut writer, &config, &file, &diagnostic);
                writer.into_inner()
            } else {
                let mut writer = NoColor::new(Vec::new());
                let _ = term::emit_to_write_style(&mut writer, &config, &file, &diagnostic);
                writer.into_inner()
            };
            out.push_str(&String::from_utf8_lossy(&bytes));
            shown += 1;
        }
        let hidden = self.list.len() - shown;
        if hidden > 0 {
            out.push_str(&format!(
                "note: {hidden} more error(s) not shown (the output passed {} MiB): fix these first\n\n",
                RENDER_LIMIT >> 20
            ));
        }
        match self.list.len() {
            1 => out.push_str(&format!("error: {} has 1 error\n", self.source.name())),
            n => out.push_str(&format!("error: {} has {n} errors\n", self.source.name())),
        }
        out
    }
}

/// The size of rendered diagnostics past which [`Diagnostics::render`] shows no more errors.
pub const RENDER_LIMIT: usize = 1 << 20;

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_plain())
    }
}

impl std::error::Error for Diagnostics {}
