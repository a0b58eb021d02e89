//! The macro expansion section of `cargo tune timings --macros`: the top macros with the
//! proc-macro package each comes from and the crates calling them, then each crate's own top
//! macros against its whole expansion pass.

use std::fmt::Write as _;

use cargo_tune_schema::{CrateMacros, ExpansionCost, MacroExpansion, MacroTotal};

use super::html::{Html, html};
use crate::text::{Styles, bytes, paint, secs};

/// Macros listed over the workspace.
const TOP_MACROS: usize = 10;
/// Macros listed under each crate.
const PER_CRATE: usize = 5;
/// Crates listed.
const CRATES: usize = 10;

/// `5.8 ms` below a second, else seconds: one derive takes milliseconds.
pub(crate) fn time(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        secs(s)
    }
}

fn opt_time(s: Option<f64>) -> String {
    s.map_or_else(|| "-".to_owned(), time)
}

/// What the figures come from, in one sentence.
fn provenance(m: &MacroExpansion) -> String {
    let mut s = match &m.times {
        Some(t) => format!("times from {t}; ranked by expansion time"),
        None => "no expansion times; ranked by the code each macro generates".to_owned(),
    };
    if let Some(note) = &m.note {
        let _ = write!(s, " ({note})");
    }
    s
}

/// `expands 2 macros 14 times: 6.2 ms, 31.1 KiB` for a cost line.
pub(crate) fn expansion_text(c: &ExpansionCost) -> String {
    let mut s = format!(
        "expanded {} times in {} ({} generated",
        c.uses,
        crate::text::count(c.callers.len(), "crate"),
        bytes(c.bytes)
    );
    if let Some(t) = c.expansion_s {
        let _ = write!(s, ", {}", time(t));
    }
    s.push(')');
    s
}

fn top(m: &MacroExpansion) -> impl Iterator<Item = &MacroTotal> {
    m.top.iter().take(TOP_MACROS)
}

fn crates(m: &MacroExpansion) -> impl Iterator<Item = &CrateMacros> {
    m.crates.iter().take(CRATES)
}

fn generated(c: &CrateMacros) -> u64 {
    c.macros.iter().map(|u| u.bytes).sum()
}

/// A top macro's row as the terminal and the page show it: `-` for what is not known.
fn top_cells(t: &MacroTotal) -> [String; 7] {
    let m = &t.summed;
    [
        m.name.clone(),
        m.proc_macro.clone().unwrap_or_else(|| "-".to_owned()),
        m.uses.to_string(),
        m.lines.to_string(),
        bytes(m.bytes),
        opt_time(m.expansion_s),
        t.callers.join(", "),
    ]
}

/// A crate's own top macros with their uses.
fn crate_top(c: &CrateMacros) -> String {
    let names: Vec<String> = c
        .macros
        .iter()
        .take(PER_CRATE)
        .map(|u| format!("{} ×{}", u.name, u.uses))
        .collect();
    names.join(", ")
}

/// The section for the terminal.
pub(crate) fn human(m: &MacroExpansion, st: &Styles) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n{} ({})",
        paint(st.bold, "macro expansion"),
        provenance(m)
    );
    let _ = writeln!(
        s,
        "  {:<40} {:<18} {:>6} {:>8} {:>10} {:>10}  callers",
        "macro", "proc-macro", "uses", "lines", "generated", "expansion"
    );
    for t in top(m) {
        let [name, proc_macro, uses, lines, generated, expansion, callers] = top_cells(t);
        let _ = writeln!(
            s,
            "  {name:<40} {proc_macro:<18} {uses:>6} {lines:>8} {generated:>10} {expansion:>10}  {callers}",
        );
    }
    for c in crates(m) {
        let _ = writeln!(
            s,
            "  {} ({}): expansion pass {}, proc-macros {}, {} generated",
            paint(st.bold, &c.crate_name),
            c.package.as_deref().unwrap_or("?"),
            opt_time(c.expansion_pass_s),
            opt_time(c.proc_macro_expansion_s),
            bytes(generated(c))
        );
        for u in c.macros.iter().take(PER_CRATE) {
            let _ = writeln!(
                s,
                "    {:<38} {:>6} uses {:>10} {:>10}",
                u.name,
                u.uses,
                bytes(u.bytes),
                opt_time(u.expansion_s)
            );
        }
    }
    let _ = writeln!(
        s,
        "  {}",
        paint(st.dim, format!("instrumented build: {}", m.command))
    );
    s
}

/// The section in Markdown.
pub(crate) fn markdown(m: &MacroExpansion) -> String {
    use crate::text::markdown::row;
    let mut s = format!("#### Macro expansion\n\n{}.\n\n", provenance(m));
    let _ = writeln!(
        s,
        "| macro | proc-macro | uses | lines | generated | expansion | callers |\n|---|---|---:|---:|---:|---:|---|"
    );
    for t in top(m) {
        let u = &t.summed;
        let _ = writeln!(
            s,
            "{}",
            row(&[
                format!("`{}`", u.name),
                u.proc_macro.clone().unwrap_or_default(),
                u.uses.to_string(),
                u.lines.to_string(),
                bytes(u.bytes),
                opt_time(u.expansion_s),
                t.callers.join(", "),
            ])
        );
    }
    let _ = writeln!(
        s,
        "\n| crate | expansion pass | proc-macros | generated | top macros |\n|---|---:|---:|---:|---|"
    );
    for c in crates(m) {
        let _ = writeln!(
            s,
            "{}",
            row(&[
                c.crate_name.clone(),
                opt_time(c.expansion_pass_s),
                opt_time(c.proc_macro_expansion_s),
                bytes(generated(c)),
                crate_top(c),
            ])
        );
    }
    s.push('\n');
    s
}

/// The section of the HTML page.
pub(crate) fn html_section(m: &MacroExpansion) -> Html {
    let mut s = html!("<h2>Macro expansion</h2><p>{}</p>", provenance(m));
    s.line(Html::lit("<table><tr><th>macro</th><th>proc-macro</th><th>uses</th><th>lines</th><th>generated</th><th>expansion</th><th>callers</th></tr>"));
    for t in top(m) {
        let [name, proc_macro, uses, lines, generated, expansion, callers] = top_cells(t);
        s.line(html!(
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            name,
            proc_macro,
            uses,
            lines,
            generated,
            expansion,
            callers
        ));
    }
    s.line(Html::lit("</table><table><tr><th>crate</th><th>expansion pass</th><th>proc-macros</th><th>generated</th><th>top macros</th></tr>"));
    for c in crates(m) {
        s.line(html!(
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            c.crate_name,
            opt_time(c.expansion_pass_s),
            opt_time(c.proc_macro_expansion_s),
            bytes(generated(c)),
            crate_top(c)
        ));
    }
    s.line(Html::lit("</table>"));
    s
}
