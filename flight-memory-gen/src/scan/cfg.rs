//! `#[cfg(...)]` as a build script sees it: predicates evaluated with the `CARGO_CFG_*` and `CARGO_FEATURE_*`
//! values cargo gives the build script, for the build script's own totals.
//!
//! The generated code does not depend on this evaluation: each macro use is counted under the same `#[cfg]`
//! predicates as the use itself, so rustc decides them exactly. The build script uses it only to add the uses
//! it knows are compiled to its totals, and says which predicates it could not decide.

use std::collections::HashMap;

/// The cfg values of a build: `feature` names and `CARGO_CFG_*` keys with their values.
#[derive(Clone, Debug, Default)]
pub struct CfgValues {
    /// `CARGO_CFG_TARGET_OS=linux` as `target_os` → `["linux"]`; a name set without a value (`unix`) has none.
    values: HashMap<String, Vec<String>>,
    /// Whether the values came from a build script's environment (else nothing is decidable).
    known: bool,
}

impl CfgValues {
    /// The values of the running build script (`CARGO_CFG_*`, `CARGO_FEATURE_*`); nothing is decidable outside a
    /// build script.
    pub fn from_env() -> CfgValues {
        CfgValues::from_vars(std::env::vars())
    }

    /// The values from `(name, value)` environment variables, as cargo sets them for a build script.
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> CfgValues {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        let mut known = false;
        for (name, value) in vars {
            if let Some(key) = name.strip_prefix("CARGO_CFG_") {
                known = true;
                let key = key.to_ascii_lowercase();
                let list = values.entry(key).or_default();
                list.extend(
                    value
                        .split(',')
                        .filter(|v| !v.is_empty())
                        .map(str::to_string),
                );
            } else if let Some(feature) = name.strip_prefix("CARGO_FEATURE_") {
                values
                    .entry("feature".to_string())
                    .or_default()
                    .push(feature.to_string());
            }
        }
        CfgValues { values, known }
    }

    /// Whether `predicate` (the tokens inside `#[cfg(...)]`) holds: `None` if it cannot be decided here (the
    /// values are unknown, or it names `test`, `doc`, `doctest` or a `--cfg` the build script cannot see).
    pub fn eval(&self, predicate: &str) -> Option<bool> {
        let meta = syn::parse_str::<syn::Meta>(predicate).ok()?;
        self.meta(&meta)
    }

    fn meta(&self, meta: &syn::Meta) -> Option<bool> {
        match meta {
            syn::Meta::List(list) => {
                let name = list.path.get_ident()?.to_string();
                let inner = list
                    .parse_args_with(
                        syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                    )
                    .ok()?;
                let results: Vec<Option<bool>> = inner.iter().map(|m| self.meta(m)).collect();
                match name.as_str() {
                    "all" => all(&results),
                    "any" => any(&results),
                    "not" if results.len() == 1 => results[0].map(|b| !b),
                    _ => None,
                }
            }
            syn::Meta::Path(path) => {
                let name = path.get_ident()?.to_string();
                match name.as_str() {
                    "true" => Some(true),
                    "false" => Some(false),
                    // Not visible to a build script: the same build script runs for test and non-test builds.
                    "test" | "doc" | "doctest" | "miri" => None,
                    _ if !self.known => None,
                    _ => self.set(&name),
                }
            }
            syn::Meta::NameValue(pair) => {
                let name = pair.path.get_ident()?.to_string();
                let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(value),
                    ..
                }) = &pair.value
                else {
                    return None;
                };
                let value = value.value();
                if name == "feature" {
                    let wanted = value.to_ascii_uppercase().replace('-', "_");
                    let on = self
                        .values
                        .get("feature")
                        .is_some_and(|f| f.contains(&wanted));
                    // Features are known exactly to a build script, even outside cargo's cfg list.
                    return if self.known || on { Some(on) } else { None };
                }
                if !self.known {
                    return None;
                }
                match self.values.get(&name) {
                    Some(list) => Some(list.contains(&value)),
                    None if is_cargo_cfg(&name) => Some(false),
                    // A `--cfg name="value"` from RUSTFLAGS is in CARGO_CFG_*, so an unknown name is not set.
                    None => Some(false),
                }
            }
        }
    }

    fn set(&self, name: &str) -> Option<bool> {
        if self.values.contains_key(name) {
            Some(true)
        } else if is_cargo_cfg(name) || self.known {
            Some(false)
        } else {
            None
        }
    }
}

/// Names rustc sets for every target, which cargo passes as `CARGO_CFG_*` whenever they hold.
fn is_cargo_cfg(name: &str) -> bool {
    name.starts_with("target_") || matches!(name, "unix" | "windows" | "debug_assertions" | "panic")
}

fn all(results: &[Option<bool>]) -> Option<bool> {
    if results.contains(&Some(false)) {
        Some(false)
    } else if results.iter().all(Option::is_some) {
        Some(true)
    } else {
        None
    }
}

fn any(results: &[Option<bool>]) -> Option<bool> {
    if results.contains(&Some(true)) {
        Some(true)
    } else if results.iter().all(Option::is_some) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux_with_gated() -> CfgValues {
        CfgValues::from_vars([
            ("CARGO_CFG_TARGET_OS".to_string(), "linux".to_string()),
            ("CARGO_CFG_UNIX".to_string(), String::new()),
            (
                "CARGO_CFG_TARGET_FEATURE".to_string(),
                "sse,sse2".to_string(),
            ),
            ("CARGO_FEATURE_GATED_RADIO".to_string(), "1".to_string()),
        ])
    }

    #[test]
    fn decides_what_a_build_script_can_see() {
        let cfg = linux_with_gated();
        assert_eq!(cfg.eval("feature = \"gated-radio\""), Some(true));
        assert_eq!(cfg.eval("feature = \"other\""), Some(false));
        assert_eq!(cfg.eval("target_os = \"linux\""), Some(true));
        assert_eq!(cfg.eval("target_os = \"none\""), Some(false));
        assert_eq!(cfg.eval("target_feature = \"sse2\""), Some(true));
        assert_eq!(cfg.eval("unix"), Some(true));
        assert_eq!(cfg.eval("windows"), Some(false));
        assert_eq!(cfg.eval("any()"), Some(false));
        assert_eq!(cfg.eval("all()"), Some(true));
        assert_eq!(cfg.eval("not(any(windows, feature = \"x\"))"), Some(true));
        assert_eq!(
            cfg.eval("all(unix, not(feature = \"gated-radio\"))"),
            Some(false)
        );
    }

    #[test]
    fn leaves_test_and_unparsable_predicates_undecided() {
        let cfg = linux_with_gated();
        assert_eq!(cfg.eval("test"), None);
        assert_eq!(cfg.eval("all(unix, test)"), None);
        assert_eq!(cfg.eval("any(unix, test)"), Some(true));
        assert_eq!(cfg.eval("all(windows, test)"), Some(false));
        assert_eq!(cfg.eval("what ever ("), None);
        // Outside a build script nothing but the constant predicates is decidable.
        let none = CfgValues::default();
        assert_eq!(none.eval("unix"), None);
        assert_eq!(none.eval("any()"), Some(false));
        assert_eq!(none.eval("feature = \"x\""), None);
    }
}
