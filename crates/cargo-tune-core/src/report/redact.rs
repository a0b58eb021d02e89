//! Redaction of the parts of a report that change from run to run (paths, durations, sizes),
//! so that snapshots compare what matters.

/// Replaces known paths with placeholders, and durations and sizes with `<duration>` and
/// `<size>`.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    paths: Vec<(String, String)>,
    durations: bool,
    sizes: bool,
}

impl Redactor {
    /// A redactor that changes nothing yet.
    pub fn new() -> Self {
        Redactor::default()
    }

    /// Replaces `path` with `placeholder` (longest paths are replaced first).
    pub fn path(mut self, path: impl Into<String>, placeholder: impl Into<String>) -> Self {
        self.paths.push((path.into(), placeholder.into()));
        self.paths.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        self
    }

    /// Replaces numbers followed by `s` or `ms` with `<duration>`.
    pub fn durations(mut self) -> Self {
        self.durations = true;
        self
    }

    /// Replaces numbers followed by `B`, `KiB`, `MiB` or `GiB` with `<size>`.
    pub fn sizes(mut self) -> Self {
        self.sizes = true;
        self
    }

    /// Applies the redactions to `text`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (path, placeholder) in &self.paths {
            out = out.replace(path.as_str(), placeholder);
        }
        if self.durations {
            out = replace_numbers_with_unit(&out, &["ms", "s"], "<duration>");
        }
        if self.sizes {
            out = replace_numbers_with_unit(&out, &["GiB", "MiB", "KiB", "B"], "<size>");
        }
        out
    }
}

/// Replaces `<number><unit>` and `<number> <unit>` where the unit ends a word.
fn replace_numbers_with_unit(text: &str, units: &[&str], placeholder: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let starts_number = bytes[i].is_ascii_digit()
            && (i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric()
                    || bytes[i - 1] == b'_'
                    || bytes[i - 1] == b'.'));
        if starts_number {
            let mut j = i;
            while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b'.') {
                j += 1;
            }
            let mut k = j;
            if k < bytes.len() && bytes[k] == b' ' {
                k += 1;
            }
            let rest = &text[k..];
            if let Some(unit) = units.iter().find(|u| {
                rest.starts_with(**u)
                    && !rest[u.len()..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphanumeric())
            }) {
                out.push_str(placeholder);
                i = k + unit.len();
                continue;
            }
            out.push_str(&text[i..j]);
            i = j;
            continue;
        }
        let ch = text[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_paths_durations_and_sizes_but_not_versions() {
        let r = Redactor::new()
            .path("/tmp/ws", "<workspace>")
            .durations()
            .sizes();
        let text = "built /tmp/ws/a in 1.25s (850 ms), 12.5 MiB, syn 2.0.87, 3 crates, x86_64";
        assert_eq!(
            r.redact(text),
            "built <workspace>/a in <duration> (<duration>), <size>, syn 2.0.87, 3 crates, x86_64"
        );
    }
}
