//! The pipeline: read → parse → validate → lay out → budget, and its results.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::budget;
use crate::diagnostic::{Diagnostic, Diagnostics, Stage};
use crate::layout::{PlatformLayout, lay_out};
use crate::model::Config;
use crate::parse::parse;
use crate::source::{SourceFile, Span};
use crate::validate::validate;

/// Everything the check found in one file: the model (the items that could be read), the layouts of every
/// platform, and every error.
///
/// Use it when you want the layout even if the plan does not fit (the CLI's `report` draws over-budget
/// regions in red); otherwise use [`check_str`] or [`check_file`].
#[derive(Clone, Debug)]
pub struct Analysis {
    source: SourceFile,
    config: Config,
    layouts: Vec<PlatformLayout>,
    diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Runs every stage over `source`.
    ///
    /// ```
    /// use flight_memory_gen::{Analysis, SourceFile};
    ///
    /// let text = "[platform]\nname = \"obc\"\nbudget = \"1 KiB\"\n[regions.sram]\nsize = \"2 KiB\"\n";
    /// let analysis = Analysis::of(SourceFile::new("memory.toml", text));
    /// assert!(analysis.model_is_complete()); // the file is well-formed ...
    /// assert!(analysis.has_errors()); //        ... but 2 KiB of regions exceed the 1 KiB budget
    /// assert!(analysis.layouts()[0].over_budget());
    /// ```
    pub fn of(source: SourceFile) -> Analysis {
        let parsed = parse(&source);
        let mut diagnostics = parsed.diagnostics.clone();
        let mut layouts = Vec::new();
        if parsed.syntax_ok {
            diagnostics.extend(validate(&parsed));
            diagnostics.extend(crate::placement::check(&parsed.config));
            for platform in &parsed.config.platforms {
                let (layout, overflows) = lay_out(&parsed.config, platform);
                diagnostics.extend(overflows);
                diagnostics.extend(budget::check(&layout));
                layouts.push(layout);
            }
            // A platform whose budget could not be read still has its regions checked.
            for platform in &parsed.partial_platforms {
                let (layout, overflows) = lay_out(&parsed.config, platform);
                diagnostics.extend(overflows);
                diagnostics.extend(budget::check(&layout));
            }
        }
        Analysis {
            source,
            config: parsed.config,
            layouts,
            diagnostics,
        }
    }

    /// Reads the file at `path` and runs every stage. A file that is not UTF-8 gives an analysis with one error
    /// at the first bad byte.
    ///
    /// # Errors
    ///
    /// [`ReadError`] if the file cannot be read.
    pub fn of_file(path: impl AsRef<Path>) -> Result<Analysis, ReadError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|error| ReadError {
            path: path.to_path_buf(),
            error,
        })?;
        let name = path.display().to_string();
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Analysis::of(SourceFile::new(name, text))),
            Err(error) => {
                let valid_up_to = error.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
                let source = SourceFile::new(name, text);
                let location = source.location(valid_up_to);
                let diagnostic = Diagnostic::new(
                    Stage::Syntax,
                    format!(
                        "`{}` is not UTF-8 text (bad byte at {location})",
                        path.display()
                    ),
                    "save the file as UTF-8: TOML files are UTF-8 text",
                )
                .at(
                    Span::new(valid_up_to, valid_up_to + '\u{FFFD}'.len_utf8()),
                    "not UTF-8",
                );
                Ok(Analysis {
                    source,
                    config: Config::default(),
                    layouts: Vec::new(),
                    diagnostics: vec![diagnostic],
                })
            }
        }
    }

    /// The file.
    pub fn source(&self) -> &SourceFile {
        &self.source
    }

    /// The model: every item that could be read (all of them if [`model_is_complete`](Self::model_is_complete)).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The layout of every platform that could be read, in file order.
    pub fn layouts(&self) -> &[PlatformLayout] {
        &self.layouts
    }

    /// Every error, in the order found (see [`Analysis::into_result`] for them sorted and renderable).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Whether any check failed.
    pub fn has_errors(&self) -> bool {
        !self.diagnostics.is_empty()
    }

    /// Whether the file was read without syntax or model errors, so that the model and the layouts are
    /// complete (the plan may still not fit: see [`Stage::Budget`]).
    pub fn model_is_complete(&self) -> bool {
        self.diagnostics.iter().all(|d| d.stage() == Stage::Budget)
    }

    /// The errors, sorted by position and ready to render (empty when there are none).
    pub fn errors(&self) -> Diagnostics {
        Diagnostics::new(self.source.clone(), self.diagnostics.clone())
    }

    /// The checked plan, or every error.
    ///
    /// # Errors
    ///
    /// [`Diagnostics`] (never empty) if any check failed.
    pub fn into_result(self) -> Result<Checked, Diagnostics> {
        if self.diagnostics.is_empty() {
            Ok(Checked {
                source: self.source,
                config: self.config,
                layouts: self.layouts,
            })
        } else {
            Err(Diagnostics::new(self.source, self.diagnostics))
        }
    }
}

/// A memory.toml file that passed every check, with its model and the layout of every platform.
///
/// This is what code generation and the macros read. It cannot be changed: it only hands out shared
/// references.
#[derive(Clone, Debug)]
pub struct Checked {
    source: SourceFile,
    config: Config,
    layouts: Vec<PlatformLayout>,
}

impl Checked {
    /// The file.
    pub fn source(&self) -> &SourceFile {
        &self.source
    }

    /// The model.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The layout of every platform, in file order.
    pub fn layouts(&self) -> &[PlatformLayout] {
        &self.layouts
    }

    /// The names of the platforms, in file order (for messages that list them).
    pub fn platform_names(&self) -> Vec<String> {
        self.layouts
            .iter()
            .map(|l| l.platform.value.clone())
            .collect()
    }

    /// The layout of platform `name`.
    pub fn layout(&self, name: &str) -> Option<&PlatformLayout> {
        self.layouts.iter().find(|l| l.platform.value == name)
    }

    /// The layout of the default platform (the only one, or the one marked `default = true`).
    pub fn default_layout(&self) -> Option<&PlatformLayout> {
        let platform = self.config.default_platform()?;
        self.layout(&platform.name.value)
    }
}

/// Checks memory.toml text; `name` is the file name diagnostics show.
///
/// ```
/// let text = r#"
/// [platform]
/// name = "cubesat-obc"
/// budget = "448 KiB"
///
/// [regions.sram]
/// size = "384 KiB"
///
/// [pools.telemetry_packet]
/// region = "sram"
/// block_size = 256
/// count = 64
/// "#;
/// let checked = flight_memory_gen::check_str("memory.toml", text)?;
/// let layout = checked.default_layout().expect("one platform");
/// let sram = layout.region("sram").expect("declared");
/// assert_eq!(sram.items[0].storage.bytes, 64 * 256);
/// assert_eq!(sram.items[0].metadata, 64 * 4 + flight_memory_gen::metadata::POOL_STATE_BYTES);
/// # Ok::<(), flight_memory_gen::Diagnostics>(())
/// ```
///
/// # Errors
///
/// Every problem of the file, as [`Diagnostics`].
pub fn check_str(name: &str, text: &str) -> Result<Checked, Diagnostics> {
    Analysis::of(SourceFile::new(name, text)).into_result()
}

/// Reads and checks the file at `path` (every platform).
///
/// ```no_run
/// match flight_memory_gen::check_file("memory.toml") {
///     Ok(checked) => println!("{} platform(s) fit", checked.layouts().len()),
///     Err(error) => eprintln!("{error}"),
/// }
/// ```
///
/// # Errors
///
/// [`CheckError::Read`] if the file cannot be read, [`CheckError::Invalid`] with every problem otherwise.
pub fn check_file(path: impl AsRef<Path>) -> Result<Checked, CheckError> {
    Analysis::of_file(path)?
        .into_result()
        .map_err(CheckError::Invalid)
}

/// A file that could not be read.
#[derive(Debug)]
pub struct ReadError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub error: std::io::Error,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read `{}`: {}", self.path.display(), self.error)
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Why [`check_file`] failed.
#[derive(Debug)]
pub enum CheckError {
    /// The file could not be read.
    Read(ReadError),
    /// The file has errors.
    Invalid(Diagnostics),
}

impl From<ReadError> for CheckError {
    fn from(error: ReadError) -> CheckError {
        CheckError::Read(error)
    }
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Read(error) => error.fmt(f),
            CheckError::Invalid(diagnostics) => diagnostics.fmt(f),
        }
    }
}

impl std::error::Error for CheckError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CheckError::Read(error) => Some(error),
            CheckError::Invalid(diagnostics) => Some(diagnostics),
        }
    }
}
