//! `cargo tune apply`: the findings (or a plan's steps) selected, turned into one change set
//! against the workspace as it is, shown as a plan and a diff, and written as one verified,
//! journaled transaction when asked.

use std::path::PathBuf;

use cargo_tune_schema::{
    ApplyMode, ApplyReport, Direction, Finding, LeftOutChange, SuggestedChange, Suggestion,
};

use super::{Selector, closest_id, select};
use crate::analysis::Policy;
use crate::cargo::Invocation;
use crate::cargo::metadata::MetadataSource;
use crate::change::ModelInputs;
use crate::edit::{EditPlan, Journal, Transaction, Verification, git};
use crate::vocab::{Events, Failure};
use crate::workspace::{BuildEnv, LoadOptions};

/// What to apply, and whether to write it.
#[derive(Debug, Clone)]
pub struct ApplyRequest {
    /// Which workspace, and how cargo is called.
    pub invocation: Invocation,
    /// Finding codes and ids.
    pub selection: Vec<Selector>,
    /// Every warning and error.
    pub all: bool,
    /// The chosen steps of a decision record instead of findings.
    pub plan: Option<PathBuf>,
    /// Dry run, check, or execute.
    pub mode: ApplyMode,
    /// Edit files with uncommitted changes.
    pub allow_dirty: bool,
    /// Findings from a captured audit instead of auditing now.
    pub findings: Option<PathBuf>,
    /// The feature a `dylib=PKG` selection is written behind.
    pub feature: Option<String>,
    /// What `--all` takes besides faster builds and smaller lockfiles (`--include hygiene`).
    pub include: Vec<Direction>,
}

/// What `--all` applies unless told otherwise: what makes builds faster, including a smaller
/// lockfile (fewer versions to compile). Tidier manifests change no build, and a faster program
/// costs build time; both are applied when included or named.
const ALL_TAKES: &[Direction] = &[Direction::FasterBuild, Direction::SmallerLockfile];

/// The option that includes suggestions of a direction `--all` leaves out.
pub fn include_option(direction: Direction) -> &'static str {
    match direction {
        Direction::TidierManifests => "--include hygiene",
        Direction::FasterProgram => "--include faster-program",
        _ => "--include",
    }
}

/// The plan, and the report of what was done with it.
#[derive(Debug)]
pub struct Applied {
    /// The edits.
    pub plan: EditPlan,
    /// The machine-readable account.
    pub report: ApplyReport,
}

impl Applied {
    /// What to tell on stderr after the report: how to undo, or how to write.
    pub fn closing_note(&self) -> Option<String> {
        let files = self.plan.touched_files().len();
        match self.report.mode {
            ApplyMode::Execute if self.report.applied => Some(format!(
                "applied; `cargo tune undo` restores the previous files ({files} changed)"
            )),
            ApplyMode::DryRun if !self.plan.is_empty() => Some(format!(
                "dry run: nothing was written; to write {}, run the same command with --execute (`cargo tune undo` reverts it)",
                match files {
                    1 => "this file".to_owned(),
                    n => format!("these {n} files"),
                }
            )),
            _ => None,
        }
    }

    /// Exit 1 for `--check` with anything pending.
    pub fn result(&self) -> Result<(), Failure> {
        if self.report.mode == ApplyMode::Check && !self.plan.is_empty() {
            Err(Failure::CheckFailed)
        } else {
            Ok(())
        }
    }
}

/// Plans the edits and, in execute mode, writes them.
pub fn run(request: &ApplyRequest, events: &mut dyn Events) -> Result<Applied, Failure> {
    request.run(events)
}

impl ApplyRequest {
    fn run(&self, events: &mut dyn Events) -> Result<Applied, Failure> {
        if self.selection.is_empty() && !self.all && self.plan.is_none() {
            return Err(Failure::Usage {
                message: "name the findings to apply (codes or ids as `cargo tune audit` prints them), or pass --all"
                    .to_owned(),
            });
        }
        let dylib: Vec<&str> = self
            .selection
            .iter()
            .filter_map(|s| match s {
                Selector::Dylib(p) => Some(p.as_str()),
                _ => None,
            })
            .collect();
        if !dylib.is_empty() && (self.selection.len() > 1 || self.all || self.plan.is_some()) {
            return Err(Failure::usage(
                "apply dylib=PKG alone: it writes a crate and a feature, not a finding's suggestion",
            ));
        }
        if self.feature.is_some() && dylib.is_empty() {
            return Err(Failure::usage(
                "--feature names the feature a `dylib=PKG` selection is written behind",
            ));
        }
        let cwd = self.invocation.cwd.clone();
        let load = LoadOptions {
            source: MetadataSource::Cargo(self.invocation.cargo.clone()),
            manifest_path: self.invocation.cargo.manifest_path.clone(),
            cwd: cwd.clone(),
            env: BuildEnv::capture(),
            // A saved findings file needs no unit graph.
            unit_graphs: self.findings.is_none(),
            read_only: false,
        };
        if let Some(package) = dylib.first() {
            let Some(feature) = &self.feature else {
                return Err(Failure::usage(format!(
                    "dylib={package} is written only behind a feature you name, never by default: add --feature NAME (for instance --feature dylib-{package})"
                )));
            };
            let (model, _env) = crate::audit::load_and_probe(load)?;
            let cancel = events.cancel();
            let plan = crate::measure::dylib::apply_plan(
                &model,
                &self.invocation.cargo,
                package,
                feature,
                &cancel,
            )?;
            return self.finish(&model, plan, vec![format!("dylib={package}")], events);
        }
        let mut left_out = Vec::new();
        // A record whose workspace moved on since it was measured: what the move changed.
        let mut stale_plan = None;
        let (model, env, selected, suggestions) = match &self.plan {
            Some(path) => {
                let (model, env) = crate::audit::load_and_probe(load)?;
                let PlanSteps {
                    selected,
                    suggestions,
                    moved,
                } = plan_steps(&cwd.join(path), &model.root, &env, events)?;
                stale_plan = moved.map(|differences| (path.clone(), differences));
                (model, env, selected, suggestions)
            }
            None => {
                let (model, env, findings) = match &self.findings {
                    Some(path) => {
                        let findings = read_findings(&cwd.join(path))?;
                        let (model, env) = crate::audit::load_and_probe(load)?;
                        (model, env, findings)
                    }
                    None => {
                        let audit = crate::audit::audit(
                            load,
                            &Policy::default(),
                            env!("CARGO_PKG_VERSION"),
                        )?;
                        (audit.model, audit.env, audit.report.findings)
                    }
                };
                let chosen = self.choose(&findings, events)?;
                let selected: Vec<String> = chosen.iter().map(|f| f.id.clone()).collect();
                let mut suggestions: Vec<(String, Suggestion)> = Vec::new();
                for finding in &chosen {
                    let named = self.selection.iter().any(|s| s.matches(finding));
                    for suggestion in &finding.suggestions {
                        match self.left_out(named, suggestion) {
                            Some(direction) => left_out.push(LeftOutChange {
                                finding: finding.id.clone(),
                                summary: suggestion.summary.clone(),
                                direction,
                                include: include_option(direction).to_owned(),
                            }),
                            None => suggestions.push((finding.id.clone(), suggestion.clone())),
                        }
                    }
                }
                (model, env, selected, suggestions)
            }
        };
        let mut linkers: Vec<String> = Vec::new();
        for (_, suggestion) in &suggestions {
            if let SuggestedChange::UseLinker { linker } = &suggestion.change
                && !linkers.contains(linker)
            {
                linkers.push(linker.clone());
            }
        }
        let linkers =
            crate::probe::linker_setups(&linkers, &env, std::env::var_os("PATH").as_deref());
        let inputs = ModelInputs::new(&model, &env.rustc.host, &env.host_cfg, linkers);
        let named: Vec<(&str, &Suggestion)> =
            suggestions.iter().map(|(id, s)| (id.as_str(), s)).collect();
        let plan = crate::plan::change_set_of(&named, &inputs.inputs(), &crate::edit::read_file)
            .map_err(|e| Failure::Setup {
                message: format!("failed to plan the edits: {e}"),
                source: None,
            })?;
        let mut plan = plan;
        plan.left_out = left_out;
        // Applying the record is what moves the workspace on: when its steps are all in effect,
        // that is the fixed point, not a stale record. Anything still to write would rest on
        // measurements of another workspace.
        if let Some((path, differences)) = stale_plan {
            if !plan.is_empty() {
                return Err(measured_elsewhere(&path, "workspace state", &differences));
            }
            events.note(&format!(
                "every step of the plan {} is in effect: nothing to change",
                path.display()
            ));
        }
        if plan.runs_commands() {
            let mut options = self.invocation.cargo.clone();
            options.manifest_path = None;
            options.env = model.cargo_env();
            crate::edit::check_updates(&mut plan, &options);
        }
        self.finish(&model, plan, selected, events)
    }

    /// Reports the plan and, in execute mode, writes it.
    fn finish(
        &self,
        model: &crate::workspace::WorkspaceModel,
        plan: EditPlan,
        selected: Vec<String>,
        events: &mut dyn Events,
    ) -> Result<Applied, Failure> {
        let mode = self.mode;
        let mut report = plan.report(env!("CARGO_PKG_VERSION"), mode, selected);
        if mode == ApplyMode::Execute && !plan.is_empty() {
            if !self.allow_dirty {
                let dirty =
                    git::dirty_files(&model.root, &plan.touched_files()).map_err(|source| {
                        Failure::Setup {
                            message: "failed to ask git for uncommitted changes".to_owned(),
                            source: Some(Box::new(source)),
                        }
                    })?;
                if !dirty.is_empty() {
                    return Err(Failure::Refused {
                        message: format!(
                            "the files to edit have uncommitted changes: {}\n\
                             commit or stash them first, or pass --allow-dirty (`cargo tune undo` still reverts the edit)",
                            dirty.join(", ")
                        ),
                    });
                }
            }
            let journal = Journal::in_target_dir(&model.metadata.target_directory);
            let mut options = self.invocation.cargo.clone();
            options.manifest_path = None;
            options.env = model.cargo_env();
            let verification = Verification::CargoMetadata {
                options: options.clone(),
                locked: true,
                no_deps: false,
            };
            let cancel = events.cancel();
            let applied = Transaction::new(&plan, journal, verification, options)
                .with_interrupt(&cancel)
                .execute()?;
            report.applied = true;
            report.journal = Some(applied.journal_entry.display().to_string());
        }
        Ok(Applied { plan, report })
    }

    /// The direction that leaves `suggestion` out: one `--all` took (not `named`) whose
    /// direction `--all` does not apply and `--include` does not add. A suggestion without a
    /// direction (what only a person can do) stays, to be listed as skipped.
    fn left_out(&self, named: bool, suggestion: &Suggestion) -> Option<Direction> {
        if named {
            return None;
        }
        let direction = suggestion.direction.or_else(|| {
            crate::change::Change::from_suggestion(&suggestion.change)
                .ok()
                .map(|c| c.direction())
        })?;
        (!ALL_TAKES.contains(&direction) && !self.include.contains(&direction)).then_some(direction)
    }

    /// The findings the selection names; an id that names none is a usage error.
    fn choose<'f>(
        &self,
        findings: &'f [Finding],
        events: &mut dyn Events,
    ) -> Result<Vec<&'f Finding>, Failure> {
        let (chosen, unmatched) = select(findings, &self.selection, self.all);
        for selector in unmatched {
            match selector {
                // A valid code with no finding here: the workspace may already be fixed.
                Selector::Code(code) => {
                    events.warning(&format!("no `{code}` finding in this workspace"));
                }
                Selector::Dylib(_) => {}
                // An id names one finding; one that is not there is a mistake.
                Selector::Id(id) => {
                    let hint = match closest_id(&id, findings) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "`cargo tune audit` prints every id".to_owned(),
                    };
                    return Err(Failure::Usage {
                        message: format!("no finding has the id `{id}`; {hint}"),
                    });
                }
            }
        }
        Ok(chosen)
    }
}

/// A suggestion and the finding or plan step that proposed it.
type NamedSuggestion = (String, Suggestion);

/// The refusal of a record measured on another `what`, naming the `differences`.
fn measured_elsewhere(path: &std::path::Path, what: &str, differences: &[String]) -> Failure {
    Failure::Refused {
        message: format!(
            "the plan {} was measured on another {what} ({}); its measurements may not hold here: run `cargo tune plan` again",
            path.display(),
            differences.join("; ")
        ),
    }
}

/// A record's steps, and how the workspace moved since it was measured.
struct PlanSteps {
    selected: Vec<String>,
    suggestions: Vec<NamedSuggestion>,
    moved: Option<Vec<String>>,
}

/// The chosen steps of a decision record, after checking that it was measured on this
/// toolchain, and how the workspace differs from the state it was measured on (`None` when it
/// does not): the caller refuses a moved workspace unless every step is already in effect.
fn plan_steps(
    path: &std::path::Path,
    root: &std::path::Path,
    env: &crate::probe::Environment,
    events: &mut dyn Events,
) -> Result<PlanSteps, Failure> {
    let setup = |what: String| Failure::Setup {
        message: format!("failed to read the plan {}: {what}", path.display()),
        source: None,
    };
    let text = std::fs::read_to_string(path).map_err(|e| setup(e.to_string()))?;
    let record = crate::plan::record::from_toml(&text).map_err(setup)?;
    let now =
        crate::plan::record::fingerprint(root, &env.rustc.version.to_string(), &env.rustc.host);
    let differences = crate::plan::record::differences(&record.fingerprint, &now);
    let toolchain = crate::plan::record::differences(
        &record.fingerprint,
        &cargo_tune_schema::Fingerprint {
            rustc: now.rustc.clone(),
            host: now.host,
            ..record.fingerprint.clone()
        },
    );
    if !toolchain.is_empty() {
        return Err(measured_elsewhere(path, "toolchain", &toolchain));
    }
    if record.partial {
        events.warning(&format!(
            "{} is a partial plan (the search was interrupted); applying the {} step(s) chosen before that",
            path.display(),
            record.steps.len()
        ));
    }
    let mut selected = Vec::new();
    let mut suggestions = Vec::new();
    for step in &record.steps {
        let candidate = record
            .candidates
            .iter()
            .find(|c| c.id == step.candidate)
            .ok_or_else(|| {
                setup(format!(
                    "step `{}` is not among its candidates",
                    step.candidate
                ))
            })?;
        selected.push(candidate.id.clone());
        for change in &candidate.changes {
            suggestions.push((
                candidate.id.clone(),
                Suggestion::new(candidate.summary.clone(), change.clone()),
            ));
        }
    }
    Ok(PlanSteps {
        selected,
        suggestions,
        moved: (!differences.is_empty()).then_some(differences),
    })
}

/// Findings from a captured report: an audit document, or a bare list of findings.
fn read_findings(path: &std::path::Path) -> Result<Vec<Finding>, Failure> {
    let setup = |what: String| Failure::Setup {
        message: format!("failed to read findings from {}: {what}", path.display()),
        source: None,
    };
    let bytes = std::fs::read(path).map_err(|e| setup(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| setup(e.to_string()))?;
    let list = match value {
        serde_json::Value::Object(mut map) => {
            map.remove("findings").unwrap_or(serde_json::Value::Null)
        }
        other => other,
    };
    serde_json::from_value(list).map_err(|e| setup(e.to_string()))
}
