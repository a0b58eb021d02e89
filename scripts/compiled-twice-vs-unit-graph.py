#!/usr/bin/env python3
"""Compare cargo-tune's `compiled-twice` findings with cargo's own unit graphs.

For every workspace checkout directly under DIR (a directory holding a Cargo.toml), runs
`cargo tune audit --format json` and, for each of `cargo build --workspace`, `--all-targets`
and `--release`, `RUSTC_BOOTSTRAP=1 cargo build ... --unit-graph -Z unstable-options`. A package
version is compiled twice when cargo's graph has more than one `lib`/`proc-macro` unit of it in
`build` mode. Prints a Markdown table: the two sets per workspace, their differences, and the
reasons cargo-tune gave.

The checkouts need their dependencies in cargo's cache (`cargo fetch` once); everything runs
with `--offline` and, when a Cargo.lock exists, `--locked`. Work on copies: cargo may write
into the checkouts' target/ directories.

Usage: scripts/compiled-twice-vs-unit-graph.py DIR [--cargo-tune PATH]
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import time

LIBRARY_KINDS = {"lib", "rlib", "dylib", "cdylib", "staticlib", "proc-macro"}
COMMANDS = [
    ["--workspace"],
    ["--workspace", "--all-targets"],
    ["--workspace", "--release"],
]


def name_version(pkg_id):
    head, _, tail = pkg_id.rpartition("#")
    if "@" in tail:
        return tail
    return head.rsplit("/", 1)[-1] + "@" + tail


def flags(root):
    out = ["--offline"]
    if os.path.exists(os.path.join(root, "Cargo.lock")):
        out.append("--locked")
    return out


def error_line(stderr):
    lines = [l.strip() for l in stderr.strip().splitlines()]
    errors = [l for l in lines if l.startswith("error")]
    return (errors or lines or ["failed"])[0]


def unit_graph_twice(root, args):
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")
    proc = subprocess.run(
        ["cargo", "build", *args, "--unit-graph", "-Z", "unstable-options", *flags(root)],
        cwd=root, env=env, capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(error_line(proc.stderr))
    graph = json.loads(proc.stdout)
    units = collections.Counter()
    for unit in graph["units"]:
        if unit["mode"] == "build" and LIBRARY_KINDS & set(unit["target"]["kind"]):
            units[name_version(unit["pkg_id"])] += 1
    return {k for k, n in units.items() if n > 1}


def audit(root, cargo_tune):
    start = time.monotonic()
    proc = subprocess.run(
        [cargo_tune, "tune", "audit", "--format", "json", *flags(root)],
        cwd=root, capture_output=True, text=True,
    )
    elapsed = time.monotonic() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(error_line(proc.stderr))
    report = json.loads(proc.stdout)
    findings = [f for f in report["findings"] if f["code"] == "compiled-twice"]
    return report, findings, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--cargo-tune", default="cargo-tune")
    opts = parser.parse_args()
    rows = []
    all_equal = True
    for name in sorted(os.listdir(opts.dir)):
        root = os.path.join(opts.dir, name)
        if not os.path.isfile(os.path.join(root, "Cargo.toml")):
            continue
        try:
            expected = set()
            for args in COMMANDS:
                expected |= unit_graph_twice(root, args)
        except RuntimeError as e:
            # No unit graph: cargo-tune must fall back, labelled, and still finish the audit.
            try:
                report, findings, _ = audit(root, opts.cargo_tune)
                source = report.get("unit_graph", {}).get("source", "?")
                rows.append((name, report["packages"], "none: " + str(e)[:80], len(findings),
                             "n/a", "", source))
                all_equal &= source == "resolve-model"
            except (RuntimeError, json.JSONDecodeError) as e2:
                rows.append((name, "-", "none: " + str(e)[:80], "-", "-", "-", f"cargo-tune: {e2}"))
                all_equal = False
            continue
        try:
            report, findings, _ = audit(root, opts.cargo_tune)
        except (RuntimeError, json.JSONDecodeError) as e:
            rows.append((name, "-", len(expected), "-", "-", "-", f"cargo-tune: {e}"))
            all_equal = False
            continue
        got = {f["subject"] for f in findings}
        source = report.get("unit_graph", {}).get("source", "?")
        reasons = collections.Counter(f["evidence"].get("reason", "?") for f in findings)
        missing = sorted(expected - got)
        extra = sorted(got - expected)
        equal = not missing and not extra
        all_equal &= equal
        rows.append((
            name,
            report["packages"],
            len(expected),
            len(got),
            "yes" if equal else f"no: missing {missing[:5]}, extra {extra[:5]}",
            ", ".join(f"{r} {n}" for r, n in sorted(reasons.items())),
            source,
        ))
    print("| workspace | packages | cargo: compiled twice | cargo-tune: compiled-twice | equal | reasons | source |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    return 0 if all_equal else 1


if __name__ == "__main__":
    sys.exit(main())
