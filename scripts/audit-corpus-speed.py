#!/usr/bin/env python3
"""`cargo tune audit` against `cargo metadata` over many workspaces: warm, and after an edit.

For each workspace (copied aside, without its target directory, so that the edits touch no
checkout): three warm-ups, then PAIRS interleaved pairs of `cargo metadata` and `cargo tune
audit` whose order swaps every pair; then EDITS times each of eight edits, the audit timed once
after it and a `cargo metadata` right after that as the pair's reference. Five edits of the root
`Cargo.toml`: a comment appended (the file changed, cargo reads the same), a value changed in a
`metadata` table (cargo's metadata changes, no unit cargo would build does), a custom profile
added (no audited build uses it), a `[profile.release.package.NAME]` table added (only the
release unit graph can change), and a `[profile.dev.package.NAME]` table added (the two dev unit
graphs can change; NAME matches no package, so cargo builds the same, but only cargo can say
so); then `Cargo.lock` rewritten with the same bytes, and a comment appended to a member's
manifest (the first one `cargo metadata` lists that is not the root), and a feature declared by
the first member that declared none (what cargo resolves changes). Prints one Markdown row
per workspace: the warm ratio (median of the pairs, 10th-90th percentile) and the median and
worst ratio after each kind of edit.

Usage: scripts/audit-corpus-speed.py CARGO_TUNE_BINARY PAIRS EDITS DIR...
A directory whose toolchain pin is not installed runs with RUSTUP_TOOLCHAIN=stable, like the
audit's own fallback (set it in the environment to choose another).
"""
import json
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
    manifest = os.path.join(copy, "Cargo.toml")
    with open(manifest) as f:
        text = f.read()
    table = "workspace" if "[workspace]" in text else "package"
    with open(manifest, "a") as f:
        f.write(f"\n[{table}.metadata.tune-bench]\n")

    def after(edit, path=manifest):
        out = []
        for n in range(edits):
            text = edit(n)
            if text:
                with open(path, "a") as f:
                    f.write(text)
            a = timed(audit, copy, env)
            m = timed(metadata, copy, env)
            out.append(a / m)
        return out

    # The table exists before the warm runs' memo is checked again, so that both kinds of
    # edit start from a memo made for this manifest.
    timed(audit, copy, env)
    comment = after(lambda n: f"# edit {n}\n")
    seen = after(lambda n: f"edit-{n} = {n}\n")
    # Appended after the metadata table's keys: a new table ends it.
    custom = after(lambda n: f"\n[profile.tune-bench-{n}]\ninherits = \"dev\"\n")
    release = after(lambda n: f"\n[profile.release.package.tune-bench-{n}]\nopt-level = 1\n")
    dev = after(lambda n: f"\n[profile.dev.package.tune-bench-{n}]\nopt-level = 1\n")
    lockfile = os.path.join(copy, "Cargo.lock")
    with open(lockfile, "rb") as f:
        locked = f.read()

    def rewrite_lockfile(n):
        time.sleep(0.01)  # a new mtime, whatever the file system's resolution
        with open(lockfile, "wb") as f:
            f.write(locked)
        return ""

    relocked = after(rewrite_lockfile)
    members = json.loads(subprocess.run(metadata + ["--no-deps"], cwd=copy, env=env,
                                        capture_output=True, check=True).stdout)
    root = os.path.realpath(manifest)
    member = next((p["manifest_path"] for p in members["packages"]
                   if os.path.realpath(p["manifest_path"]) != root), manifest)
    member_comment = after(lambda n: f"# edit {n}\n", member)
    # What cargo resolves changes: a feature declared by a member that declared none, so that
    # the table can be appended to.
    plain = next((p["manifest_path"] for p in members["packages"] if not p["features"]), None)
    feature = after(lambda n: ("\n[features]\n" if n == 0 else "") + f"tune-bench-{n} = []\n",
                    plain) if plain else None
    ratios.sort()
    tenth = len(ratios) // 10
    shutil.rmtree(copy, ignore_errors=True)
    return (
        f"| {name} | {statistics.median(meta) * 1000:.0f} ms | "
        f"{statistics.median(ratios):.3f} [{ratios[tenth]:.3f}, {ratios[-tenth - 1]:.3f}] | "
        f"{statistics.median(comment):.2f} (worst {max(comment):.2f}) | "
        f"{statistics.median(seen):.2f} (worst {max(seen):.2f}) | "
        + " | ".join(f"{statistics.median(r):.2f} (worst {max(r):.2f})"
                     for r in (custom, release, dev, relocked, member_comment))
        + " | "
        + (f"{statistics.median(feature):.2f} (worst {max(feature):.2f})" if feature else "n/a")
        + " |"
    )


print(f"| workspace | `cargo metadata` warm | audit / metadata, warm ({pairs} pairs) | "
      + " | ".join(f"after {what} ({edits})" for what in (
          "a comment", "a `metadata` table edit", "a custom profile", "a release setting",
          "a dev setting", "`Cargo.lock` rewritten", "a member's comment",
          "a member's new feature"))
      + " |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for d in sys.argv[4:]:
    try:
        print(measure(d), flush=True)
    except Exception as e:  # one workspace failing must not hide the others
        print(f"| {os.path.basename(os.path.normpath(d))} | failed: {e} |" + " |" * 9, flush=True)
