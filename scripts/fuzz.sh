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
set -uo pipefail
cd "$(dirname "$0")/.."

total=${1:-1000000}
if ! [[ "$total" =~ ^[0-9]+$ ]] || [ "$total" -lt 1 ]; then
  echo "usage: $0 [TOTAL_CASES]" >&2
  exit 2
fi
# target:weight
# target:weight; nesting.KIND is the nesting test on one kind of nesting.
weights="config:10 runbook:10 expr:16 template:4 fleet_body:10 health_body:10 prometheus_body:10 alertmanager_body:10 journal:10 app_keys:2 watch_keys:2"
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
if ! cargo test --release --test fuzz --no-run >"$out/build.log" 2>&1; then
  cat "$out/build.log" >&2
  echo "fuzz: build failed" >&2
  exit 2
fi

run_target() {
  local t=$1 test=${1%%.*} kind=
  [ "$test" = "$t" ] || kind=${t#*.}
  # A runaway case must not take the machine with it: cap memory (the
  # case fails on allocation) and wall time.
  (
    ulimit -v $((16 * 1024 * 1024)) 2>/dev/null || true
    BATON_FUZZ_OUT=$out BATON_FUZZ_CASES=$(cases_of "$t") BATON_FUZZ_KEEP_GOING=1 BATON_FUZZ_SEED=$seed \
      BATON_FUZZ_DEPTH=${BATON_FUZZ_DEPTH:-$([ "$test" = nesting ] && echo 20000 || echo 24)} \
      BATON_FUZZ_NESTING=$kind \
      timeout "${BATON_FUZZ_TARGET_TIMEOUT:-3h}" \
      cargo test --release --test fuzz -- --exact "$test" --include-ignored --nocapture --test-threads 1
  ) >"$out/$t.log" 2>&1
  echo $? >"$out/$t.rc"
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
  rc=$(cat "$out/$t.rc" 2>/dev/null || echo 99)
  line=$(grep -a -o "FUZZ target=${t%%.*} .*" "$out/$t.log" | tail -1)
  get() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
  cases=$(get cases) panics=$(get panics) hangs=$(get hangs) secs=$(get secs)
  status=ok
  if [ -z "$line" ]; then
    # No tally: the process died (a stack overflow aborts it) or timed out.
    cases=? panics=? hangs=? secs=?
    status="crashed (exit $rc): $(grep -a -m1 -E 'overflowed its stack|memory allocation|panicked|error' "$out/$t.log" | cut -c1-80)"
  elif grep -q "stopped=1" <<<"$line"; then
    status="stopped: a case never ended"
  elif [ "$rc" -ne 0 ]; then
    status="failed (exit $rc)"
  fi
  [ "$status" = ok ] || failed=1
  if [ "$cases" != "?" ]; then
    sum_cases=$((sum_cases + cases))
    sum_panics=$((sum_panics + panics))
    sum_hangs=$((sum_hangs + hangs))
  fi
  printf '%-26s %10s %7s %6s %9s  %s\n' "$t" "$cases" "$panics" "$hangs" "$secs" "$status"
done
printf '%-26s %10s %7s %6s\n' total "$sum_cases" "$sum_panics" "$sum_hangs"

if [ "$failed" -ne 0 ]; then
  echo
  echo "failures (one input each; full logs in $out):"
  grep -a -h -A1 "FUZZ-FAILURE" "$out"/*.log | cut -c1-600
  for t in "${targets[@]}"; do
    grep -a -q "FUZZ target=" "$out/$t.log" || { echo "$t:"; tail -n 4 "$out/$t.log" | sed 's/^/  /'; }
  done
  exit 1
fi
