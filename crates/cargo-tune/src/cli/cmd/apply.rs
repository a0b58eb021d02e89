use std::io::Write;
use std::path::PathBuf;

use cargo_tune_core::analysis::Policy;
use cargo_tune_core::apply::{Selector, closest_id, select};
use cargo_tune_core::cargo::metadata::MetadataSource;
use cargo_tune_core::change::ModelInputs;
use cargo_tune_core::edit::{EditPlan, Journal, Transaction, Verification, git};
use cargo_tune_core::report::render_json;
use cargo_tune_core::text::Styles;
use cargo_tune_core::workspace::{BuildEnv, LoadOptions};
use cargo_tune_schema::{ApplyMode, Finding, SuggestedChange, Suggestion};

use crate::cli::common::{Format, ManifestOptions, OutputOptions, current_dir};
use crate::errors::ExpectedError;
use crate::output::{OutputContext, deliver};

/// `cargo tune apply`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without --execute nothing is written: the plan and its diff are printed. \
    `cargo tune undo` reverts the last apply."
)]
pub(crate) struct ApplyArgs {
    /// Findings to apply: finding codes (`debuginfo-in-dev`) or ids (`debuginfo-in-dev:dev`) as
    /// `cargo tune audit` prints them.
    #[arg(value_name = "SELECTION", value_parser = Selector::parse, conflicts_with = "plan")]
    selection: Vec<Selector>,

    /// Apply the suggestions of every warning and error; notes are applied only when named,
    /// alone or next to --all.
    #[arg(long, conflicts_with = "plan")]
    all: bool,

    /// Apply exactly the chosen steps of a `cargo tune plan` decision record; refused when the
    /// toolchain, Cargo.lock, the root Cargo.toml or the git commit differ from when it was
    /// measured.
    #[arg(long, value_name = "FILE", conflicts_with = "findings")]
    plan: Option<PathBuf>,

    /// Write the changes (the default is a dry run).
    #[arg(long, short = 'x', conflicts_with = "check")]
    execute: bool,

    /// Exit with 1 when anything would change (for CI).
    #[arg(long)]
    check: bool,

    /// Edit files that have uncommitted changes.
    #[arg(long)]
    allow_dirty: bool,

    /// Take the findings from a captured `cargo tune audit --format json` report instead of
    /// auditing now.
    #[arg(long, value_name = "PATH")]
    findings: Option<PathBuf>,

    #[command(flatten)]
    manifest: ManifestOptions,

    #[command(flatten)]
    output: OutputOptions,
}

impl ApplyArgs {
    pub(crate) fn exec(self, ctx: &OutputContext) -> Result<(), ExpectedError> {
        if self.selection.is_empty() && !self.all && self.plan.is_none() {
            return Err(ExpectedError::Usage {
                message: "name the findings to apply (codes or ids as `cargo tune audit` prints them), or pass --all"
                    .to_owned(),
            });
        }
        let destination = self.output.open()?;
        let cwd = current_dir()?;
        let load = LoadOptions {
            source: MetadataSource::Cargo(self.manifest.cargo_options(ctx)),
            manifest_path: self.manifest.manifest_path.clone(),
            cwd: cwd.clone(),
            env: BuildEnv::capture(),
            // A saved findings file needs no unit graph.
            unit_graphs: self.findings.is_none(),
            lockfile_aside: false,
        };
        let (model, env, selected, suggestions) = match &self.plan {
            Some(path) => {
                let (model, env) = cargo_tune_core::audit::load_and_probe(load)?;
                let (selected, suggestions) = plan_steps(&cwd.join(path), &model.root, &env, ctx)?;
                (model, env, selected, suggestions)
            }
            None => {
                let (model, env, findings) = match &self.findings {
                    Some(path) => {
                        let findings = read_findings(&cwd.join(path))?;
                        let (model, env) = cargo_tune_core::audit::load_and_probe(load)?;
                        (model, env, findings)
                    }
                    None => {
                        let audit = cargo_tune_core::audit::audit(
                            load,
                            &Policy::default(),
                            env!("CARGO_PKG_VERSION"),
                        )?;
                        (audit.model, audit.env, audit.report.findings)
                    }
                };
                let chosen = self.choose(&findings, ctx)?;
                let selected: Vec<String> = chosen.iter().map(|f| f.id.clone()).collect();
                let suggestions: Vec<(String, Suggestion)> = chosen
                    .iter()
                    .flat_map(|f| f.suggestions.iter().map(|s| (f.id.clone(), s.clone())))
                    .collect();
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
        let linkers = cargo_tune_core::probe::linker_setups(
            &linkers,
            &env,
            std::env::var_os("PATH").as_deref(),
        );
        let inputs = ModelInputs::new(&model, &env.rustc.host, &env.host_cfg, linkers);
        let named: Vec<(&str, &Suggestion)> =
            suggestions.iter().map(|(id, s)| (id.as_str(), s)).collect();
        let plan = cargo_tune_core::plan::change_set_of(
            &named,
            &inputs.inputs(),
            &cargo_tune_core::edit::read_file,
        )
        .map_err(|e| ExpectedError::Setup {
            message: format!("failed to plan the edits: {e}"),
            source: None,
        })?;
        let mut plan = plan;
        if plan.runs_commands() {
            let mut options = self.manifest.cargo_options(ctx);
            options.manifest_path = None;
            options.env = model.cargo_env();
            cargo_tune_core::edit::check_updates(&mut plan, &options);
        }

        let mode = match (self.execute, self.check) {
            (true, _) => ApplyMode::Execute,
            (false, true) => ApplyMode::Check,
            (false, false) => ApplyMode::DryRun,
        };
        let mut report = plan.report(env!("CARGO_PKG_VERSION"), mode, selected);
        if mode == ApplyMode::Execute && !plan.is_empty() {
            if !self.allow_dirty {
                let dirty =
                    git::dirty_files(&model.root, &plan.touched_files()).map_err(|source| {
                        ExpectedError::Setup {
                            message: "failed to ask git for uncommitted changes".to_owned(),
                            source: Some(Box::new(source)),
                        }
                    })?;
                if !dirty.is_empty() {
                    return Err(ExpectedError::Refused {
                        message: format!(
                            "the files to edit have uncommitted changes: {}\n\
                             commit or stash them first, or pass --allow-dirty (`cargo tune undo` still reverts the edit)",
                            dirty.join(", ")
                        ),
                    });
                }
            }
            let journal = Journal::in_target_dir(&model.metadata.target_directory);
            let mut options = self.manifest.cargo_options(ctx);
            options.manifest_path = None;
            options.env = model.cargo_env();
            let verification = Verification::CargoMetadata {
                options: options.clone(),
                locked: true,
                no_deps: false,
            };
            crate::cli::interrupt::install();
            let applied = Transaction::new(&plan, journal, verification, options)
                .with_interrupt(crate::cli::interrupt::flag())
                .execute()?;
            report.applied = true;
            report.journal = Some(applied.journal_entry.display().to_string());
        }

        let styles = ctx.render_options(destination.is_file()).styles;
        deliver(destination, |out| match self.output.format {
            Format::Json => render_json(&report, out),
            Format::Human => write!(out, "{}", plan.display().styles(styles)),
            Format::Markdown => render_markdown(&plan, out),
        })?;
        match mode {
            ApplyMode::Execute if report.applied => {
                ctx.print_note(&format!(
                    "applied; `cargo tune undo` restores the previous files ({} changed)",
                    plan.touched_files().len()
                ));
            }
            // On stderr, so that stdout stays the plan alone.
            ApplyMode::DryRun if !plan.is_empty() => {
                ctx.print_note(&format!(
                    "dry run: nothing was written; to write {}, run the same command with --execute (`cargo tune undo` reverts it)",
                    match plan.touched_files().len() {
                        1 => "this file".to_owned(),
                        n => format!("these {n} files"),
                    }
                ));
            }
            _ => {}
        }
        if mode == ApplyMode::Check && !plan.is_empty() {
            Err(ExpectedError::CheckFailed)
        } else {
            Ok(())
        }
    }
    /// The findings the selection names; an id that names none is a usage error.
    fn choose<'f>(
        &self,
        findings: &'f [Finding],
        ctx: &OutputContext,
    ) -> Result<Vec<&'f Finding>, ExpectedError> {
        let (chosen, unmatched) = select(findings, &self.selection, self.all);
        for selector in unmatched {
            match selector {
                // A valid code with no finding here: the workspace may already be fixed.
                Selector::Code(code) => {
                    ctx.print_warning(&format!("no `{code}` finding in this workspace"));
                }
                // An id names one finding; one that is not there is a mistake.
                Selector::Id(id) => {
                    let hint = match closest_id(&id, findings) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "`cargo tune audit` prints every id".to_owned(),
                    };
                    return Err(ExpectedError::Usage {
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

/// The chosen steps of a decision record, after checking that it was measured on this
/// toolchain and workspace.
fn plan_steps(
    path: &std::path::Path,
    root: &std::path::Path,
    env: &cargo_tune_core::probe::Environment,
    ctx: &OutputContext,
) -> Result<(Vec<String>, Vec<NamedSuggestion>), ExpectedError> {
    let setup = |what: String| ExpectedError::Setup {
        message: format!("failed to read the plan {}: {what}", path.display()),
        source: None,
    };
    let text = std::fs::read_to_string(path).map_err(|e| setup(e.to_string()))?;
    let record = cargo_tune_core::plan::search::from_toml(&text).map_err(setup)?;
    let now = super::plan::fingerprint(root, &env.rustc.version.to_string(), &env.rustc.host);
    let differences = cargo_tune_core::plan::search::differences(&record.fingerprint, &now);
    if !differences.is_empty() {
        return Err(ExpectedError::Refused {
            message: format!(
                "the plan {} was measured on another toolchain or workspace state ({}); its measurements may not hold here: run `cargo tune plan` again",
                path.display(),
                differences.join("; ")
            ),
        });
    }
    if record.partial {
        ctx.print_warning(&format!(
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
                Suggestion {
                    summary: candidate.summary.clone(),
                    change: change.clone(),
                },
            ));
        }
    }
    Ok((selected, suggestions))
}

fn render_markdown(plan: &EditPlan, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "### cargo tune apply\n")?;
    let text = plan.display().styles(Styles::default()).to_string();
    let (steps, diff) = text.split_once("\n\n").unwrap_or((&text, ""));
    for line in steps.lines() {
        writeln!(out, "- {}", line.trim_start())?;
    }
    if !diff.is_empty() {
        writeln!(out, "\n```diff\n{diff}```")?;
    }
    Ok(())
}

/// Findings from a captured report: an audit document, or a bare list of findings.
fn read_findings(path: &std::path::Path) -> Result<Vec<Finding>, ExpectedError> {
    let setup = |what: String| ExpectedError::Setup {
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
