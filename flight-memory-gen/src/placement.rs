//! Checks of where regions are (`origin`, `memory`), per platform: a placement needs a section, one table
//! gives one of the two keys, a region fits the address space, no two regions with an `origin` overlap, and
//! the memory a region with an `origin` declares is not one another region expects from memory.x.
//!
//! The address space is 64-bit: the generator does not know the target's pointer width, and a linker for a
//! 32-bit target refuses an address above 4 GiB itself. Each problem is reported once, naming every platform
//! it occurs on.

use crate::diagnostic::{Diagnostic, Stage};
use crate::linker::linker_memory_name;
use crate::model::{Config, Placement, Platform, Region, Spanned};
use crate::naming::list_names;
use crate::source::Span;

/// Runs the checks over every platform of `config`.
pub(crate) fn check(config: &Config) -> Vec<Diagnostic> {
    let mut found = Found::default();
    for region in &config.regions {
        if let (Some(origin), Some(memory)) = (&region.origin, &region.memory) {
            both(
                &mut found.diagnostics,
                &format!("region `{}`", region.name.value),
                origin.span,
                memory.span,
            );
        }
    }
    for platform in &config.platforms {
        for o in &platform.overrides {
            if let (Some(origin), Some(memory)) = (&o.origin, &o.memory) {
                if origin.value.is_some() && memory.value.is_some() {
                    both(
                        &mut found.diagnostics,
                        &format!(
                            "region `{}` of platform `{}`",
                            o.region.value, platform.name.value
                        ),
                        origin.span,
                        memory.span,
                    );
                }
            }
        }
        let mut origins = Vec::new();
        for region in &config.regions {
            let Some(placement) = region.placement_on(platform) else {
                continue;
            };
            if region.section_on(platform).is_none() {
                found.unsectioned(region, platform, &placement);
            }
            let size = platform
                .override_of(&region.name.value)
                .and_then(|o| o.size.clone())
                .or_else(|| region.size.clone());
            if let (Placement::Origin(origin), Some(size)) = (&placement.value, size) {
                let start = u128::from(*origin);
                let end = start + u128::from(size.value);
                if end > u128::from(u64::MAX) + 1 {
                    found.overflow(region, platform, &placement, &size, *origin);
                } else {
                    origins.push((region, placement.span, size.span, start, end));
                }
            }
        }
        for (region, span, ..) in &origins {
            let memory = linker_memory_name(&region.name.value);
            let claimed = config.regions.iter().find_map(|other| {
                let placement = other.placement_on(platform)?;
                match &placement.value {
                    Placement::Memory(m) if *m == memory => Some((other, placement.span)),
                    _ => None,
                }
            });
            if let Some((other, other_span)) = claimed {
                found.clash(platform, (region, *span), (other, other_span), &memory);
            }
        }
        origins.sort_by_key(|o| o.3);
        for (i, a) in origins.iter().enumerate() {
            for b in origins[i + 1..].iter().take_while(|b| b.3 < a.4) {
                found.overlap(platform, (a.0, a.1, a.3, a.4), (b.0, b.1, b.3, b.4));
            }
        }
    }
    found.finish()
}

fn both(diagnostics: &mut Vec<Diagnostic>, what: &str, origin: Span, memory: Span) {
    diagnostics.push(
        Diagnostic::new(
            Stage::Model,
            format!("{what} has both `origin` and `memory`"),
            "keep `origin` to make the region a memory of its own at that address, or `memory` to put its \
             section in a memory that the board's memory.x declares, not both",
        )
        .at(memory, "second placement")
        .also(origin, "first placement"),
    );
}

/// Problems found so far, each with the platforms it occurs on (reported once, after every platform).
#[derive(Default)]
struct Found {
    diagnostics: Vec<Diagnostic>,
    pending: Vec<Pending>,
}

struct Pending {
    key: Vec<Span>,
    message: String,
    help: String,
    labels: Vec<(Span, String)>,
    platforms: Vec<String>,
}

fn range(start: u128, end: u128) -> String {
    format!("{start:#x}..{end:#x}")
}

impl Found {
    fn add(&mut self, key: Vec<Span>, platform: &Platform, make: impl FnOnce() -> Pending) {
        let name = platform.name.value.clone();
        match self.pending.iter_mut().find(|p| p.key == key) {
            Some(p) => p.platforms.push(name),
            None => {
                let mut p = make();
                p.key = key;
                p.platforms.push(name);
                self.pending.push(p);
            }
        }
    }

    fn unsectioned(
        &mut self,
        region: &Region,
        platform: &Platform,
        placement: &Spanned<Placement>,
    ) {
        let removed = platform
            .override_of(&region.name.value)
            .and_then(|o| o.section.as_ref())
            .map(|s| s.span);
        let name = &region.name.value;
        let (key, on_platform) = match placement.value {
            Placement::Origin(_) => ("origin", "origin = false"),
            Placement::Memory(_) => ("memory", "memory = false"),
        };
        self.add(vec![placement.span, removed.unwrap_or(region.name.span)], platform, || {
            let mut labels = vec![(placement.span, format!("`{key}` without a section"))];
            if let Some(removed) = removed {
                labels.push((removed, "the platform removes the section".to_string()));
            }
            Pending {
                key: Vec::new(),
                message: format!("region `{name}` has `{key}` but no `section`"),
                help: format!(
                    "give the region a link section, e.g. `section = \".{name}\"`: only a section can be placed; \
                     or remove `{key}` (on one platform: `{on_platform}` in its `regions` entry)"
                ),
                labels,
                platforms: Vec::new(),
            }
        });
    }

    fn overflow(
        &mut self,
        region: &Region,
        platform: &Platform,
        placement: &Spanned<Placement>,
        size: &Spanned<u64>,
        origin: u64,
    ) {
        let name = &region.name.value;
        self.add(vec![placement.span, size.span], platform, || Pending {
            key: Vec::new(),
            message: format!(
                "region `{name}` ends past the 64-bit address space: origin {origin:#x} + size {} is above \
                 2^64",
                size.value
            ),
            help: "lower the region's `origin` or its `size`".to_string(),
            labels: vec![
                (placement.span, "origin".to_string()),
                (size.span, "size".to_string()),
            ],
            platforms: Vec::new(),
        });
    }

    fn overlap(
        &mut self,
        platform: &Platform,
        a: (&Region, Span, u128, u128),
        b: (&Region, Span, u128, u128),
    ) {
        let (an, bn) = (&a.0.name.value, &b.0.name.value);
        self.add(vec![a.1, b.1], platform, || Pending {
            key: Vec::new(),
            message: format!(
                "regions `{an}` ({}) and `{bn}` ({}) overlap",
                range(a.2, a.3),
                range(b.2, b.3)
            ),
            help: format!(
                "move `{bn}` to {:#x} or above (the end of `{an}`), or make `{an}` smaller: two regions with an \
                 `origin` are two memories, which must not share addresses",
                a.3
            ),
            labels: vec![
                (b.1, format!("`{bn}` starts inside `{an}`")),
                (a.1, format!("`{an}` starts here")),
            ],
            platforms: Vec::new(),
        });
    }

    fn clash(
        &mut self,
        platform: &Platform,
        (region, span): (&Region, Span),
        (other, other_span): (&Region, Span),
        memory: &str,
    ) {
        let (name, other) = (&region.name.value, &other.name.value);
        self.add(vec![span, other_span], platform, || Pending {
            key: Vec::new(),
            message: format!(
                "region `{name}` declares linker memory `{memory}` (its `origin`), which region `{other}` says the \
                 board's memory.x declares"
            ),
            help: format!(
                "a memory can be declared once: rename region `{name}` (its memory is its name in upper case), or \
                 give `{other}` the memory memory.x really declares"
            ),
            labels: vec![
                (span, format!("declares memory `{memory}`")),
                (other_span, format!("`{memory}` expected from memory.x")),
            ],
            platforms: Vec::new(),
        });
    }

    fn finish(mut self) -> Vec<Diagnostic> {
        for p in self.pending {
            let mut labels = p.labels.into_iter();
            let Some((span, label)) = labels.next() else {
                continue;
            };
            let mut d = Diagnostic::new(
                Stage::Model,
                format!(
                    "{} on platform{} {}",
                    p.message,
                    if p.platforms.len() > 1 { "s" } else { "" },
                    list_names(p.platforms.iter().map(String::as_str))
                ),
                p.help,
            )
            .at(span, label);
            for (span, label) in labels {
                d = d.also(span, label);
            }
            self.diagnostics.push(d);
        }
        self.diagnostics
    }
}

#[cfg(test)]
mod tests {
    use crate::check_str;

    fn errors(regions: &str) -> Vec<String> {
        let text = format!("[platform]\nname = \"b\"\nbudget = \"1 GiB\"\n{regions}");
        match check_str("memory.toml", &text) {
            Ok(_) => Vec::new(),
            Err(errors) => errors
                .diagnostics()
                .iter()
                .map(|d| d.message().to_string())
                .collect(),
        }
    }

    fn region(name: &str, size: &str, origin: &str) -> String {
        format!("[regions.{name}]\nsize = {size}\nsection = \".{name}\"\norigin = {origin}\n")
    }

    #[test]
    fn adjacent_regions_and_the_top_of_memory_are_fine() {
        let plan = region("a", "0x100", "0x1000") + &region("b", "0x100", "0x1100");
        assert_eq!(errors(&plan), Vec::<String>::new());
        let top = region("top", "0x1000", "\"0xFFFF_FFFF_FFFF_F000\"");
        assert_eq!(errors(&top), Vec::<String>::new());
    }

    #[test]
    fn a_region_inside_another_overlaps_once_and_three_overlaps_are_three_errors() {
        let plan = region("outer", "0x1000", "0x1000") + &region("inner", "0x10", "0x1800");
        assert_eq!(
            errors(&plan),
            [
                "regions `outer` (0x1000..0x2000) and `inner` (0x1800..0x1810) overlap on platform `b`"
            ]
        );
        let plan = region("a", "0x100", "0x0")
            + &region("b", "0x100", "0x80")
            + &region("c", "0x100", "0xc0");
        assert_eq!(errors(&plan).len(), 3, "{:?}", errors(&plan));
    }
}
