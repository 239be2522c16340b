#!/usr/bin/env bash
# Bytes baton writes to the terminal: in steady state (the demo fleet polled
# every second, nothing pressed) and per key press. baton runs in a tmux pane
# of the given size under `script`, whose typescript file receives exactly
# the bytes written to the terminal.
#   scripts/bytes-per-second.sh [PAIRS] [WIDTHxHEIGHT] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-1000}
size=${2:-200x60}
secs=${3:-30}
w=${size%x*}; h=${size#*x}
command -v tmux >/dev/null || { echo "needs tmux (apt-get install tmux)"; exit 1; }
command -v script >/dev/null || { echo "needs script (apt-get install bsdutils)"; exit 1; }
cargo build --release --quiet
bin=$PWD/target/release/baton
work=$(mktemp -d)
sock=baton-bytes-$$
trap 'tmux -L $sock kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
tmux -L $sock -f /dev/null new-session -d -x "$w" -y "$h" \
  "cd $work && HOME=$work XDG_STATE_HOME=$work/state script -q -f -c '$bin demo --pairs $pairs --scenario calm' $work/ts"
sleep 12   # start-up and the first polls
a=$(stat -c %s "$work/ts"); sleep "$secs"; b=$(stat -c %s "$work/ts")
steady=$(( (b - a) / secs ))
presses=20
c=$(stat -c %s "$work/ts")
for _ in $(seq $presses); do tmux -L $sock send-keys Down; sleep 0.5; done
d=$(stat -c %s "$work/ts")
# Subtract the steady-state bytes of the same period.
per_key=$(( (d - c - steady * presses / 2) / presses ))
full=$(( w * h ))
echo "pairs=$pairs terminal=${w}x${h} (a full redraw is at least $full bytes)"
echo "steady state: $steady bytes/s"
echo "per key press (Down, selection moves): $per_key bytes"
