#!/usr/bin/env python3
"""`cargo tune audit` against `cargo metadata` over many workspaces: warm, and after an edit.

For each workspace (copied aside, without its target directory, so that the edits touch no
checkout): three warm-ups, then PAIRS interleaved pairs of `cargo metadata` and `cargo tune
audit` whose order swaps every pair; then EDITS times: a comment appended to the root
`Cargo.toml` (which invalidates what the audit remembers), the audit timed once, and a
`cargo metadata` right after it as that pair's reference. Prints one Markdown row per workspace:
the warm ratio (median of the pairs, 10th-90th percentile) and the worst ratio after an edit.

Usage: scripts/audit-corpus-speed.py CARGO_TUNE_BINARY PAIRS EDITS DIR...
A directory whose toolchain pin is not installed runs with RUSTUP_TOOLCHAIN=stable, like the
audit's own fallback (set it in the environment to choose another).
"""
import os
import shutil
import statistics
import subprocess
import sys
import time

binary = os.path.abspath(sys.argv[1])
pairs, edits = int(sys.argv[2]), int(sys.argv[3])
scratch = "/tmp/audit-corpus-speed"


def timed(cmd, cwd, env):
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr[-300:]!r}")
    return wall


def measure(src):
    name = os.path.basename(os.path.normpath(src))
    copy = os.path.join(scratch, name)
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(src, copy, symlinks=True, ignore=shutil.ignore_patterns("target", ".git"))
    env = dict(os.environ)
    probe = subprocess.run(["cargo", "-V"], cwd=copy, capture_output=True)
    if probe.returncode != 0:
        env["RUSTUP_TOOLCHAIN"] = "stable"
    metadata = ["cargo", "metadata", "--format-version", "1", "--offline"]
    audit = [binary, "tune", "audit", "--format", "json", "--offline"]
    for _ in range(3):
        timed(metadata, copy, env)
        timed(audit, copy, env)
    ratios, meta = [], []
    for i in range(pairs):
        if i % 2 == 0:
            m, a = timed(metadata, copy, env), timed(audit, copy, env)
        else:
            a, m = timed(audit, copy, env), timed(metadata, copy, env)
        ratios.append(a / m)
        meta.append(m)
    after = []
    manifest = os.path.join(copy, "Cargo.toml")
    for n in range(edits):
        with open(manifest, "a") as f:
            f.write(f"\n# edit {n}\n")
        a = timed(audit, copy, env)
        m = timed(metadata, copy, env)
        after.append(a / m)
    ratios.sort()
    tenth = len(ratios) // 10
    shutil.rmtree(copy, ignore_errors=True)
    return (
        f"| {name} | {statistics.median(meta) * 1000:.0f} ms | "
        f"{statistics.median(ratios):.3f} [{ratios[tenth]:.3f}, {ratios[-tenth - 1]:.3f}] | "
        f"{max(after):.2f} (median {statistics.median(after):.2f}) |"
    )


print(f"| workspace | `cargo metadata` warm | audit / metadata, warm ({pairs} pairs) | "
      f"first audit after an edit / metadata (worst of {edits}) |")
print("|---|---:|---:|---:|")
for d in sys.argv[4:]:
    try:
        print(measure(d), flush=True)
    except Exception as e:  # one workspace failing must not hide the others
        print(f"| {os.path.basename(os.path.normpath(d))} | failed: {e} | | |", flush=True)
