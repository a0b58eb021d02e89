use std::path::{Path, PathBuf};

use cargo_tune_core::cargo::CargoCli;
use cargo_tune_core::edit::{Journal, undo};
use cargo_tune_core::report::render_json;
use cargo_tune_core::workspace::find_manifest;
use cargo_tune_schema::{FORMAT_VERSION, ToolInfo, UndoReport};

use crate::cli::common::{Format, ManifestOptions, OutputOptions, current_dir};
use crate::errors::ExpectedError;
use crate::output::{OutputContext, deliver};

/// `cargo tune undo`.
#[derive(Debug, clap::Args)]
pub(crate) struct UndoArgs {
    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    output: OutputOptions,
}

impl UndoArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        let destination = self.output.open()?;
        let cwd = current_dir()?;
        let (root, target_dir) = self.locate(ctx, &cwd)?;
        let journal = Journal::in_target_dir(&target_dir);
        let undone = undo(&journal, &root)?;
        let report = UndoReport {
            format_version: FORMAT_VERSION,
            tool: ToolInfo::current(env!("CARGO_PKG_VERSION")),
            workspace_root: root.display().to_string(),
            journal: undone.entry.display().to_string(),
            interrupted_apply: undone.interrupted_apply,
            restored: undone.restored,
            removed: undone.removed,
            remaining: undone.remaining,
        };
        deliver(destination, |out| match self.output.format {
            Format::Json => render_json(&report, out),
            Format::Human | Format::Markdown => {
                if report.interrupted_apply {
                    writeln!(out, "recovered an interrupted apply")?;
                }
                for path in &report.restored {
                    writeln!(out, "restored {path}")?;
                }
                for path in &report.removed {
                    writeln!(out, "removed {path}")?;
                }
                if report.restored.is_empty() && report.removed.is_empty() {
                    writeln!(out, "every file already held its previous bytes")?;
                }
                match report.remaining {
                    0 => writeln!(out, "no earlier apply left to undo"),
                    1 => writeln!(out, "1 earlier apply left to undo"),
                    n => writeln!(out, "{n} earlier applies left to undo"),
                }
            }
        })
    }

    /// The workspace root and its target directory. cargo knows them; when it cannot read the
    /// manifests, the journal is looked for under `target/` of each enclosing directory.
    fn locate(&self, ctx: &OutputContext, cwd: &Path) -> Result<(PathBuf, PathBuf), ExpectedError> {
        let manifest = find_manifest(self.manifest.manifest_path.as_deref(), cwd)?;
        let mut options = self.manifest.cargo_options(ctx);
        options.manifest_path = Some(manifest.clone());
        let cli = CargoCli::new(&["metadata"], &options).args(["--format-version=1", "--no-deps"]);
        if let Ok(output) = cli.output()
            && let Ok(json) = serde_json::from_slice::<serde_json::Value>(&output.stdout)
            && let (Some(root), Some(target)) = (
                json["workspace_root"].as_str(),
                json["target_directory"].as_str(),
            )
        {
            return Ok((PathBuf::from(root), PathBuf::from(target)));
        }
        let start = manifest.parent().unwrap_or(cwd);
        for dir in start.ancestors() {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map_or_else(|| dir.join("target"), PathBuf::from);
            let journal = Journal::in_target_dir(&target);
            if dir.join("Cargo.toml").is_file() && journal.entries(dir).is_ok_and(|e| !e.is_empty())
            {
                return Ok((dir.to_owned(), target));
            }
        }
        let root = start.to_owned();
        Ok((root.clone(), root.join("target")))
    }
}
