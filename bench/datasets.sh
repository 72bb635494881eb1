#!/usr/bin/env bash
# bench/datasets.sh - the dataset upload benchmark (issue 4).
#
#   bench/datasets.sh [--examples N]
#
# Generates N examples (default 100,000, about 1 KB each: ~100 MB of JSONL,
# bench/gen-dataset.mjs), starts a release server on a fresh data directory,
# uploads the file as multipart/form-data (POST /v1/datasets/upload, one
# transaction), then lists the examples (GET /v1/datasets/{id}/examples)
# and re-runs the upload as action=update (no change: no new version).
# Reports wall times and the server's peak RSS (VmHWM from /proc before
# and after each step).  Targets: upload <= 10 s, peak RSS <= 150 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

N=100000
while [ $# -gt 0 ]; do
  case "$1" in
    --examples) N=$2; shift 2 ;;
    *) echo "usage: bench/datasets.sh [--examples N]" >&2; exit 2 ;;
  esac
done

O=build/release
make -s -j2 O=$O BUILD=release $O/assay
ASSAY=$PWD/$O/assay
WORK=$(mktemp -d /tmp/assay-bench-ds.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

node bench/gen-dataset.mjs "$N" "$WORK/examples.jsonl"
SIZE=$(stat -c %s "$WORK/examples.jsonl")
echo "file: $N examples, $((SIZE / 1000000)) MB"

"$ASSAY" serve --host 127.0.0.1 --port 0 --data "$WORK/data" > "$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/server.log" && break
  sleep 0.1
done
URL=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$WORK/server.log")
[ -n "$URL" ] || { cat "$WORK/server.log"; exit 1; }
hwm() { awk '/VmHWM/ {print int($2 / 1024)}' /proc/$PID/status; }
rss() { awk '/VmRSS/ {print int($2 / 1024)}' /proc/$PID/status; }
now() { date +%s.%N; }

echo "server idle: VmHWM $(hwm) MB"
t0=$(now)
curl -sS -o "$WORK/up.json" -w "%{http_code}\n" \
  -F name=bench -F 'file=@'"$WORK/examples.jsonl"';type=application/jsonl' \
  "$URL/v1/datasets/upload?sync=true" > "$WORK/code"
t1=$(now)
echo "upload (create): HTTP $(cat "$WORK/code"), $(echo "$t1 - $t0" | bc) s, VmHWM $(hwm) MB, VmRSS $(rss) MB"
cat "$WORK/up.json"; echo
DS=$(sed -n 's/.*"dataset_id":"\([^"]*\)".*/\1/p' "$WORK/up.json")

t0=$(now)
curl -sS -o "$WORK/ex.json" -w "%{http_code} %{size_download}\n" "$URL/v1/datasets/$DS/examples" > "$WORK/code"
t1=$(now)
echo "GET examples: HTTP $(cut -d' ' -f1 "$WORK/code"), $(( $(cut -d' ' -f2 "$WORK/code") / 1000000 )) MB, $(echo "$t1 - $t0" | bc) s, VmHWM $(hwm) MB"
node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1])).data; if (d.examples.length !== +process.argv[2]) { console.error("got", d.examples.length); process.exit(1) }' "$WORK/ex.json" "$N"

t0=$(now)
curl -sS -o "$WORK/up2.json" -w "%{http_code}\n" \
  -F name=bench -F action=update -F 'file=@'"$WORK/examples.jsonl"';type=application/jsonl' \
  "$URL/v1/datasets/upload?sync=true" > "$WORK/code"
t1=$(now)
echo "upload (update, unchanged): HTTP $(cat "$WORK/code"), $(echo "$t1 - $t0" | bc) s, VmHWM $(hwm) MB"
cat "$WORK/up2.json"; echo
echo "targets: upload <= 10 s, peak RSS (VmHWM) <= 150 MB"
