#!/usr/bin/env bash
# The fleet benchmark: N instance health endpoints on 127.0.0.1 (nginx),
# polled every second by baton (an `http` source, in a 200x60 tmux pane
# under `script`) and scraped every second by a real Prometheus, side by
# side for the same time. Prints CPU (% of one core, from /proc), peak RSS,
# bytes written to the terminal per second, and the CPU ratio. Then, with
# every source timing out (a listener that never answers), the time from a
# key press to the screen's answer.
#   scripts/bench-fleet.sh [N] [SECONDS]
# Needs: tmux, nginx, prometheus, script (bsdutils), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
secs=${2:-60}
for c in tmux nginx prometheus script python3; do
  command -v $c >/dev/null || { echo "needs $c (Debian: apt-get install tmux nginx-light prometheus bsdutils python3)"; exit 1; }
done
cargo build --release --quiet
bin=$PWD/target/release/baton
work=$(mktemp -d)
sock=baton-bench-$$
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
hole=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pids=()
cleanup() {
  pkill -f "^$bin --config $work/" 2>/dev/null || true
  tmux -L $sock kill-server 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Ending tmux does not end `script` and baton under it: each phase's baton
# is stopped by pid, or it goes on polling and loads the next phase.
stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

# The same body for both: valid Prometheus text, and "reachable" for baton.
mkdir -p "$work/nginx/logs"
# nginx workers run as an unprivileged user: they must be able to read the files.
chmod 755 "$work" "$work/nginx"
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 2;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $work/nginx/cb; proxy_temp_path $work/nginx/px;
  fastcgi_temp_path $work/nginx/fc; uwsgi_temp_path $work/nginx/uw; scgi_temp_path $work/nginx/sc;
  server { listen 127.0.0.1:$port;
    location = /fleet.json { root $work/nginx; default_type application/json; }
    location / { default_type text/plain; return 200 "health_score 90\n"; } }
}
NGINX
python3 - "$n" "$port" "$work" <<'PY'
import sys
n, port, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
cfg = [f'[console]\ntitle = "bench"\njournal_dir = "{work}/journal"\n',
       '[[source]]\nname = "health"\nkind = "http"\ninterval = "1s"\ntimeout = "900ms"\nmax_in_flight = 64\n']
prom = ['global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: fleet\n    static_configs:\n']
for p in range(n // 2):
    a, b = f'gw-{p}-a', f'gw-{p}-b'
    cfg.append(f'[[pair]]\nid = "acct-{p}"\nprimary = {{ id = "{a}", region = "r1", health = "http://127.0.0.1:{port}/health/{a}" }}\n'
               f'standby = {{ id = "{b}", region = "r2", health = "http://127.0.0.1:{port}/health/{b}" }}\n')
    for i in (a, b):
        prom.append(f"      - targets: ['127.0.0.1:{port}']\n        labels: {{__metrics_path__: /health/{i}, gw: {i}}}\n")
open(f'{work}/baton.toml', 'w').write('\n'.join(cfg))
open(f'{work}/prometheus.yml', 'w').write(''.join(prom))
open(f'{work}/hole.toml', 'w').write('\n'.join(cfg).replace(f':{port}/', ':HOLE/'))
# The same fleet as one control-plane document, for a `fleet` source.
import json
pairs = [{"id": f"acct-{p}", "primary": {"id": f"gw-{p}-a", "status": "ACTIVE", "health_score": 90, "region": "r1"},
          "standby": {"id": f"gw-{p}-b", "status": "STANDBY", "health_score": 85, "region": "r2"},
          "replication_lag_seconds": 0.5} for p in range(n // 2)]
open(f'{work}/nginx/fleet.json', 'w').write(json.dumps({"pairs": pairs}))
open(f'{work}/fleet.toml', 'w').write(f'[console]\ntitle = "bench"\njournal_dir = "{work}/journal"\n\n[[source]]\nname = "fleet"\nkind = "fleet"\nurl = "http://127.0.0.1:{port}/fleet.json"\ninterval = "1s"\ntimeout = "900ms"\n')
PY
sed -i "s/:HOLE\//:$hole\//" "$work/hole.toml"
chmod 644 "$work/nginx/fleet.json"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" & pids+=($!)

prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom" \
  --web.listen-address=127.0.0.1:$pport >"$work/prom.log" 2>&1 & pids+=($!)
prom_pid=$!
tmux -L $sock -f /dev/null new-session -d -x 200 -y 60 \
  "cd $work && HOME=$work script -q -f -c '$bin --config $work/baton.toml' $work/ts"
sleep 3
baton_pid=$(pgrep -f -n "^$bin --config $work/baton.toml" | head -1)
sleep 15
ticks() { awk '{print $14 + $15}' /proc/"$1"/stat; }
hz=$(getconf CLK_TCK)
b0=$(ticks "$baton_pid"); p0=$(ticks "$prom_pid"); s0=$(stat -c %s "$work/ts")
sleep "$secs"
b1=$(ticks "$baton_pid"); p1=$(ticks "$prom_pid"); s1=$(stat -c %s "$work/ts")
up=$(python3 -c "import json,urllib.request;print(json.load(urllib.request.urlopen('http://127.0.0.1:$pport/api/v1/query?query=count(up==1)'))['data']['result'][0]['value'][1])" 2>/dev/null || echo "?")
bcpu=$(python3 -c "print(round(100*($b1-$b0)/$hz/$secs,2))")
pcpu=$(python3 -c "print(round(100*($p1-$p0)/$hz/$secs,2))")
tmux -L $sock capture-pane -p | grep -o "Pairs ([0-9 ]*)" | head -1
tmux -L $sock capture-pane -p | tail -1 | cut -c1-60
echo "endpoints: $n, polled every 1 s, measured over $secs s"
echo "baton:      CPU $bcpu % of one core, peak RSS $(awk '/VmHWM/{print $2/1024 " MiB"}' /proc/$baton_pid/status), terminal $(( (s1 - s0) / secs )) B/s"
echo "prometheus: CPU $pcpu % of one core, peak RSS $(awk '/VmHWM/{print $2/1024 " MiB"}' /proc/$prom_pid/status), targets up: $up"
python3 -c "b,p=$bcpu,$pcpu; print(f'ratio baton/prometheus CPU: {b/p:.2f}' if p else 'ratio: n/a')"
stop_pid "$baton_pid"
tmux -L $sock kill-server
kill "$prom_pid" 2>/dev/null || true

# The same fleet through one `fleet` source (a control-plane endpoint).
rm -f "$work/ts"
tmux -L $sock -f /dev/null new-session -d -x 200 -y 60 \
  "cd $work && HOME=$work script -q -f -c '$bin --config $work/fleet.toml' $work/ts"
sleep 3
fleet_pid=$(pgrep -f -n "^$bin --config $work/fleet.toml" | head -1)
sleep 12
f0=$(ticks "$fleet_pid"); s0=$(stat -c %s "$work/ts")
sleep "$secs"
f1=$(ticks "$fleet_pid"); s1=$(stat -c %s "$work/ts")
# What baton shows: the pair count and the source's health.
tmux -L $sock capture-pane -p | grep -o "Pairs ([0-9 ]*)" | head -1
tmux -L $sock capture-pane -p | tail -1 | cut -c1-60
echo "baton, $(( n / 2 )) pairs through one fleet source every 1 s: CPU $(python3 -c "print(round(100*($f1-$f0)/$hz/$secs,2))") % of one core, peak RSS $(awk '/VmHWM/{print $2/1024 " MiB"}' /proc/$fleet_pid/status), terminal $(( (s1 - s0) / secs )) B/s"
stop_pid "$fleet_pid"
tmux -L $sock kill-server

# Every source timing out: a listener that accepts and never answers.
python3 -c "
import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',$hole)); s.listen(4096)
conns=[]
while True:
    c,_=s.accept(); conns.append(c)
" & pids+=($!)
rm -f "$work/ts"
tmux -L $sock -f /dev/null new-session -d -x 200 -y 60 \
  "cd $work && HOME=$work script -q -f -c '$bin --config $work/hole.toml' $work/ts"
sleep 8
read -r med p95 p99 max < <(python3 scripts/key-latency.py "$work/ts" "$sock" 20)
echo "key press to screen, every source timing out: median $med ms, p95 $p95 ms, max $max ms (20 presses, tmux send-keys included)"
