//! The whole front end on arbitrary bytes: parse → validate → layout → budget → every rendering → codegen.
//!
//! Besides "never panics", it checks the invariants of DESIGN.md §6 that random input can break:
//! every error has a location inside the file and a help line; a plan that passes every check has no region
//! over its size and no sum of regions over the budget (an overflowing sum is over budget); and the code
//! generated for an accepted plan is Rust that parses.

#![no_main]

use flight_memory_gen::{Analysis, RENDER_LIMIT, SourceFile, generate, report};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let analysis = Analysis::of(SourceFile::new("fuzz.toml", text.as_ref()));
    let errors = analysis.errors();
    for diagnostic in errors.diagnostics() {
        let label = diagnostic
            .primary()
            .unwrap_or_else(|| panic!("error without a location: {}", diagnostic.message()));
        assert!(
            label.span.start <= label.span.end && label.span.end <= text.len(),
            "span {:?} outside the file of {} bytes: {}",
            label.span,
            text.len(),
            diagnostic.message()
        );
        assert!(
            !diagnostic.help().trim().is_empty(),
            "no help: {}",
            diagnostic.message()
        );
        // Messages quote user text shortened: never longer than a few lines.
        let mut parts = vec![diagnostic.message(), diagnostic.help()];
        parts.extend(diagnostic.notes().iter().map(String::as_str));
        parts.extend(diagnostic.secondary().iter().map(|l| l.message.as_str()));
        parts.push(&label.message);
        for part in parts {
            assert!(part.len() <= 4200, "{} bytes in one message", part.len());
        }
    }
    let rendered = errors.render_plain();
    let _ = errors.short_lines();
    // Snippets show whole lines, but the output stays linear in the file: syntax errors are merged and capped,
    // and rendering stops past RENDER_LIMIT.
    assert!(
        rendered.len() <= RENDER_LIMIT + 64 * text.len().max(1024),
        "rendering of {} bytes for a file of {}",
        rendered.len(),
        text.len()
    );
    if analysis.model_is_complete() {
        let layouts: Vec<_> = analysis.layouts().iter().collect();
        let _ = report::text(&layouts);
        let _ = report::json(&layouts, &errors);
        let _ = report::svg(&layouts);
    }
    let Ok(checked) = analysis.into_result() else {
        return;
    };
    for layout in checked.layouts() {
        let total = layout.regions.iter().try_fold(0u64, |sum, r| {
            sum.checked_add(r.size.as_ref().map_or(0, |s| s.value))
        });
        match total {
            Some(total) => assert!(
                total <= layout.budget.value,
                "accepted: regions of {total} bytes over a budget of {}",
                layout.budget.value
            ),
            None => panic!("accepted: region sizes overflow"),
        }
        for region in &layout.regions {
            assert!(
                !region.overflow,
                "accepted: region `{}` overflows",
                region.name.value
            );
            if let Some(size) = &region.size {
                assert!(
                    region.used.bytes <= size.value,
                    "accepted: region `{}` uses {} of {}",
                    region.name.value,
                    region.used.bytes,
                    size.value
                );
            }
        }
        let code = generate(&checked, &layout.platform.value)
            .unwrap_or_else(|e| panic!("accepted plan does not generate: {e}"));
        if let Err(error) = syn::parse_file(&code) {
            panic!("generated code does not parse: {error}\n{code}");
        }
    }
});
