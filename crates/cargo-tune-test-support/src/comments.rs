//! Whether an edit of a TOML file kept its comments with what they are about, judged from the
//! text alone (line by line, without toml_edit), so that it checks cargo-tune's edits rather
//! than repeating them.
//!
//! The rule: a comment line belongs to the next key or table header when no blank line
//! separates them, otherwise to the key or header above it. After the edit every comment line is
//! still there, in the same table (unless it is directly above a header: it stays there, whatever
//! table is written before it), and
//! - one that belonged to a key or header still in the file is directly above it (in the same
//!   run of comment lines), or still directly below the line above it;
//! - one whose key was removed stays where the key was: between the same surviving lines;
//! - no new key is written under a comment that headed other keys.
//!
//! A comment after a value (`key = 1 # why`) must still be in the file, anywhere.

use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Line {
    Blank,
    Comment(String),
    /// `[table]` or `[[array]]`, without spaces.
    Header(String),
    /// A key's first line: its table and key.
    Key(String),
    /// A line inside a multi-line value.
    Inside,
}

struct Parsed {
    lines: Vec<Line>,
    /// The table each line is in.
    table: Vec<String>,
    /// Comments after values and inside multi-line values.
    trailing: Vec<String>,
}

/// The text after an unquoted `#`, and the change in bracket depth outside strings.
fn scan(line: &str) -> (Option<String>, i32) {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, '#') => return (Some(line[i..].trim().to_owned()), depth),
            _ => {}
        }
    }
    (None, depth)
}

fn parse(text: &str) -> Parsed {
    let mut lines = Vec::new();
    let mut tables = Vec::new();
    let mut trailing = Vec::new();
    let mut table = "<top>".to_owned();
    let mut depth = 0;
    for raw in text.lines() {
        let trimmed = raw.trim();
        let line = if depth > 0 {
            let (comment, change) = scan(trimmed);
            trailing.extend(comment);
            depth += change;
            Line::Inside
        } else if trimmed.is_empty() {
            Line::Blank
        } else if trimmed.starts_with('#') {
            Line::Comment(trimmed.to_owned())
        } else if trimmed.starts_with('[') {
            let (comment, _) = scan(trimmed);
            trailing.extend(comment.clone());
            let header = match &comment {
                Some(c) => trimmed[..trimmed.len() - c.len()].trim(),
                None => trimmed,
            };
            table = header.replace([' ', '\t'], "");
            Line::Header(table.clone())
        } else {
            let (comment, change) = scan(trimmed);
            trailing.extend(comment);
            depth += change;
            // A dotted key is known by its first part: `foo.path = …` rewritten as
            // `foo.workspace = true` is the same dependency.
            let key = trimmed
                .split('=')
                .next()
                .unwrap_or("")
                .trim()
                .replace(' ', "");
            let key = key.split('.').next().unwrap_or("");
            Line::Key(format!("{table} {key}"))
        };
        lines.push(line);
        tables.push(table.clone());
    }
    Parsed {
        lines,
        table: tables,
        trailing,
    }
}

/// What a comment line belongs to.
#[derive(Debug)]
enum Owner {
    /// The key or header right below its run of comment lines.
    Below(String),
    /// The key or header above it (`<top>` at the start of the file).
    Above(String),
}

fn identity(line: &Line) -> Option<&str> {
    match line {
        Line::Header(h) => Some(h),
        Line::Key(k) => Some(k),
        _ => None,
    }
}

/// The nearest key or header above line `i` (skipping comments, blanks and value lines).
fn above(p: &Parsed, i: usize) -> String {
    p.lines[..i]
        .iter()
        .rev()
        .find_map(identity)
        .unwrap_or("<top>")
        .to_owned()
}

/// The first line after the run of comment lines holding line `i`.
fn after_run(p: &Parsed, i: usize) -> Option<&Line> {
    p.lines[i..].iter().find(|l| !matches!(l, Line::Comment(_)))
}

fn owner(p: &Parsed, i: usize) -> Owner {
    match after_run(p, i).and_then(identity) {
        Some(id) => Owner::Below(id.to_owned()),
        None => Owner::Above(above(p, i)),
    }
}

fn position(p: &Parsed, id: &str) -> Option<usize> {
    p.lines.iter().position(|l| identity(l) == Some(id))
}

/// Every way `after` moved a comment of `before` away from what it belongs to, or lost one, in
/// words; empty when every comment is kept.
pub fn comment_problems(before: &str, after: &str) -> Vec<String> {
    let (b, a) = (parse(before), parse(after));
    let mut problems = Vec::new();
    let occurrences = |p: &Parsed| {
        let mut at: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, line) in p.lines.iter().enumerate() {
            if let Line::Comment(text) = line {
                at.entry(text.clone()).or_default().push(i);
            }
        }
        at
    };
    let (old, new) = (occurrences(&b), occurrences(&a));
    let survives = |id: &str| position(&a, id).is_some();
    for (text, places) in &old {
        let moved = new.get(text).cloned().unwrap_or_default();
        if moved.len() < places.len() {
            problems.push(format!(
                "`{text}` lost ({} of {} left)",
                moved.len(),
                places.len()
            ));
            continue;
        }
        for (&i, &j) in places.iter().zip(&moved) {
            let owner = owner(&b, i);
            // A comment directly above a header is about that header, whatever table is
            // written before it; any other stays in its table.
            let above_header =
                matches!(&owner, Owner::Below(id) if !id.contains(' ') && survives(id));
            if !above_header && b.table[i] != a.table[j] {
                problems.push(format!(
                    "`{text}` moved from {} to {}",
                    b.table[i], a.table[j]
                ));
                continue;
            }
            let id = match &owner {
                Owner::Below(id) | Owner::Above(id) => id.as_str(),
            };
            if id == "<top>" || survives(id) {
                let kept = match &owner {
                    Owner::Below(id) => after_run(&a, j).and_then(identity) == Some(id),
                    Owner::Above(id) => {
                        above(&a, j) == *id
                            && after_run(&a, j)
                                .and_then(identity)
                                .is_none_or(|next| position(&b, next).is_some())
                    }
                };
                if !kept {
                    problems.push(format!(
                        "`{text}` no longer {} `{id}`",
                        match owner {
                            Owner::Below(_) => "directly above",
                            Owner::Above(_) => "belongs to",
                        }
                    ));
                }
                continue;
            }
            // Its key is gone: it stays between the same surviving lines.
            let up = b.lines[..i]
                .iter()
                .rev()
                .filter_map(identity)
                .find(|id| survives(id));
            let down = b.lines[i..]
                .iter()
                .filter_map(identity)
                .find(|id| survives(id));
            let up_ok = up.is_none_or(|id| position(&a, id).is_some_and(|p| p < j));
            let down_ok = down.is_none_or(|id| position(&a, id).is_some_and(|p| p > j));
            if !(up_ok && down_ok) {
                problems.push(format!(
                    "`{text}` (about a removed key) left the place of that key"
                ));
            }
        }
    }
    // A new key under a comment that headed other keys.
    for (j, line) in a.lines.iter().enumerate() {
        let Line::Key(id) = line else { continue };
        if position(&b, id).is_some() {
            continue;
        }
        let start = a.lines[..j]
            .iter()
            .rposition(|l| !matches!(l, Line::Key(_) | Line::Inside));
        if let Some(k) = start
            && let Line::Comment(text) = &a.lines[k]
            && let Some(&i) = old.get(text).and_then(|p| p.first())
            && matches!(owner(&b, i), Owner::Below(ref id) if id.contains(' '))
        {
            problems.push(format!("new key `{id}` written under `{text}`"));
        }
    }
    let kept: String = parse(after)
        .lines
        .iter()
        .filter_map(|l| match l {
            Line::Comment(c) => Some(c.as_str()),
            _ => None,
        })
        .chain(a.trailing.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("\n");
    for comment in &b.trailing {
        let body = comment.trim_start_matches('#').trim();
        if !body.is_empty() && !kept.contains(body) {
            problems.push(format!("`{comment}` after a value lost"));
        }
    }
    problems
}
