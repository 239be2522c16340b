#!/usr/bin/env bash
# A three-member etcd cluster on 127.0.0.1 for baton's coordination tests
# and for trying `[coordination] kind = "etcd"` by hand.
#
#   scripts/etcd-cluster.sh up            start m1..m3, wait for a leader
#   scripts/etcd-cluster.sh down          stop every member (recorded pids)
#   scripts/etcd-cluster.sh kill N        kill member N with SIGKILL
#   scripts/etcd-cluster.sh start N       start member N again (its data kept)
#   scripts/etcd-cluster.sh status        each member's health
#   scripts/etcd-cluster.sh endpoints     the client URLs, comma-separated
#
# BATON_ETCD_DIR (default /tmp/baton-etcd) holds data, logs and pids;
# BATON_ETCD_PORT (default 12479) is m1's client port, m2 and m3 are +10
# and +20, each peer port one above its client port. Loopback only.
set -euo pipefail

DIR=${BATON_ETCD_DIR:-/tmp/baton-etcd}
BASE=${BATON_ETCD_PORT:-12479}
NAMES=(m1 m2 m3)

client_port() { echo $((BASE + ($1 - 1) * 10)); }
peer_port() { echo $((BASE + ($1 - 1) * 10 + 1)); }
url() { echo "http://127.0.0.1:$(client_port "$1")"; }
cluster() {
  local i out=()
  for i in 1 2 3; do out+=("m$i=http://127.0.0.1:$(peer_port "$i")"); done
  (IFS=,; echo "${out[*]}")
}
die() { echo "etcd-cluster: $*" >&2; exit 1; }

install() {
  command -v etcd >/dev/null 2>&1 && return 0
  echo "installing: etcd-server"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  local guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    guard=1
    $sudo sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends etcd-server || rc=$?
  [ -z "$guard" ] || $sudo rm -f /usr/sbin/policy-rc.d
  [ "$rc" -eq 0 ] || die "apt-get install etcd-server failed (exit $rc): package etcd-server"
}

pid_of() { cat "$DIR/pids/m$1.pid" 2>/dev/null; }
alive() { local p; p=$(pid_of "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

start_member() {
  local i=$1
  alive "$i" && return 0
  mkdir -p "$DIR/m$i" "$DIR/logs" "$DIR/pids"
  chmod 700 "$DIR/m$i"
  local pf="$DIR/pids/m$i.pid"
  rm -f "$pf"
  (exec setsid sh -c 'echo $$ > "$0"; exec "$@"' "$pf" etcd --name "m$i" --data-dir "$DIR/m$i" \
    --listen-client-urls "$(url "$i")" --advertise-client-urls "$(url "$i")" \
    --listen-peer-urls "http://127.0.0.1:$(peer_port "$i")" \
    --initial-advertise-peer-urls "http://127.0.0.1:$(peer_port "$i")" \
    --initial-cluster "$(cluster)" --initial-cluster-token baton-test \
    --initial-cluster-state new --heartbeat-interval 100 --election-timeout 1000 \
    >>"$DIR/logs/m$i.log" 2>&1 </dev/null) &
  local n
  for n in $(seq 100); do [ -s "$pf" ] && return 0; sleep 0.02; done
  die "m$i did not start; see $DIR/logs/m$i.log"
}

healthy() { curl -fsS --max-time 1 "$(url "$1")/health" 2>/dev/null | grep -q '"health":"true"'; }

case "${1:-}" in
  up)
    install
    # Another cluster on these ports would answer for ours: refuse it.
    for i in 1 2 3; do
      if ! alive "$i" && curl -s --max-time 1 -o /dev/null "$(url "$i")/health"; then
        die "$(url "$i") already answers and is not this folder's m$i: another etcd uses these ports (set BATON_ETCD_PORT)"
      fi
    done
    t0=$(date +%s.%N)
    for i in 1 2 3; do start_member "$i"; done
    for n in $(seq 300); do
      if healthy 1 && healthy 2 && healthy 3; then
        echo "etcd ready in $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }") s: $("$0" endpoints)"
        exit 0
      fi
      for i in 1 2 3; do alive "$i" || die "m$i exited; see $DIR/logs/m$i.log: $(tail -3 "$DIR/logs/m$i.log")"; done
      sleep 0.1
    done
    die "no healthy cluster after 30 s; see $DIR/logs"
    ;;
  down)
    for i in 1 2 3; do
      if alive "$i"; then kill -TERM "$(pid_of "$i")" 2>/dev/null || true; fi
    done
    for n in $(seq 50); do
      alive 1 || alive 2 || alive 3 || exit 0
      sleep 0.1
    done
    for i in 1 2 3; do if alive "$i"; then kill -KILL "$(pid_of "$i")" 2>/dev/null || true; fi; done
    ;;
  kill)
    i=${2:?member number 1-3}
    alive "$i" && kill -KILL "$(pid_of "$i")"
    for n in $(seq 50); do alive "$i" || exit 0; sleep 0.05; done
    die "m$i still runs"
    ;;
  start)
    start_member "${2:?member number 1-3}"
    ;;
  status)
    for i in 1 2 3; do
      if healthy "$i"; then echo "m$i $(url "$i") healthy"; elif alive "$i"; then echo "m$i $(url "$i") running, unhealthy"; else echo "m$i $(url "$i") stopped"; fi
    done
    ;;
  endpoints)
    echo "$(url 1),$(url 2),$(url 3)"
    ;;
  *)
    sed -n '2,13p' "$0"; exit 2 ;;
esac
