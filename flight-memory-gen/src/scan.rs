//! The scan of a crate's sources for `#[memory_pool]` and `buffer_bins!` (flight-memory-macros): each use that
//! declares static memory becomes an [`ExternalTerm`] of its region's ledger, so that the generated code counts
//! it in the budget with the items of memory.toml.
//!
//! The scan starts at the crate's root file (`src/lib.rs`, `src/main.rs`) and follows `mod NAME;` to
//! `NAME.rs` or `NAME/mod.rs` as rustc does, and inline `mod NAME { ... }`. It reads module-level items only.
//! What it cannot see (a use inside a function body, in a file reached through `#[path]`, or produced by
//! another macro) is not a hole in the budget: each expansion asserts at compile time that the ledger has its
//! term, with the same count and size, so an unscanned use fails to compile with a message saying so.
//!
//! Keys are `memory_pool:PATH::Type` and `buffer_bins:PATH::NAME`, `PATH` being the module path from the crate
//! root (empty at the root), which the expansion rebuilds from `module_path!()`.
//!
//! ```
//! let source = r#"
//!     #[memory_pool(count = 64, region = "sram")]
//!     pub struct Packet { bytes: [u8; 100] }
//!     pub mod radio {
//!         flight_memory_macros::buffer_bins! {
//!             pub static UPLINK: in "sram" { 128 x 32, 1024 x 16 }
//!         }
//!     }
//! "#;
//! let terms = flight_memory_gen::scan_source(source, "src/lib.rs").unwrap();
//! assert_eq!(terms[0].key, "memory_pool:Packet");
//! assert_eq!(terms[0].region, "sram");
//! assert_eq!(terms[1].key, "buffer_bins:radio::UPLINK");
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Item, LitInt, LitStr, Token};

use crate::codegen::ExternalTerm;

/// The path of the runtime's hidden module, as the terms' types name it.
const RUNTIME: &str = "::flight_memory::__private_v0_1";

/// The prefix of a `#[memory_pool]` term's key.
pub const MEMORY_POOL_KEY: &str = "memory_pool:";
/// The prefix of a `buffer_bins!` term's key.
pub const BUFFER_BINS_KEY: &str = "buffer_bins:";

/// A crate source that could not be read or parsed.
#[derive(Debug)]
#[non_exhaustive]
pub struct ScanError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "scanning {} for flight-memory macros: {}",
            self.path.display(),
            self.message
        )
    }
}

impl std::error::Error for ScanError {}

/// Scans the crate whose root file is `root` (e.g. `src/main.rs`) and every module file it reaches.
///
/// Locations in the terms are `root`'s directory-relative paths as given (`src/radio.rs`).
///
/// # Errors
///
/// A [`ScanError`] if the root file cannot be read, or a file does not parse as Rust. A `mod NAME;` whose file
/// does not exist is skipped (it may be configured out).
pub fn scan_crate(root: impl AsRef<Path>) -> Result<Vec<ExternalTerm>, ScanError> {
    let root = root.as_ref();
    let mut terms = Vec::new();
    let dir = root.parent().unwrap_or(Path::new("")).to_path_buf();
    scan_file(root, &dir, &[], &mut terms)?;
    Ok(terms)
}

/// Scans the source text of one crate root file, labelled `file` in the terms' locations, without following
/// `mod NAME;`.
///
/// # Errors
///
/// A [`ScanError`] if the text does not parse as Rust.
pub fn scan_source(text: &str, file: &str) -> Result<Vec<ExternalTerm>, ScanError> {
    let parsed = syn::parse_file(text).map_err(|error| ScanError {
        path: PathBuf::from(file),
        message: error.to_string(),
    })?;
    let mut terms = Vec::new();
    let mut scan = Scan {
        file,
        dir: None,
        terms: &mut terms,
    };
    scan.items(&parsed.items, &[])?;
    Ok(terms)
}

fn scan_file(
    path: &Path,
    child_dir: &Path,
    module: &[String],
    terms: &mut Vec<ExternalTerm>,
) -> Result<(), ScanError> {
    let text = std::fs::read_to_string(path).map_err(|error| ScanError {
        path: path.to_path_buf(),
        message: error.to_string(),
    })?;
    let parsed = syn::parse_file(&text).map_err(|error| ScanError {
        path: path.to_path_buf(),
        message: error.to_string(),
    })?;
    let file = path.display().to_string();
    let mut scan = Scan {
        file: &file,
        dir: Some(child_dir.to_path_buf()),
        terms,
    };
    scan.items(&parsed.items, module)
}

struct Scan<'a> {
    /// The file, for locations.
    file: &'a str,
    /// Where `mod NAME;` files of the current module are, if they are followed.
    dir: Option<PathBuf>,
    terms: &'a mut Vec<ExternalTerm>,
}

impl Scan<'_> {
    fn items(&mut self, items: &[Item], module: &[String]) -> Result<(), ScanError> {
        for item in items {
            match item {
                Item::Struct(item) if item.generics.params.is_empty() => {
                    for attr in &item.attrs {
                        if let Some(term) = self.memory_pool(attr, &item.ident, module) {
                            self.terms.push(term);
                        }
                    }
                }
                Item::Macro(item) if is_named(&item.mac.path, "buffer_bins") => {
                    if let Ok(decls) = item.mac.parse_body::<Declarations>() {
                        for decl in decls.0 {
                            self.terms.push(self.buffer_bins(&decl, module));
                        }
                    }
                }
                Item::Mod(item) => {
                    let mut inner = module.to_vec();
                    inner.push(item.ident.to_string());
                    let name = item.ident.to_string();
                    match &item.content {
                        Some((_, items)) => {
                            let saved = self.dir.clone();
                            self.dir = saved.as_ref().map(|d| d.join(&name));
                            self.items(items, &inner)?;
                            self.dir = saved;
                        }
                        None => {
                            if has_path_attribute(&item.attrs) {
                                continue;
                            }
                            if let Some(dir) = &self.dir {
                                let flat = dir.join(format!("{name}.rs"));
                                let nested = dir.join(&name).join("mod.rs");
                                if flat.is_file() {
                                    scan_file(&flat, &dir.join(&name), &inner, self.terms)?;
                                } else if nested.is_file() {
                                    scan_file(&nested, &dir.join(&name), &inner, self.terms)?;
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn memory_pool(
        &self,
        attr: &Attribute,
        ident: &syn::Ident,
        module: &[String],
    ) -> Option<ExternalTerm> {
        if !is_named(attr.path(), "memory_pool") {
            return None;
        }
        let mut count = None;
        let mut region = None;
        let mut bound = false;
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("count") {
                count = Some(meta.value()?.parse::<LitInt>()?.base10_parse::<u64>()?);
            } else if meta.path.is_ident("region") {
                region = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("pool") {
                bound = true;
                let _ = meta.value()?.parse::<LitStr>()?;
            } else {
                return Err(meta.error("unknown"));
            }
            Ok(())
        })
        .ok()?;
        // A type bound to a pool of memory.toml is counted there.
        if bound {
            return None;
        }
        let (count, region) = (count?, region?);
        let path = relative_path(module, &ident.to_string());
        let mut term = ExternalTerm::new(
            format!("{MEMORY_POOL_KEY}{path}"),
            format!("#[memory_pool] on `{ident}`"),
            self.file.to_string(),
            region,
            // The pool's state and its slots, two statics (as the macro declares them).
            format!("{RUNTIME}::TypedPoolAndSlots<crate::{path}, {count}>"),
            1,
        );
        term.min_align = 1;
        Some(term)
    }

    fn buffer_bins(&self, decl: &Declaration, module: &[String]) -> ExternalTerm {
        let path = relative_path(module, &decl.name.to_string());
        let align = decl.align.map_or_else(
            || "::flight_memory::DEFAULT_BUFFER_ALIGNMENT".to_string(),
            |a| a.to_string(),
        );
        let bins: Vec<String> = decl
            .bins
            .iter()
            .map(|(size, count)| format!("{RUNTIME}::Bin::new({size}, {count})"))
            .collect();
        let buffers: u64 = decl.bins.iter().map(|(_, count)| count).sum();
        let table = format!(
            "{RUNTIME}::BinTable::<{}>::with_alignment([{}], {align})",
            decl.bins.len(),
            bins.join(", ")
        );
        let type_path = format!(
            "({RUNTIME}::BufferManager<'static>, {RUNTIME}::BufferState<{}, {buffers}>, \
             {RUNTIME}::BufferStorage<{{ {table}.storage_size() }}, {{ {table}.alignment() }}>)",
            decl.bins.len()
        );
        ExternalTerm::new(
            format!("{BUFFER_BINS_KEY}{path}"),
            format!("buffer_bins! `{}`", decl.name),
            self.file.to_string(),
            decl.region.clone(),
            type_path,
            1,
        )
    }
}

/// `a::b::Name`, or `Name` at the crate root.
fn relative_path(module: &[String], name: &str) -> String {
    let mut path = module.join("::");
    if !path.is_empty() {
        path.push_str("::");
    }
    path.push_str(name);
    path
}

fn is_named(path: &syn::Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}

fn has_path_attribute(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("path"))
}

/// The declarations of one `buffer_bins!`, read leniently: the macro reports what is wrong.
struct Declarations(Vec<Declaration>);

struct Declaration {
    name: syn::Ident,
    region: String,
    align: Option<u64>,
    bins: Vec<(u64, u64)>,
}

impl Parse for Declarations {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut decls = Vec::new();
        while !input.is_empty() {
            let _ = input.call(Attribute::parse_outer)?;
            let _: syn::Visibility = input.parse()?;
            let _: Token![static] = input.parse()?;
            let name: syn::Ident = input.parse()?;
            let _: Token![:] = input.parse()?;
            let _: Token![in] = input.parse()?;
            let region: LitStr = input.parse()?;
            let mut align = None;
            while !input.peek(syn::token::Brace) {
                let option: syn::Ident = input.parse()?;
                if option == "align" {
                    align = Some(input.parse::<LitInt>()?.base10_parse()?);
                } else {
                    // `id N`, `spill_over BOOL`: not part of the footprint.
                    let _ = syn::Expr::parse_without_eager_brace(input)?;
                }
            }
            let content;
            syn::braced!(content in input);
            let pairs = Punctuated::<Pair, Token![,]>::parse_terminated(&content)?;
            decls.push(Declaration {
                name,
                region: region.value(),
                align,
                bins: pairs.into_iter().map(|p| (p.0, p.1)).collect(),
            });
            let _ = input.parse::<Option<Token![;]>>()?;
        }
        Ok(Declarations(decls))
    }
}

struct Pair(u64, u64);

impl Parse for Pair {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let size = input.parse::<LitInt>()?.base10_parse()?;
        let x: syn::Ident = input.parse()?;
        if x != "x" {
            return Err(syn::Error::new(x.span(), "expected `x`"));
        }
        let count = input.parse::<LitInt>()?.base10_parse()?;
        Ok(Pair(size, count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_module_files_and_inline_modules() {
        let dir = std::env::temp_dir().join(format!("fm-scan-{}", std::process::id()));
        let src = dir.join("src");
        std::fs::create_dir_all(src.join("radio")).unwrap();
        std::fs::write(
            src.join("lib.rs"),
            "mod tlm; mod radio; mod missing; #[path = \"x.rs\"] mod other;\n\
             pub mod inner { pub mod deeper { #[memory_pool(count = 2, region = \"dtcm\")] pub struct Cmd; } }",
        )
        .unwrap();
        std::fs::write(
            src.join("tlm.rs"),
            "#[memory_pool(count = 64, region = \"sram\")]\npub struct Packet { b: [u8; 100] }\n\
             #[memory_pool(pool = \"telemetry_packet\")] pub struct Bound;\n\
             #[memory_pool(count = 4, region = \"sram\")] pub struct Generic<T>(T);\n\
             fn f() { buffer_bins! { static LOCAL: in \"sram\" { 64 x 4 } } }",
        )
        .unwrap();
        std::fs::write(
            src.join("radio/mod.rs"),
            "mod link;\nbuffer_bins! { pub static UPLINK: in \"sram\" align 64 id 3 { 128 x 32, 1024 x 16 } \
             static DMA: in \"dtcm\" { 512 x 2 } }",
        )
        .unwrap();
        std::fs::write(
            src.join("radio/link.rs"),
            "#[flight_memory_macros::memory_pool(count = 3, region = \"sram\")] struct Frame(u32);",
        )
        .unwrap();
        let terms = scan_crate(src.join("lib.rs")).unwrap();
        let keys: Vec<&str> = terms.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "memory_pool:tlm::Packet",
                "memory_pool:radio::link::Frame",
                "buffer_bins:radio::UPLINK",
                "buffer_bins:radio::DMA",
                "memory_pool:inner::deeper::Cmd",
            ]
        );
        assert_eq!(
            terms[0].type_path,
            "::flight_memory::__private_v0_1::TypedPoolAndSlots<crate::tlm::Packet, 64>"
        );
        assert_eq!((terms[0].region.as_str(), terms[0].count), ("sram", 1));
        assert!(terms[2].type_path.contains("BufferState<2, 48>"));
        assert!(terms[2].type_path.contains("], 64)"));
        assert!(terms[3].type_path.contains("DEFAULT_BUFFER_ALIGNMENT"));
        assert_eq!(terms[4].region, "dtcm");
        assert!(terms[1].location.ends_with("link.rs"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unparsable_sources_are_errors_and_bad_uses_are_left_to_the_macro() {
        assert!(scan_source("fn (", "src/lib.rs").is_err());
        let terms = scan_source(
            "#[memory_pool(cuont = 1, region = \"sram\")] struct A;\n\
             #[memory_pool(region = \"sram\")] struct B;\n\
             buffer_bins! { static X: in \"sram\" { 0 y 1 } }",
            "src/lib.rs",
        )
        .unwrap();
        assert!(terms.is_empty());
    }
}
