//! Running cargo from the tests: paths, the nested target directory, and a lock so that the nested builds run
//! one after the other (they share a target directory, and the machine may have two cores).

use std::borrow::BorrowMut;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The workspace's root directory.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/e2e is two levels below the workspace root")
        .to_path_buf()
}

/// The target directory of the nested builds: `e2e` inside the target directory of the build running this
/// test (`<target>/debug/deps/all-HASH` is the test binary).
///
/// A directory of its own, because cargo holds a lock on the outer build's directory while the tests run: a
/// nested cargo using it would wait forever. Inside the outer one, so `cargo clean` removes it and every nested
/// build (examples, fixture crates, the CLI) shares one compilation of the workspace's crates.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let outer = exe
        .ancestors()
        .nth(3)
        .expect("the test binary is in <target>/<profile>/deps");
    outer.join("e2e")
}

/// Serialises the nested cargo runs. A test that fails while holding the lock poisons it; the others go on.
pub fn cargo_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `cargo ARGS` in `dir`, building into [`target_dir`], with the environment a user's shell would have: no
/// platform selection or cycle count inherited from the caller, no colours.
pub fn cargo(dir: &Path, args: &[&str]) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(dir)
        .args(args)
        .arg("--target-dir")
        .arg(target_dir())
        .env("CARGO_TERM_COLOR", "never")
        // Without debug info the build scripts' dependencies and the CLI's are the same artifacts, compiled
        // once; the tests do not debug them.
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .env_remove("FLIGHT_MEMORY_PLATFORM")
        .env_remove("FLIGHT_MEMORY_CONFIG")
        .env_remove("CUBESAT_CYCLES");
    command
}

/// Runs `command` (a `Command` or `&mut Command`), holding [`cargo_lock`].
pub fn run(mut command: impl BorrowMut<Command>) -> Output {
    let command = command.borrow_mut();
    let _lock = cargo_lock();
    command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"))
}

/// Standard output and error of `output`, for assertion messages.
pub fn show(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The `flight-memory-gen` binary, built (once per test run) into [`target_dir`].
pub fn gen_cli() -> &'static Path {
    static CLI: OnceLock<PathBuf> = OnceLock::new();
    CLI.get_or_init(|| {
        let output = run(cargo(
            &workspace(),
            &[
                "build",
                "--quiet",
                "-p",
                "flight-memory-gen",
                "--bin",
                "flight-memory-gen",
            ],
        ));
        assert!(
            output.status.success(),
            "building the CLI failed\n{}",
            show(&output)
        );
        let exe = target_dir()
            .join("debug")
            .join(format!("flight-memory-gen{}", std::env::consts::EXE_SUFFIX));
        assert!(exe.is_file(), "no {}", exe.display());
        exe
    })
}

/// The configs of `configs/`, sorted by name.
pub fn configs() -> Vec<PathBuf> {
    let mut configs: Vec<PathBuf> = std::fs::read_dir(workspace().join("configs"))
        .expect("configs/ exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    configs.sort();
    assert!(
        configs.len() >= 3,
        "configs/ has the CubeSat plan and two over-budget ones: {configs:?}"
    );
    configs
}

/// Whether `config` is meant to fail: the over-budget ones are named `over-*.toml`.
pub fn is_over_budget(config: &Path) -> bool {
    config
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with("over-"))
}

/// `flight-memory-gen report --format json` of `config` (the report is printed for plans over budget too).
pub fn report_json(config: &Path) -> serde_json::Value {
    let output = Command::new(gen_cli())
        .args(["report", "--format", "json"])
        .arg(config)
        .output()
        .expect("run flight-memory-gen");
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("not JSON: {error}\n{}", show(&output)))
}

/// What region `region` of platform `platform` holds, in bytes, by the report of `config`: the total an
/// over-size error quotes. (Asked of the generator rather than written down here: it includes the allocators'
/// metadata, whose size belongs to the runtime.)
pub fn region_used(config: &Path, platform: &str, region: &str) -> u64 {
    let json = report_json(config);
    json["platforms"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["name"] == platform)
        .flat_map(|p| p["regions"].as_array().into_iter().flatten())
        .find(|r| r["name"] == region)
        .and_then(|r| r["used"].as_u64())
        .unwrap_or_else(|| panic!("no region {region} of platform {platform} in\n{json:#}"))
}
