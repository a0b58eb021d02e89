//! Reads the report `cargo build --timings` writes (`cargo-timing.html`).
//!
//! The report embeds `const UNIT_DATA = [...];`, one object per unit. Its fields drift between
//! cargo versions (`unlocked_*` became `unblocked_*` in 1.93; `rmeta_time` gave way to
//! `sections` in 1.94; `mode` is the literal `"todo"` from 1.94 on), so every dialect is
//! recognised by the fields present and an unknown one is an error naming the missing field.

use std::collections::BTreeSet;

use cargo_tune_schema::{UnitSections, UnitTiming};
use serde_json::Value;

use super::{BuildTimings, DepsSource, HtmlSchema, TimingsError};

/// Fields of a `UNIT_DATA` entry this reader uses or knowingly skips.
const KNOWN_FIELDS: &[&str] = &[
    "i",
    "name",
    "version",
    "mode",
    "target",
    "features",
    "start",
    "duration",
    "rmeta_time",
    "unlocked_units",
    "unlocked_rmeta_units",
    "unblocked_units",
    "unblocked_rmeta_units",
    "sections",
];

/// Builds [`BuildTimings`] from the report's lines, fed one at a time.
#[derive(Debug, Default)]
pub struct HtmlTimingsBuilder {
    collecting: bool,
    unit_data: Option<String>,
    total_time: Option<f64>,
    jobs: Option<usize>,
}

impl HtmlTimingsBuilder {
    /// Takes one line of the report. Anything that is not `UNIT_DATA` or a summary row it
    /// reads is ignored.
    pub fn process_line(&mut self, line: &str) {
        if self.collecting {
            let buf = self.unit_data.get_or_insert_with(String::new);
            buf.push_str(line);
            buf.push('\n');
            if line.trim_end().ends_with("];") {
                self.collecting = false;
            }
            return;
        }
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("const UNIT_DATA") {
            let rest = rest.trim_start().trim_start_matches('=').trim_start();
            self.unit_data = Some(format!("{rest}\n"));
            self.collecting = !rest.trim_end().ends_with("];");
            return;
        }
        if let Some(value) = summary_cell(trimmed, "Total time:") {
            // `12.3s`, or `125.3s (2m 5.3s)` past a minute.
            self.total_time = value
                .split('s')
                .next()
                .and_then(|s| s.trim().parse::<f64>().ok());
        } else if let Some(value) = summary_cell(trimmed, "Max concurrency:") {
            // `3 (jobs=2 ncpu=2)`.
            self.jobs = value
                .split("jobs=")
                .nth(1)
                .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|s| s.parse().ok());
        }
    }

    /// The timings read, or why they cannot be.
    pub fn finish(self) -> Result<BuildTimings, TimingsError> {
        let text = self.unit_data.ok_or(TimingsError::NoUnitData)?;
        let json = text.trim().trim_end_matches(';');
        let value: Value = serde_json::from_str(json).map_err(TimingsError::Json)?;
        let entries = value.as_array().ok_or(TimingsError::Field {
            position: 0,
            field: "UNIT_DATA",
            expected: "array",
        })?;
        let schema = detect(entries);
        let mut unknown_fields = BTreeSet::new();
        let mut units = Vec::with_capacity(entries.len());
        let mut unblocked = Vec::new();
        for (position, entry) in entries.iter().enumerate() {
            let (unit, edges) = read_unit(position, entry, schema)?;
            if let Some(object) = entry.as_object() {
                unknown_fields.extend(
                    object
                        .keys()
                        .filter(|k| !KNOWN_FIELDS.contains(&k.as_str()))
                        .cloned(),
                );
            }
            unblocked.extend(edges);
            units.push(unit);
        }
        units.sort_by_key(|u| u.index);
        let last_end = units
            .iter()
            .map(|u| u.start_s + u.duration_s)
            .fold(0.0, f64::max);
        // cargo rounds the total to 0.1 s and unit times to 0.01 s; the later of the two bounds
        // the build.
        let wall = self.total_time.unwrap_or(0.0).max(last_end);
        Ok(BuildTimings {
            units,
            wall,
            jobs: self.jobs,
            schema,
            deps_source: DepsSource::TimingsUnblocked,
            unblocked,
            unknown_fields,
        })
    }
}

/// The value of a summary row `<td>{name}</td><td>{value}</td>`.
fn summary_cell<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let rest = line.strip_prefix("<td>")?.strip_prefix(name)?;
    let rest = rest.strip_prefix("</td><td>")?;
    rest.split("</td>").next()
}

/// Reads the whole report.
pub fn parse(text: &str) -> Result<BuildTimings, TimingsError> {
    let mut builder = HtmlTimingsBuilder::default();
    for line in text.lines() {
        builder.process_line(line);
    }
    builder.finish()
}

fn detect(entries: &[Value]) -> HtmlSchema {
    let has = |field: &str| entries.iter().any(|e| e.get(field).is_some());
    if has("unlocked_units") {
        HtmlSchema::Unlocked
    } else if has("rmeta_time") {
        HtmlSchema::UnblockedRmetaTime
    } else {
        HtmlSchema::UnblockedSections
    }
}

type Edges = Vec<(usize, usize, bool)>;

fn read_unit(
    position: usize,
    entry: &Value,
    schema: HtmlSchema,
) -> Result<(UnitTiming, Edges), TimingsError> {
    let missing = |field: &'static str, expected: &'static str| TimingsError::Field {
        position,
        field,
        expected,
    };
    let number = |field: &'static str| {
        entry
            .get(field)
            .and_then(Value::as_f64)
            .ok_or_else(|| missing(field, "numeric"))
    };
    let string = |field: &'static str| {
        entry
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| missing(field, "string"))
    };
    let index = entry
        .get("i")
        .and_then(Value::as_u64)
        .ok_or_else(|| missing("i", "integer"))? as usize;
    let name = string("name")?;
    let version = string("version")?;
    let start = number("start")?;
    let duration = number("duration")?;
    let target = entry
        .get("target")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let features = entry
        .get("features")
        .and_then(Value::as_array)
        .map(|f| {
            f.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let (full, rmeta) = match schema {
        HtmlSchema::Unlocked => ("unlocked_units", "unlocked_rmeta_units"),
        _ => ("unblocked_units", "unblocked_rmeta_units"),
    };
    let list = |field: &'static str| -> Result<Vec<usize>, TimingsError> {
        match entry.get(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_u64()
                        .map(|n| n as usize)
                        .ok_or_else(|| missing(field, "integer-array"))
                })
                .collect(),
            Some(_) => Err(missing(field, "array")),
        }
    };
    if entry.get(full).is_none() {
        return Err(missing(full, "array"));
    }
    let mut edges: Edges = list(full)?
        .into_iter()
        .map(|to| (index, to, false))
        .collect();
    edges.extend(list(rmeta)?.into_iter().map(|to| (index, to, true)));
    let rmeta_s = match schema {
        HtmlSchema::Unlocked | HtmlSchema::UnblockedRmetaTime => {
            entry.get("rmeta_time").and_then(Value::as_f64)
        }
        HtmlSchema::UnblockedSections => frontend_end(entry.get("sections")),
    }
    .filter(|r| *r < duration);
    // A failed build lists units it never ran (or that failed) with no duration; a real unit
    // takes at least cargo's 0.01 s resolution or has a metadata time.
    let finished = duration > 0.0 || start > 0.0 && rmeta_s.is_some();
    let kind = kind_from_target(&target).to_owned();
    Ok((
        UnitTiming {
            index,
            name,
            version,
            target,
            kind,
            features,
            start_s: start,
            duration_s: duration,
            rmeta_s,
            sections: sections(entry.get("sections")),
            finished,
            deps: Vec::new(),
        },
        edges,
    ))
}

/// Seconds in each section cargo reported: `frontend` and `codegen` for libraries on stable,
/// with `link` for every compiled unit under `-Z section-timings`. `None` without sections.
fn sections(sections: Option<&Value>) -> Option<UnitSections> {
    let mut out = UnitSections::default();
    let mut any = false;
    for s in sections?.as_array()? {
        let pair = s.as_array()?;
        let span = pair.get(1)?;
        let length = (span.get("end")?.as_f64()? - span.get("start")?.as_f64()?).max(0.0);
        match pair.first()?.as_str()? {
            "frontend" => out.frontend_s = length,
            "codegen" => out.codegen_s = length,
            "link" => out.link_s = Some(length),
            _ => continue,
        }
        any = true;
    }
    any.then_some(out)
}

/// The end of the `frontend` section: rustc has written the metadata by then.
fn frontend_end(sections: Option<&Value>) -> Option<f64> {
    sections?.as_array()?.iter().find_map(|s| {
        let pair = s.as_array()?;
        (pair.first()?.as_str()? == "frontend").then(|| pair.get(1)?.get("end")?.as_f64())?
    })
}

/// The unit kind cargo's target description implies. A proc-macro reads as `lib` here; the
/// unit graph or the package metadata tells it apart.
pub fn kind_from_target(target: &str) -> &'static str {
    if target.contains("build-script") {
        if target.contains("(run)") {
            "run-build-script"
        } else {
            "build-script"
        }
    } else if target.contains("(test)") || target.contains("\"test\"") {
        "test"
    } else if target.contains("\"bin\"") {
        "bin"
    } else if target.is_empty() || target.contains("(check)") || target.trim() == "lib" {
        "lib"
    } else {
        "other"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        cargo_tune_test_support::read_fixture(&format!("cargo-timings/{name}"))
    }

    #[test]
    fn reads_a_cargo_1_95_report() {
        let t = parse(&fixture("timings-1.95.html")).unwrap();
        assert_eq!(t.schema, HtmlSchema::UnblockedSections);
        assert_eq!(t.units.len(), 8);
        assert_eq!(t.jobs, Some(2));
        assert!(t.unknown_fields.is_empty(), "{:?}", t.unknown_fields);
        let indices: Vec<usize> = t.units.iter().map(|u| u.index).collect();
        assert_eq!(indices, (0..8).collect::<Vec<_>>());
        let kinds: Vec<&str> = t.units.iter().map(|u| u.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "bin",
                "lib",
                "build-script",
                "run-build-script",
                "lib",
                "lib",
                "lib",
                "lib"
            ]
        );
        // Libraries have a metadata time inside their duration; binaries do not.
        assert!(t.units[0].rmeta_s.is_none());
        let lib = &t.units[1];
        assert!(lib.rmeta_s.unwrap() > 0.0 && lib.rmeta_s.unwrap() < lib.duration_s);
        assert!(t.units.iter().all(|u| u.finished));
        let last_end = t
            .units
            .iter()
            .map(|u| u.start_s + u.duration_s)
            .fold(0.0, f64::max);
        assert!(t.wall >= last_end && t.wall < last_end + 0.1);
        // The run of the build script unblocked the library.
        assert!(t.unblocked.contains(&(3, 1, false)));
    }

    #[test]
    fn a_failed_build_lists_units_it_never_finished() {
        let t = parse(&fixture("timings-1.95-failed.html")).unwrap();
        let unfinished: Vec<&str> = t
            .units
            .iter()
            .filter(|u| !u.finished)
            .map(|u| u.name.as_str())
            .collect();
        assert!(unfinished.contains(&"app"), "{unfinished:?}");
        assert!(unfinished.contains(&"core-lib"), "{unfinished:?}");
        assert!(t.units.iter().any(|u| u.finished));
    }

    #[test]
    fn reads_older_dialects() {
        // The shape cargo 1.80–1.92 wrote (unlocked_*, rmeta_time), on one line.
        let old = r#"<script>
const UNIT_DATA = [{"i":0,"name":"a","version":"0.1.0","mode":"check","target":"","start":0.1,"duration":0.5,"rmeta_time":0.2,"unlocked_units":[],"unlocked_rmeta_units":[1]},{"i":1,"name":"b","version":"0.1.0","mode":"build","target":" b \"bin\"","start":0.3,"duration":0.4,"rmeta_time":null,"unlocked_units":[],"unlocked_rmeta_units":[]}];
const CONCURRENCY_DATA = [];"#;
        let t = parse(old).unwrap();
        assert_eq!(t.schema, HtmlSchema::Unlocked);
        assert_eq!(t.units[0].rmeta_s, Some(0.2));
        assert_eq!(t.unblocked, vec![(0, 1, true)]);
        // 1.93: unblocked_*, rmeta_time still there, and a field from the future.
        let v193 = "const UNIT_DATA = [\n{\"i\":3,\"name\":\"a\",\"version\":\"1.0.0\",\"target\":\"\",\"start\":0.0,\"duration\":1.0,\"rmeta_time\":0.4,\"unblocked_units\":[],\"unblocked_rmeta_units\":[],\"new_thing\":1}\n];";
        let t = parse(v193).unwrap();
        assert_eq!(t.schema, HtmlSchema::UnblockedRmetaTime);
        assert_eq!(t.units[0].rmeta_s, Some(0.4));
        assert_eq!(t.unknown_fields.iter().collect::<Vec<_>>(), ["new_thing"]);
    }

    #[test]
    fn an_unknown_schema_names_the_field() {
        let renamed = "const UNIT_DATA = [{\"i\":0,\"name\":\"a\",\"version\":\"1.0.0\",\"start\":0.0,\"elapsed\":1.0,\"unblocked_units\":[]}];";
        let err = parse(renamed).unwrap_err().to_string();
        assert!(
            err.contains("`duration`") && err.contains("unit #0"),
            "{err}"
        );
        let no_edges = "const UNIT_DATA = [{\"i\":0,\"name\":\"a\",\"version\":\"1.0.0\",\"start\":0.0,\"duration\":1.0,\"blocks\":[]}];";
        let err = parse(no_edges).unwrap_err().to_string();
        assert!(err.contains("`unblocked_units`"), "{err}");
        let err = parse("<html>no data</html>").unwrap_err().to_string();
        assert!(err.contains("UNIT_DATA"), "{err}");
    }
}
