//! Where comments stay and where new keys and tables go, so that an edit never moves a comment
//! away from what it is about.
//!
//! One rule decides what a comment is about: a comment belongs to the next key or table header
//! when no blank line separates them, otherwise to the table above it. In toml_edit's terms,
//! the lines before an item are its decor prefix, and comments after a table's last key are the
//! prefix of the next table header written (or the document's trailing text). So:
//!
//! - a new table is written between two tables; the comments at the end of the one before are
//!   moved in front of the new header, with a blank line between, so that they stay in their table;
//! - a new key is not appended under a comment that heads another group of keys, and never
//!   between a table's last key and the comments that follow it;
//! - a removed key leaves its comments where it was.

use toml_edit::{Array, Decor, DocumentMut, InlineTable, Item, Key, Table, Value};

/// One step of a path to a table as `Display` writes it: a key, and the element's index when
/// the key holds an array of tables.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Step {
    key: String,
    element: Option<usize>,
}

/// The tables of `doc` in the order `Display` writes them, each with whether it has a header
/// line. Mirrors toml_edit's encoder: tables are visited depth first, a table without a position
/// takes the one of the table visited before it, and the sort is stable.
fn written_order(doc: &DocumentMut) -> Vec<(Vec<Step>, bool)> {
    fn visit(
        table: &Table,
        path: &mut Vec<Step>,
        element: bool,
        last: &mut isize,
        out: &mut Vec<(isize, Vec<Step>, bool)>,
    ) {
        if !table.is_dotted() {
            if let Some(position) = table.position() {
                *last = position;
            }
            let header = !path.is_empty()
                && (element || !(table.is_implicit() && table.get_values().is_empty()));
            out.push((*last, path.clone(), header));
        }
        for (key, item) in table.iter() {
            match item {
                Item::Table(t) => {
                    path.push(Step {
                        key: key.to_owned(),
                        element: None,
                    });
                    visit(t, path, false, last, out);
                    path.pop();
                }
                Item::ArrayOfTables(a) => {
                    for (i, t) in a.iter().enumerate() {
                        path.push(Step {
                            key: key.to_owned(),
                            element: Some(i),
                        });
                        visit(t, path, true, last, out);
                        path.pop();
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    visit(doc.as_table(), &mut Vec::new(), false, &mut 0, &mut out);
    out.sort_by_key(|(position, path, _)| (!path.is_empty(), *position));
    out.into_iter()
        .map(|(_, path, header)| (path, header))
        .collect()
}

fn table_at_mut<'a>(doc: &'a mut DocumentMut, path: &[Step]) -> Option<&'a mut Table> {
    let mut table = doc.as_table_mut();
    for step in path {
        table = match (table.get_mut(&step.key)?, step.element) {
            (Item::Table(t), None) => t,
            (Item::ArrayOfTables(a), Some(i)) => a.get_mut(i)?,
            _ => return None,
        };
    }
    Some(table)
}

fn steps(path: &[&str]) -> Vec<Step> {
    path.iter()
        .map(|k| Step {
            key: (*k).to_owned(),
            element: None,
        })
        .collect()
}

/// The first table with a header written after the table at `path`: its prefix holds the
/// comments that end the table at `path`. `None` when the table is written last.
fn header_after(doc: &DocumentMut, path: &[Step]) -> Option<Vec<Step>> {
    let order = written_order(doc);
    let at = order.iter().position(|(p, _)| p == path)?;
    order[at + 1..]
        .iter()
        .find(|(_, header)| *header)
        .map(|(p, _)| p.clone())
}

fn prefix_of(decor: &Decor) -> String {
    decor
        .prefix()
        .and_then(|p| p.as_str())
        .unwrap_or("")
        .to_owned()
}

/// Whether `text` holds a comment line.
pub(crate) fn has_comment(text: &str) -> bool {
    text.lines().any(|l| l.trim_start().starts_with('#'))
}

/// `prefix` split where the lines that belong to the item after it begin: `(above, own)`. `own`
/// is the comment lines with no blank line between them and the item, and the indentation;
/// `above` is the rest, which belongs to the table above.
pub(crate) fn split_prefix(prefix: &str) -> (&str, &str) {
    let mut start = prefix.rfind('\n').map_or(0, |i| i + 1);
    while start > 0 {
        let line_start = prefix[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        if prefix[line_start..start].trim_start().starts_with('#') {
            start = line_start;
        } else {
            break;
        }
    }
    prefix.split_at(start)
}

/// Whether the last complete line of `text` is blank.
fn ends_with_blank_line(text: &str) -> bool {
    let body = text.trim_end_matches([' ', '\t']);
    let Some(body) = body.strip_suffix('\n') else {
        return false;
    };
    let body = body.strip_suffix('\r').unwrap_or(body);
    let last = body.rsplit('\n').next().unwrap_or("");
    body.is_empty() || last.trim().is_empty()
}

/// Takes the comments that end the table at `path` (with the lines around them) out of where
/// toml_edit keeps them, so that the caller can write them before something new. Empty when the
/// table ends without a comment.
fn take_trailing_comments(doc: &mut DocumentMut, path: &[Step]) -> String {
    match header_after(doc, path) {
        Some(next) => {
            let Some(table) = table_at_mut(doc, &next) else {
                return String::new();
            };
            let prefix = prefix_of(table.decor());
            let (above, own) = split_prefix(&prefix);
            if !has_comment(above) {
                return String::new();
            }
            let above = above.to_owned();
            // The blank line that separated the comments from the header now separates the new
            // item from the header.
            table.decor_mut().set_prefix(format!("\n{own}"));
            above
        }
        None => {
            let trailing = doc.trailing().as_str().unwrap_or("").to_owned();
            if !has_comment(&trailing) {
                return String::new();
            }
            doc.set_trailing("");
            trailing
        }
    }
}

/// `text` (lines that belong above) followed by a blank line, so that nothing after it takes
/// them as its own.
fn with_blank_line(mut text: String) -> String {
    if !ends_with_blank_line(&text) {
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push('\n');
    }
    text
}

/// Called once the header table at `path` is created: the comments that ended the table now
/// written before it are moved in front of its header, so that they stay in their table.
pub(crate) fn place_new_table(doc: &mut DocumentMut, path: &[&str]) {
    let path = steps(path);
    let order = written_order(doc);
    let Some(at) = order.iter().position(|(p, _)| *p == path) else {
        return;
    };
    // The comments that end the table written before the new one.
    let moved = match order[at + 1..].iter().find(|(_, header)| *header) {
        Some((next, _)) => {
            let next = next.clone();
            let Some(table) = table_at_mut(doc, &next) else {
                return;
            };
            let prefix = prefix_of(table.decor());
            let (above, own) = split_prefix(&prefix);
            if !has_comment(above) {
                return;
            }
            let above = above.to_owned();
            table.decor_mut().set_prefix(format!("\n{own}"));
            above
        }
        None => {
            let trailing = doc.trailing().as_str().unwrap_or("").to_owned();
            if !has_comment(&trailing) {
                return;
            }
            doc.set_trailing("");
            trailing
        }
    };
    if let Some(table) = table_at_mut(doc, &path) {
        table.decor_mut().set_prefix(with_blank_line(moved));
    }
}

/// The keys of `table` written in its body (values and dotted keys; sub-tables have headers of
/// their own), each with its prefix.
fn body_keys(table: &Table) -> Vec<(String, String)> {
    table
        .iter()
        .filter(|(_, item)| match item {
            Item::Value(_) => true,
            Item::Table(t) => t.is_dotted(),
            _ => false,
        })
        .map(|(k, _)| (k.to_owned(), line_prefix(table, k)))
        .collect()
}

/// The lines above the line of `key` in `table`. A dotted key (`foo.path = …`) keeps them on
/// its last segment, which is the first key of the dotted table.
fn line_prefix(table: &Table, key: &str) -> String {
    match table.get(key) {
        Some(Item::Table(t)) if t.is_dotted() => t
            .iter()
            .next()
            .map(|(first, _)| line_prefix(t, first))
            .unwrap_or_default(),
        _ => table
            .key(key)
            .map(|k| prefix_of(k.leaf_decor()))
            .unwrap_or_default(),
    }
}

/// Writes `text` above the line of `key` in `table`, before what is there.
fn prepend_to_line(table: &mut Table, key: &str, text: &str) {
    if let Some(Item::Table(t)) = table.get_mut(key)
        && t.is_dotted()
    {
        let first = t.iter().next().map(|(k, _)| k.to_owned());
        if let Some(first) = first {
            prepend_to_line(t, &first, text);
        }
        return;
    }
    if let Some(mut k) = table.key_mut(key) {
        let decor = k.leaf_decor_mut();
        let old = prefix_of(decor);
        decor.set_prefix(format!("{text}{old}"));
    }
}

/// Inserts `key` into the table at `path` (which exists). A header table's keys are read as
/// groups, each starting after a blank or comment line; a group whose first key has a comment
/// directly above it is headed by that comment. The key goes at the end of the last group
/// without such a heading (and, in the middle of the table, without comments after it); when
/// there is none, it starts a group of its own at the end.
/// Comments that end the table stay right after the key they followed, with the new key after
/// them. Inline and dotted tables take the key at their end.
pub(crate) fn insert_key(doc: &mut DocumentMut, path: &[&str], key: &str, item: Item) {
    let at = steps(path);
    let Some(table) = table_at_mut(doc, &at) else {
        return;
    };
    if table.is_dotted() || table.contains_key(key) {
        table.insert(key, item);
        return;
    }
    // A table cargo's parser made for `[profile.dev.package.x]` has no header until it gets a
    // key: then it is written like a new table.
    if table.is_implicit() && table.get_values().is_empty() {
        table.insert(key, item);
        place_new_table(doc, path);
        return;
    }
    let body = body_keys(table);
    // Each group: (index of its first key, index of its last key, headed).
    let mut groups: Vec<(usize, usize, bool)> = Vec::new();
    for (i, (_, prefix)) in body.iter().enumerate() {
        if i == 0 || prefix.contains('\n') {
            groups.push((i, i, has_comment(split_prefix(prefix).1)));
        } else if let Some(last) = groups.last_mut() {
            last.1 = i;
        }
    }
    let indent = body
        .last()
        .map(|(_, p)| p.rsplit('\n').next().unwrap_or("").to_owned())
        .unwrap_or_default();
    // A group in the middle followed by comments of its own (rust-analyzer's `# local crates
    // that aren't published` after its last key) would put the new key between them and the key
    // they follow; the table's last group has its end moved instead (below).
    let ends_in_comments = |g: usize| {
        groups
            .get(g + 1)
            .is_some_and(|next| has_comment(split_prefix(&body[next.0].1).0))
    };
    let unheaded = (0..groups.len())
        .rev()
        .find(|&g| !groups[g].2 && !ends_in_comments(g));
    match unheaded {
        // In the middle of the table: after the group's last key.
        Some(g) if g + 1 < groups.len() => {
            let after = body[groups[g].1].0.clone();
            table.insert(key, item);
            if let Some(mut k) = table.key_mut(key) {
                k.leaf_decor_mut().set_prefix(indent);
            }
            let order: Vec<String> = table.iter().map(|(k, _)| k.to_owned()).collect();
            let rank = |k: &Key| -> usize {
                let name = k.get();
                let i = order.iter().position(|o| o == name).unwrap_or(usize::MAX);
                if name == key {
                    order.iter().position(|o| *o == after).unwrap_or(0) * 2 + 1
                } else {
                    i.saturating_mul(2)
                }
            };
            table.sort_values_by(|a, _, b, _| rank(a).cmp(&rank(b)));
        }
        last => {
            let new_group = last.is_none() && !body.is_empty();
            let trailing = take_trailing_comments(doc, &at);
            let prefix = if !trailing.is_empty() {
                format!("{}{indent}", with_blank_line(trailing))
            } else if new_group {
                format!("\n{indent}")
            } else {
                indent
            };
            let Some(table) = table_at_mut(doc, &at) else {
                return;
            };
            table.insert(key, item);
            if let Some(mut k) = table.key_mut(key) {
                k.leaf_decor_mut().set_prefix(prefix);
            }
        }
    }
}

/// Every comment inside `item`'s value (multi-line arrays and inline tables), as lines.
fn inner_comments(item: &Item, out: &mut Vec<String>) {
    fn decor(d: &Decor, out: &mut Vec<String>) {
        for part in [d.prefix(), d.suffix()].into_iter().flatten() {
            comment_lines(part.as_str().unwrap_or(""), out);
        }
    }
    fn value(v: &Value, top: bool, out: &mut Vec<String>) {
        if !top {
            decor(v.decor(), out);
        }
        match v {
            Value::Array(a) => array(a, out),
            Value::InlineTable(t) => inline(t, out),
            _ => {}
        }
    }
    fn array(a: &Array, out: &mut Vec<String>) {
        for v in a.iter() {
            value(v, false, out);
        }
        comment_lines(a.trailing().as_str().unwrap_or(""), out);
    }
    fn inline(t: &InlineTable, out: &mut Vec<String>) {
        for (k, v) in t.iter() {
            if let Some(key) = t.key(k) {
                decor(key.leaf_decor(), out);
            }
            value(v, false, out);
        }
        comment_lines(t.trailing().as_str().unwrap_or(""), out);
    }
    match item {
        Item::Value(v) => value(v, true, out),
        Item::Table(t) => {
            for (k, child) in t.iter() {
                if let Some(key) = t.key(k) {
                    decor(key.leaf_decor(), out);
                }
                if let Item::Value(v) = child {
                    decor(v.decor(), out);
                }
                inner_comments(child, out);
            }
        }
        Item::ArrayOfTables(a) => {
            for t in a.iter() {
                decor(t.decor(), out);
                inner_comments(&Item::Table(t.clone()), out);
            }
        }
        Item::None => {}
    }
}

fn comment_lines(text: &str, out: &mut Vec<String>) {
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            out.push(line.to_owned());
        }
    }
}

/// Where the comments of a removed key go.
enum Keep {
    /// In front of this key of the table at the path.
    Key(Vec<Step>, String),
    /// In front of this table's header.
    Header(Vec<Step>),
    /// At the end of the document.
    End,
}

/// The first header written after the table at `path` and everything under it.
fn header_after_subtree(doc: &DocumentMut, path: &[Step]) -> Option<Vec<Step>> {
    let order = written_order(doc);
    let under = |p: &[Step]| {
        p.len() >= path.len()
            && p.iter()
                .zip(path)
                .all(|(a, b)| a.key == b.key && (b.element.is_none() || a.element == b.element))
    };
    let first = order.iter().position(|(p, _)| under(p))?;
    order[first + 1..]
        .iter()
        .find(|(p, header)| *header && !under(p))
        .map(|(p, _)| p.clone())
}

/// Removes `key` from the table at `path` (a header or dotted table), leaving its comments where
/// it was: the lines above it, a comment after its value (as `# was `key = value`: comment`,
/// since the value is gone) and comments inside the value go in front of the next line, or at
/// the end of the table.
pub(crate) fn remove_key(doc: &mut DocumentMut, path: &[&str], key: &str) -> Option<Item> {
    let at = steps(path);
    let table = table_at_mut(doc, &at)?;
    let item = table.get(key)?.clone();
    let has_header = match &item {
        Item::Table(t) => !t.is_dotted(),
        Item::ArrayOfTables(_) => true,
        _ => false,
    };
    let prefix = match &item {
        Item::Table(t) if has_header => prefix_of(t.decor()),
        _ if has_header => String::new(),
        _ => line_prefix(table, key),
    };
    let indent = prefix.rsplit('\n').next().unwrap_or("").to_owned();
    let mut kept = String::new();
    if has_comment(&prefix) {
        kept.push_str(&prefix[..prefix.len() - indent.len()]);
    }
    if let Item::Value(v) = &item {
        let comment = v
            .decor()
            .suffix()
            .and_then(|s| s.as_str())
            .and_then(|s| s.trim().strip_prefix('#'))
            .map(|c| c.trim().to_owned());
        if let Some(comment) = comment {
            let mut bare = v.clone();
            bare.decor_mut().clear();
            let was = format!("# was `{key} = {bare}`");
            if comment.is_empty() {
                kept.push_str(&format!("{indent}{was}\n"));
            } else {
                kept.push_str(&format!("{indent}{was}: {comment}\n"));
            }
        }
    }
    let mut inner = Vec::new();
    inner_comments(&item, &mut inner);
    for line in inner {
        kept.push_str(&format!("{indent}{line}\n"));
    }
    let keep = if has_header {
        let mut sub = at.clone();
        sub.push(Step {
            key: key.to_owned(),
            element: None,
        });
        header_after_subtree(doc, &sub).map_or(Keep::End, Keep::Header)
    } else {
        // The next line: in this table, or, after the last line of a dotted key
        // (`foo.path = …`), in the tables that hold it.
        let mut keep = None;
        let mut path = at.clone();
        let mut after = key.to_owned();
        while let Some(table) = table_at_mut(doc, &path) {
            let body = body_keys(table);
            let position = body.iter().position(|(k, _)| *k == after);
            if let Some((next, _)) = position.and_then(|i| body.get(i + 1)) {
                keep = Some(Keep::Key(path.clone(), next.clone()));
                break;
            }
            if !table.is_dotted() {
                break;
            }
            match path.pop() {
                Some(step) => after = step.key,
                None => break,
            }
        }
        keep.unwrap_or_else(|| header_after(doc, &path).map_or(Keep::End, Keep::Header))
    };
    let table = table_at_mut(doc, &at)?;
    let item = table.remove(key)?;
    if kept.is_empty() {
        return Some(item);
    }
    match keep {
        Keep::Key(path, next) => {
            if let Some(table) = table_at_mut(doc, &path) {
                prepend_to_line(table, &next, &kept);
            }
        }
        Keep::Header(next) => {
            if let Some(t) = table_at_mut(doc, &next) {
                let old = prefix_of(t.decor());
                // Still after the table's last key, not directly above the next header.
                let kept = if old.starts_with('\n') || old.starts_with("\r\n") {
                    kept
                } else {
                    with_blank_line(kept)
                };
                t.decor_mut().set_prefix(format!("{kept}{old}"));
            }
        }
        Keep::End => {
            let old = doc.trailing().as_str().unwrap_or("").to_owned();
            doc.set_trailing(format!("{kept}{old}"));
        }
    }
    Some(item)
}

#[cfg(test)]
mod tests {
    use toml_edit::{DocumentMut, Value};

    use super::split_prefix;
    use crate::edit::toml::{remove_workspace_dependency, set_key, set_workspace_dependency};

    /// Asserts what `text` becomes after `f` edits it.
    #[track_caller]
    fn assert_edit(text: &str, f: impl FnOnce(&mut DocumentMut), expected: &str) {
        let mut doc: DocumentMut = text.parse().unwrap();
        f(&mut doc);
        assert_eq!(doc.to_string(), expected);
    }

    fn set(doc: &mut DocumentMut, table: &[&str], key: &str, value: impl Into<Value>) {
        set_key(doc, table, key, Some(&value.into())).unwrap();
    }

    fn remove(doc: &mut DocumentMut, key: &str) {
        remove_workspace_dependency(doc, key).unwrap();
    }

    fn declare(doc: &mut DocumentMut, key: &str) {
        let fields = vec![("version".to_owned(), serde_json::json!("1"))];
        assert!(set_workspace_dependency(doc, key, &fields).unwrap());
    }

    #[test]
    fn a_prefix_splits_where_the_comments_directly_above_begin() {
        assert_eq!(
            split_prefix("\n# end of a\n\n# about b\n"),
            ("\n# end of a\n\n", "# about b\n")
        );
        assert_eq!(split_prefix("# about b\n  "), ("", "# about b\n  "));
        assert_eq!(split_prefix("# end of a\n\n"), ("# end of a\n\n", ""));
        assert_eq!(split_prefix(""), ("", ""));
    }

    #[test]
    fn a_new_table_leaves_the_comments_that_end_the_table_before_it_in_place() {
        // At the end of the file (actix-web's commented-out lint).
        let text = "[workspace]\nmembers = [\"a\"]\n\n[workspace.lints.clippy]\n# clone_on_ref_ptr = { level = \"deny\" }\n";
        assert_edit(
            text,
            |d| declare(d, "serde"),
            "[workspace]\nmembers = [\"a\"]\n\n[workspace.lints.clippy]\n# clone_on_ref_ptr = { level = \"deny\" }\n\n[workspace.dependencies]\nserde = \"1\"\n",
        );
        // Between two tables: the comment ending [workspace.package] stays there, the one naming
        // [profile.dev] stays above it.
        let text = "[workspace]\n\n[workspace.package]\nedition = \"2021\"\n# rust-version = \"1.80\"\n\n# Fast dev builds:\n[profile.dev]\ndebug = 0\n";
        assert_edit(
            text,
            |d| declare(d, "serde"),
            "[workspace]\n\n[workspace.package]\nedition = \"2021\"\n# rust-version = \"1.80\"\n\n[workspace.dependencies]\nserde = \"1\"\n\n# Fast dev builds:\n[profile.dev]\ndebug = 0\n",
        );
        // A profile sub-table after [profile.dev] the same way.
        let text = "[profile.dev]\ndebug = 0\n# opt-level = 1\n\n[profile.release]\nlto = true\n";
        assert_edit(
            text,
            |d| {
                set(d, &["profile", "dev", "package", "*"], "debug", false);
            },
            "[profile.dev]\ndebug = 0\n# opt-level = 1\n\n[profile.dev.package.\"*\"]\ndebug = false\n\n[profile.release]\nlto = true\n",
        );
    }

    #[test]
    fn a_table_that_gets_its_first_key_is_placed_like_a_new_one() {
        // cargo-deny: [profile.dev] exists only as the parent of [profile.dev.package.insta].
        let text = "[dev-dependencies]\nureq = \"3\"\n\n# [[bench]]\n# harness = false\n\n[profile.dev.package.insta]\nopt-level = 3\n";
        assert_edit(
            text,
            |d| {
                set(d, &["profile", "dev"], "debug", false);
            },
            "[dev-dependencies]\nureq = \"3\"\n\n# [[bench]]\n# harness = false\n\n[profile.dev]\ndebug = false\n\n[profile.dev.package.insta]\nopt-level = 3\n",
        );
    }

    #[test]
    fn a_new_key_joins_the_last_group_without_a_heading_comment() {
        // helix: regular dependencies, then a group headed `# dev dependencies`.
        let text = "[workspace.dependencies]\nfoo = \"1\"\nbar = \"2\"\n\n# dev dependencies\ncriterion = \"0.8\"\n";
        assert_edit(
            text,
            |d| {
                declare(d, "serde");
                declare(d, "log");
            },
            "[workspace.dependencies]\nfoo = \"1\"\nbar = \"2\"\nserde = \"1\"\nlog = \"1\"\n\n# dev dependencies\ncriterion = \"0.8\"\n",
        );
        // Every group headed: the new keys make a group of their own.
        let text = "[workspace.dependencies]\n# ours\nfoo = \"1\"\n\n[profile.dev]\n";
        assert_edit(
            text,
            |d| {
                declare(d, "serde");
                declare(d, "log");
            },
            "[workspace.dependencies]\n# ours\nfoo = \"1\"\n\nserde = \"1\"\nlog = \"1\"\n\n[profile.dev]\n",
        );
    }

    #[test]
    fn a_new_key_is_not_written_between_a_group_and_the_comments_after_it() {
        // rust-analyzer: a comment after the last key of a group, then a headed group.
        let text = "[workspace.dependencies]\na = \"1\"\n\nra = \"0.1\"\n\n# local crates, none yet.\n\n# published ones\nline = \"1\"\n";
        assert_edit(
            text,
            |d| declare(d, "serde"),
            "[workspace.dependencies]\na = \"1\"\nserde = \"1\"\n\nra = \"0.1\"\n\n# local crates, none yet.\n\n# published ones\nline = \"1\"\n",
        );
    }

    #[test]
    fn a_new_key_goes_after_the_comments_that_end_its_table() {
        let text = "[profile.dev]\nopt-level = 1\n# debug = 0\n\n[profile.release]\nlto = true\n";
        assert_edit(
            text,
            |d| {
                set(d, &["profile", "dev"], "incremental", true);
            },
            "[profile.dev]\nopt-level = 1\n# debug = 0\n\nincremental = true\n\n[profile.release]\nlto = true\n",
        );
        // At the end of the file, and after a header with only a comment under it.
        let text = "[workspace.lints.clippy]\n# clone_on_ref_ptr = { level = \"deny\" }\n";
        assert_edit(
            text,
            |d| {
                set(d, &["workspace", "lints", "clippy"], "dbg_macro", "deny");
            },
            "[workspace.lints.clippy]\n# clone_on_ref_ptr = { level = \"deny\" }\n\ndbg_macro = \"deny\"\n",
        );
    }

    #[test]
    fn a_dotted_key_inherited_from_the_workspace_keeps_the_comment_above_it() {
        // rust-analyzer: `proc-macro-test.path = …` becomes `proc-macro-test.workspace = true`.
        let text = "[dev-dependencies]\nx.workspace = true\n\n# used as test targets\nproc-macro-test.path = \"./p\"\n\n[features]\n";
        assert_edit(
            text,
            |d| {
                assert!(
                    crate::edit::toml::inherit_dependency(
                        d,
                        &["dev-dependencies"],
                        "proc-macro-test",
                        None
                    )
                    .unwrap()
                );
            },
            "[dev-dependencies]\nx.workspace = true\n\n# used as test targets\nproc-macro-test.workspace = true\n\n[features]\n",
        );
    }

    #[test]
    fn a_removed_entry_leaves_its_comments_where_it_was() {
        let text = "[workspace.dependencies]\na = \"1\"\n\n# Used by the renderer:\n# keep in step with b.\nold = \"1\" # pinned\nb = \"1\"\n\n# The last one.\nlast = { version = \"1\", features = [\n  # std only\n  \"std\",\n] }\n\n[profile.dev]\ndebug = 0\n";
        assert_edit(
            text,
            |d| {
                assert!(remove_workspace_dependency(d, "old").unwrap());
                assert!(remove_workspace_dependency(d, "last").unwrap());
                assert!(!remove_workspace_dependency(d, "last").unwrap());
            },
            "[workspace.dependencies]\na = \"1\"\n\n# Used by the renderer:\n# keep in step with b.\n# was `old = \"1\"`: pinned\nb = \"1\"\n\n# The last one.\n# std only\n\n[profile.dev]\ndebug = 0\n",
        );
        // The last key of the file.
        let text = "[workspace.dependencies]\na = \"1\"\n# gone soon\nold = \"1\"\n";
        assert_edit(
            text,
            |d| remove(d, "old"),
            "[workspace.dependencies]\na = \"1\"\n# gone soon\n",
        );
        // Without comments, nothing is left behind.
        let text = "[workspace.dependencies]\na = \"1\"\n\nold = \"1\"\nb = \"1\"\n";
        assert_edit(
            text,
            |d| remove(d, "old"),
            "[workspace.dependencies]\na = \"1\"\nb = \"1\"\n",
        );
    }
}
