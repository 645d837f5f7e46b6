//! The claim: each expansion that declares static memory implements the runtime's `Counted` for the type the
//! generated code declared for its use (named after the use's file, line and column), giving its size. The
//! ledger adds that size to the region; a second expansion of one use is a conflicting implementation (E0119);
//! a use the build script did not count is reported here, at the use, with the reason.
//!
//! The location comes from the span of the use's name (`proc_macro::Span::line`, `column` and `local_file`,
//! stable since Rust 1.88, through proc-macro2), the same token the build script's scan keys the use by.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned};
use syn::Ident;

/// `const _` implementing `Counted` for the use named `name` (of `ty`, with `setup` before it: local consts
/// `ty` names), or the error saying why the use is not counted.
/// The expansion also checks the region `region` on every platform, so that a region over its size is an error
/// at the use.
pub fn claim(
    name: &Ident,
    what: &str,
    region: &str,
    ty: TokenStream,
    setup: TokenStream,
) -> TokenStream {
    let span = name.span();
    let claim = match location(span) {
        Ok(location) => location,
        Err(message) => return syn::Error::new(span, message).to_compile_error(),
    };
    let (file, line, column) = &claim;
    let type_name = flight_memory_gen::claim_name(&name.to_string(), file, *line, *column);
    if let Some(listing) = uses_listing()
        && !listing.claims.contains(&type_name)
    {
        let message = not_counted(what, &claim, &listing.root);
        return syn::Error::new(span, message).to_compile_error();
    }
    let ty_name = format_ident!("{}", type_name, span = span);
    let ledgers = format_ident!(
        "LEDGERS_{}",
        flight_memory_gen::naming::static_name(region),
        span = span
    );
    quote_spanned! {span=>
        const _: () = if let ::core::result::Result::Err(mut error) =
            ::flight_memory::__private_v0_1::check_all(crate::memory::__budget::#ledgers)
        {
            ::core::panic!("{}", error.as_str())
        };
        const _: () = {
            #setup
            // Keeps the plan's link-time name next to this use's static, so that a program linking two crates
            // that each include a plan fails to link (see `memory::__budget`).
            #[used]
            static PLAN: &&u8 = &crate::memory::__budget::PLAN;
            impl ::flight_memory::__private_v0_1::Counted for crate::memory::__budget::uses::#ty_name {
                const SIZE: usize = ::core::mem::size_of::<#ty>();
                const ALIGN: usize = ::core::mem::align_of::<#ty>();
            }
        };
    }
}

/// `(file, line, column)` of `span`, the file relative to the crate's directory as the build script keys it.
fn location(span: Span) -> Result<(String, usize, usize), String> {
    let start = span.start();
    if start.line == 0 {
        return Err(
            "flight-memory-macros needs Rust 1.88 or later: it keys each use by the line and column of its \
             name, which the compiler tells a macro since 1.88"
                .to_string(),
        );
    }
    let Some(file) = span.local_file() else {
        return Err(
            "this use is not in a source file (another macro made its name), so the build script cannot count \
             it in the memory budget: write the use directly in a source file"
                .to_string(),
        );
    };
    let file = absolute(&file);
    let base = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let key = flight_memory_gen::key_file(&file, base.as_deref());
    Ok((key, start.line, start.column + 1))
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    std::env::current_dir()
        .map(|dir| dir.join(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// What the build script counted (`FLIGHT_MEMORY_USES`).
struct Listing {
    /// The crate root it scanned from.
    root: Option<String>,
    claims: Vec<String>,
}

fn uses_listing() -> Option<Listing> {
    let path = std::env::var_os(flight_memory_gen::USES_ENV)?;
    let text = std::fs::read_to_string(path).ok()?;
    let mut listing = Listing {
        root: None,
        claims: Vec::new(),
    };
    for line in text.lines() {
        match line.strip_prefix("root ") {
            Some(root) => listing.root = Some(root.to_string()),
            None => listing.claims.push(line.to_string()),
        }
    }
    Some(listing)
}

fn not_counted(
    what: &str,
    (file, line, column): &(String, usize, usize),
    root: &Option<String>,
) -> String {
    let in_binary = std::env::var_os("CARGO_BIN_NAME").is_some();
    if let (true, Some(root)) = (in_binary, root.as_deref().filter(|r| r.ends_with("lib.rs"))) {
        return format!(
            "{what} is not in the memory budget: it is in a binary, and the build script counts the uses of the \
             package's library ({root}). Declare it in the library, where the binary can use it"
        );
    }
    format!(
        "{what} is not in the memory budget: the build script's scan did not find a use at {file}:{line}:{column}. \
         It reads the files reached from the crate root through `mod` (function bodies included), but not the \
         output of other macros (macro_rules!, attribute macros) nor include!(): write the use directly in a \
         source file, not through another macro"
    )
}
