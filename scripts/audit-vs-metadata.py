#!/usr/bin/env python3
"""Interleaved wall-time comparison of `cargo tune audit --format json` and `cargo metadata`.

Runs the two commands alternately, swapping which goes first in every other pair (A B, B A, ...),
so that drift in the machine's speed and any advantage of running second hit both alike, and prints the medians and the median of the per-pair ratios with its 10th-90th
percentile range. Usage: scripts/audit-vs-metadata.py WORKSPACE_DIR CARGO_TUNE_BINARY [PAIRS]
"""
import os
import statistics
import subprocess
import sys
import time

workspace, binary = sys.argv[1], os.path.abspath(sys.argv[2])
pairs = int(sys.argv[3]) if len(sys.argv) > 3 else 30
os.chdir(workspace)
metadata = ["cargo", "metadata", "--format-version", "1", "--locked"]
audit = [binary, "tune", "audit", "--format", "json", "--locked"]


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


for _ in range(3):
    timed(metadata)
    timed(audit)
a, b, ratios = [], [], []
for i in range(pairs):
    if i % 2 == 0:
        x, y = timed(metadata), timed(audit)
    else:
        y, x = timed(audit), timed(metadata)
    a.append(x)
    b.append(y)
    ratios.append(y / x)
ratios.sort()
tenth = len(ratios) // 10
print(
    f"cargo metadata median {statistics.median(a) * 1000:.0f} ms, "
    f"cargo tune audit median {statistics.median(b) * 1000:.0f} ms, "
    f"ratio median {statistics.median(ratios):.3f} "
    f"[{ratios[tenth]:.3f}, {ratios[-tenth - 1]:.3f}] over {pairs} pairs"
)
