//! Parsing: the macros' tokens into the [`ast`](crate::ast) model. Syntax errors point at the token.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, DeriveInput, Expr, Ident, LitBool, LitInt, LitStr, Token};

use crate::ast::{BinSpec, BinsDecl, PoolArgs, PoolInput};

/// What `#[memory_pool]` takes, for messages.
pub const POOL_USAGE: &str =
    "#[memory_pool] takes `count = N, region = \"NAME\"` or `pool = \"NAME\"`";

/// Parses `#[memory_pool(args)] item`. An argument error does not stop the others from being read.
pub fn pool_input(args: TokenStream, input: TokenStream) -> Result<PoolInput, syn::Error> {
    let item: DeriveInput = syn::parse2(input)?;
    let mut parsed = PoolArgs::default();
    let mut errors: Option<syn::Error> = None;
    let parser = syn::meta::parser(|meta| {
        let result = if meta.path.is_ident("count") {
            meta.value()
                .and_then(|v| v.parse::<LitInt>())
                .map(|lit| parsed.count = Some(lit))
        } else if meta.path.is_ident("region") {
            meta.value()
                .and_then(|v| v.parse::<LitStr>())
                .map(|lit| parsed.region = Some(lit))
        } else if meta.path.is_ident("pool") {
            meta.value()
                .and_then(|v| v.parse::<LitStr>())
                .map(|lit| parsed.pool = Some(lit))
        } else {
            let name = meta
                .path
                .get_ident()
                .map_or_else(|| "?".to_string(), Ident::to_string);
            // Skip the value, so that the next argument is read.
            if meta.input.peek(Token![=]) {
                let _ = meta.value().and_then(|v| v.parse::<Expr>());
            }
            Err(meta.error(format!("unknown argument `{name}`: {POOL_USAGE}")))
        };
        if let Err(error) = result {
            combine(&mut errors, error);
        }
        Ok(())
    });
    parser.parse2(args)?;
    if let Some(error) = errors {
        return Err(error);
    }
    Ok(PoolInput {
        args: parsed,
        attr_span: Span::call_site(),
        item,
    })
}

/// Parses the body of `buffer_bins!`.
pub fn bins_input(input: TokenStream) -> Result<Vec<BinsDecl>, syn::Error> {
    syn::parse2::<Decls>(input).map(|d| d.0)
}

/// Adds `error` to the errors so far.
pub fn combine(errors: &mut Option<syn::Error>, error: syn::Error) {
    match errors {
        Some(all) => all.combine(error),
        None => *errors = Some(error),
    }
}

struct Decls(Vec<BinsDecl>);

impl Parse for Decls {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut decls = Vec::new();
        if input.is_empty() {
            return Err(input.error(
                "buffer_bins! declares statics: `pub static NAME: in \"REGION\" { SIZE x COUNT, ... }`",
            ));
        }
        while !input.is_empty() {
            decls.push(decl(input)?);
            let _ = input.parse::<Option<Token![;]>>()?;
        }
        Ok(Decls(decls))
    }
}

fn decl(input: ParseStream<'_>) -> syn::Result<BinsDecl> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis = input.parse()?;
    input.parse::<Token![static]>()?;
    let name: Ident = input.parse()?;
    input.parse::<Token![:]>()?;
    if !input.peek(Token![in]) {
        return Err(
            input.error("expected `in \"REGION\"`: the region of memory.toml the buffers are in")
        );
    }
    input.parse::<Token![in]>()?;
    let region: LitStr = input.parse()?;
    let (mut align, mut id, mut spill_over) = (None, None, None);
    while !input.peek(syn::token::Brace) {
        let option: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `align N`, `id N`, `spill BOOL` or the bins `{ SIZE x COUNT, ... }`",
            )
        })?;
        if option == "align" {
            align = Some(input.parse()?);
        } else if option == "id" {
            id = Some(Expr::parse_without_eager_brace(input)?);
        } else if option == "spill" {
            spill_over = Some(input.parse::<LitBool>()?);
        } else if option == "spill_over" {
            return Err(syn::Error::new(
                option.span(),
                "`spill_over` is now `spill`, the name memory.toml uses: write `spill false`",
            ));
        } else {
            return Err(syn::Error::new(
                option.span(),
                format!(
                    "unknown option `{option}`: buffer_bins! takes `align N`, `id N` and `spill BOOL` \
                     before the bins"
                ),
            ));
        }
    }
    let content;
    let brace = syn::braced!(content in input);
    let bins = Punctuated::<BinSpec, Token![,]>::parse_terminated(&content)?;
    Ok(BinsDecl {
        attrs,
        vis,
        name,
        region,
        align,
        id,
        spill_over,
        bins: bins.into_iter().collect(),
        brace_span: brace.span.join(),
    })
}

impl Parse for BinSpec {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let size: LitInt = input.parse()?;
        if !size.suffix().is_empty() {
            return Err(syn::Error::new(
                size.span(),
                "write a bin as `SIZE x COUNT`, with spaces: `128 x 32`",
            ));
        }
        let x: Ident = input.parse()?;
        if x != "x" {
            return Err(syn::Error::new(
                x.span(),
                "expected `x`: a bin is `SIZE x COUNT`",
            ));
        }
        let count: LitInt = input.parse()?;
        Ok(BinSpec { size, count })
    }
}
