//! `verify` against real images linked by ld.lld from `tests/verify/crate` (see its `make.sh`): one with the
//! linker fragment, one without, one with a fragment broken on purpose, and a stripped one.

use flight_memory_gen::verify::{VerifyError, verify};
use flight_memory_gen::{Checked, ExternalTerm, check_file, scan_crate};

fn plan() -> (Checked, Vec<ExternalTerm>) {
    let checked = check_file("tests/verify/crate/memory.toml").expect("the fixture's plan passes");
    let external =
        scan_crate("tests/verify/crate/src/main.rs", None).expect("the fixture's sources scan");
    (checked, external)
}

fn image(name: &str) -> Vec<u8> {
    std::fs::read(format!("tests/verify/{name}.elf")).expect("fixture image")
}

fn messages(name: &str) -> Vec<String> {
    let (checked, external) = plan();
    let outcome = verify(&image(name), &checked, "board", &external).expect("an ELF image");
    outcome.violations.iter().map(ToString::to_string).collect()
}

#[test]
fn the_image_linked_with_the_fragment_keeps_to_the_plan() {
    let (checked, external) = plan();
    let outcome =
        verify(&image("with-fragment"), &checked, "board", &external).expect("an ELF image");
    assert!(outcome.violations.is_empty(), "{:?}", outcome.violations);
    assert_eq!(outcome.regions, 2);
    // pool `packet`, typed pool `sample`, buffer manager `comm`, component `scratch`, buffer_bins! `UPLINK`,
    // #[memory_pool] `Reading`.
    assert_eq!(outcome.items, 6, "{:?}", outcome.notes);
    assert!(outcome.notes.is_empty(), "{:?}", outcome.notes);
}

#[test]
fn the_image_linked_without_the_fragment_fails() {
    let messages = messages("no-fragment");
    let expected = [
        "region `sram`: the image has no section `.bss.sram` (expected a NOLOAD section of at most 8192 bytes)",
        "region `sram`, buffer manager `comm`: storage `fixture::memory::buffer_managers::COMM::STORAGE` is at 0x",
        "region `sram`, component `scratch`: storage `fixture::memory::components::SCRATCH::STORAGE` is at 0x",
        "region `sram`, buffer_bins! `UPLINK`: storage `fixture::UPLINK::STORAGE` is at 0x",
        "region `sram`, #[memory_pool] on `Reading`: storage `<fixture::Reading>::pool::SLOTS` is at 0x",
        "region `dtcm`: section `.dtcm` at 0x",
        "region `dtcm`: section `.dtcm` is at [0x",
    ];
    assert_eq!(messages.len(), expected.len(), "{messages:#?}");
    for (message, expected) in messages.iter().zip(expected) {
        assert!(
            message.starts_with(expected),
            "{message}\nshould start with\n{expected}"
        );
    }
    assert!(
        messages[1].contains("in `.bss`, expected in section `.bss.sram`, which the image lacks")
    );
    assert!(messages[4].contains("in `.bss`, expected in section `.bss.sram`"));
    assert!(messages[5].contains("(not NOBITS): it must be NOLOAD"));
    assert!(messages[6].contains("outside the region's [0x20000000, 0x20001000)"));
}

#[test]
fn a_broken_fragment_is_caught_section_by_section() {
    let messages = messages("broken-fragment");
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert_eq!(
        messages[0],
        "region `sram`: section `.bss.sram` is 10672 bytes, more than the region's 8192"
    );
    assert!(messages[1].contains("(not NOBITS)"), "{}", messages[1]);
    assert!(
        messages[2].contains("outside the region's"),
        "{}",
        messages[2]
    );
}

#[test]
fn a_stripped_image_is_a_violation_and_not_elf_is_an_error() {
    let messages = messages("stripped");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("no symbol table (stripped?)")),
        "{messages:#?}"
    );
    let (checked, _) = plan();
    let error = verify(b"not an image", &checked, "board", &[]).unwrap_err();
    assert!(matches!(error, VerifyError::NotElf(_)), "{error}");
    let error = verify(&image("with-fragment"), &checked, "bord", &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the plan has no platform `bord`; its platforms are `board`"
    );
}

#[cfg(feature = "cli")]
mod cli {
    use std::process::{Command, Output};

    fn run(args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_flight-memory-gen"))
            .args(args)
            .output()
            .expect("the binary runs")
    }

    #[test]
    fn exit_0_for_a_good_image_1_for_violations_2_for_usage() {
        let good = run(&[
            "verify",
            "tests/verify/with-fragment.elf",
            "--config",
            "tests/verify/crate/memory.toml",
        ]);
        let out = String::from_utf8_lossy(&good.stdout);
        assert_eq!(
            good.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&good.stderr)
        );
        assert!(
            out.contains("2 region sections and 6 storage symbols checked"),
            "{out}"
        );

        let bad = run(&[
            "verify",
            "tests/verify/no-fragment.elf",
            "--config",
            "tests/verify/crate/memory.toml",
            "--platform",
            "board",
        ]);
        let err = String::from_utf8_lossy(&bad.stderr);
        assert_eq!(bad.status.code(), Some(1), "{err}");
        assert_eq!(
            err.lines()
                .filter(|l| l.starts_with("error: region"))
                .count(),
            7,
            "{err}"
        );
        assert!(err.contains("does not keep to"), "{err}");

        for args in [
            &[
                "verify",
                "tests/verify/missing.elf",
                "--config",
                "tests/verify/crate/memory.toml",
            ][..],
            &[
                "verify",
                "tests/verify/crate/memory.toml",
                "--config",
                "tests/verify/crate/memory.toml",
            ],
            &[
                "verify",
                "tests/verify/with-fragment.elf",
                "--config",
                "tests/verify/crate/memory.toml",
                "--platform",
                "x",
            ],
            &[
                "verify",
                "tests/verify/with-fragment.elf",
                "--config",
                "tests/catalogue/many_errors.toml",
            ],
            &["verify"],
        ] {
            let o = run(args);
            assert_eq!(
                o.status.code(),
                Some(2),
                "{args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }

    #[test]
    fn without_config_the_plan_above_the_image_is_used_or_it_is_a_usage_error() {
        let dir =
            std::env::temp_dir().join(format!("flight-memory-gen-verify-{}", std::process::id()));
        let deep = dir.join("target/thumbv7em-none-eabihf/release");
        std::fs::create_dir_all(&deep).unwrap();
        let elf = deep.join("fixture");
        std::fs::copy("tests/verify/with-fragment.elf", &elf).unwrap();
        let o = run(&["verify", elf.to_str().unwrap()]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "no memory.toml above: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(String::from_utf8_lossy(&o.stderr).contains("give the plan with --config FILE"));
        std::fs::copy("tests/verify/crate/memory.toml", dir.join("memory.toml")).unwrap();
        let o = run(&["verify", elf.to_str().unwrap()]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        // No sources next to that plan: the macros' items are not checked, and verify says so.
        assert!(String::from_utf8_lossy(&o.stdout).contains("4 storage symbols checked"));
        assert!(
            String::from_utf8_lossy(&o.stderr)
                .contains("buffer_bins! and #[memory_pool] items were not checked")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
