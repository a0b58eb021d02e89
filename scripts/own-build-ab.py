#!/usr/bin/env python3
"""cargo-tune's own build at two revisions, side by side: clean `check` and `dev-incremental`.

Each revision is checked out aside (`git worktree`) with a target directory of its own. Then
PAIRS interleaved pairs per scenario, the order swapped every pair so that drift in the
machine's speed does not favour one side:
- clean check: the target directory removed, `cargo check --workspace --all-targets`;
- dev-incremental: after one untimed `cargo build --workspace`, the engine's `lib.rs` touched
  and `cargo build --workspace` timed; then the same with the workspace model's `model.rs`
  touched (a lower layer, where an edit rebuilds everything above it).
Prints, per scenario, the median of each side and the ratio B/A: the geometric mean of the
per-pair ratios with its 95 % interval (t on the log ratios).

Usage: scripts/own-build-ab.py REV_A REV_B PAIRS [SCRATCH [RACES]]

RACES is a comma-separated subset of `clean,incremental,lower` (default: all three).
"""
import math
import os
import shutil
import statistics
import subprocess
import sys
import time

rev_a, rev_b, pairs = sys.argv[1], sys.argv[2], int(sys.argv[3])
scratch = sys.argv[4] if len(sys.argv) > 4 else "/tmp/own-build-ab"
races = set((sys.argv[5] if len(sys.argv) > 5 else "clean,incremental,lower").split(","))
repo = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                      check=True).stdout.strip()
# Two-sided 97.5 % quantiles of Student's t for 1..10 degrees of freedom.
T975 = [12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]


def checkout(rev, name):
    path = os.path.join(scratch, name)
    subprocess.run(["git", "worktree", "remove", "--force", path], cwd=repo,
                   capture_output=True)
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run(["git", "worktree", "add", "--detach", "-f", path, rev], cwd=repo, check=True,
                   capture_output=True)
    return path


def cargo(tree, *args):
    start = time.perf_counter()
    subprocess.run(["cargo", *args, "--locked", "--offline", "--quiet"], cwd=tree, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def clean_check(tree):
    shutil.rmtree(os.path.join(tree, "target"), ignore_errors=True)
    return cargo(tree, "check", "--workspace", "--all-targets")


def incremental(tree):
    os.utime(os.path.join(tree, "crates/cargo-tune-core/src/lib.rs"))
    return cargo(tree, "build", "--workspace")


def lower_layer_incremental(tree):
    # The workspace model: in cargo-tune-base once that crate exists, in the engine before.
    for crate in ("cargo-tune-base", "cargo-tune-core"):
        path = os.path.join(tree, "crates", crate, "src/workspace/model.rs")
        if os.path.exists(path):
            os.utime(path)
            return cargo(tree, "build", "--workspace")
    raise SystemExit(f"no workspace/model.rs in {tree}")


def interval(ratios):
    logs = [math.log(r) for r in ratios]
    mean = statistics.mean(logs)
    if len(logs) < 2:
        return math.exp(mean), float("nan"), float("nan")
    half = T975[min(len(logs) - 1, len(T975)) - 1] * statistics.stdev(logs) / math.sqrt(len(logs))
    return math.exp(mean), math.exp(mean - half), math.exp(mean + half)


def race(name, trees, measure):
    times = {"A": [], "B": []}
    ratios = []
    for i in range(pairs):
        order = ["A", "B"] if i % 2 == 0 else ["B", "A"]
        got = {side: measure(trees[side]) for side in order}
        for side in got:
            times[side].append(got[side])
        ratios.append(got["B"] / got["A"])
        print(f"  {name} pair {i + 1} ({order[0]} first): A {got['A']:.2f} s, B {got['B']:.2f} s",
              flush=True)
    ratio, low, high = interval(ratios)
    print(f"{name}: A median {statistics.median(times['A']):.2f} s, B median "
          f"{statistics.median(times['B']):.2f} s, B/A {ratio:.3f} [{low:.3f}, {high:.3f}] over "
          f"{pairs} pairs", flush=True)


os.makedirs(scratch, exist_ok=True)
trees = {"A": checkout(rev_a, "a"), "B": checkout(rev_b, "b")}
for tree in trees.values():
    subprocess.run(["cargo", "fetch", "--locked"], cwd=tree, check=True, capture_output=True)
print(f"A = {rev_a}, B = {rev_b}", flush=True)
if "clean" in races:
    race("clean check", trees, clean_check)
if races & {"incremental", "lower"}:
    for tree in trees.values():
        cargo(tree, "build", "--workspace")
if "incremental" in races:
    race("dev-incremental", trees, incremental)
if "lower" in races:
    race("dev-incremental, a lower layer touched", trees, lower_layer_incremental)
