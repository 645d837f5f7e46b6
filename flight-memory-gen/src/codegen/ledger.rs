//! `memory::__budget` (hidden): each region's ledger, where sizes only rustc knows are added to the bytes the
//! generator counted and checked against the region's size at compile time.
//!
//! For every region, a `REGION_<NAME>: RegionLedger` holds the platform, the region, where its size is written,
//! its size, the bytes the generator counted (`known`) and one `Term` per size only rustc knows: each pool with
//! `type = "..."` (`TERM_<POOL>`), and each [`ExternalTerm`] (a macro use the scan found). `USED_<NAME>` is
//! `REGION_<NAME>.used()`, evaluated in a `const`: a region over its size fails compilation with a message
//! that names the region, the location to change in memory.toml, and every number. `memory::PLATFORM` reports
//! the same figures.
//!
//! Every other platform of the plan gets the same ledgers (`PLATFORM_<P>_<REGION>`), with its own region
//! sizes and counts and the same terms, also evaluated: a build checks the sizes only rustc knows against
//! every platform, and the error names the platform.
//!
//! A macro use is a type in `uses` (named by [`claim_name`](crate::claim_name)) whose size the use's expansion
//! gives by implementing the runtime's `Counted` trait; its term repeats the use's `#[cfg]` predicates, with a
//! zero term under the negation.

use super::text::{Code, array, generic, seq, string, text};
use super::{Context, type_text};

use crate::layout::{ItemLayout, PlatformLayout, RegionLayout};
use crate::naming::static_name;

/// A size declared outside memory.toml, counted in a region's ledger.
///
/// Either a macro use the scan found (`claim` is set: the generated code declares the type `uses::CLAIM`, the
/// use's expansion implements `Counted` for it with its size and alignment, and the term counts one value of
/// that size), or `count` values of `type_path`, in blocks aligned to at least `min_align`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExternalTerm {
    /// Unique in the plan: where the use is (`src/tlm.rs:12:12`).
    pub key: String,
    /// What it is, for messages (``#[memory_pool] on `Packet` ``).
    pub what: String,
    /// Where it is declared (`src/tlm.rs:12:12`).
    pub location: String,
    /// The region it is counted in.
    pub region: String,
    /// Where the region is named (`src/tlm.rs:11:36`), for errors about it.
    pub region_location: Option<String>,
    /// The Rust type whose `size_of` and `align_of` are counted (e.g. `flight_memory::TypedPool<Packet, 64>`),
    /// when `claim` is not set.
    pub type_path: String,
    /// How many values of the type.
    pub count: u64,
    /// The smallest alignment of a block (a power of two).
    pub min_align: u64,
    /// The name of the type in `memory::__budget::uses` that the use's expansion claims.
    pub claim: Option<String>,
    /// The `#[cfg(...)]` predicates around the use (the tokens inside the parentheses), all of which must hold
    /// for it to be compiled.
    pub cfg: Vec<String>,
    /// What the build script knows of its bytes before rustc: a lower bound, or the exact size if
    /// `known_is_exact`.
    pub known_bytes: u64,
    /// Whether `known_bytes` is exact.
    pub known_is_exact: bool,
}

impl ExternalTerm {
    /// `count` values of `type_path` declared at `location`, counted in `region` under `key`.
    pub fn new(
        key: impl Into<String>,
        what: impl Into<String>,
        location: impl Into<String>,
        region: impl Into<String>,
        type_path: impl Into<String>,
        count: u64,
    ) -> ExternalTerm {
        ExternalTerm {
            key: key.into(),
            what: what.into(),
            location: location.into(),
            region: region.into(),
            region_location: None,
            type_path: type_path.into(),
            count,
            min_align: 1,
            claim: None,
            cfg: Vec::new(),
            known_bytes: 0,
            known_is_exact: false,
        }
    }
}

/// How many of the generator's largest items a ledger names, for its message.
const LARGEST_SHOWN: usize = 3;

/// The `__budget` module.
pub(super) fn budget(cx: &Context<'_>, code: &mut Code) {
    code.line("#[doc(hidden)]");
    code.doc(&["The budget ledger of every region (hidden: read `PLATFORM` instead)."]);
    code.open("pub mod __budget {");
    code.line("use super::fm;");
    code.doc(&[
        "One program, one memory plan: a program that links two crates which each include a plan (each with a \
         ledger of its own, neither counting the other's items) fails to link, with this name in the error.",
    ]);
    code.line("#[allow(non_upper_case_globals)]");
    code.line("#[unsafe(no_mangle)]");
    code.line("#[used]");
    code.line("pub static flight_memory_plan_included_by_two_crates_of_one_program: u8 = 0;");
    code.doc(&[
        "This crate's plan, which each macro use references: linking a use links the plan's name above with it.",
    ]);
    code.line("#[used]");
    code.line("pub static PLAN: &u8 = &flight_memory_plan_included_by_two_crates_of_one_program;");
    counted_crates(cx, code);
    uses(cx, code);
    external_terms(cx, code);
    every_platform(cx, code);
    code.close("}");
}

/// The ledgers of the selected platform, then of every other platform whose ledgers have sizes only rustc
/// knows, then `LEDGERS_<REGION>` for the checks at the macro uses.
pub(super) fn every_platform(cx: &Context<'_>, code: &mut Code) {
    platform_ledgers(cx, cx.layout, "", code);
    let mut modules = Vec::new();
    for (index, layout) in cx.layouts.iter().enumerate() {
        // The build script checked what it counted; rustc adds the sizes only it knows, if there are any.
        let has_terms = !cx.external.is_empty()
            || !cx.crates.is_empty()
            || (cx.component.is_none()
                && layout
                    .regions
                    .iter()
                    .any(|r| r.items.iter().any(|i| !i.storage.terms.is_empty())));
        if layout.platform.value == cx.layout.platform.value || !has_terms {
            continue;
        }
        code.doc(&[format!(
            "The ledgers of platform `{}`, checked in every build: the sizes only rustc knows fit every platform.",
            layout.platform.value
        )]);
        code.open(&format!("pub mod platform_{index} {{"));
        code.line("use super::fm;");
        platform_ledgers(cx, layout, "super::", code);
        code.close("}");
        modules.push((index, layout));
    }
    if !cx.external.is_empty() {
        all_ledgers(cx, &modules, code);
    }
}

/// For each component crate the program counts: the link-time name the crate's macro uses need (so that a
/// crate the program does not count fails to link), and the check that it was generated from the same plan.
fn counted_crates(cx: &Context<'_>, code: &mut Code) {
    if cx.crates.is_empty() {
        return;
    }
    code.doc(&[
        "The plan this code was generated from, which every counted component crate must share.",
    ]);
    code.line_fmt(format_args!(
        "pub const FINGERPRINT: u64 = {:#018x};",
        super::plan_fingerprint(cx.source.text())
    ));
    for name in cx.crates {
        let symbol = super::counted_crate_symbol(name);
        code.doc(&[format!(
            "This program's budget counts the macro uses of crate `{name}`: the name its uses link."
        )]);
        code.line("#[allow(non_upper_case_globals)]");
        code.line("#[unsafe(no_mangle)]");
        code.line("#[used]");
        code.line_fmt(format_args!("pub static {symbol}: u8 = 0;"));
        let message = format!(
            "crate `{name}` was generated from another memory plan than this program's `{}`: build every \
             crate of the program from one memory.toml (set FLIGHT_MEMORY_CONFIG in [env] of the \
             workspace's .cargo/config.toml)",
            cx.source.name()
        );
        code.open(&format!(
            "const _: () = if ::{name}::memory::__budget::FINGERPRINT != FINGERPRINT {{"
        ));
        code.line_fmt(format_args!("::core::panic!({message:?})"));
        code.close("};");
        let platform = &cx.layout.platform.value;
        let message = format!(
            "crate `{name}` was generated for another platform than this program's `{platform}`: every crate of \
             the program must select the same one. Select it with FLIGHT_MEMORY_PLATFORM, which every build \
             script reads, rather than with Builder::platform in one build script"
        );
        code.open(&format!(
            "const _: () = if !fm::str_eq(::{name}::memory::__budget::PLATFORM, {}) {{",
            string(platform)
        ));
        code.line_fmt(format_args!("::core::panic!({message:?})"));
        code.close("};");
    }
}

/// `uses`: one type per macro use the scan found, which the use's expansion claims.
pub(super) fn uses(cx: &Context<'_>, code: &mut Code) {
    let claims: Vec<(&ExternalTerm, &str)> = cx
        .external
        .iter()
        .filter_map(|t| t.claim.as_deref().map(|c| (t, c)))
        .collect();
    if claims.is_empty() {
        return;
    }
    code.doc(&[
        "The uses of `#[memory_pool]` and `buffer_bins!` the build script counted: each use's expansion implements \
         `Counted` for its type (a second expansion of one use is a conflicting implementation)."
            .to_string(),
    ]);
    code.open("pub mod uses {");
    for (index, (term, claim)) in claims.iter().enumerate() {
        let what = term.what.replace('[', "\\[").replace(']', "\\]");
        code.doc(&[format!("{what} at `{}`.", term.location)]);
        code.line("#[allow(non_camel_case_types)]");
        code.line_fmt(format_args!("pub struct {claim};"));
        // One error per region over its size, not one per use: the first use of the region compiled in this
        // build reports it.
        let earlier: Vec<String> = claims[..index]
            .iter()
            .filter(|(other, _)| other.region == term.region)
            .map(|(other, _)| format!("all({})", other.cfg.join(", ")))
            .collect();
        let reports = if earlier.is_empty() {
            format!("cfg!(all({}))", term.cfg.join(", "))
        } else {
            format!(
                "cfg!(all({})) && !cfg!(any({}))",
                term.cfg.join(", "),
                earlier.join(", ")
            )
        };
        code.open(&format!("impl {claim} {{"));
        code.doc(&["Whether this use reports its region's check (the first use of the region in this build)."]);
        code.assignment("pub const REPORTS: bool", &text(reports), ";");
        code.close("}");
    }
    code.close("}");
}

/// The `EXTERNAL_<REGION>_<N>` terms, shared by every platform's ledgers.
pub(super) fn external_terms(cx: &Context<'_>, code: &mut Code) {
    for region in &cx.layout.regions {
        for (index, external) in cx
            .external
            .iter()
            .filter(|t| t.region == region.name.value)
            .enumerate()
        {
            let name = external_name(&region.name.value, index);
            // `#[memory_pool]` would read as a broken intra-doc link to rustdoc.
            let what = external.what.replace('[', "\\[").replace(']', "\\]");
            let predicate =
                (!external.cfg.is_empty()).then(|| format!("all({})", external.cfg.join(", ")));
            code.doc(&[format!("{what} (`{}`).", external.location)]);
            if let Some(predicate) = &predicate {
                code.line_fmt(format_args!("#[cfg({predicate})]"));
            }
            match &external.claim {
                Some(claim) => {
                    let ty = format!("uses::{claim}");
                    let wrapped =
                        code.open_assignment(&format!("pub const {name}: fm::Term"), "fm::Term {");
                    code.line_fmt(format_args!("key: {},", string(&external.key)));
                    code.line_fmt(format_args!("what: {},", string(&external.what)));
                    code.line_fmt(format_args!("location: {},", string(&external.location)));
                    code.line("type_name: \"\",");
                    code.line("count: 1,");
                    code.line_fmt(format_args!("size: <{ty} as fm::Counted>::SIZE,"));
                    code.line_fmt(format_args!("align: <{ty} as fm::Counted>::ALIGN,"));
                    code.line("min_align: 1,");
                    code.close_assignment(wrapped, "};");
                }
                None => write_term(
                    code,
                    &name,
                    &external.key,
                    &external.what,
                    &external.location,
                    &type_text(&external.type_path),
                    external.count,
                    external.min_align.max(1),
                ),
            }
            if let Some(predicate) = &predicate {
                code.doc(&[format!(
                    "Not compiled in this build: `{}`.",
                    external.location
                )]);
                code.line_fmt(format_args!("#[cfg(not({predicate}))]"));
                code.line_fmt(format_args!(
                    "pub const {name}: fm::Term = fm::Term::absent({}, {}, {});",
                    string(&external.key),
                    string(&external.what),
                    string(&external.location)
                ));
            }
        }
    }
}

pub(super) fn external_name(region: &str, index: usize) -> String {
    format!("EXTERNAL_{}_{index}", static_name(region))
}

/// The `TERM_*`, `REGION_*` and `USED_*` consts of `layout`'s regions, and their checks. `up` is the path from
/// here to `__budget` (where the external terms are).
fn platform_ledgers(cx: &Context<'_>, layout: &PlatformLayout, up: &str, code: &mut Code) {
    let mut ledgers = Vec::new();
    for region in &layout.regions {
        let terms = region_terms(cx, region, up, code);
        ledgers.push((region, terms));
    }
    for (region, terms) in &ledgers {
        let upper = static_name(&region.name.value);
        let name = &region.name.value;
        let location = cx.location(
            region
                .size
                .as_ref()
                .map_or(region.name.span, |size| size.span),
        );
        code.doc(&[format!(
            "Region `{name}`: the generator's bytes and the sizes only rustc knows."
        )]);
        let wrapped = code.open_assignment(
            &format!("pub const REGION_{upper}: fm::RegionLedger"),
            "fm::RegionLedger {",
        );
        code.line_fmt(format_args!(
            "platform: {},",
            string(&layout.platform.value)
        ));
        code.line_fmt(format_args!("region: {},", string(name)));
        code.line_fmt(format_args!("location: {},", string(&location)));
        code.line_fmt(format_args!(
            "size: {},",
            region.size.as_ref().map_or(0, |s| s.value)
        ));
        code.line_fmt(format_args!("known: {},", region.used.bytes));
        code.line_fmt(format_args!("largest: {},", string(&largest(region))));
        code.statement(
            &seq(vec![
                text("terms: &"),
                array(terms.iter().map(|t| text(t.clone())).collect()),
            ]),
            ",",
        );
        let crates = cx
            .crates
            .iter()
            .map(|krate| text(format!("::{krate}::memory::__budget::TERMS_{upper}")))
            .collect();
        code.statement(&seq(vec![text("crates: &"), array(crates)]), ",");
        code.close_assignment(wrapped, "};");
        code.doc(&[format!(
            "What region `{name}`'s items need, checked against its size."
        )]);
        code.assignment(
            &format!("pub const USED_{upper}: u64"),
            &text(format!("REGION_{upper}.used_saturating()")),
            ";",
        );
    }
    code.doc(&["Every region's ledger, in memory.toml's order."]);
    let names: Vec<String> = ledgers
        .iter()
        .map(|(region, _)| format!("REGION_{}", static_name(&region.name.value)))
        .collect();
    code.assignment(
        "pub const REGIONS: &[fm::RegionLedger]",
        &seq(vec![
            text("&"),
            array(names.iter().map(|n| text(n.clone())).collect()),
        ]),
        ";",
    );
    code.comment(
        "A region over its size is a compile error. A region with macro uses is checked at each use instead, \
         so the error is there; here only when none of them is compiled.",
    );
    for (region, _) in &ledgers {
        let predicates: Vec<String> = cx
            .external
            .iter()
            .filter(|t| t.region == region.name.value && t.claim.is_some())
            .map(|t| format!("all({})", t.cfg.join(", ")))
            .collect();
        if !predicates.is_empty() {
            code.line_fmt(format_args!("#[cfg(not(any({})))]", predicates.join(", ")));
        }
        code.open(&format!(
            "const _: () = if let Err(mut error) = fm::check_all(&[REGION_{}]) {{",
            static_name(&region.name.value)
        ));
        code.line("::core::panic!(\"{}\", error.as_str())");
        code.close("};");
    }
}

/// `LEDGERS_<REGION>`: the region's ledger on every platform whose ledgers are generated, which a macro use
/// checks (so that the error is at the use).
fn all_ledgers(cx: &Context<'_>, modules: &[(usize, &PlatformLayout)], code: &mut Code) {
    for region in &cx.layout.regions {
        let upper = static_name(&region.name.value);
        let mut names = vec![format!("REGION_{upper}")];
        for (index, layout) in modules {
            if layout.region(&region.name.value).is_some() {
                names.push(format!("platform_{index}::REGION_{upper}"));
            }
        }
        code.doc(&[format!(
            "Region `{}` on every platform, for the checks of the macro uses.",
            region.name.value
        )]);
        code.assignment(
            &format!("pub const LEDGERS_{upper}: &[fm::RegionLedger]"),
            &seq(vec![
                text("&"),
                array(names.iter().map(|n| text(n.clone())).collect()),
            ]),
            ";",
        );
    }
}

/// Writes the `TERM_*` consts of `region` and returns the names of its terms (the external ones too).
fn region_terms(cx: &Context<'_>, region: &RegionLayout, up: &str, code: &mut Code) -> Vec<String> {
    let mut names = Vec::new();
    // A component crate cannot name the program's types: the program counts them.
    let items = if cx.component.is_some() {
        &[][..]
    } else {
        &region.items[..]
    };
    for item in items {
        // Only a pool with `type = "..."` has a term.
        let Some(term) = item.storage.terms.first() else {
            continue;
        };
        let name = format!("TERM_{}", static_name(&item.name.value));
        let ty = type_text(&term.type_path);
        code.doc(&[format!(
            "Pool `{}`: {} x `{ty}`.",
            item.name.value, term.count
        )]);
        write_term(
            code,
            &name,
            &format!("pools.{}", item.name.value),
            &format!("pool `{}`", item.name.value),
            &format!(
                "{}: type = {}",
                cx.location(term.span),
                cx.source.slice(term.span)
            ),
            &ty,
            term.count,
            term.align,
        );
        names.push(name);
    }
    let count = cx
        .external
        .iter()
        .filter(|t| t.region == region.name.value)
        .count();
    for index in 0..count {
        names.push(format!("{up}{}", external_name(&region.name.value, index)));
    }
    names
}

#[allow(clippy::too_many_arguments)] // the fields of a `Term`, named at the call
fn write_term(
    code: &mut Code,
    name: &str,
    key: &str,
    what: &str,
    location: &str,
    ty: &str,
    count: u64,
    min_align: u64,
) {
    let wrapped = code.open_assignment(&format!("pub const {name}: fm::Term"), "fm::Term {");
    code.line_fmt(format_args!("key: {},", string(key)));
    code.line_fmt(format_args!("what: {},", string(what)));
    code.line_fmt(format_args!("location: {},", string(location)));
    code.line_fmt(format_args!("type_name: {},", string(ty)));
    code.line_fmt(format_args!("count: {count},"));
    code.statement(
        &generic(
            "size: ::core::mem::size_of::",
            vec![text(ty.to_string())],
            "()",
        ),
        ",",
    );
    code.statement(
        &generic(
            "align: ::core::mem::align_of::",
            vec![text(ty.to_string())],
            "()",
        ),
        ",",
    );
    code.line_fmt(format_args!("min_align: {min_align},"));
    code.close_assignment(wrapped, "};");
}

/// ``buffer manager `comm` 37280 bytes, ...``: the region's largest items of known size.
fn largest(region: &RegionLayout) -> String {
    let mut items: Vec<&ItemLayout> = region
        .items
        .iter()
        .filter(|i| i.storage.is_exact())
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.footprint().bytes));
    let shown: Vec<String> = items
        .iter()
        .take(LARGEST_SHOWN)
        .map(|i| {
            format!(
                "{} `{}` {} bytes",
                i.kind.noun(),
                i.name.value,
                i.footprint().bytes
            )
        })
        .collect();
    shown.join(", ")
}
