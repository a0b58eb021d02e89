//! Headless Chromium, for the tests that check what a person would see: the DOM it built, what
//! its console said, and a screenshot.

#![expect(
    clippy::disallowed_methods,
    reason = "the tests run chromium, as a user's browser would"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Chromium, or a panic saying how to install it.
pub(crate) fn chromium() -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("chromium"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("chromium is not on PATH; install it: apt-get install -y chromium (or run .ci/setup)")
        })
}

/// What one headless run left: stdout (the DOM with `--dump-dom`) and every console message.
pub(crate) struct Rendered {
    pub(crate) stdout: String,
    pub(crate) console: Vec<String>,
}

/// Runs headless Chromium on `file` with `extra` flags, its console logged to stderr.
pub(crate) fn render(file: &Path, extra: &[&str]) -> Rendered {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args("--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --no-first-run --enable-logging=stderr --v=0".split_whitespace())
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    Rendered {
        stdout: String::from_utf8(out.stdout).unwrap(),
        // `[pid:tid:time:INFO:CONSOLE:line] "message", source: url (line)`
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect(),
    }
}

/// [`render`], failing on any console message: the pages have no script, so anything there is
/// an error (a resource the Content-Security-Policy blocked, an SVG path Chromium could not
/// parse).
pub(crate) fn headless(file: &Path, extra: &[&str]) -> String {
    let r = render(file, extra);
    assert!(
        r.console.is_empty(),
        "{file:?} logged to the console:\n{}",
        r.console.join("\n")
    );
    r.stdout
}

/// The DOM Chromium built from `file`.
pub(crate) fn dom(file: &Path) -> String {
    headless(file, &["--dump-dom"])
}

/// A screenshot of `file` at `width`×`height`; panics unless it is a PNG with something drawn.
pub(crate) fn screenshot(file: &Path, shot: &Path, width: u32, height: u32) {
    headless(
        file,
        &[
            &format!("--screenshot={}", shot.display()),
            &format!("--window-size={width},{height}"),
        ],
    );
    let png = std::fs::read(shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 5_000,
        "{} bytes",
        png.len()
    );
}

/// The value of attribute `name` in the opening tag `tag` (from just after `<name `).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag
        .find(&format!(" {name}=\""))
        .map(|i| i + name.len() + 3)
        .or_else(|| {
            tag.starts_with(&format!("{name}=\""))
                .then_some(name.len() + 2)
        })?;
    Some(tag[start..].split('"').next()?.to_owned())
}

/// `(class, d)` of every `<path>` in a DOM Chromium dumped.
pub(crate) fn svg_paths(dom: &str) -> Vec<(String, String)> {
    dom.split("<path ")
        .skip(1)
        .map(|rest| {
            let tag = &rest[..rest.find('>').unwrap()];
            (
                attribute(tag, "class").unwrap_or_default(),
                attribute(tag, "d").unwrap_or_default(),
            )
        })
        .collect()
}

/// The class lists of every `<rect>` with a class, in a DOM Chromium dumped.
pub(crate) fn rect_classes(dom: &str) -> Vec<Vec<String>> {
    dom.split("<rect class=\"")
        .skip(1)
        .map(|rest| {
            rest.split('"')
                .next()
                .unwrap()
                .split_whitespace()
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

#[test]
fn the_console_check_catches_blocked_resources_and_bad_paths() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"></head>\
         <body><img src=\"https://example.invalid/a.png\"><svg><path d=\"M0,NaN L1,1\"/></svg></body></html>",
    )
    .unwrap();
    let r = render(&page, &["--dump-dom"]);
    assert_eq!(r.console.len(), 2, "{:?}", r.console);
    assert!(
        r.console
            .iter()
            .any(|l| l.contains("Content Security Policy"))
    );
    assert!(r.console.iter().any(|l| l.contains("attribute d")));
    assert_eq!(
        svg_paths(&r.stdout),
        [(String::new(), "M0,NaN L1,1".to_owned())]
    );
}
