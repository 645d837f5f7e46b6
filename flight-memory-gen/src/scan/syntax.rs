//! The arguments of `#[memory_pool(...)]` and the body of `buffer_bins!`, read leniently: a use that does not
//! parse is left to the macro, which reports it at its token.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, LitInt, LitStr, Token};

/// `#[memory_pool(count = N, region = "R")]` (or `pool = "NAME"`, which declares no memory of its own).
pub(super) struct PoolArgs {
    pub count: Option<u64>,
    pub region: Option<LitStr>,
    pub bound: bool,
}

impl PoolArgs {
    pub(super) fn of(attr: &Attribute) -> Option<PoolArgs> {
        let mut args = PoolArgs {
            count: None,
            region: None,
            bound: false,
        };
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("count") {
                args.count = Some(meta.value()?.parse::<LitInt>()?.base10_parse::<u64>()?);
            } else if meta.path.is_ident("region") {
                args.region = Some(meta.value()?.parse::<LitStr>()?);
            } else if meta.path.is_ident("pool") {
                args.bound = true;
                let _ = meta.value()?.parse::<LitStr>()?;
            } else {
                return Err(meta.error("unknown"));
            }
            Ok(())
        })
        .ok()?;
        Some(args)
    }
}

/// The declarations of one `buffer_bins!`.
pub(super) struct Declarations(pub Vec<Declaration>);

pub(super) struct Declaration {
    pub name: syn::Ident,
    pub region: LitStr,
    pub align: Option<u64>,
    /// `(size, count)` as written.
    pub bins: Vec<(u64, u64)>,
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
                region,
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
