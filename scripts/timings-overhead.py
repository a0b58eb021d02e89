#!/usr/bin/env python3
"""Interleaved wall-time comparison of a clean `cargo build` and `cargo tune timings`.

Both build the whole workspace from an empty target directory (removed before each run, outside
the timed part); `cargo tune timings` adds everything it does around the build: cargo metadata,
the toolchain probes, `cargo build --unit-graph`, `--timings` and the JSON messages, reading the
report and the audit that gets costed. Pairs alternate which command runs first (A B, B A, ...)
so that drift in the machine's speed hits both alike. Prints every pair, the medians and the
median of the per-pair ratios.
Usage: scripts/timings-overhead.py WORKSPACE_DIR CARGO_TUNE_BINARY [PAIRS]
"""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

workspace, binary = sys.argv[1], os.path.abspath(sys.argv[2])
pairs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
os.chdir(workspace)
env = dict(os.environ, RUSTC_WRAPPER="", RUSTC_WORKSPACE_WRAPPER="")
plain_dir = os.path.join(workspace, "target", "plain-build")
tune_dir = os.path.join(workspace, "target", "cargo-tune", "timings", "dev-clean")
plain = ["cargo", "build", "--workspace", "--locked", "--offline"]
tune = [binary, "tune", "timings", "--locked", "--offline", "--format", "json"]


cpu = {"plain": [], "tune": []}


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd, target_dir, extra_env, name):
    shutil.rmtree(target_dir, ignore_errors=True)
    cpu_before = children_cpu()
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=dict(env, **extra_env))
    wall = time.perf_counter() - start
    cpu[name].append(children_cpu() - cpu_before)
    return wall


def run_plain():
    return timed(plain, plain_dir, {"CARGO_TARGET_DIR": plain_dir}, "plain")


def run_tune():
    return timed(tune, tune_dir, {}, "tune")


# One unmeasured build of each, so that sources and the toolchain are in the page cache.
run_plain()
run_tune()
cpu = {"plain": [], "tune": []}
a, b, ratios = [], [], []
for i in range(pairs):
    if i % 2 == 0:
        x, y = run_plain(), run_tune()
    else:
        y, x = run_tune(), run_plain()
    a.append(x)
    b.append(y)
    ratios.append(y / x)
    print(f"pair {i + 1}: cargo build {x:.2f} s ({cpu['plain'][-1]:.1f} s CPU), "
          f"cargo tune timings {y:.2f} s ({cpu['tune'][-1]:.1f} s CPU), ratio {y / x:.3f}",
          flush=True)
print(
    f"cargo build median {statistics.median(a):.2f} s, "
    f"cargo tune timings median {statistics.median(b):.2f} s, "
    f"ratio median {statistics.median(ratios):.3f} "
    f"[min {min(ratios):.3f}, max {max(ratios):.3f}] over {pairs} pairs; CPU (user+sys) median "
    f"{statistics.median(cpu['plain']):.1f} s vs {statistics.median(cpu['tune']):.1f} s, ratio "
    f"{statistics.median(cpu['tune']) / statistics.median(cpu['plain']):.3f}"
)
