//! Secrets kept out of what cargo-tune prints: a command line, an error or a report may show a
//! Redis URL or an environment variable, never a password.

/// Whether an environment variable holds a secret by its name (`SCCACHE_REDIS_PASSWORD`).
pub fn is_secret_var(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    ["PASSWORD", "TOKEN", "SECRET"]
        .iter()
        .any(|w| name.contains(w))
}

/// `text` with the password of every `scheme://user:password@` replaced by `***`, so that a
/// command line, an error or a report can show a URL without its secret.
pub fn mask_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, pass)) if !pass.is_empty() => {
                    out.push_str(user);
                    out.push_str(":***@");
                    out.push_str(host);
                }
                _ => out.push_str(authority),
            },
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_inside_any_text() {
        assert_eq!(
            mask_secrets("SCCACHE_REDIS_ENDPOINT=redis://:pw@h:1 sccache --start-server"),
            "SCCACHE_REDIS_ENDPOINT=redis://:***@h:1 sccache --start-server"
        );
        assert_eq!(mask_secrets("https://github.com/x"), "https://github.com/x");
        assert_eq!(mask_secrets("redis://user@h"), "redis://user@h");
    }
}
