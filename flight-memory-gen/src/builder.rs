//! The build-script API: [`build`] for the common case, [`Builder`] for the rest.
//!
//! A build script checks memory.toml (every platform), selects the platform to build for, and writes the
//! generated code to `$OUT_DIR/flight_memory.rs`, which `flight_memory::include_memory!()` includes. It tells
//! cargo to run it again when memory.toml or the platform selection changes, and tells the crate (and the
//! `flight-memory-macros` in it) where the plan is and which platform was selected.

use std::ffi::OsString;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

mod component;

pub use component::build_component_crate;

use crate::check::{Analysis, ReadError};
use crate::codegen::ExternalTerm;
use crate::codegen::{GenerateError, OUTPUT_FILE, generate_component_crate, generate_program};
use crate::diagnostic::Diagnostics;
use crate::linker::LINKER_SCRIPT_FILE;
use crate::naming::{did_you_mean, list_names};
use crate::scan::{CfgValues, ScanError, key_file, scan_crate};
use crate::totals::{self, MacrosOverBudget};

/// The environment variable the build script sets for the compiler (`cargo::rustc-env`) to a file listing the
/// macro uses it counted, so that `flight-memory-macros` can say at the use why one is not counted.
pub const USES_ENV: &str = "FLIGHT_MEMORY_USES";

/// The environment variable that selects the platform a build generates code for, when memory.toml has
/// several: `FLIGHT_MEMORY_PLATFORM=ground-sim cargo build`.
///
/// Without it (and without [`Builder::platform`]), a build uses the only platform, or the one marked
/// `default = true`. The build script also sets it for the compiler (`cargo::rustc-env`) to the platform it
/// selected, so the crate's macros see the same platform.
pub const PLATFORM_ENV: &str = "FLIGHT_MEMORY_PLATFORM";

/// The environment variable the build script sets for the compiler (`cargo::rustc-env`) to the absolute path of
/// memory.toml, so that the crate's `flight-memory-macros` read the same plan.
pub const CONFIG_ENV: &str = "FLIGHT_MEMORY_CONFIG";

/// Generates `$OUT_DIR/flight_memory.rs` and the linker fragment `$OUT_DIR/flight-memory.x` from the memory
/// plan at `config`, from a build script.
///
/// It adds `OUT_DIR` to the linker's search path (`cargo::rustc-link-search=native=`) but does not pass the
/// fragment to the linker: a firmware names it after cortex-m-rt's script, `-C link-arg=-Tlink.x -C
/// link-arg=-Tflight-memory.x` (in `.cargo/config.toml`), and only there, since a fragment given twice fails to
/// link. A host build simply does not name it.
///
/// This is `Builder::new().config(config).generate()`, and on error it prints one `cargo::error=` line per
/// problem (`memory.toml:LINE:COL: message`) and every diagnostic with its snippet on stderr, then exits with
/// status 1, which fails the build. The platform is selected by [`PLATFORM_ENV`] (see [`Builder::platform`]).
///
/// ```no_run
/// // build.rs
/// fn main() {
///     flight_memory_gen::build("memory.toml");
/// }
/// ```
///
/// and in the crate: `flight_memory::include_memory!();`.
pub fn build(config: impl AsRef<Path>) {
    if let Err(error) = Builder::new().config(config).generate() {
        let _ = error.report(&mut io::stdout().lock(), &mut io::stderr().lock());
        std::process::exit(1);
    }
}

/// Options for generating code from memory.toml, for build scripts that need more than [`build`].
///
/// Each setter takes and returns `&mut Self`, so calls chain:
///
/// ```no_run
/// // build.rs
/// fn main() {
///     let generated = flight_memory_gen::Builder::new()
///         .config("config/memory.toml")
///         .platform("ground-sim")
///         .output("memory_plan.rs")
///         .generate();
///     if let Err(error) = generated {
///         error.report(&mut std::io::stdout(), &mut std::io::stderr()).unwrap();
///         std::process::exit(1);
///     }
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    config: PathBuf,
    platform: Option<String>,
    output: Option<PathBuf>,
    linker_script: Option<PathBuf>,
    write_linker_script: bool,
    cargo_directives: bool,
    /// The crate root file scanned for `#[memory_pool]` and `buffer_bins!` (see [`Builder::sources`]).
    sources: Option<PathBuf>,
    /// The crate's directory, which the uses' keys are relative to (`CARGO_MANIFEST_DIR`).
    base: Option<PathBuf>,
    /// The component crates whose macro uses the program counts (see [`Builder::counts_crates`]).
    counts_crates: Vec<String>,
    /// Whether the crate is a component crate (see [`Builder::component_crate`]).
    component_crate: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// A builder for `memory.toml` (in the crate's directory), the platform selected by [`PLATFORM_ENV`] or the
    /// default one, written to `$OUT_DIR/flight_memory.rs`, printing cargo directives.
    ///
    /// ```
    /// let builder = flight_memory_gen::Builder::new();
    /// # let _ = builder;
    /// ```
    pub fn new() -> Builder {
        Builder {
            config: PathBuf::from("memory.toml"),
            platform: None,
            output: None,
            linker_script: None,
            write_linker_script: true,
            cargo_directives: true,
            sources: None,
            base: None,
            counts_crates: Vec::new(),
            component_crate: false,
        }
    }

    /// The crate root file (`src/lib.rs` or `src/main.rs`) whose module tree is scanned for `#[memory_pool]` and
    /// `buffer_bins!`, so that the static memory they declare is counted in the budget with memory.toml's
    /// items. By default [`generate`](Builder::generate) scans `$CARGO_MANIFEST_DIR/src/lib.rs`, else
    /// `src/main.rs`, when it runs in a build script (with [`cargo_directives`](Builder::cargo_directives) on).
    ///
    /// ```no_run
    /// flight_memory_gen::Builder::new().sources("src/bin/flight.rs").generate().unwrap();
    /// ```
    pub fn sources(&mut self, root: impl Into<PathBuf>) -> &mut Self {
        self.sources = Some(root.into());
        self
    }

    /// The memory plan to read (default `memory.toml`). A relative path is relative to the crate's directory,
    /// where cargo runs build scripts; diagnostics and the generated code show it as given.
    ///
    /// ```no_run
    /// flight_memory_gen::Builder::new().config("plans/obc.toml").generate()?;
    /// # Ok::<(), flight_memory_gen::BuildError>(())
    /// ```
    pub fn config(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.config = path.as_ref().to_path_buf();
        self
    }

    /// The platform to generate code for, by name. Without it, the platform named by the environment variable
    /// [`PLATFORM_ENV`] (`FLIGHT_MEMORY_PLATFORM`), else the only platform or the one marked `default = true`.
    ///
    /// ```no_run
    /// // Pick the platform from a cargo feature instead of the environment.
    /// let mut builder = flight_memory_gen::Builder::new();
    /// if std::env::var_os("CARGO_FEATURE_SIMULATOR").is_some() {
    ///     builder.platform("ground-sim");
    /// }
    /// builder.generate()?;
    /// # Ok::<(), flight_memory_gen::BuildError>(())
    /// ```
    pub fn platform(&mut self, name: impl Into<String>) -> &mut Self {
        self.platform = Some(name.into());
        self
    }

    /// Where to write the code (default `flight_memory.rs`). A relative path is relative to `OUT_DIR`; give
    /// `include_memory!` the same name if it is not the default. `-` writes the code to standard output, where a
    /// build script's cargo directives go: for command-line tools, with
    /// [`cargo_directives(false)`](Builder::cargo_directives).
    ///
    /// ```no_run
    /// flight_memory_gen::Builder::new().output("plan.rs").generate()?;
    /// // and in the crate: flight_memory::include_memory!("plan.rs");
    /// # Ok::<(), flight_memory_gen::BuildError>(())
    /// ```
    pub fn output(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.output = Some(path.as_ref().to_path_buf());
        self
    }

    /// Where to write the linker fragment (default [`LINKER_SCRIPT_FILE`], `flight-memory.x`). A relative path is
    /// relative to `OUT_DIR` (outside a build script, to the directory of [`output`](Builder::output)). The
    /// build script adds the fragment's directory to the linker's search path; the firmware names the file with
    /// `-C link-arg=-T<file name>`.
    ///
    /// ```no_run
    /// flight_memory_gen::Builder::new().linker_script("board-regions.x").generate()?;
    /// // and in .cargo/config.toml: rustflags = ["-C", "link-arg=-Tlink.x", "-C", "link-arg=-Tboard-regions.x"]
    /// # Ok::<(), flight_memory_gen::BuildError>(())
    /// ```
    pub fn linker_script(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.linker_script = Some(path.as_ref().to_path_buf());
        self
    }

    /// Whether [`generate`](Builder::generate) writes the linker fragment (default `true`). Tools that only want
    /// the code (the command line's `generate -o` without `--linker-script`) turn it off.
    ///
    /// ```no_run
    /// flight_memory_gen::Builder::new().write_linker_script(false).generate()?;
    /// # Ok::<(), flight_memory_gen::BuildError>(())
    /// ```
    pub fn write_linker_script(&mut self, on: bool) -> &mut Self {
        self.write_linker_script = on;
        self
    }

    /// Whether [`generate`](Builder::generate) prints cargo directives on stdout (default `true`, for build
    /// scripts): `cargo::rerun-if-changed` for the plan, `cargo::rerun-if-env-changed` for [`PLATFORM_ENV`] and
    /// [`CONFIG_ENV`] (where a workspace names its plan),
    /// `cargo::rustc-link-search` for the linker fragment's directory, and `cargo::rustc-env` for [`CONFIG_ENV`]
    /// and [`PLATFORM_ENV`]. Tools that are not build scripts turn it off.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("flight-memory-gen-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let config = dir.join("memory.toml");
    /// # std::fs::write(&config, "[platform]\nname = \"obc\"\nbudget = 1024\n[regions.ram]\nsize = 1024\n").unwrap();
    /// let generated = flight_memory_gen::Builder::new()
    ///     .config(&config)
    ///     .output(dir.join("memory.rs"))
    ///     .cargo_directives(false)
    ///     .generate()?;
    /// assert_eq!(generated.platform, "obc");
    /// assert!(std::fs::read_to_string(&generated.output)?.contains("pub static PLATFORM"));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cargo_directives(&mut self, on: bool) -> &mut Self {
        self.cargo_directives = on;
        self
    }

    /// Checks the plan (every platform), selects the platform and writes its code and its linker fragment
    /// ([`LINKER_SCRIPT_FILE`](crate::LINKER_SCRIPT_FILE), in `OUT_DIR`; see [`linker_script`](crate::linker_script)),
    /// each only if it changed, so an unchanged plan does not make the crate compile or link again.
    ///
    /// # Errors
    ///
    /// A [`BuildError`]: the plan cannot be read or has errors (including a plan over budget), the platform
    /// is unknown or not selected, or the output cannot be written. [`BuildError::report`] prints it the way a
    /// build script should.
    pub fn generate(&self) -> Result<Generated, BuildError> {
        let env_platform = std::env::var_os(PLATFORM_ENV).filter(|v| !v.is_empty());
        let mut builder = self.clone();
        // A build script's crate (a tool that is not one, like the CLI, scans nothing unless told to).
        if self.cargo_directives {
            builder.base = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
        }
        if builder.sources.is_none() && self.cargo_directives {
            builder.sources = std::env::var_os("CARGO_MANIFEST_DIR").and_then(|dir| {
                let src = PathBuf::from(dir).join("src");
                [src.join("lib.rs"), src.join("main.rs")]
                    .into_iter()
                    .find(|root| root.is_file())
            });
        }
        let mut stdout = io::stdout().lock();
        builder.generate_with_env(env_platform, std::env::var_os("OUT_DIR"), &mut stdout)
    }

    /// [`generate`](Builder::generate), with the environment given and the cargo directives written to
    /// `directives` (for tests).
    fn generate_with_env(
        &self,
        env_platform: Option<OsString>,
        out_dir: Option<OsString>,
        directives: &mut dyn Write,
    ) -> Result<Generated, BuildError> {
        // Printed first, so that a build that fails runs again once the plan is fixed. Cargo reads the
        // directives from the build script's stdout; if it cannot be written, there is nobody to tell.
        if self.cargo_directives {
            let _ = writeln!(
                directives,
                "cargo::rerun-if-changed={}",
                self.config.display()
            );
            let _ = writeln!(directives, "cargo::rerun-if-env-changed={PLATFORM_ENV}");
            // A workspace names its plan in this variable (`[env]` in .cargo/config.toml, or the environment):
            // another plan there is another plan to generate, although the old file did not change.
            let _ = writeln!(directives, "cargo::rerun-if-env-changed={CONFIG_ENV}");
        }
        let analysis = Analysis::of_file(&self.config).map_err(BuildError::Read)?;
        if analysis.has_errors() && self.cargo_directives {
            // memory.toml's own errors come first; their advice leaves out the macro uses, which these add.
            if let Some(Ok(external)) = self
                .sources
                .as_ref()
                .map(|root| scan_crate(root, self.base.as_deref()))
            {
                let cfg = CfgValues::from_env();
                for over in totals::over(analysis.source(), analysis.layouts(), &external, &cfg) {
                    for line in over.lines() {
                        let _ = writeln!(
                            directives,
                            "cargo::warning=with the crate's macro uses: {line}"
                        );
                    }
                }
            }
        }
        let checked = analysis.into_result().map_err(BuildError::Invalid)?;
        let file = self.config.display().to_string();
        let platforms = checked.platform_names();
        let (platform, source) = match (&self.platform, env_platform) {
            (Some(name), _) => (name.clone(), Selection::Builder),
            (None, Some(name)) => (name.to_string_lossy().into_owned(), Selection::Environment),
            (None, None) => match checked.config().default_platform() {
                Some(platform) => (platform.name.value.clone(), Selection::Default),
                None => return Err(BuildError::NoPlatformSelected { file, platforms }),
            },
        };
        if checked.layout(&platform).is_none() {
            return Err(BuildError::UnknownPlatform {
                file,
                name: platform,
                platforms,
                from_environment: source == Selection::Environment,
            });
        }
        let external = match &self.sources {
            Some(root) => {
                if self.cargo_directives {
                    let dir = root.parent().unwrap_or(Path::new("."));
                    let _ = writeln!(directives, "cargo::rerun-if-changed={}", dir.display());
                }
                scan_crate(root, self.base.as_deref()).map_err(BuildError::Scan)?
            }
            None => Vec::new(),
        };
        let cfg = CfgValues::from_env();
        if self.cargo_directives {
            for warning in undecided(&external, &cfg) {
                let _ = writeln!(directives, "cargo::warning={warning}");
            }
        }
        totals::check(&checked, &external, &cfg).map_err(BuildError::Macros)?;
        let code = if self.component_crate {
            let name = component::library_name(self.base.as_deref());
            generate_component_crate(&checked, &platform, &external, &name)
                .map_err(BuildError::Generate)?
        } else {
            let mut code = generate_program(&checked, &platform, &external, &self.counts_crates)
                .map_err(BuildError::Generate)?;
            if let Some(root) = &self.sources {
                code.push_str(&library_only(root, self.base.as_deref()));
            }
            code
        };
        let output = match &self.output {
            Some(path) if path == Path::new(STDOUT) => {
                directives
                    .write_all(code.as_bytes())
                    .map_err(|error| BuildError::Write {
                        path: PathBuf::from(STDOUT),
                        error,
                    })?;
                PathBuf::from(STDOUT)
            }
            Some(path) if path.is_absolute() => {
                write_if_changed(path, &code)?;
                path.clone()
            }
            relative => {
                let out_dir = out_dir.clone().ok_or(BuildError::NoOutDir)?;
                let path = PathBuf::from(out_dir)
                    .join(relative.as_deref().unwrap_or(Path::new(OUTPUT_FILE)));
                write_if_changed(&path, &code)?;
                path
            }
        };
        // The linker fragment goes in OUT_DIR (else next to the code), which the linker searches. Code written to
        // standard output outside a build has no place for it unless a path was given.
        let to_stdout_only = output == Path::new(STDOUT) && out_dir.is_none();
        let linker_script = if self.write_linker_script
            && !self.component_crate
            && !(to_stdout_only && self.linker_script.is_none())
        {
            let base = match out_dir {
                Some(dir) => PathBuf::from(dir),
                None => output.parent().map_or_else(PathBuf::new, Path::to_path_buf),
            };
            let path = base.join(
                self.linker_script
                    .as_deref()
                    .unwrap_or(Path::new(LINKER_SCRIPT_FILE)),
            );
            let script =
                crate::linker::linker_script(&checked, &platform).map_err(BuildError::Generate)?;
            write_if_changed(&path, &script)?;
            Some(path)
        } else {
            None
        };
        // The macro uses the scan counted, for the macros to look themselves up in (build scripts only).
        let uses = output.with_extension("uses");
        if self.cargo_directives && output != Path::new(STDOUT) {
            let listing = uses_listing(self.sources.as_deref(), self.base.as_deref(), &external);
            write_if_changed(&uses, &listing)?;
        }
        let config = std::path::absolute(&self.config).unwrap_or_else(|_| self.config.clone());
        if self.cargo_directives {
            if let Some(dir) = linker_script.as_deref().and_then(Path::parent) {
                let _ = writeln!(
                    directives,
                    "cargo::rustc-link-search=native={}",
                    dir.display()
                );
            }
            if output != Path::new(STDOUT) {
                let _ = writeln!(directives, "cargo::rustc-env={USES_ENV}={}", uses.display());
            }
            let _ = writeln!(
                directives,
                "cargo::rustc-env={CONFIG_ENV}={}",
                config.display()
            );
            let _ = writeln!(directives, "cargo::rustc-env={PLATFORM_ENV}={platform}");
        }
        Ok(Generated {
            output,
            linker_script,
            platform,
            config,
        })
    }
}

/// The output path that means standard output.
const STDOUT: &str = "-";

/// Writes `text` to `path` unless it already holds it (so that an unchanged plan does not relink or recompile).
fn write_if_changed(path: &Path, text: &str) -> Result<(), BuildError> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|error| BuildError::Write {
        path: path.to_path_buf(),
        error,
    })
}

/// Where the platform name came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Selection {
    Builder,
    Environment,
    Default,
}

/// What [`Builder::generate`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Generated {
    /// The file written (or left as it was, if it already held the same code).
    pub output: PathBuf,
    /// The linker fragment written, `$OUT_DIR/flight-memory.x` (next to `output` outside a build script), unless
    /// [`Builder::write_linker_script`] turned it off.
    pub linker_script: Option<PathBuf>,
    /// The platform the code is for.
    pub platform: String,
    /// The memory plan, as an absolute path.
    pub config: PathBuf,
}

/// Why [`Builder::generate`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The plan could not be read.
    Read(ReadError),
    /// The plan has errors, or does not fit a platform: every one, with its location.
    Invalid(Diagnostics),
    /// The plan has several platforms, none marked `default = true`, and none was selected.
    NoPlatformSelected {
        /// The plan's file.
        file: String,
        /// Its platforms.
        platforms: Vec<String>,
    },
    /// The selected platform is not in the plan.
    UnknownPlatform {
        /// The plan's file.
        file: String,
        /// The name selected.
        name: String,
        /// The plan's platforms.
        platforms: Vec<String>,
        /// Whether the name came from [`PLATFORM_ENV`] (else from [`Builder::platform`]).
        from_environment: bool,
    },
    /// `OUT_DIR` is not set (not a build script) and the output path is relative.
    NoOutDir,
    /// The output could not be written.
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// Code generation failed.
    Generate(GenerateError),
    /// A source file of the crate could not be read or parsed while looking for `#[memory_pool]` and
    /// `buffer_bins!`.
    Scan(ScanError),
    /// Memory.toml's items and the macros' items together do not fit a region.
    Macros(MacrosOverBudget),
}

impl BuildError {
    /// One line per problem, as a build script prints them after `cargo::error=`: `memory.toml:LINE:COL:
    /// message` for the plan's errors.
    pub fn cargo_errors(&self) -> Vec<String> {
        let lines = match self {
            BuildError::Invalid(diagnostics) => diagnostics.short_lines(),
            BuildError::Macros(error) => error.lines(),
            other => vec![other.to_string()],
        };
        // A directive is one line.
        lines
            .into_iter()
            .map(|line| line.replace(['\r', '\n'], " "))
            .collect()
    }

    /// Prints the error as a build script should: a `cargo::error=` line per problem on `stdout` (cargo shows
    /// them and fails the build), and every diagnostic with its snippet (rustc style) on `stderr`.
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("flight-memory-gen-report-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let config = dir.join("memory.toml");
    /// std::fs::write(&config, "[platform]\nname = \"obc\"\nbudget = 1024\n[regions.ram]\nsize = 2048\n")?;
    /// let error = flight_memory_gen::Builder::new()
    ///     .config(&config)
    ///     .cargo_directives(false)
    ///     .generate()
    ///     .unwrap_err();
    /// let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    /// error.report(&mut stdout, &mut stderr)?;
    /// let stdout = String::from_utf8(stdout)?;
    /// assert!(stdout.starts_with("cargo::error="));
    /// assert!(stdout.contains("memory.toml:3:10: the regions of platform `obc` add up to 2048 bytes"));
    /// assert!(String::from_utf8(stderr)?.contains("raise `budget` of platform `obc`"));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// If writing fails.
    pub fn report(&self, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<()> {
        for line in self.cargo_errors() {
            writeln!(stdout, "cargo::error={line}")?;
        }
        stdout.flush()?;
        match self {
            BuildError::Invalid(diagnostics) => {
                stderr.write_all(diagnostics.render_plain().as_bytes())?
            }
            other => writeln!(stderr, "error: {other}")?,
        }
        stderr.flush()
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Read(error) => error.fmt(f),
            BuildError::Invalid(diagnostics) => diagnostics.fmt(f),
            BuildError::NoPlatformSelected { file, platforms } => write!(
                f,
                "{file} has several platforms ({}) and none is selected: set {PLATFORM_ENV}=NAME when building, \
                 mark one `default = true`, or call Builder::platform in build.rs",
                list_names(platforms.iter().map(String::as_str))
            ),
            BuildError::UnknownPlatform {
                file,
                name,
                platforms,
                from_environment,
            } => {
                let by = if *from_environment {
                    format!("{PLATFORM_ENV}={name} selects")
                } else {
                    "build.rs selects".to_string()
                };
                write!(
                    f,
                    "{by} platform `{name}`, which {file} does not have; its platforms are {}",
                    list_names(platforms.iter().map(String::as_str))
                )?;
                if let Some(close) = did_you_mean(name, platforms.iter().map(String::as_str)) {
                    write!(f, " (did you mean `{close}`?)")?;
                }
                Ok(())
            }
            BuildError::NoOutDir => f.write_str(
                "OUT_DIR is not set: run flight-memory-gen from a build script, or give Builder::output an \
                 absolute path",
            ),
            BuildError::Write { path, error } => {
                write!(f, "cannot write `{}`: {error}", path.display())
            }
            BuildError::Generate(error) => error.fmt(f),
            BuildError::Scan(error) => error.fmt(f),
            BuildError::Macros(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Read(error) => Some(error),
            BuildError::Invalid(diagnostics) => Some(diagnostics),
            BuildError::Write { error, .. } => Some(error),
            BuildError::Generate(error) => Some(error),
            BuildError::Scan(error) => Some(error),
            BuildError::Macros(error) => Some(error),
            _ => None,
        }
    }
}

/// The warnings for the predicates of `external`'s uses that a build script cannot decide.
fn undecided(external: &[ExternalTerm], cfg: &CfgValues) -> Vec<String> {
    let mut warnings = Vec::new();
    for term in external {
        for predicate in &term.cfg {
            if cfg.eval(predicate).is_none() {
                warnings.push(format!(
                    "{}: the build script cannot decide `#[cfg({predicate})]` of {}: it counts it in its totals; \
                     rustc counts it exactly when it compiles the use",
                    term.location, term.what
                ));
            }
        }
    }
    warnings
}

/// The listing of the uses the build script counted, for [`USES_ENV`]: `root FILE`, then one claim per line.
fn uses_listing(root: Option<&Path>, base: Option<&Path>, external: &[ExternalTerm]) -> String {
    let mut listing = String::new();
    if let Some(root) = root {
        listing.push_str(&format!("root {}\n", key_file(root, base)));
    }
    for claim in external.iter().filter_map(|t| t.claim.as_deref()) {
        listing.push_str(claim);
        listing.push('\n');
    }
    listing
}

/// When the scan starts at a library's root, the code is the library's: a binary of the package that includes
/// it too would reserve memory.toml's items twice, so it does not compile.
fn library_only(root: &Path, base: Option<&Path>) -> String {
    let file = key_file(root, base);
    if !file.ends_with("lib.rs") {
        return String::new();
    }
    let message = format!(
        "flight_memory::include_memory!() is in a binary of a package whose library ({file}) has the memory plan: \
         including it again would reserve every item of memory.toml twice. Include it once, in the library, and \
         write `use LIBRARY_NAME::memory;` in the binary; declare #[memory_pool] and buffer_bins! in the library too"
    );
    format!(
        "\n// The plan belongs to the library (the build script scanned {file}): a binary of the package uses the \
         library's `memory`.\nconst _: () = if ::core::option_env!(\"CARGO_BIN_NAME\").is_some() {{\n    \
         ::core::panic!({message:?});\n}};\n"
    )
}

#[cfg(test)]
mod tests;
