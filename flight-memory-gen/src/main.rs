//! `flight-memory-gen`: check a memory.toml file, report its layout, generate its Rust code and linker
//! fragment, and verify a linked image against it.
//!
//! Exit status: 0 when the file is fine, 1 when it has errors (printed on stderr), 2 for usage errors
//! (including an unknown or unselected platform) and files that cannot be read or written.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod cli_verify;
use flight_memory_gen::layout::PlatformLayout;
use flight_memory_gen::size::display_size;
use flight_memory_gen::{Analysis, BuildError, Builder, report};

mod macro_uses;

/// Check memory.toml plans, show their layout, and generate their Rust code.
#[derive(Parser)]
#[command(name = "flight-memory-gen", version, about)]
struct Cli {
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = Colour::Auto, global = true)]
    color: Colour,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check FILE for every platform; print every error with its location and a hint.
    Check {
        /// The memory.toml file.
        file: PathBuf,
        /// Also scan this crate's sources (its `src/lib.rs` or `src/main.rs` and the modules they reach) for
        /// `#[memory_pool]` and `buffer_bins!`, as its build script does, and add what is known of them.
        #[arg(long = "crate", value_name = "DIR")]
        krate: Option<PathBuf>,
    },
    /// Show how FILE's items fit their regions: a table, JSON for CI, or an SVG memory map.
    Report {
        /// The memory.toml file.
        file: PathBuf,
        /// Report only this platform (default: every platform).
        #[arg(long, short)]
        platform: Option<String>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also scan this crate's sources for `#[memory_pool]` and `buffer_bins!`, as its build script does, and
        /// show each use under its region with what is known of its size (`≥`: rustc adds the rest).
        #[arg(long = "crate", value_name = "DIR")]
        krate: Option<PathBuf>,
    },
    /// Generate the Rust code of FILE for one platform (the file `flight_memory::include_memory!()`
    /// includes) and/or its linker fragment, as a build script does.
    Generate {
        /// The memory.toml file.
        file: PathBuf,
        /// The platform (default: $FLIGHT_MEMORY_PLATFORM, else the only platform or the one marked
        /// `default = true`).
        #[arg(long, short)]
        platform: Option<String>,
        /// Where to write the code (`-`, the default unless only --linker-script is given: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Where to write the linker fragment (`flight-memory.x`), with or without --output.
        #[arg(long, value_name = "OUT.x")]
        linker_script: Option<PathBuf>,
    },
    /// Check a linked ELF image against the plan: each region's section exists, is NOLOAD, lies inside its
    /// origin range and fits the region; each item's storage lies in its region's section. Exit 1 with one
    /// line per violation.
    Verify {
        /// The linked image (ELF).
        elf: PathBuf,
        /// The memory.toml it was built from (default: the nearest memory.toml in a directory above ELF).
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// The platform it was built for (default: the plan's only or default platform).
        #[arg(long, short)]
        platform: Option<String>,
        /// The crate root scanned for buffer_bins! (default: src/main.rs, else src/lib.rs, next to the plan).
        #[arg(long)]
        sources: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Per-region tables with fill bars.
    Text,
    /// JSON (shape documented in the README).
    Json,
    /// An SVG memory map.
    Svg,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Colour {
    /// Colour when stderr is a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Exit statuses.
const CONFIG_ERRORS: u8 = 1;
const USAGE_OR_IO: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { file, krate } => check(&file, krate.as_deref(), cli.color),
        Command::Report {
            file,
            platform,
            format,
            krate,
        } => report(
            &file,
            platform.as_deref(),
            format,
            krate.as_deref(),
            cli.color,
        ),
        Command::Generate {
            file,
            platform,
            output,
            linker_script,
        } => generate(&file, platform, output, linker_script, cli.color),
        Command::Verify {
            elf,
            config,
            platform,
            sources,
        } => cli_verify::run(&elf, config, platform, sources),
    }
}

fn load(file: &PathBuf) -> Result<Analysis, ExitCode> {
    Analysis::of_file(file).map_err(|error| {
        eprintln!("error: {error}");
        ExitCode::from(USAGE_OR_IO)
    })
}

fn print_errors(analysis: &Analysis, colour: Colour) {
    print_diagnostics(&analysis.errors(), colour);
}

fn print_diagnostics(errors: &flight_memory_gen::Diagnostics, colour: Colour) {
    let colour = match colour {
        Colour::Always => true,
        Colour::Never => false,
        Colour::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(errors.render(colour).as_bytes());
    let _ = stderr.flush();
}

fn check(file: &PathBuf, krate: Option<&std::path::Path>, colour: Colour) -> ExitCode {
    let analysis = match load(file) {
        Ok(analysis) => analysis,
        Err(code) => return code,
    };
    if analysis.has_errors() {
        print_errors(&analysis, colour);
        return ExitCode::from(CONFIG_ERRORS);
    }
    let layouts = analysis.layouts();
    println!(
        "{}: ok, {} platform{} checked",
        file.display(),
        layouts.len(),
        if layouts.len() == 1 { "" } else { "s" }
    );
    for layout in layouts {
        println!("  {}", summary(layout));
    }
    for layout in layouts.iter().take(1) {
        for region in &layout.regions {
            for term in &region.used.terms {
                println!(
                    "  unknown here: {} x `{}` in region `{}`, whose size only rustc knows (checked when the crate builds)",
                    term.count, term.type_path, region.name.value
                );
            }
        }
    }
    match krate {
        Some(dir) => macro_uses::check(file, dir),
        None => {
            println!(
                "  not scanned: #[memory_pool] and buffer_bins! in a crate's sources (give --crate DIR to add them)"
            );
            ExitCode::SUCCESS
        }
    }
}

fn summary(layout: &PlatformLayout) -> String {
    let used = layout.used();
    let exact = if used.is_exact() {
        ""
    } else {
        " + sizes of `type` pools"
    };
    format!(
        "{}: regions {} of budget {}, items use {}{exact}",
        layout.platform.value,
        layout.regions_size().map_or("?".to_string(), display_size),
        display_size(layout.budget.value),
        display_size(used.bytes)
    )
}

fn report(
    file: &PathBuf,
    platform: Option<&str>,
    format: Format,
    krate: Option<&std::path::Path>,
    colour: Colour,
) -> ExitCode {
    let uses = match krate.map(macro_uses::scan) {
        None => Vec::new(),
        Some(Ok(uses)) => uses,
        Some(Err(code)) => return code,
    };
    let analysis = match load(file) {
        Ok(analysis) => analysis,
        Err(code) => return code,
    };
    if !analysis.model_is_complete() {
        print_errors(&analysis, colour);
        return ExitCode::from(CONFIG_ERRORS);
    }
    let layouts: Vec<&PlatformLayout> = match platform {
        None => analysis.layouts().iter().collect(),
        Some(name) => match analysis.layouts().iter().find(|l| l.platform.value == name) {
            Some(layout) => vec![layout],
            None => {
                let names: Vec<&str> = analysis
                    .layouts()
                    .iter()
                    .map(|l| l.platform.value.as_str())
                    .collect();
                eprintln!(
                    "error: {} has no platform `{name}`; its platforms are {}",
                    file.display(),
                    flight_memory_gen::naming::list_names(names)
                );
                return ExitCode::from(USAGE_OR_IO);
            }
        },
    };
    let output = match format {
        Format::Text => report::text_with_uses(&layouts, &uses),
        Format::Json => report::json_with_uses(&layouts, &analysis.errors(), &uses),
        Format::Svg => report::svg_with_uses(&layouts, &uses),
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::from(USAGE_OR_IO);
    }
    if analysis.has_errors() {
        print_errors(&analysis, colour);
        return ExitCode::from(CONFIG_ERRORS);
    }
    ExitCode::SUCCESS
}

fn generate(
    file: &PathBuf,
    platform: Option<String>,
    output: Option<PathBuf>,
    linker_script: Option<PathBuf>,
    colour: Colour,
) -> ExitCode {
    // Relative to the working directory (a build script's relative outputs are relative to OUT_DIR).
    let absolute = |path: PathBuf| std::path::absolute(&path).unwrap_or(path);
    let linker_script = linker_script.map(absolute);
    let output = match output {
        // `--linker-script` alone: the fragment only.
        None if linker_script.is_some() => {
            let script = linker_script.unwrap_or_default();
            return generate_linker_script(file, platform, &script, colour);
        }
        None => PathBuf::from("-"),
        Some(path) if path.as_os_str() == "-" => path,
        Some(path) => absolute(path),
    };
    let to_stdout = output.as_os_str() == "-";
    let mut builder = Builder::new();
    builder.config(file).output(&output).cargo_directives(false);
    match &linker_script {
        Some(script) => builder.linker_script(script),
        None => builder.write_linker_script(false),
    };
    if let Some(platform) = platform {
        builder.platform(platform);
    }
    match builder.generate() {
        Ok(_) if to_stdout => ExitCode::SUCCESS,
        Ok(generated) => {
            let script = generated
                .linker_script
                .map(|s| format!(" and `{}`", s.display()))
                .unwrap_or_default();
            println!(
                "{}: generated `{}`{script} for platform `{}`",
                file.display(),
                output.display(),
                generated.platform
            );
            ExitCode::SUCCESS
        }
        Err(error) => build_error(error, colour),
    }
}

/// `generate FILE --linker-script OUT.x` without `--output`: the fragment only.
fn generate_linker_script(
    file: &PathBuf,
    platform: Option<String>,
    script: &PathBuf,
    colour: Colour,
) -> ExitCode {
    let analysis = match load(file) {
        Ok(analysis) => analysis,
        Err(code) => return code,
    };
    let checked = match analysis.into_result() {
        Ok(checked) => checked,
        Err(errors) => return build_error(BuildError::Invalid(errors), colour),
    };
    let platform = platform
        .or_else(|| {
            std::env::var(flight_memory_gen::PLATFORM_ENV)
                .ok()
                .filter(|p| !p.is_empty())
        })
        .or_else(|| {
            checked
                .config()
                .default_platform()
                .map(|p| p.name.value.clone())
        });
    let Some(platform) = platform else {
        eprintln!(
            "error: {} has several platforms and none is selected: give --platform NAME",
            file.display()
        );
        return ExitCode::from(USAGE_OR_IO);
    };
    let text = match flight_memory_gen::linker_script(&checked, &platform) {
        Ok(text) => text,
        Err(error) => return build_error(BuildError::Generate(error), colour),
    };
    if let Err(error) = std::fs::write(script, text) {
        eprintln!("error: cannot write `{}`: {error}", script.display());
        return ExitCode::from(USAGE_OR_IO);
    }
    println!(
        "{}: generated `{}` for platform `{}`",
        file.display(),
        script.display(),
        platform
    );
    ExitCode::SUCCESS
}

fn build_error(error: BuildError, colour: Colour) -> ExitCode {
    match error {
        BuildError::Invalid(errors) => {
            print_diagnostics(&errors, colour);
            ExitCode::from(CONFIG_ERRORS)
        }
        error => {
            eprintln!("error: {error}");
            ExitCode::from(USAGE_OR_IO)
        }
    }
}
