//! Reads cargo's `--message-format=json` stream line by line, without I/O, tolerating anything
//! that is not a message it knows (test output, nextest's report, future fields).

use std::collections::BTreeSet;

/// What a build's messages say about the units it built.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildMessages {
    /// `compiler-artifact` messages with `fresh: false`.
    pub rebuilt: u32,
    /// All `compiler-artifact` messages.
    pub total: u32,
    /// Every file named by an artifact.
    pub files: BTreeSet<String>,
    /// Lines that were not JSON or had an unknown `reason`.
    pub ignored: u32,
}

impl BuildMessages {
    /// Takes one line of cargo's stdout.
    pub fn process_line(&mut self, line: &str) {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            self.ignored += 1;
            return;
        };
        match value.get("reason").and_then(serde_json::Value::as_str) {
            Some("compiler-artifact") => {
                self.total += 1;
                if value.get("fresh").and_then(serde_json::Value::as_bool) == Some(false) {
                    self.rebuilt += 1;
                }
                if let Some(files) = value.get("filenames").and_then(serde_json::Value::as_array) {
                    self.files
                        .extend(files.iter().filter_map(|f| f.as_str().map(str::to_owned)));
                }
            }
            Some("build-script-executed" | "build-finished" | "compiler-message") => {}
            _ => self.ignored += 1,
        }
    }

    /// Total size of the artifact files that still exist.
    pub fn artifact_bytes(&self) -> u64 {
        self.files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_fresh_and_rebuilt_artifacts_and_ignores_the_rest() {
        let mut m = BuildMessages::default();
        for line in [
            r#"{"reason":"compiler-artifact","fresh":true,"filenames":["/t/liba.rlib"]}"#,
            r#"{"reason":"compiler-artifact","fresh":false,"filenames":["/t/app","/t/liba.rlib"],"new_field":1}"#,
            r#"{"reason":"build-finished","success":true}"#,
            r#"{"reason":"some-future-reason"}"#,
            "running 3 tests",
        ] {
            m.process_line(line);
        }
        assert_eq!((m.rebuilt, m.total, m.files.len(), m.ignored), (1, 2, 2, 2));
    }
}
