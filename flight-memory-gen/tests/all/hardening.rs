//! The findings of the outside review of the config front end (issue 12, items 1–5), each as a test that
//! failed before its fix. Their configs are also in the diagnostics catalogue (`tests/catalogue`), which
//! checks the full rendering.

use flight_memory_gen::{Analysis, SourceFile, Stage, check_str, report, size::parse_size};

const PLATFORM: &str = "[platform]\nname = \"obc\"\nbudget = \"64 KiB\"\n\n";

fn analyse(text: &str) -> Analysis {
    Analysis::of(SourceFile::new("memory.toml", text))
}

/// Item 1: region sizes whose sum overflows 64 bits are over the budget, not "of unknown size".
#[test]
fn regions_whose_sum_overflows_are_over_budget() {
    let text = format!(
        "{PLATFORM}[regions.sram]\nsize = \"9223372036854775808 B\"\n\n[regions.dtcm]\nsize = \"9223372036854775808 B\"\n"
    );
    let analysis = analyse(&text);
    assert!(analysis.layouts()[0].over_budget());
    let errors = analysis.errors();
    assert_eq!(errors.len(), 1, "{errors}");
    let error = &errors.diagnostics()[0];
    assert_eq!(error.stage(), Stage::Budget);
    assert!(
        error.message().contains("18446744073709551616 bytes"),
        "{}",
        error.message()
    );
    // At the budget: line 3, column 10.
    let location = errors.location(error).expect("located");
    assert_eq!((location.line, location.column), (3, 10));
    let layouts: Vec<_> = analysis.layouts().iter().collect();
    let json: serde_json::Value =
        serde_json::from_str(&report::json(&layouts, &errors)).expect("JSON");
    assert_eq!(json["ok"], false);
    assert_eq!(json["platforms"][0]["over_budget"], true);
    assert!(check_str("memory.toml", &text).is_err());
}

/// Item 2: a dotted key, inline tables or arrays nested beyond the parser's limit give a located error.
#[test]
fn keys_and_values_nested_too_deeply_are_located() {
    let dotted = format!("{PLATFORM}{} = 1\n", vec!["a"; 100].join("."));
    let tables = format!(
        "{PLATFORM}x = {}1{}\n",
        "{ a = ".repeat(100),
        " }".repeat(100)
    );
    let arrays = format!("{PLATFORM}x = {}1{}\n", "[".repeat(100), "]".repeat(100));
    let header = format!("{PLATFORM}[{}]\n", vec!["a"; 100].join("."));
    for text in [dotted, tables, arrays, header] {
        let errors = analyse(&text).errors();
        assert!(!errors.is_empty(), "{text}");
        for error in errors.diagnostics() {
            let location = errors.location(error).expect("every error located");
            assert_eq!(location.line, 5, "{errors}");
        }
        assert!(errors.render_plain().contains("memory.toml:5:"), "{errors}");
    }
}

/// A line of many bad characters gives one error, not one per character each quoting the whole line.
#[test]
fn syntax_errors_are_merged_and_capped() {
    let text = format!("# {}\n", "\u{1}".repeat(20_000));
    let errors = analyse(&text).errors();
    assert_eq!(errors.len(), 1, "{}", errors.short_lines().join("\n"));
    let many = "\u{1} = 1\n".repeat(1000);
    let errors = analyse(&many).errors();
    assert!(errors.len() <= 20, "{} errors", errors.len());
    let last = errors.diagnostics().last().expect("errors");
    assert!(
        last.notes().iter().any(|n| n.contains("more syntax error")),
        "{:?}",
        last.notes()
    );
}

/// Item 3: an exact size is accepted whatever the length of its fraction; a fractional one is refused.
#[test]
fn exact_sizes_with_long_fractions_are_accepted() {
    assert_eq!(parse_size("0.000000000931322574615478515625 GiB"), Ok(1));
    assert!(parse_size("0.000000000931322574615478515626 GiB").is_err());
    let text =
        format!("{PLATFORM}[regions.sram]\nsize = \"0.000000000931322574615478515625 GiB\"\n");
    let checked = check_str("memory.toml", &text).expect("accepted");
    let sram = checked.layouts()[0].region("sram").expect("declared");
    assert_eq!(sram.size.as_ref().map(|s| s.value), Some(1));
}

/// Item 4: a `type` is a type path or an array of one; nothing else reaches generated code.
#[test]
fn types_that_are_not_type_paths_are_located_errors() {
    for (ty, accepted) in [
        ("[u8; { 4 }]", false),
        ("[u8; len()]", false),
        ("Wrapper<{ 4 }>", false),
        ("&'static u8", false),
        ("(u8, u16)", false),
        ("fn()", false),
        ("[u8; 4]", true),
        ("[[u8; 4]; 2]", true),
        ("[u32; crate::N]", true),
        ("heapless::Vec<u8, 4>", true),
    ] {
        let text = format!(
            "{PLATFORM}[regions.sram]\nsize = \"64 KiB\"\n\n[pools.p]\nregion = \"sram\"\ntype = \"{ty}\"\ncount = 4\n"
        );
        let errors = analyse(&text).errors();
        assert_eq!(errors.is_empty(), accepted, "{ty}: {errors}");
        for error in errors.diagnostics() {
            let location = errors.location(error).expect("located");
            assert_eq!((location.line, location.column), (10, 8), "{ty}");
            assert!(error.help().contains("type path"), "{ty}: {}", error.help());
        }
    }
}

/// Item 5: a 10 MB value is quoted shortened: no message, label, note or help is longer than a line or two.
#[test]
fn long_values_are_quoted_shortened() {
    let long = "x".repeat(10 << 20);
    let cases = [
        format!(
            "{PLATFORM}[regions.sram]\nsize = \"64 KiB\"\n\n[pools.p]\nregion = \"{long}\"\nblock_size = 8\ncount = 4\n"
        ),
        format!(
            "{PLATFORM}[regions.sram]\nsize = \"64 KiB\"\n\n[pools.p]\nregion = \"sram\"\ntype = \"{long}\"\ncount = 4\n"
        ),
        format!("{PLATFORM}[regions.sram]\nsize = \"1{long}\"\n"),
        format!(
            "{PLATFORM}[regions.sram]\nsize = \"1.{}3 KiB\"\n",
            "0".repeat(10 << 20)
        ),
        format!("{PLATFORM}[regions.sram]\nsize = \"64 KiB\"\nsection = \"{long} \"\n"),
        format!("{PLATFORM}[regions.sram]\nsize = \"64 KiB\"\n{long} = 1\n"),
        // Valid names, but long: the budget errors name them.
        format!("{PLATFORM}[regions.{long}]\nsize = \"128 KiB\"\n"),
        format!(
            "{PLATFORM}[regions.sram]\nsize = \"64 KiB\"\n\n[pools.{long}]\nregion = \"sram\"\nblock_size = 65536\ncount = 4\n"
        ),
        format!(
            "{PLATFORM}[regions.sram]\nsize = \"64 KiB\"\n\n[components.c]\nregion = \"sram\"\nstrategy = \"{long}\"\n"
        ),
        format!(
            "[platform]\nname = \"{long}\"\nbudget = \"64 KiB\"\n[regions.sram]\nsize = \"128 KiB\"\n"
        ),
        format!("[platform]\nname = \"{long}!\"\nbudget = \"64 KiB\"\n"),
        format!("[platform]\nname = \"obc\"\nbudget = \"64 {long}\"\n"),
        format!("[{long}]\n"),
    ];
    for text in &cases {
        let errors = analyse(text).errors();
        assert!(
            !errors.is_empty(),
            "no error for case starting {:?}",
            &text[..120]
        );
        for error in errors.diagnostics() {
            let mut quoted = vec![error.message(), error.help()];
            quoted.extend(error.notes().iter().map(String::as_str));
            quoted.extend(error.primary().map(|l| l.message.as_str()));
            quoted.extend(error.secondary().iter().map(|l| l.message.as_str()));
            for part in quoted {
                assert!(
                    part.len() < 1000,
                    "{} bytes quoted: {}…",
                    part.len(),
                    &part[..200.min(part.len())]
                );
            }
        }
    }
}
