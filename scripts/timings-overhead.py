#!/usr/bin/env python3
"""Interleaved wall-time comparison of a clean `cargo build`, the same with `--timings
--message-format=json-render-diagnostics` (what `cargo tune timings` asks of cargo), and
`cargo tune timings`.

All build the whole workspace from an empty target directory (removed before each run, outside
the timed part); `cargo tune timings` adds everything it does around the build: cargo metadata,
the toolchain probes, `cargo build --unit-graph`, `--timings` and the JSON messages, reading the
report and the audit that gets costed. Each round runs the three in a rotated order (A B C,
B C A, C A B, ...) so that drift in the machine's speed hits all alike. Prints every round, the
medians and the medians of the per-round ratios to the plain build, wall and CPU (user + sys).
Usage: scripts/timings-overhead.py WORKSPACE_DIR CARGO_TUNE_BINARY [ROUNDS]
"""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

workspace, binary = sys.argv[1], os.path.abspath(sys.argv[2])
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
os.chdir(workspace)
env = dict(os.environ, RUSTC_WRAPPER="", RUSTC_WORKSPACE_WRAPPER="")
plain_dir = os.path.join(workspace, "target", "plain-build")
tune_dir = os.path.join(workspace, "target", "cargo-tune", "timings", "dev-clean")
plain = ["cargo", "build", "--workspace", "--locked", "--offline"]
tune = [binary, "tune", "timings", "--locked", "--offline", "--format", "json"]


timings_dir = os.path.join(workspace, "target", "timings-build")
timings = plain + ["--timings", "--message-format=json-render-diagnostics"]
COMMANDS = {
    "cargo build": (plain, plain_dir, {"CARGO_TARGET_DIR": plain_dir}),
    "cargo build --timings": (timings, timings_dir, {"CARGO_TARGET_DIR": timings_dir}),
    "cargo tune timings": (tune, tune_dir, {}),
}


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(name):
    cmd, target_dir, extra_env = COMMANDS[name]
    shutil.rmtree(target_dir, ignore_errors=True)
    cpu_before = children_cpu()
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=dict(env, **extra_env))
    return time.perf_counter() - start, children_cpu() - cpu_before


# One unmeasured build of each, so that sources and the toolchain are in the page cache.
names = list(COMMANDS)
for name in names:
    timed(name)
wall = {n: [] for n in names}
cpu = {n: [] for n in names}
for r in range(rounds):
    order = names[r % 3:] + names[:r % 3]
    for name in order:
        w, c = timed(name)
        wall[name].append(w)
        cpu[name].append(c)
    print(f"round {r + 1} ({', '.join(order)}): " + "; ".join(
        f"{n} {wall[n][-1]:.2f} s wall {cpu[n][-1]:.1f} s CPU" for n in names), flush=True)
base = names[0]
for name in names[1:]:
    ratios = sorted(w / b for w, b in zip(wall[name], wall[base]))
    cpu_ratios = sorted(c / b for c, b in zip(cpu[name], cpu[base]))
    print(f"{name}: wall median {statistics.median(wall[name]):.2f} s vs "
          f"{statistics.median(wall[base]):.2f} s, ratio median {statistics.median(ratios):.3f} "
          f"[min {ratios[0]:.3f}, max {ratios[-1]:.3f}]; CPU median "
          f"{statistics.median(cpu[name]):.1f} s vs {statistics.median(cpu[base]):.1f} s, ratio "
          f"median {statistics.median(cpu_ratios):.3f} over {rounds} rounds")
