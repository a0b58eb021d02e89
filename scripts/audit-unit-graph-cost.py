#!/usr/bin/env python3
"""What reading cargo's unit graphs adds to `cargo tune audit`, relative to `cargo metadata`.

Runs `cargo metadata`, an audit binary built without unit graphs (BASE) and one with them (NEW)
in rotating order, N trios, and prints the medians of wall time and of CPU time (user + sys of
the process and its children, from getrusage), and the median of (NEW - BASE) / metadata per
trio with its 10th-90th percentile. CPU time is the steadier figure on a shared machine, where
cargo's package cache lock makes wall times wait on other cargo processes. With COLD=1 in the
environment, NEW's unit-graph memo is removed before each of its runs.

Usage: scripts/audit-unit-graph-cost.py WORKSPACE_DIR BASE_BINARY NEW_BINARY [N]
"""
import os, resource, statistics, subprocess, sys, time
ws, base, new = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
n = int(sys.argv[4]) if len(sys.argv) > 4 else 15
os.chdir(ws)
cmds = {
    "metadata": ["cargo", "metadata", "--format-version", "1", "--locked"],
    "base": [base, "tune", "audit", "--format", "json", "--locked"],
    "new": [new, "tune", "audit", "--format", "json", "--locked"],
}
def run(cmd):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    t = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return t, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
for _ in range(2):
    for c in cmds.values(): run(c)
wall = {k: [] for k in cmds}; cpu = {k: [] for k in cmds}; extra = []; extra_cpu = []
order = list(cmds)
for i in range(n):
    o = order[i % 3:] + order[:i % 3]
    res = {}
    for k in o:
        if k == "new" and os.environ.get("COLD"):
            try:
                os.remove("target/cargo-tune/unit-graphs.json")
            except FileNotFoundError:
                pass
        res[k] = run(cmds[k])
    for k in cmds:
        wall[k].append(res[k][0]); cpu[k].append(res[k][1])
    extra.append((res["new"][0] - res["base"][0]) / res["metadata"][0])
    extra_cpu.append((res["new"][1] - res["base"][1]) / res["metadata"][1])
med = statistics.median
for k in cmds:
    print(f"{k:9} wall median {med(wall[k])*1000:.0f} ms, cpu (user+sys) median {med(cpu[k])*1000:.0f} ms")
extra.sort(); extra_cpu.sort(); d = len(extra) // 10
print(f"(new - base) / metadata, wall: median {med(extra):.3f} [{extra[d]:.3f}, {extra[-1-d]:.3f}] over {n} trios")
print(f"(new - base) / metadata, cpu:  median {med(extra_cpu):.3f} [{extra_cpu[d]:.3f}, {extra_cpu[-1-d]:.3f}]")
