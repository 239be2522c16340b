#!/usr/bin/env python3
"""A fleet endpoint for the scale benchmarks: N pairs in baton's default
shape at http://127.0.0.1:PORT/fleet.json, about 1 % of them changing each
second (their lag), the rest byte for byte the same; and the same pairs'
lag and scores in Prometheus's text format at /metrics. A load generator
apart from baton, so baton's own CPU is measured alone.

    scripts/fleet-server.py N PORT [inventory]

With `inventory`, fleet.json lists the pairs and their members only (no
lag, no scores: it never changes), for a console that reads the figures
from Prometheus.
"""
import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

n, port = int(sys.argv[1]), int(sys.argv[2])
inventory = len(sys.argv) > 3 and sys.argv[3] == "inventory"
rng = random.Random(7)
regions = [("eu-west-1", "aws"), ("eu-central-1", "hetzner"), ("us-east-1", "aws")]


def entry(i, lag, sa, sb):
    r, p = regions[i % 3]
    r2, p2 = regions[(i + 1) % 3]
    primary = {"id": f"gw-{1000 + i}-a", "status": "ACTIVE", "region": r, "provider": p}
    standby = {"id": f"gw-{1000 + i}-b", "status": "STANDBY", "region": r2, "provider": p2}
    e = {"id": f"acct-{1000 + i}", "primary": primary, "standby": standby}
    if not inventory:
        primary["health_score"] = sa
        standby["health_score"] = sb
        e["replication_lag_seconds"] = lag
    return json.dumps(e).encode()


def metric(i, lag, sa, sb):
    return (
        f'replication_lag_seconds{{pair="acct-{1000 + i}"}} {lag}\n'
        f'health_score{{instance="gw-{1000 + i}-a"}} {sa}\n'
        f'health_score{{instance="gw-{1000 + i}-b"}} {sb}\n'
    ).encode()


state = [(round(rng.uniform(0.2, 2.5), 1), rng.randint(85, 98), rng.randint(80, 97)) for _ in range(n)]
entries = [entry(i, *s) for i, s in enumerate(state)]
metrics = [metric(i, *s) for i, s in enumerate(state)]
HEAD = b"# TYPE replication_lag_seconds gauge\n# TYPE health_score gauge\n"
body = b'{"pairs": [' + b",".join(entries) + b"]}"
text = HEAD + b"".join(metrics)
lock = threading.Lock()


def churn():
    global body, text
    while True:
        time.sleep(1)
        for _ in range(max(1, n // 100)):
            i = rng.randrange(n)
            lag, sa, sb = state[i]
            state[i] = (round(min(4.0, max(0.1, lag + rng.uniform(-0.5, 0.5))), 1), sa, sb)
            entries[i] = entry(i, *state[i])
            metrics[i] = metric(i, *state[i])
        new = b'{"pairs": [' + b",".join(entries) + b"]}"
        new_text = HEAD + b"".join(metrics)
        with lock:
            body, text = new, new_text


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        with lock:
            b, t = body, text
        if self.path.startswith("/metrics"):
            b, kind = t, "text/plain; version=0.0.4"
        else:
            kind = "application/json"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def log_message(self, *args):
        pass


threading.Thread(target=churn, daemon=True).start()
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
