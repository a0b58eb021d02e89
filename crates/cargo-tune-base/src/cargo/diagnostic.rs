//! cargo's error output, read: the first `error:` with the place it points at, the lines that
//! continue it, and its chain of `Caused by:` paragraphs. Source snippets, gutters and colours
//! are dropped, so that a failure can be told in one paragraph of cargo-tune's own.

/// The first error cargo printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CargoDiagnostic {
    /// The text after `error: `.
    pub(crate) message: String,
    /// Lines that continue the message (`referenced by workspace at …`).
    pub(crate) context: Vec<String>,
    /// `path:line:column` of a ` --> ` line, when the error points into a file.
    pub(crate) location: Option<(String, usize, usize)>,
    /// The `Caused by:` paragraphs, outermost first.
    pub(crate) causes: Vec<String>,
}

/// Reads the first error of `stderr`; `None` when cargo printed no `error:` line.
pub(crate) fn parse(stderr: &str) -> Option<CargoDiagnostic> {
    let text = strip_ansi(stderr);
    let mut lines = text.lines().skip_while(|l| !l.starts_with("error: "));
    let message = lines.next()?.strip_prefix("error: ")?.trim().to_owned();
    let mut diagnostic = CargoDiagnostic {
        message,
        context: Vec::new(),
        location: None,
        causes: Vec::new(),
    };
    let mut in_causes = false;
    for line in lines {
        // A second error is cargo's context for the first ("failed to load manifest …").
        if line.starts_with("error: ") || line.starts_with("warning: ") {
            break;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || is_snippet(trimmed) {
            continue;
        }
        if trimmed == "Caused by:" {
            in_causes = true;
            continue;
        }
        if let Some(place) = trimmed.strip_prefix("--> ") {
            diagnostic.location = diagnostic.location.or_else(|| location(place));
            continue;
        }
        if in_causes {
            diagnostic.causes.push(trimmed.to_owned());
        } else {
            diagnostic.context.push(trimmed.to_owned());
        }
    }
    Some(diagnostic)
}

/// A line of a source snippet: `|`, `1 | text`, `|    ^^^`.
fn is_snippet(line: &str) -> bool {
    let after_number = line.trim_start_matches(|c: char| c.is_ascii_digit());
    after_number.trim_start().starts_with('|')
}

/// `path:line:column`.
fn location(place: &str) -> Option<(String, usize, usize)> {
    let mut parts = place.rsplitn(3, ':');
    let column = parts.next()?.trim().parse().ok()?;
    let line = parts.next()?.trim().parse().ok()?;
    Some((parts.next()?.to_owned(), line, column))
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-byte.
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured(name: &str) -> String {
        cargo_tune_test_support::read_fixture(&format!("cargo-errors/{name}"))
    }

    #[test]
    fn a_members_syntax_error_points_at_its_file_even_in_colour() {
        for name in ["member-syntax.txt", "member-invalid-color.txt"] {
            let d = parse(&captured(name)).unwrap();
            assert_eq!(
                d.location.as_ref().unwrap().0,
                "crates/app/Cargo.toml",
                "{name}"
            );
            assert!(d.causes.is_empty() && d.context.is_empty(), "{d:?}");
        }
        let d = parse(&captured("member-syntax.txt")).unwrap();
        assert_eq!(d.message, "unclosed table, expected `]`");
        assert_eq!(d.location, Some(("crates/app/Cargo.toml".into(), 1, 9)));
        let d = parse(&captured("member-invalid-color.txt")).unwrap();
        assert_eq!(d.location, Some(("crates/app/Cargo.toml".into(), 4, 11)));
        assert!(
            d.message.starts_with("invalid type: integer `2024`"),
            "{d:?}"
        );
    }

    #[test]
    fn a_missing_member_keeps_its_context_and_causes() {
        let d = parse(&captured("member-missing.txt")).unwrap();
        assert_eq!(
            d.message,
            "failed to load manifest for workspace member `/ws/nope`"
        );
        assert_eq!(d.context, ["referenced by workspace at `/ws/Cargo.toml`"]);
        assert_eq!(
            d.causes,
            [
                "failed to read `/ws/nope/Cargo.toml`",
                "No such file or directory (os error 2)"
            ]
        );
        assert_eq!(d.location, None);
    }

    #[test]
    fn a_config_argument_error_drops_the_snippet() {
        let d = parse(&captured("config-syntax.txt")).unwrap();
        assert_eq!(
            d.causes,
            [
                "TOML parse error at line 1, column 13",
                "unclosed array, expected `]`"
            ]
        );
        assert_eq!(parse("warning: x\n"), None);
    }
}
