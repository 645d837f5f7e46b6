//! What a build script prints when the plan is refused: one `cargo::error=FILE:LINE:COL: message` line per
//! error on stdout (cargo shows them and fails the build), and the full diagnostics on stderr. Checked
//! in-process through `Builder` and `BuildError::report`, which `flight_memory_gen::build` calls before it
//! exits with status 1; `a_real_build_script_fails_the_build` runs cargo on a crate (ignored by default: it
//! compiles the crates again in a temporary directory).

use flight_memory_gen::{BuildError, Builder};

/// `(stdout, stderr)` of the report of the error `generate` gives for `config`.
fn refused(config: &str) -> (String, String) {
    let error = Builder::new()
        .config(config)
        .platform("obc")
        .cargo_directives(false)
        .generate()
        .expect_err("the plan is refused");
    assert!(matches!(error, BuildError::Invalid(_)), "{error}");
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    error
        .report(&mut stdout, &mut stderr)
        .expect("writing to memory");
    (
        String::from_utf8(stdout).expect("UTF-8"),
        String::from_utf8(stderr).expect("UTF-8"),
    )
}

#[test]
fn an_over_budget_plan_prints_a_cargo_error_line_pointing_at_the_size_to_change() {
    let (stdout, stderr) = refused("tests/catalogue/region_over_size.toml");
    assert_eq!(
        stdout,
        "cargo::error=tests/catalogue/region_over_size.toml:10:8: region `dtcm` is over its size on platform \
         `obc`: its items need 66840 bytes (~65.27 KiB), it has 65536 bytes (64 KiB)\n"
    );
    assert_eq!(
        stderr,
        std::fs::read_to_string("tests/catalogue/region_over_size.stderr").expect("expectation")
    );
}

#[test]
fn every_error_gets_its_own_line() {
    let (stdout, stderr) = refused("tests/catalogue/many_errors.toml");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{stdout}");
    for line in &lines {
        assert!(
            line.starts_with("cargo::error=tests/catalogue/many_errors.toml:"),
            "{line}"
        );
    }
    assert!(lines[0].contains(":4:14: bad `budget`"), "{}", lines[0]);
    assert!(stderr.ends_with("error: tests/catalogue/many_errors.toml has 8 errors\n"));
}

#[test]
fn regions_over_the_platform_budget_are_refused() {
    let (stdout, _) = refused("tests/catalogue/over_budget.toml");
    assert!(
        stdout.starts_with("cargo::error=tests/catalogue/over_budget.toml:"),
        "{stdout}"
    );
    assert!(stdout.contains("over its budget"), "{stdout}");
}

/// Builds a crate whose build script calls `flight_memory_gen::build` on a plan over budget, with cargo.
#[test]
#[ignore = "runs cargo on a fresh crate (about a minute); run with --ignored"]
fn a_real_build_script_fails_the_build() {
    let gen_dir = std::env::current_dir().expect("the crate's directory");
    let runtime_dir = gen_dir.join("../flight-memory");
    let dir = std::env::temp_dir().join(format!("flight-memory-gen-build-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).expect("temporary directory");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"over-budget\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\n\
             flight-memory = {{ path = {runtime:?} }}\n\n[build-dependencies]\n\
             flight-memory-gen = {{ path = {generator:?}, default-features = false }}\n\n[workspace]\n",
            runtime = runtime_dir.display().to_string(),
            generator = gen_dir.display().to_string(),
        ),
    )
    .expect("manifest");
    std::fs::write(
        dir.join("build.rs"),
        "fn main() {\n    flight_memory_gen::build(\"memory.toml\");\n}\n",
    )
    .expect("build.rs");
    std::fs::write(
        dir.join("src/lib.rs"),
        "flight_memory::include_memory!();\n",
    )
    .expect("lib.rs");
    std::fs::copy(
        "tests/catalogue/region_over_size.toml",
        dir.join("memory.toml"),
    )
    .expect("plan");
    let output = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("FLIGHT_MEMORY_PLATFORM")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr
            .contains("error: over-budget@0.0.0: memory.toml:10:8: region `dtcm` is over its size"),
        "{stderr}"
    );
    assert!(stderr.contains("--> memory.toml:10:8"), "{stderr}");
    std::fs::remove_dir_all(&dir).expect("clean up");
}
