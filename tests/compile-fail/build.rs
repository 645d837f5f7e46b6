//! Generates the memory ledgers of the macros' cases: for each `tests/macros/NAME.rs`, `ui_NAME.rs` from
//! `tests/macros/memory.toml` and a scan of that one file, for `include_memory!("ui_NAME.rs")`; files named
//! `unscanned_*` get a ledger without their terms, as if the scan had missed them. Also `ui.uses`, what
//! `FLIGHT_MEMORY_USES` lists. `tests/ui.rs` points trybuild at them.

use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=tests/macros");
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        return;
    };
    let out_dir = Path::new(&out_dir);
    let plan = Path::new("tests/macros/memory.toml");
    let checked = flight_memory_gen::check_file(plan).expect("tests/macros/memory.toml is valid");
    let platform = checked
        .config()
        .default_platform()
        .map(|p| p.name.value.clone())
        .expect("a default platform");
    let mut all = Vec::new();
    let entries = std::fs::read_dir("tests/macros").expect("tests/macros exists");
    for path in entries.flatten().map(|entry| entry.path()) {
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        // trybuild compiles the file where it is, from a crate elsewhere: keys are absolute paths.
        let path = std::path::absolute(&path).expect("absolute path");
        let terms = if stem.starts_with("unscanned_") {
            Vec::new()
        } else {
            flight_memory_gen::scan_crate(&path, None).unwrap_or_default()
        };
        all.extend(terms.iter().cloned());
        // A term the plan cannot take (an unknown region: the case the macro reports) is left out.
        let code = flight_memory_gen::generate_with(&checked, &platform, &terms)
            .or_else(|_| flight_memory_gen::generate(&checked, &platform))
            .expect("ledger");
        std::fs::write(out_dir.join(format!("ui_{stem}.rs")), code).expect("OUT_DIR is writable");
    }
    let uses: String = all
        .iter()
        .filter_map(|t| t.claim.as_deref())
        .map(|c| format!("{c}\n"))
        .collect();
    std::fs::write(out_dir.join("ui.uses"), uses).expect("OUT_DIR is writable");
}
