#!/usr/bin/env bash
# The scale benchmark (issue 18), at 1 000, 10 000 and 100 000 pairs, about
# 1 % of them changing each second (scripts/fleet-server.py, a separate
# process, not counted), by two paths in one run:
#   fleet       one `fleet` source polled every second;
#   prometheus  the pairs from a `fleet` inventory polled every 30 s, their
#               lag from an instant query over N series every second and
#               their scores from one over 2N series every 5 s, answered by
#               a real Prometheus scraping the same server every second.
# For each: baton's CPU (% of one core, from /proc), its resident memory,
# the bytes it writes to the terminal, the time from a key press to the
# screen's answer while updates arrive (median, p95, p99, max), and the
# peer's CPU; then the ratios to the smallest size.
#   scripts/bench-scale.sh [SECONDS] [PRESSES] [SIZES...]
#   BATON_SCALE_PATHS="fleet prometheus" (the default) chooses the paths;
#   BATON_BIN=path measures that binary instead of building this tree.
# Needs: tmux, script (bsdutils), python3, and prometheus for that path.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
presses=${2:-60}
shift $(( $# > 2 ? 2 : $# )) || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
paths=${BATON_SCALE_PATHS:-fleet prometheus}
for c in tmux script python3; do
  command -v $c >/dev/null || { echo "needs $c (Debian: apt-get install tmux bsdutils python3)"; exit 1; }
done
case " $paths " in *" prometheus "*)
  command -v prometheus >/dev/null || { echo "needs prometheus (Debian: apt-get install prometheus)"; exit 1; } ;;
esac
# BATON_BIN measures another build (an A/B of one change in one setup).
if [ -n "${BATON_BIN:-}" ]; then
  bin=$(realpath "$BATON_BIN")
else
  cargo build --release --quiet
  bin=$PWD/target/release/baton
fi
work=$(mktemp -d)
sock=baton-scale-$$
server=""
prom=""
pid=""
# Ending tmux does not end `script` and baton under it: stopped by pid, or
# they would go on polling and skew the next phase's figures.
stop_pid() {
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}
stop_all() {
  stop_pid "$pid"; pid=""
  tmux -L $sock kill-server 2>/dev/null || true
  stop_pid "$prom"; prom=""
  stop_pid "$server"; server=""
}
cleanup() {
  stop_all
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' /proc/"$1"/stat; }
hz=$(getconf CLK_TCK)
results="$work/results"
: > "$results"

# Prometheus on a scrape of the server every second; up once a query
# answers with all N series.
start_prometheus() {
  local n=$1 port=$2 pport=$3
  mkdir -p "$work/prom"
  cat > "$work/prom/prometheus.yml" <<YML
global: { scrape_interval: 1s, scrape_timeout: 1s }
scrape_configs:
  - job_name: fleet
    honor_labels: true
    static_configs: [ { targets: ["127.0.0.1:$port"] } ]
YML
  # At nice 10: on an estate Prometheus has a host of its own; here its
  # 100 000-series queries would take most of both cores from baton.
  nice -n 10 prometheus --config.file="$work/prom/prometheus.yml" --storage.tsdb.path="$work/prom/data" \
    --web.listen-address="127.0.0.1:$pport" --log.level=warn > "$work/prom/log" 2>&1 &
  prom=$!
  for _ in $(seq 240); do
    got=$(curl -s "http://127.0.0.1:$pport/api/v1/query?query=count(replication_lag_seconds)" 2>/dev/null \
      | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' 2>/dev/null || echo 0)
    [ "$got" = "$n" ] && return 0
    sleep 0.5
  done
  echo "prometheus never held $n series"; tail -5 "$work/prom/log"; exit 1
}

measure() {
  local path=$1 n=$2
  local port pport
  port=$(free_port)
  if [ "$path" = prometheus ]; then
    python3 scripts/fleet-server.py "$n" "$port" inventory & server=$!
    pport=$(free_port)
    start_prometheus "$n" "$port" "$pport"
    cat > "$work/baton.toml" <<TOML
[console]
title = "scale"
journal_dir = "$work/journal"

[[source]]
name = "inventory"
kind = "fleet"
url = "http://127.0.0.1:$port/fleet.json"
interval = "30s"
timeout = "10s"

[[source]]
name = "lag"
kind = "prometheus"
url = "http://127.0.0.1:$pport"
query = "replication_lag_seconds"
measure = "lag"
interval = "1s"
timeout = "900ms"

[[source]]
name = "scores"
kind = "prometheus"
url = "http://127.0.0.1:$pport"
query = "health_score"
measure = "health_score"
interval = "5s"
timeout = "4s"
TOML
  else
    python3 scripts/fleet-server.py "$n" "$port" & server=$!
    cat > "$work/baton.toml" <<TOML
[console]
title = "scale"
journal_dir = "$work/journal"

[[source]]
name = "fleet"
kind = "fleet"
url = "http://127.0.0.1:$port/fleet.json"
interval = "1s"
timeout = "900ms"
TOML
  fi
  rm -f "$work/ts"
  tmux -L $sock -f /dev/null new-session -d -x 200 -y 60 \
    "cd $work && HOME=$work XDG_STATE_HOME=$work/state script -q -f -c '$bin --config $work/baton.toml' $work/ts"
  # Up when the pane counts every pair (a loaded machine may take a while).
  # The count is drawn with a thousands separator ("Pairs (100 000)").
  shown() { tmux -L $sock capture-pane -p 2>/dev/null | grep -o 'Pairs ([^)]*)' | head -1 | tr -cd '0-9'; }
  for _ in $(seq 120); do
    [ "$(shown)" = "$n" ] && break
    sleep 0.5
  done
  [ "$(shown)" = "$n" ] || { echo "$path $n pairs: never shown"; tmux -L $sock capture-pane -p | head -5; exit 1; }
  pid=$(pgrep -f -n "^$bin --config $work/baton.toml")
  sleep 5
  # The peer: the fleet server, or Prometheus (what a user would run).
  local peer=${prom:-$server}
  b0=$(ticks "$pid"); f0=$(ticks "$peer"); s0=$(stat -c %s "$work/ts")
  sleep "$secs"
  b1=$(ticks "$pid"); f1=$(ticks "$peer"); s1=$(stat -c %s "$work/ts")
  cpu=$(python3 -c "print(round(100*($b1-$b0)/$hz/$secs,2))")
  fcpu=$(python3 -c "print(round(100*($f1-$f0)/$hz/$secs,1))")
  rss=$(awk '/VmRSS/{printf "%.0f", $2/1024}' /proc/"$pid"/status)
  hwm=$(awk '/VmHWM/{printf "%.0f", $2/1024}' /proc/"$pid"/status)
  bps=$(( (s1 - s0) / secs ))
  lat=$(python3 scripts/key-latency.py "$work/ts" "$sock" "$presses")
  # Every pair still fresh at the end: the path kept up.
  stale=$(tmux -L $sock capture-pane -p | grep -c ' STALE ' || true)
  echo "$path $n $cpu $rss $hwm $bps $lat $fcpu $stale" >> "$results"
  stop_all
  rm -rf "$work/journal" "$work/state" "$work/prom"
  sleep 1
}

for path in $paths; do
  for n in "${sizes[@]}"; do
    measure "$path" "$n"
  done
done

python3 - "$results" "$secs" "$presses" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(f"about 1 % of the pairs changing per second; CPU over {sys.argv[2]} s; {sys.argv[3]} key presses (tmux send-keys included) while updates arrive")
print("fleet: one fleet source every 1 s (peer: the fleet server); prometheus: lag every 1 s, scores every 5 s from a real Prometheus (peer: Prometheus)")
print(f"{'path':>10} {'pairs':>7} {'CPU % core':>10} {'RSS MiB':>8} {'peak MiB':>8} {'term B/s':>8} {'key median':>10} {'p95':>6} {'p99':>6} {'max':>6} {'peer CPU %':>10} {'STALE rows':>10}")
for r in rows:
    print(f"{r[0]:>10} {r[1]:>7} {r[2]:>10} {r[3]:>8} {r[4]:>8} {r[5]:>8} {r[6]:>10} {r[7]:>6} {r[8]:>6} {r[9]:>6} {r[10]:>10} {r[11]:>10}")
for path in dict.fromkeys(r[0] for r in rows):
    mine = [r for r in rows if r[0] == path]
    base = mine[0]
    for r in mine[1:]:
        k = int(r[1]) / int(base[1])
        c = float(r[2]) / float(base[2]) if float(base[2]) else float("nan")
        m = float(r[3]) / float(base[3]) if float(base[3]) else float("nan")
        print(f"{path}: {r[1]} vs {base[1]} pairs ({k:.0f}x the fleet): CPU {c:.1f}x, RSS {m:.1f}x")
PY
