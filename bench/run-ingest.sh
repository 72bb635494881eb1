#!/usr/bin/env bash
# run-ingest.sh - build release, start a fresh assay server on a temporary
# data directory, run bench/ingest against it, stop the server, clean up.
#
#   bench/run-ingest.sh [DURATION [CONNECTIONS]] [-- MORE INGEST OPTIONS]
#
#   bench/run-ingest.sh                      10 s, 8 connections
#   bench/run-ingest.sh 30 4                 30 s, 4 connections
#   bench/run-ingest.sh 30 8 -- --warmup 5 --traces-per-request 20 --json
#   bench/run-ingest.sh 0 8 -- --prefill 1000000     (duration ignored)
#
# Environment: PORT (default: a free port), KEEP=1 keeps the data directory,
# NO_BUILD=1 skips the build, READ=1 also runs bench/read after ingest,
# SERVER=path runs another server binary (same "serve --port --data" CLI).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=10
connections=8
if [ $# -gt 0 ] && [ "$1" != "--" ]; then duration=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" != "--" ]; then connections=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; fi
extra=("$@")

if [ -z "${NO_BUILD:-}" ]; then
  make -s BUILD=release >&2
  make -s BUILD=release bench >&2
fi

server=${SERVER:-build/release/assay}
ingest=build/release/bench/ingest
[ -x "$server" ] || { echo "run-ingest: $server not built" >&2; exit 2; }
[ -x "$ingest" ] || { echo "run-ingest: $ingest not built" >&2; exit 2; }

data_dir=$(mktemp -d "${TMPDIR:-/tmp}/assay-bench.XXXXXX")
server_pid=""
# shellcheck disable=SC2317  # (called from the EXIT trap)
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "run-ingest: server did not stop after SIGTERM, killing it" >&2
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "${KEEP:-}" ]; then
    echo "run-ingest: data kept in $data_dir" >&2
  else
    rm -rf "$data_dir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free port: ask the kernel (python3), else let the server choose (--port 0).
port=${PORT:-}
if [ -z "$port" ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 0)
fi

# stdbuf: line-buffered stdout so the "listening" line reaches the log at once.
linebuf=()
command -v stdbuf >/dev/null && linebuf=(stdbuf -oL)
${linebuf[@]+"${linebuf[@]}"} "$server" serve --port "$port" --data "$data_dir" >"$data_dir/server.out" 2>"$data_dir/server.err" &
server_pid=$!

url=""
for _ in $(seq 300); do
  line=$(grep -m1 -o 'listening on http://[^ ]*' "$data_dir/server.out" 2>/dev/null || true)
  if [ -n "$line" ]; then url=${line#listening on }; break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run-ingest: server exited during start-up:" >&2
    tail -n 20 "$data_dir/server.out" "$data_dir/server.err" >&2 || true
    server_pid=""
    exit 2
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "run-ingest: server did not print 'listening on' within 30 s" >&2
  tail -n 20 "$data_dir/server.out" "$data_dir/server.err" >&2 || true
  exit 2
fi
url=${url%/}
echo "run-ingest: server pid $server_pid at $url, data in $data_dir" >&2

rc=0
"$ingest" --url "$url" --duration "$duration" --connections "$connections" \
  --server-pid "$server_pid" --db "$data_dir/assay.db" ${extra[@]+"${extra[@]}"} || rc=$?

if [ ! -e "$data_dir/assay.db" ]; then
  echo "run-ingest: note: $data_dir/assay.db does not exist (db bytes/span is meaningless); files:" >&2
  ls -la "$data_dir" >&2
fi

if [ -n "${READ:-}" ] && [ -x build/release/bench/read ]; then
  build/release/bench/read --url "$url" || rc=$?
fi

if [ -s "$data_dir/server.err" ]; then
  echo "run-ingest: last lines of server stderr:" >&2
  tail -n 5 "$data_dir/server.err" >&2
fi
exit "$rc"
