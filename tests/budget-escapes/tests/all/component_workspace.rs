//! The checked-in example workspace `tests/component-workspace`: a binary (`app`, which owns memory.toml and
//! counts its component crates) and two component crates (`payload` with a `buffer_bins!` table and a
//! `#[memory_pool]`, `comms` with a table) that declare their own memory. It builds and runs, and its budget
//! counts every crate; its over-budget variant (`over-budget.toml`: each crate fits alone, not together) does
//! not compile; with the fault-injection feature `forget-comms` the binary does not count `comms` and the
//! program does not link.

use std::path::PathBuf;
use std::process::Output;

use crate::harness::{cargo, run, show, workspace};

fn dir() -> PathBuf {
    workspace().join("tests/component-workspace")
}

fn cargo_in_workspace(args: &[&str], plan: Option<&str>) -> Output {
    let mut command = cargo(&dir(), args);
    if let Some(plan) = plan {
        // Set in the environment, it wins over the workspace's `[env]`.
        command.env("FLIGHT_MEMORY_CONFIG", dir().join(plan));
    }
    run(command)
}

/// `sram: N of M bytes used` in `memory::PLATFORM`'s display.
fn sram_used(stdout: &str) -> Option<u64> {
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("sram: "))?;
    line.trim_start()
        .strip_prefix("sram: ")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

#[test]
fn the_component_workspace_runs_and_its_budget_counts_every_crate() {
    let output = cargo_in_workspace(&["run", "--quiet", "-p", "app"], None);
    let text = show(&output);
    assert!(output.status.success(), "{text}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("payload captured 1000 bytes, comms received 1500 bytes"),
        "{text}"
    );
    // The buffers alone: downlink 16 x 256, payload's images 8 x 1024 + 2 x 4096, comms' 12 x 2048.
    let buffers = 16 * 256 + 8 * 1024 + 2 * 4096 + 12 * 2048;
    let used = sram_used(&stdout).unwrap_or_else(|| panic!("no sram line in\n{text}"));
    assert!(
        used >= buffers && used < buffers + 4096,
        "sram used {used}, the buffers alone take {buffers}:\n{text}"
    );
}

#[test]
fn a_component_crates_unit_tests_link_on_their_own() {
    let output = cargo_in_workspace(&["test", "--quiet", "-p", "payload"], None);
    assert!(output.status.success(), "{}", show(&output));
}

#[test]
fn the_over_budget_variant_does_not_compile() {
    let output = cargo_in_workspace(&["build", "--quiet", "-p", "app"], Some("over-budget.toml"));
    let text = show(&output);
    assert!(!output.status.success(), "built:\n{text}");
    for expected in [
        "region `sram` of platform `flight` is over its size",
        "buffer_bins! `IMAGES` of crate `payload` (src/lib.rs:",
        "buffer_bins! `RX` of crate `comms` (src/lib.rs:",
        "help: make region `sram` at least",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
}

#[test]
fn a_component_crate_the_binary_forgets_does_not_link() {
    let output = cargo_in_workspace(
        &[
            "build",
            "--quiet",
            "-p",
            "app",
            "--features",
            "forget-comms",
        ],
        None,
    );
    let text = show(&output);
    assert!(!output.status.success(), "built:\n{text}");
    assert!(
        text.contains("flight_memory_budget_does_not_count_crate_comms"),
        "{text}"
    );
}
