//! Names: which names can become Rust items, the name a generated `static` gets, and "did you mean" suggestions.

/// Rust's strict and reserved keywords (2024 edition), which cannot name an item.
pub const KEYWORDS: [&str; 52] = [
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Why a name cannot be used as an item name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameProblem {
    /// The name is empty.
    Empty,
    /// The name starts with a digit.
    StartsWithDigit,
    /// The name holds a character other than ASCII letters, digits and `_`.
    BadCharacter(char),
    /// The name is `_` (or only underscores).
    OnlyUnderscores,
    /// The name is a Rust keyword.
    Keyword,
}

impl NameProblem {
    /// What is wrong, as the end of a sentence (`... is not a valid name: <this>`).
    pub fn describe(self) -> String {
        match self {
            NameProblem::Empty => "it is empty".to_string(),
            NameProblem::StartsWithDigit => "it starts with a digit".to_string(),
            NameProblem::BadCharacter(c) => {
                format!("`{}` is not allowed in a name", c.escape_default())
            }
            NameProblem::OnlyUnderscores => "it has no letter or digit".to_string(),
            NameProblem::Keyword => "it is a Rust keyword".to_string(),
        }
    }
}

/// Checks that `name` can name a generated Rust item: ASCII letters, digits and `_`, not starting with a digit,
/// not only underscores, not a keyword.
///
/// ```
/// use flight_memory_gen::naming::{check_identifier, NameProblem};
///
/// assert_eq!(check_identifier("telemetry_packet"), Ok(()));
/// assert_eq!(check_identifier("file-uplink"), Err(NameProblem::BadCharacter('-')));
/// assert_eq!(check_identifier("type"), Err(NameProblem::Keyword));
/// ```
///
/// # Errors
///
/// The first problem found.
pub fn check_identifier(name: &str) -> Result<(), NameProblem> {
    let first = name.chars().next().ok_or(NameProblem::Empty)?;
    if first.is_ascii_digit() {
        return Err(NameProblem::StartsWithDigit);
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(NameProblem::BadCharacter(c));
    }
    if name.chars().all(|c| c == '_') {
        return Err(NameProblem::OnlyUnderscores);
    }
    if KEYWORDS.contains(&name) {
        return Err(NameProblem::Keyword);
    }
    Ok(())
}

/// A name made into an identifier by a simple repair (for the hint): other characters become `_`, a leading
/// digit gets a `_` prefix, a keyword gets a `_` suffix.
pub fn repaired_identifier(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if out.chars().all(|c| c == '_') {
        out.push_str("item");
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// The name of the generated `static` for an item: SCREAMING_SNAKE_CASE, a `_` inserted where a lower-case
/// letter or digit is followed by an upper-case letter.
///
/// Two items whose static names are equal would clash, so the validator refuses that.
///
/// ```
/// use flight_memory_gen::naming::static_name;
///
/// assert_eq!(static_name("telemetry_packet"), "TELEMETRY_PACKET");
/// assert_eq!(static_name("fileUplink"), "FILE_UPLINK");
/// assert_eq!(static_name("COMM"), "COMM");
/// ```
pub fn static_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if let Some(p) = previous {
            if c.is_ascii_uppercase() && (p.is_ascii_lowercase() || p.is_ascii_digit()) {
                out.push('_');
            }
        }
        out.push(c.to_ascii_uppercase());
        previous = Some(c);
    }
    out
}

/// The candidate closest to `name`, if it is close enough to be what the user meant.
///
/// Case, `-` versus `_`, and small typos (an edit distance of about a third of the length) count as close.
///
/// ```
/// use flight_memory_gen::naming::did_you_mean;
///
/// assert_eq!(did_you_mean("blocksize", ["block_size", "count"]), Some("block_size"));
/// assert_eq!(did_you_mean("Region", ["region"]), Some("region"));
/// assert_eq!(did_you_mean("zzz", ["region"]), None);
/// ```
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted = normalise(name);
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let mut best: Option<(usize, &'a str)> = None;
    for &candidate in &candidates {
        let distance = edit_distance(&wanted, &normalise(candidate));
        let limit = (candidate.chars().count().max(name.chars().count()) / 3).max(1);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    // An abbreviation: the same first letter and every letter in order (`cnt` for `count`, `algn` for `align`).
    best.map(|(_, c)| c)
        .or_else(|| abbreviation_of(&wanted, candidates.iter().copied()))
}

/// The only candidate that `wanted` (normalised, at least two letters) abbreviates.
fn abbreviation_of<'a>(
    wanted: &[char],
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    if wanted.len() < 2 {
        return None;
    }
    let mut found = None;
    for candidate in candidates {
        let full = normalise(candidate);
        let mut rest = full.iter();
        let abbreviates = full.first() == wanted.first()
            && full.len() > wanted.len()
            && wanted.iter().all(|c| rest.any(|f| f == c));
        if abbreviates {
            if found.is_some() {
                return None; // ambiguous
            }
            found = Some(candidate);
        }
    }
    found
}

fn normalise(name: &str) -> Vec<char> {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    // Long strings are never suggestions; bound the work (names in memory.toml are short).
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        table[at(i, 0)] = i;
    }
    for j in 0..=b.len() {
        table[at(0, j)] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (table[at(i - 1, j)] + 1)
                .min(table[at(i, j - 1)] + 1)
                .min(table[at(i - 1, j - 1)] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(table[at(i - 2, j - 2)] + 1);
            }
            table[at(i, j)] = d;
        }
    }
    table[at(a.len(), b.len())]
}

/// `a`, `b` and `c` (with backticks), for messages that list names.
pub fn list_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    match names.as_slice() {
        [] => "none".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        for ok in [
            "a",
            "sram",
            "_private",
            "A1",
            "telemetry_packet",
            "Self_",
            "r#x".trim_start_matches("r#"),
        ] {
            assert_eq!(check_identifier(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_identifier(""), Err(NameProblem::Empty));
        assert_eq!(check_identifier("1st"), Err(NameProblem::StartsWithDigit));
        assert_eq!(check_identifier("a b"), Err(NameProblem::BadCharacter(' ')));
        assert_eq!(check_identifier("é"), Err(NameProblem::BadCharacter('é')));
        assert_eq!(check_identifier("__"), Err(NameProblem::OnlyUnderscores));
        for keyword in KEYWORDS {
            assert_eq!(
                check_identifier(keyword),
                Err(NameProblem::Keyword),
                "{keyword}"
            );
            assert_eq!(check_identifier(&repaired_identifier(keyword)), Ok(()));
        }
    }

    #[test]
    fn repairs_are_identifiers() {
        for bad in ["", "1st", "a b", "é", "__", "file-uplink", "-"] {
            let repaired = repaired_identifier(bad);
            assert_eq!(check_identifier(&repaired), Ok(()), "{bad} -> {repaired}");
        }
        assert_eq!(repaired_identifier("file-uplink"), "file_uplink");
    }

    #[test]
    fn static_names() {
        assert_eq!(static_name("a"), "A");
        assert_eq!(static_name("uart2Rx"), "UART2_RX");
        assert_eq!(static_name("HTTPServer"), "HTTPSERVER");
        assert_eq!(static_name("comm"), static_name("Comm"));
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("pool", ["pools", "regions"]), Some("pools"));
        assert_eq!(
            did_you_mean("buffer-managers", ["buffer_managers"]),
            Some("buffer_managers")
        );
        assert_eq!(did_you_mean("cuont", ["count", "region"]), Some("count"));
        assert_eq!(did_you_mean("x", ["count"]), None);
        assert_eq!(did_you_mean("cnt", ["size", "count"]), Some("count"));
        assert_eq!(did_you_mean("sz", ["size", "count"]), Some("size"));
        assert_eq!(did_you_mean("bs", ["block_size", "buffer_size"]), None);
        assert_eq!(did_you_mean("", ["a"]), Some("a"));
        assert_eq!(did_you_mean("a", []), None);
        let long = "x".repeat(1000);
        assert_eq!(did_you_mean(&long, [long.as_str()]), None);
    }

    #[test]
    fn lists() {
        assert_eq!(list_names([]), "none");
        assert_eq!(list_names(["a"]), "`a`");
        assert_eq!(list_names(["a", "b", "c"]), "`a`, `b` and `c`");
    }
}
