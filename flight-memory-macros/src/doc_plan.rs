//! `__doc_plan!("path/to/memory.toml")`: the module `memory` generated from a plan at compile time, for doc
//! examples, which have no build script to run. Hidden: crates use their build script and `include_memory!()`,
//! which also tell cargo to rebuild when the plan changes and print the plan's diagnostics.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use syn::LitStr;

/// The generated code of the plan at `CARGO_MANIFEST_DIR/PATH` for its default platform, or the error at the
/// path's token.
pub fn expand(input: TokenStream) -> TokenStream {
    let path: LitStr = match syn::parse2(input) {
        Ok(path) => path,
        Err(error) => return error.to_compile_error(),
    };
    match generate(&path.value()) {
        Ok(code) => code,
        Err(message) => syn::Error::new(path.span(), message).to_compile_error(),
    }
}

fn generate(path: &str) -> Result<TokenStream, String> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let file = dir.join(path);
    let checked = flight_memory_gen::check_file(&file)
        .map_err(|error| format!("{}: {error}", file.display()))?;
    let platform = checked
        .config()
        .default_platform()
        .map(|p| p.name.value.clone())
        .ok_or_else(|| format!("{} has no default platform", file.display()))?;
    let code = flight_memory_gen::generate(&checked, &platform)
        .map_err(|error| format!("{}: {error}", file.display()))?;
    code.parse().map_err(|error| {
        format!(
            "the code generated from {} does not lex: {error}",
            file.display()
        )
    })
}
