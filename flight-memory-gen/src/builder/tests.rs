//! The builder's selection of the platform, its directives and its outputs.

use super::*;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "flight-memory-gen-builder-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const TWO_PLATFORMS: &str = "[platforms.flight]\nbudget = 1024\n[platforms.sim]\nbudget = 4096\n\
                             regions = { ram = 4096 }\n[regions.ram]\nsize = 1024\n";

#[test]
fn selects_the_platform_from_the_builder_then_the_environment() {
    let dir = temp_dir("select");
    let config = dir.join("memory.toml");
    std::fs::write(&config, TWO_PLATFORMS).unwrap();
    let mut builder = Builder::new();
    builder.config(&config).cargo_directives(false);
    let out = Some(dir.clone().into_os_string());

    let error = builder
        .generate_with_env(None, out.clone(), &mut io::sink())
        .unwrap_err();
    assert!(matches!(error, BuildError::NoPlatformSelected { .. }));
    assert!(
        error
            .to_string()
            .contains("set FLIGHT_MEMORY_PLATFORM=NAME"),
        "{error}"
    );

    let sim = builder
        .generate_with_env(Some("sim".into()), out.clone(), &mut io::sink())
        .unwrap();
    assert_eq!(sim.platform, "sim");
    assert_eq!(sim.output, dir.join(OUTPUT_FILE));
    assert!(
        std::fs::read_to_string(&sim.output)
            .unwrap()
            .contains("\"sim\"")
    );

    let error = builder
        .generate_with_env(Some("flihgt".into()), out.clone(), &mut io::sink())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "FLIGHT_MEMORY_PLATFORM=flihgt selects platform `flihgt`, which {} does not have; its platforms \
             are `flight` and `sim` (did you mean `flight`?)",
            config.display()
        )
    );

    builder.platform("flight");
    let flight = builder
        .generate_with_env(Some("sim".into()), out, &mut io::sink())
        .unwrap();
    assert_eq!(flight.platform, "flight");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn prints_the_cargo_directives() {
    let dir = temp_dir("directives");
    let config = dir.join("memory.toml");
    std::fs::write(&config, TWO_PLATFORMS).unwrap();
    let mut directives = Vec::new();
    let generated = Builder::new()
        .config(&config)
        .generate_with_env(
            Some("sim".into()),
            Some(dir.clone().into_os_string()),
            &mut directives,
        )
        .unwrap();
    let expected = format!(
        "cargo::rerun-if-changed={config}\n\
         cargo::rerun-if-env-changed=FLIGHT_MEMORY_PLATFORM\n\
         cargo::rerun-if-env-changed=FLIGHT_MEMORY_CONFIG\n\
         cargo::rustc-link-search=native={dir}\n\
         cargo::rustc-env=FLIGHT_MEMORY_USES={uses}\n\
         cargo::rustc-env=FLIGHT_MEMORY_CONFIG={config}\n\
         cargo::rustc-env=FLIGHT_MEMORY_PLATFORM=sim\n",
        config = config.display(),
        dir = dir.display(),
        uses = dir.join("flight_memory.uses").display()
    );
    assert_eq!(String::from_utf8(directives).unwrap(), expected);
    assert_eq!(generated.linker_script, Some(dir.join("flight-memory.x")));
    assert!(
        std::fs::read_to_string(dir.join("flight-memory.x"))
            .unwrap()
            .contains("platform `sim`")
    );
    assert_eq!(generated.config, config);

    // A failed build still asks to run again when the plan changes.
    std::fs::write(&config, "[platform]\n").unwrap();
    let mut directives = Vec::new();
    assert!(
        Builder::new()
            .config(&config)
            .generate_with_env(None, None, &mut directives)
            .is_err()
    );
    assert_eq!(
        String::from_utf8(directives).unwrap().lines().count(),
        3,
        "the rerun directives only"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn leaves_an_unchanged_output_alone() {
    let dir = temp_dir("unchanged");
    let config = dir.join("memory.toml");
    std::fs::write(&config, TWO_PLATFORMS).unwrap();
    let out = Some(dir.clone().into_os_string());
    let mut builder = Builder::new();
    builder
        .config(&config)
        .platform("flight")
        .cargo_directives(false);
    let first = builder
        .generate_with_env(None, out.clone(), &mut io::sink())
        .unwrap();
    let written = std::fs::metadata(&first.output)
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    builder
        .generate_with_env(None, out, &mut io::sink())
        .unwrap();
    let again = std::fs::metadata(&first.output)
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(written, again);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn needs_an_out_dir_for_a_relative_output() {
    let dir = temp_dir("out-dir");
    let config = dir.join("memory.toml");
    std::fs::write(&config, TWO_PLATFORMS).unwrap();
    let error = Builder::new()
        .config(&config)
        .platform("sim")
        .cargo_directives(false)
        .generate_with_env(None, None, &mut io::sink())
        .unwrap_err();
    assert!(matches!(error, BuildError::NoOutDir));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unreadable_plan_is_one_error_line() {
    let error = Builder::new()
        .config("/nonexistent/memory.toml")
        .cargo_directives(false)
        .generate()
        .unwrap_err();
    let lines = error.cargo_errors();
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("cannot read `/nonexistent/memory.toml`"),
        "{lines:?}"
    );
}

#[test]
fn the_linker_fragment_can_be_renamed_or_left_out() {
    let dir = temp_dir("fragment");
    let config = dir.join("memory.toml");
    std::fs::write(&config, TWO_PLATFORMS).unwrap();
    let out = Some(dir.clone().into_os_string());
    let mut directives = Vec::new();
    let generated = Builder::new()
        .config(&config)
        .platform("flight")
        .linker_script("board.x")
        .generate_with_env(None, out.clone(), &mut directives)
        .unwrap();
    assert_eq!(generated.linker_script, Some(dir.join("board.x")));
    assert!(
        std::fs::read_to_string(dir.join("board.x"))
            .unwrap()
            .contains("platform `flight`")
    );
    let directives = String::from_utf8(directives).unwrap();
    assert!(
        directives.contains(&format!(
            "cargo::rustc-link-search=native={}\n",
            dir.display()
        )),
        "{directives}"
    );

    std::fs::remove_file(dir.join("board.x")).unwrap();
    let mut directives = Vec::new();
    let generated = Builder::new()
        .config(&config)
        .platform("flight")
        .write_linker_script(false)
        .generate_with_env(None, out, &mut directives)
        .unwrap();
    assert_eq!(generated.linker_script, None);
    assert!(!dir.join("flight-memory.x").exists());
    assert!(
        !String::from_utf8(directives)
            .unwrap()
            .contains("rustc-link-search")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_component_crate_is_named_by_its_library() {
    let dir = std::env::temp_dir().join(format!("fm-lib-name-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"star-tracker\"\n\n[lib]\nname = \"tracker\"\npath = \"src/lib.rs\"\n",
    )
    .unwrap();
    assert_eq!(super::component::library_name(Some(&dir)), "tracker");
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"star-tracker\"\n",
    )
    .unwrap();
    // Without `[lib] name`, the package's name (here the test's own package, which cargo sets).
    assert_eq!(
        super::component::library_name(Some(&dir)),
        std::env::var("CARGO_PKG_NAME").unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
