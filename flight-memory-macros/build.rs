//! Generates the memory ledgers of this crate's OWN tests; it does nothing for users of the crate (the files
//! it reads are not packaged).
//!
//! * `tests/behaviour/`: `flight_memory.rs` from `tests/behaviour/memory.toml` and a scan of the test crate, as
//!   `flight_memory_gen::build` will do for an application; `FLIGHT_MEMORY_CONFIG` points the macros at it.
//! * `doc/NAME.md`, the crate's doc examples (included in its docs, run as doctests on the behaviour tests'
//!   plan): `doc_NAME.rs` from a scan of the example, for its hidden `include_memory!("doc_NAME.rs")`.

use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=tests");
    println!("cargo::rerun-if-changed=doc");
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        return;
    };
    let out_dir = Path::new(&out_dir);
    let behaviour = Path::new("tests/behaviour/memory.toml");
    if behaviour.is_file() {
        let checked =
            flight_memory_gen::check_file(behaviour).expect("tests/behaviour/memory.toml is valid");
        let manifest = std::env::current_dir().expect("the build script's directory");
        let terms = flight_memory_gen::scan_crate("tests/behaviour/main.rs", Some(&manifest))
            .expect("the behaviour tests parse");
        let platform = default_platform(&checked);
        let code = flight_memory_gen::generate_with(&checked, &platform, &terms).expect("ledger");
        std::fs::write(out_dir.join("flight_memory.rs"), code).expect("OUT_DIR is writable");
        let config = std::path::absolute(behaviour).expect("absolute path");
        println!("cargo::rustc-env=FLIGHT_MEMORY_CONFIG={}", config.display());
        let uses = out_dir.join("behaviour.uses");
        std::fs::write(&uses, listing(&terms)).expect("OUT_DIR is writable");
        println!("cargo::rustc-env=FLIGHT_MEMORY_USES={}", uses.display());
        doc_ledgers(&checked, &platform, out_dir);
    }
}

/// What `FLIGHT_MEMORY_USES` lists: the uses counted, one type name per line.
fn listing(terms: &[flight_memory_gen::ExternalTerm]) -> String {
    terms
        .iter()
        .filter_map(|t| t.claim.as_deref())
        .map(|c| format!("{c}\n"))
        .collect()
}

fn default_platform(checked: &flight_memory_gen::Checked) -> String {
    checked
        .config()
        .default_platform()
        .map(|p| p.name.value.clone())
        .expect("a default platform")
}

/// One ledger per doc example, `doc/NAME.md` (Rust with rustdoc's hidden `# ` lines), from `checked`.
fn doc_ledgers(checked: &flight_memory_gen::Checked, platform: &str, out_dir: &Path) {
    let Ok(entries) = std::fs::read_dir("doc") else {
        return;
    };
    for path in entries.flatten().map(|entry| entry.path()) {
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("doc examples are readable");
        let source: String = text
            .lines()
            .map(|line| match line.trim_start().strip_prefix('#') {
                Some(rest) if rest.is_empty() || rest.starts_with(' ') => {
                    rest.trim_start_matches(' ')
                }
                _ => line,
            })
            .map(|line| format!("{line}\n"))
            .collect();
        let mut terms = flight_memory_gen::scan_source(&source, &path.display().to_string())
            .expect("the doc examples parse");
        doctest_claims(&mut terms);
        let code = flight_memory_gen::generate_with(checked, platform, &terms).expect("ledger");
        std::fs::write(out_dir.join(format!("doc_{stem}.rs")), code).expect("OUT_DIR is writable");
    }
}

/// Renames the uses scanned in a doc example by the macros' rule for doctests (`doctest_claim` in
/// `src/claim.rs`: `NAME_at_doctest_0_0`): rustdoc compiles an example as its own crate, from standard input,
/// with lines it adds and the including file's name, so the macro cannot see the example's file and line,
/// and keys the use by its name. `tests/first-day/build.rs` does the same for the README's examples.
fn doctest_claims(terms: &mut [flight_memory_gen::ExternalTerm]) {
    for term in terms {
        // `what` names the use between backticks: ``#[memory_pool] on `Packet` ``, ``buffer_bins! `UPLINK` ``.
        let name = term.what.split('`').nth(1).expect("a use's name in `what`");
        term.claim = Some(flight_memory_gen::claim_name(name, "doctest", 0, 0));
    }
}
