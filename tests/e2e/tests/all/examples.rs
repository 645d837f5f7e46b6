//! The examples build, run, exit with 0 and print what the README says they print.

use crate::harness::{cargo, region_used, run, show, workspace};

/// Cycles of the cubesat runs: enough for every flow, including one frame too large for any uplink buffer (every
/// 997th cycle), in well under a second.
const CYCLES: &str = "1000";

/// The cells of `line`, a table row: columns are two or more spaces apart (a cell may hold single spaces).
fn cells(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .collect()
}

/// The cells of the first table row whose first cells are `first`.
fn row<'a>(stdout: &'a str, first: &[&str]) -> Vec<&'a str> {
    stdout
        .lines()
        .map(cells)
        .find(|cells| cells.starts_with(first))
        .unwrap_or_else(|| panic!("no row starting with {first:?} in\n{stdout}"))
}

/// `n` bytes the way the cubesat report prints them: `512 B`, `20 KiB`, `12.3 KiB`, `1.5 MiB`.
fn human(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if n >= MIB {
        if n % MIB == 0 {
            format!("{} MiB", n / MIB)
        } else {
            format!("{:.1} MiB", n as f64 / MIB as f64)
        }
    } else if n >= KIB && n % KIB == 0 {
        format!("{} KiB", n / KIB)
    } else if n >= 10 * KIB {
        format!("{:.1} KiB", n as f64 / KIB as f64)
    } else {
        format!("{n} B")
    }
}

/// The first number after `label` in the line of `stdout` that starts with `line`.
fn number_after(stdout: &str, line: &str, label: &str) -> u64 {
    let text = stdout
        .lines()
        .find(|l| l.starts_with(line))
        .unwrap_or_else(|| panic!("no line starting with `{line}` in\n{stdout}"));
    let rest = &text[text
        .find(label)
        .unwrap_or_else(|| panic!("no `{label}` in `{text}`"))
        + label.len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after `{label}` in `{text}`"))
}

/// The number before `label` in the line of `stdout` that starts with `line`.
fn number_before(stdout: &str, line: &str, label: &str) -> u64 {
    let text = stdout
        .lines()
        .find(|l| l.starts_with(line))
        .unwrap_or_else(|| panic!("no line starting with `{line}` in\n{stdout}"));
    let head = &text[..text
        .find(label)
        .unwrap_or_else(|| panic!("no `{label}` in `{text}`"))];
    head.trim_end()
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number before `{label}` in `{text}`"))
}

/// Checks the report of a cubesat run of [`CYCLES`] cycles on `platform`.
fn check_cubesat_report(stdout: &str, platform: &str, region_sizes: [&str; 2]) {
    assert!(
        stdout.contains(&format!("cubesat: 1000 cycles on platform `{platform}`")),
        "{stdout}"
    );
    // What the ground script sends is fixed: these counts are the same on every run and platform.
    for line in [
        "uplink    999 frames received, 1 too large for any buffer, 3 dropped for a bad CRC",
        "telemetry 1000 packets, 20 housekeeping dumps, 10 thumbnails",
        "the last 16 downlinked at the end of the pass (80 B), 0 lost",
        "ok: every buffer, block and byte came back",
    ] {
        assert!(stdout.contains(line), "missing `{line}` in\n{stdout}");
    }
    // One row per bin: manager, bin, buffers, in use (0: every buffer came back), high-water, spills, failed.
    for (manager, bin, buffers) in [
        ("downlink", "128 B", "32"),
        ("downlink", "512 B", "16"),
        ("downlink", "1 KiB", "8"),
        ("uplink", "128 B", "32"),
        ("uplink", "2 KiB", "12"),
        ("uplink", "4 KiB", "6"),
        // buffer_bins! `THUMBNAILS` in src/camera.rs.
        ("thumbnails (macro)", "256 B", "8"),
        ("thumbnails (macro)", "4 KiB", "2"),
    ] {
        let cells = row(stdout, &[manager, bin]);
        assert_eq!(cells.len(), 7, "{cells:?}");
        assert_eq!((cells[2], cells[3]), (buffers, "0"), "{cells:?}");
        assert!(
            cells[4].parse::<usize>().is_ok_and(|hi| hi > 0),
            "high-water of {cells:?}"
        );
    }
    // The managers' totals: the uplink's one failed request is the frame too large for any bin.
    assert_eq!(row(stdout, &["uplink (id 20)", "all"]).last(), Some(&"1"));
    assert_eq!(row(stdout, &["downlink (id 10)", "all"]).last(), Some(&"0"));
    // One row per item of the plan, in its region, with nothing left in use.
    for (item, region, kind) in [
        ("downlink", "sram", "buffer manager"),
        ("uplink", "sram", "buffer manager"),
        ("file_uplink", "sram", "linear allocator"),
        ("telemetry_packet", "dtcm", "pool"),
        ("command_dispatch", "dtcm", "stack allocator"),
        ("thumbnails (macro)", "sram", "buffer manager"),
        ("event_record (macro)", "dtcm", "typed pool"),
    ] {
        let cells = row(stdout, &[item, region, kind]);
        assert_eq!(cells.len(), 8, "{cells:?}");
        assert_eq!(cells[4], "0 B", "{item} still has memory in use: {cells:?}");
    }
    // Every telemetry packet went through the pool, every thumbnail through the macro-declared bins.
    assert_eq!(row(stdout, &["telemetry_packet"])[6], "1000");
    assert_eq!(row(stdout, &["thumbnails (macro)", "sram"])[6], "10");
    // The event log (src/event_log.rs) logs one record, from the #[memory_pool] pool, per frame too large, command
    // refused, file stored and file refused: the counts of the summary lines.
    let logged = number_before(stdout, "events ", "logged");
    let expected = number_before(stdout, "uplink ", "too large")
        + number_before(stdout, "commands ", "refused for lack")
        + number_after(stdout, "files ", "files")
        + number_before(stdout, "files ", "refused as too large");
    assert_eq!(logged, expected, "events logged");
    assert_eq!(
        row(stdout, &["event_record (macro)", "dtcm"])[6],
        logged.to_string()
    );
    // One row per region, with its size on this platform. The generator's JSON report knows the items of
    // memory.toml only; the build script added the macro-declared bytes, which the run prints exactly. Each is at
    // least the storage the macro declares (8 previews of 256 B and 2 thumbnails of 4 KiB; 32 event records of at
    // least 5 bytes), plus the allocators' state, and no more than a page over it.
    let config = workspace().join("configs/cubesat-obc.toml");
    for ((region, size), (item, storage)) in ["sram", "dtcm"].into_iter().zip(region_sizes).zip([
        ("thumbnails (macro)", 8 * 256 + 2 * 4096),
        ("event_record (macro)", 32 * 5),
    ]) {
        let declared = number_after(stdout, "  counted them in", &format!("{region} +"));
        assert!(
            (storage..storage + 4096).contains(&declared),
            "{region}: the macros declared {declared} bytes, their storage is {storage}"
        );
        assert_eq!(row(stdout, &[item, region])[3], human(declared), "{item}");
        let cells = row(stdout, &[region]);
        assert_eq!(
            (cells.len(), cells[1], cells[2], cells[4]),
            (
                7,
                size,
                human(region_used(&config, platform, region) + declared).as_str(),
                "0 B"
            ),
            "{cells:?}"
        );
    }
    // One of the files the ground sends is larger than the staging area; one command in 40 needs more scratch
    // memory than the dispatcher's stack has.
    let files = stdout
        .lines()
        .find(|l| l.starts_with("files "))
        .expect("a files line");
    assert!(files.contains("refused as too large"), "{files}");
    assert!(!files.contains(" 0 refused"), "{files}");
    let commands = stdout
        .lines()
        .find(|l| l.starts_with("commands "))
        .expect("a commands line");
    assert!(
        commands.contains("refused for lack of scratch memory"),
        "{commands}"
    );
    assert!(!commands.contains(" 0 refused"), "{commands}");
}

#[test]
fn cubesat_runs_on_the_flight_platform_and_prints_the_memory_table() {
    let output = run(cargo(
        &workspace(),
        &["run", "--quiet", "-p", "cubesat", "--", "--cycles", CYCLES],
    ));
    assert!(output.status.success(), "{}", show(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    check_cubesat_report(&stdout, "flight", ["240 KiB", "64 KiB"]);

    // The cycle count also comes from the environment, and a bad one is a usage error (exit 2), not a panic.
    let output = run(
        cargo(&workspace(), &["run", "--quiet", "-p", "cubesat"]).env("CUBESAT_CYCLES", "many")
    );
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("`many` is not a positive number of cycles")
    );
}

#[test]
fn cubesat_runs_on_the_ground_simulator() {
    let output = run(cargo(
        &workspace(),
        &["run", "--quiet", "-p", "cubesat", "--", "--cycles", CYCLES],
    )
    .env("FLIGHT_MEMORY_PLATFORM", "ground-sim"));
    assert!(output.status.success(), "{}", show(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    check_cubesat_report(&stdout, "ground-sim", ["16 MiB", "1 MiB"]);
}

#[test]
fn fprime_init_configures_runs_and_tears_down() {
    let output = run(cargo(
        &workspace(),
        &["run", "--quiet", "-p", "fprime-init"],
    ));
    assert!(output.status.success(), "{}", show(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in [
        "== deployment `flight`",
        "memory map: default region sram, id 3 -> region dtcm, id 4 -> region dtcm",
        "configure comms        memory id 1: BufferManager::setup, 28 buffers in 3 bins, 10240 bytes of buffers, from region sram",
        "configure event_log    memory id 3: 64 records, 4096 bytes, from region dtcm",
        "== deployment `ground-sim`",
        "configure comms        memory id 1: BufferManager::setup, 28 buffers in 3 bins, 10240 bytes of buffers, from heap (MallocAllocator)",
        "teardown  file_uplink refused: 1 buffer still out",
        "memory    after teardown: sram 0 of 65536 bytes",
        "ok: both deployments gave every byte back",
    ] {
        assert!(stdout.contains(line), "missing `{line}` in\n{stdout}");
    }
}

/// The README's transcript of `cargo run -p cubesat` (the ```text block that starts with that command) is what the
/// run prints, cell for cell, but for the high-water marks, which depend on thread scheduling.
#[test]
fn the_readme_shows_what_cubesat_prints() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).expect("README.md");
    let start = readme
        .find("$ cargo run -p cubesat\n")
        .expect("the README shows a run of the cubesat example");
    let block = &readme[start..];
    let block = &block[..block.find("```").expect("the end of the transcript")];
    let shown: Vec<String> = masked(block.lines().skip(1));

    let output = run(cargo(&workspace(), &["run", "--quiet", "-p", "cubesat"]));
    assert!(output.status.success(), "{}", show(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let printed: Vec<String> = masked(stdout.lines());
    for (line, (readme_line, run_line)) in shown.iter().zip(&printed).enumerate() {
        assert_eq!(
            readme_line,
            run_line,
            "line {} of the README's cubesat transcript differs from the run (high-water marks masked as *):\n{stdout}",
            line + 1
        );
    }
    assert_eq!(
        shown.len(),
        printed.len(),
        "lines of the transcript\n{stdout}"
    );
}

/// `lines` with the cells of every `high-water` column (tables whose header has one) replaced by `*`.
fn masked<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut high_water: Option<usize> = None;
    lines
        .map(|line| {
            let row = cells(line);
            if line.trim().is_empty() {
                high_water = None;
            } else if let Some(at) = row.iter().position(|cell| cell.starts_with("high-water")) {
                high_water = Some(at);
            } else if let Some(at) = high_water.filter(|&at| at < row.len()) {
                let mut row: Vec<&str> = row;
                row[at] = "*";
                return row.join(" | ");
            }
            row.join(" | ")
        })
        .collect()
}
