#!/usr/bin/env bash
# Runs every fuzz target of tests/fuzz.rs in the release profile, the total
# number of cases split across targets by weight (a console driven by keys
# costs ~50 times a body parse), each target in a process of
# its own (a stack overflow aborts a process), and prints one row per
# target: cases, panics, hangs, seconds. Exits non-zero on any failure.
#
#   scripts/fuzz.sh [TOTAL_CASES]      default 1000000
#
# BATON_FUZZ_SEED     seed (default: random, printed so a run can be replayed)
# BATON_FUZZ_TARGETS  space-separated subset of the targets
# BATON_FUZZ_DEPTH    nesting depth of the nesting target (default 20000)
# BATON_FUZZ_JOBS     targets run at once (default 1)
# BATON_FUZZ_RESTARTS restarts of a target whose case never ended (default 300)
set -uo pipefail
cd "$(dirname "$0")/.."

total=${1:-1000000}
if ! [[ "$total" =~ ^[0-9]+$ ]] || [ "$total" -lt 1 ]; then
  echo "usage: $0 [TOTAL_CASES]" >&2
  exit 2
fi
# target:weight
# target:weight; nesting.KIND is the nesting test on one kind of nesting.
# (template: a case that never ends, known today, costs a restart each)
weights="config:10 runbook:5 expr:20 template:2 fleet_body:10 health_body:10 prometheus_body:10 alertmanager_body:10 journal:6 app_keys:2 watch_keys:2"
for k in expr_parens expr_not expr_and runbook_expr template_if template_parens toml_array json_array; do
  weights="$weights nesting.$k:1"
done
declare -A weight
for tw in $weights; do weight[${tw%%:*}]=${tw##*:}; done
targets=(${BATON_FUZZ_TARGETS:-$(for tw in $weights; do printf '%s ' "${tw%%:*}"; done)})
sum=0
for t in "${targets[@]}"; do
  if [ -z "${weight[$t]:-}" ]; then
    echo "fuzz: unknown target $t; targets: ${!weight[*]}" >&2
    exit 2
  fi
  sum=$((sum + weight[$t]))
done
# Rounded up: the targets together run at least TOTAL_CASES.
cases_of() { echo $(( (total * weight[$1] + sum - 1) / sum )); }
seed=${BATON_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
jobs=${BATON_FUZZ_JOBS:-1}
out=$(mktemp -d "${TMPDIR:-/tmp}/baton-fuzz.XXXXXX")

echo "fuzz: $total cases over ${#targets[@]} targets, seed $seed, logs in $out"
if ! cargo test --release --test fuzz --no-run --message-format=json >"$out/build.json" 2>"$out/build.log"; then
  cat "$out/build.log" >&2
  echo "fuzz: build failed" >&2
  exit 2
fi
# A copy of the test binary: a rebuild meanwhile changes nothing of this run.
exe=$(grep -o '"executable":"[^"]*fuzz-[^"]*"' "$out/build.json" | tail -1 | cut -d'"' -f4)
if [ -z "$exe" ] || ! cp "$exe" "$out/fuzz-bin"; then
  echo "fuzz: no test binary in the build output" >&2
  exit 2
fi

# One run of one target: its tally line and exit code.
run_once() {
  local t=$1 test=$2 kind=$3 cases=$4 seed=$5 log=$6
  # A runaway case must not take the machine with it: cap memory (the
  # case fails on allocation) and wall time.
  (
    ulimit -v $((16 * 1024 * 1024)) 2>/dev/null || true
    BATON_FUZZ_OUT=$out BATON_FUZZ_CASES=$cases BATON_FUZZ_KEEP_GOING=1 BATON_FUZZ_SEED=$seed \
      BATON_FUZZ_GRACE_MS=${BATON_FUZZ_GRACE_MS:-3000} \
      BATON_FUZZ_DEPTH=${BATON_FUZZ_DEPTH:-$([ "$test" = nesting ] && echo 20000 || echo 24)} \
      BATON_FUZZ_NESTING=$kind \
      timeout "${BATON_FUZZ_TARGET_TIMEOUT:-3h}" \
      "$out/fuzz-bin" --exact "$test" --include-ignored --nocapture --test-threads 1
  ) >>"$log" 2>&1
}

# A target until its cases are run: a case that never ends stops its
# process (a thread cannot be killed), so the rest runs in a new one, with
# the next seed, at most BATON_FUZZ_RESTARTS times. Sums go to $t.sum.
run_target() {
  local t=$1 test=${1%%.*} kind=
  [ "$test" = "$t" ] || kind=${t#*.}
  local want left restarts=0 cases=0 panics=0 hangs=0 secs=0 status=ok rc line
  want=$(cases_of "$t")
  left=$want
  : >"$out/$t.log"
  while [ "$left" -gt 0 ]; do
    run_once "$t" "$test" "$kind" "$left" $((seed + restarts)) "$out/$t.log"
    rc=$?
    line=$(grep -a -o "FUZZ target=$test .*" "$out/$t.log" | tail -1)
    if [ -z "$line" ] || [ "$(grep -a -c "FUZZ target=$test " "$out/$t.log")" -le "$restarts" ]; then
      # No tally: the process died (a stack overflow aborts it) or timed out.
      status="crashed (exit $rc): $(grep -a -m1 -E 'overflowed its stack|memory allocation|SIGKILL|timed out' "$out/$t.log" | cut -c1-70)"
      break
    fi
    get() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
    cases=$((cases + $(get cases)))
    panics=$((panics + $(get panics)))
    hangs=$((hangs + $(get hangs)))
    secs=$(awk -v a="$secs" -v b="$(get secs)" 'BEGIN { printf "%.1f", a + b }')
    left=$((want - cases))
    if grep -q "stopped=1" <<<"$line"; then
      restarts=$((restarts + 1))
      if [ "$restarts" -gt "${BATON_FUZZ_RESTARTS:-300}" ]; then
        status="stopped: $restarts cases never ended"
        break
      fi
      continue
    fi
    [ "$rc" -eq 0 ] || status="failed (exit $rc)"
    break
  done
  [ "$restarts" -eq 0 ] || [ "$status" != ok ] || status="$restarts never-ending case(s), restarted"
  echo "$cases|$panics|$hangs|$secs|$status" >"$out/$t.sum"
}

running=0
for t in "${targets[@]}"; do
  run_target "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

failed=0
sum_cases=0 sum_panics=0 sum_hangs=0
printf '%-26s %10s %7s %6s %9s  %s\n' target cases panics hangs seconds status
for t in "${targets[@]}"; do
  IFS='|' read -r cases panics hangs secs status <"$out/$t.sum" || status="no result"
  if [ "$status" != ok ] || [ "$panics" != 0 ] || [ "$hangs" != 0 ]; then
    failed=1
  fi
  sum_cases=$((sum_cases + ${cases:-0}))
  sum_panics=$((sum_panics + ${panics:-0}))
  sum_hangs=$((sum_hangs + ${hangs:-0}))
  printf '%-26s %10s %7s %6s %9s  %s\n' "$t" "$cases" "$panics" "$hangs" "$secs" "$status"
done
printf '%-26s %10s %7s %6s\n' total "$sum_cases" "$sum_panics" "$sum_hangs"

if [ "$failed" -ne 0 ]; then
  echo
  echo "failures (one input each; full logs in $out):"
  # Each failure once (a restarted target lists its own again).
  awk '/FUZZ-FAILURE/ { sig = $0; sub(/count=[0-9]+ /, "", sig); if (!(sig in seen)) { seen[sig] = 1; print; getline; print } }' "$out"/*.log | cut -c1-600
  echo "(saved inputs: $out/TARGET-SEED-N.txt; replay: BATON_FUZZ_REPLAY=TARGET:FILE cargo test --release --test fuzz replay -- --ignored)"
  for t in "${targets[@]}"; do
    grep -a -q "FUZZ target=" "$out/$t.log" || { echo "$t:"; tail -n 4 "$out/$t.log" | sed 's/^/  /'; }
  done
  exit 1
fi
