//! The claim: each expansion that declares static memory implements the runtime's `Counted` for the type the
//! generated code declared for its use (named after the use's file, line and column), giving its size. The
//! ledger adds that size to the region; a second expansion of one use is a conflicting implementation (E0119);
//! a use the build script did not count is reported here, at the use, with the reason.
//!
//! The location comes from the span of the use's name (`proc_macro::Span::line`, `column` and `local_file`,
//! stable since Rust 1.88, through proc-macro2), the same token the build script's scan keys the use by.
//!
//! **Doc examples** (rustdoc doctests) are keyed by a rule of their own, [`doctest_claim`]: rustdoc compiles
//! a doctest from its standard input, wrapped in lines of its own, and tells rustc the including source file
//! (`UNSTABLE_RUSTDOC_TEST_PATH`, e.g. `src/lib.rs`), which is what the span's file then is, with lines counted
//! in the wrapped code. Neither names the example's own file and line, and the wrapping changes with rustdoc's
//! version, so a doc build script could only guess them. Instead a use in a doctest's own code is keyed by its
//! name alone, and the doc build scripts (`flight-memory-macros/build.rs`, `tests/first-day/build.rs`) name the
//! uses they scan in the example the same way. This keeps the budget whole: the rule only changes the name of
//! the type the expansion claims, and only the ledgers those doc build scripts write declare such types (a real
//! crate's build script keys by location), so a use counted by no ledger is still a compile error.

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
    let doctest = in_doctest(span);
    let type_name = if doctest {
        doctest_claim(&name.to_string())
    } else {
        flight_memory_gen::claim_name(&name.to_string(), file, *line, *column)
    };
    // The listing is of the crate under test, whose build script did not scan its doc examples: a doctest's
    // use is checked by its ledger alone (no type of that name there: an error at the use).
    if !doctest
        && let Some(listing) = uses_listing()
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
        // The first use of the region compiled in this build reports a region over its size (one error).
        const _: () = if <crate::memory::__budget::uses::#ty_name>::REPORTS {
            if let ::core::result::Result::Err(mut error) =
                ::flight_memory::__private_v0_1::check_all(crate::memory::__budget::#ledgers)
            {
                ::core::panic!("{}", error.as_str())
            }
        };
        const _: () = {
            #setup
            // Keeps the plan's link-time name next to this use's static, so that a program linking two crates
            // that each include a plan fails to link (see `memory::__budget`).
            #[used]
            static PLAN: &&u8 = &crate::memory::__budget::PLAN;
            // A use in a function body claims a type of the crate's `memory` module: by design not local to
            // the function.
            #[allow(non_local_definitions)]
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

/// The environment variable rustdoc sets for the compile of a standalone doctest (read from standard input):
/// the source file that holds the example (rustc's `FileName::DocTest`, which `local_file` returns).
const RUSTDOC_TEST_PATH: &str = "UNSTABLE_RUSTDOC_TEST_PATH";

/// Whether `span` is in the code of the rustdoc doctest being compiled: rustdoc set `RUSTDOC_TEST_PATH` and the
/// span's file is that path (a span in a real source file of the same name, compiled with that variable set by
/// hand, keys by [`doctest_claim`] too, which its crate's ledger does not declare: an error, not a hole).
fn in_doctest(span: Span) -> bool {
    let Some(test_path) = std::env::var_os(RUSTDOC_TEST_PATH) else {
        return false;
    };
    span.local_file()
        .is_some_and(|file| file.as_os_str() == test_path.as_os_str())
}

/// The type a doctest's use named `name` claims: `NAME_at_doctest_0_0`. The doc build scripts
/// (`flight-memory-macros/build.rs`, `tests/first-day/build.rs`) rename the terms they scan in an example by
/// this same rule; change all three together.
fn doctest_claim(name: &str) -> String {
    flight_memory_gen::claim_name(name, "doctest", 0, 0)
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
