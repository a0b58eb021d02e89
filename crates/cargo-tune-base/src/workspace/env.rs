use std::collections::BTreeMap;

/// The environment variables that change what cargo builds, captured once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildEnv {
    vars: BTreeMap<String, String>,
}

const EXACT: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTC",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_INCREMENTAL",
    "CARGO_TARGET_DIR",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
];
const PREFIXES: &[&str] = &["CARGO_PROFILE_", "CARGO_BUILD_", "CARGO_TARGET_"];

impl BuildEnv {
    /// Captures the build-relevant variables of this process's environment.
    pub fn capture() -> Self {
        BuildEnv::from_vars(std::env::vars())
    }

    /// Keeps the build-relevant variables of `vars` (tests pass their own).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let vars = vars
            .into_iter()
            .filter(|(k, _)| {
                EXACT.contains(&k.as_str()) || PREFIXES.iter().any(|p| k.starts_with(p))
            })
            .collect();
        BuildEnv { vars }
    }

    /// A variable's value; empty values count as unset, as cargo treats most of them.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A variable's value as set, empty included (an empty `RUSTC_WRAPPER` turns a configured
    /// wrapper off).
    pub fn raw(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str)
    }

    /// Every captured variable whose name starts with `prefix`.
    pub fn with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.vars
            .range(prefix.to_owned()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// All captured variables.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}
