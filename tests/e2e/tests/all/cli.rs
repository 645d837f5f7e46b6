//! `flight-memory-gen check` and `report` (text, JSON, SVG) on every file of `configs/`.

use std::path::Path;
use std::process::{Command, Output};

use crate::harness::{configs, gen_cli, is_over_budget, show, workspace};

/// `flight-memory-gen ARGS` in the workspace's root.
fn cli(args: &[&str]) -> Output {
    Command::new(gen_cli())
        .current_dir(workspace())
        .args(args)
        .env_remove("FLIGHT_MEMORY_PLATFORM")
        .output()
        .expect("run flight-memory-gen")
}

/// `configs/NAME`, as the CLI is given it.
fn relative(config: &Path) -> String {
    let name = config.file_name().and_then(|n| n.to_str()).expect("a name");
    format!("configs/{name}")
}

/// Region and item names declared in `config`: the keys of its `[regions.*]`, `[pools.*]`,
/// `[buffer_managers.*]` and `[components.*]` tables.
fn declared(config: &Path) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(config).expect("read the config");
    let (mut regions, mut items) = (Vec::new(), Vec::new());
    for line in text.lines() {
        let Some(header) = line
            .trim()
            .strip_prefix('[')
            .and_then(|l| l.split(']').next())
        else {
            continue;
        };
        if let Some(region) = header.strip_prefix("regions.") {
            regions.push(region.to_string());
        }
        for kind in ["pools.", "buffer_managers.", "components."] {
            if let Some(item) = header.strip_prefix(kind) {
                items.push(item.to_string());
            }
        }
    }
    assert!(
        !regions.is_empty() && !items.is_empty(),
        "{}",
        config.display()
    );
    (regions, items)
}

#[test]
fn check_passes_the_plans_and_fails_the_over_budget_ones() {
    for config in configs() {
        let path = relative(&config);
        let output = cli(&["check", "--color", "never", &path]);
        let text = show(&output);
        if is_over_budget(&config) {
            assert_eq!(output.status.code(), Some(1), "{path}\n{text}");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains(&format!("--> {path}:")),
                "{path}: no location\n{text}"
            );
            assert!(stderr.contains("platform `flight`"), "{path}\n{text}");
            assert!(stderr.contains("= help: "), "{path}: no hint\n{text}");
        } else {
            assert_eq!(output.status.code(), Some(0), "{path}\n{text}");
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(stdout.contains("ok"), "{path}\n{text}");
        }
    }
    let output = cli(&["check", "configs/cubesat-obc.toml"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("2 platforms checked"), "{stdout}");
    assert!(
        stdout.contains("flight: ") && stdout.contains("ground-sim: "),
        "{stdout}"
    );
}

#[test]
fn report_text_shows_every_region_and_item() {
    for config in configs() {
        let path = relative(&config);
        let output = cli(&["report", "--color", "never", &path]);
        let expected = if is_over_budget(&config) { 1 } else { 0 };
        assert_eq!(
            output.status.code(),
            Some(expected),
            "{path}\n{}",
            show(&output)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("platform `flight`"), "{path}\n{stdout}");
        let (regions, items) = declared(&config);
        for name in regions.iter().chain(&items) {
            assert!(
                stdout.contains(name.as_str()),
                "{path}: `{name}` missing\n{stdout}"
            );
        }
    }
    // One platform on its own.
    let output = cli(&[
        "report",
        "configs/cubesat-obc.toml",
        "--platform",
        "ground-sim",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", show(&output));
    assert!(
        stdout.contains("platform `ground-sim`") && !stdout.contains("platform `flight`"),
        "{stdout}"
    );
}

#[test]
fn report_json_describes_every_platform_region_and_item() {
    for config in configs() {
        let path = relative(&config);
        let output = cli(&["report", "--format", "json", &path]);
        let json: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("{path}: not JSON: {error}\n{}", show(&output)));
        let over = is_over_budget(&config);
        assert_eq!(json["ok"], serde_json::Value::Bool(!over), "{path}");
        assert_eq!(
            json["errors"].as_array().map(Vec::is_empty),
            Some(!over),
            "{path}"
        );
        if over {
            let error = &json["errors"][0];
            assert!(
                error["line"].as_u64().is_some() && error["column"].as_u64().is_some(),
                "{error}"
            );
        }
        let (regions, items) = declared(&config);
        let platforms = json["platforms"].as_array().expect("platforms");
        assert!(!platforms.is_empty(), "{path}");
        for platform in platforms {
            let names: Vec<&str> = platform["regions"]
                .as_array()
                .expect("regions")
                .iter()
                .filter_map(|region| region["name"].as_str())
                .collect();
            assert_eq!(names, regions, "{path}");
            let mut item_names: Vec<&str> = platform["regions"]
                .as_array()
                .expect("regions")
                .iter()
                .flat_map(|region| region["items"].as_array().expect("items"))
                .filter_map(|item| item["name"].as_str())
                .collect();
            item_names.sort_unstable();
            let mut expected: Vec<&str> = items.iter().map(String::as_str).collect();
            expected.sort_unstable();
            assert_eq!(item_names, expected, "{path}");
        }
    }
    // The CubeSat plan's numbers, which the README quotes.
    let output = cli(&[
        "report",
        "--format",
        "json",
        "--platform",
        "flight",
        "configs/cubesat-obc.toml",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let flight = &json["platforms"][0];
    assert_eq!(flight["name"], "flight");
    assert_eq!(flight["budget"], 311_296);
    assert_eq!(flight["regions"][0]["size"], 245_760);
    assert_eq!(flight["regions"][0]["section"], ".bss.sram");
    assert_eq!(flight["regions"][0]["over"], false);
}

/// The `<tag ...>` elements of `svg` (no nesting needed: the tests only look at tags and their attributes).
fn elements<'a>(svg: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    svg.match_indices(&open)
        .filter_map(|(at, _)| svg[at..].find('>').map(|end| &svg[at..at + end + 1]))
        .collect()
}

/// The text content of every `<text>` and `<title>` element of `svg`.
fn texts(svg: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for tag in ["text", "title"] {
        let open = format!("<{tag}");
        let close = format!("</{tag}>");
        let mut rest = svg;
        while let Some(start) = rest.find(&open) {
            let after = &rest[start..];
            let (Some(gt), Some(end)) = (after.find('>'), after.find(&close)) else {
                break;
            };
            if gt < end {
                out.push(&after[gt + 1..end]);
            }
            rest = &after[end + close.len()..];
        }
    }
    out
}

/// Whether `element` has attribute `name` with `value`.
fn has_attribute(element: &str, name: &str, value: &str) -> bool {
    element.contains(&format!(" {name}=\"{value}\""))
}

/// The red the SVG report draws what is over budget in.
const OVER_RED: &str = "#d62728";

#[test]
fn report_svg_is_a_memory_map_with_what_is_over_in_red() {
    for config in configs() {
        let path = relative(&config);
        let output = cli(&["report", "--format", "svg", &path]);
        let svg = String::from_utf8_lossy(&output.stdout);
        // Well-formed enough to be a picture: one root element, closed, every text element closed.
        assert!(
            svg.trim_start().starts_with("<svg "),
            "{path}: not an SVG\n{svg}"
        );
        assert!(svg.trim_end().ends_with("</svg>"), "{path}: not closed");
        assert_eq!(svg.matches("<svg").count(), 1, "{path}");
        assert_eq!(
            svg.matches("<text").count(),
            svg.matches("</text>").count(),
            "{path}"
        );
        assert!(
            svg.contains("xmlns=\"http://www.w3.org/2000/svg\""),
            "{path}"
        );
        let labels = texts(&svg);
        let (regions, items) = declared(&config);
        for region in &regions {
            assert!(
                labels
                    .iter()
                    .any(|t| t.starts_with(&format!("region {region}"))),
                "{path}: no region {region} in the map"
            );
        }
        for item in &items {
            assert!(
                labels.iter().any(|t| t.starts_with(&format!("{item} ("))),
                "{path}: no item {item} in the map"
            );
        }
        let rects = elements(&svg, "rect");
        assert!(rects.len() > regions.len() + items.len(), "{path}");
        // Drawn in red: the outline of a region over its size, or the marker of what is over the budget. The
        // legend's red swatch (titled `over`) is always there and does not count.
        let red: Vec<&&str> = rects
            .iter()
            .filter(|r| has_attribute(r, "stroke", OVER_RED) || has_attribute(r, "fill", OVER_RED))
            .filter(|r| !r.contains("stroke=\"#555\""))
            .collect();
        if is_over_budget(&config) {
            assert_eq!(output.status.code(), Some(1), "{path}");
            assert!(!red.is_empty(), "{path}: nothing is red\n{svg}");
            assert!(labels.iter().any(|t| t.contains("over")), "{path}");
        } else {
            assert_eq!(output.status.code(), Some(0), "{path}\n{}", show(&output));
            assert!(red.is_empty(), "{path}: red on a plan that fits: {red:?}");
        }
    }
}

#[test]
fn the_readme_memory_map_is_the_current_report_of_the_cubesat_plan() {
    let output = cli(&["report", "--format", "svg", "configs/cubesat-obc.toml"]);
    assert!(output.status.success(), "{}", show(&output));
    let committed = workspace().join("docs/memory-map.svg");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&committed, &output.stdout).expect("write docs/memory-map.svg");
    }
    let current = std::fs::read(&committed).unwrap_or_default();
    assert!(
        current == output.stdout,
        "docs/memory-map.svg is not the report of configs/cubesat-obc.toml; regenerate it with\n  \
         cargo run -p flight-memory-gen -- report configs/cubesat-obc.toml --format svg > docs/memory-map.svg\n\
         (or UPDATE_EXPECT=1 cargo test -p e2e)"
    );
}

#[test]
fn generate_writes_the_code_a_build_script_would() {
    let out = crate::harness::target_dir().join("cubesat-obc.flight.rs");
    let out_arg = out.to_str().expect("a UTF-8 path");
    let output = cli(&["generate", "configs/cubesat-obc.toml", "-o", out_arg]);
    assert!(output.status.success(), "{}", show(&output));
    let code = std::fs::read_to_string(&out).expect("the generated file");
    assert!(
        code.starts_with("// @generated by flight-memory-gen"),
        "{code}"
    );
    for name in [
        "pub static TELEMETRY_PACKET",
        "pub static DOWNLINK",
        "pub static UPLINK",
        "pub static FILE_UPLINK",
        "pub static COMMAND_DISPATCH",
        "pub static PLATFORM",
    ] {
        assert!(code.contains(name), "no `{name}` in the generated code");
    }
    let output = cli(&["generate", "configs/over-budget.toml", "-o", out_arg]);
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
}
