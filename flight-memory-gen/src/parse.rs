//! Stage 1: the TOML text to the [`Config`] model.
//!
//! The file is parsed into TOML's spanned tree, which is then walked by hand (not through serde's derive,
//! which stops at the first error) so that every problem of every table is reported: unknown keys with a
//! suggestion, missing keys, wrong types, bad units, numbers out of range. An item with any such problem is
//! left out of the model (its name is still recorded in [`Declared`], so it does not cause a second error such
//! as "unknown region"); a key that is only unknown does not leave its table out.

use std::collections::HashSet;

use toml::Spanned as TomlSpanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Diagnostic, Stage, shorten};
use crate::model::{
    Bin, Block, BufferManager, Component, Config, ItemKind, Platform, Pool, Region, RegionOverride,
    Spanned, Strategy,
};
use crate::naming::{did_you_mean, list_names};
use crate::size::{SizeError, parse_size, split_number_unit};
use crate::source::{SourceFile, Span};
use crate::syntax::syntax_diagnostics;

mod placement;

/// The names a file declares, whether or not their tables could be read.
#[derive(Debug, Default)]
pub(crate) struct Declared {
    pub(crate) platforms: Vec<Spanned<String>>,
    pub(crate) regions: Vec<Spanned<String>>,
    pub(crate) items: Vec<(ItemKind, Spanned<String>)>,
    /// Every readable `region = "..."` of an item, with the item's index in `items`.
    pub(crate) region_refs: Vec<(usize, Spanned<String>)>,
}

impl Declared {
    /// The declared region names, for fast lookups.
    pub(crate) fn region_names(&self) -> HashSet<&str> {
        self.regions.iter().map(|r| r.value.as_str()).collect()
    }
}

/// What stage 1 produced.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) config: Config,
    pub(crate) declared: Declared,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// False when the file is not valid TOML; later stages must not run then.
    pub(crate) syntax_ok: bool,
    /// Platforms whose only problem is their budget, with the budget set to `u64::MAX`: laid out so that
    /// their regions are still checked, never reported as layouts.
    pub(crate) partial_platforms: Vec<Platform>,
}

/// Marks a value whose problem has already been reported.
#[derive(Clone, Copy, Debug)]
struct Reported;

type Read<T> = Result<T, Reported>;

/// The keys a kind of table has, for unknown-key errors.
struct TableSpec {
    /// The table in words: "a pool", "the platform".
    what: &'static str,
    keys: &'static [&'static str],
    /// Keys people write for these ones (`alignment` for `align`).
    aliases: &'static [(&'static str, &'static str)],
}

const COMMON_ALIASES: &[(&str, &str)] = &[
    ("alignment", "align"),
    ("aligned", "align"),
    ("memory", "region"),
    ("mem", "region"),
    ("blocks", "count"),
    ("number", "count"),
    ("num", "count"),
    ("n", "count"),
    ("length", "size"),
    ("len", "size"),
    ("capacity", "size"),
    ("bytes", "size"),
];

const ROOT: TableSpec = TableSpec {
    what: "memory.toml",
    keys: &[
        "platform",
        "platforms",
        "regions",
        "pools",
        "buffer_managers",
        "components",
    ],
    aliases: &[
        ("region", "regions"),
        ("pool", "pools"),
        ("buffers", "buffer_managers"),
        ("buffer_manager", "buffer_managers"),
        ("managers", "buffer_managers"),
        ("bins", "buffer_managers"),
        ("component", "components"),
        ("target", "platform"),
        ("board", "platform"),
    ],
};
const SINGLE_PLATFORM: TableSpec = TableSpec {
    what: "`[platform]`",
    keys: &["name", "budget"],
    aliases: &[
        ("size", "budget"),
        ("total", "budget"),
        ("limit", "budget"),
        ("ram", "budget"),
    ],
};
const NAMED_PLATFORM: TableSpec = TableSpec {
    what: "a platform",
    keys: &["budget", "default", "regions"],
    aliases: &[
        ("size", "budget"),
        ("total", "budget"),
        ("limit", "budget"),
        ("ram", "budget"),
        ("region", "regions"),
    ],
};
const OVERRIDE: TableSpec = TableSpec {
    what: "a platform's region",
    keys: &["size", "section", "origin", "memory"],
    aliases: COMMON_ALIASES,
};
const REGION: TableSpec = TableSpec {
    what: "a region",
    keys: &["size", "section", "align", "origin", "memory"],
    aliases: &[
        ("address", "origin"),
        ("base", "origin"),
        ("start", "origin"),
        ("org", "origin"),
        ("alignment", "align"),
        ("link_section", "section"),
        ("capacity", "size"),
        ("length", "size"),
    ],
};
const POOL: TableSpec = TableSpec {
    what: "a pool",
    keys: &["region", "block_size", "type", "count", "align"],
    aliases: &[
        ("size", "block_size"),
        ("block", "block_size"),
        ("blocksize", "block_size"),
        ("ty", "type"),
        ("alignment", "align"),
        ("memory", "region"),
        ("blocks", "count"),
        ("number", "count"),
        ("capacity", "count"),
    ],
};
const BUFFER_MANAGER: TableSpec = TableSpec {
    what: "a buffer manager",
    keys: &["region", "bins", "spill", "align", "id"],
    aliases: &[
        ("alignment", "align"),
        ("memory", "region"),
        ("bin", "bins"),
        ("buckets", "bins"),
        ("spill_over", "spill"),
        ("spillover", "spill"),
        ("manager_id", "id"),
        ("mgr_id", "id"),
    ],
};
const BIN: TableSpec = TableSpec {
    what: "a bin",
    keys: &["size", "count"],
    aliases: COMMON_ALIASES,
};
const COMPONENT: TableSpec = TableSpec {
    what: "a component",
    keys: &["region", "strategy", "size", "block_size", "count", "align"],
    aliases: &[
        ("alignment", "align"),
        ("memory", "region"),
        ("allocator", "strategy"),
        ("kind", "strategy"),
        ("type", "strategy"),
        ("blocks", "count"),
        ("number", "count"),
        ("capacity", "size"),
        ("length", "size"),
    ],
};

/// Runs stage 1 over `source`.
pub(crate) fn parse(source: &SourceFile) -> Parsed {
    let (root, errors) = DeTable::parse_recoverable(source.text());
    let mut reader = Reader {
        source,
        diagnostics: Vec::new(),
        declared: Declared::default(),
        config: Config::default(),
        partial_platforms: Vec::new(),
        suggested: Vec::new(),
    };
    if !errors.is_empty() {
        reader.diagnostics = syntax_diagnostics(source, &errors);
        return Parsed {
            config: Config::default(),
            declared: Declared::default(),
            diagnostics: reader.diagnostics,
            syntax_ok: false,
            partial_platforms: Vec::new(),
        };
    }
    reader.document(root.get_ref());
    Parsed {
        config: reader.config,
        declared: reader.declared,
        diagnostics: reader.diagnostics,
        syntax_ok: true,
        partial_platforms: reader.partial_platforms,
    }
}

struct Reader<'s> {
    source: &'s SourceFile,
    diagnostics: Vec<Diagnostic>,
    declared: Declared,
    config: Config,
    partial_platforms: Vec<Platform>,
    /// `(table path, key)` suggested for an unknown key: not reported again as missing.
    suggested: Vec<(String, &'static str)>,
}

fn span_of<T>(spanned: &TomlSpanned<T>) -> Span {
    spanned.span().into()
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

impl Reader<'_> {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    // ----- The document ---------------------------------------------------------------------------------

    fn document(&mut self, root: &DeTable<'_>) {
        let mut single: Option<Span> = None;
        let mut named: Option<Span> = None;
        for (key, value) in root.iter() {
            let key_span = span_of(key);
            match &**key.get_ref() {
                "platform" => {
                    single = Some(key_span);
                    if let Ok(table) = self.expect_table(
                        value,
                        "`platform`",
                        "[platform]\nname = \"board\"\nbudget = \"448 KiB\"",
                    ) {
                        self.single_platform(table, span_of(value));
                    }
                }
                "platforms" => {
                    named = Some(key_span);
                    self.named_tables(value, "platforms", "a platform", |r, name, table, span| {
                        r.named_platform(name, table, span);
                    });
                }
                "regions" => {
                    self.named_tables(value, "regions", "a region", |r, name, table, span| {
                        r.region(name, table, span);
                    })
                }
                "pools" => self.named_tables(value, "pools", "a pool", |r, name, table, span| {
                    r.pool(name, table, span);
                }),
                "buffer_managers" => {
                    self.named_tables(
                        value,
                        "buffer_managers",
                        "a buffer manager",
                        |r, name, table, span| {
                            r.buffer_manager(name, table, span);
                        },
                    );
                }
                "components" => {
                    self.named_tables(
                        value,
                        "components",
                        "a component",
                        |r, name, table, span| {
                            r.component(name, table, span);
                        },
                    );
                }
                other => {
                    let other = other.to_string();
                    self.unknown_key(&ROOT, "", &other, key_span);
                }
            }
        }
        if let Some(named) = named.filter(|_| self.declared.platforms.is_empty()) {
            if !self
                .diagnostics
                .iter()
                .any(|d| d.primary().is_some_and(|l| l.span == named))
            {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        "`[platforms]` declares no platform",
                        "add a table per platform, e.g. `[platforms.flight]` with `budget = \"448 KiB\"`",
                    )
                    .at(named, "no platform in here"),
                );
            }
        }
        match (single, named) {
            (Some(first), Some(second)) => {
                let (first, second) = if first.start <= second.start {
                    (first, second)
                } else {
                    (second, first)
                };
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        "`[platform]` and `[platforms]` are both declared",
                        "use `[platform]` for a file with one platform, or one `[platforms.NAME]` table per \
                         platform, not both",
                    )
                    .at(second, "second way of declaring platforms")
                    .also(first, "first way"),
                );
            }
            (None, None)
                if self.was_suggested("", "platform") || self.was_suggested("", "platforms") => {}
            (None, None) => {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        "no platform is declared",
                        "add a `[platform]` table with `name` and `budget`, e.g. `[platform]` / `name = \"obc\"` / \
                         `budget = \"448 KiB\"` (or `[platforms.NAME]` tables for several platforms)",
                    )
                    .at(Span::new(0, 0), "the file starts here"),
                );
            }
            _ => {}
        }
    }

    /// Walks `[kind.NAME]` tables: `value` must be a table of tables.
    fn named_tables(
        &mut self,
        value: &TomlSpanned<DeValue<'_>>,
        kind: &str,
        what: &str,
        mut each: impl FnMut(&mut Self, Spanned<String>, &DeTable<'_>, Span),
    ) {
        let table = match value.get_ref() {
            DeValue::Table(table) => table,
            DeValue::Array(_) => {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!("`{kind}` must be a table of named entries, not an array"),
                        format!(
                            "give each entry a name: write `[{kind}.NAME]` instead of `[[{kind}]]`"
                        ),
                    )
                    .at(span_of(value), "an array"),
                );
                return;
            }
            other => {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!(
                            "`{kind}` must be a table of named entries, not {}",
                            type_name(other)
                        ),
                        format!("declare each entry as its own table: `[{kind}.NAME]`"),
                    )
                    .at(span_of(value), type_name(other)),
                );
                return;
            }
        };
        for (key, entry) in table.iter() {
            let name = Spanned::new(key.get_ref().to_string(), span_of(key));
            match entry.get_ref() {
                DeValue::Table(inner) => each(self, name, inner, span_of(entry)),
                other => {
                    match kind {
                        "platforms" => self.declared.platforms.push(name.clone()),
                        "regions" => self.declared.regions.push(name.clone()),
                        "pools" => self.declared.items.push((ItemKind::Pool, name.clone())),
                        "buffer_managers" => self
                            .declared
                            .items
                            .push((ItemKind::BufferManager, name.clone())),
                        "components" => self
                            .declared
                            .items
                            .push((ItemKind::Component, name.clone())),
                        _ => {}
                    }
                    self.error(
                        Diagnostic::new(
                            Stage::Model,
                            format!("`{kind}.{}` must be a table describing {what}, not {}", name.value, type_name(other)),
                            format!(
                                "write its keys under a header: `[{kind}.{}]`, or as an inline table \
                                 `{} = {{ ... }}`",
                                name.value, name.value
                            ),
                        )
                        .at(span_of(entry), type_name(other)),
                    );
                }
            }
        }
    }

    // ----- Platforms ------------------------------------------------------------------------------------

    fn single_platform(&mut self, table: &DeTable<'_>, span: Span) {
        const PATH: &str = "`[platform]`";
        self.check_keys(&SINGLE_PLATFORM, PATH, table);
        let name = self.required(
            table,
            span,
            PATH,
            "name",
            "the platform's name, e.g. `name = \"obc\"`",
            |r, v| r.string(v, "name", "name = \"obc\""),
        );
        let budget = self.required(
            table,
            span,
            PATH,
            "budget",
            "all regions together must fit in it, e.g. `budget = \"448 KiB\"`",
            |r, v| r.size(v, "budget"),
        );
        if let Ok(name) = &name {
            self.declared.platforms.push(name.clone());
        }
        match (name, budget) {
            (Ok(name), Ok(budget)) => self.config.platforms.push(Platform {
                name,
                budget,
                default: false,
                overrides: Vec::new(),
                span,
            }),
            (Ok(name), Err(Reported)) => self.partial_platforms.push(Platform {
                name,
                budget: Spanned::new(u64::MAX, span),
                default: false,
                overrides: Vec::new(),
                span,
            }),
            _ => {}
        }
    }

    fn named_platform(&mut self, name: Spanned<String>, table: &DeTable<'_>, span: Span) {
        self.declared.platforms.push(name.clone());
        let path = format!("`[platforms.{}]`", name.value);
        self.check_keys(&NAMED_PLATFORM, &path, table);
        let budget = self.required(
            table,
            span,
            &path,
            "budget",
            "all regions together must fit in it, e.g. `budget = \"448 KiB\"`",
            |r, v| r.size(v, "budget"),
        );
        let default = self.optional(table, "default", |r, v| r.boolean(v, "default"));
        let overrides = self.optional(table, "regions", |r, v| r.overrides(v, &path));
        match (budget, default, overrides) {
            (Ok(budget), Ok(default), Ok(overrides)) => self.config.platforms.push(Platform {
                name,
                budget,
                default: default.is_some_and(|d| d.value),
                overrides: overrides.unwrap_or_default(),
                span,
            }),
            (Err(Reported), _, Ok(overrides)) => self.partial_platforms.push(Platform {
                name,
                budget: Spanned::new(u64::MAX, span),
                default: false,
                overrides: overrides.unwrap_or_default(),
                span,
            }),
            _ => {}
        }
    }

    fn overrides(
        &mut self,
        value: &TomlSpanned<DeValue<'_>>,
        path: &str,
    ) -> Read<Vec<RegionOverride>> {
        let example = "regions = { sram = \"32 MiB\" }";
        let table = self.expect_table(value, &format!("`regions` of {path}"), example)?;
        let mut overrides = Vec::new();
        let mut ok = true;
        for (key, entry) in table.iter() {
            let region = Spanned::new(key.get_ref().to_string(), span_of(key));
            let entry_path = format!("region `{}` of {path}", region.value);
            let result = match entry.get_ref() {
                DeValue::Table(inner) => {
                    self.check_keys(&OVERRIDE, &entry_path, inner);
                    let size = self.optional(inner, "size", |r, v| r.size(v, "size"));
                    let section = self.optional(inner, "section", |r, v| r.section_override(v));
                    let origin = self.optional(inner, "origin", |r, v| r.origin_override(v));
                    let memory = self.optional(inner, "memory", |r, v| r.memory_override(v));
                    match (size, section, origin, memory) {
                        (Ok(size), Ok(section), Ok(origin), Ok(memory)) => {
                            if size.is_none()
                                && section.is_none()
                                && origin.is_none()
                                && memory.is_none()
                            {
                                self.error(
                                    Diagnostic::new(
                                        Stage::Model,
                                        format!("{entry_path} changes nothing"),
                                        "give the region's `size` (and/or `section`, `origin`, `memory`) on this platform, or \
                                         remove the entry",
                                    )
                                    .at(span_of(entry), "empty"),
                                );
                                Err(Reported)
                            } else {
                                Ok(RegionOverride {
                                    region,
                                    size,
                                    section,
                                    origin,
                                    memory,
                                })
                            }
                        }
                        _ => Err(Reported),
                    }
                }
                DeValue::Integer(_) | DeValue::String(_) => {
                    self.size(entry, "size").map(|size| RegionOverride {
                        region,
                        size: Some(size),
                        section: None,
                        origin: None,
                        memory: None,
                    })
                }
                other => {
                    self.error(
                        Diagnostic::new(
                            Stage::Model,
                            format!("{entry_path} must be a size or a table, not {}", type_name(other)),
                            format!(
                                "write the region's size on this platform, `{} = \"32 MiB\"`, or a table \
                                 `{} = {{ size = \"32 MiB\", section = false }}`",
                                region.value, region.value
                            ),
                        )
                        .at(span_of(entry), type_name(other)),
                    );
                    Err(Reported)
                }
            };
            match result {
                Ok(o) => overrides.push(o),
                Err(Reported) => ok = false,
            }
        }
        if ok { Ok(overrides) } else { Err(Reported) }
    }

    fn section_override(
        &mut self,
        value: &TomlSpanned<DeValue<'_>>,
    ) -> Read<Spanned<Option<String>>> {
        match value.get_ref() {
            DeValue::String(s) => Ok(Spanned::new(Some(s.to_string()), span_of(value))),
            DeValue::Boolean(false) => Ok(Spanned::new(None, span_of(value))),
            DeValue::Boolean(true) => {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        "`section = true` does not name a section",
                        "write the link section, `section = \".bss.sram\"`, or `section = false` for none on this \
                         platform (leave `section` out to keep the region's own)",
                    )
                    .at(span_of(value), "not a section name"),
                );
                Err(Reported)
            }
            other => {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!("`section` must be a string or `false`, not {}", type_name(other)),
                        "write the link section, `section = \".bss.sram\"`, or `section = false` for none on this \
                         platform",
                    )
                    .at(span_of(value), type_name(other)),
                );
                Err(Reported)
            }
        }
    }

    // ----- Regions and items ----------------------------------------------------------------------------

    fn region(&mut self, name: Spanned<String>, table: &DeTable<'_>, span: Span) {
        self.declared.regions.push(name.clone());
        let path = format!("`[regions.{}]`", name.value);
        self.check_keys(&REGION, &path, table);
        let size = self.optional(table, "size", |r, v| r.size(v, "size"));
        let section = self.optional(table, "section", |r, v| {
            r.string(v, "section", "section = \".bss.sram\"")
        });
        let align = self.optional(table, "align", |r, v| r.size(v, "align"));
        let origin = self.optional(table, "origin", |r, v| r.origin(v));
        let memory = self.optional(table, "memory", |r, v| r.memory(v));
        if let (Ok(size), Ok(section), Ok(align), Ok(origin), Ok(memory)) =
            (size, section, align, origin, memory)
        {
            self.config.regions.push(Region {
                name,
                size,
                section,
                align,
                origin,
                memory,
                span,
            });
        }
    }

    fn pool(&mut self, name: Spanned<String>, table: &DeTable<'_>, span: Span) {
        self.declared.items.push((ItemKind::Pool, name.clone()));
        let path = format!("`[pools.{}]`", name.value);
        self.check_keys(&POOL, &path, table);
        let region = self.item_region(table, span, &path);
        let count = self.required(
            table,
            span,
            &path,
            "count",
            "the number of blocks, e.g. `count = 64`",
            |r, v| r.count(v, "count"),
        );
        let align = self.optional(table, "align", |r, v| r.size(v, "align"));
        let block_size = self.optional(table, "block_size", |r, v| r.size(v, "block_size"));
        let type_path = self.optional(table, "type", |r, v| {
            r.string(v, "type", "type = \"crate::tlm::Packet\"")
        });
        let block = match (block_size, type_path) {
            (Ok(Some(size)), Ok(None)) => Ok(Block::Size(size)),
            (Ok(None), Ok(Some(path))) => Ok(Block::Type(path)),
            (Ok(Some(size)), Ok(Some(ty))) => {
                let (first, second) = if size.span.start < ty.span.start {
                    (size.span, ty.span)
                } else {
                    (ty.span, size.span)
                };
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!("pool `{}` has both `block_size` and `type`", name.value),
                        "keep `block_size` for untyped blocks of that many bytes, or `type` for blocks of a Rust \
                         type, and remove the other",
                    )
                    .at(second, "second block description")
                    .also(first, "first block description"),
                );
                Err(Reported)
            }
            (Ok(None), Ok(None))
                if self.was_suggested(&path, "block_size") || self.was_suggested(&path, "type") =>
            {
                Err(Reported)
            }
            (Ok(None), Ok(None)) => {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!("pool `{}` has neither `block_size` nor `type`", name.value),
                        "add `block_size = 256` (bytes per block) or `type = \"crate::module::Type\"` (blocks of a \
                         Rust type)",
                    )
                    .at(span, "this pool needs a block size"),
                );
                Err(Reported)
            }
            _ => Err(Reported),
        };
        if let (Ok(region), Ok(count), Ok(align), Ok(block)) = (region, count, align, block) {
            self.config.pools.push(Pool {
                name,
                region,
                block,
                count,
                align,
                span,
            });
        }
    }

    fn buffer_manager(&mut self, name: Spanned<String>, table: &DeTable<'_>, span: Span) {
        self.declared
            .items
            .push((ItemKind::BufferManager, name.clone()));
        let path = format!("`[buffer_managers.{}]`", name.value);
        self.check_keys(&BUFFER_MANAGER, &path, table);
        let region = self.item_region(table, span, &path);
        let bins = self.required(
            table,
            span,
            &path,
            "bins",
            "the buffers it manages, e.g. `bins = [ { size = 128, count = 32 }, { size = 1024, count = 16 } ]`",
            |r, v| r.bins(v, &path),
        );
        let spill = self.optional(table, "spill", |r, v| r.boolean(v, "spill"));
        let align = self.optional(table, "align", |r, v| r.size(v, "align"));
        let id = self.optional(table, "id", |r, v| r.manager_id(v));
        if let (Ok(region), Ok(bins), Ok(spill), Ok(align), Ok(id)) =
            (region, bins, spill, align, id)
        {
            self.config.buffer_managers.push(BufferManager {
                name,
                region,
                bins,
                spill: spill.is_none_or(|s| s.value),
                align,
                id,
                span,
            });
        }
    }

    fn bins(&mut self, value: &TomlSpanned<DeValue<'_>>, path: &str) -> Read<Spanned<Vec<Bin>>> {
        let DeValue::Array(array) = value.get_ref() else {
            self.wrong_type(
                value,
                "bins",
                "an array of bins",
                "write `bins = [ { size = 128, count = 32 }, { size = 1024, count = 16 } ]`",
            );
            return Err(Reported);
        };
        let mut bins = Vec::with_capacity(array.len());
        let mut ok = true;
        for (index, entry) in array.iter().enumerate() {
            let bin_path = format!("bin {} of {path}", index + 1);
            let DeValue::Table(table) = entry.get_ref() else {
                let found = type_name(entry.get_ref());
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!("{bin_path} must be a table, not {found}"),
                        "write each bin as `{ size = 128, count = 32 }`: the size of its buffers and how many",
                    )
                    .at(span_of(entry), found),
                );
                ok = false;
                continue;
            };
            let span = span_of(entry);
            self.check_keys(&BIN, &bin_path, table);
            let size = self.required(
                table,
                span,
                &bin_path,
                "size",
                "bytes per buffer, e.g. `size = 1024`",
                |r, v| r.size(v, "size"),
            );
            let count = self.required(
                table,
                span,
                &bin_path,
                "count",
                "the number of buffers, e.g. `count = 16`",
                |r, v| r.count(v, "count"),
            );
            match (size, count) {
                (Ok(size), Ok(count)) => bins.push(Bin { size, count, span }),
                _ => ok = false,
            }
        }
        if ok {
            Ok(Spanned::new(bins, span_of(value)))
        } else {
            Err(Reported)
        }
    }

    fn component(&mut self, name: Spanned<String>, table: &DeTable<'_>, span: Span) {
        self.declared
            .items
            .push((ItemKind::Component, name.clone()));
        let path = format!("`[components.{}]`", name.value);
        self.check_keys(&COMPONENT, &path, table);
        let region = self.item_region(table, span, &path);
        let align = self.optional(table, "align", |r, v| r.size(v, "align"));
        let strategy_name = self.required(
            table,
            span,
            &path,
            "strategy",
            "how it allocates: `strategy = \"linear\"`, `\"stack\"` or `\"pool\"`",
            |r, v| r.string(v, "strategy", "strategy = \"linear\""),
        );
        let size = self.optional(table, "size", |r, v| r.size(v, "size"));
        let block_size = self.optional(table, "block_size", |r, v| r.size(v, "block_size"));
        let count = self.optional(table, "count", |r, v| r.count(v, "count"));
        let strategy = match strategy_name {
            Ok(strategy) => {
                self.strategy(&name.value, &strategy, span, &path, size, block_size, count)
            }
            Err(Reported) => Err(Reported),
        };
        if let (Ok(region), Ok(align), Ok(strategy)) = (region, align, strategy) {
            self.config.components.push(Component {
                name,
                region,
                strategy,
                align,
                span,
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn strategy(
        &mut self,
        name: &str,
        strategy: &Spanned<String>,
        span: Span,
        path: &str,
        size: Read<Option<Spanned<u64>>>,
        block_size: Read<Option<Spanned<u64>>>,
        count: Read<Option<Spanned<u64>>>,
    ) -> Read<Strategy> {
        const STRATEGIES: [&str; 3] = ["linear", "stack", "pool"];
        let (size, block_size, count) = (size?, block_size?, count?);
        match strategy.value.as_str() {
            "linear" | "stack" => {
                let mut ok = true;
                let extras = [("block_size", &block_size), ("count", &count)];
                for (key, extra) in extras
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, v.as_ref()?)))
                {
                    self.error(
                        Diagnostic::new(
                            Stage::Model,
                            format!("`{key}` is for `strategy = \"pool\"`, but component `{name}` is `{}`", strategy.value),
                            format!(
                                "a {} component is sized by `size` alone: remove `{key}`, or use \
                                 `strategy = \"pool\"` with `block_size` and `count`",
                                strategy.value
                            ),
                        )
                        .at(extra.span, "not used by this strategy")
                        .also(strategy.span, "strategy chosen here"),
                    );
                    ok = false;
                }
                let Some(size) = size else {
                    self.missing(
                        span,
                        path,
                        "size",
                        "the bytes it manages, e.g. `size = \"32 KiB\"`",
                    );
                    return Err(Reported);
                };
                if !ok {
                    return Err(Reported);
                }
                Ok(if strategy.value == "linear" {
                    Strategy::Linear { size }
                } else {
                    Strategy::Stack { size }
                })
            }
            "pool" => {
                if let Some(size) = &size {
                    self.error(
                        Diagnostic::new(
                            Stage::Model,
                            format!(
                                "`size` is not used by `strategy = \"pool\"` (component `{name}`)"
                            ),
                            "a pool component is sized by `block_size` and `count`: remove `size`",
                        )
                        .at(size.span, "not used by this strategy")
                        .also(strategy.span, "strategy chosen here"),
                    );
                }
                if block_size.is_none() {
                    self.missing(
                        span,
                        path,
                        "block_size",
                        "bytes per block, e.g. `block_size = 256`",
                    );
                }
                if count.is_none() {
                    self.missing(
                        span,
                        path,
                        "count",
                        "the number of blocks, e.g. `count = 64`",
                    );
                }
                match (size, block_size, count) {
                    (None, Some(block_size), Some(count)) => {
                        Ok(Strategy::Pool { block_size, count })
                    }
                    _ => Err(Reported),
                }
            }
            other => {
                let help = match did_you_mean(other, STRATEGIES) {
                    Some(s) => format!("did you mean `\"{s}\"`? The strategies are `\"linear\"`, `\"stack\"` and `\"pool\"`"),
                    None => "use `\"linear\"` (bump, reset all at once), `\"stack\"` (LIFO with markers) or `\"pool\"` \
                             (fixed-size blocks)"
                        .to_string(),
                };
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!("unknown strategy `{other}` for component `{name}`"),
                        help,
                    )
                    .at(strategy.span, "unknown strategy"),
                );
                Err(Reported)
            }
        }
    }

    /// The `region` of the item declared last.
    fn item_region(
        &mut self,
        table: &DeTable<'_>,
        span: Span,
        path: &str,
    ) -> Read<Spanned<String>> {
        let region = self.required(
            table,
            span,
            path,
            "region",
            "the region it is placed in, e.g. `region = \"sram\"`",
            |r, v| r.string(v, "region", "region = \"sram\""),
        );
        if let Ok(region) = &region {
            let item = self.declared.items.len().saturating_sub(1);
            self.declared.region_refs.push((item, region.clone()));
        }
        region
    }

    // ----- Keys -----------------------------------------------------------------------------------------

    fn check_keys(&mut self, spec: &TableSpec, path: &str, table: &DeTable<'_>) {
        for key in table.keys() {
            if !spec.keys.contains(&key.get_ref().as_ref()) {
                let name = key.get_ref().to_string();
                self.unknown_key(spec, path, &name, span_of(key));
            }
        }
    }

    fn unknown_key(&mut self, spec: &TableSpec, path: &str, key: &str, span: Span) {
        let suggestion = spec
            .aliases
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(key))
            .map(|(_, target)| *target)
            .filter(|target| spec.keys.contains(target))
            .or_else(|| did_you_mean(key, spec.keys.iter().copied()));
        let (message, known) = if path.is_empty() {
            (
                format!("unknown table `{key}`"),
                format!(
                    "memory.toml has the tables {}",
                    list_names(spec.keys.iter().copied())
                ),
            )
        } else {
            (
                format!("unknown key `{key}` in {path}"),
                format!(
                    "the keys of {} are {}",
                    spec.what,
                    list_names(spec.keys.iter().copied())
                ),
            )
        };
        if let Some(s) = suggestion {
            self.suggested.push((path.to_string(), s));
        }
        let help = match suggestion {
            Some(s) => format!("did you mean `{s}`? ({known})"),
            None => format!("remove it; {known}"),
        };
        let noun = if path.is_empty() { "table" } else { "key" };
        let label = match suggestion {
            Some(_) => format!("unknown {noun}, probably misspelled"),
            None => format!("unknown {noun}"),
        };
        self.error(Diagnostic::new(Stage::Model, message, help).at(span, label));
    }

    /// Whether an unknown key of table `path` was taken for `key` (so `key` missing is not a second error).
    fn was_suggested(&self, path: &str, key: &str) -> bool {
        self.suggested.iter().any(|(p, k)| p == path && *k == key)
    }

    fn missing(&mut self, table_span: Span, path: &str, key: &str, what: &str) {
        if self.was_suggested(path, key) {
            return;
        }
        self.error(
            Diagnostic::new(
                Stage::Model,
                format!("{path} has no `{key}`"),
                format!("add `{key}`: {what}"),
            )
            .at(table_span, format!("`{key}` missing in this table")),
        );
    }

    fn required<T>(
        &mut self,
        table: &DeTable<'_>,
        table_span: Span,
        path: &str,
        key: &str,
        what: &str,
        read: impl FnOnce(&mut Self, &TomlSpanned<DeValue<'_>>) -> Read<T>,
    ) -> Read<T> {
        match table.get(key) {
            Some(value) => read(self, value),
            None => {
                self.missing(table_span, path, key, what);
                Err(Reported)
            }
        }
    }

    fn optional<T>(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        read: impl FnOnce(&mut Self, &TomlSpanned<DeValue<'_>>) -> Read<T>,
    ) -> Read<Option<T>> {
        match table.get(key) {
            Some(value) => read(self, value).map(Some),
            None => Ok(None),
        }
    }

    // ----- Values ---------------------------------------------------------------------------------------

    fn expect_table<'t, 'i>(
        &mut self,
        value: &'t TomlSpanned<DeValue<'i>>,
        what: &str,
        example: &str,
    ) -> Read<&'t DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Ok(table),
            other => {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!("{what} must be a table, not {}", type_name(other)),
                        format!(
                            "write it as a table, e.g. `{}`",
                            example.replace('\n', "` / `")
                        ),
                    )
                    .at(span_of(value), type_name(other)),
                );
                Err(Reported)
            }
        }
    }

    fn wrong_type(
        &mut self,
        value: &TomlSpanned<DeValue<'_>>,
        key: &str,
        expected: &str,
        help: &str,
    ) {
        let found = type_name(value.get_ref());
        self.error(
            Diagnostic::new(
                Stage::Model,
                format!("`{key}` must be {expected}, not {found}"),
                help,
            )
            .at(span_of(value), found),
        );
    }

    fn string(
        &mut self,
        value: &TomlSpanned<DeValue<'_>>,
        key: &str,
        example: &str,
    ) -> Read<Spanned<String>> {
        match value.get_ref() {
            DeValue::String(s) => Ok(Spanned::new(s.to_string(), span_of(value))),
            _ => {
                self.wrong_type(
                    value,
                    key,
                    "a string",
                    &format!("write it in quotes, e.g. `{example}`"),
                );
                Err(Reported)
            }
        }
    }

    fn boolean(&mut self, value: &TomlSpanned<DeValue<'_>>, key: &str) -> Read<Spanned<bool>> {
        match value.get_ref() {
            DeValue::Boolean(b) => Ok(Spanned::new(*b, span_of(value))),
            DeValue::String(s) if matches!(s.as_ref(), "true" | "false") => {
                self.wrong_type(
                    value,
                    key,
                    "a boolean",
                    &format!("remove the quotes: `{key} = {s}`"),
                );
                Err(Reported)
            }
            _ => {
                self.wrong_type(
                    value,
                    key,
                    "a boolean",
                    &format!("write `{key} = true` or `{key} = false`"),
                );
                Err(Reported)
            }
        }
    }

    /// An integer as written, or an error if it is negative or does not fit in `u64`.
    fn unsigned(
        &mut self,
        value: &TomlSpanned<DeValue<'_>>,
        key: &str,
        integer: &toml::de::DeInteger<'_>,
    ) -> Read<u64> {
        let text = integer.as_str();
        let negative = text.starts_with('-');
        let digits = text.trim_start_matches(['+', '-']);
        let parsed = u64::from_str_radix(digits, integer.radix()).ok();
        match (negative, parsed) {
            (false, Some(v)) => Ok(v),
            (true, Some(0)) => Ok(0),
            (true, _) => {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!("`{key}` must not be negative"),
                        format!("write a positive number: `{key} = {digits}`"),
                    )
                    .at(span_of(value), "negative"),
                );
                Err(Reported)
            }
            (false, None) => {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!("`{key}` is too large: `{text}` does not fit in 64 bits"),
                        format!("write a `{key}` below 2^64 (18446744073709551616)"),
                    )
                    .at(span_of(value), "overflows 64 bits"),
                );
                Err(Reported)
            }
        }
    }

    fn count(&mut self, value: &TomlSpanned<DeValue<'_>>, key: &str) -> Read<Spanned<u64>> {
        match value.get_ref() {
            DeValue::Integer(integer) => {
                let v = self.unsigned(value, key, integer)?;
                Ok(Spanned::new(v, span_of(value)))
            }
            DeValue::String(s)
                if parse_size(s).is_ok()
                    && s.trim().chars().all(|c| c.is_ascii_digit() || c == '_') =>
            {
                self.wrong_type(
                    value,
                    key,
                    "an integer",
                    &format!("remove the quotes: `{key} = {}`", s.trim()),
                );
                Err(Reported)
            }
            _ => {
                self.wrong_type(
                    value,
                    key,
                    "an integer",
                    &format!("write a number, e.g. `{key} = 16`"),
                );
                Err(Reported)
            }
        }
    }

    fn manager_id(&mut self, value: &TomlSpanned<DeValue<'_>>) -> Read<Spanned<u32>> {
        let id = self.count(value, "id")?;
        match u32::try_from(id.value) {
            Ok(v) => Ok(Spanned::new(v, id.span)),
            Err(_) => {
                self.error(
                    Diagnostic::new(
                        Stage::Model,
                        format!("manager `id` {} does not fit in 32 bits", id.value),
                        "use an `id` from 0 to 4294967295",
                    )
                    .at(id.span, "too large"),
                );
                Err(Reported)
            }
        }
    }

    /// A size: an integer number of bytes, or a string with a unit.
    fn size(&mut self, value: &TomlSpanned<DeValue<'_>>, key: &str) -> Read<Spanned<u64>> {
        let span = span_of(value);
        match value.get_ref() {
            DeValue::Integer(integer) => {
                let v = self.unsigned(value, key, integer)?;
                Ok(Spanned::new(v, span))
            }
            DeValue::String(text) => match parse_size(text) {
                Ok(v) => Ok(Spanned::new(v, span)),
                Err(error) => {
                    let (at, label) = self.size_error_span(span, text, &error);
                    self.error(
                        Diagnostic::new(
                            Stage::Model,
                            format!("bad `{key}` \"{}\": {error}", shorten(text).escape_debug()),
                            error.help(),
                        )
                        .at(at, label),
                    );
                    Err(Reported)
                }
            },
            DeValue::Float(_) => {
                self.wrong_type(
                    value,
                    key,
                    "a whole number of bytes or a string with a unit",
                    &format!("write `{key} = 1536` or `{key} = \"1.5 KiB\"` (in quotes)"),
                );
                Err(Reported)
            }
            _ => {
                self.wrong_type(
                    value,
                    key,
                    "a number of bytes or a string with a unit",
                    &format!("write `{key} = 4096` or `{key} = \"4 KiB\"`"),
                );
                Err(Reported)
            }
        }
    }

    /// For a unit error, the span of the unit inside the string when the string is written plainly.
    fn size_error_span(&self, span: Span, text: &str, error: &SizeError) -> (Span, &'static str) {
        let label = match error {
            SizeError::AmbiguousUnit { .. } => "ambiguous unit",
            SizeError::WrongCase { .. } => "wrong case",
            SizeError::UnknownUnit { .. } => "unknown unit",
            SizeError::Empty | SizeError::BadNumber { .. } => "not a size",
            SizeError::Fractional { .. } => "not a whole number of bytes",
            SizeError::Overflow => "overflows 64 bits",
        };
        let unit_error = matches!(
            error,
            SizeError::AmbiguousUnit { .. }
                | SizeError::WrongCase { .. }
                | SizeError::UnknownUnit { .. }
        );
        let raw = self.source.slice(span);
        let plain = raw.len() == text.len() + 2 && raw.get(1..raw.len() - 1) == Some(text);
        if unit_error && plain {
            let (_, unit) = split_number_unit(text);
            let end = text.trim_end().len();
            if let Some(start) = end.checked_sub(unit.len()) {
                return (
                    Span::new(span.start + 1 + start, span.start + 1 + end),
                    label,
                );
            }
        }
        (span, label)
    }
}
