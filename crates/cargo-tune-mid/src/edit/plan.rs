//! The edit plan: every operation applied in memory, so that it can be shown, diffed, checked
//! and then written as one transaction.

use std::fmt;
use std::path::{Path, PathBuf};

use cargo_tune_schema::{
    ApplyMode, ApplyReport, FORMAT_VERSION, FileDiff, LeftOutChange, PlannedChange, SkippedChange,
    ToolInfo,
};
use toml_edit::DocumentMut;

use super::ops::EditOp;
use super::toml::{self, ShapeError};
use crate::errors::LoadError;
use crate::text::{Styles, paint};
use crate::workspace::relative_path;

/// One selected suggestion and its operations.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedStep {
    /// The finding it comes from, if any.
    pub finding: Option<String>,
    /// What it does, in one sentence.
    pub summary: String,
    /// Its operations.
    pub ops: Vec<EditOp>,
    /// What the operations leave out or change beyond the summary, one sentence each.
    pub notes: Vec<String>,
}

/// The new content of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    /// Absolute path.
    pub path: PathBuf,
    /// Path relative to the workspace root.
    pub rel_path: String,
    /// The bytes read when planning; `None` when the file does not exist yet.
    pub before: Option<String>,
    /// The bytes to write.
    pub after: String,
}

/// Why a plan could not be made. Nothing has been written.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A file could not be read or parsed (the error names file:line:col).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// An operation does not fit the file's structure.
    #[error("edit {}: {source}", path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// What is in the way.
        #[source]
        source: ShapeError,
    },
}

/// Edits computed in memory: steps with their operations, the resulting file contents and the
/// commands to run. Nothing is written until a [`super::Transaction`] executes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EditPlan {
    /// Workspace root.
    pub root: PathBuf,
    /// Steps that change something, in order.
    pub steps: Vec<PlannedStep>,
    /// Files whose bytes change, in the order they are first edited.
    pub files: Vec<FileChange>,
    /// `cargo update` operations, run after the files are written.
    pub commands: Vec<EditOp>,
    /// Selected suggestions that are not applied, with the reason.
    pub skipped: Vec<SkippedChange>,
    /// Suggestions `--all` left out because of what they improve.
    pub left_out: Vec<LeftOutChange>,
}

struct Working {
    path: PathBuf,
    before: Option<String>,
    doc: DocumentMut,
}

/// Files edited in memory: what each held when first read, and its document now. Operations are
/// applied in order, so each sees the ones before it.
#[derive(Default)]
pub struct WorkingFiles {
    files: Vec<Working>,
}

impl WorkingFiles {
    /// Applies `op` to its file, which `load` reads on first touch (`None`: it does not exist
    /// yet). `Ok(false)` when the operation is already in place.
    pub fn apply(
        &mut self,
        op: &EditOp,
        load: &dyn Fn(&Path) -> Result<Option<String>, PlanError>,
    ) -> Result<bool, PlanError> {
        let path = op.file();
        let index = match self.files.iter().position(|f| f.path == path) {
            Some(i) => i,
            None => {
                let before = load(&path)?;
                let doc = match &before {
                    Some(text) => text
                        .parse::<DocumentMut>()
                        .map_err(|e| LoadError::toml(path.clone(), text, &e))?,
                    None => DocumentMut::new(),
                };
                self.files.push(Working {
                    path: path.clone(),
                    before,
                    doc,
                });
                self.files.len() - 1
            }
        };
        apply_op(&mut self.files[index].doc, op).map_err(|source| PlanError::Shape { path, source })
    }

    /// The text of `path` as edited so far, if it was touched.
    pub fn text(&self, path: &Path) -> Option<String> {
        self.files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.doc.to_string())
    }

    fn into_changes(self, root: &Path) -> Vec<FileChange> {
        self.files
            .into_iter()
            .filter_map(|w| {
                let after = w.doc.to_string();
                (w.before.as_deref() != Some(after.as_str())).then(|| FileChange {
                    rel_path: relative_path(&w.path, root),
                    path: w.path,
                    before: w.before,
                    after,
                })
            })
            .collect()
    }
}

impl EditPlan {
    /// Reads every file the operations touch, applies the operations in memory and keeps the
    /// steps that change something.
    pub fn new(
        root: &Path,
        steps: Vec<PlannedStep>,
        skipped: Vec<SkippedChange>,
    ) -> Result<EditPlan, PlanError> {
        let mut files = WorkingFiles::default();
        let mut kept = Vec::new();
        let mut commands = Vec::new();
        for step in steps {
            let mut changed = false;
            for op in &step.ops {
                if let EditOp::CargoUpdate { .. } = op {
                    commands.push(op.clone());
                    changed = true;
                    continue;
                }
                changed |= files.apply(op, &read_file)?;
            }
            if changed {
                kept.push(step);
            }
        }
        Ok(EditPlan::assemble(root, kept, files, commands, skipped))
    }

    /// A plan from steps already applied to `files`.
    pub fn assemble(
        root: &Path,
        steps: Vec<PlannedStep>,
        files: WorkingFiles,
        commands: Vec<EditOp>,
        skipped: Vec<SkippedChange>,
    ) -> EditPlan {
        EditPlan {
            root: root.to_owned(),
            steps,
            files: files.into_changes(root),
            commands,
            skipped,
            left_out: Vec::new(),
        }
    }

    /// A plan of bare operations, one step each.
    pub fn from_ops(root: &Path, ops: Vec<EditOp>) -> Result<EditPlan, PlanError> {
        let steps = ops
            .into_iter()
            .map(|op| PlannedStep {
                finding: None,
                summary: op.describe(root),
                ops: vec![op],
                notes: Vec::new(),
            })
            .collect();
        EditPlan::new(root, steps, Vec::new())
    }

    /// Whether there is nothing to write and nothing to run.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.commands.is_empty()
    }

    /// Whether the plan changes dependencies (so `Cargo.lock` may legitimately change).
    pub fn runs_commands(&self) -> bool {
        !self.commands.is_empty()
    }

    /// Every file the transaction may write: the edited files, and `Cargo.lock` when a command
    /// rewrites it.
    pub fn touched_files(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self.files.iter().map(|f| f.path.clone()).collect();
        for op in &self.commands {
            let lock = op.file();
            if !paths.contains(&lock) {
                paths.push(lock);
            }
        }
        paths
    }

    /// The plan for people: one line per step and its edits.
    pub fn display(&self) -> PlanDisplay<'_> {
        PlanDisplay {
            plan: self,
            styles: Styles::default(),
        }
    }

    /// A unified diff of every file change, `a/` and `b/` relative to the workspace root.
    pub fn unified_diff(&self) -> String {
        self.files
            .iter()
            .map(|f| file_diff(f, &Styles::default()))
            .collect()
    }

    /// The JSON document.
    pub fn report(&self, version: &str, mode: ApplyMode, selected: Vec<String>) -> ApplyReport {
        ApplyReport {
            format_version: FORMAT_VERSION,
            tool: ToolInfo::current(version),
            workspace_root: self.root.display().to_string(),
            mode,
            selected,
            pending: !self.is_empty(),
            applied: false,
            changes: self
                .steps
                .iter()
                .map(|s| PlannedChange {
                    finding: s.finding.clone(),
                    summary: s.summary.clone(),
                    edits: s.ops.iter().map(|op| op.describe(&self.root)).collect(),
                    notes: s.notes.clone(),
                })
                .collect(),
            files: self
                .files
                .iter()
                .map(|f| FileDiff {
                    path: f.rel_path.clone(),
                    created: f.before.is_none(),
                    diff: file_diff(f, &Styles::default()),
                })
                .collect(),
            commands: self
                .commands
                .iter()
                .map(|op| op.describe(&self.root))
                .collect(),
            skipped: self.skipped.clone(),
            left_out: self.left_out.clone(),
            journal: None,
        }
    }
}

/// The bytes of a file to edit; a cargo configuration file is created on first use, a manifest
/// never is.
pub fn read_file(path: &Path) -> Result<Option<String>, PlanError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && path.file_name().is_some_and(|n| n != "Cargo.toml") =>
        {
            Ok(None)
        }
        Err(source) => Err(LoadError::Read {
            path: path.to_owned(),
            source,
        }
        .into()),
    }
}

/// Applies one operation to its document; `Ok(false)` when it is already in place.
fn apply_op(doc: &mut DocumentMut, op: &EditOp) -> Result<bool, ShapeError> {
    match op {
        EditOp::ProfileSet {
            profile,
            package,
            build_override,
            key,
            value,
            ..
        } => {
            let path = crate::workspace::profiles::table_path(
                profile,
                package.as_deref(),
                *build_override,
            );
            toml::set_key(
                doc,
                &path,
                key,
                crate::text::toml_json::json_to_value(value).as_ref(),
            )
        }
        EditOp::ConfigSet { key, value, .. } => {
            let Some((last, table)) = key.split_last() else {
                return Err(ShapeError {
                    path: String::new(),
                    reason: "the key is empty".to_owned(),
                });
            };
            let table: Vec<&str> = table.iter().map(String::as_str).collect();
            toml::set_key(
                doc,
                &table,
                last,
                crate::text::toml_json::json_to_value(value).as_ref(),
            )
        }
        EditOp::TargetLinker {
            triple,
            linker,
            flags,
            seed,
            ..
        } => toml::merge_target_flags(doc, triple, linker.as_deref(), flags, seed),
        EditOp::WorkspaceDependencySet { key, fields, .. } => {
            toml::set_workspace_dependency(doc, key, fields)
        }
        EditOp::InheritDependency {
            table,
            key,
            default_features,
            ..
        } => {
            let table: Vec<&str> = table.iter().map(String::as_str).collect();
            toml::inherit_dependency(doc, &table, key, *default_features)
        }
        EditOp::RemoveWorkspaceDependency { key, .. } => {
            toml::remove_workspace_dependency(doc, key)
        }
        EditOp::CargoUpdate { .. } => Ok(true),
    }
}

fn file_diff(f: &FileChange, styles: &Styles) -> String {
    let before = f.before.as_deref().unwrap_or("");
    let diff = similar::TextDiff::from_lines(before, f.after.as_str());
    let old = if f.before.is_some() {
        format!("a/{}", f.rel_path)
    } else {
        "/dev/null".to_owned()
    };
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&old, &format!("b/{}", f.rel_path))
        .to_string();
    if styles.bold == anstyle::Style::new() {
        return text;
    }
    text.lines()
        .map(|line| {
            let style = match line.as_bytes().first() {
                Some(b'+') if !line.starts_with("+++") => styles.good,
                Some(b'-') if !line.starts_with("---") => styles.error,
                Some(b'@') => styles.literal,
                _ => anstyle::Style::new(),
            };
            format!("{}\n", paint(style, line))
        })
        .collect()
}

/// One sentence per option that would include left-out suggestions: how many, what they
/// improve, the option, and the findings (to name some instead).
pub fn left_out_summary(left_out: &[LeftOutChange]) -> Vec<String> {
    let mut options: Vec<(&str, cargo_tune_schema::Direction, usize, Vec<&str>)> = Vec::new();
    for left in left_out {
        let at = match options.iter().position(|o| o.0 == left.include) {
            Some(at) => at,
            None => {
                options.push((&left.include, left.direction, 0, Vec::new()));
                options.len() - 1
            }
        };
        let option = &mut options[at];
        option.2 += 1;
        if !option.3.contains(&left.finding.as_str()) {
            option.3.push(&left.finding);
        }
    }
    options
        .into_iter()
        .map(|(option, direction, count, ids)| {
            let why = match direction {
                cargo_tune_schema::Direction::TidierManifests => "no effect on build time",
                cargo_tune_schema::Direction::FasterProgram => "at a cost in build time",
                _ => "not what --all applies",
            };
            // A long list is cut: the JSON report has every one.
            const SHOWN: usize = 8;
            let mut named = ids[..ids.len().min(SHOWN)].join(", ");
            if ids.len() > SHOWN {
                named.push_str(&format!(" and {} more", ids.len() - SHOWN));
            }
            format!(
                "{count} suggestion{} for {} ({why}); add `{option}` to apply {}, or name the findings: {named}",
                if count == 1 { "" } else { "s" },
                direction.as_str(),
                if count == 1 { "it" } else { "them" },
            )
        })
        .collect()
}

/// [`EditPlan::display`]: steps, skipped suggestions and the diff.
#[derive(Debug)]
pub struct PlanDisplay<'a> {
    plan: &'a EditPlan,
    styles: Styles,
}

impl PlanDisplay<'_> {
    /// Colours the output.
    pub fn styles(mut self, styles: Styles) -> Self {
        self.styles = styles;
        self
    }
}

impl fmt::Display for PlanDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.styles;
        let plan = self.plan;
        if plan.is_empty() {
            writeln!(f, "{} nothing to change", paint(s.good, "ok:"))?;
        }
        for step in &plan.steps {
            match &step.finding {
                Some(id) => writeln!(
                    f,
                    "{} {}",
                    paint(s.bold, &step.summary),
                    paint(s.dim, format!("({id})"))
                )?,
                None => writeln!(f, "{}", paint(s.bold, &step.summary))?,
            }
            for op in &step.ops {
                writeln!(f, "  {}", op.describe(&plan.root))?;
            }
            for note in &step.notes {
                writeln!(f, "  {} {note}", paint(s.dim, "note:"))?;
            }
        }
        for skipped in &plan.skipped {
            let id = skipped
                .finding
                .as_deref()
                .map(|id| format!(" ({id})"))
                .unwrap_or_default();
            writeln!(
                f,
                "{} {}{id}: {}",
                paint(s.warning, "skipped:"),
                skipped.summary,
                skipped.reason
            )?;
        }
        for line in left_out_summary(&plan.left_out) {
            writeln!(f, "{} {line}", paint(s.warning, "left out:"))?;
        }
        if !plan.files.is_empty() {
            writeln!(f)?;
            for file in &plan.files {
                f.write_str(&file_diff(file, s))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_util::write;

    /// A directory with `manifest` as its Cargo.toml.
    fn workspace(manifest: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("Cargo.toml"), manifest);
        dir
    }

    fn profile(root: &Path, key: &str, value: serde_json::Value) -> EditOp {
        EditOp::ProfileSet {
            manifest: root.join("Cargo.toml"),
            profile: "dev".into(),
            package: None,
            build_override: false,
            key: key.into(),
            value,
        }
    }

    #[test]
    fn plan_shows_a_diff_and_a_config_file_to_create() {
        let dir = workspace("[workspace]\n\n[profile.dev]\ndebug = true # slow\n");
        let root = dir.path();
        let ops = vec![
            profile(root, "debug", serde_json::json!("line-tables-only")),
            EditOp::ConfigSet {
                file: root.join(".cargo/config.toml"),
                key: vec!["build".into(), "jobs".into()],
                value: serde_json::json!(4),
            },
        ];
        let plan = EditPlan::from_ops(root, ops).unwrap();
        assert!(!plan.is_empty());
        assert_eq!(
            plan.unified_diff(),
            "--- a/Cargo.toml\n+++ b/Cargo.toml\n@@ -1,4 +1,5 @@\n [workspace]\n \n [profile.dev]\n-debug = true # slow\n+# was `debug = true`: slow\n+debug = \"line-tables-only\"\n\
             --- /dev/null\n+++ b/.cargo/config.toml\n@@ -0,0 +1,2 @@\n+[build]\n+jobs = 4\n"
        );
        let shown = plan.display().to_string();
        assert!(
            shown.contains("Cargo.toml: set profile.dev.debug = \"line-tables-only\""),
            "{shown}"
        );
        let report = plan.report("0.0.0", ApplyMode::DryRun, vec![]);
        assert!(report.files[1].created);
    }

    #[test]
    fn malformed_toml_names_file_line_and_column() {
        let dir = workspace("[workspace]\n[profile.dev\ndebug = 1\n");
        let root = dir.path();
        let err = EditPlan::from_ops(root, vec![profile(root, "debug", serde_json::json!(0))])
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("Cargo.toml:2:"), "{text}");
    }

    #[test]
    fn steps_already_in_place_are_dropped() {
        let dir = workspace("[workspace]\n[profile.dev]\ndebug = 0\n");
        let root = dir.path();
        let plan = EditPlan::from_ops(
            root,
            vec![
                profile(root, "debug", serde_json::json!(0)),
                profile(root, "lto", serde_json::Value::Null),
            ],
        )
        .unwrap();
        assert!(plan.is_empty());
        assert!(plan.steps.is_empty());
        assert_eq!(plan.display().to_string(), "ok: nothing to change\n");
    }
}
