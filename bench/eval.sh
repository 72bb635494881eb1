#!/usr/bin/env bash
# bench/eval.sh - the evaluation-engine benchmark (issue 3).
#
#   bench/eval.sh [--rows N] [--latency MS] [--concurrency C] [--big N] [--peers]
#
# Starts the mock LLM (tests/mockllm) with a fixed latency and runs
# `assay eval` with the built-in hallucination judge over generated rows:
#   1. N judge calls (default 2,000) at 50 ms latency, concurrency 50:
#      wall time against the ideal N x latency / concurrency, CPU per call;
#   2. the same with 5% of calls answered 429 (Retry-After 100 ms):
#      wall time, and rows lost (must be zero);
#   3. peak RSS over --big rows (default 100,000; 5 ms latency to keep it short);
#   4. with --peers: promptfoo and @arizeai/phoenix-evals doing the same job
#      against the same mock (bench/peers/run.sh), side by side, as ratios.
# Each process is measured with /usr/bin/time (wall, user+sys CPU, max RSS).
# Release build; caching off.  Figures go to docs/benchmarks.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=2000 LATENCY=50 CONC=50 BIG=100000 PEERS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS=$2; shift 2 ;;
    --latency) LATENCY=$2; shift 2 ;;
    --concurrency) CONC=$2; shift 2 ;;
    --big) BIG=$2; shift 2 ;;
    --peers) PEERS=1; shift ;;
    *) echo "usage: bench/eval.sh [--rows N] [--latency MS] [--concurrency C] [--big N] [--peers]" >&2; exit 2 ;;
  esac
done

make -s -j2 BUILD=release build/release/assay build/release/mockllm
ASSAY=$PWD/build/release/assay
MOCK=$PWD/build/release/mockllm
WORK=$(mktemp -d /tmp/assay-bench-eval.XXXXXX)
MOCK_PID=
cleanup() { [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# gen N FILE: rows of a hallucination check (id, input, reference, output),
# the same generator the peers use (bench/peers/gen-rows.mjs), so every tool
# judges byte-identical rows.
gen() {
  local d
  d=$(mktemp -d "$WORK/gen.XXXXXX")
  node bench/peers/gen-rows.mjs --rows "$1" --out "$d" >/dev/null 2>&1
  mv "$d/rows.csv" "$2"
  rm -rf "$d"
}

start_mock() {
  [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null && wait "$MOCK_PID" 2>/dev/null || true
  "$MOCK" --port 0 "$@" > "$WORK/mock.out" 2>&1 &
  MOCK_PID=$!
  for _ in $(seq 1 200); do
    URL=$(sed -n 's/^mockllm: listening on //p' "$WORK/mock.out")
    [ -n "$URL" ] && return 0
    sleep 0.05
  done
  echo "mock did not start" >&2; cat "$WORK/mock.out" >&2; exit 1
}

# run_assay NAME DATA: prints "wall user sys maxrss_kb" and checks the output.
run_assay() {
  local name=$1 data=$2
  OPENAI_API_KEY=bench /usr/bin/time -f '%e %U %S %M' -o "$WORK/$name.time" \
    "$ASSAY" eval --data "$data" --evaluator hallucination \
      --model "openai:gpt-4o-mini@$URL/v1" --concurrency "$CONC" --no-cache --quiet \
      --retries 20 --out "$WORK/$name.jsonl" > "$WORK/$name.summary" 2> "$WORK/$name.err" || {
    echo "assay eval failed ($name):" >&2; cat "$WORK/$name.err" >&2; exit 1; }
  cat "$WORK/$name.time"
}

report() {  # report NAME ROWS "wall user sys rss" [IDEAL]
  local name=$1 rows=$2 ideal=${4:-0}
  read -r wall user sys rss <<< "$3"
  local labelled
  labelled=$(grep -c '"label":"' "$WORK/$name.jsonl" || true)
  awk -v n="$name" -v rows="$rows" -v wall="$wall" -v u="$user" -v s="$sys" -v rss="$rss" \
      -v ideal="$ideal" -v ok="$labelled" 'BEGIN {
    cpu = u + s;
    printf "%-10s rows=%d wall_s=%.2f", n, rows, wall;
    if (ideal > 0) printf " (%.2fx ideal %.2f s)", wall / ideal, ideal;
    printf " cpu_s=%.2f cpu_us_per_call=%.1f maxrss_mb=%.1f labelled_rows=%d lost_rows=%d\n",
           cpu, cpu * 1e6 / rows, rss / 1024, ok, rows - ok;
  }'
}

echo "== assay eval: $ROWS judge calls, mock latency ${LATENCY} ms, concurrency $CONC"
gen "$ROWS" "$WORK/rows.csv"
IDEAL=$(awk -v n="$ROWS" -v l="$LATENCY" -v c="$CONC" 'BEGIN { printf "%.3f", n * l / 1000 / c }')
start_mock --latency-ms "$LATENCY"
report ideal "$ROWS" "$(run_assay ideal "$WORK/rows.csv")" "$IDEAL"
start_mock --latency-ms "$LATENCY" --rate-429 0.05 --retry-after-ms 100 --seed 3
report 429s "$ROWS" "$(run_assay 429s "$WORK/rows.csv")" "$IDEAL"
grep -E "^http:" "$WORK/429s.summary" | sed 's/^/           /'

echo "== assay eval: peak RSS over $BIG rows (mock latency 5 ms)"
gen "$BIG" "$WORK/big.csv"
start_mock --latency-ms 5
report big "$BIG" "$(run_assay big "$WORK/big.csv")"

if [ "$PEERS" = 1 ]; then
  echo "== peers: the same $ROWS judge calls, latency ${LATENCY} ms, concurrency $CONC"
  start_mock --latency-ms "$LATENCY"
  bench/peers/run.sh --base-url "$URL/v1" --rows "$ROWS" --concurrency "$CONC" | tee "$WORK/peers.out"
  ours=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^cpu_us_per_call=/) { split($i, a, "="); print a[2] } }' \
         <<< "$(report ideal "$ROWS" "$(cat "$WORK/ideal.time")" "$IDEAL")")
  echo "== CPU per judge call, peers / assay (same rows, same mock, same run)"
  while read -r line; do
    peer=$(sed -nE 's/.*peer=([^ ]+).*/\1/p' <<< "$line")
    cpu=$(sed -nE 's/.* cpu_us_per_call=([0-9.]+).*/\1/p' <<< "$line")
    [ -n "$peer" ] && [ -n "$cpu" ] &&
      awk -v p="$peer" -v c="$cpu" -v o="$ours" 'BEGIN { printf "%-14s %9.1f us/call = %6.1fx assay (%.1f us/call)\n", p, c, c / o, o }'
  done < "$WORK/peers.out"
fi
