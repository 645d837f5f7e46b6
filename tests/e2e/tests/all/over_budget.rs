//! A plan that does not fit does not build: a small crate (`fixtures/plan-crate`) whose build script generates
//! code from a config of `configs/` fails to compile against each over-budget one, and the error says which
//! platform, which region, its size, the total, and where in memory.toml.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use flight_memory_gen::size::compact_size;

use crate::harness::{
    cargo, configs, is_over_budget, region_used, run, show, target_dir, workspace,
};

/// Writes the fixture crate, with `config` as its memory.toml, to directory `dir` of the nested target directory
/// (a fresh copy each time: each test gives a directory of its own), and returns its path.
fn plan_crate(config: &Path, dir: &str) -> PathBuf {
    let stem = config
        .file_stem()
        .and_then(|stem| stem.to_str())
        .expect("a config name");
    let dir = target_dir().join("plan-crates").join(dir);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("src")).expect("create the crate's directory");
    let root = workspace();
    let fixture = root.join("tests/e2e/fixtures/plan-crate");
    // A workspace of its own (the directory is inside this workspace's tree), with this workspace's lock file so
    // that it resolves to the same dependency versions, and shares their compiled artifacts.
    let manifest = format!(
        "[package]\n\
         name = \"plan-{stem}\"\n\
         version = \"0.0.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\n\
         [workspace]\n\n\
         [dependencies]\n\
         flight-memory = {{ path = '{}', features = [\"std\"] }}\n\n\
         [build-dependencies]\n\
         flight-memory-gen = {{ path = '{}', default-features = false }}\n",
        root.join("flight-memory").display(),
        root.join("flight-memory-gen").display(),
    );
    fs::write(dir.join("Cargo.toml"), manifest).expect("write Cargo.toml");
    fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    fs::copy(fixture.join("build.rs"), dir.join("build.rs")).expect("copy build.rs");
    fs::copy(fixture.join("main.rs"), dir.join("src/main.rs")).expect("copy main.rs");
    fs::copy(config, dir.join("memory.toml")).expect("copy the config");
    dir
}

/// `cargo build` of the fixture crate for `config`, in directory `dir`, on `platform` if one is given.
fn build(config: &str, dir: &str, platform: Option<&str>) -> Output {
    let dir = plan_crate(&workspace().join("configs").join(config), dir);
    let mut command = cargo(&dir, &["build"]);
    if let Some(platform) = platform {
        command.env("FLIGHT_MEMORY_PLATFORM", platform);
    }
    run(&mut command)
}

/// Asserts that `output` is a failed build whose output has every one of `expected`.
fn assert_fails_with(output: &Output, expected: &[&str]) {
    let text = show(output);
    assert!(!output.status.success(), "the build succeeded\n{text}");
    for line in expected {
        assert!(text.contains(line), "missing `{line}` in\n{text}");
    }
    // The build script stops the build, before rustc sees the crate.
    assert!(
        text.contains("failed to run custom build command for `plan-"),
        "{text}"
    );
    assert!(!text.contains("error[E"), "{text}");
}

#[test]
fn the_cubesat_plan_builds_and_runs() {
    let dir = plan_crate(&workspace().join("configs/cubesat-obc.toml"), "fits");
    let output = run(cargo(&dir, &["run", "--quiet"]));
    assert!(output.status.success(), "{}", show(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("flight: "), "{stdout}");
    assert!(stdout.contains(" of 311296 bytes used"), "{stdout}");
    assert!(
        stdout.contains("sram: ") && stdout.contains("of 245760 bytes used (.bss.sram)"),
        "{stdout}"
    );
}

#[test]
fn a_region_over_its_size_fails_the_build() {
    let config = workspace().join("configs/over-budget.toml");
    let need = region_used(&config, "flight", "sram");
    let short = need - 245_760;
    assert!(
        need > 245_760,
        "over-budget.toml is not over budget: sram needs {need} bytes"
    );
    let output = build("over-budget.toml", "region-over-size", None);
    let total = format!(
        "its items need {need} bytes ({}), it has 245760 bytes (240 KiB)",
        compact_size(need)
    );
    assert_fails_with(
        &output,
        &[
            // The one-line form cargo shows first (the build script's `cargo::error=` line) ...
            &format!(
                "memory.toml:19:8: region `sram` is over its size on platform `flight`: {total}"
            ),
            // ... and the full diagnostic, with the region, its size, the total and the largest items.
            &format!("error: region `sram` is over its size on platform `flight`: {total}"),
            "--> memory.toml:19:8",
            "size = \"240 KiB\"",
            &format!("^^^^^^^^^ {} short", compact_size(short)),
            "[components.file_uplink]",
            "= note: largest items in `sram`: component `file_uplink` ~192.",
            "buffer manager `uplink` ~52.",
            "buffer manager `downlink` ~20.",
            &format!(
                "= help: make region `sram` at least {need} bytes ({}), {} more",
                compact_size(need),
                compact_size(short)
            ),
        ],
    );
    check_readme(&output);
}

/// The README shows the output of this build between `<!-- over-budget-build -->` markers: check that it is
/// the current one (or, with `UPDATE_EXPECT=1`, write it). Shown: cargo's error lines, then the build script's
/// stderr, the diagnostic; left out: the paths of this machine and cargo's note on backtraces.
fn check_readme(output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut block = String::from("$ cargo build\n");
    let cargo_errors = stderr
        .lines()
        .skip_while(|line| !line.starts_with("error: plan-over-budget@"))
        .take_while(|line| !line.starts_with("note: "));
    for line in cargo_errors {
        block.push_str(&without_paths(line));
        block.push('\n');
    }
    block.push_str("...\n");
    let script_stderr = stderr.lines().skip_while(|line| *line != "  --- stderr");
    for line in script_stderr {
        block.push_str(line.trim_end());
        block.push('\n');
        if line.contains("error: memory.toml has") {
            break;
        }
    }
    let readme_path = workspace().join("README.md");
    let readme = fs::read_to_string(&readme_path).expect("read README.md");
    const START: &str = "<!-- over-budget-build -->\n```text\n";
    const END: &str = "```\n<!-- /over-budget-build -->";
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md has no over-budget build output between the markers");
    };
    let shown = &readme[start + START.len()..end];
    if shown != block {
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            let updated = format!(
                "{}{block}{}",
                &readme[..start + START.len()],
                &readme[end..]
            );
            fs::write(&readme_path, updated).expect("write README.md");
        } else {
            panic!(
                "README.md does not show the current output of the over-budget build; run\n  \
                 UPDATE_EXPECT=1 cargo test -p e2e\nand review the diff. The output is\n{block}"
            );
        }
    }
}

/// `line` with every ` (/absolute/path)` shortened to ` (...)`.
fn without_paths(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find(" (/") {
        let Some(end) = rest[start..].find(')') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(" (...)");
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn a_plan_that_does_not_fit_one_platform_builds_for_none() {
    // The ground simulator has room, but a build checks every platform of the plan: the flight board's error
    // fails the simulator's build too, so it cannot go unnoticed until someone builds for the board.
    let output = build("over-budget.toml", "other-platform", Some("ground-sim"));
    assert_fails_with(
        &output,
        &["error: region `sram` is over its size on platform `flight`"],
    );
    assert!(
        !show(&output).contains("on platform `ground-sim`"),
        "{}",
        show(&output)
    );
}

#[test]
fn regions_over_the_platform_budget_fail_the_build() {
    let output = build("over-platform-budget.toml", "over-platform-budget", None);
    assert_fails_with(
        &output,
        &[
            "memory.toml:12:10: the regions of platform `flight` add up to 376832 bytes (368 KiB), over its budget \
             of 311296 bytes (304 KiB)",
            "--> memory.toml:12:10",
            "budget = \"304 KiB\"",
            "region `sram`: 240 KiB",
            "region `dtcm`: 128 KiB",
            "= help: raise `budget` of platform `flight` to at least 376832 bytes (368 KiB), or make regions `sram` \
             and `dtcm` smaller by 64 KiB in all",
        ],
    );
}

#[test]
fn every_over_budget_config_fails_to_build_with_a_located_error() {
    for config in configs().iter().filter(|config| is_over_budget(config)) {
        let name = config.file_name().and_then(|n| n.to_str()).expect("a name");
        let output = build(name, &format!("every-{name}"), None);
        assert_fails_with(&output, &["error: ", "--> memory.toml:", "over"]);
    }
}
