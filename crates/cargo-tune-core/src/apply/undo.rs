//! `cargo tune undo`: the exact previous bytes of the last apply restored, and of earlier ones
//! in order.

use std::path::{Path, PathBuf};

use cargo_tune_schema::{FORMAT_VERSION, ToolInfo, UndoReport};

use crate::cargo::{CargoCli, Invocation};
use crate::edit::{Journal, undo};
use crate::vocab::Failure;
use crate::workspace::find_manifest;

/// Which workspace to undo in.
#[derive(Debug, Clone)]
pub struct UndoRequest {
    /// Which workspace, and how cargo is called.
    pub invocation: Invocation,
}

/// Undoes the last apply of the workspace.
pub fn run(request: &UndoRequest) -> Result<UndoReport, Failure> {
    let (root, target_dir) = request.locate(&request.invocation.cwd)?;
    let journal = Journal::in_target_dir(&target_dir);
    let undone = undo(&journal, &root)?;
    Ok(UndoReport {
        format_version: FORMAT_VERSION,
        tool: ToolInfo::current(env!("CARGO_PKG_VERSION")),
        workspace_root: root.display().to_string(),
        journal: undone.entry.display().to_string(),
        interrupted_apply: undone.interrupted_apply,
        restored: undone.restored,
        removed: undone.removed,
        remaining: undone.remaining,
    })
}

impl UndoRequest {
    /// The workspace root and its target directory. cargo knows them; when it cannot read the
    /// manifests, the journal is looked for under `target/` of each enclosing directory.
    fn locate(&self, cwd: &Path) -> Result<(PathBuf, PathBuf), Failure> {
        let manifest = find_manifest(self.invocation.cargo.manifest_path.as_deref(), cwd)?;
        let mut options = self.invocation.cargo.clone();
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
