//! Stage 5: the Rust code of one platform's plan, the file `flight_memory::include_memory!()` includes.
//!
//! The code is a plain function of a [`Checked`] plan and the platform a build selected; the plan is only read.
//! One concern per file, each writing its part of the file with [`text`] (formatted as rustfmt formats, written
//! directly: 10,000 items take milliseconds):
//!
//! * `pools`: `memory::pools::NAME`, a `MemoryPool` over blocks in a `static` of their own, or for
//!   `type = "..."` a `TypedPool` over slots in a `static` of their own;
//! * `buffer_managers`: `memory::buffer_managers::NAME`, a `BufferManager` over a bins table, state and storage;
//! * `components`: `memory::components::NAME`, a `LinearAllocator`, `StackAllocator` or `MemoryPool`;
//! * `platform`: `memory::PLATFORM`, the platform's name, budget and regions;
//! * `ledger`: the hidden `memory::__budget` module, where sizes only rustc knows are added to each region and
//!   checked at compile time;
//! * `text`: lines, comments and line breaking.
//!
//! Every generated `static` is built by constant evaluation. Storage bytes, which need no initial value, are
//! separate `static`s declared inside the initialiser of the item that owns them (so nothing else can name
//! them, which is what makes the generated `unsafe` constructor calls sound) and carry the region's
//! `#[unsafe(link_section = ...)]`; allocator state stays in the sections start-up code initialises. Generated
//! code names the runtime only through `::flight_memory::__private_v0_1`, so crates of mismatched versions fail
//! to compile instead of silently disagreeing.

mod buffer_managers;
mod component_crate;
mod components;
mod ledger;
mod platform;
mod pools;
mod text;

use std::collections::HashMap;
use std::fmt;

use text::Code;

use crate::check::Checked;
use crate::layout::{ItemLayout, PlatformLayout, RegionLayout};
use crate::model::{Config, Item, ItemKind};
use crate::naming::list_names;
use crate::source::{SourceFile, Span};

pub use component_crate::{counted_crate_symbol, generate_component_crate, plan_fingerprint};
pub use ledger::ExternalTerm;

/// The file name [`include_memory!()`](https://docs.rs/flight-memory) includes from `OUT_DIR`.
pub const OUTPUT_FILE: &str = "flight_memory.rs";

/// The version of the hidden runtime module generated code names (`::flight_memory::__private_v0_1`). It
/// changes whenever the generated code needs a different runtime API.
pub const RUNTIME_PATH: &str = "__private_v0_1";

/// Generates the code of `checked` for the platform called `platform`: the text of `flight_memory.rs`.
///
/// ```
/// let text = r#"
/// [platform]
/// name = "obc"
/// budget = "64 KiB"
///
/// [regions.sram]
/// size = "64 KiB"
/// section = ".bss.sram"
///
/// [pools.packets]
/// region = "sram"
/// block_size = 256
/// count = 16
/// "#;
/// let checked = flight_memory_gen::check_str("memory.toml", text)?;
/// let code = flight_memory_gen::generate(&checked, "obc")?;
/// assert!(code.starts_with("// @generated"));
/// assert!(code.contains("pub static PACKETS: fm::MemoryPool<"));
/// assert!(code.contains("#[unsafe(link_section = \".bss.sram\")]"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`GenerateError::UnknownPlatform`] if the file has no such platform.
pub fn generate(checked: &Checked, platform: &str) -> Result<String, GenerateError> {
    generate_with(checked, platform, &[])
}

/// The layout of `platform`, or the error that lists the file's platforms.
pub(crate) fn platform_layout<'c>(
    checked: &'c Checked,
    platform: &str,
) -> Result<&'c crate::layout::PlatformLayout, GenerateError> {
    checked
        .layout(platform)
        .ok_or_else(|| GenerateError::UnknownPlatform {
            name: platform.to_string(),
            platforms: checked.platform_names(),
        })
}

/// [`generate`], with sizes declared outside memory.toml added to the regions' ledgers.
///
/// This is the hook for `#[memory_pool]` and `buffer_bins!` (flight-memory-macros): a scan of the crate's
/// sources finds each use, and each becomes an [`ExternalTerm`] of its region, added at compile time to what
/// the region's items need and checked against its size with the items of memory.toml. Each term has a key
/// that the macro's expansion asserts is in the ledger (`RegionLedger::has` in the runtime), so a use the scan
/// missed fails to compile instead of escaping the budget.
///
/// # Errors
///
/// [`GenerateError::UnknownPlatform`] if the file has no such platform, [`GenerateError::UnknownRegion`] if a
/// term names a region the file does not declare, [`GenerateError::InvalidType`] if its type does not parse.
pub fn generate_with(
    checked: &Checked,
    platform: &str,
    external: &[ExternalTerm],
) -> Result<String, GenerateError> {
    generate_program(checked, platform, external, &[])
}

/// [`generate_with`] for a program that also counts the macro uses of its component crates `crates` (Rust
/// crate names): each region's ledger adds the terms each of them exports (see [`generate_component_crate`]),
/// and the program defines the link-time name each of them needs ([`counted_crate_symbol`]).
///
/// # Errors
///
/// As [`generate_with`], and [`GenerateError::CrateName`] if a name in `crates` is not a Rust crate name.
pub fn generate_program(
    checked: &Checked,
    platform: &str,
    external: &[ExternalTerm],
    crates: &[String],
) -> Result<String, GenerateError> {
    let (layout, crates) = checked_inputs(checked, platform, external, crates)?;
    let mut cx = Context::new(checked.source(), checked.config(), layout, external);
    cx.layouts = checked.layouts();
    cx.crates = &crates;
    Ok(write_program(&cx))
}

/// The selected platform's layout and the crate names, once the external terms and the names are checked.
fn checked_inputs<'c>(
    checked: &'c Checked,
    platform: &str,
    external: &[ExternalTerm],
    crates: &[String],
) -> Result<(&'c PlatformLayout, Vec<String>), GenerateError> {
    let layout = platform_layout(checked, platform)?;
    for other in checked.layouts() {
        let Some(term) = external.iter().find(|t| other.region(&t.region).is_none()) else {
            continue;
        };
        let regions = other.regions.iter().map(|r| r.name.value.clone()).collect();
        if let Some(location) = &term.region_location {
            return Err(GenerateError::MacroRegion {
                what: term.what.clone(),
                location: location.clone(),
                region: term.region.clone(),
                platform: other.platform.value.clone(),
                regions,
            });
        }
        return Err(GenerateError::UnknownRegion {
            region: term.region.clone(),
            regions,
        });
    }
    let mut claims = std::collections::HashSet::new();
    if let Some(term) = external
        .iter()
        .find(|t| t.claim.as_ref().is_some_and(|c| !claims.insert(c.as_str())))
    {
        return Err(GenerateError::SameClaim {
            location: term.location.clone(),
        });
    }
    if let Some(term) = external
        .iter()
        .find(|t| t.claim.is_none() && syn::parse_str::<syn::Type>(&t.type_path).is_err())
    {
        return Err(GenerateError::InvalidType {
            key: term.key.clone(),
            type_path: term.type_path.clone(),
        });
    }
    let crates = crates
        .iter()
        .map(|name| component_crate::rust_crate_name(name))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((layout, crates))
}

/// The whole file of a program's plan.
fn write_program(cx: &Context<'_>) -> String {
    // The sections are independent: a large plan writes them on two threads. The first also holds the file's
    // start, and the second is appended to it.
    let capacity = 800 * cx.placed.len();
    let (first, second) = if cx.placed.len() >= PARALLEL_ITEMS {
        std::thread::scope(|scope| {
            let second = scope.spawn(|| second_half(cx, capacity));
            let first = first_half(cx, 2 * capacity);
            (first, second.join())
        })
    } else {
        (first_half(cx, 2 * capacity), Ok(second_half(cx, 0)))
    };
    let mut code = first;
    // Writing text does not panic; if it did, write the sections here instead.
    let second = second.unwrap_or_else(|_| second_half(cx, capacity));
    code.reserve(second.len() + 16);
    code.push_code(second);
    code.close("}");
    code.finish()
}

/// From how many items the sections are written on two threads.
const PARALLEL_ITEMS: usize = 1000;

/// The header, the start of `memory`, `memory::pools` and `memory::buffer_managers`.
fn first_half(cx: &Context<'_>, capacity: usize) -> Code {
    let mut code = Code::new(capacity + 4096);
    header(cx, &mut code);
    code.doc(&[
        format!(
            "The memory plan of platform `{}`, generated by flight-memory-gen from `{}`.",
            cx.layout.platform.value,
            cx.source.name()
        ),
        "Every item is a `static` built at compile time; see `flight_memory::include_memory!`."
            .to_string(),
    ]);
    code.line("#[allow(dead_code)]");
    code.open("pub mod memory {");
    code.line_fmt(format_args!("use ::flight_memory::{RUNTIME_PATH} as fm;"));
    pools::pools(cx, &mut code);
    buffer_managers::buffer_managers(cx, &mut code);
    code
}

/// `memory::components`, `memory::PLATFORM` and `memory::__budget`.
fn second_half(cx: &Context<'_>, capacity: usize) -> Code {
    let mut code = Code::at_depth(1, capacity);
    components::components(cx, &mut code);
    platform::platform(cx, &mut code);
    ledger::budget(cx, &mut code);
    code
}

/// The `@generated` header: what made the file, from what, and what not to do with it.
fn header(cx: &Context<'_>, code: &mut Code) {
    let file = cx.source.name();
    code.comment(&format!(
        "@generated by flight-memory-gen {} from `{file}` for platform `{}`. Do not edit: change `{file}` \
         and rebuild; `flight-memory-gen report {file}` shows the layout.",
        env!("CARGO_PKG_VERSION"),
        cx.layout.platform.value,
    ));
    code.comment("");
    code.comment(
        "Every item is a `static` built by constant evaluation: nothing runs at start-up. Storage bytes, \
         which need no initial value, go in their region's link section; allocator state stays in the \
         sections that start-up code initialises (`.bss`, `.data`).",
    );
    code.blank();
}

/// Why code could not be generated.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GenerateError {
    /// The file has no platform of that name.
    UnknownPlatform {
        /// The name asked for.
        name: String,
        /// The file's platforms.
        platforms: Vec<String>,
    },
    /// An [`ExternalTerm`] names a region the file does not declare.
    UnknownRegion {
        /// The region asked for.
        region: String,
        /// The file's regions.
        regions: Vec<String>,
    },
    /// A macro use names a region that a platform of the file does not declare.
    MacroRegion {
        /// The use (``#[memory_pool] on `Packet` ``).
        what: String,
        /// Where the region is named (`src/lib.rs:3:36`).
        location: String,
        /// The region named.
        region: String,
        /// The platform without it.
        platform: String,
        /// The platform's regions.
        regions: Vec<String>,
    },
    /// Two macro uses map to one type name (files whose names differ only in punctuation, at the same line
    /// and column).
    SameClaim {
        /// The second use.
        location: String,
    },
    /// A crate the program was told to count is not a Rust crate name.
    CrateName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        problem: String,
    },
    /// An [`ExternalTerm`]'s type does not parse.
    InvalidType {
        /// The term's key.
        key: String,
        /// The type as given.
        type_path: String,
    },
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateError::UnknownPlatform { name, platforms } => write!(
                f,
                "no platform `{name}`: the platforms are {}",
                list_names(platforms.iter().map(String::as_str))
            ),
            GenerateError::UnknownRegion { region, regions } => write!(
                f,
                "no region `{region}`: the regions are {}",
                list_names(regions.iter().map(String::as_str))
            ),
            GenerateError::MacroRegion {
                what,
                location,
                region,
                platform,
                regions,
            } => write!(
                f,
                "{location}: {what} is in region `{region}`, which memory.toml does not declare for platform \
                 `{platform}`; its regions are {}",
                list_names(regions.iter().map(String::as_str))
            ),
            GenerateError::SameClaim { location } => write!(
                f,
                "{location}: this use of flight-memory's macros has the same name in the budget as another one \
                 at the same line and column of a file whose name differs only in punctuation; rename one file"
            ),
            GenerateError::CrateName { name, problem } => write!(
                f,
                "`{name}` cannot be a crate the program counts: {problem}; give the name the program's code \
                 uses for the crate (`payload` for `use payload::...`; a `-` becomes `_`)"
            ),
            GenerateError::InvalidType { key, type_path } => {
                write!(
                    f,
                    "the type of `{key}`, `{type_path}`, does not parse as a Rust type"
                )
            }
        }
    }
}

impl std::error::Error for GenerateError {}

/// What every code generation function reads: the plan and the selected platform's layout.
pub(crate) struct Context<'a> {
    source: &'a SourceFile,
    config: &'a Config,
    layout: &'a PlatformLayout,
    /// Every platform's layout, the selected one included.
    layouts: &'a [PlatformLayout],
    external: &'a [ExternalTerm],
    /// The component crates whose terms the program counts (Rust crate names), for a program's plan.
    crates: &'a [String],
    /// The crate's name when the code is a component crate's (its macro uses only, counted by the program).
    component: Option<&'a str>,
    /// Each item's region and place in it.
    placed: HashMap<&'a str, (&'a RegionLayout, &'a ItemLayout)>,
}

impl<'a> Context<'a> {
    fn new(
        source: &'a SourceFile,
        config: &'a Config,
        layout: &'a PlatformLayout,
        external: &'a [ExternalTerm],
    ) -> Context<'a> {
        let mut placed = HashMap::new();
        for region in &layout.regions {
            for item in &region.items {
                placed.insert(item.name.value.as_str(), (region, item));
            }
        }
        Context {
            source,
            config,
            layout,
            layouts: std::slice::from_ref(layout),
            external,
            crates: &[],
            component: None,
            placed,
        }
    }

    /// `memory.toml:12:8`: where `span` is.
    fn location(&self, span: Span) -> String {
        format!(
            "{}:{}",
            self.source.name(),
            self.source.location(self.source.clamp(span).start)
        )
    }

    /// The region and layout of the item `item` (checked plans place every item).
    fn placed(&self, item: Item<'_>) -> Option<(&'a RegionLayout, &'a ItemLayout)> {
        self.placed.get(item.name().value.as_str()).copied()
    }
}

/// `#[unsafe(link_section = "...")]` for storage in `region`, if it has a section on this platform.
fn section_attribute(region: &RegionLayout, code: &mut Code) {
    if let Some(section) = &region.section {
        code.line_fmt(format_args!(
            "#[unsafe(link_section = {})]",
            text::string(section)
        ));
    }
}

/// Where the storage goes, for doc comments: ``in link section `.bss.sram` `` or `in the default sections`.
fn placement(region: &RegionLayout) -> String {
    match &region.section {
        Some(section) => format!("in link section `{section}`"),
        None => "in the default sections (`.bss`)".to_string(),
    }
}

/// ``pool `telemetry_packet` ``: an item in words, for messages.
fn what(kind: ItemKind, name: &str) -> String {
    format!("{} `{name}`", kind.noun())
}

/// `Pool `x``: the first letter in upper case, for the start of a doc comment.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What stands in for an item without a layout, which a checked plan does not have: a compile error rather
/// than a silently missing item.
fn not_laid_out(name: &str, code: &mut Code) {
    let message =
        format!("flight-memory-gen: item `{name}` has no layout (a bug, please report it)");
    code.line_fmt(format_args!(
        "::core::compile_error!({});",
        text::string(&message)
    ));
}

/// Opens a module of items, `pub mod NAME {`, with its doc and the runtime's path, or writes `pub mod NAME {}`
/// if it has none. Returns whether it is open (to be closed with `}`).
fn open_module(code: &mut Code, doc: &str, name: &str, empty: bool) -> bool {
    code.doc(&[doc]);
    if empty {
        code.line_fmt(format_args!("pub mod {name} {{}}"));
        return false;
    }
    code.open(&format!("pub mod {name} {{"));
    code.line("use super::fm;");
    true
}

/// A `type` from memory.toml as it goes in the code: its words joined by single spaces (the validator refused
/// comments, so this keeps its meaning and puts it on one line).
fn type_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
