#!/usr/bin/env bash
# Peer side of bench/eval: promptfoo and @arizeai/phoenix-evals doing the same
# LLM-as-a-judge job (one hallucination judge call per row) against the mock
# LLM server, each measured as a separate process with /usr/bin/time.
#
#   bench/peers/run.sh --base-url http://127.0.0.1:PORT[/v1] --rows 2000 --concurrency 50 \
#       [--only promptfoo|phoenix-evals] [--startup-rows 10] [--repeat 1] [--promptfoo-defaults]
#       [--timeout S] [--work DIR] [--keep]
#
# stdout: one line per peer (fields in this order, then extras):
#   peer=promptfoo rows=2000 wall_s=… cpu_s=… cpu_us_per_call=… maxrss_mb=… mock_requests=… ok_rows=… \
#     startup_rows=10 startup_wall_s=… startup_cpu_s=… marginal_cpu_us_per_call=… status=ok version=… node=…
# stderr: progress.  Exit status 1 if any peer did not give rows good results
# from exactly rows mock requests.
#
# --startup-rows K (default 10, 0 = skip) first runs each peer on K rows to
# estimate its fixed cost; marginal_cpu_us_per_call = (cpu_s - startup_cpu_s) /
# (rows - K).  The raw figures (cpu_us_per_call) include start-up.
# --timeout S (default 900) kills a peer run that takes longer (e.g. promptfoo
# retrying for ever when the mock went away); the run then counts as failed.
# --repeat R runs each peer R times on the full rows and reports the run with
# the least CPU (the peer's best showing).
# promptfoo runs peer-favourably by default: --no-write (no results database;
# the -o results file is still written) and PROMPTFOO_DISABLE_DEBUG_LOG=1 (no
# per-run debug log file); --promptfoo-defaults keeps both, as promptfoo does
# out of the box.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BASE_URL="" ROWS=2000 CONC=50 ONLY="" STARTUP_ROWS=10 WORK="" KEEP=0 REPEAT=1 PF_DEFAULTS=0 TIMEOUT=900

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --base-url) BASE_URL=${2:?}; shift 2 ;;
    --rows) ROWS=${2:?}; shift 2 ;;
    --concurrency) CONC=${2:?}; shift 2 ;;
    --only) ONLY=${2:?}; shift 2 ;;
    --startup-rows) STARTUP_ROWS=${2:?}; shift 2 ;;
    --timeout) TIMEOUT=${2:?}; shift 2 ;;
    --repeat) REPEAT=${2:?}; shift 2 ;;
    --promptfoo-defaults) PF_DEFAULTS=1; shift ;;
    --work) WORK=${2:?}; KEEP=1; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$BASE_URL" ] || { echo "run.sh: --base-url is required" >&2; usage; }
case "$ONLY" in ""|promptfoo|phoenix-evals) ;; *) echo "run.sh: --only promptfoo|phoenix-evals" >&2; exit 2 ;; esac
[[ "$ROWS" =~ ^[1-9][0-9]*$ && "$CONC" =~ ^[1-9][0-9]*$ && "$STARTUP_ROWS" =~ ^[0-9]+$ && "$REPEAT" =~ ^[1-9][0-9]*$ && "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --rows/--concurrency/--startup-rows/--repeat/--timeout must be integers" >&2; exit 2; }
[ "$STARTUP_ROWS" -lt "$ROWS" ] || STARTUP_ROWS=0
[ -x /usr/bin/time ] || { echo "run.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

ROOT=${BASE_URL%/}; ROOT=${ROOT%/v1}; API="$ROOT/v1"

# --- node modules (exact versions from package-lock.json) ---------------------
if [ ! -x "$HERE/node_modules/node/bin/node" ] || [ ! -f "$HERE/node_modules/promptfoo/package.json" ] \
   || [ ! -f "$HERE/node_modules/@arizeai/phoenix-evals/package.json" ] || [ ! -f "$HERE/node_modules/@ai-sdk/openai/package.json" ]; then
  echo "run.sh: installing node modules (npm ci) in $HERE" >&2
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
NODE="$HERE/node_modules/node/bin/node"   # Node 22 from the npm package node@22
NODE_VERSION=$("$NODE" --version)
PF_VERSION=$("$NODE" -p "require('$HERE/node_modules/promptfoo/package.json').version")
PHX_VERSION=$("$NODE" -p "require('$HERE/node_modules/@arizeai/phoenix-evals/package.json').version")

if [ -z "$WORK" ]; then WORK=$(mktemp -d "${TMPDIR:-/tmp}/assay-peers.XXXXXX"); fi
mkdir -p "$WORK"
[ "$KEEP" = 1 ] || trap 'rm -rf "$WORK"' EXIT
echo "run.sh: work dir $WORK; mock $ROOT; rows=$ROWS concurrency=$CONC; node $NODE_VERSION" >&2

# The peers' environment: Node 22 first on PATH, nothing inherited that could
# redirect the OpenAI client, and every outside call promptfoo makes despite
# its opt-outs (it still posts a "telemetry disabled" event) sent to a closed
# loopback port instead of the internet; the mock itself is NO_PROXY.
PEER_ENV=(env -u NODE_OPTIONS -u OPENAI_API_KEY -u OPENAI_BASE_URL -u OPENAI_API_BASE_URL -u OPENAI_API_HOST
  PATH="$HERE/node_modules/node/bin:$PATH"
  HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9
  NO_PROXY=127.0.0.1,localhost,::1 no_proxy=127.0.0.1,localhost,::1
  PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_CACHE_ENABLED=false
  PROMPTFOO_DISABLE_SHARING=1 PROMPTFOO_DISABLE_REMOTE_GENERATION=1 PROMPTFOO_DISABLE_REDTEAM_REMOTE_GENERATION=1
  PROMPTFOO_CONFIG_DIR="$WORK/promptfoo-home" PROMPTFOO_LOG_DIR="$WORK/promptfoo-home/logs"
  AI_SDK_LOG_WARNINGS=false)
PF_ARGS=()
if [ "$PF_DEFAULTS" = 0 ]; then
  PEER_ENV+=(PROMPTFOO_DISABLE_DEBUG_LOG=1)
  PF_ARGS+=(--no-write)
fi

mock_requests() {
  "$NODE" -e 'fetch(process.argv[1]).then(r => r.json()).then(j => console.log(j.requests)).catch(e => { console.error("run.sh: mock stats: " + e.message); process.exit(1); })' "$ROOT/_mock/stats"
}
# Does GET /_mock/stats count itself?  Measure it so mock_requests is exact.
S0=$(mock_requests) || { echo "run.sh: mock not reachable at $ROOT" >&2; exit 1; }
S1=$(mock_requests)
STATS_SELF=$((S1 - S0))

gen_rows() {  # gen_rows N DIR
  "$NODE" "$HERE/gen-rows.mjs" --rows "$1" --out "$2" 2>/dev/null
}

# run_once PEER N DIR -> sets R_WALL R_CPU R_RSS_KB R_REQS R_OK R_LABELS R_RC
run_once() {
  local peer=$1 n=$2 dir=$3 before after
  before=$(mock_requests) || { echo "run.sh: mock not reachable at $ROOT" >&2; exit 1; }
  set +e
  if [ "$peer" = promptfoo ]; then
    "$NODE" "$HERE/promptfoo-config.mjs" --rows-file "$dir/rows.csv" --base-url "$API" \
      --concurrency "$CONC" --out "$dir/promptfooconfig.json"
    (cd "$dir" && "${PEER_ENV[@]}" /usr/bin/time -f '%e %U %S %M' -o "$dir/time.$peer" \
      timeout -k 10 "$TIMEOUT" "$NODE" "$HERE/node_modules/promptfoo/dist/src/entrypoint.js" eval \
        -c "$dir/promptfooconfig.json" -j "$CONC" --no-cache --no-table --no-progress-bar --no-share "${PF_ARGS[@]}" \
        -o "$dir/results.promptfoo.json" >"$dir/log.$peer" 2>&1)
    R_RC=$?
    results="$dir/results.promptfoo.json"
  else
    (cd "$dir" && "${PEER_ENV[@]}" /usr/bin/time -f '%e %U %S %M' -o "$dir/time.$peer" \
      timeout -k 10 "$TIMEOUT" "$NODE" "$HERE/phoenix-evals-run.mjs" --rows-file "$dir/rows.jsonl" --base-url "$API" \
        --concurrency "$CONC" --out "$dir/results.phoenix-evals.jsonl" >"$dir/log.$peer" 2>&1)
    R_RC=$?
    results="$dir/results.phoenix-evals.jsonl"
  fi
  set -e
  if after=$(mock_requests); then R_REQS=$((after - before - STATS_SELF)); else R_REQS=-1; fi
  [ "$R_RC" != 124 ] && [ "$R_RC" != 137 ] || echo "run.sh: $peer timed out after ${TIMEOUT}s" >&2
  read -r R_WALL R_USER R_SYS R_RSS_KB < <(tail -n 1 "$dir/time.$peer")
  R_CPU=$(awk -v u="$R_USER" -v s="$R_SYS" 'BEGIN { printf "%.2f", u + s }')
  R_OK=0 R_LABELS=none
  if [ -s "$results" ]; then
    local v
    v=$("$NODE" "$HERE/verify-results.mjs" "$peer" "$results") || v=""
    R_OK=$(sed -n 's/.*ok_rows=\([0-9]*\).*/\1/p' <<<"$v"); R_OK=${R_OK:-0}
    R_LABELS=$(sed -n 's/.*labels=\([^ ]*\).*/\1/p' <<<"$v")
  fi
  if [ "$R_OK" != "$n" ] || [ "$R_REQS" != "$n" ]; then
    echo "run.sh: $peer on $n rows: ok_rows=$R_OK mock_requests=$R_REQS exit=$R_RC; last lines of $dir/log.$peer:" >&2
    tail -n 15 "$dir/log.$peer" >&2 || true
  fi
}

FAIL=0
for peer in promptfoo phoenix-evals; do
  [ -z "$ONLY" ] || [ "$ONLY" = "$peer" ] || continue
  pdir="$WORK/$peer"; mkdir -p "$pdir/main"
  SU_ROWS=0 SU_WALL=0 SU_CPU=0 SU_OK=1
  if [ "$STARTUP_ROWS" -gt 0 ]; then
    # Also the warm-up: promptfoo creates its results database here.
    mkdir -p "$pdir/startup"; gen_rows "$STARTUP_ROWS" "$pdir/startup"
    echo "run.sh: $peer: start-up run on $STARTUP_ROWS rows" >&2
    run_once "$peer" "$STARTUP_ROWS" "$pdir/startup"
    SU_ROWS=$STARTUP_ROWS SU_WALL=$R_WALL SU_CPU=$R_CPU
    { [ "$R_OK" = "$STARTUP_ROWS" ] && [ "$R_REQS" = "$STARTUP_ROWS" ]; } || SU_OK=0
  fi
  gen_rows "$ROWS" "$pdir/main"
  status=ok B_CPU=""
  for ((rep = 1; rep <= REPEAT; rep++)); do
    echo "run.sh: $peer: $ROWS rows at concurrency $CONC (run $rep/$REPEAT)" >&2
    run_once "$peer" "$ROWS" "$pdir/main"
    echo "run.sh: $peer: run $rep: wall_s=$R_WALL cpu_s=$R_CPU maxrss_kb=$R_RSS_KB mock_requests=$R_REQS ok_rows=$R_OK" >&2
    { [ "$R_OK" = "$ROWS" ] && [ "$R_REQS" = "$ROWS" ]; } || status=fail
    if [ -z "$B_CPU" ] || awk -v a="$R_CPU" -v b="$B_CPU" 'BEGIN { exit !(a < b) }'; then
      B_WALL=$R_WALL B_CPU=$R_CPU B_RSS_KB=$R_RSS_KB B_REQS=$R_REQS B_OK=$R_OK B_LABELS=$R_LABELS
    fi
  done
  R_WALL=$B_WALL R_CPU=$B_CPU R_RSS_KB=$B_RSS_KB R_REQS=$B_REQS R_OK=$B_OK R_LABELS=$B_LABELS
  [ "$SU_OK" = 1 ] || status=fail
  [ "$status" = ok ] || FAIL=1
  if [ "$peer" = promptfoo ]; then ver=$PF_VERSION; else ver=$PHX_VERSION; fi
  awk -v peer="$peer" -v rows="$ROWS" -v wall="$R_WALL" -v cpu="$R_CPU" -v rss="$R_RSS_KB" \
      -v reqs="$R_REQS" -v ok="$R_OK" -v sur="$SU_ROWS" -v suw="$SU_WALL" -v suc="$SU_CPU" \
      -v status="$status" -v ver="$ver" -v node="$NODE_VERSION" -v labels="$R_LABELS" -v runs="$REPEAT" 'BEGIN {
    marg = (sur > 0) ? sprintf("%.1f", (cpu - suc) / (rows - sur) * 1e6) : "na"
    printf "peer=%s rows=%d wall_s=%.2f cpu_s=%.2f cpu_us_per_call=%.1f maxrss_mb=%.1f mock_requests=%d ok_rows=%d", \
      peer, rows, wall, cpu, cpu / rows * 1e6, rss / 1024, reqs, ok
    printf " startup_rows=%d startup_wall_s=%.2f startup_cpu_s=%.2f marginal_cpu_us_per_call=%s status=%s version=%s node=%s labels=%s runs=%d\n", \
      sur, suw, suc, marg, status, ver, node, labels, runs
  }'
done
exit "$FAIL"
