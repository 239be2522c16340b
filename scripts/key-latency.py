#!/usr/bin/env python3
"""Time from a key press (tmux send-keys) to baton's answer on the
terminal: the typescript file of `script` grows. Prints median, p95, p99
and max in milliseconds.

    scripts/key-latency.py TYPESCRIPT TMUX_SOCKET PRESSES
"""
import os, subprocess, sys, time
ts, sock, presses = sys.argv[1], sys.argv[2], int(sys.argv[3])
lat = []
for i in range(presses):
    # Right after a redraw (an update or the clock), so the next bytes are
    # most likely the key's answer; updates keep arriving meanwhile.
    start = os.path.getsize(ts)
    t = time.monotonic()
    while os.path.getsize(ts) == start and time.monotonic() - t < 2:
        time.sleep(0.001)
    time.sleep(0.05 + (i % 10) * 0.03)
    size = os.path.getsize(ts)
    t0 = time.monotonic()
    subprocess.run(["tmux", "-L", sock, "send-keys", "Down" if i % 2 == 0 else "Up"], check=True)
    while os.path.getsize(ts) == size and time.monotonic() - t0 < 2:
        time.sleep(0.0002)
    lat.append((time.monotonic() - t0) * 1000)
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"{q(0.5):.1f} {q(0.95):.1f} {q(0.99):.1f} {lat[-1]:.1f}")
