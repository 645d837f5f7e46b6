//! The builder's options for a program of several crates: a component crate's build script, and the crates
//! whose macro uses a program counts (see `codegen::component_crate` for the code each writes).

use std::io;
use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::Builder;

/// The build script of a component crate: [`build`](crate::build) with [`Builder::component_crate`]. The crate's
/// `#[memory_pool]` and `buffer_bins!` uses are checked with memory.toml's items and counted by the program
/// that links the crate ([`Builder::counts_crates`]); on error it prints the diagnostics and exits with status 1.
///
/// ```no_run
/// // build.rs of a component crate of a workspace whose .cargo/config.toml sets FLIGHT_MEMORY_CONFIG
/// fn main() {
///     flight_memory_gen::build_component_crate(std::env::var("FLIGHT_MEMORY_CONFIG").unwrap());
/// }
/// ```
pub fn build_component_crate(config: impl AsRef<Path>) {
    if let Err(error) = Builder::new().config(config).component_crate().generate() {
        let _ = error.report(&mut io::stdout().lock(), &mut io::stderr().lock());
        std::process::exit(1);
    }
}

impl Builder {
    /// The component crates of the program whose `#[memory_pool]` and `buffer_bins!` this plan counts, by the
    /// names the program's code uses for them (`payload` for `use payload::...`). Each must be a dependency of
    /// the crate, built with [`component_crate`](Builder::component_crate) from the same memory.toml: every
    /// region's ledger adds the sizes of its uses, on every platform, and a region over its size is a compile
    /// error that lists them with their files and lines.
    ///
    /// A crate whose macro uses the program links without counting them fails to link: the linker reports the
    /// undefined name `flight_memory_budget_does_not_count_crate_NAME` ([`counted_crate_symbol`](crate::counted_crate_symbol)).
    ///
    /// ```no_run
    /// // build.rs of the flight software's binary
    /// flight_memory_gen::Builder::new()
    ///     .config(std::env::var("FLIGHT_MEMORY_CONFIG").unwrap())
    ///     .counts_crates(["payload", "comms"])
    ///     .generate()?;
    /// # Ok::<(), flight_memory_gen::BuildError>(())
    /// ```
    pub fn counts_crates<I>(&mut self, crates: I) -> &mut Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.counts_crates
            .extend(crates.into_iter().map(Into::into));
        self
    }

    /// Makes this crate a component crate of a program: a library that declares memory with
    /// `#[memory_pool]` and `buffer_bins!` but does not own the plan. Its build script writes no items of
    /// memory.toml and no linker fragment, only the terms of its macro uses, which the program that links it
    /// counts ([`counts_crates`](Builder::counts_crates)); `include_memory!()` at the crate root includes them as
    /// usual. Each use is still checked at compile time with memory.toml's own items on every platform, so a
    /// use that cannot fit fails in the component crate. The crate's name is its library's, as other crates'
    /// code writes it: `[lib] name`, else the package's name with `-` as `_`.
    ///
    /// ```no_run
    /// // build.rs of a component crate
    /// flight_memory_gen::Builder::new()
    ///     .config(std::env::var("FLIGHT_MEMORY_CONFIG").unwrap())
    ///     .component_crate()
    ///     .generate()?;
    /// # Ok::<(), flight_memory_gen::BuildError>(())
    /// ```
    pub fn component_crate(&mut self) -> &mut Self {
        self.component_crate = true;
        self
    }
}

/// The name other crates' code uses for this crate's library: `[lib] name` in the manifest of the crate in `dir`
/// (`CARGO_MANIFEST_DIR`), else the package's name (`CARGO_PKG_NAME`), whose `-` the program writes `_`.
pub(super) fn library_name(dir: Option<&Path>) -> String {
    let manifest = dir.and_then(|dir| std::fs::read_to_string(dir.join("Cargo.toml")).ok());
    let lib_name = manifest.as_deref().and_then(|text| {
        let manifest = DeTable::parse(text).ok()?;
        let DeValue::Table(lib) = manifest.get_ref().get("lib")?.get_ref() else {
            return None;
        };
        match lib.get("name")?.get_ref() {
            DeValue::String(name) => Some(name.to_string()),
            _ => None,
        }
    });
    lib_name.unwrap_or_else(|| std::env::var("CARGO_PKG_NAME").unwrap_or_default())
}
