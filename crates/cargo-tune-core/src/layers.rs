//! The layers of the engine, of cargo-tune-mid and of cargo-tune-base. Each top-level module may
//! use only the modules listed before it in [`LAYERS`] (or [`MID_LAYERS`], [`BASE_LAYERS`]), so that data flows one way and a
//! module can be read knowing only what is below it. The test reads the source the way the
//! compiler resolves names: `use` trees (braces, globs, renames), paths in code, `super::` and
//! `self::` relative to the module they are written in (inline `mod` blocks included), and
//! re-exports, which count where they are written. Test code may reach anywhere and is left out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The top-level modules of cargo-tune-base, lowest first. Cargo keeps them below every module
/// of the engine: that crate cannot name this one.
const BASE_LAYERS: &[&str] = &[
    // Leaves: text helpers, the one atomic write, errors shared by loading.
    "text",
    "fsutil",
    "errors",
    // Vocabulary every layer speaks: scenarios, linkers, events, failures.
    "vocab",
    // The supervised process, under everything that runs one.
    "exec",
    // Every cargo and rustc call.
    "cargo",
    // The workspace model and the probed machine.
    "workspace",
    "probe",
];

/// The top-level modules of cargo-tune-mid, lowest first. Cargo keeps them above
/// cargo-tune-base and below every module of this crate.
const MID_LAYERS: &[&str] = &[
    // cargo's timings as data.
    "timings",
    // Findings; edits; the one change and its renderings; the audit that gathers the findings
    // with the changes they suggest; measuring.
    "analysis",
    "edit",
    "change",
    "audit",
    "measure",
    // Fixtures for tests (compiled for this crate's tests and, with a feature, the engine's).
    "test_util",
];

/// The top-level modules of the engine, lowest first.
const LAYERS: &[&str] = &[
    // Commands over measuring: feature sets (timings' durations, bench's machinery), caches,
    // PGO, SLOs, the plan search, applying changes.
    "features", "cache", "pgo", "slo", "plan", "apply",
    // Renderers, and the report that draws every other command's output.
    "report",
];

/// Modules compiled only for tests.
const TEST_ONLY: &[&str] = &["layers", "test_util"];

/// Source text with comments, strings and character literals blanked out (newlines kept, so
/// that byte offsets still give line numbers).
fn strip(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if (c == 'r' || c == 'b')
            && !chars[..i]
                .last()
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
            && raw_string_at(&chars, i).is_some()
        {
            let end = raw_string_at(&chars, i).unwrap_or(i + 1);
            for &c in &chars[i..end] {
                blank(&mut out, c);
            }
            i = end;
        } else if c == '"' {
            blank(&mut out, c);
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
            if i < chars.len() {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime, which is kept.
            let end = if next == Some('\\') {
                chars[i + 2..]
                    .iter()
                    .position(|c| *c == '\'')
                    .map(|p| i + 2 + p + 1)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 3)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for &c in &chars[i..end] {
                        blank(&mut out, c);
                    }
                    i = end;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The end of a raw string (`r"…"`, `r#"…"#`, `br"…"`) starting at `i`.
fn raw_string_at(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if chars.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < chars.len() {
        if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(chars.len())
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    Punct(char),
}

/// Tokens with the line each starts on; `::` becomes two `:`.
fn tokens(stripped: &str) -> Vec<(Token, usize)> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = stripped.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let mut ident = String::from(c);
            while let Some(&n) = chars.peek() {
                if n.is_alphanumeric() || n == '_' {
                    ident.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push((Token::Ident(ident), line));
        } else if c.is_ascii_digit() {
            while chars
                .peek()
                .is_some_and(|n| n.is_alphanumeric() || *n == '_' || *n == '.')
            {
                chars.next();
            }
        } else if !c.is_whitespace() {
            out.push((Token::Punct(c), line));
        }
    }
    out
}

/// Removes items under `#[cfg(test)]` (or a `cfg` that requires `test`), and names the
/// `mod x;` declarations among them, whose files are test code too.
fn without_tests(tokens: &[(Token, usize)]) -> (Vec<(Token, usize)>, Vec<String>) {
    let mut out = Vec::new();
    let mut test_mods = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].0 == Token::Punct('#')
            && tokens.get(i + 1).map(|t| &t.0) == Some(&Token::Punct('['))
        {
            let end = matching(tokens, i + 1, '[', ']');
            let attr: Vec<&Token> = tokens[i + 2..end].iter().map(|t| &t.0).collect();
            if is_test_cfg(&attr) {
                // Skip further attributes, then the item: through its body or its `;`.
                let mut j = end + 1;
                while tokens.get(j).map(|t| &t.0) == Some(&Token::Punct('#')) {
                    j = matching(tokens, j + 1, '[', ']') + 1;
                }
                let mut k = j;
                let mut parens = 0i32;
                while k < tokens.len() {
                    match &tokens[k].0 {
                        Token::Punct('(') | Token::Punct('[') => parens += 1,
                        Token::Punct(')') | Token::Punct(']') => parens -= 1,
                        Token::Punct('{') if parens == 0 => {
                            k = matching(tokens, k, '{', '}');
                            break;
                        }
                        Token::Punct(';') if parens == 0 => break,
                        _ => {}
                    }
                    k += 1;
                }
                let item: Vec<&Token> = tokens[j..(k + 1).min(tokens.len())]
                    .iter()
                    .map(|t| &t.0)
                    .collect();
                if let [.., Token::Ident(m), Token::Ident(name), Token::Punct(';')] =
                    item.as_slice()
                    && m == "mod"
                {
                    test_mods.push(name.clone());
                }
                i = k + 1;
                continue;
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    (out, test_mods)
}

fn is_test_cfg(attr: &[&Token]) -> bool {
    let idents: Vec<&str> = attr
        .iter()
        .filter_map(|t| match t {
            Token::Ident(s) => Some(s.as_str()),
            Token::Punct(_) => None,
        })
        .collect();
    idents.first() == Some(&"cfg")
        && idents.contains(&"test")
        && !idents.contains(&"not")
        && !idents.contains(&"any")
}

/// The index of the bracket closing the one at `open`.
fn matching(tokens: &[(Token, usize)], open: usize, left: char, right: char) -> usize {
    let mut depth = 0;
    for (k, (t, _)) in tokens.iter().enumerate().skip(open) {
        if *t == Token::Punct(left) {
            depth += 1;
        } else if *t == Token::Punct(right) {
            depth -= 1;
            if depth == 0 {
                return k;
            }
        }
    }
    tokens.len().saturating_sub(1)
}

/// A path as written, with the line it is on.
struct Written {
    segments: Vec<String>,
    line: usize,
    /// Inside which module (relative to the crate root) it is written.
    module: Vec<String>,
    glob: bool,
}

/// Every path that starts with `crate`, `super` or `self` (`$crate` too), from `use` trees and
/// from code, in the module `module` (the file's own, plus inline `mod` blocks).
fn paths(tokens: &[(Token, usize)], module: &[String]) -> Vec<Written> {
    let mut out = Vec::new();
    // Inline modules: (brace depth at which they close, name).
    let mut depth = 0usize;
    let mut inline: Vec<(usize, String)> = Vec::new();
    let here = |inline: &[(usize, String)]| -> Vec<String> {
        let mut m = module.to_vec();
        m.extend(inline.iter().map(|(_, n)| n.clone()));
        m
    };
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i].0 {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(d, _)| *d == depth) {
                    inline.pop();
                }
            }
            Token::Ident(m) if m == "mod" => {
                if let (Some((Token::Ident(name), _)), Some((Token::Punct('{'), _))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    inline.push((depth, name.clone()));
                    depth += 1;
                    i += 3;
                    continue;
                }
            }
            Token::Ident(u) if u == "use" => {
                let end = (i..tokens.len())
                    .find(|&k| tokens[k].0 == Token::Punct(';'))
                    .unwrap_or(tokens.len());
                let line = tokens[i].1;
                let m = here(&inline);
                for (segments, glob) in use_tree(&tokens[i + 1..end]) {
                    if segments.first().is_some_and(|s| is_relative_root(s)) {
                        out.push(Written {
                            segments,
                            line,
                            module: m.clone(),
                            glob,
                        });
                    }
                }
                i = end + 1;
                continue;
            }
            Token::Ident(root) if is_relative_root(root) => {
                let preceded_by_path = i >= 1 && tokens[i - 1].0 == Token::Punct(':');
                if !preceded_by_path {
                    let (segments, next) = path_at(tokens, i);
                    if segments.len() > 1 {
                        out.push(Written {
                            segments,
                            line: tokens[i].1,
                            module: here(&inline),
                            glob: false,
                        });
                    }
                    i = next;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn is_relative_root(segment: &str) -> bool {
    matches!(segment, "crate" | "$crate" | "super" | "self")
}

/// `a::b::c` from `i`: the segments and the index after them.
fn path_at(tokens: &[(Token, usize)], mut i: usize) -> (Vec<String>, usize) {
    let mut segments = Vec::new();
    while let Some((Token::Ident(s), _)) = tokens.get(i) {
        segments.push(s.clone());
        let colons = tokens.get(i + 1).map(|t| &t.0) == Some(&Token::Punct(':'))
            && tokens.get(i + 2).map(|t| &t.0) == Some(&Token::Punct(':'));
        if !colons {
            return (segments, i + 1);
        }
        i += 3;
    }
    (segments, i)
}

/// The paths a `use` tree names (after `use`, before `;`), each with whether it ends in `*`.
fn use_tree(tokens: &[(Token, usize)]) -> Vec<(Vec<String>, bool)> {
    let mut out = Vec::new();
    tree(tokens, &mut 0, Vec::new(), &mut out);
    out
}

fn tree(
    tokens: &[(Token, usize)],
    i: &mut usize,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, bool)>,
) {
    let mut path = prefix;
    loop {
        match tokens.get(*i).map(|t| &t.0) {
            Some(Token::Punct(':')) => *i += 1,
            Some(Token::Ident(s)) if s == "as" => {
                *i += 2;
                out.push((path, false));
                return;
            }
            Some(Token::Ident(s)) if s == "pub" => {
                *i += 1;
                if tokens.get(*i).map(|t| &t.0) == Some(&Token::Punct('(')) {
                    *i = matching(tokens, *i, '(', ')') + 1;
                }
            }
            Some(Token::Ident(s)) => {
                path.push(s.clone());
                *i += 1;
            }
            Some(Token::Punct('*')) => {
                *i += 1;
                out.push((path, true));
                return;
            }
            Some(Token::Punct('{')) => {
                *i += 1;
                loop {
                    match tokens.get(*i).map(|t| &t.0) {
                        Some(Token::Punct('}')) | None => {
                            *i += 1;
                            return;
                        }
                        Some(Token::Punct(',')) => *i += 1,
                        _ => tree(tokens, i, path.clone(), out),
                    }
                }
            }
            _ => {
                if !path.is_empty() {
                    out.push((path, false));
                }
                return;
            }
        }
    }
}

/// A written path resolved against the module it is written in: the absolute path from the
/// crate root, or `None` when it leaves the crate.
fn resolve(w: &Written) -> Option<Vec<String>> {
    let mut abs: Vec<String> = Vec::new();
    let mut segments = w.segments.iter().peekable();
    match segments.peek().map(|s| s.as_str()) {
        Some("crate" | "$crate") => {
            segments.next();
        }
        Some("self" | "super") => {
            abs = w.module.clone();
            if segments.peek().map(|s| s.as_str()) == Some("self") {
                segments.next();
            }
            while segments.peek().map(|s| s.as_str()) == Some("super") {
                segments.next();
                abs.pop()?;
            }
        }
        _ => return None,
    }
    abs.extend(segments.cloned());
    Some(abs)
}

/// The module path of a file below `src`: `measure/runner.rs` is `[measure, runner]`,
/// `measure/mod.rs` is `[measure]`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(from, to, file:line)` for every use of one top-level module by another.
fn edges(src: &Path) -> Vec<(String, String, String)> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    // Test-only files: those declared under a test cfg, and everything below them.
    let mut test_files: Vec<Vec<String>> = Vec::new();
    let mut parsed = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(src).unwrap();
        let module = module_of(rel);
        let text = std::fs::read_to_string(file).unwrap();
        let (tokens, test_mods) = without_tests(&tokens(&strip(&text)));
        for name in test_mods {
            let mut m = module.clone();
            m.push(name);
            test_files.push(m);
        }
        parsed.push((rel.to_owned(), module, tokens));
    }
    // Re-exports at the crate root: `crate::Name` reaches the module `Name` comes from.
    let mut root_names: BTreeMap<String, String> = BTreeMap::new();
    for (_, module, tokens) in parsed.iter().filter(|(_, m, _)| m.is_empty()) {
        for abs in paths(tokens, module).iter().filter_map(resolve) {
            if let (Some(top), Some(last)) = (abs.first(), abs.last()) {
                root_names.insert(last.clone(), top.clone());
            }
        }
    }
    let mut out = Vec::new();
    for (rel, module, tokens) in &parsed {
        if module.is_empty() || test_files.iter().any(|t| module.starts_with(t)) {
            continue;
        }
        for w in paths(tokens, module) {
            let Some(abs) = resolve(&w) else { continue };
            let top = match abs.first() {
                Some(t) => t.clone(),
                None if w.glob => {
                    out.push((
                        module[0].clone(),
                        "* (every module, through a glob of the crate root)".to_owned(),
                        format!("{}:{}", rel.display(), w.line),
                    ));
                    continue;
                }
                None => continue,
            };
            let top = root_names.get(&top).cloned().unwrap_or(top);
            if top != module[0] {
                out.push((
                    module[0].clone(),
                    top,
                    format!("{}:{}", rel.display(), w.line),
                ));
            }
        }
    }
    out
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR"));
    check_layers(&core.join("src"), LAYERS);
    check_layers(&core.join("../cargo-tune-mid/src"), MID_LAYERS);
    check_layers(&core.join("../cargo-tune-base/src"), BASE_LAYERS);
}

/// The crate at `src` declares exactly `layers` and each uses only those listed before it.
fn check_layers(src: &Path, layers: &[&str]) {
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let (lib_tokens, _) = without_tests(&tokens(&strip(&lib)));
    let declared: Vec<String> = lib_tokens
        .windows(3)
        .filter_map(|w| match (&w[0].0, &w[1].0, &w[2].0) {
            (Token::Ident(m), Token::Ident(name), Token::Punct(';')) if m == "mod" => {
                Some(name.clone())
            }
            _ => None,
        })
        .collect();
    let mut listed: Vec<&str> = layers.to_vec();
    listed.sort_unstable();
    let mut modules: Vec<&str> = declared.iter().map(String::as_str).collect();
    modules.sort_unstable();
    assert_eq!(
        modules,
        listed,
        "every top-level module of {} has its place in the layers, and only those",
        src.display()
    );
    let rank = |m: &str| layers.iter().position(|l| *l == m);
    let mut wrong: Vec<String> = edges(src)
        .into_iter()
        .filter(|(from, to, _)| {
            !TEST_ONLY.contains(&to.as_str())
                && match (rank(from), rank(to)) {
                    (Some(f), Some(t)) => t >= f,
                    _ => to.starts_with('*'),
                }
        })
        .map(|(from, to, at)| format!("{at}: {from} uses {to}"))
        .collect();
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "{} uses of a module at the same layer or above (the layers are listed lowest first):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_reader_sees_what_the_compiler_resolves() {
    let text = r##"
use crate::{a::{B, c::D}, e as f};
pub(crate) use super::super::g::*;
// crate::commented::out
const S: &str = "crate::in_a_string";
const R: &str = r#"crate::raw"#;
fn x<'a>(c: char) { let _ = '\''; let _ = crate::h::i(); self::j::k(); }
mod inner { use super::super::l::M; }
#[cfg(test)]
mod tests { use crate::never::Seen; }
#[cfg(test)]
mod helpers;
"##;
    let (tokens, test_mods) = without_tests(&tokens(&strip(text)));
    assert_eq!(test_mods, ["helpers"]);
    let module = vec!["top".to_owned(), "file".to_owned()];
    let resolved: Vec<Vec<String>> = paths(&tokens, &module).iter().filter_map(resolve).collect();
    let tops: Vec<&str> = resolved.iter().map(|p| p[0].as_str()).collect();
    assert_eq!(tops, ["a", "a", "e", "g", "h", "top", "top"]);
    assert_eq!(resolved[5], ["top", "file", "j", "k"]);
    // `inner` is a module of its own: two `super`s from it lead to `top`.
    assert_eq!(resolved[6], ["top", "l", "M"]);
}
