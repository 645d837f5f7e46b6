//! Generates `$OUT_DIR/flight_memory.rs` from `memory.toml`, with the macros' items in its ledger; and the
//! workspace README's Rust examples, doctested by this crate, with their plans (`$OUT_DIR/README.md`).

use std::path::Path;

fn main() {
    flight_memory_gen::build("memory.toml");
    readme_doctests();
}

/// Writes `$OUT_DIR/README.md`: the workspace README, where each Rust example that uses the plan (writes
/// `include_memory!()`, or declares items with the macros) includes `readme_N.rs` instead, the code of this
/// crate's plan (which has the README's item names) with a ledger of what that example declares. The README
/// itself stays as a reader sees it.
fn readme_doctests() {
    let readme = Path::new("../../README.md");
    println!("cargo::rerun-if-changed={}", readme.display());
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        return;
    };
    let out_dir = Path::new(&out_dir);
    let text = std::fs::read_to_string(readme).expect("the workspace README");
    let checked = flight_memory_gen::check_file("memory.toml").expect("memory.toml is valid");
    let platform = checked
        .config()
        .default_platform()
        .map(|p| p.name.value.clone())
        .expect("a default platform");
    let mut copy = String::new();
    let mut block: Option<Vec<&str>> = None;
    let mut examples = 0;
    for line in text.lines() {
        match &mut block {
            None => {
                copy.push_str(line);
                copy.push('\n');
                if line.starts_with("```rust") {
                    block = Some(Vec::new());
                }
            }
            Some(lines) if *line == *"```" => {
                let code: String = lines.iter().map(|l| format!("{}\n", unhide(l))).collect();
                let uses_plan = code.contains("include_memory!()")
                    || code.contains("#[memory_pool")
                    || code.contains("buffer_bins!");
                if uses_plan {
                    let name = format!("readme_{examples}.rs");
                    examples += 1;
                    let mut terms = flight_memory_gen::scan_source(&code, "README.md")
                        .expect("the README example parses");
                    doctest_claims(&mut terms);
                    let generated = flight_memory_gen::generate_with(&checked, &platform, &terms)
                        .expect("the README example fits tests/first-day/memory.toml");
                    std::fs::write(out_dir.join(&name), generated).expect("OUT_DIR is writable");
                    let include = format!("flight_memory::include_memory!(\"{name}\");");
                    if !code.contains("include_memory!()") {
                        copy.push_str(&format!("# {include}\n"));
                    }
                    for line in lines.iter() {
                        copy.push_str(&line.replace("flight_memory::include_memory!();", &include));
                        copy.push('\n');
                    }
                } else {
                    for line in lines.iter() {
                        copy.push_str(line);
                        copy.push('\n');
                    }
                }
                copy.push_str("```\n");
                block = None;
            }
            Some(lines) => lines.push(line),
        }
    }
    std::fs::write(out_dir.join("README.md"), copy).expect("OUT_DIR is writable");
}

/// Renames the uses scanned in a README example by the macros' rule for doctests (`doctest_claim` in
/// `flight-memory-macros/src/claim.rs`: `NAME_at_doctest_0_0`): rustdoc compiles an example as its own crate,
/// from standard input, with lines it adds and this crate's `src/lib.rs` as its file, so the macro cannot see
/// the example's place in the README, and keys the use by its name.
fn doctest_claims(terms: &mut [flight_memory_gen::ExternalTerm]) {
    for term in terms {
        // `what` names the use between backticks: ``#[memory_pool] on `Packet` ``, ``buffer_bins! `UPLINK` ``.
        let name = term.what.split('`').nth(1).expect("a use's name in `what`");
        term.claim = Some(flight_memory_gen::claim_name(name, "doctest", 0, 0));
    }
}

/// A line of a doc example as the compiler sees it: rustdoc's hidden lines (`# code`) are code too.
fn unhide(line: &str) -> &str {
    match line.strip_prefix("# ") {
        Some(rest) => rest,
        None if line == "#" => "",
        None => line,
    }
}
