#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need if
# it is missing (tmux for the end-to-end tests, Debian's prometheus and
# prometheus-alertmanager for the real-component tests, and through
# scripts/estate.sh install postgresql-15, redis-server, redis-sentinel,
# redis-tools, pdns-server, pdns-backend-sqlite3, patroni, etcd-server and the
# Prometheus exporters for tests/estate; etcd-server also serves
# tests/coordination), then
# runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  # --no-install-recommends: the servers only, no services are started here.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# The real systems of tests/estate (PostgreSQL 15, Redis + Sentinel, Patroni
# on etcd, the exporters,
# PowerDNS): installed once here, before tests start estates in parallel.
./scripts/estate.sh install pg,redis,dns,patroni,monitoring

cargo test --locked --all-targets "$@"
