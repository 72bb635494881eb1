#!/usr/bin/env bash
# ui-perf.sh - the web UI with 1 M spans stored: build release, start a
# fresh server, fill it with bench/ingest --prefill (trip-planner traces,
# project "bench"), add one 5,000-span trace, then run bench/ui-perf.mjs in
# Debian chromium.  SPANS=N changes the fill (default 1000000); RUNS=N the
# runs per measurement (default 5); NO_BUILD=1 skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."
spans=${SPANS:-1000000}
if [ -z "${NO_BUILD:-}" ]; then
  make -s BUILD=release >&2
  make -s BUILD=release bench >&2
fi
data=$(mktemp -d "${TMPDIR:-/tmp}/assay-uiperf.XXXXXX")
pid=""
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
stdbuf -oL build/release/assay serve --port 0 --data "$data" >"$data/out" 2>"$data/err" &
pid=$!
url=""
for _ in $(seq 300); do
  url=$(grep -m1 -o 'http://127.0.0.1:[0-9]*' "$data/out" 2>/dev/null || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "ui-perf: server did not start" >&2; cat "$data/err" >&2; exit 2; }
echo "ui-perf: filling $url with $spans spans" >&2
build/release/bench/ingest --url "$url" --prefill "$spans" --connections 4 --project bench >&2
big=$(node -e '
  import("./ui/scripts/seed-traces.mjs").then(async (m) => {
    let s = 7; const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    const spans = m.bigTrace(rand, Date.now() - 10 * 60e3, 5000);
    await m.sendSpans(process.argv[1], "bench", spans);
    console.log(spans[0].traceId);
  });' "$url")
echo "ui-perf: 5,000-span trace $big" >&2
node bench/ui-perf.mjs "$url" --project bench --big-trace "$big" --runs "${RUNS:-5}"
