//! Stage 2: checks of the model that need more than one value: names, references, duplicates, ranges,
//! alignments, bins, `type` paths. It reads the model and never changes it.

use std::collections::HashMap;
use std::fmt;

use crate::diagnostic::{Diagnostic, Stage, shorten};
use crate::metadata::{MAX_ALIGN, MAX_BINS, MAX_BLOCKS};
use crate::model::{Block, Config, Item, ItemKind, Spanned, Strategy};
use crate::naming::{check_identifier, did_you_mean, list_names, repaired_identifier, static_name};
use crate::parse::{Declared, Parsed};
use crate::size::display_size;
use crate::source::Span;
use crate::type_path::type_problem;

/// Runs stage 2 over a parsed file.
pub(crate) fn validate(parsed: &Parsed) -> Vec<Diagnostic> {
    let mut v = Validator {
        config: &parsed.config,
        declared: &parsed.declared,
        diagnostics: Vec::new(),
        type_problems: HashMap::new(),
    };
    v.names();
    v.duplicates();
    v.platforms();
    v.regions();
    for item in parsed.config.items() {
        v.item(item);
    }
    v.manager_ids();
    let regions = parsed.declared.region_names();
    for (item, region) in &parsed.declared.region_refs {
        if !regions.contains(region.value.as_str()) {
            let user = match parsed.declared.items.get(*item) {
                Some((kind, name)) => Named(*kind, &name.value).to_string(),
                None => "an item".to_string(),
            };
            v.unknown_region(region, &user);
        }
    }
    v.diagnostics
}

struct Validator<'a> {
    config: &'a Config,
    declared: &'a Declared,
    diagnostics: Vec<Diagnostic>,
    /// `type_problem` of every `type` text seen so far.
    type_problems: HashMap<String, Option<(String, String)>>,
}

impl Validator<'_> {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    // ----- Names ----------------------------------------------------------------------------------------

    fn names(&mut self) {
        for region in &self.declared.regions {
            self.identifier(region, "region", "memory::regions");
        }
        for (kind, name) in &self.declared.items {
            self.identifier(name, kind.noun(), &format!("memory::{}", kind.table()));
        }
        for platform in &self.declared.platforms {
            let name = &platform.value;
            let bad = name
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'));
            let problem = if name.is_empty() {
                Some("it is empty".to_string())
            } else {
                bad.map(|c| format!("`{}` is not allowed", c.escape_default()))
            };
            if let Some(problem) = problem {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!("`{}` is not a valid platform name: {problem}", shorten(name).escape_debug()),
                        "a platform is selected by name (e.g. in an environment variable): use letters, digits, \
                         `_` and `-`",
                    )
                    .at(platform.span, "invalid platform name"),
                );
            }
        }
    }

    fn identifier(&mut self, name: &Spanned<String>, noun: &str, module: &str) {
        if let Err(problem) = check_identifier(&name.value) {
            let repaired = repaired_identifier(&name.value);
            let generated = format!("{module}::{}", static_name(&repaired));
            self.error(
                Diagnostic::new(
                    Stage::Model,
                    format!(
                        "`{}` is not a valid name for a {noun}: {}",
                        shorten(&name.value).escape_debug(),
                        problem.describe()
                    ),
                    format!(
                        "names become Rust identifiers in the generated code: use ASCII letters, digits and `_`, \
                         not starting with a digit and not a keyword, e.g. `{repaired}` (generating `{generated}`)"
                    ),
                )
                .at(name.span, "not a Rust identifier"),
            );
        }
    }

    fn duplicates(&mut self) {
        // Items: one namespace for all kinds (the report, the ledger and the registry name items by name).
        let mut seen: HashMap<String, (ItemKind, &Spanned<String>)> = HashMap::new();
        for (kind, name) in &self.declared.items {
            let key = static_name(&name.value);
            match seen.get(&key) {
                Some(&(first_kind, first)) => {
                    let message = if first.value == name.value {
                        format!(
                            "the name `{}` is used by a {} and a {}",
                            name.value,
                            first_kind.noun(),
                            kind.noun()
                        )
                    } else {
                        format!(
                            "`{}` and `{}` both become the generated name `{key}`",
                            first.value, name.value
                        )
                    };
                    self.error(
                        Diagnostic::new(
                            Stage::Model,
                            message,
                            "rename one of them: item names must be unique across pools, buffer managers and \
                             components (and differ in more than letter case), because the report, the memory \
                             ledger and the generated statics identify items by name",
                        )
                        .at(name.span, format!("{} `{}`", kind.noun(), name.value))
                        .also(first.span, format!("{} `{}` declared first", first_kind.noun(), first.value)),
                    );
                }
                None => {
                    seen.insert(key, (*kind, name));
                }
            }
        }
        let mut regions: HashMap<String, &Spanned<String>> = HashMap::new();
        for region in &self.declared.regions {
            let key = static_name(&region.value);
            match regions.get(&key) {
                Some(first) => {
                    let message = format!(
                        "regions `{}` and `{}` both become `{key}`",
                        first.value, region.value
                    );
                    let first_span = first.span;
                    self.error(
                        Diagnostic::new(
                            Stage::Model,
                            message,
                            "rename one of them so that they differ in more than letter case",
                        )
                        .at(region.span, "second region")
                        .also(first_span, "first region"),
                    );
                }
                None => {
                    regions.insert(key, region);
                }
            }
        }
    }

    // ----- Platforms and regions ------------------------------------------------------------------------

    fn platforms(&mut self) {
        let defaults: Vec<_> = self.config.platforms.iter().filter(|p| p.default).collect();
        if let [first, rest @ ..] = defaults.as_slice() {
            for other in rest {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!(
                            "platforms `{}` and `{}` are both marked `default = true`",
                            first.name.value, other.name.value
                        ),
                        "mark at most one platform as the default (the one a build uses when it selects none)",
                    )
                    .at(other.name.span, "second default")
                    .also(first.name.span, "first default"),
                );
            }
        }
        for platform in &self.config.platforms {
            self.nonzero(&platform.budget, format_args!("`budget` of platform `{}`", platform.name.value), "give the platform a budget above zero, e.g. `budget = \"448 KiB\"`: all its regions together must fit in it");
            for o in &platform.overrides {
                if !self
                    .declared
                    .regions
                    .iter()
                    .any(|r| r.value == o.region.value)
                {
                    self.unknown_region(&o.region, &format!("platform `{}`", platform.name.value));
                }
                if let Some(size) = &o.size {
                    self.nonzero(
                        size,
                        format_args!(
                            "size of region `{}` on platform `{}`",
                            o.region.value, platform.name.value
                        ),
                        "give the region a size above zero on this platform, e.g. `\"64 KiB\"`",
                    );
                }
                if let Some(Spanned {
                    value: Some(section),
                    span,
                }) = &o.section
                {
                    self.section(section, *span);
                }
            }
        }
    }

    fn regions(&mut self) {
        for region in &self.config.regions {
            let name = &region.name.value;
            if let Some(size) = &region.size {
                self.nonzero(
                    size,
                    format_args!("`size` of region `{name}`"),
                    "give the region a size above zero, e.g. `size = \"64 KiB\"`, or remove it",
                );
            }
            if let Some(align) = &region.align {
                self.alignment(align, format_args!("region `{name}`"));
            }
            if let Some(section) = &region.section {
                self.section(&section.value, section.span);
            }
            if region.size.is_none() {
                let unsized_on: Vec<&str> = self
                    .config
                    .platforms
                    .iter()
                    .filter(|p| {
                        p.override_of(&region.name.value)
                            .and_then(|o| o.size.as_ref())
                            .is_none()
                    })
                    .map(|p| p.name.value.as_str())
                    .collect();
                if !unsized_on.is_empty() {
                    let platforms = list_names(unsized_on.iter().copied());
                    let example = unsized_on.first().copied().unwrap_or("NAME");
                    let help = if self.config.platforms.len() == 1
                        && self.config.platforms.iter().all(|p| p.overrides.is_empty())
                    {
                        format!(
                            "add `size = \"64 KiB\"` (its size) to `[regions.{}]`",
                            region.name.value
                        )
                    } else {
                        format!(
                            "add `size = ...` to `[regions.{}]`, or give it a size in each platform's regions, e.g. \
                             `{} = \"64 KiB\"` in `[platforms.{example}.regions]`",
                            region.name.value, region.name.value
                        )
                    };
                    self.error(
                        Diagnostic::new(
                            Stage::Model,
                            format!(
                                "region `{}` has no size on platform {platforms}",
                                region.name.value
                            ),
                            help,
                        )
                        .at(region.name.span, "no `size`"),
                    );
                }
            }
        }
    }

    fn section(&mut self, section: &str, span: Span) {
        let problem = if section.is_empty() {
            Some("it is empty".to_string())
        } else {
            section
                .chars()
                .find(|c| c.is_whitespace() || c.is_control() || *c == '"' || *c == '\\')
                .map(|c| format!("it contains `{}`", c.escape_default()))
        };
        if let Some(problem) = problem {
            self.error(
                Diagnostic::new(
                    Stage::Model,
                    format!("`section` \"{}\" is not a usable link section name: {problem}", shorten(section).escape_debug()),
                    "write the section as the linker script names it, e.g. `section = \".bss.sram\"`, or leave \
                     `section` out",
                )
                .at(span, "bad section name"),
            );
        }
    }

    // ----- Items ----------------------------------------------------------------------------------------

    fn item(&mut self, item: Item<'_>) {
        let what = Named(item.kind(), &item.name().value);
        if let Some(align) = item.align() {
            self.alignment(align, format_args!("{what}"));
        }
        match item {
            Item::Pool(pool) => {
                match &pool.block {
                    Block::Size(size) => self.nonzero(size, format_args!("`block_size` of {what}"), "a block needs at least one byte: give the bytes per block, e.g. `block_size = 256`"),
                    Block::Type(path) => self.type_path(path),
                }
                self.block_count(
                    &pool.count,
                    format_args!("`count` of {what}"),
                    "a pool needs at least one block: set `count` to 1 or more, or remove the pool",
                );
            }
            Item::BufferManager(manager) => self.bins(&what, &manager.bins),
            Item::Component(component) => {
                match &component.strategy {
                    Strategy::Linear { size } | Strategy::Stack { size } => {
                        self.nonzero(size, format_args!("`size` of {what}"), "give the component's allocator at least one byte, e.g. `size = \"4 KiB\"`");
                    }
                    Strategy::Pool { block_size, count } => {
                        self.nonzero(block_size, format_args!("`block_size` of {what}"), "a block needs at least one byte: give the bytes per block, e.g. `block_size = 64`");
                        self.block_count(
                            count,
                            format_args!("`count` of {what}"),
                            "a pool needs at least one block: set `count` to 1 or more",
                        );
                    }
                }
            }
        }
    }

    fn bins(&mut self, what: &Named<'_>, bins: &Spanned<Vec<crate::model::Bin>>) {
        if bins.value.is_empty() {
            self.error(
                Diagnostic::new(
                    Stage::Model,
                    format!("{what} has no bins"),
                    "add at least one bin, e.g. `bins = [ { size = 1024, count = 16 } ]`, or remove the buffer manager",
                )
                .at(bins.span, "empty"),
            );
            return;
        }
        if bins.value.len() as u64 > MAX_BINS {
            self.error(
                Diagnostic::new(
                    Stage::Model,
                    format!(
                        "{what} has {} bins, more than a buffer manager can have ({MAX_BINS})",
                        bins.value.len()
                    ),
                    format!(
                        "use at most {MAX_BINS} bins: merge bins of similar sizes, or split the buffers over two managers"
                    ),
                )
                .at(
                    bins.value[MAX_BINS as usize].span,
                    format!("bin {} is one too many", MAX_BINS + 1),
                ),
            );
        }
        let mut sizes: HashMap<u64, Span> = HashMap::new();
        for (index, bin) in bins.value.iter().enumerate() {
            let bin_what = BinOf(index + 1, what);
            self.nonzero(
                &bin.size,
                format_args!("`size` of {bin_what}"),
                "a buffer needs at least one byte: give the bytes per buffer, e.g. `size = 1024`",
            );
            self.block_count(
                &bin.count,
                format_args!("`count` of {bin_what}"),
                "a bin needs at least one buffer: set `count` to 1 or more, or remove the bin",
            );
            if let Some(&first) = sizes.get(&bin.size.value) {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!(
                            "two bins of {what} have the same buffer size, {}",
                            display_size(bin.size.value)
                        ),
                        "merge them into one bin with the counts added, or change one of the sizes",
                    )
                    .at(bin.size.span, "same size again")
                    .also(first, "first bin of this size"),
                );
            } else {
                sizes.insert(bin.size.value, bin.size.span);
            }
        }
    }

    fn manager_ids(&mut self) {
        let mut ids: HashMap<u32, (&str, Span)> = HashMap::new();
        for manager in &self.config.buffer_managers {
            if let Some(id) = &manager.id {
                match ids.get(&id.value) {
                    Some(&(first_name, first_span)) => {
                        let message = format!(
                            "buffer managers `{first_name}` and `{}` have the same `id` {}",
                            manager.name.value, id.value
                        );
                        self.error(
                            Diagnostic::new(
                                Stage::Model,
                                message,
                                "give every buffer manager its own `id` (raw buffer handles are checked against it), \
                                 or leave `id` out to have one assigned",
                            )
                            .at(id.span, "same id again")
                            .also(first_span, format!("`{first_name}` has it first")),
                        );
                    }
                    None => {
                        ids.insert(id.value, (&manager.name.value, id.span));
                    }
                }
            }
        }
    }

    fn type_path(&mut self, path: &Spanned<String>) {
        // Parsing a type is the costliest check: each distinct text is parsed once.
        let problem = self
            .type_problems
            .entry(path.value.clone())
            .or_insert_with(|| type_problem(&path.value))
            .clone();
        if let Some((problem, help)) = problem {
            self.error(
                Diagnostic::new(
                    Stage::Model,
                    format!(
                        "`type` \"{}\" {problem}",
                        shorten(&path.value).escape_debug()
                    ),
                    help,
                )
                .at(path.span, "not a usable Rust type"),
            );
        }
    }

    // ----- Values ---------------------------------------------------------------------------------------

    fn nonzero(&mut self, value: &Spanned<u64>, what: fmt::Arguments<'_>, help: &str) {
        if value.value == 0 {
            self.error(
                Diagnostic::new(Stage::Model, format!("{what} is zero"), help)
                    .at(value.span, "zero"),
            );
        }
    }

    fn block_count(&mut self, count: &Spanned<u64>, what: fmt::Arguments<'_>, why: &str) {
        self.nonzero(count, what, why);
        if count.value > MAX_BLOCKS {
            self.error(
                Diagnostic::new(
                    Stage::Model,
                    format!(
                        "{what} is {}, more than one free list can manage ({MAX_BLOCKS})",
                        count.value
                    ),
                    format!("use at most {MAX_BLOCKS} blocks, or split it into several pools"),
                )
                .at(count.span, "too many blocks"),
            );
        }
    }

    fn alignment(&mut self, align: &Spanned<u64>, what: fmt::Arguments<'_>) {
        let a = align.value;
        if a == 0 || !a.is_power_of_two() {
            let below = if a <= 1 {
                1
            } else {
                1u64 << (63 - a.leading_zeros())
            };
            let above = below.checked_mul(2).filter(|_| a > 1);
            let suggestion = match above {
                Some(above) if above <= MAX_ALIGN => format!("{below} or {above}"),
                _ => below.min(MAX_ALIGN).to_string(),
            };
            self.error(
                Diagnostic::new(
                    Stage::Model,
                    format!("`align` of {what} is {a}, not a power of two"),
                    format!("alignments are powers of two: use {suggestion}"),
                )
                .at(align.span, "not a power of two"),
            );
        } else if a > MAX_ALIGN {
            self.error(
                Diagnostic::new(
                    Stage::Model,
                    format!(
                        "`align` of {what} is {}, more than the largest supported ({})",
                        display_size(a),
                        display_size(MAX_ALIGN)
                    ),
                    "use a smaller alignment (a page is 4 KiB, a cache line 32 or 64 bytes)",
                )
                .at(align.span, "too large"),
            );
        }
    }

    fn unknown_region(&mut self, region: &Spanned<String>, user: &str) {
        let names: Vec<&str> = self
            .declared
            .regions
            .iter()
            .map(|r| r.value.as_str())
            .collect();
        let help = if names.is_empty() {
            format!(
                "no regions are declared: add `[regions.{}]` with its `size`",
                region.value.escape_debug()
            )
        } else {
            match did_you_mean(&region.value, names.iter().copied()) {
                Some(s) => format!(
                    "did you mean `{s}`? The declared regions are {}",
                    list_names(names.iter().copied())
                ),
                None => format!(
                    "use one of the declared regions, {}, or declare `[regions.{}]` with its `size`",
                    list_names(names.iter().copied()),
                    region.value.escape_debug()
                ),
            }
        };
        self.error(
            Diagnostic::new(
                Stage::Model,
                format!(
                    "unknown region `{}` for {user}",
                    region.value.escape_debug()
                ),
                help,
            )
            .at(region.span, "no such region"),
        );
    }
}

/// An item in words, formatted only when an error needs it: "pool `telemetry`".
struct Named<'a>(ItemKind, &'a str);

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.0.noun(), self.1)
    }
}

/// A bin of an item in words: "bin 2 of buffer manager `comm`".
struct BinOf<'a>(usize, &'a Named<'a>);

impl fmt::Display for BinOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bin {} of {}", self.0, self.1)
    }
}
