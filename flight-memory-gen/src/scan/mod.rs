//! The scan of a crate's sources for `#[memory_pool]` and `buffer_bins!` (flight-memory-macros): each use that
//! declares static memory becomes an [`ExternalTerm`] of its region's ledger, so that the generated code counts
//! it in the budget with the items of memory.toml.
//!
//! The scan starts at the crate's root file (`src/lib.rs`, `src/main.rs`) and follows `mod NAME;` to `NAME.rs`
//! or `NAME/mod.rs` as rustc does (and `#[path = "..."]`), and walks everything syn parses: inline modules,
//! function bodies, impl and trait blocks, blocks and closures. It does not look inside other macros' input.
//!
//! **Keyed by location.** Each use is keyed by where it is: the file (relative to the crate's directory), and
//! the line and column of its name (the struct's name for `#[memory_pool]`, the static's for `buffer_bins!`),
//! which the macro reads from the same token's span when it expands. The generated code declares one type per
//! use, named after it ([`claim_name`], e.g. `UPLINK_at_src_radio_rs_12_16`), and the expansion implements the
//! runtime's `Counted` trait for that type, giving its size. So
//!
//! * a use the scan did not see (made by another macro, in a file it does not reach) names a type that does not
//!   exist: a compile error at the use;
//! * two expansions of one use (a file included twice, an attribute macro that repeats its input) implement
//!   the trait twice for one type: a compile error (E0119) naming the use;
//! * a use the scan saw that is not compiled leaves the type without its size, which the ledger needs: a
//!   compile error, unless the use is behind `#[cfg]`, which the generated code repeats on the ledger's term
//!   (rustc decides each predicate exactly as it does for the use itself).
//!
//! ```
//! let source = r#"
//!     #[memory_pool(count = 64, region = "sram")]
//!     pub struct Packet { bytes: [u8; 100] }
//!     pub mod radio {
//!         #[cfg(feature = "radio")]
//!         flight_memory_macros::buffer_bins! {
//!             pub static UPLINK: in "sram" { 128 x 32, 1024 x 16 }
//!         }
//!     }
//! "#;
//! let terms = flight_memory_gen::scan_source(source, "src/lib.rs").unwrap();
//! assert_eq!(terms[0].key, "src/lib.rs:3:16");
//! assert_eq!(terms[0].claim.as_deref(), Some("Packet_at_src_lib_rs_3_16"));
//! assert_eq!(terms[1].location, "src/lib.rs:7:24");
//! assert_eq!(terms[1].cfg, ["feature = \"radio\""]);
//! ```

mod cfg;
mod syntax;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use proc_macro2::Span;
use syn::visit::{self, Visit};
use syn::{Attribute, Item};

pub use cfg::CfgValues;
use syntax::{Declaration, Declarations, PoolArgs};

use crate::codegen::ExternalTerm;

/// The prefix of a `#[memory_pool]` term's `what`.
pub const MEMORY_POOL_KEY: &str = "#[memory_pool]";
/// The prefix of a `buffer_bins!` term's `what`.
pub const BUFFER_BINS_KEY: &str = "buffer_bins!";

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

/// The name of the type the generated code declares for the use named `name` at `file:line:column` (column
/// from 1), which the use's expansion claims: `UPLINK_at_src_radio_rs_12_16`. The macro computes it from its
/// token's span, the scan from its syntax tree; both call this function.
///
/// ```
/// assert_eq!(flight_memory_gen::claim_name("r#Type", "src/a-b.rs", 3, 1), "Type_at_src_a_b_rs_3_1");
/// ```
pub fn claim_name(name: &str, file: &str, line: usize, column: usize) -> String {
    let name = name.strip_prefix("r#").unwrap_or(name);
    let file: String = file
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{name}_at_{file}_{line}_{column}")
}

/// The file part of a use's key: `path` relative to `base` with `/` separators if it is inside `base`, else
/// `path` as given. The macro and the scan both call it (the macro with `CARGO_MANIFEST_DIR`).
///
/// ```
/// use std::path::Path;
/// let file = flight_memory_gen::key_file(Path::new("/w/app/src/radio.rs"), Some(Path::new("/w/app")));
/// assert_eq!(file, "src/radio.rs");
/// ```
pub fn key_file(path: &Path, base: Option<&Path>) -> String {
    let relative = base.and_then(|base| match path.strip_prefix(base) {
        Ok(relative) => Some(relative.to_path_buf()),
        Err(_) => {
            let (path, base) = (path.canonicalize().ok()?, base.canonicalize().ok()?);
            path.strip_prefix(&base).ok().map(Path::to_path_buf)
        }
    });
    let path = relative.as_deref().unwrap_or(path);
    let parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let joined = parts.join("/");
    // An absolute Unix path starts with the root component `/`, joined as `//`.
    match joined.strip_prefix("//") {
        Some(rest) => format!("/{rest}"),
        None => joined,
    }
}

/// Scans the crate whose root file is `root` (e.g. `src/main.rs`) and every module file it reaches. Keys and
/// locations name files relative to `base` (the crate's directory, `CARGO_MANIFEST_DIR`), or as given if they
/// are not inside it.
///
/// # Errors
///
/// A [`ScanError`] if the root file cannot be read, or a file does not parse as Rust. A `mod NAME;` whose file
/// does not exist is skipped (it may be configured out; if it is compiled, rustc reports it).
pub fn scan_crate(
    root: impl AsRef<Path>,
    base: Option<&Path>,
) -> Result<Vec<ExternalTerm>, ScanError> {
    let root = root.as_ref();
    let mut scanner = Scanner {
        base: base.map(Path::to_path_buf),
        visited: HashSet::new(),
        terms: Vec::new(),
    };
    let dir = root.parent().unwrap_or(Path::new("")).to_path_buf();
    scanner.file(root, &dir, &[])?;
    Ok(scanner.terms)
}

/// Scans the source text of one crate root file, labelled `file` in the terms' keys, without following
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
    let mut scanner = Scanner {
        base: None,
        visited: HashSet::new(),
        terms: Vec::new(),
    };
    let mut visitor = Visitor {
        scanner: &mut scanner,
        file: file.to_string(),
        dir: None,
        cfg: Vec::new(),
        pending: Vec::new(),
    };
    visitor.visit_file(&parsed);
    Ok(scanner.terms)
}

struct Scanner {
    base: Option<PathBuf>,
    /// Files already scanned: a file reached twice (`#[path]`) is counted once, and its two expansions are
    /// then refused by rustc (E0119).
    visited: HashSet<PathBuf>,
    terms: Vec<ExternalTerm>,
}

impl Scanner {
    /// Scans the file at `path`, whose `mod NAME;` files are in `child_dir`, under the `cfg` predicates of
    /// the `mod` that reached it.
    fn file(&mut self, path: &Path, child_dir: &Path, cfg: &[String]) -> Result<(), ScanError> {
        let identity = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if !self.visited.insert(identity) {
            return Ok(());
        }
        let text = std::fs::read_to_string(path).map_err(|error| ScanError {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        let parsed = syn::parse_file(&text).map_err(|error| ScanError {
            path: path.to_path_buf(),
            message: format!("{error} (line {})", error.span().start().line),
        })?;
        let file = key_file(path, self.base.as_deref());
        let mut visitor = Visitor {
            scanner: self,
            file,
            dir: Some(child_dir.to_path_buf()),
            cfg: cfg.to_vec(),
            pending: Vec::new(),
        };
        visitor.visit_file(&parsed);
        let pending = std::mem::take(&mut visitor.pending);
        for (path, dir, cfg) in pending {
            self.file(&path, &dir, &cfg)?;
        }
        Ok(())
    }
}

struct Visitor<'a> {
    scanner: &'a mut Scanner,
    /// The file's key part.
    file: String,
    /// Where `mod NAME;` files of the current module are, if they are followed.
    dir: Option<PathBuf>,
    /// The `#[cfg]` predicates around the current node.
    cfg: Vec<String>,
    /// Module files to scan after this one: path, their `mod NAME;` directory, their cfg.
    pending: Vec<(PathBuf, PathBuf, Vec<String>)>,
}

impl Visitor<'_> {
    /// Runs `walk` with the `#[cfg]` predicates of `attrs` pushed.
    fn with_cfg(&mut self, attrs: &[Attribute], walk: impl FnOnce(&mut Self)) {
        let depth = self.cfg.len();
        for attr in attrs {
            if attr.path().is_ident("cfg") {
                if let Ok(list) = attr.meta.require_list() {
                    self.cfg.push(list.tokens.to_string());
                }
            }
        }
        walk(self);
        self.cfg.truncate(depth);
    }

    fn location(&self, span: Span) -> (String, String) {
        let start = span.start();
        let location = format!("{}:{}:{}", self.file, start.line, start.column + 1);
        (location.clone(), location)
    }

    fn memory_pool(&mut self, attr: &Attribute, ident: &syn::Ident) {
        let Some(args) = PoolArgs::of(attr) else {
            return;
        };
        // A type bound to a pool of memory.toml is counted there.
        if args.bound {
            return;
        }
        let (Some(count), Some(region)) = (args.count, args.region) else {
            return;
        };
        let start = ident.span().start();
        let name = ident.to_string();
        let (key, location) = self.location(ident.span());
        let mut term = ExternalTerm::new(
            key,
            format!("{MEMORY_POOL_KEY} on `{name}`"),
            location,
            region.value(),
            String::new(),
            1,
        );
        term.claim = Some(claim_name(&name, &self.file, start.line, start.column + 1));
        term.cfg = self.cfg.clone();
        term.region_location = Some(self.location(region.span()).1);
        // The pool's state and one free-list link per value, the values being at least 0 bytes.
        term.known_bytes = crate::metadata::pool_metadata(count).unwrap_or(u64::MAX);
        term.known_is_exact = false;
        self.push(term);
    }

    fn buffer_bins(&mut self, mac: &syn::Macro) {
        let Ok(decls) = mac.parse_body::<Declarations>() else {
            return;
        };
        for decl in decls.0 {
            let term = self.bins_term(&decl);
            self.push(term);
        }
    }

    fn bins_term(&self, decl: &Declaration) -> ExternalTerm {
        let start = decl.name.span().start();
        let name = decl.name.to_string();
        let (key, location) = self.location(decl.name.span());
        let mut term = ExternalTerm::new(
            key,
            format!("{BUFFER_BINS_KEY} `{name}`"),
            location,
            decl.region.value(),
            String::new(),
            1,
        );
        term.claim = Some(claim_name(&name, &self.file, start.line, start.column + 1));
        term.cfg = self.cfg.clone();
        term.region_location = Some(self.location(decl.region.span()).1);
        term.known_bytes = bins_storage(decl.align.unwrap_or(DEFAULT_BUFFER_ALIGN), &decl.bins);
        term.known_is_exact = false;
        term
    }

    fn push(&mut self, term: ExternalTerm) {
        if !self.scanner.terms.iter().any(|t| t.key == term.key) {
            self.scanner.terms.push(term);
        }
    }

    fn module_file(&mut self, item: &syn::ItemMod) {
        let Some(dir) = self.dir.clone() else {
            return;
        };
        let name = item.ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name);
        let explicit = item.attrs.iter().find_map(|a| {
            if !a.path().is_ident("path") {
                return None;
            }
            let value = &a.meta.require_name_value().ok()?.value;
            match value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(path),
                    ..
                }) => Some(path.value()),
                _ => None,
            }
        });
        let found = match explicit {
            Some(path) => {
                let file = dir.join(path);
                let child = file.parent().unwrap_or(&dir).to_path_buf();
                file.is_file().then_some((file, child))
            }
            None => {
                let flat = dir.join(format!("{name}.rs"));
                let nested = dir.join(name).join("mod.rs");
                [flat, nested]
                    .into_iter()
                    .find(|f| f.is_file())
                    .map(|f| (f, dir.join(name)))
            }
        };
        if let Some((file, child)) = found {
            self.pending.push((file, child, self.cfg.clone()));
        }
    }
}

/// `flight_memory::DEFAULT_BUFFER_ALIGNMENT`.
const DEFAULT_BUFFER_ALIGN: u64 = 8;

/// The bytes of a bins table's buffers: each rounded up to `align`, saturating.
fn bins_storage(align: u64, bins: &[(u64, u64)]) -> u64 {
    let align = align.max(1);
    bins.iter().fold(0u64, |total, &(size, count)| {
        let stride = size.div_ceil(align).saturating_mul(align);
        total.saturating_add(stride.saturating_mul(count))
    })
}

fn is_named(path: &syn::Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}

impl<'ast> Visit<'ast> for Visitor<'_> {
    fn visit_item(&mut self, item: &'ast Item) {
        let attrs = item_attrs(item);
        self.with_cfg(attrs, |v| match item {
            Item::Struct(s) => {
                if s.generics.params.is_empty() {
                    for attr in &s.attrs {
                        if is_named(attr.path(), "memory_pool") {
                            v.memory_pool(attr, &s.ident);
                        }
                    }
                }
                visit::visit_item(v, item);
            }
            Item::Macro(m) if is_named(&m.mac.path, "buffer_bins") => v.buffer_bins(&m.mac),
            Item::Mod(m) => match &m.content {
                Some((_, items)) => {
                    let name = m.ident.to_string();
                    let saved = v.dir.clone();
                    v.dir = saved
                        .as_ref()
                        .map(|d| d.join(name.trim_start_matches("r#")));
                    for item in items {
                        v.visit_item(item);
                    }
                    v.dir = saved;
                }
                None => v.module_file(m),
            },
            _ => visit::visit_item(v, item),
        });
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let attrs: &[Attribute] = match item {
            syn::ImplItem::Const(i) => &i.attrs,
            syn::ImplItem::Fn(i) => &i.attrs,
            syn::ImplItem::Type(i) => &i.attrs,
            syn::ImplItem::Macro(i) => &i.attrs,
            _ => &[],
        };
        self.with_cfg(attrs, |v| visit::visit_impl_item(v, item));
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        let attrs: &[Attribute] = match item {
            syn::TraitItem::Const(i) => &i.attrs,
            syn::TraitItem::Fn(i) => &i.attrs,
            syn::TraitItem::Type(i) => &i.attrs,
            syn::TraitItem::Macro(i) => &i.attrs,
            _ => &[],
        };
        self.with_cfg(attrs, |v| visit::visit_trait_item(v, item));
    }

    fn visit_stmt(&mut self, stmt: &'ast syn::Stmt) {
        match stmt {
            syn::Stmt::Macro(m) => self.with_cfg(&m.attrs, |v| {
                if is_named(&m.mac.path, "buffer_bins") {
                    v.buffer_bins(&m.mac);
                }
            }),
            syn::Stmt::Local(local) => self.with_cfg(&local.attrs, |v| visit::visit_stmt(v, stmt)),
            _ => visit::visit_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        let attrs: &[Attribute] = match expr {
            syn::Expr::Block(e) => &e.attrs,
            syn::Expr::Unsafe(e) => &e.attrs,
            syn::Expr::Closure(e) => &e.attrs,
            syn::Expr::Async(e) => &e.attrs,
            syn::Expr::Const(e) => &e.attrs,
            syn::Expr::Loop(e) => &e.attrs,
            syn::Expr::While(e) => &e.attrs,
            syn::Expr::ForLoop(e) => &e.attrs,
            syn::Expr::If(e) => &e.attrs,
            syn::Expr::Match(e) => &e.attrs,
            syn::Expr::Call(e) => &e.attrs,
            syn::Expr::MethodCall(e) => &e.attrs,
            syn::Expr::Macro(e) => &e.attrs,
            _ => &[],
        };
        self.with_cfg(attrs, |v| match expr {
            syn::Expr::Macro(m) if is_named(&m.mac.path, "buffer_bins") => v.buffer_bins(&m.mac),
            _ => visit::visit_expr(v, expr),
        });
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.with_cfg(&arm.attrs, |v| visit::visit_arm(v, arm));
    }
}

fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

#[cfg(test)]
mod tests;
