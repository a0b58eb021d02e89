#!/usr/bin/env python3
"""`cargo tune audit` with its memos warm against the same audit with them removed.

For each workspace (copied aside, without its target directory): the audit's JSON from a fresh
target directory and right after, then after each of four edits appended to the root
`Cargo.toml` (a comment, a release setting, a dev setting, a custom profile) the audit with the
memos of the run before against one with `target/cargo-tune` removed first. Prints one line per
workspace: `same` where the two JSON documents are equal byte for byte.

Usage: scripts/audit-kept-vs-fresh.py CARGO_TUNE_BINARY DIR...
A directory whose toolchain pin is not installed runs with RUSTUP_TOOLCHAIN=stable.
"""
import os
import shutil
import subprocess
import sys

binary = os.path.abspath(sys.argv[1])
scratch = "/tmp/audit-kept-vs-fresh"
EDITS = [
    ("comment", "# edit\n"),
    ("release", "\n[profile.release.package.tune-check]\nopt-level = 1\n"),
    ("dev", "\n[profile.dev.package.tune-check]\nopt-level = 1\n"),
    ("custom", "\n[profile.tune-check]\ninherits = \"release\"\n"),
]

for src in sys.argv[2:]:
    name = os.path.basename(os.path.normpath(src))
    copy = os.path.join(scratch, name)
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(src, copy, symlinks=True, ignore=shutil.ignore_patterns("target", ".git"))
    env = dict(os.environ)
    if subprocess.run(["cargo", "-V"], cwd=copy, capture_output=True).returncode != 0:
        env["RUSTUP_TOOLCHAIN"] = "stable"

    def audit():
        done = subprocess.run([binary, "tune", "audit", "--format", "json", "--offline"],
                              cwd=copy, env=env, capture_output=True)
        if done.returncode not in (0, 1):
            raise RuntimeError(done.stderr[-500:])
        return done.stdout

    def fresh():
        shutil.rmtree(os.path.join(copy, "target", "cargo-tune"), ignore_errors=True)
        return audit()

    first = fresh()
    results = [("warm", audit() == first)]
    for what, text in EDITS:
        with open(os.path.join(copy, "Cargo.toml"), "a") as f:
            f.write(text)
        kept = audit()
        results.append((what, kept == fresh()))
    print(name, " ".join(f"{w}={'same' if ok else 'DIFFERENT'}" for w, ok in results), flush=True)
    shutil.rmtree(copy, ignore_errors=True)
