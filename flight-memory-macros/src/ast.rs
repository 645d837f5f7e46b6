//! The model of what the user wrote, with the token of every value for errors.

use proc_macro2::Span;
use syn::{Attribute, DeriveInput, Expr, Ident, LitBool, LitInt, LitStr, Visibility};

/// The arguments of `#[memory_pool(...)]`.
#[derive(Default)]
pub struct PoolArgs {
    /// `count = N`.
    pub count: Option<LitInt>,
    /// `region = "NAME"`.
    pub region: Option<LitStr>,
    /// `pool = "NAME"`.
    pub pool: Option<LitStr>,
}

/// `#[memory_pool(...)]` and the item it is on.
pub struct PoolInput {
    pub args: PoolArgs,
    /// Where the attribute is, for errors about a missing argument.
    pub attr_span: Span,
    pub item: DeriveInput,
}

/// One `static NAME: in "REGION" ... { SIZE x COUNT, ... }` of `buffer_bins!`.
pub struct BinsDecl {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub region: LitStr,
    pub align: Option<LitInt>,
    pub id: Option<Expr>,
    pub spill_over: Option<LitBool>,
    pub bins: Vec<BinSpec>,
    /// The braces, for errors about the table as a whole.
    pub brace_span: Span,
}

/// `SIZE x COUNT`.
pub struct BinSpec {
    pub size: LitInt,
    pub count: LitInt,
}
