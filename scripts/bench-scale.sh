#!/usr/bin/env bash
# The scale benchmark (issue 18): baton on one `fleet` source polled every
# second, at 1 000, 10 000 and 100 000 pairs, about 1 % of them changing
# each second (scripts/fleet-server.py, a separate process, not counted).
# For each size, in one run: baton's CPU (% of one core, from /proc), its
# resident memory, the bytes it writes to the terminal, and the time from a
# key press to the screen's answer while updates arrive (median, p95, p99,
# max); then the ratios to the smallest size.
#   scripts/bench-scale.sh [SECONDS] [PRESSES] [SIZES...]
# Needs: tmux, script (bsdutils), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
presses=${2:-60}
shift $(( $# > 2 ? 2 : $# )) || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
for c in tmux script python3; do
  command -v $c >/dev/null || { echo "needs $c (Debian: apt-get install tmux bsdutils python3)"; exit 1; }
done
cargo build --release --quiet
bin=$PWD/target/release/baton
work=$(mktemp -d)
sock=baton-scale-$$
server=""
pid=""
# Ending tmux does not end `script` and baton under it: stopped by pid, or
# they would go on polling and skew the next size's figures.
stop_baton() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  pid=""
  tmux -L $sock kill-server 2>/dev/null || true
}
cleanup() {
  stop_baton
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' /proc/"$1"/stat; }
hz=$(getconf CLK_TCK)
results="$work/results"
: > "$results"

for n in "${sizes[@]}"; do
  port=$(free_port)
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
  [ "$(shown)" = "$n" ] || { echo "$n pairs: never shown"; tmux -L $sock capture-pane -p | head -5; exit 1; }
  pid=$(pgrep -f -n "^$bin --config $work/baton.toml")
  sleep 5
  b0=$(ticks "$pid"); f0=$(ticks "$server"); s0=$(stat -c %s "$work/ts")
  sleep "$secs"
  b1=$(ticks "$pid"); f1=$(ticks "$server"); s1=$(stat -c %s "$work/ts")
  cpu=$(python3 -c "print(round(100*($b1-$b0)/$hz/$secs,2))")
  fcpu=$(python3 -c "print(round(100*($f1-$f0)/$hz/$secs,1))")
  rss=$(awk '/VmRSS/{printf "%.0f", $2/1024}' /proc/"$pid"/status)
  hwm=$(awk '/VmHWM/{printf "%.0f", $2/1024}' /proc/"$pid"/status)
  bps=$(( (s1 - s0) / secs ))
  lat=$(python3 scripts/key-latency.py "$work/ts" "$sock" "$presses")
  echo "$n $cpu $rss $hwm $bps $lat $fcpu" >> "$results"
  stop_baton
  kill "$server" 2>/dev/null || true; server=""
  sleep 1
done

python3 - "$results" "$secs" "$presses" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(f"one fleet source polled every 1 s, about 1 % of the pairs changing per second; CPU over {sys.argv[2]} s; {sys.argv[3]} key presses (tmux send-keys included) while updates arrive")
print(f"{'pairs':>7} {'CPU % core':>10} {'RSS MiB':>8} {'peak MiB':>8} {'term B/s':>8} {'key median':>10} {'p95':>6} {'p99':>6} {'max':>6} {'server CPU %':>12}")
for r in rows:
    print(f"{r[0]:>7} {r[1]:>10} {r[2]:>8} {r[3]:>8} {r[4]:>8} {r[5]:>10} {r[6]:>6} {r[7]:>6} {r[8]:>6} {r[9]:>12}")
base = rows[0]
for r in rows[1:]:
    k = int(r[0]) / int(base[0])
    c = float(r[1]) / float(base[1]) if float(base[1]) else float("nan")
    m = float(r[2]) / float(base[2]) if float(base[2]) else float("nan")
    print(f"{r[0]} vs {base[0]} pairs ({k:.0f}x the fleet): CPU {c:.1f}x, RSS {m:.1f}x")
PY
