//! The crate a case is built as: `escape-app`, with a feature `gated`, flight-memory with its macros, and the
//! standard build script.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Mutex;

use crate::harness::{cargo, run, show, target_dir, workspace};

/// A plan of one platform, `obc`, with regions `sram` of `sram` bytes and `dtcm` of 64 KiB.
pub fn plan(sram: u64) -> String {
    format!(
        "[platform]\nname = \"obc\"\nbudget = \"1 MiB\"\n\n[regions.sram]\nsize = {sram}\n\n\
         [regions.dtcm]\nsize = 65536\n"
    )
}

/// A plan of two platforms: `flight` (the default, `sram` of 64 KiB) and `ground` (`sram` of `ground` bytes).
pub fn two_platforms(ground: u64) -> String {
    format!(
        "[platforms.flight]\nbudget = \"1 MiB\"\ndefault = true\n\n[platforms.ground]\nbudget = \"1 MiB\"\n\
         regions = {{ sram = {ground} }}\n\n[regions.sram]\nsize = 65536\n\n[regions.dtcm]\nsize = 65536\n"
    )
}

/// What a case is built from.
pub struct Crate<'a> {
    /// memory.toml.
    pub plan: String,
    /// Source files, by path from the crate's directory (`src/lib.rs`).
    pub files: &'a [(&'a str, &'a str)],
    /// Features of `escape-app` to turn on (`gated`).
    pub features: &'a [&'a str],
    /// `check`, or `build` for what only the linker sees.
    pub command: &'a str,
    /// Extra crates of a workspace, by directory name: their manifest's `[package]` name is the directory's.
    pub members: &'a [(&'a str, &'a [(&'a str, &'a str)])],
}

impl Default for Crate<'_> {
    fn default() -> Self {
        Crate {
            plan: plan(65536),
            files: &[],
            features: &[],
            command: "check",
            members: &[],
        }
    }
}

/// The directory every case is written to.
fn dir() -> PathBuf {
    target_dir().join("escapes").join("app")
}

/// Writes `krate` (replacing the previous case's sources) and builds it.
pub fn build(krate: &Crate<'_>) -> Output {
    // One case at a time in the crate's directory (the cargo lock of the harness is taken inside).
    static CASE: Mutex<()> = Mutex::new(());
    let _case = CASE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = dir();
    let _ = fs::remove_dir_all(dir.join("src"));
    let _ = fs::remove_dir_all(dir.join("members"));
    let _ = fs::remove_dir_all(dir.join(".cargo"));
    fs::create_dir_all(dir.join("src")).expect("create the crate's directory");
    let root = workspace();
    let flight_memory = root.join("flight-memory");
    let generator = root.join("flight-memory-gen");
    let mut members = String::new();
    let mut dependencies = String::new();
    for (name, files) in krate.members {
        let member = dir.join("members").join(name);
        write_files(&member, files);
        fs::write(
            member.join("Cargo.toml"),
            manifest(name, &flight_memory, &generator, ""),
        )
        .expect("write a member's Cargo.toml");
        members.push_str(&format!("\"members/{name}\", "));
        dependencies.push_str(&format!("{name} = {{ path = \"members/{name}\" }}\n"));
    }
    let mut text = manifest("escape-app", &flight_memory, &generator, &dependencies);
    text.push_str(&format!(
        "\n[features]\ngated = []\n\n[workspace]\nmembers = [{members}]\n"
    ));
    write_if_changed(&dir.join("Cargo.toml"), &text);
    if !dir.join("Cargo.lock").exists() {
        fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    }
    write_if_changed(
        &dir.join("build.rs"),
        "fn main() {\n    flight_memory_gen::build(\"memory.toml\");\n}\n",
    );
    fs::write(dir.join("memory.toml"), &krate.plan).expect("write memory.toml");
    write_files(&dir, krate.files);
    let mut args = vec![krate.command, "--quiet", "--workspace"];
    let features = krate.features.join(",");
    if !features.is_empty() {
        args.extend(["--features", &features]);
    }
    run(cargo(&dir, &args))
}

fn manifest(name: &str, flight_memory: &Path, generator: &Path, dependencies: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nflight-memory = {{ path = '{}', features = [\"std\", \"macros\"] }}\n{dependencies}\n\
         [build-dependencies]\nflight-memory-gen = {{ path = '{}', default-features = false }}\n",
        flight_memory.display(),
        generator.display()
    )
}

fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().expect("a file in a directory"))
            .expect("create a directory");
        fs::write(&path, text).expect("write a source file");
    }
}

/// Writes `text` unless the file has it already (so cargo does not rebuild for nothing).
fn write_if_changed(path: &Path, text: &str) {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return;
    }
    fs::write(path, text).expect("write a file");
}

/// Builds `krate` and asserts that it builds.
pub fn fits(name: &str, krate: &Crate<'_>) {
    let output = build(krate);
    assert!(
        output.status.success(),
        "case `{name}` was refused\n{}",
        show(&output)
    );
}

/// Builds `krate` and asserts that it is refused, with every one of `expected` in the output.
pub fn refused(name: &str, krate: &Crate<'_>, expected: &[&str]) -> String {
    let output = build(krate);
    let text = show(&output);
    assert!(!output.status.success(), "case `{name}` built\n{text}");
    for line in expected {
        assert!(
            text.contains(line),
            "case `{name}`: missing `{line}` in\n{text}"
        );
    }
    text
}
