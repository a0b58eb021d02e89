//! Build-time SLOs as declared in `[workspace.metadata.tune.slo]` (or `[package.metadata…]` of
//! a single-package workspace, or `[slo]` of a `tune.toml` next to the root manifest), read
//! from the spanned TOML into a [`SloSpec`] and validated into a [`ValidSloSpec`]. Every error
//! and warning points at the key or value it is about.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cargo_tune_schema::{Location, SloLevel, SloLimit, SloMetric};
use toml_edit::{Document, Item, TableLike, Value};

pub use crate::measure::workload::{Workload, WorkloadRun};
use crate::text::line_col;
use crate::vocab::Scenario;
use crate::workspace::ManifestDoc;

/// The file that may declare SLOs next to the root manifest.
pub const TUNE_TOML: &str = "tune.toml";

/// The default baseline file, next to the root manifest.
pub const DEFAULT_BASELINE: &str = "tune-baseline.json";

/// Keys of the `slo` table that are settings, not scenarios.
const SETTINGS: &[&str] = &["runs", "inconclusive", "baseline", "workload"];
const SUBJECT_KEYS: &[&str] = &["time", "peak-memory", "binary-size", "regression", "level"];
const WORKLOAD_KEYS: &[&str] = &[
    "command",
    "bin",
    "args",
    "profile",
    "timeout",
    "runs",
    "time",
    "peak-memory",
    "regression",
    "level",
];
const METRIC_KEYS: &[&str] = &["time", "peak-memory", "binary-size"];
const DURATION_UNITS: &str = "ms, s, m, h (e.g. \"2s\", \"1.5m\", \"800ms\")";
const SIZE_UNITS: &str = "B, KB, MB, GB, KiB, MiB, GiB (e.g. \"500MiB\", \"1.5GB\")";

/// A workload runs this long at most by default; a hung command must not hang CI.
pub const DEFAULT_WORKLOAD_TIMEOUT: Duration = crate::measure::workload::DEFAULT_TIMEOUT;

/// The unvalidated SLO table, still spanned, with the text it came from.
#[derive(Debug)]
pub struct SloSpec {
    /// File, relative to the workspace root.
    pub rel_path: String,
    /// The dotted path of the table in that file.
    pub table_path: String,
    doc: Document<String>,
    keys: Vec<&'static str>,
}

/// What is wrong with an SLO declaration (boxed: errors are rare, results are many).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError(Box<SpecErrorDetail>);

impl std::ops::Deref for SpecError {
    type Target = SpecErrorDetail;

    fn deref(&self) -> &SpecErrorDetail {
        &self.0
    }
}

/// Where an SLO declaration is wrong, what is wrong, and what would be valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecErrorDetail {
    /// Where.
    pub location: Location,
    /// The dotted key.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// The source line, for the snippet.
    pub line_text: String,
    /// Width of the underlined span, in characters.
    pub width: usize,
    /// What would be valid.
    pub help: Option<String>,
}

impl std::error::Error for SpecError {}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = &self.location;
        writeln!(f, "`{}`: {}", self.key, self.message)?;
        let gutter = " ".repeat(l.line.to_string().len());
        writeln!(f, "{gutter}--> {}:{}:{}", l.path, l.line, l.column)?;
        writeln!(f, "{gutter} |")?;
        writeln!(f, "{} | {}", l.line, self.line_text)?;
        write!(
            f,
            "{gutter} | {}{}",
            " ".repeat(l.column.saturating_sub(1)),
            "^".repeat(self.width.max(1))
        )?;
        if let Some(help) = &self.help {
            write!(f, "\n{gutter} = help: {help}")?;
        }
        Ok(())
    }
}

/// A declaration that is accepted but probably not what was meant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecWarning {
    /// Where.
    pub location: Location,
    /// What.
    pub message: String,
}

impl fmt::Display for SpecWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = &self.location;
        write!(f, "{}:{}:{}: {}", l.path, l.line, l.column, self.message)
    }
}

/// Whether an inconclusive SLO fails the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InconclusivePolicy {
    /// Exit 0 with a notice.
    #[default]
    Pass,
    /// Exit 1, as a violation would.
    Fail,
}

/// What an SLO is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// A build scenario.
    Scenario(Scenario),
    /// A custom workload, by name.
    Workload(String),
}

impl Subject {
    /// `check`, or `workload.<name>`.
    pub fn name(&self) -> String {
        match self {
            Subject::Scenario(s) => s.as_str().to_owned(),
            Subject::Workload(w) => format!("workload.{w}"),
        }
    }
}

/// One validated SLO.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// What it is about.
    pub subject: Subject,
    /// What it limits.
    pub metric: SloMetric,
    /// The limit.
    pub limit: SloLimit,
    /// The limit as written.
    pub limit_text: String,
    /// allow, warn or deny.
    pub level: SloLevel,
    /// Where it is declared.
    pub location: Location,
}

/// A validated SLO spec.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValidSloSpec {
    /// File, relative to the workspace root.
    pub rel_path: String,
    /// Measured runs per subject, if set.
    pub runs: Option<usize>,
    /// Inconclusive outcomes.
    pub inconclusive: InconclusivePolicy,
    /// The baseline file, relative to the workspace root.
    pub baseline: PathBuf,
    /// Every SLO, in declaration order (allowed ones included).
    pub slos: Vec<Slo>,
    /// Workloads, in declaration order.
    pub workloads: Vec<Workload>,
}

impl ValidSloSpec {
    /// SLOs that are checked (not `allow`).
    pub fn active(&self) -> impl Iterator<Item = &Slo> {
        self.slos.iter().filter(|s| s.level != SloLevel::Allow)
    }

    /// The scenarios the active SLOs need, in cargo-tune's scenario order.
    pub fn scenarios(&self) -> Vec<Scenario> {
        let mut out: Vec<Scenario> = self
            .active()
            .filter_map(|s| match &s.subject {
                Subject::Scenario(sc) => Some(*sc),
                Subject::Workload(_) => None,
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The workloads the active SLOs need.
    pub fn needed_workloads(&self) -> Vec<&Workload> {
        self.workloads
            .iter()
            .filter(|w| {
                self.active()
                    .any(|s| s.subject == Subject::Workload(w.name.clone()))
            })
            .collect()
    }
}

impl SloSpec {
    /// The SLO table of the root manifest or of `tune.toml` beside it; `None` when neither
    /// declares one. Declaring SLOs in both places is an error: one would silently win.
    pub fn find(root_manifest: &ManifestDoc, root: &Path) -> Result<Option<SloSpec>, SpecError> {
        let tune = root.join(TUNE_TOML);
        let tune_spec = match std::fs::read_to_string(&tune) {
            Ok(text) => {
                let doc = Document::parse(text.clone()).map_err(|e| {
                    let offset = e.span().map_or(0, |s| s.start);
                    error_at(TUNE_TOML, &text, offset, 1, "slo", e.message().trim(), None)
                })?;
                SloSpec::from_doc(TUNE_TOML, doc, &["slo"])?
            }
            Err(_) => None,
        };
        let mut manifest_spec = None;
        for top in ["workspace", "package"] {
            manifest_spec = SloSpec::from_doc(
                &root_manifest.rel_path,
                root_manifest.doc.clone(),
                &[top, "metadata", "tune", "slo"],
            )?;
            if manifest_spec.is_some() {
                break;
            }
        }
        match (tune_spec, manifest_spec) {
            (Some(_), Some(m)) => {
                let offset = table_offset(m.table());
                Err(error_at(
                    &m.rel_path,
                    m.doc.raw(),
                    offset,
                    1,
                    &m.table_path,
                    "SLOs are declared both here and in tune.toml",
                    Some("keep one of the two".to_owned()),
                ))
            }
            (a, b) => Ok(a.or(b)),
        }
    }

    /// The table at `keys` of `doc`, if it is one.
    /// The table at `keys` of `doc`; `None` when absent, an error when it is not a table.
    pub fn from_doc(
        rel_path: &str,
        doc: Document<String>,
        keys: &[&'static str],
    ) -> Result<Option<Self>, SpecError> {
        let mut item = doc.as_item();
        for key in keys {
            match item.as_table_like().and_then(|t| t.get(key)) {
                Some(next) => item = next,
                None => return Ok(None),
            }
        }
        if item.as_table_like().is_none() {
            let span = item.span().unwrap_or(0..1);
            let width = doc.raw()[span.clone()].chars().count();
            return Err(error_at(
                rel_path,
                doc.raw(),
                span.start,
                width,
                &keys.join("."),
                "expected a table of SLOs",
                Some("e.g. check = \"30s\" under this table; see docs/guard.md".to_owned()),
            ));
        }
        Ok(Some(SloSpec {
            rel_path: rel_path.to_owned(),
            table_path: keys.join("."),
            keys: keys.to_vec(),
            doc,
        }))
    }

    fn table(&self) -> &dyn TableLike {
        let mut item = self.doc.as_item();
        for key in &self.keys {
            item = item
                .as_table_like()
                .and_then(|t| t.get(key))
                .expect("checked in from_doc");
        }
        item.as_table_like().expect("checked in from_doc")
    }

    /// Validates every key; the first error stops, unknown keys become warnings.
    pub fn validate(&self) -> Result<(ValidSloSpec, Vec<SpecWarning>), SpecError> {
        let mut v = Validator {
            spec: self,
            warnings: Vec::new(),
        };
        let out = v.run()?;
        Ok((out, v.warnings))
    }
}

fn error_at(
    rel_path: &str,
    text: &str,
    offset: usize,
    width: usize,
    key: &str,
    message: &str,
    help: Option<String>,
) -> SpecError {
    let (line, column) = line_col(text, offset);
    let line_text = text.lines().nth(line - 1).unwrap_or("").to_owned();
    SpecError(Box::new(SpecErrorDetail {
        location: Location {
            path: rel_path.to_owned(),
            line,
            column,
        },
        key: key.to_owned(),
        message: message.to_owned(),
        line_text,
        width,
        help,
    }))
}

struct Validator<'a> {
    spec: &'a SloSpec,
    warnings: Vec<SpecWarning>,
}

/// Where a key and its value are.
#[derive(Clone, Copy)]
struct At<'t> {
    key_span: Option<(usize, usize)>,
    item: &'t Item,
}

impl Validator<'_> {
    fn text(&self) -> &str {
        self.spec.doc.raw()
    }

    fn location(&self, offset: usize) -> Location {
        let (line, column) = line_col(self.text(), offset);
        Location {
            path: self.spec.rel_path.clone(),
            line,
            column,
        }
    }

    /// An error on the value of `at` (or its key when the value has no span).
    fn error(&self, at: At<'_>, key: &str, message: &str, help: Option<String>) -> SpecError {
        let span = at
            .item
            .span()
            .or(at.key_span.map(|(a, b)| a..b))
            .unwrap_or(0..1);
        let (line, _) = line_col(self.text(), span.start);
        let (end_line, _) = line_col(self.text(), span.end);
        let width = if end_line == line {
            self.text()[span.clone()].chars().count()
        } else {
            1
        };
        self.spec_error(span.start, width, key, message, help)
    }

    /// An error on the key of `at`.
    fn key_error(&self, at: At<'_>, key: &str, message: &str, help: Option<String>) -> SpecError {
        let span = at.key_span.map_or(0..1, |(a, b)| a..b);
        let width = self.text()[span.clone()].chars().count();
        self.spec_error(span.start, width, key, message, help)
    }

    /// An error `width` characters wide at byte `start` of the spec's text.
    fn spec_error(
        &self,
        start: usize,
        width: usize,
        key: &str,
        message: &str,
        help: Option<String>,
    ) -> SpecError {
        error_at(
            &self.spec.rel_path,
            self.text(),
            start,
            width,
            key,
            message,
            help,
        )
    }

    fn entries<'t>(&self, table: &'t dyn TableLike) -> Vec<(String, At<'t>)> {
        table
            .iter()
            .map(|(name, item)| {
                let key_span = table
                    .get_key_value(name)
                    .and_then(|(k, _)| k.span())
                    .map(|r| (r.start, r.end));
                (name.to_owned(), At { key_span, item })
            })
            .collect()
    }

    fn warn_unknown(&mut self, at: At<'_>, key: &str, known: &[&str]) {
        let leaf = key.rsplit('.').next().unwrap_or(key);
        let location = self.location(at.key_span.map_or(0, |s| s.0));
        self.warnings.push(SpecWarning {
            location,
            message: format!(
                "unknown SLO key `{key}` is ignored{}; known keys: {}",
                crate::text::suggest::did_you_mean(leaf, known.iter().copied()),
                known.join(", ")
            ),
        });
    }

    fn run(&mut self) -> Result<ValidSloSpec, SpecError> {
        let table = self.spec.table();
        let prefix = self.spec.table_path.clone();
        let mut out = ValidSloSpec {
            rel_path: self.spec.rel_path.clone(),
            baseline: PathBuf::from(DEFAULT_BASELINE),
            ..ValidSloSpec::default()
        };
        let scenario_names = Scenario::names();
        for (name, at) in self.entries(table) {
            let key = format!("{prefix}.{name}");
            match name.as_str() {
                "runs" => out.runs = Some(self.runs(at, &key)?),
                "inconclusive" => {
                    out.inconclusive = match at.item.as_str() {
                        Some("pass") => InconclusivePolicy::Pass,
                        Some("fail") => InconclusivePolicy::Fail,
                        _ => {
                            return Err(self.error(
                                at,
                                &key,
                                "expected \"pass\" or \"fail\"",
                                None,
                            ));
                        }
                    }
                }
                "baseline" => {
                    let Some(path) = at.item.as_str().filter(|p| !p.is_empty()) else {
                        return Err(self.error(
                            at,
                            &key,
                            "expected a path relative to the workspace root",
                            None,
                        ));
                    };
                    out.baseline = PathBuf::from(path);
                }
                "workload" => {
                    let Some(workloads) = at.item.as_table_like() else {
                        return Err(self.error(
                            at,
                            &key,
                            "expected a table of workloads",
                            Some(format!(
                                "write [{prefix}.workload.<name>] with command = [...] and time = \"5s\""
                            )),
                        ));
                    };
                    for (wname, wat) in self.entries(workloads) {
                        let wkey = format!("{key}.{wname}");
                        self.workload(&wname, wat, &wkey, &mut out)?;
                    }
                }
                other => {
                    let Some(scenario) = Scenario::parse(other) else {
                        let mut known: Vec<&str> = scenario_names.clone();
                        known.extend(SETTINGS);
                        return Err(self.key_error(
                            at,
                            &key,
                            &format!(
                                "unknown scenario `{other}`{}",
                                crate::text::suggest::did_you_mean(other, known.iter().copied())
                            ),
                            Some(format!(
                                "scenarios: {}; settings: {}",
                                scenario_names.join(", "),
                                SETTINGS.join(", ")
                            )),
                        ));
                    };
                    self.subject(Subject::Scenario(scenario), at, &key, &mut out)?;
                }
            }
        }
        Ok(out)
    }

    fn runs(&self, at: At<'_>, key: &str) -> Result<usize, SpecError> {
        at.item
            .as_integer()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| self.error(at, key, "expected a whole number of runs, 1 or more", None))
    }

    /// A scenario entry: `check = "30s"` or a table of limits.
    fn subject(
        &mut self,
        subject: Subject,
        at: At<'_>,
        key: &str,
        out: &mut ValidSloSpec,
    ) -> Result<(), SpecError> {
        if at.item.as_str().is_some() {
            let slo = self.limit(subject, SloMetric::Time, at, key, SloLevel::Deny)?;
            out.slos.push(slo);
            return Ok(());
        }
        let Some(table) = at.item.as_table_like() else {
            return Err(self.error(
                at,
                key,
                "expected a time limit (\"30s\") or a table of limits",
                Some(
                    "e.g. { time = \"30s\", peak-memory = \"2GiB\", regression = \"+10%\" }"
                        .to_owned(),
                ),
            ));
        };
        self.limits(&subject, table, key, SUBJECT_KEYS, out)
    }

    /// The limit keys of a scenario or workload table.
    fn limits(
        &mut self,
        subject: &Subject,
        table: &dyn TableLike,
        key: &str,
        known: &[&str],
        out: &mut ValidSloSpec,
    ) -> Result<(), SpecError> {
        let entries = self.entries(table);
        let level = match entries.iter().find(|(n, _)| n == "level") {
            Some((_, at)) => match at.item.as_str() {
                Some("allow") => SloLevel::Allow,
                Some("warn") => SloLevel::Warn,
                Some("deny") => SloLevel::Deny,
                _ => {
                    return Err(self.error(
                        *at,
                        &format!("{key}.level"),
                        "expected \"allow\", \"warn\" or \"deny\"",
                        None,
                    ));
                }
            },
            None => SloLevel::Deny,
        };
        let is_workload = matches!(subject, Subject::Workload(_));
        let mut declared = 0;
        for (name, at) in &entries {
            let k = format!("{key}.{name}");
            let metric = match name.as_str() {
                "time" => SloMetric::Time,
                "peak-memory" => SloMetric::PeakMemory,
                "binary-size" if !is_workload => SloMetric::BinarySize,
                "regression" => {
                    declared += self.regressions(subject, *at, &k, level, out)?;
                    continue;
                }
                n if known.contains(&n) => continue,
                _ => {
                    self.warn_unknown(*at, &k, known);
                    continue;
                }
            };
            let slo = self.limit(subject.clone(), metric, *at, &k, level)?;
            out.slos.push(slo);
            declared += 1;
        }
        if declared == 0 {
            let location = self.location(table_offset(table));
            self.warnings.push(SpecWarning {
                location,
                message: format!(
                    "`{key}` declares no limit; add time, peak-memory{} or regression",
                    if is_workload { "" } else { ", binary-size" }
                ),
            });
        }
        Ok(())
    }

    /// `regression = "+10%"` (time) or `regression = { time = "+10%", peak-memory = "+20%" }`.
    fn regressions(
        &mut self,
        subject: &Subject,
        at: At<'_>,
        key: &str,
        level: SloLevel,
        out: &mut ValidSloSpec,
    ) -> Result<usize, SpecError> {
        if at.item.as_str().is_some() {
            let fraction = self.percent(at, key)?;
            out.slos.push(self.slo(
                subject.clone(),
                SloMetric::Time,
                SloLimit::Regression { fraction },
                at,
                level,
            ));
            return Ok(1);
        }
        let Some(table) = at.item.as_table_like() else {
            return Err(self.error(
                at,
                key,
                "expected a percentage (\"+10%\") or a table of them per metric",
                None,
            ));
        };
        let metrics: &[&str] = if matches!(subject, Subject::Workload(_)) {
            &METRIC_KEYS[..2]
        } else {
            METRIC_KEYS
        };
        let mut n = 0;
        for (name, mat) in self.entries(table) {
            let k = format!("{key}.{name}");
            let metric = match name.as_str() {
                "time" => SloMetric::Time,
                "peak-memory" => SloMetric::PeakMemory,
                "binary-size" if metrics.len() == 3 => SloMetric::BinarySize,
                _ => {
                    self.warn_unknown(mat, &k, metrics);
                    continue;
                }
            };
            let fraction = self.percent(mat, &k)?;
            out.slos.push(self.slo(
                subject.clone(),
                metric,
                SloLimit::Regression { fraction },
                mat,
                level,
            ));
            n += 1;
        }
        Ok(n)
    }

    fn slo(
        &self,
        subject: Subject,
        metric: SloMetric,
        limit: SloLimit,
        at: At<'_>,
        level: SloLevel,
    ) -> Slo {
        Slo {
            subject,
            metric,
            limit,
            limit_text: at.item.as_str().unwrap_or_default().to_owned(),
            level,
            location: self.location(
                at.key_span
                    .map(|s| s.0)
                    .or(at.item.span().map(|s| s.start))
                    .unwrap_or(0),
            ),
        }
    }

    fn limit(
        &self,
        subject: Subject,
        metric: SloMetric,
        at: At<'_>,
        key: &str,
        level: SloLevel,
    ) -> Result<Slo, SpecError> {
        let Some(text) = at.item.as_str() else {
            return Err(self.error(
                at,
                key,
                &format!("expected a string with a unit for {}", metric.as_str()),
                Some(match metric {
                    SloMetric::Time => format!("valid units: {DURATION_UNITS}"),
                    _ => format!("valid units: {SIZE_UNITS}"),
                }),
            ));
        };
        let value = match metric {
            SloMetric::Time => crate::text::duration::parse(text)
                .map(|d| d.as_secs_f64())
                .map_err(|e| (e, DURATION_UNITS)),
            _ => crate::text::size::parse_size(text)
                .map(|b| b as f64)
                .map_err(|e| (e, SIZE_UNITS)),
        }
        .map_err(|(e, units)| {
            self.error(
                at,
                key,
                &format!("invalid {} `{text}`: {e}", metric_noun(metric)),
                Some(format!("valid units: {units}")),
            )
        })?;
        if matches!(
            subject,
            Subject::Scenario(Scenario::Check | Scenario::TestRun | Scenario::NextestRun)
        ) && metric == SloMetric::BinarySize
        {
            return Err(self.error(
                at,
                key,
                "this scenario links no binary to measure",
                Some(
                    "binary-size applies to dev-clean, dev-incremental and release-clean"
                        .to_owned(),
                ),
            ));
        }
        if matches!(subject, Subject::Scenario(Scenario::TestBuild))
            && metric == SloMetric::BinarySize
        {
            return Err(self.error(
                at,
                key,
                "test binaries are not measured for size",
                Some(
                    "binary-size applies to dev-clean, dev-incremental and release-clean"
                        .to_owned(),
                ),
            ));
        }
        Ok(self.slo(subject, metric, SloLimit::Absolute { value }, at, level))
    }

    fn percent(&self, at: At<'_>, key: &str) -> Result<f64, SpecError> {
        let help = Some("write a percentage over the baseline, e.g. \"+10%\"".to_owned());
        let Some(text) = at.item.as_str() else {
            return Err(self.error(at, key, "expected a percentage string", help));
        };
        parse_percent(text).map_err(|e| {
            self.error(
                at,
                key,
                &format!("invalid regression limit `{text}`: {e}"),
                help,
            )
        })
    }

    fn workload(
        &mut self,
        name: &str,
        at: At<'_>,
        key: &str,
        out: &mut ValidSloSpec,
    ) -> Result<(), SpecError> {
        let Some(table) = at.item.as_table_like() else {
            return Err(self.error(at, key, "expected a table", None));
        };
        let get = |k: &str| {
            table.get_key_value(k).map(|(kk, item)| At {
                key_span: kk.span().map(|r| (r.start, r.end)),
                item,
            })
        };
        let strings = |v: &Validator<'_>, at: At<'_>, k: &str| -> Result<Vec<String>, SpecError> {
            let arr = at
                .item
                .as_array()
                .ok_or_else(|| v.error(at, k, "expected an array of strings", None))?;
            arr.iter()
                .map(|x| x.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| v.error(at, k, "expected an array of strings", None))
        };
        let run = match (get("command"), get("bin")) {
            (Some(_), Some(b)) => {
                return Err(self.key_error(
                    b,
                    &format!("{key}.bin"),
                    "a workload has either `command` or `bin`, not both",
                    None,
                ));
            }
            (Some(c), None) => match c.item.as_value() {
                Some(Value::String(s)) if !s.value().trim().is_empty() => {
                    WorkloadRun::Shell(s.value().clone())
                }
                Some(Value::Array(_)) => {
                    let argv = strings(self, c, &format!("{key}.command"))?;
                    if argv.is_empty() {
                        return Err(self.error(
                            c,
                            &format!("{key}.command"),
                            "the command is empty",
                            None,
                        ));
                    }
                    WorkloadRun::Argv(argv)
                }
                _ => {
                    return Err(self.error(
                        c,
                        &format!("{key}.command"),
                        "expected an array of strings (run as is) or a string (run by `sh -c`)",
                        None,
                    ));
                }
            },
            (None, Some(b)) => {
                let Some(bin) = b.item.as_str().filter(|s| !s.is_empty()) else {
                    return Err(self.error(
                        b,
                        &format!("{key}.bin"),
                        "expected the name of a binary target",
                        None,
                    ));
                };
                let args = match get("args") {
                    Some(a) => strings(self, a, &format!("{key}.args"))?,
                    None => Vec::new(),
                };
                let profile = match get("profile") {
                    Some(p) => p
                        .item
                        .as_str()
                        .filter(|s| !s.is_empty())
                        .ok_or_else(|| {
                            self.error(
                                p,
                                &format!("{key}.profile"),
                                "expected a profile name",
                                None,
                            )
                        })?
                        .to_owned(),
                    None => "release".to_owned(),
                };
                WorkloadRun::Bin {
                    name: bin.to_owned(),
                    args,
                    profile,
                }
            }
            (None, None) => {
                return Err(self.key_error(
                    at,
                    key,
                    "a workload needs `command` or `bin`",
                    Some("command = [\"./target/release/tool\", \"input.txt\"], or bin = \"tool\" with args = [...]".to_owned()),
                ));
            }
        };
        let timeout = match get("timeout") {
            Some(t) => {
                let k = format!("{key}.timeout");
                let text = t.item.as_str().ok_or_else(|| {
                    self.error(
                        t,
                        &k,
                        "expected a duration",
                        Some(format!("valid units: {DURATION_UNITS}")),
                    )
                })?;
                crate::text::duration::parse(text).map_err(|e| {
                    self.error(
                        t,
                        &k,
                        &format!("invalid duration `{text}`: {e}"),
                        Some(format!("valid units: {DURATION_UNITS}")),
                    )
                })?
            }
            None => DEFAULT_WORKLOAD_TIMEOUT,
        };
        let runs = match get("runs") {
            Some(r) => Some(self.runs(r, &format!("{key}.runs"))?),
            None => None,
        };
        out.workloads.push(Workload {
            name: name.to_owned(),
            run,
            timeout,
            runs,
        });
        self.limits(
            &Subject::Workload(name.to_owned()),
            table,
            key,
            WORKLOAD_KEYS,
            out,
        )
    }
}

fn table_offset(table: &dyn TableLike) -> usize {
    table
        .iter()
        .next()
        .and_then(|(k, _)| table.get_key_value(k))
        .and_then(|(k, _)| k.span())
        .map_or(0, |s| s.start)
}

fn metric_noun(metric: SloMetric) -> &'static str {
    match metric {
        SloMetric::Time => "duration",
        SloMetric::PeakMemory | SloMetric::BinarySize => "size",
    }
}

/// `"+10%"` or `"10%"` → `0.1`.
pub fn parse_percent(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let body = t
        .strip_suffix('%')
        .ok_or_else(|| "expected a percentage ending in %".to_owned())?;
    let body = body.strip_prefix('+').unwrap_or(body).trim();
    let value: f64 = body
        .parse()
        .map_err(|_| "expected a number before %".to_owned())?;
    if !value.is_finite() || value < 0.0 {
        return Err("expected a non-negative percentage".to_owned());
    }
    Ok(value / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(text: &str) -> ManifestDoc {
        ManifestDoc::parse(
            Path::new("/ws/Cargo.toml"),
            Path::new("/ws"),
            text.to_owned(),
        )
        .unwrap()
    }

    fn validate(slo: &str) -> Result<(ValidSloSpec, Vec<SpecWarning>), SpecError> {
        let text = format!("[workspace]\nmembers = []\n\n[workspace.metadata.tune.slo]\n{slo}");
        let m = manifest(&text);
        SloSpec::find(&m, Path::new("/nonexistent-dir"))
            .unwrap()
            .expect("a spec")
            .validate()
    }

    #[test]
    fn sizes_and_percentages_parse() {
        assert_eq!(crate::text::size::parse_size("500MiB").unwrap(), 500 << 20);
        assert_eq!(
            crate::text::size::parse_size("1.5GB").unwrap(),
            1_500_000_000
        );
        assert!((parse_percent("+10%").unwrap() - 0.1).abs() < 1e-12);
        assert!((parse_percent("25%").unwrap() - 0.25).abs() < 1e-12);
        assert!(crate::text::size::parse_size("12 MiBs").is_err());
        assert!(parse_percent("10").is_err());
    }

    #[test]
    fn a_full_spec_validates_in_declaration_order() {
        let (spec, warnings) = validate(
            r#"runs = 3
inconclusive = "fail"
check = "30s"
dev-incremental = { time = "2s", regression = "+10%", level = "warn" }
release-clean = { binary-size = "20MiB", peak-memory = "1.5GiB", regression = { binary-size = "+5%" } }

[workspace.metadata.tune.slo.workload.triples]
command = ["./target/release/conv", "--n", "1000"]
time = "5s"
timeout = "1m"
"#,
        )
        .unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(spec.runs, Some(3));
        assert_eq!(spec.inconclusive, InconclusivePolicy::Fail);
        assert_eq!(spec.baseline, PathBuf::from(DEFAULT_BASELINE));
        let names: Vec<(String, SloMetric, bool)> = spec
            .slos
            .iter()
            .map(|s| {
                (
                    s.subject.name(),
                    s.metric,
                    matches!(s.limit, SloLimit::Regression { .. }),
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![
                ("check".to_owned(), SloMetric::Time, false),
                ("dev-incremental".to_owned(), SloMetric::Time, false),
                ("dev-incremental".to_owned(), SloMetric::Time, true),
                ("release-clean".to_owned(), SloMetric::BinarySize, false),
                ("release-clean".to_owned(), SloMetric::PeakMemory, false),
                ("release-clean".to_owned(), SloMetric::BinarySize, true),
                ("workload.triples".to_owned(), SloMetric::Time, false),
            ]
        );
        assert_eq!(spec.slos[1].level, SloLevel::Warn);
        assert_eq!(spec.slos[0].limit, SloLimit::Absolute { value: 30.0 });
        assert_eq!(spec.slos[0].location.line, 7);
        assert_eq!(
            spec.scenarios(),
            vec![
                Scenario::Check,
                Scenario::DevIncremental,
                Scenario::ReleaseClean
            ]
        );
        assert_eq!(spec.workloads[0].timeout, Duration::from_secs(60));
        assert_eq!(
            spec.workloads[0].run,
            WorkloadRun::Argv(vec![
                "./target/release/conv".into(),
                "--n".into(),
                "1000".into()
            ])
        );
    }

    #[test]
    fn a_unit_typo_points_at_the_value_and_lists_the_units() {
        let err = validate("check = \"30s\"\ndev-incremental = \"2 sec\"\n").unwrap_err();
        assert_eq!(err.key, "workspace.metadata.tune.slo.dev-incremental");
        assert_eq!((err.location.line, err.location.column), (6, 19));
        assert_eq!(err.width, "\"2 sec\"".len());
        assert!(
            err.message.contains("unknown unit `sec`"),
            "{}",
            err.message
        );
        let text = err.to_string();
        assert!(text.contains("--> Cargo.toml:6:19"), "{text}");
        assert!(text.contains("dev-incremental = \"2 sec\""), "{text}");
        assert!(text.contains("                  ^^^^^^^"), "{text}");
        assert!(text.contains("ms, s, m, h"), "{text}");

        let err = validate("check = { peak-memory = \"500 MiBs\" }\n").unwrap_err();
        assert!(err.to_string().contains("KiB, MiB, GiB"), "{err}");
        let err = validate("check = { regression = \"10\" }\n").unwrap_err();
        assert!(err.to_string().contains("+10%"), "{err}");
    }

    #[test]
    fn an_unknown_scenario_is_an_error_with_a_suggestion() {
        let err = validate("dev-incrmental = \"2s\"\n").unwrap_err();
        assert!(
            err.message
                .contains("unknown scenario `dev-incrmental`; did you mean `dev-incremental`?"),
            "{}",
            err.message
        );
        assert_eq!((err.location.line, err.location.column), (5, 1));
        assert!(err.help.as_ref().unwrap().contains("release-clean"));
    }

    #[test]
    fn unknown_keys_warn_with_their_location() {
        let (spec, warnings) = validate("check = { time = \"30s\", tmie = \"1s\" }\n").unwrap();
        assert_eq!(spec.slos.len(), 1);
        assert_eq!(warnings.len(), 1);
        let w = &warnings[0];
        assert_eq!((w.location.line, w.location.column), (5, 25));
        assert!(w.message.contains("did you mean `time`?"), "{}", w.message);
    }

    #[test]
    fn binary_size_of_check_and_workloads_without_command_are_errors() {
        let err = validate("check = { binary-size = \"1MiB\" }\n").unwrap_err();
        assert!(err.message.contains("links no binary"), "{}", err.message);
        let err =
            validate("[workspace.metadata.tune.slo.workload.x]\ntime = \"1s\"\n").unwrap_err();
        assert!(
            err.message.contains("`command` or `bin`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn allowed_slos_need_no_measurement() {
        let (spec, _) =
            validate("check = { time = \"1s\", level = \"allow\" }\ndev-clean = \"9s\"\n").unwrap();
        assert_eq!(spec.scenarios(), vec![Scenario::DevClean]);
    }

    #[test]
    fn tune_toml_and_the_manifest_cannot_both_declare_slos() {
        let dir = tempfile::tempdir().unwrap();
        crate::fsutil::write_atomic(&dir.path().join(TUNE_TOML), b"[slo]\ncheck = \"1s\"\n")
            .unwrap();
        let m = manifest("[workspace]\n");
        let spec = SloSpec::find(&m, dir.path()).unwrap().unwrap();
        assert_eq!(spec.rel_path, TUNE_TOML);
        let (valid, _) = spec.validate().unwrap();
        assert_eq!(valid.slos[0].location.path, TUNE_TOML);
        let m = manifest("[workspace]\n[workspace.metadata.tune.slo]\ncheck = \"1s\"\n");
        let err = SloSpec::find(&m, dir.path()).unwrap_err();
        assert!(err.message.contains("both"), "{err}");
    }

    #[test]
    fn an_slo_value_that_is_not_a_table_is_an_error() {
        let m = manifest("[package]\nname = \"x\"\n[package.metadata.tune]\nslo = \"30s\"\n");
        let err = SloSpec::find(&m, Path::new("/nonexistent-dir")).unwrap_err();
        assert_eq!(err.key, "package.metadata.tune.slo");
        assert_eq!((err.location.line, err.location.column), (4, 7));
        assert!(err.message.contains("expected a table"), "{err}");
    }
}
