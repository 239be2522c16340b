#!/usr/bin/env bash
# The reference estate: real PostgreSQL, Redis + Sentinel, PowerDNS (and on
# request Patroni on etcd, exporters + Prometheus + Alertmanager) on loopback
# addresses only, for failover tests.
#
#   scripts/estate.sh up [--patroni] [--monitoring] [--only pg,redis,dns,patroni,monitoring]
#   scripts/estate.sh down [--purge]
#   scripts/estate.sh status
#   scripts/estate.sh install [pg,redis,dns,...]                 (the packages only)
#   scripts/estate.sh pg NODE start|stop|rejoin SOURCE_NODE     (NODE: pg-a, pg-b)
#
# BATON_ESTATE_DIR (default /tmp/baton-estate) holds everything: pids/, logs/,
# secrets/, data. BATON_ESTATE_OFFSET (default 0) is added to every port so
# several estates can run side by side. Exit codes: 0 ok, 1 failure, 2 usage,
# 3 (status) something recorded is not running.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
DIR=${BATON_ESTATE_DIR:-/tmp/baton-estate}
OFFSET=${BATON_ESTATE_OFFSET:-0}
TIMEOUT=60
# The system python3 has psycopg2 (Patroni) ; a pyenv python3 first on PATH may not.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

die() { echo "estate: $*" >&2; exit 1; }
usage() { sed -n '6,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# Ports, all shifted by OFFSET. Called again once a stored offset is loaded.
set_ports() {
  case "$OFFSET" in '' | *[!0-9]*) die "BATON_ESTATE_OFFSET must be a non-negative integer, not '$OFFSET'" ;; esac
  PG_PORT=$((15432 + OFFSET))
  REDIS_PORT=$((16379 + OFFSET))
  SENTINEL_PORTS=($((26380 + OFFSET)) $((26381 + OFFSET)) $((26382 + OFFSET)))
  DNS_PORT=$((15353 + OFFSET))
  PDNS_API_PORT=$((18081 + OFFSET))
  ETCD_CLIENT_PORT=$((12379 + OFFSET))
  ETCD_PEER_PORT=$((12380 + OFFSET))
  PT_API_PORTS=($((18008 + OFFSET)) $((18009 + OFFSET)))
  PGEXP_PORTS=($((19187 + OFFSET)) $((19188 + OFFSET)))
  REXP_PORTS=($((19121 + OFFSET)) $((19122 + OFFSET)))
  PROM_PORT=$((19090 + OFFSET))
  AM_PORT=$((19093 + OFFSET))
}

# Every process the estate may record, in the order status shows them.
ALL_NAMES=(pg-a pg-b redis-a redis-b sentinel-1 sentinel-2 sentinel-3 pdns etcd pt-1 pt-2
  pg-exporter-a pg-exporter-b redis-exporter-a redis-exporter-b prometheus alertmanager)

pg_addr() { case "$1" in pg-a) echo 127.0.0.11 ;; pg-b) echo 127.0.0.12 ;; *) die "unknown PostgreSQL node '$1' (pg-a or pg-b)" ;; esac; }
redis_addr() { case "$1" in redis-a) echo 127.0.0.11 ;; redis-b) echo 127.0.0.12 ;; esac; }

address_of() {
  case "$1" in
    pg-a | pg-b) echo "$(pg_addr "$1"):$PG_PORT" ;;
    redis-a | redis-b) echo "$(redis_addr "$1"):$REDIS_PORT" ;;
    sentinel-*) echo "127.0.0.1:${SENTINEL_PORTS[${1#sentinel-} - 1]}" ;;
    pdns) echo "127.0.0.21:$DNS_PORT,127.0.0.22:$DNS_PORT api 127.0.0.1:$PDNS_API_PORT" ;;
    etcd) echo "127.0.0.1:$ETCD_CLIENT_PORT" ;;
    pt-1) echo "127.0.0.31:$PG_PORT api 127.0.0.1:${PT_API_PORTS[0]}" ;;
    pt-2) echo "127.0.0.32:$PG_PORT api 127.0.0.1:${PT_API_PORTS[1]}" ;;
    pg-exporter-a) echo "127.0.0.1:${PGEXP_PORTS[0]}" ;;
    pg-exporter-b) echo "127.0.0.1:${PGEXP_PORTS[1]}" ;;
    redis-exporter-a) echo "127.0.0.1:${REXP_PORTS[0]}" ;;
    redis-exporter-b) echo "127.0.0.1:${REXP_PORTS[1]}" ;;
    prometheus) echo "127.0.0.1:$PROM_PORT" ;;
    alertmanager) echo "127.0.0.1:$AM_PORT" ;;
  esac
}

# ---------------------------------------------------------------- packages

ensure_packages() {
  local need=() c
  for c in "$@"; do
    case "$c" in
      pg) [ -x "$PGBIN/postgres" ] || need+=(postgresql-15) ;;
      redis)
        command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
        command -v redis-sentinel >/dev/null 2>&1 || need+=(redis-sentinel)
        command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools) ;;
      dns)
        command -v pdns_server >/dev/null 2>&1 || need+=(pdns-server)
        [ -f /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql ] || need+=(pdns-backend-sqlite3)
        command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3) ;;
      patroni)
        [ -x "$PGBIN/postgres" ] || need+=(postgresql-15)
        [ -x /usr/bin/patroni ] || need+=(patroni)
        command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
        command -v etcdctl >/dev/null 2>&1 || need+=(etcd-client) ;;
      monitoring)
        command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
        command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
        command -v prometheus-postgres-exporter >/dev/null 2>&1 || need+=(prometheus-postgres-exporter)
        command -v prometheus-redis-exporter >/dev/null 2>&1 || need+=(prometheus-redis-exporter) ;;
    esac
  done
  # psql for the pg helpers, python3 for the DNS probe and JSON, curl for HTTP APIs.
  [ -x "$PGBIN/psql" ] || need+=(postgresql-client-15)
  [ -x /usr/bin/python3 ] || need+=(python3)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  [ ${#need[@]} -gt 0 ] || return 0
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  echo "installing: ${need[*]}"
  local sudo="" guard=""
  is_root || sudo="sudo"
  $sudo apt-get update -qq
  # No init system should start the packages' own services (pdns would bind
  # 0.0.0.0:53): forbid it for the install if nothing forbids it already.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    guard=1
    $sudo sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" || rc=$?
  [ -z "$guard" ] || $sudo rm -f /usr/sbin/policy-rc.d
  [ "$rc" -eq 0 ] || die "apt-get install ${need[*]} failed (exit $rc)"
}

# ---------------------------------------------------------------- processes

# PostgreSQL refuses root; setpriv execs (no fork), so a recorded pid stays right.
as_pg_prefix() {
  if is_root; then
    echo setpriv --reuid=postgres --regid=postgres --init-groups env "HOME=$(getent passwd postgres | cut -d: -f6)"
  fi
}
as_pg() {
  # cd /: postgres cannot enter root's working directory.
  # shellcheck disable=SC2046
  (cd / && exec $(as_pg_prefix) "$@")
}
# A directory (or file) postgres must own.
pg_own() { if is_root; then chown postgres:postgres "$@"; fi; }
mk_pg_dir() { mkdir -p "$@"; chmod 700 "$@"; pg_own "$@"; }

pidfile() { echo "$DIR/pids/$1.pid"; }
recorded_pid() { local f; f=$(pidfile "$1"); [ -s "$f" ] && head -1 "$f"; }

# Alive and ours: a recycled pid would not sit in our directory (every daemon
# is started there or chdirs to its data dir inside it).
ours() {
  local pid=$1 cwd
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || return 1
  case "$cwd" in "$DIR" | "$DIR"/*) return 0 ;; *) return 1 ;; esac
}
alive() { local pid; pid=$(recorded_pid "$1") || return 1; ours "$pid"; }

# Starts a daemon in the background, its output in logs/NAME.log; the shell
# writes its own pid and execs, so the pid file holds the daemon's pid.
start_daemon() {
  local name=$1; shift
  local pf; pf=$(pidfile "$name")
  rm -f "$pf"
  (cd "$DIR" && exec setsid sh -c 'echo $$ > "$0"; exec "$@"' "$pf" "$@" \
    >>"$DIR/logs/$name.log" 2>&1 </dev/null) &
  local i
  for i in $(seq 50); do [ -s "$pf" ] && return 0; sleep 0.02; done
  fail "$name" "did not start"
}

# TERM the named recorded processes, KILL what is left after 5 s.
stop_pids() {
  local name pid live=()
  for name in "$@"; do
    pid=$(recorded_pid "$name") || continue
    if ours "$pid"; then kill -TERM "$pid" 2>/dev/null || true; live+=("$name:$pid"); fi
  done
  local i entry left=()
  for i in $(seq 50); do
    left=()
    for entry in "${live[@]+"${live[@]}"}"; do ours "${entry#*:}" && left+=("$entry"); done
    [ ${#left[@]} -gt 0 ] || break
    sleep 0.1
  done
  for entry in "${left[@]+"${left[@]}"}"; do
    if ours "${entry#*:}"; then
      echo "estate: ${entry%%:*} (pid ${entry#*:}) ignored TERM for 5 s, killing it" >&2
      kill -KILL "${entry#*:}" 2>/dev/null || true
    fi
  done
  for entry in "${live[@]+"${live[@]}"}"; do echo "stopped ${entry%%:*} (pid ${entry#*:})"; done
}

# Fails a component: names it, shows the tail of its log.
fail() {
  local name=$1; shift
  {
    echo "estate: $name: $*"
    if [ -s "$DIR/logs/$name.log" ]; then
      echo "--- last lines of $DIR/logs/$name.log"
      tail -n 15 "$DIR/logs/$name.log"
      echo "---"
    fi
  } >&2
  exit 1
}

# wait_for NAME WHAT CMD...: retries CMD until it succeeds or the deadline passes.
wait_for() {
  local name=$1 what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$EPOCHSECONDS" -lt "$DEADLINE" ] || fail "$name" "not ready after ${TIMEOUT} s: $what"
    alive "$name" || fail "$name" "exited while waiting for: $what"
    sleep 0.1
  done
}

secret() { cat "$DIR/secrets/$1"; }
new_secret() {
  local f="$DIR/secrets/$1"
  [ -s "$f" ] && return 0
  (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$f")
}

setup_secrets() {
  mkdir -p "$DIR/secrets"
  # 711: postgres may open its own file in here, nobody may list.
  chmod 711 "$DIR/secrets"
  new_secret pg-password
  new_secret replicator-password
  new_secret pdns-api-key
  (umask 077 && printf '*:*:*:baton:%s\n' "$(secret pg-password)" >"$DIR/secrets/pgpass")
  # libpq only reads a passfile its user owns: postgres gets its own copy.
  (umask 077 && printf '*:*:*:baton:%s\n*:*:*:replicator:%s\n' \
    "$(secret pg-password)" "$(secret replicator-password)" >"$DIR/secrets/pgpass.postgres")
  pg_own "$DIR/secrets/pgpass.postgres"
}

# ---------------------------------------------------------------- PostgreSQL

pg_running() { [ -f "$DIR/$1/postmaster.pid" ] && ours "$(head -1 "$DIR/$1/postmaster.pid")"; }

# SQL as the postgres OS user over the node's own socket (local trust).
pg_sql() {
  local node=$1; shift
  as_pg timeout 10 "$PGBIN/psql" -XAtq -v ON_ERROR_STOP=1 -h "$DIR/run/$node" -p "$PG_PORT" -U postgres -d postgres -c "$*"
}

# Address, port, socket and cluster_name on the command line: pg_rewind copies
# the config files from the source, the command line still wins.
pg_start() {
  local node=$1 addr; addr=$(pg_addr "$node")
  if pg_running "$node"; then echo "$node already running"; return 0; fi
  mk_pg_dir "$DIR/run/$node"
  touch "$DIR/logs/$node.log"; pg_own "$DIR/logs/$node.log"
  as_pg "$PGBIN/pg_ctl" start -w -t "$TIMEOUT" -D "$DIR/$node" -l "$DIR/logs/$node.log" \
    -o "-p $PG_PORT -c listen_addresses=$addr -c unix_socket_directories=$DIR/run/$node -c cluster_name=$node" \
    >>"$DIR/logs/$node.log" 2>&1 || fail "$node" "pg_ctl start failed"
  head -1 "$DIR/$node/postmaster.pid" >"$(pidfile "$node")"
}

pg_stop() {
  local node=$1
  if ! pg_running "$node"; then echo "$node not running"; return 0; fi
  as_pg "$PGBIN/pg_ctl" stop -m fast -w -t "$TIMEOUT" -D "$DIR/$node" >>"$DIR/logs/$node.log" 2>&1 ||
    fail "$node" "pg_ctl stop -m fast failed"
  echo "stopped $node"
}

# A standby follows SOURCE: our own primary_conninfo (replicator, passfile,
# application_name for pg_stat_replication) replaces whatever is there.
pg_follow() {
  local node=$1 source=$2 f="$DIR/$1/postgresql.auto.conf" rest
  rest=$(grep -v '^primary_conninfo' "$f" || true)
  printf '%s\nprimary_conninfo = '\''host=%s port=%s user=replicator passfile=%s application_name=%s'\''\n' \
    "$rest" "$(pg_addr "$source")" "$PG_PORT" "$DIR/secrets/pgpass.postgres" "$node" >"$f"
  as_pg touch "$DIR/$node/standby.signal"
}

pg_streaming() {
  [ "$(pg_sql "$2" "select count(*) from pg_stat_replication where application_name = '$1' and state = 'streaming'")" -ge 1 ]
}

up_pg() {
  local t0; t0=$(now)
  rm -rf "$DIR/pg-a" "$DIR/pg-b" "$DIR/run/pg-a" "$DIR/run/pg-b"
  rm -f "$DIR/logs/pg-a.log" "$DIR/logs/pg-b.log"
  mk_pg_dir "$DIR/pg-a"
  touch "$DIR/logs/pg-a.log" "$DIR/logs/pg-b.log"; pg_own "$DIR/logs/pg-a.log" "$DIR/logs/pg-b.log"
  as_pg "$PGBIN/initdb" -D "$DIR/pg-a" -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
    --auth-local=trust --auth-host=scram-sha-256 >>"$DIR/logs/pg-a.log" 2>&1 || fail pg-a "initdb failed"
  cat >>"$DIR/pg-a/postgresql.conf" <<EOF

# baton estate (address, port, socket, cluster_name are on the pg_ctl command line)
wal_level = replica
wal_log_hints = on
max_wal_senders = 10
wal_keep_size = 256MB
hot_standby = on
# A standby retries a lost or not yet reachable primary after 0.5 s, not 5 s.
wal_retrieve_retry_interval = 500ms
fsync = off
synchronous_commit = off
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  cat >"$DIR/pg-a/pg_hba.conf" <<EOF
local all all trust
host all baton 127.0.0.0/8 scram-sha-256
host replication replicator 127.0.0.0/8 scram-sha-256
host all replicator 127.0.0.0/8 scram-sha-256
EOF
  pg_start pg-a
  pg_sql pg-a "create role baton superuser login password '$(secret pg-password)';
    create role replicator with replication login password '$(secret replicator-password)';
    create table public.baton_probe(id serial primary key, at timestamptz default now(), note text);" \
    >>"$DIR/logs/pg-a.log" 2>&1 || fail pg-a "creating roles and baton_probe failed"
  mk_pg_dir "$DIR/pg-b"
  as_pg env PGPASSFILE="$DIR/secrets/pgpass.postgres" "$PGBIN/pg_basebackup" -h 127.0.0.11 -p "$PG_PORT" \
    -U replicator -D "$DIR/pg-b" -R -X stream -c fast --no-sync >>"$DIR/logs/pg-b.log" 2>&1 ||
    fail pg-b "pg_basebackup from pg-a failed"
  pg_follow pg-b pg-a
  pg_start pg-b
  wait_for pg-b "pg_stat_replication on pg-a shows pg-b streaming" pg_streaming pg-b pg-a
  echo "pg          ready in $(since "$t0") s: pg-a 127.0.0.11:$PG_PORT primary, pg-b 127.0.0.12:$PG_PORT standby streaming (user baton, passfile $DIR/secrets/pgpass)"
}

# scripts/estate.sh pg NODE start|stop|rejoin SOURCE
cmd_pg() {
  [ $# -ge 2 ] || usage
  local node=$1 action=$2 source=${3:-}
  pg_addr "$node" >/dev/null
  [ -d "$DIR/$node" ] || die "no data directory $DIR/$node: run 'up' first"
  DEADLINE=$((EPOCHSECONDS + TIMEOUT))
  case "$action" in
    start)
      pg_start "$node"
      echo "$node running on $(pg_addr "$node"):$PG_PORT as $(pg_role "$node")" ;;
    stop) pg_stop "$node" ;;
    rejoin)
      [ -n "$source" ] || die "usage: pg NODE rejoin SOURCE_NODE"
      pg_addr "$source" >/dev/null
      [ "$source" != "$node" ] || die "a node cannot rejoin itself"
      pg_running "$source" || die "source $source is not running"
      [ "$(pg_sql "$source" 'select pg_is_in_recovery()')" = f ] || die "source $source is not a primary (it is in recovery)"
      echo "checkpoint on $source (its new timeline must be on disk for pg_rewind)"
      pg_sql "$source" checkpoint >/dev/null || die "CHECKPOINT on $source failed"
      if pg_running "$node"; then echo "stopping $node"; pg_stop "$node" >/dev/null; fi
      echo "pg_rewind $node from $source ($(pg_addr "$source"):$PG_PORT)"
      as_pg "$PGBIN/pg_rewind" --target-pgdata="$DIR/$node" --progress \
        --source-server="host=$(pg_addr "$source") port=$PG_PORT user=baton dbname=postgres passfile=$DIR/secrets/pgpass.postgres" \
        >>"$DIR/logs/$node.log" 2>&1 || fail "$node" "pg_rewind from $source failed"
      tail -n 3 "$DIR/logs/$node.log" | sed 's/^/  /'
      echo "writing standby.signal and primary_conninfo (replicator@$(pg_addr "$source"):$PG_PORT) for $node"
      pg_follow "$node" "$source"
      echo "starting $node"
      pg_start "$node"
      echo "waiting for $node to stream from $source"
      wait_for "$node" "pg_stat_replication on $source shows $node streaming" pg_streaming "$node" "$source"
      echo "$node is a standby streaming from $source" ;;
    *) usage ;;
  esac
}

pg_role() {
  case "$(pg_sql "$1" 'select pg_is_in_recovery()' 2>/dev/null)" in
    t) echo standby ;; f) echo primary ;; *) echo unknown ;;
  esac
}

# ---------------------------------------------------------------- Redis

# A probe must not hang on a port something else holds: every call is bounded.
rcli() { timeout 3 redis-cli "$@"; }
redis_info_has() { rcli -h "$1" -p "$2" info replication | tr -d '\r' | grep -qx "$3"; }

# A Sentinel is ready when it knows the master, the replica and both others.
sentinel_ready() {
  local port=$1 master
  master=$(rcli -h 127.0.0.1 -p "$port" sentinel get-master-addr-by-name estate | tr '\n' ' ')
  [ "$master" = "127.0.0.11 $REDIS_PORT " ] || return 1
  rcli -h 127.0.0.1 -p "$port" sentinel replicas estate | grep -qx 127.0.0.12 || return 1
  [ "$(rcli -h 127.0.0.1 -p "$port" sentinel master estate | awk 'p { print; exit } $0 == "num-other-sentinels" { p = 1 }')" = 2 ]
}

up_redis() {
  local t0 n addr i; t0=$(now)
  for n in redis-a redis-b sentinel-1 sentinel-2 sentinel-3; do rm -rf "${DIR:?}/$n"; rm -f "$DIR/logs/$n.log"; mkdir -p "$DIR/$n"; done
  for n in redis-a redis-b; do
    addr=$(redis_addr "$n")
    cat >"$DIR/$n/redis.conf" <<EOF
bind $addr
port $REDIS_PORT
protected-mode no
daemonize no
dir $DIR/$n
logfile $DIR/logs/$n.log
save ""
appendonly no
repl-diskless-sync yes
repl-diskless-sync-delay 0
replica-announce-ip $addr
EOF
    [ "$n" = redis-a ] || echo "replicaof 127.0.0.11 $REDIS_PORT" >>"$DIR/$n/redis.conf"
    start_daemon "$n" redis-server "$DIR/$n/redis.conf"
  done
  wait_for redis-a "redis-a answers PING" rcli -h 127.0.0.11 -p "$REDIS_PORT" ping
  wait_for redis-b "redis-b master_link_status:up" redis_info_has 127.0.0.12 "$REDIS_PORT" master_link_status:up
  # Sentinels start after the replica is linked: a Sentinel learns replicas from
  # the master's INFO, which it asks only every 10 s after the first time.
  for i in 1 2 3; do
    cat >"$DIR/sentinel-$i/sentinel.conf" <<EOF
bind 127.0.0.1
port ${SENTINEL_PORTS[i - 1]}
protected-mode no
daemonize no
dir $DIR/sentinel-$i
logfile $DIR/logs/sentinel-$i.log
sentinel announce-ip 127.0.0.1
sentinel resolve-hostnames no
sentinel monitor estate 127.0.0.11 $REDIS_PORT 2
sentinel down-after-milliseconds estate 2000
sentinel failover-timeout estate 10000
EOF
    start_daemon "sentinel-$i" redis-sentinel "$DIR/sentinel-$i/sentinel.conf"
  done
  for i in 1 2 3; do
    wait_for "sentinel-$i" "sentinel-$i knows master 127.0.0.11:$REDIS_PORT, replica 127.0.0.12 and 2 other sentinels" \
      sentinel_ready "${SENTINEL_PORTS[i - 1]}"
  done
  echo "redis       ready in $(since "$t0") s: redis-a 127.0.0.11:$REDIS_PORT master, redis-b 127.0.0.12:$REDIS_PORT replica (link up), sentinels 127.0.0.1:${SENTINEL_PORTS[0]},${SENTINEL_PORTS[1]},${SENTINEL_PORTS[2]} master name estate"
}

# ---------------------------------------------------------------- PowerDNS

# A DNS A query over UDP, no dig needed: prints the A records of NAME.
dns_query() {
  "$PY" - "$@" <<'EOF'
import random, socket, struct, sys
host, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
qid = random.randint(0, 65535)
q = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"
q += struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(q, (host, port))
d, _ = s.recvfrom(4096)
rid, flags, qd, an = struct.unpack(">HHHH", d[:8])
if rid != qid or flags & 0xF:
    sys.exit("rcode %d" % (flags & 0xF))
def skip(i):
    while True:
        n = d[i]
        if n == 0:
            return i + 1
        if n & 0xC0:
            return i + 2
        i += n + 1
i = 12
for _ in range(qd):
    i = skip(i) + 4
for _ in range(an):
    i = skip(i)
    t, c, ttl, rl = struct.unpack(">HHIH", d[i:i + 10])
    i += 10
    if t == 1:
        print(socket.inet_ntoa(d[i:i + rl]))
    i += rl
EOF
}
dns_answers() { [ "$(dns_query "$1" "$DNS_PORT" "$2")" = "$3" ]; }
pdns_api_ok() {
  curl -fsS --max-time 2 -o /dev/null -H "X-API-Key: $(secret pdns-api-key)" \
    "http://127.0.0.1:$PDNS_API_PORT/api/v1/servers/localhost/zones/estate.test."
}

up_dns() {
  local t0 c="$DIR/pdns"; t0=$(now)
  rm -rf "$c"; rm -f "$DIR/logs/pdns.log"
  mkdir -p "$c/run"
  sqlite3 "$c/pdns.sqlite3" </usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
  (umask 077 && cat >"$c/pdns.conf" <<EOF
launch=gsqlite3
gsqlite3-database=$c/pdns.sqlite3
local-address=127.0.0.21, 127.0.0.22
local-port=$DNS_PORT
query-local-address=127.0.0.1
socket-dir=$c/run
daemon=no
guardian=no
disable-syslog=yes
loglevel=4
security-poll-suffix=
default-soa-content=ns1.estate.test. hostmaster.estate.test. 0 10800 3600 604800 5
api=yes
api-key=$(secret pdns-api-key)
webserver=yes
webserver-address=127.0.0.1
webserver-port=$PDNS_API_PORT
webserver-allow-from=127.0.0.0/8
cache-ttl=0
query-cache-ttl=0
negquery-cache-ttl=0
EOF
  )
  {
    pdnsutil --config-dir="$c" create-zone estate.test ns1.estate.test &&
      pdnsutil --config-dir="$c" add-record estate.test db A 5 127.0.0.11 &&
      pdnsutil --config-dir="$c" add-record estate.test cache A 5 127.0.0.11
  } >>"$DIR/logs/pdns.log" 2>&1 || fail pdns "creating zone estate.test with pdnsutil failed"
  start_daemon pdns pdns_server --config-dir="$c"
  wait_for pdns "db.estate.test A 127.0.0.11 from 127.0.0.21:$DNS_PORT" dns_answers 127.0.0.21 db.estate.test 127.0.0.11
  wait_for pdns "db.estate.test A 127.0.0.11 from 127.0.0.22:$DNS_PORT" dns_answers 127.0.0.22 db.estate.test 127.0.0.11
  wait_for pdns "API on 127.0.0.1:$PDNS_API_PORT" pdns_api_ok
  echo "dns         ready in $(since "$t0") s: pdns 127.0.0.21:$DNS_PORT + 127.0.0.22:$DNS_PORT zone estate.test. (db, cache A 127.0.0.11 TTL 5), API http://127.0.0.1:$PDNS_API_PORT key in $DIR/secrets/pdns-api-key"
}

# ---------------------------------------------------------------- Patroni

pt_cluster() { curl -fsS --max-time 2 "http://127.0.0.1:${PT_API_PORTS[0]}/cluster"; }

# Prints the leader's name and its host once the leader runs and a replica streams.
pt_leader() {
  pt_cluster | "$PY" -c '
import json, sys
m = json.load(sys.stdin).get("members", [])
lead = [x for x in m if x.get("role") == "leader" and x.get("state") == "running"]
rep = [x for x in m if x.get("role") == "replica" and x.get("state") in ("running", "streaming")]
if not lead or not rep:
    sys.exit(1)
print(lead[0]["name"], lead[0]["host"])'
}
pt_streaming() {
  local host
  host=$(pt_leader | cut -d' ' -f2) || return 1
  [ "$(PGPASSFILE="$DIR/secrets/pgpass" timeout 5 "$PGBIN/psql" -XAtq -h "$host" -p "$PG_PORT" -U baton -d postgres \
    -c "select count(*) from pg_stat_replication where state = 'streaming'")" -ge 1 ]
}
etcd_healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_CLIENT_PORT/health" | grep -q '"health":"true"'; }

up_patroni() {
  local t0 i n; t0=$(now)
  rm -rf "$DIR/etcd" "$DIR/pt-1" "$DIR/pt-2" "$DIR/run/pt-1" "$DIR/run/pt-2" "$DIR/patroni"
  rm -f "$DIR/logs/etcd.log" "$DIR/logs/pt-1.log" "$DIR/logs/pt-2.log"
  mkdir -p "$DIR/etcd"; chmod 700 "$DIR/etcd"
  start_daemon etcd etcd --name estate --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "estate=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new
  mk_pg_dir "$DIR/patroni" "$DIR/pt-1" "$DIR/pt-2" "$DIR/run/pt-1" "$DIR/run/pt-2"
  for i in 1 2; do
    n=pt-$i
    (umask 077 && cat >"$DIR/patroni/$n.yml" <<EOF
scope: estate
namespace: /baton-estate/
name: $n
restapi:
  listen: 127.0.0.1:${PT_API_PORTS[i - 1]}
  connect_address: 127.0.0.1:${PT_API_PORTS[i - 1]}
etcd3:
  host: 127.0.0.1:$ETCD_CLIENT_PORT
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        wal_log_hints: 'on'
        max_wal_senders: 10
        hot_standby: 'on'
        fsync: 'off'
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
postgresql:
  listen: 127.0.0.3$i:$PG_PORT
  connect_address: 127.0.0.3$i:$PG_PORT
  data_dir: $DIR/$n
  bin_dir: $PGBIN
  pgpass: $DIR/patroni/pgpass-$n
  use_pg_rewind: true
  authentication:
    superuser:
      username: baton
      password: $(secret pg-password)
    replication:
      username: replicator
      password: $(secret replicator-password)
    rewind:
      username: baton
      password: $(secret pg-password)
  parameters:
    unix_socket_directories: $DIR/run/$n
    wal_log_hints: 'on'
    logging_collector: 'off'
    # The replica usually asks for its slot before the leader made it; retry
    # in 0.5 s, not the default 5 s.
    wal_retrieve_retry_interval: 500ms
  pg_hba:
    - local all all trust
    - host all baton 127.0.0.0/8 scram-sha-256
    - host replication replicator 127.0.0.0/8 scram-sha-256
    - host all replicator 127.0.0.0/8 scram-sha-256
EOF
    )
    pg_own "$DIR/patroni/$n.yml"
  done
  wait_for etcd "etcd /health on 127.0.0.1:$ETCD_CLIENT_PORT" etcd_healthy
  # shellcheck disable=SC2046
  for i in 1 2; do start_daemon "pt-$i" $(as_pg_prefix) "$PY" /usr/bin/patroni "$DIR/patroni/pt-$i.yml"; done
  wait_for pt-1 "Patroni /cluster on 127.0.0.1:${PT_API_PORTS[0]} shows a running leader and a replica" pt_leader
  wait_for pt-2 "the Patroni leader's pg_stat_replication shows the replica streaming" pt_streaming
  echo "patroni     ready in $(since "$t0") s: leader $(pt_leader | cut -d' ' -f1), pt-1 127.0.0.31:$PG_PORT api 127.0.0.1:${PT_API_PORTS[0]}, pt-2 127.0.0.32:$PG_PORT api 127.0.0.1:${PT_API_PORTS[1]}, etcd 127.0.0.1:$ETCD_CLIENT_PORT scope estate"
}

# ---------------------------------------------------------------- monitoring

prom_scraped() {
  curl -fsS --max-time 2 "http://127.0.0.1:$PROM_PORT/api/v1/query?query=up" | "$PY" -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
sys.exit(0 if len([x for x in r if x["value"][1] == "1"]) == 4 else 1)'
}
am_ready() { curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$AM_PORT/-/ready"; }

up_monitoring() {
  local t0 m="$DIR/prometheus" pw; t0=$(now)
  pw=$(secret pg-password)
  rm -rf "$m" "$DIR/alertmanager"
  for n in pg-exporter-a pg-exporter-b redis-exporter-a redis-exporter-b prometheus alertmanager; do rm -f "$DIR/logs/$n.log"; done
  mkdir -p "$m/data" "$DIR/alertmanager/data"
  start_daemon pg-exporter-a env "DATA_SOURCE_NAME=postgresql://baton:$pw@127.0.0.11:$PG_PORT/postgres?sslmode=disable" \
    prometheus-postgres-exporter "--web.listen-address=127.0.0.1:${PGEXP_PORTS[0]}"
  start_daemon pg-exporter-b env "DATA_SOURCE_NAME=postgresql://baton:$pw@127.0.0.12:$PG_PORT/postgres?sslmode=disable" \
    prometheus-postgres-exporter "--web.listen-address=127.0.0.1:${PGEXP_PORTS[1]}"
  start_daemon redis-exporter-a prometheus-redis-exporter "-redis.addr=redis://127.0.0.11:$REDIS_PORT" \
    "-web.listen-address=127.0.0.1:${REXP_PORTS[0]}"
  start_daemon redis-exporter-b prometheus-redis-exporter "-redis.addr=redis://127.0.0.12:$REDIS_PORT" \
    "-web.listen-address=127.0.0.1:${REXP_PORTS[1]}"
  cat >"$DIR/alertmanager/alertmanager.yml" <<EOF
route:
  receiver: none
receivers:
  - name: none
EOF
  # The instance label would be the exporter's address: relabel to the pair
  # and the database node.
  cat >"$m/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$AM_PORT']
scrape_configs:
  - job_name: postgres
    static_configs:
      - targets: ['127.0.0.1:${PGEXP_PORTS[0]}', '127.0.0.1:${PGEXP_PORTS[1]}']
    relabel_configs:
      - target_label: pair
        replacement: db
      - source_labels: [__address__]
        regex: '127\.0\.0\.1:${PGEXP_PORTS[0]}'
        target_label: instance
        replacement: pg-a
      - source_labels: [__address__]
        regex: '127\.0\.0\.1:${PGEXP_PORTS[1]}'
        target_label: instance
        replacement: pg-b
  - job_name: redis
    static_configs:
      - targets: ['127.0.0.1:${REXP_PORTS[0]}', '127.0.0.1:${REXP_PORTS[1]}']
    relabel_configs:
      - target_label: pair
        replacement: cache
      - source_labels: [__address__]
        regex: '127\.0\.0\.1:${REXP_PORTS[0]}'
        target_label: instance
        replacement: redis-a
      - source_labels: [__address__]
        regex: '127\.0\.0\.1:${REXP_PORTS[1]}'
        target_label: instance
        replacement: redis-b
EOF
  # Empty cluster address: no gossip listener on 0.0.0.0:9094.
  start_daemon alertmanager prometheus-alertmanager --config.file="$DIR/alertmanager/alertmanager.yml" \
    --storage.path="$DIR/alertmanager/data" --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address=
  start_daemon prometheus prometheus --config.file="$m/prometheus.yml" --storage.tsdb.path="$m/data" \
    --web.listen-address="127.0.0.1:$PROM_PORT"
  wait_for alertmanager "Alertmanager /-/ready on 127.0.0.1:$AM_PORT" am_ready
  wait_for prometheus "Prometheus has scraped all 4 exporters (up == 1)" prom_scraped
  echo "monitoring  ready in $(since "$t0") s: prometheus http://127.0.0.1:$PROM_PORT, alertmanager http://127.0.0.1:$AM_PORT, exporters pg-a :${PGEXP_PORTS[0]} pg-b :${PGEXP_PORTS[1]} redis-a :${REXP_PORTS[0]} redis-b :${REXP_PORTS[1]}"
}

# ---------------------------------------------------------------- commands

load_env() {
  if [ -f "$DIR/estate.env" ]; then
    local stored
    stored=$(sed -n 's/^OFFSET=//p' "$DIR/estate.env")
    if [ -n "${BATON_ESTATE_OFFSET:-}" ] && [ "$BATON_ESTATE_OFFSET" != "$stored" ]; then
      echo "estate: note: $DIR was started with offset $stored; using it, not $BATON_ESTATE_OFFSET" >&2
    fi
    OFFSET=$stored
  fi
  set_ports
}

# Names of recorded processes that run, plus PostgreSQL left without a pid file.
running_names() {
  local n
  for n in "${ALL_NAMES[@]}"; do
    if alive "$n"; then echo "$n"
    elif [[ $n == pg-? || $n == pt-? ]] && pg_running "$n"; then echo "$n(postgres)"; fi
  done
}

cmd_up() {
  local comps=() only="" patroni="" monitoring="" c
  while [ $# -gt 0 ]; do
    case "$1" in
      --patroni) patroni=1 ;;
      --monitoring) monitoring=1 ;;
      --only) [ $# -ge 2 ] || usage; only=$2; shift ;;
      --only=*) only=${1#--only=} ;;
      *) echo "estate: unknown option '$1'" >&2; usage ;;
    esac
    shift
  done
  if [ -n "$only" ]; then
    IFS=, read -r -a comps <<<"$only"
    for c in "${comps[@]}"; do
      case "$c" in pg | redis | dns | patroni | monitoring) ;; *) die "--only: unknown component '$c' (pg,redis,dns,patroni,monitoring)" ;; esac
    done
  else
    comps=(pg redis dns)
    [ -z "$patroni" ] || comps+=(patroni)
    [ -z "$monitoring" ] || comps+=(monitoring)
  fi
  set_ports
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd -P)
  local busy; busy=$(running_names | tr '\n' ' ')
  [ -z "$busy" ] || die "an estate already runs in $DIR (${busy% }): run 'down' first"
  ensure_packages "${comps[@]}"
  # PostgreSQL and Patroni run as postgres: the whole path must be traversable.
  chmod 755 "$DIR"
  if is_root && ! as_pg test -x "$DIR"; then
    die "the postgres user cannot reach $DIR (a parent directory is closed): set BATON_ESTATE_DIR elsewhere, e.g. /tmp/..."
  fi
  mkdir -p "$DIR/pids" "$DIR/logs" "$DIR/run"
  chmod 755 "$DIR/logs" "$DIR/run"
  printf 'OFFSET=%s\nCOMPONENTS=%s\n' "$OFFSET" "${comps[*]}" >"$DIR/estate.env"
  setup_secrets

  local t0; t0=$(now)
  DEADLINE=$((EPOCHSECONDS + TIMEOUT))
  declare -A job
  for c in "${comps[@]}"; do
    (set -e; "up_$c") >"$DIR/logs/up-$c.out" 2>&1 &
    job[$c]=$!
  done
  trap 'echo "estate: interrupted, stopping" >&2; kill "${job[@]}" 2>/dev/null; cmd_down >/dev/null 2>&1; exit 1' INT TERM
  local failed=()
  for c in "${comps[@]}"; do wait "${job[$c]}" || failed+=("$c"); done
  trap - INT TERM
  for c in "${comps[@]}"; do cat "$DIR/logs/up-$c.out"; done
  if [ ${#failed[@]} -gt 0 ]; then
    echo "estate: up failed (${failed[*]}) after $(since "$t0") s; stopping what was started" >&2
    cmd_down >&2 || true
    exit 1
  fi
  echo "estate up in $(since "$t0") s ($DIR, offset $OFFSET)"
}

cmd_down() {
  local purge=""
  case "${1:-}" in --purge) purge=1 ;; "") ;; *) usage ;; esac
  if [ ! -d "$DIR" ]; then echo "nothing at $DIR"; return 0; fi
  DIR=$(cd "$DIR" && pwd -P)
  load_env
  DEADLINE=$((EPOCHSECONDS + TIMEOUT))
  # Sentinels before Redis and Patroni before etcd, so nothing fails over or
  # loses its DCS while the estate goes down.
  stop_pids prometheus alertmanager pg-exporter-a pg-exporter-b redis-exporter-a redis-exporter-b \
    pt-1 pt-2 pdns sentinel-1 sentinel-2 sentinel-3
  local n
  # Patroni detaches postgres: stop what it left running.
  for n in pt-1 pt-2 pg-b pg-a; do
    if [ -d "$DIR/$n" ] && pg_running "$n"; then pg_stop "$n" || true; fi
  done
  stop_pids etcd redis-b redis-a
  for n in "${ALL_NAMES[@]}"; do rm -f "$(pidfile "$n")"; done
  if [ -n "$purge" ]; then rm -rf "$DIR"; echo "removed $DIR"; fi
  echo "estate down ($DIR)"
}

status_role() {
  local n=$1
  case "$n" in
    pg-a | pg-b) pg_role "$n" ;;
    redis-a | redis-b)
      rcli -h "$(redis_addr "$n")" -p "$REDIS_PORT" info replication 2>/dev/null | tr -d '\r' | sed -n 's/^role://p' ;;
    sentinel-*)
      echo "sentinel master=$(rcli -p "${SENTINEL_PORTS[${n#sentinel-} - 1]}" sentinel get-master-addr-by-name estate 2>/dev/null | tr '\n' ':' | sed 's/:$//')" ;;
    pt-*)
      local i=${n#pt-} role leader
      role=$(curl -fsS --max-time 2 "http://127.0.0.1:${PT_API_PORTS[i - 1]}/patroni" 2>/dev/null |
        "$PY" -c 'import json,sys; print(json.load(sys.stdin).get("role", "?"))' 2>/dev/null) || role="?"
      leader=$(curl -fsS --max-time 2 "http://127.0.0.1:${PT_API_PORTS[i - 1]}/cluster" 2>/dev/null |
        "$PY" -c 'import json,sys; print(",".join(m["name"] for m in json.load(sys.stdin)["members"] if m["role"] == "leader") or "none")' 2>/dev/null) || leader="?"
      echo "$role leader=$leader" ;;
  esac
}

cmd_status() {
  if [ ! -d "$DIR" ]; then echo "no estate at $DIR"; exit 3; fi
  DIR=$(cd "$DIR" && pwd -P)
  load_env
  local n pid state role any="" bad=""
  for n in "${ALL_NAMES[@]}"; do
    [ -f "$(pidfile "$n")" ] || continue
    any=1
    pid=$(recorded_pid "$n" || echo "?")
    # A restarted PostgreSQL has a new pid: trust postmaster.pid.
    if [[ $n == pg-? ]] && [ -f "$DIR/$n/postmaster.pid" ]; then pid=$(head -1 "$DIR/$n/postmaster.pid"); fi
    if ours "$pid"; then state=alive; role=$(status_role "$n" || true); else state=dead; role=""; bad=1; fi
    printf '%-17s %-52s pid %-8s %-6s %s\n' "$n" "$(address_of "$n")" "$pid" "$state" "$role"
  done
  [ -n "$any" ] || { echo "nothing recorded in $DIR"; exit 3; }
  [ -z "$bad" ] || exit 3
}

main() {
  [ $# -ge 1 ] || usage
  local cmd=$1; shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    # The packages only, for scripts/test.sh: tests then start estates in
    # parallel without racing for the dpkg lock.
    install) ensure_packages $(echo "${1:-pg,redis,dns}" | tr ',' ' ') ;;
    pg)
      [ -d "$DIR" ] || die "no estate at $DIR"
      DIR=$(cd "$DIR" && pwd -P)
      load_env
      cmd_pg "$@" ;;
    -h | --help | help) usage ;;
    *) echo "estate: unknown command '$cmd'" >&2; usage ;;
  esac
}

main "$@"
