//! No input makes the checker (or the rendering of its results) panic: random text, and mutations of the good
//! configs (byte flips, deleted and repeated lines, huge and negative numbers, unicode).

use flight_memory_gen::{Analysis, SourceFile, report};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

/// Runs everything a user can trigger on `text`: every stage, every rendering, every report.
fn exercise(text: &str) {
    let analysis = Analysis::of(SourceFile::new("fuzz.toml", text));
    let errors = analysis.errors();
    let _ = errors.render_plain();
    let _ = errors.short_lines();
    for d in errors.diagnostics() {
        let _ = errors.location(d);
    }
    if analysis.model_is_complete() {
        let layouts: Vec<_> = analysis.layouts().iter().collect();
        let _ = report::text(&layouts);
        let _ = report::json(&layouts, &errors);
        let _ = report::svg(&layouts);
    }
    // A clean analysis is exactly a successful check.
    assert_eq!(
        analysis.has_errors(),
        analysis.clone().into_result().is_err()
    );
    // A plan that passes gives a linker fragment for each of its platforms.
    if let Ok(checked) = analysis.into_result() {
        for layout in checked.layouts() {
            let script = flight_memory_gen::linker_script(&checked, &layout.platform.value);
            assert!(script.is_ok_and(|s| s.starts_with("/* @generated")));
        }
    }
}

fn good_configs() -> Vec<String> {
    crate::toml_files("good")
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("readable"))
        .collect()
}

/// One mutation of a config's bytes.
#[derive(Clone, Debug)]
enum Mutation {
    FlipByte { at: usize, bit: u8 },
    DeleteLine { line: usize },
    RepeatLine { line: usize },
    SwapLines { a: usize, b: usize },
    ReplaceNumber { nth: usize, with: &'static str },
    Insert { at: usize, text: String },
    Truncate { at: usize },
}

const NUMBERS: [&str; 12] = [
    "0",
    "-1",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "4294967295",
    "4294967296",
    "1e400",
    "nan",
    "\"16 EiB\"",
    "\"99999999999 GiB\"",
    "0x_",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipByte { at, bit }),
        any::<usize>().prop_map(|line| Mutation::DeleteLine { line }),
        any::<usize>().prop_map(|line| Mutation::RepeatLine { line }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        (any::<usize>(), proptest::sample::select(&NUMBERS[..]))
            .prop_map(|(nth, with)| Mutation::ReplaceNumber { nth, with }),
        (
            any::<usize>(),
            prop_oneof![
                Just("é".to_string()),
                Just("\u{202e}".to_string()),
                Just("😀 = 1\n".to_string()),
                Just("[pools.\"ü\"]\n".to_string()),
                Just("\n[[pools]]\n".to_string()),
                Just("\"\"\"".to_string()),
                Just("\0".to_string()),
                "\\PC{0,8}",
            ]
        )
            .prop_map(|(at, text)| Mutation::Insert { at, text }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(text: &str, mutation: &Mutation) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len().max(1);
    match mutation {
        Mutation::FlipByte { at, bit } => {
            let mut bytes = text.as_bytes().to_vec();
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] ^= 1 << bit;
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Mutation::DeleteLine { line } => {
            if !lines.is_empty() {
                lines.remove(line % n);
            }
            lines.join("\n")
        }
        Mutation::RepeatLine { line } => {
            if let Some(l) = lines.get(line % n).copied() {
                lines.insert(line % n, l);
            }
            lines.join("\n")
        }
        Mutation::SwapLines { a, b } => {
            if !lines.is_empty() {
                lines.swap(a % n, b % n);
            }
            lines.join("\n")
        }
        Mutation::ReplaceNumber { nth, with } => {
            let starts: Vec<usize> = text
                .char_indices()
                .filter(|&(i, c)| {
                    c.is_ascii_digit()
                        && (i == 0 || !text.as_bytes()[i - 1].is_ascii_alphanumeric())
                })
                .map(|(i, _)| i)
                .collect();
            match starts.get(nth % starts.len().max(1)) {
                Some(&start) => {
                    let end = text[start..]
                        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                        .map_or(text.len(), |e| start + e);
                    format!("{}{with}{}", &text[..start], &text[end..])
                }
                None => text.to_string(),
            }
        }
        Mutation::Insert { at, text: inserted } => {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            format!("{}{inserted}{}", &text[..at], &text[at..])
        }
        Mutation::Truncate { at } => {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text[..at].to_string()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: crate::proptest_cases(512), ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,400}") {
        exercise(&text);
    }

    #[test]
    fn random_toml_like_text_never_panics(
        text in "(\\[{1,2}[a-z_.\"]{0,20}\\]{0,2}\n|[a-z_]{1,12} = (\"[0-9]{0,6} ?[KMGkmBbi]{0,3}\"|-?[0-9]{1,22}|true|\\[ \\{ size = [0-9]{1,5}, count = [0-9]{1,3} \\} \\]|\\{\\})\n){0,30}"
    ) {
        exercise(&text);
    }

    #[test]
    fn mutated_good_configs_never_panic(
        which in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let configs = good_configs();
        let mut text = configs[which % configs.len()].clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        exercise(&text);
    }
}

#[test]
fn random_bytes_from_a_file_never_panic() {
    let dir = std::env::temp_dir().join(format!("flight-memory-gen-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let good = good_configs();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for round in 0..64 {
        let mut bytes = good[round % good.len()].clone().into_bytes();
        let flips = proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)
            .new_tree(&mut runner)
            .expect("strategy")
            .current();
        for (at, value) in flips {
            let i = at % bytes.len();
            bytes[i] = value;
        }
        let path = dir.join(format!("case{round}.toml"));
        std::fs::write(&path, &bytes).expect("write");
        let analysis = Analysis::of_file(&path).expect("readable");
        let _ = analysis.errors().render_plain();
        if std::str::from_utf8(&bytes).is_err() {
            let rendered = analysis.errors().render_plain();
            assert!(rendered.contains("is not UTF-8"), "{rendered}");
            assert!(rendered.contains(&path.display().to_string()), "{rendered}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn deep_nesting_and_huge_inputs_do_not_overflow_the_stack() {
    exercise(&format!("x = {}{}", "[".repeat(5000), "]".repeat(5000)));
    exercise(&format!("x = {}", "{ a = ".repeat(3000)));
    exercise(&format!(
        "[platform]\nname = \"p\"\nbudget = 1\n[regions.r]\nsize = 1\n[pools.p]\nregion = \"r\"\ncount = 1\ntype = \"{}u8{}\"\n",
        "[".repeat(3000),
        "; 1]".repeat(3000)
    ));
    exercise(&format!(
        "[platform]\nname = \"p\"\nbudget = 1\n[regions.r]\nsize = 1\n[pools.p]\nregion = \"r\"\ncount = 1\ntype = \"{}\"\n",
        "Option<".repeat(10_000)
    ));
    exercise(&"a".repeat(1 << 20));
}
