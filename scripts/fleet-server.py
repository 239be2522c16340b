#!/usr/bin/env python3
"""A fleet endpoint for the scale benchmarks: N pairs in baton's default
shape at http://127.0.0.1:PORT/fleet.json, about 1 % of them changing each
second (their lag and scores), the rest byte for byte the same. A load
generator apart from baton, so baton's own CPU is measured alone.

    scripts/fleet-server.py N PORT
"""
import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

n, port = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(7)
regions = [("eu-west-1", "aws"), ("eu-central-1", "hetzner"), ("us-east-1", "aws")]


def entry(i, lag, sa, sb):
    r, p = regions[i % 3]
    r2, p2 = regions[(i + 1) % 3]
    return json.dumps({
        "id": f"acct-{1000 + i}",
        "primary": {"id": f"gw-{1000 + i}-a", "status": "ACTIVE", "health_score": sa, "region": r, "provider": p},
        "standby": {"id": f"gw-{1000 + i}-b", "status": "STANDBY", "health_score": sb, "region": r2, "provider": p2},
        "replication_lag_seconds": lag,
    }).encode()


state = [(round(rng.uniform(0.2, 2.5), 1), rng.randint(85, 98), rng.randint(80, 97)) for _ in range(n)]
entries = [entry(i, *s) for i, s in enumerate(state)]
body = b'{"pairs": [' + b",".join(entries) + b"]}"
lock = threading.Lock()


def churn():
    global body
    while True:
        time.sleep(1)
        for _ in range(max(1, n // 100)):
            i = rng.randrange(n)
            lag, sa, sb = state[i]
            state[i] = (round(min(4.0, max(0.1, lag + rng.uniform(-0.5, 0.5))), 1), sa, sb)
            entries[i] = entry(i, *state[i])
        new = b'{"pairs": [' + b",".join(entries) + b"]}"
        with lock:
            body = new


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        with lock:
            b = body
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def log_message(self, *args):
        pass


threading.Thread(target=churn, daemon=True).start()
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
