//! The `flight-memory-gen` binary: exit codes (0 ok, 1 config errors, 2 usage or I/O errors) and output.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flight-memory-gen"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const GOOD: &str = "tests/good/two_platforms.toml";
const BAD: &str = "tests/catalogue/many_errors.toml";
const OVER: &str = "tests/catalogue/region_over_size.toml";

#[test]
fn check_good_file_exits_0_and_lists_every_platform() {
    let o = run(&["check", GOOD]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("ok, 2 platforms checked"), "{out}");
    assert!(
        out.contains("flight:") && out.contains("ground-sim:"),
        "{out}"
    );
    assert!(stderr(&o).is_empty());
}

#[test]
fn check_bad_file_exits_1_with_every_error_on_stderr() {
    let o = run(&["check", BAD]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(
        err,
        std::fs::read_to_string("tests/catalogue/many_errors.stderr").expect("expectation")
    );
    assert!(
        err.contains("--> tests/catalogue/many_errors.toml:4:14"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn check_without_colour_when_not_a_terminal_and_with_it_on_request() {
    let plain = run(&["check", BAD]);
    assert!(!stderr(&plain).contains('\u{1b}'));
    let coloured = run(&["--color", "always", "check", BAD]);
    assert_eq!(coloured.status.code(), Some(1));
    assert!(stderr(&coloured).contains('\u{1b}'));
}

#[test]
fn missing_file_exits_2_naming_it() {
    let o = run(&["check", "tests/no/such/memory.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read `tests/no/such/memory.toml`"),
        "{}",
        stderr(&o)
    );
    let o = run(&["report", "tests"]);
    assert_eq!(o.status.code(), Some(2), "a directory is not a file");
}

#[test]
fn non_utf8_file_exits_1_naming_it() {
    let o = run(&["check", "tests/catalogue/not_utf8.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`tests/catalogue/not_utf8.toml` is not UTF-8"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&[]).status.code(), Some(2));
    assert_eq!(run(&["check"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate", GOOD]).status.code(), Some(2));
    assert_eq!(
        run(&["report", GOOD, "--format", "pdf"]).status.code(),
        Some(2)
    );
    assert_eq!(run(&["--help"]).status.code(), Some(0));
}

#[test]
fn report_text_shows_regions_items_and_fill_bars() {
    let o = run(&["report", GOOD, "--platform", "flight"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("platform `flight`"), "{out}");
    assert!(
        !out.contains("ground-sim"),
        "only the selected platform: {out}"
    );
    assert!(out.contains("[#"), "{out}");
    assert!(out.contains("comm (buffer manager"), "{out}");
    assert!(out.contains("size_of::<crate::tlm::Packet>()"), "{out}");
}

#[test]
fn report_json_is_parseable_and_has_the_documented_shape() {
    let o = run(&["report", GOOD, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(json["version"], 1);
    assert_eq!(json["ok"], true);
    assert_eq!(json["platforms"].as_array().map(Vec::len), Some(2));
    let sram = &json["platforms"][0]["regions"][0];
    assert_eq!(sram["name"], "sram");
    assert_eq!(sram["size"], 384 * 1024);
    assert_eq!(sram["exact"], false);
    assert_eq!(sram["type_terms"][0]["type"], "crate::tlm::Packet");
    let comm = &sram["items"][0];
    assert_eq!(comm["kind"], "buffer_manager");
    assert_eq!(comm["bins"].as_array().map(Vec::len), Some(3));
    for key in [
        "offset",
        "padding",
        "storage",
        "metadata",
        "footprint",
        "align",
    ] {
        assert!(comm[key].is_u64(), "{key}");
    }
}

#[test]
fn report_over_budget_still_draws_the_map_in_red_and_exits_1() {
    let o = run(&["report", OVER, "--format", "svg"]);
    assert_eq!(o.status.code(), Some(1));
    let svg = stdout(&o);
    assert!(
        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );
    assert!(svg.contains("#d62728"), "over-size drawn in red");
    assert!(svg.contains("over by"), "{svg}");
    assert!(svg.contains(">telemetry_packet<"), "items labelled: {svg}");
    assert!(
        stderr(&o).contains("region `dtcm` is over its size"),
        "{}",
        stderr(&o)
    );

    let o = run(&["report", OVER, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(json["ok"], false);
    assert_eq!(json["errors"][0]["line"], 10);
    assert_eq!(json["platforms"][0]["regions"][1]["over"], true);
}

#[test]
fn report_of_a_broken_file_prints_only_the_errors() {
    let o = run(&["report", BAD]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("unknown region `srma`"));
}

#[test]
fn report_unknown_platform_exits_2_listing_the_platforms() {
    let o = run(&["report", GOOD, "--platform", "mars"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`flight` and `ground-sim`"),
        "{}",
        stderr(&o)
    );
}

/// A fresh file path in the temporary directory.
fn temp_output(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "flight-memory-gen-cli-{}-{name}.rs",
        std::process::id()
    ))
}

#[test]
fn generate_writes_the_code_of_the_selected_platform() {
    let out = temp_output("sim");
    let o = run(&[
        "generate",
        GOOD,
        "--platform",
        "ground-sim",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("for platform `ground-sim`"),
        "{}",
        stdout(&o)
    );
    let code = std::fs::read_to_string(&out).expect("written");
    assert!(code.starts_with("// @generated"));
    assert!(
        code.contains("fm::Platform::new(\n        \"ground-sim\""),
        "{code}"
    );
    std::fs::remove_file(&out).unwrap();
}

#[test]
fn generate_uses_the_default_platform_or_asks_for_one() {
    let out = temp_output("default");
    let o = Command::new(env!("CARGO_BIN_EXE_flight-memory-gen"))
        .args(["generate", GOOD, "-o", out.to_str().unwrap()])
        .env_remove("FLIGHT_MEMORY_PLATFORM")
        .output()
        .expect("the binary runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("for platform `flight`"));
    std::fs::remove_file(&out).unwrap();

    let o = Command::new(env!("CARGO_BIN_EXE_flight-memory-gen"))
        .args([
            "generate",
            "tests/good/region_sized_per_platform.toml",
            "-o",
            out.to_str().unwrap(),
        ])
        .env_remove("FLIGHT_MEMORY_PLATFORM")
        .output()
        .expect("the binary runs");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("none is selected: set FLIGHT_MEMORY_PLATFORM=NAME"),
        "{err}"
    );
    assert!(err.contains("`board_a` and `board_b`"), "{err}");
    assert!(!out.exists());
}

#[test]
fn generate_refuses_a_plan_over_budget_with_its_diagnostics() {
    let out = temp_output("over");
    let o = run(&["generate", OVER, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        std::fs::read_to_string("tests/catalogue/region_over_size.stderr").expect("expectation")
    );
    assert!(!out.exists());
}

#[test]
fn generate_writes_to_stdout_without_an_output_or_with_a_dash() {
    let to_file = temp_output("stdout");
    let o = run(&["generate", GOOD, "-o", to_file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let expected = std::fs::read_to_string(&to_file).expect("written");
    std::fs::remove_file(&to_file).unwrap();
    for args in [&["generate", GOOD][..], &["generate", GOOD, "-o", "-"][..]] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), expected, "{args:?}: only the code, on stdout");
    }
}

#[test]
fn generate_writes_the_linker_fragment_alone_or_with_the_code() {
    let script = temp_output("fragment").with_extension("x");
    let o = run(&[
        "generate",
        GOOD,
        "--linker-script",
        script.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("for platform `flight`"),
        "{}",
        stdout(&o)
    );
    // The golden files are generated from the plan read as `memory.toml`.
    let text = std::fs::read_to_string(&script)
        .expect("written")
        .replace(GOOD, "memory.toml");
    assert_eq!(
        text,
        std::fs::read_to_string("tests/golden/two_platforms.flight.x").expect("golden")
    );
    std::fs::remove_file(&script).unwrap();

    let out = temp_output("both");
    let o = run(&[
        "generate",
        GOOD,
        "-p",
        "ground-sim",
        "-o",
        out.to_str().unwrap(),
        "--linker-script",
        script.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.exists());
    assert!(
        std::fs::read_to_string(&script)
            .expect("written")
            .contains("platform `ground-sim`")
    );
    std::fs::remove_file(&script).unwrap();
    std::fs::remove_file(&out).unwrap();

    let o = run(&[
        "generate",
        "tests/good/region_sized_per_platform.toml",
        "--linker-script",
        script.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "no platform selected");
    assert!(!script.exists());
}

/// Issue 12, item 1: regions whose sizes overflow 64 bits when added are over the budget for every command.
#[test]
fn regions_whose_sum_overflows_are_refused_by_every_command() {
    const OVERFLOW: &str = "tests/catalogue/regions_sum_overflows.toml";
    let o = run(&["check", OVERFLOW]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("regions_sum_overflows.toml:5:10"),
        "{}",
        stderr(&o)
    );
    let o = run(&["report", OVERFLOW, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(json["ok"], false);
    assert_eq!(json["platforms"][0]["over_budget"], true);
    let out = temp_output("overflow");
    let o = run(&["generate", OVERFLOW, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists());
}

#[test]
fn check_names_the_sizes_it_cannot_compute_and_scans_a_crate_on_request() {
    let o = run(&["check", GOOD]);
    let out = stdout(&o);
    assert!(
        out.contains("unknown here: 64 x `crate::tlm::Packet` in region `sram`"),
        "{out}"
    );
    assert!(out.contains("give --crate DIR"), "{out}");

    let dir = std::env::temp_dir().join(format!("fm-cli-crate-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "mod radio;\n#[memory_pool(count = 4, region = \"dtcm\")]\npub struct Event(u32);\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/radio.rs"),
        "pub fn f() { buffer_bins! { static RX: in \"sram\" { 65536 x 8 } } }\n",
    )
    .unwrap();
    let krate = dir.to_str().unwrap();
    let o = run(&["check", GOOD, "--crate", krate]);
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(out.contains("2 macro uses in"), "{out}");
    assert!(
        out.contains("src/radio.rs:1:36: buffer_bins! `RX` in region `sram`: 524288 B of buffers"),
        "{out}"
    );
    assert!(
        out.contains("src/lib.rs:3:12: #[memory_pool] on `Event` in region `dtcm`: at least"),
        "{out}"
    );
    assert!(
        err.contains("region `sram` of platform `flight` is over its size with the macros' items"),
        "{err}"
    );

    // `report --crate` shows the same uses under their regions, in each format.
    let o = run(&["report", GOOD, "--crate", krate, "--platform", "flight"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(
        out.contains("src/radio.rs:1:36  buffer_bins! `RX`  ≥ 512 KiB"),
        "{out}"
    );
    assert!(out.contains("with the macro uses: ≥"), "{out}");
    assert!(out.contains("OVER"), "{out}");
    let o = run(&["report", GOOD, "--crate", krate, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let sram = &json["platforms"][0]["regions"][0];
    assert_eq!(sram["macro_uses"][0]["location"], "src/radio.rs:1:36");
    assert_eq!(sram["macro_uses"][0]["bytes"], 524288);
    assert_eq!(sram["over_with_macros"], true);
    let o = run(&["report", GOOD, "--crate", krate, "--format", "svg"]);
    assert!(
        stdout(&o).contains("buffer_bins! `RX` (src/radio.rs:1:36): ≥ 512 KiB"),
        "{}",
        stdout(&o)
    );
    let o = run(&["report", GOOD, "--crate", "/nonexistent-crate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("has no src/lib.rs or src/main.rs"));
    std::fs::remove_dir_all(&dir).unwrap();
}
