//! Format-preserving edits of one TOML document. Each function changes only the keys it names,
//! keeps the decor (comments, whitespace) of everything else, and reports whether it changed
//! anything, so that applying an edit twice is the same as applying it once.

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, TableLike, Value};

use super::layout;
use crate::text::toml_json::{item_to_json, json_to_value, value_to_json};

/// Why an edit cannot be made to a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("edit `{path}`: {reason}")]
pub struct ShapeError {
    /// Dotted path of the key.
    pub path: String,
    /// What is in the way.
    pub reason: String,
}

fn shape(path: &[&str], reason: impl Into<String>) -> ShapeError {
    ShapeError {
        path: path.join("."),
        reason: reason.into(),
    }
}

/// The table at `path`, created when missing: as a header table (intermediate ones implicit, the
/// way cargo's own `[profile.dev.package."*"]` is written), as an inline table inside an inline
/// table, and as a dotted table inside a dotted one. A new header table keeps the comments that
/// end the table written before it out of its body ([`layout::place_new_table`]).
fn table_mut<'a>(
    doc: &'a mut DocumentMut,
    path: &[&str],
) -> Result<&'a mut dyn TableLike, ShapeError> {
    let mut created_header = false;
    {
        let mut current: &mut Item = doc.as_item_mut();
        for (i, segment) in path.iter().enumerate() {
            let leaf = i + 1 == path.len();
            let inline = current.is_value();
            let table = current
                .as_table_like_mut()
                .ok_or_else(|| shape(&path[..i], "it is not a table"))?;
            if table.get(segment).is_none() {
                let item = if inline {
                    Item::Value(Value::InlineTable(InlineTable::new()))
                } else {
                    let mut new = Table::new();
                    if table.is_dotted() {
                        new.set_dotted(true);
                    } else {
                        new.set_implicit(!leaf);
                        created_header |= leaf;
                    }
                    Item::Table(new)
                };
                table.insert(segment, item);
            }
            current = table.get_mut(segment).expect("inserted above");
        }
    }
    if created_header {
        layout::place_new_table(doc, path);
    }
    let mut current: &mut Item = doc.as_item_mut();
    for segment in path {
        current = current
            .as_table_like_mut()
            .and_then(|t| t.get_mut(segment))
            .ok_or_else(|| shape(path, "it is not a table"))?;
    }
    current
        .as_table_like_mut()
        .ok_or_else(|| shape(path, "it is not a table"))
}

/// Inserts a new `key` into the table at `path` (which exists): in a header table, where
/// [`layout::insert_key`] puts it; in an inline or dotted table, at its end.
fn insert_new(doc: &mut DocumentMut, path: &[&str], key: &str, item: Item) {
    let mut current = doc.as_item();
    for segment in path {
        match current.as_table_like().and_then(|t| t.get(segment)) {
            Some(item) => current = item,
            None => return,
        }
    }
    if matches!(current, Item::Table(t) if !t.is_dotted()) {
        layout::insert_key(doc, path, key, item);
    } else if let Ok(table) = table_mut(doc, path) {
        table.insert(key, item);
    }
}

fn table_ref<'a>(doc: &'a DocumentMut, path: &[&str]) -> Option<&'a dyn TableLike> {
    let mut current: &dyn TableLike = doc.as_table();
    for segment in path {
        current = current.get(segment)?.as_table_like()?;
    }
    Some(current)
}

/// Sets `key` in the table at `table_path` to `value`, or removes it when `value` is `None`.
/// A trailing comment described the old value, so it moves to its own line above the key,
/// prefixed with what the value was (`# was `debug = true`: full debug info`); the value itself
/// keeps its spacing.
pub(crate) fn set_key(
    doc: &mut DocumentMut,
    table_path: &[&str],
    key: &str,
    value: Option<&Value>,
) -> Result<bool, ShapeError> {
    let Some(value) = value else {
        let Some(table) = table_ref(doc, table_path) else {
            return Ok(false);
        };
        if table.get(key).is_none() {
            return Ok(false);
        }
        remove(doc, table_path, key)?;
        return Ok(true);
    };
    if let Some(existing) = table_ref(doc, table_path).and_then(|t| t.get(key))
        && item_to_json(existing) == value_to_json(value)
    {
        return Ok(false);
    }
    let table = table_mut(doc, table_path)?;
    match table.get_mut(key) {
        Some(Item::Value(old)) => {
            let mut decor = old.decor().clone();
            let comment = decor
                .suffix()
                .and_then(|s| s.as_str())
                .and_then(|s| s.trim().strip_prefix('#'))
                .map(|c| c.trim().to_owned());
            let mut was = old.clone();
            was.decor_mut().clear();
            let was = was.to_string();
            if comment.is_some() {
                decor.set_suffix("");
            }
            let mut new = value.clone();
            *new.decor_mut() = decor;
            *old = new;
            if let Some(comment) = comment
                && let Some(mut key_decor) = table.key_mut(key)
            {
                let decor = key_decor.leaf_decor_mut();
                let prefix = decor
                    .prefix()
                    .and_then(|p| p.as_str())
                    .unwrap_or("")
                    .to_owned();
                let indent = prefix.rsplit('\n').next().unwrap_or("").to_owned();
                let above = prefix[..prefix.len() - indent.len()].to_owned();
                let note = if comment.is_empty() {
                    format!("# was `{key} = {was}`")
                } else {
                    format!("# was `{key} = {was}`: {comment}")
                };
                decor.set_prefix(format!("{above}{indent}{note}\n{indent}"));
            }
        }
        Some(_) => {
            let mut full: Vec<&str> = table_path.to_vec();
            full.push(key);
            return Err(shape(&full, "it is a table, not a value"));
        }
        None => insert_new(doc, table_path, key, Item::Value(value.clone())),
    }
    Ok(true)
}

/// Removes `key` from the table at `path`; in a header table its comments stay where it was
/// ([`layout::remove_key`]).
fn remove(doc: &mut DocumentMut, path: &[&str], key: &str) -> Result<(), ShapeError> {
    if layout::remove_key(doc, path, key).is_none() {
        table_mut(doc, path)?.remove(key);
    }
    Ok(())
}

/// The indices of the codegen option at `i` when it selects the linker: `-C linker=…`,
/// `-C linker-features=…` (rustc's own lld on or off), or a `link-arg` of `-fuse-ld=…` or
/// `--ld-path=…`; written joined (`-Clinker=…`) or after a separate `-C`.
fn linker_option_at(flags: &[String], i: usize) -> Option<std::ops::RangeInclusive<usize>> {
    let flag = flags[i].as_str();
    let (value, start) = match flag.strip_prefix("-C") {
        Some(value) if !value.is_empty() => (value, i),
        _ if i > 0 && flags[i - 1] == "-C" => (flag, i - 1),
        _ => return None,
    };
    let selects = value.starts_with("linker=")
        || value.starts_with("linker-features=")
        || value
            .strip_prefix("link-arg=")
            .is_some_and(|arg| arg.starts_with("-fuse-ld=") || arg.starts_with("--ld-path="));
    selects.then_some(start..=i)
}

/// The indices of every linker-selecting option in `flags` (with its `-C` when written
/// separately).
fn without_linker_flags(flags: &[String]) -> Vec<usize> {
    let mut drop = Vec::new();
    for i in 0..flags.len() {
        if let Some(range) = linker_option_at(flags, i) {
            for j in range {
                if !drop.contains(&j) {
                    drop.push(j);
                }
            }
        }
    }
    drop
}

/// Merges `flags` into `target.<triple>.rustflags` (array or string form) of a cargo config
/// document, replacing any other linker-selecting flag, and sets `target.<triple>.linker` when
/// `linker` is given. When the target has no rustflags yet, `seed` is written first: cargo uses
/// target rustflags *instead of* `build.rustflags`, so those must be carried over.
pub(crate) fn merge_target_flags(
    doc: &mut DocumentMut,
    triple: &str,
    linker: Option<&str>,
    flags: &[String],
    seed: &[String],
) -> Result<bool, ShapeError> {
    let path = ["target", triple];
    let mut changed = false;
    if let Some(linker) = linker {
        changed |= set_key(doc, &path, "linker", Some(&Value::from(linker)))?;
    }
    let existing = table_ref(doc, &path)
        .and_then(|t| t.get("rustflags"))
        .cloned();
    match existing {
        None => {
            let mut array = Array::new();
            for flag in seed.iter().chain(flags) {
                array.push(flag.as_str());
            }
            table_mut(doc, &path)?;
            insert_new(doc, &path, "rustflags", Item::Value(Value::Array(array)));
            changed = true;
        }
        Some(Item::Value(Value::Array(array))) => {
            let current: Vec<String> = array
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            let dropped = without_linker_flags(&current);
            let kept: Vec<&String> = current
                .iter()
                .enumerate()
                .filter(|(i, _)| !dropped.contains(i))
                .map(|(_, f)| f)
                .collect();
            let mut wanted: Vec<&String> = kept.clone();
            wanted.extend(flags);
            if wanted
                .iter()
                .map(|s| s.as_str())
                .ne(current.iter().map(String::as_str))
            {
                let table = table_mut(doc, &path)?;
                let Some(Item::Value(Value::Array(array))) = table.get_mut("rustflags") else {
                    unreachable!("checked above")
                };
                for i in dropped.iter().rev() {
                    array.remove(*i);
                }
                for flag in flags {
                    array.push(flag.as_str());
                }
                changed = true;
            }
        }
        Some(Item::Value(Value::String(s))) => {
            let current: Vec<String> = s.value().split_whitespace().map(str::to_owned).collect();
            let dropped = without_linker_flags(&current);
            let mut wanted: Vec<String> = current
                .iter()
                .enumerate()
                .filter(|(i, _)| !dropped.contains(i))
                .map(|(_, f)| f.clone())
                .collect();
            wanted.extend(flags.iter().cloned());
            if wanted != current {
                changed |= set_key(
                    doc,
                    &path,
                    "rustflags",
                    Some(&Value::from(wanted.join(" "))),
                )?;
            }
        }
        Some(_) => {
            return Err(shape(
                &["target", triple, "rustflags"],
                "it is neither an array nor a string",
            ));
        }
    }
    Ok(changed)
}

/// Keys an inherited dependency may keep (cargo's `TomlInheritedDependency`).
const INHERITED_KEYS: &[&str] = &[
    "workspace",
    "features",
    "optional",
    "public",
    "default-features",
    "default_features",
];

/// Keys that say where a dependency comes from; the workspace entry carries them.
pub(crate) const SOURCE_KEYS: &[&str] = &[
    "version", "path", "git", "branch", "tag", "rev", "registry", "package",
];

/// Rewrites dependency `key` of the table at `table_path` to `{ workspace = true, … }`, keeping
/// `features`, `optional` and `public`, dropping the source keys, and writing
/// `default-features = true` only when `default_features` says so.
pub(crate) fn inherit_dependency(
    doc: &mut DocumentMut,
    table_path: &[&str],
    key: &str,
    default_features: Option<bool>,
) -> Result<bool, ShapeError> {
    let mut full: Vec<&str> = table_path.to_vec();
    full.push(key);
    let item = table_ref(doc, table_path)
        .and_then(|t| t.get(key))
        .ok_or_else(|| shape(&full, "the dependency is not declared there"))?;
    if let Some(t) = item.as_table_like() {
        let df = t
            .get("default-features")
            .or_else(|| t.get("default_features"))
            .and_then(Item::as_bool);
        let done = t.get("workspace").and_then(Item::as_bool) == Some(true)
            && t.iter().all(|(k, _)| INHERITED_KEYS.contains(&k))
            && df == default_features;
        if done {
            return Ok(false);
        }
        if let Some((k, _)) = t
            .iter()
            .find(|(k, _)| !INHERITED_KEYS.contains(k) && !SOURCE_KEYS.contains(k))
        {
            return Err(shape(
                &full,
                format!("`{k}` cannot be written on an inherited dependency"),
            ));
        }
    }
    if matches!(item, Item::Table(_)) {
        // `[dependencies.rand]` or dotted keys: one key a line, each with its comments.
        if table_ref(doc, &full)
            .and_then(|t| t.get("workspace"))
            .and_then(Item::as_bool)
            != Some(true)
        {
            insert_new(doc, &full, "workspace", Item::Value(Value::from(true)));
        }
        for k in SOURCE_KEYS
            .iter()
            .chain(&["default-features", "default_features"])
        {
            if table_ref(doc, &full).is_some_and(|t| t.contains_key(k)) {
                remove(doc, &full, k)?;
            }
        }
        if default_features == Some(true) {
            insert_new(
                doc,
                &full,
                "default-features",
                Item::Value(Value::from(true)),
            );
        }
        return Ok(true);
    }
    let table = table_mut(doc, table_path)?;
    let item = table.get_mut(key).expect("checked above");
    match item {
        Item::Value(Value::InlineTable(old)) => {
            let mut new = InlineTable::new();
            new.insert("workspace", Value::from(true));
            for (k, v) in old.iter() {
                if matches!(k, "features" | "optional" | "public") {
                    let formatted = old
                        .key(k)
                        .cloned()
                        .unwrap_or_else(|| toml_edit::Key::new(k));
                    new.insert_formatted(&formatted, v.clone());
                }
            }
            if default_features == Some(true) {
                new.insert("default-features", Value::from(true));
            }
            // The space before `}` belongs to the old last value; it moves to the new last one.
            let closing = old
                .iter()
                .last()
                .and_then(|(_, v)| v.decor().suffix().cloned());
            let count = new.len();
            for (i, (_, value)) in new.iter_mut().enumerate() {
                let decor = value.decor_mut();
                if i + 1 == count {
                    if let Some(closing) = &closing {
                        decor.set_suffix(closing.clone());
                    }
                } else if decor
                    .suffix()
                    .and_then(|s| s.as_str())
                    .is_some_and(|s| s.trim().is_empty())
                {
                    decor.set_suffix("");
                }
            }
            *new.decor_mut() = old.decor().clone();
            *old = new;
        }
        Item::Value(old) => {
            let mut new = InlineTable::new();
            new.insert("workspace", Value::from(true));
            if default_features == Some(true) {
                new.insert("default-features", Value::from(true));
            }
            let mut new = Value::InlineTable(new);
            *new.decor_mut() = old.decor().clone();
            *old = new;
        }
        _ => return Err(shape(&full, "it is neither a version string nor a table")),
    }
    Ok(true)
}

/// Sets `[workspace.dependencies.<key>]` so that it has every one of `fields` (other keys of an
/// existing entry are kept). A lone `version` is written as a plain string.
pub(crate) fn set_workspace_dependency(
    doc: &mut DocumentMut,
    key: &str,
    fields: &[(String, serde_json::Value)],
) -> Result<bool, ShapeError> {
    let path = ["workspace", "dependencies"];
    let existing = table_ref(doc, &path).and_then(|t| t.get(key));
    match existing {
        None => {
            let value = if let [(name, serde_json::Value::String(req))] = fields
                && name == "version"
            {
                Value::from(req.as_str())
            } else {
                let mut table = InlineTable::new();
                for (k, v) in fields {
                    if let Some(v) = json_to_value(v) {
                        table.insert(k, v);
                    }
                }
                Value::InlineTable(table)
            };
            table_mut(doc, &path)?;
            insert_new(doc, &path, key, Item::Value(value));
            Ok(true)
        }
        Some(item) => {
            let current = item_to_json(item);
            let wanted = |k: &str, v: &serde_json::Value| match &current {
                serde_json::Value::String(req) => k == "version" && v.as_str() == Some(req),
                serde_json::Value::Object(map) => map.get(k) == Some(v),
                _ => false,
            };
            if fields.iter().all(|(k, v)| wanted(k, v)) {
                return Ok(false);
            }
            let table = table_mut(doc, &path)?;
            let item = table.get_mut(key).expect("checked above");
            if let Item::Value(Value::String(req)) = item {
                let mut inline = InlineTable::new();
                inline.insert("version", Value::from(req.value().as_str()));
                let mut new = Value::InlineTable(inline);
                *new.decor_mut() = req.decor().clone();
                *item = Item::Value(new);
            }
            let mut full = path.to_vec();
            full.push(key);
            let entry = item
                .as_table_like_mut()
                .ok_or_else(|| shape(&full, "it is not a table"))?;
            for (k, v) in fields {
                let value = json_to_value(v);
                match (entry.get_mut(k), value) {
                    (Some(Item::Value(old)), Some(mut new)) => {
                        *new.decor_mut() = old.decor().clone();
                        *old = new;
                    }
                    (_, Some(new)) => {
                        entry.insert(k, Item::Value(new));
                    }
                    (_, None) => {
                        entry.remove(k);
                    }
                }
            }
            Ok(true)
        }
    }
}

/// Removes `[workspace.dependencies.<key>]`.
pub(crate) fn remove_workspace_dependency(
    doc: &mut DocumentMut,
    key: &str,
) -> Result<bool, ShapeError> {
    let path = ["workspace", "dependencies"];
    if table_ref(doc, &path).is_none_or(|t| t.get(key).is_none()) {
        return Ok(false);
    }
    remove(doc, &path, key)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::WILD_FLAGS;

    fn edit(text: &str, f: impl FnOnce(&mut DocumentMut) -> bool) -> String {
        let mut doc: DocumentMut = text.parse().unwrap();
        f(&mut doc);
        doc.to_string()
    }

    #[test]
    fn set_key_moves_the_old_values_comment_above_it_and_keeps_every_other_byte() {
        let text = "# top\n[profile.dev]\nopt-level = 0   # keep\n# why\ndebug = true # full\n\n[profile.release]\nlto = \"fat\"\n";
        let out = edit(text, |d| {
            set_key(
                d,
                &["profile", "dev"],
                "debug",
                Some(&Value::from("line-tables-only")),
            )
            .unwrap()
        });
        assert_eq!(
            out,
            text.replace(
                "debug = true # full",
                "# was `debug = true`: full\ndebug = \"line-tables-only\""
            )
        );
        // Without a comment there is nothing to move; indentation is kept.
        let text = "[profile.dev]\n  debug = true\n  opt-level = 0 #\n";
        let out = edit(text, |d| {
            set_key(d, &["profile", "dev"], "debug", Some(&Value::from(1))).unwrap()
                && set_key(d, &["profile", "dev"], "opt-level", Some(&Value::from(1))).unwrap()
        });
        assert_eq!(
            out,
            "[profile.dev]\n  debug = 1\n  # was `opt-level = 0`\n  opt-level = 1\n"
        );
    }

    #[test]
    fn set_key_creates_nested_profile_tables_in_cargo_style() {
        let text = "[package]\nname = \"a\"\n";
        let out = edit(text, |d| {
            set_key(
                d,
                &["profile", "dev", "package", "*"],
                "debug",
                Some(&Value::from(false)),
            )
            .unwrap()
        });
        assert_eq!(
            out,
            "[package]\nname = \"a\"\n\n[profile.dev.package.\"*\"]\ndebug = false\n"
        );
    }

    #[test]
    fn same_value_written_differently_is_no_change() {
        let mut doc: DocumentMut = "[profile.dev]\ndebug = 'line-tables-only'\n"
            .parse()
            .unwrap();
        assert!(
            !set_key(
                &mut doc,
                &["profile", "dev"],
                "debug",
                Some(&Value::from("line-tables-only"))
            )
            .unwrap()
        );
        assert!(!set_key(&mut doc, &["profile", "dev"], "lto", None).unwrap());
    }

    #[test]
    fn linker_flags_replace_other_linker_flags_and_keep_the_rest() {
        let text = "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-C\", \"target-cpu=native\", \"-C\", \"link-arg=-fuse-ld=gold\"]\n";
        let flags = vec!["-C".to_owned(), "link-arg=-fuse-ld=mold".to_owned()];
        let mut doc: DocumentMut = text.parse().unwrap();
        assert!(
            merge_target_flags(&mut doc, "x86_64-unknown-linux-gnu", None, &flags, &[]).unwrap()
        );
        let once = doc.to_string();
        assert_eq!(
            once,
            "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-C\", \"target-cpu=native\", \"-C\", \"link-arg=-fuse-ld=mold\"]\n"
        );
        assert!(
            !merge_target_flags(&mut doc, "x86_64-unknown-linux-gnu", None, &flags, &[]).unwrap()
        );
    }

    #[test]
    fn switching_linkers_replaces_every_linker_option_and_is_idempotent() {
        // What `try` measures on a toolchain whose default is rust-lld, written as `apply` writes it.
        let wild: Vec<String> = WILD_FLAGS.iter().map(|f| (*f).to_owned()).collect();
        let mold: Vec<String> = ["-C", "linker-features=-lld", "-Clink-arg=-fuse-ld=mold"]
            .map(str::to_owned)
            .to_vec();
        let mut doc: DocumentMut =
            "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-Ctarget-cpu=native\"]\n"
                .parse()
                .unwrap();
        let triple = "x86_64-unknown-linux-gnu";
        assert!(merge_target_flags(&mut doc, triple, None, &wild, &[]).unwrap());
        assert!(!merge_target_flags(&mut doc, triple, None, &wild, &[]).unwrap());
        assert!(merge_target_flags(&mut doc, triple, None, &mold, &[]).unwrap());
        assert_eq!(
            doc.to_string(),
            "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-Ctarget-cpu=native\", \"-C\", \"linker-features=-lld\", \"-Clink-arg=-fuse-ld=mold\"]\n"
        );
        assert!(!merge_target_flags(&mut doc, triple, None, &mold, &[]).unwrap());
    }

    #[test]
    fn linker_flags_seed_a_new_target_table_from_build_rustflags() {
        let text = "[build]\nrustflags = [\"--cfg\", \"tokio_unstable\"]\n";
        let flags = vec!["-C".to_owned(), "link-arg=-fuse-ld=lld".to_owned()];
        let seed = vec!["--cfg".to_owned(), "tokio_unstable".to_owned()];
        let out = edit(text, |d| {
            merge_target_flags(d, "x86_64-unknown-linux-gnu", None, &flags, &seed).unwrap()
        });
        assert_eq!(
            out,
            "[build]\nrustflags = [\"--cfg\", \"tokio_unstable\"]\n\n[target.x86_64-unknown-linux-gnu]\nrustflags = [\"--cfg\", \"tokio_unstable\", \"-C\", \"link-arg=-fuse-ld=lld\"]\n"
        );
    }

    #[test]
    fn inherit_keeps_features_optional_and_comments() {
        let text = "[dependencies]\n# why\nrand = { version = \"0.8\", default-features = false, features = [\"std\"], optional = true } # trailing\nserde = \"1\"\n";
        let out = edit(text, |d| {
            inherit_dependency(d, &["dependencies"], "rand", None).unwrap()
        });
        assert_eq!(
            out,
            "[dependencies]\n# why\nrand = { workspace = true, features = [\"std\"], optional = true } # trailing\nserde = \"1\"\n"
        );
        let out = edit(text, |d| {
            inherit_dependency(d, &["dependencies"], "serde", Some(true)).unwrap()
        });
        assert!(
            out.contains("serde = { workspace = true, default-features = true }\n"),
            "{out}"
        );
    }

    #[test]
    fn inherit_rewrites_header_tables_and_is_idempotent() {
        let text = "[dependencies.rand]\nversion = \"0.8\" # v\nfeatures = [\"std\"]\n";
        let mut doc: DocumentMut = text.parse().unwrap();
        assert!(inherit_dependency(&mut doc, &["dependencies"], "rand", None).unwrap());
        let once = doc.to_string();
        // The comment after the removed version stays, saying what it was about.
        assert_eq!(
            once,
            "[dependencies.rand]\n# was `version = \"0.8\"`: v\nfeatures = [\"std\"]\nworkspace = true\n"
        );
        assert!(!inherit_dependency(&mut doc, &["dependencies"], "rand", None).unwrap());
    }

    #[test]
    fn workspace_dependency_goes_after_the_workspace_tables() {
        let text = "[workspace]\nmembers = [\"a\"]\n\n[workspace.package]\nedition = \"2021\"\n\n[profile.dev]\ndebug = 0\n";
        let fields = vec![("version".to_owned(), serde_json::json!("1"))];
        let out = edit(text, |d| {
            set_workspace_dependency(d, "serde", &fields).unwrap()
        });
        assert_eq!(
            out,
            "[workspace]\nmembers = [\"a\"]\n\n[workspace.package]\nedition = \"2021\"\n\n[workspace.dependencies]\nserde = \"1\"\n\n[profile.dev]\ndebug = 0\n"
        );
    }
}
