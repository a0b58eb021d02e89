#!/usr/bin/env python3
"""Peak resident memory of one process, not of its children.

`/usr/bin/time` reports the largest of a process and everything it waited for, so a command that
runs `cargo metadata` or rustc reports theirs. This samples the process's own high-water mark
(`VmHWM` in /proc/PID/status) until it exits. Usage: scripts/peak-rss.py COMMAND [ARGS...]
"""
import subprocess
import sys
import time

proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak = 0
while proc.poll() is None:
    try:
        with open(f"/proc/{proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    except OSError:
        pass
    time.sleep(0.0005)
print(f"peak RSS {peak} kB (exit code {proc.returncode})")
