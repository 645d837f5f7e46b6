//! Checks: the rules of the syntax, then memory.toml (regions, pools). Each mistake is one error at its
//! token; every mistake of an input is reported.

use std::collections::HashMap;

use flight_memory_gen::model::Block;
use flight_memory_gen::naming::static_name;
use proc_macro2::Span;
use syn::{Data, Error, LitInt, LitStr};

use crate::ast::{BinsDecl, PoolInput};
use crate::attr::{POOL_USAGE, combine};
use crate::config::Plan;

/// `flight_memory::MAX_BINS`; the expansion asserts that the runtime agrees.
pub const MAX_BINS: usize = 32;
/// `flight_memory::MAX_BUFFER_ALIGNMENT`; the expansion asserts that the runtime agrees.
pub const MAX_BUFFER_ALIGNMENT: u64 = 4096;

/// A region of the selected platform.
pub struct Region {
    pub name: String,
    pub section: Option<String>,
}

/// What a checked `#[memory_pool]` declares.
pub enum PoolKind {
    /// `count = N, region = "R"`: its own pool.
    Own { count: u64, region: Region },
    /// `pool = "NAME"`: memory.toml's pool.
    Bound(BoundPool),
}

/// A pool of memory.toml a type is bound to.
pub struct BoundPool {
    pub name: String,
    /// `TELEMETRY_PACKET`.
    pub static_name: String,
    /// `Some(block_size)` for an untyped pool, `None` for `type = "..."`.
    pub block_size: Option<u64>,
    pub count: u64,
    pub align: u64,
    /// `memory.toml:12:1`.
    pub location: String,
}

/// Checks `#[memory_pool]` against the rules and the plan.
pub fn pool(input: &PoolInput, plan: &Plan) -> Result<PoolKind, Error> {
    let mut errors = None;
    let item = &input.item;
    if !matches!(item.data, Data::Struct(_)) {
        combine(
            &mut errors,
            Error::new_spanned(&item.ident, "#[memory_pool] goes on a struct"),
        );
    }
    if !item.generics.params.is_empty() {
        combine(
            &mut errors,
            Error::new_spanned(
                &item.generics,
                "#[memory_pool] cannot be used on a generic struct: a static pool holds one concrete type, \
                 whose size the memory budget counts; put it on a non-generic wrapper struct instead",
            ),
        );
    }
    let args = &input.args;
    let kind = match (&args.pool, &args.count, &args.region) {
        (Some(pool), count, region) => {
            for extra in [
                count.as_ref().map(LitInt::span),
                region.as_ref().map(LitStr::span),
            ]
            .into_iter()
            .flatten()
            {
                combine(
                    &mut errors,
                    Error::new(
                        extra,
                        "`pool = ...` takes its count and region from memory.toml: remove this argument",
                    ),
                );
            }
            bound(pool, plan).map_err(|e| combine(&mut errors, e)).ok()
        }
        (None, count, region) => {
            let count = match count {
                None => {
                    combine(
                        &mut errors,
                        Error::new(
                            input.attr_span,
                            format!(
                                "missing `count = N`, the number of values in the pool: {POOL_USAGE}"
                            ),
                        ),
                    );
                    None
                }
                Some(lit) => positive(lit, "count", "the number of values in the pool")
                    .map_err(|e| combine(&mut errors, e))
                    .ok(),
            };
            let region = match region {
                None => {
                    combine(
                        &mut errors,
                        Error::new(
                            input.attr_span,
                            format!(
                                "missing `region = \"NAME\"`, the region of memory.toml whose budget the pool is \
                                 counted in (declared: {})",
                                plan.region_names()
                            ),
                        ),
                    );
                    None
                }
                Some(lit) => self::region(lit, plan)
                    .map_err(|e| combine(&mut errors, e))
                    .ok(),
            };
            match (count, region) {
                (Some(count), Some(region)) => Some(PoolKind::Own { count, region }),
                _ => None,
            }
        }
    };
    match (errors, kind) {
        (None, Some(kind)) => Ok(kind),
        (Some(errors), _) => Err(errors),
        (None, None) => Err(Error::new(input.attr_span, POOL_USAGE)),
    }
}

/// The region named by `lit` on the selected platform.
pub fn region(lit: &LitStr, plan: &Plan) -> Result<Region, Error> {
    let name = lit.value();
    match plan.region(&name) {
        Some(region) => Ok(Region {
            section: region.section.clone(),
            name,
        }),
        None => Err(Error::new(
            lit.span(),
            format!(
                "unknown region `{name}`: memory.toml declares {} (platform `{}`)",
                plan.region_names(),
                plan.platform
            ),
        )),
    }
}

fn bound(lit: &LitStr, plan: &Plan) -> Result<PoolKind, Error> {
    let name = lit.value();
    let config = plan.checked.config();
    let Some(pool) = config.pools.iter().find(|p| p.name.value == name) else {
        let names: Vec<String> = config
            .pools
            .iter()
            .map(|p| format!("`{}`", p.name.value))
            .collect();
        return Err(Error::new(
            lit.span(),
            format!(
                "unknown pool `{name}`: memory.toml declares {}",
                if names.is_empty() {
                    "no pools".to_string()
                } else {
                    names.join(", ")
                }
            ),
        ));
    };
    let item = plan.layout().and_then(|l| {
        l.regions
            .iter()
            .flat_map(|r| &r.items)
            .find(|i| i.name.value == name)
    });
    let Some(item) = item else {
        return Err(Error::new(
            lit.span(),
            format!(
                "pool `{name}` has no layout on platform `{}`",
                plan.platform
            ),
        ));
    };
    Ok(PoolKind::Bound(BoundPool {
        static_name: static_name(&name),
        block_size: match &pool.block {
            Block::Size(size) => Some(size.value),
            _ => None,
        },
        count: item.count.unwrap_or(pool.count.value),
        align: item.align,
        location: plan.location(pool.name.span),
        name,
    }))
}

/// A checked `buffer_bins!` declaration.
pub struct ValidBins {
    pub region: Region,
    /// `(size, count)` in the order written.
    pub bins: Vec<(u64, u64)>,
    pub align: Option<u64>,
}

/// Checks one `buffer_bins!` declaration.
pub fn bins(decl: &BinsDecl, plan: &Plan) -> Result<ValidBins, Error> {
    let mut errors = None;
    let region = region(&decl.region, plan)
        .map_err(|e| combine(&mut errors, e))
        .ok();
    let align = match &decl.align {
        None => None,
        Some(lit) => match lit.base10_parse::<u64>() {
            Ok(align) if align.is_power_of_two() && align <= MAX_BUFFER_ALIGNMENT => Some(align),
            _ => {
                combine(
                    &mut errors,
                    Error::new(
                        lit.span(),
                        format!(
                            "the alignment must be a power of two from 1 to {MAX_BUFFER_ALIGNMENT}, such as 8, 32 \
                             or 64"
                        ),
                    ),
                );
                None
            }
        },
    };
    if decl.bins.is_empty() {
        combine(
            &mut errors,
            Error::new(decl.brace_span, "no bins: give at least one `SIZE x COUNT`"),
        );
    }
    let mut bins = Vec::new();
    let mut seen: HashMap<u64, Span> = HashMap::new();
    for (index, bin) in decl.bins.iter().enumerate() {
        if index == MAX_BINS {
            combine(
                &mut errors,
                Error::new(
                    bin.size.span(),
                    format!(
                        "too many bins: a buffer manager has at most {MAX_BINS} (flight_memory::MAX_BINS); \
                         merge bins of close sizes"
                    ),
                ),
            );
        }
        let size = positive(&bin.size, "size", "the bytes of each buffer of the bin")
            .map_err(|e| combine(&mut errors, e))
            .ok();
        let count = positive(&bin.count, "count", "the number of buffers of the bin")
            .map_err(|e| combine(&mut errors, e))
            .ok();
        if let Some(size) = size
            && seen.insert(size, bin.size.span()).is_some()
        {
            combine(
                &mut errors,
                Error::new(
                    bin.size.span(),
                    format!("two bins of size {size}: merge them into one (add their counts)"),
                ),
            );
        }
        if let (Some(size), Some(count)) = (size, count) {
            bins.push((size, count));
        }
    }
    match (errors, region) {
        (None, Some(region)) => Ok(ValidBins {
            region,
            bins,
            align,
        }),
        (Some(errors), _) => Err(errors),
        (None, None) => Err(Error::new(decl.region.span(), "unknown region")),
    }
}

/// A literal integer above zero.
fn positive(lit: &LitInt, what: &str, meaning: &str) -> Result<u64, Error> {
    match lit.base10_parse::<u64>() {
        Ok(0) => Err(Error::new(
            lit.span(),
            format!("`{what}` is 0: it is {meaning}, at least 1"),
        )),
        Ok(value) if value <= u32::MAX as u64 => Ok(value),
        _ => Err(Error::new(
            lit.span(),
            format!(
                "`{what}` must be an integer from 1 to {}: it is {meaning}",
                u32::MAX
            ),
        )),
    }
}
