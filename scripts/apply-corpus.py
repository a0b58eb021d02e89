#!/usr/bin/env python3
"""Runs `cargo tune apply --all --execute` over copies of real workspaces and prints a table.

For each checkout given (a directory with a Cargo.toml, usually a git clone), a scratch copy is
made and:

1. `cargo check --workspace --all-targets` runs on it as it is (skipped with --no-check);
2. `cargo tune audit` records the findings;
3. `cargo tune apply --all --execute --allow-dirty` writes the plan (or refuses);
4. `cargo check` runs again where it passed before: an apply must never break a build;
5. `cargo tune apply --all --check` must find nothing left to do (applying twice is a no-op);
6. `cargo tune audit` again: the applied findings must be gone, and no new ones may appear;
7. `cargo tune undo` must restore every byte of every file.

Usage: scripts/apply-corpus.py [--cargo-tune BIN] [--no-check] DIR...
Nothing in the given directories is modified.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def run(cmd, cwd, env=None, timeout=1800):
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr, time.monotonic() - start
    except subprocess.TimeoutExpired:
        return 124, "", "timed out", time.monotonic() - start


def tree_hashes(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", "target")]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                continue
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def copy(src, dst):
    if os.path.isdir(os.path.join(src, ".git")):
        code, _, err, _ = run(["git", "clone", "-q", src, dst], cwd="/")
        if code == 0:
            return
        shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns("target"))


def findings(tune, ws, env):
    code, out, err, _ = run([tune, "audit", "--format", "json"], ws, env)
    try:
        return code, {f["id"] for f in json.loads(out)["findings"]}, err
    except (ValueError, KeyError):
        return code, None, err


def one(tune, src, scratch, check):
    name = os.path.basename(os.path.abspath(src))
    row = {"workspace": name}
    code, commit, _, _ = run(["git", "rev-parse", "--short=12", "HEAD"], src)
    row["commit"] = commit.strip() if code == 0 else "-"
    ws = os.path.join(scratch, name)
    copy(src, ws)
    env = dict(os.environ)
    env["CARGO_TARGET_DIR"] = os.path.join(scratch, name + "-target")
    for var in ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_TARGET_DIR"):
        env.pop(var, None)
    code, out, _, _ = run(["cargo", "metadata", "--format-version", "1"], ws, env)
    if code == 0:
        meta = json.loads(out)
        row["members"] = len(meta["workspace_members"])
        row["packages"] = len(meta["packages"])
    else:
        row["members"] = row["packages"] = "-"
    before = tree_hashes(ws)

    if check:
        code, _, err, secs = run(["cargo", "check", "--workspace", "--all-targets"], ws, env)
        row["check before"] = f"ok {secs:.0f}s" if code == 0 else "fails"
        checked_ok = code == 0
    else:
        row["check before"] = "-"
        checked_ok = False

    code, ids_before, err = findings(tune, ws, env)
    row["audit"] = "ok" if ids_before is not None else f"exit {code}"
    code, out, err, _ = run(
        [tune, "apply", "--all", "--execute", "--allow-dirty", "--format", "json"], ws, env
    )
    row["apply"] = f"exit {code}"
    applied = False
    try:
        report = json.loads(out)
        applied = report.get("applied", False)
        row["steps"] = len(report.get("changes", []))
        row["skipped"] = len(report.get("skipped", []))
        row["files"] = len(report.get("files", []))
    except ValueError:
        row["steps"] = row["skipped"] = row["files"] = "-"
        row["apply"] += ": " + (err.strip().splitlines() or [""])[-1][:80]
    if code not in (0,) and row["apply"] == f"exit {code}":
        row["apply"] += ": " + (err.strip().splitlines() or [""])[0][:80]

    if applied:
        if checked_ok:
            code, _, err, secs = run(["cargo", "check", "--workspace", "--all-targets"], ws, env)
            row["check after"] = f"ok {secs:.0f}s" if code == 0 else "FAILS"
            if code != 0:
                row["check after"] += ": " + next(
                    (l for l in err.splitlines() if l.startswith("error")), ""
                )[:100]
        else:
            row["check after"] = "-"
        code, _, _, _ = run([tune, "apply", "--all", "--check"], ws, env)
        row["again"] = "no-op" if code == 0 else f"PENDING (exit {code})"
        _, ids_after, _ = findings(tune, ws, env)
        if ids_before is not None and ids_after is not None:
            # A finding whose every suggestion was applied must be gone; one with a suggestion
            # left out (advice for a person, an infeasible update) may stay.
            partly = {c.get("finding") for c in report.get("skipped", [])}
            applied_ids = {c.get("finding") for c in report.get("changes", [])} - partly
            gone = [i for i in applied_ids if i in ids_after]
            # The same finding about another version of a package (`compiled-twice:x@1.0.1`
            # after an update moved x from 1.0.0) is not new.
            def unversioned(ids):
                return {i.split("@")[0] for i in ids}
            new = sorted(unversioned(ids_after) - unversioned(ids_before))
            row["re-audit"] = "clean" if not new else "NEW: " + ", ".join(new)[:100]
            row["applied gone"] = "yes" if not gone else "REMAIN: " + ", ".join(sorted(gone))[:100]
        code, _, err, _ = run([tune, "undo"], ws, env)
        row["undo"] = "restored" if tree_hashes(ws) == before else "BYTES DIFFER"
        if code != 0:
            row["undo"] += f" (exit {code})"
    else:
        row["undo"] = "untouched" if tree_hashes(ws) == before else "TOUCHED"
    shutil.rmtree(ws, ignore_errors=True)
    return row


COLUMNS = [
    "workspace", "commit", "members", "packages", "check before", "audit", "apply", "steps",
    "skipped", "files", "check after", "again", "applied gone", "re-audit", "undo",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--cargo-tune", default="cargo-tune")
    ap.add_argument("--no-check", action="store_true", help="skip the cargo check runs")
    args = ap.parse_args()
    tune = (
        os.path.abspath(args.cargo_tune)
        if os.sep in args.cargo_tune
        else shutil.which(args.cargo_tune) or args.cargo_tune
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="apply-corpus-") as scratch:
        for d in args.dirs:
            row = one(tune, d, scratch, not args.no_check)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
            shutil.rmtree(os.path.join(scratch, row["workspace"] + "-target"), ignore_errors=True)
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for row in rows:
        print("| " + " | ".join(str(row.get(c, "-")) for c in COLUMNS) + " |")


if __name__ == "__main__":
    main()
