#!/usr/bin/env bash
# bench/compare.sh - the experiment comparison benchmark (issue 4).
#
#   bench/compare.sh [--runs N] [--repeat K] [--bin PATH]
#
# Fills a fresh data directory with two experiments of N runs each (default
# 100,000; one repetition) over one dataset of N examples, each run with a
# pass/fail evaluation ("correct", label + 0/1 score) and a continuous one
# ("quality", N distinct scores, so its bootstrap resamples the runs
# themselves rather than a histogram), then times
# `assay experiment compare A B --json` K times (default 5; bootstrap
# included: 9,999 resamples for the binary evaluation, at least 1,000 for
# the continuous one - see docs/analysis.md) and reports min / median / max
# wall time and peak RSS (/usr/bin/time).  The target is <= 1 s.
# Release build (NO_BUILD=1 skips building; --bin benchmarks another binary).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=100000 REPEAT=5 BIN=build/release/assay
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --bin) BIN=$2; NO_BUILD=1; shift 2 ;;
    *) echo "usage: bench/compare.sh [--runs N] [--repeat K] [--bin PATH]" >&2; exit 2 ;;
  esac
done
if [ -z "${NO_BUILD:-}" ]; then make -s BUILD=release -j"${JOBS:-2}" >/dev/null; fi
DIR=$(mktemp -d /tmp/assay-bench-compare-XXXXXX)
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$DIR"' EXIT; else echo "keeping $DIR"; fi
"$BIN" db migrate --data "$DIR" >/dev/null

echo "filling $DIR: 2 experiments x $RUNS runs, 2 evaluations per run"
t0=$(date +%s.%N)
/usr/bin/python3 - "$DIR" "$RUNS" <<'PY'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, "tests/stats")
import numpy as np
import compare_data as cd
data_dir, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
db = cd.connect(data_dir)
db.execute("PRAGMA synchronous=OFF")
ds, ver, ex = cd.dataset(db, "bench", n)
skill = rng.normal(0, 1, n)
for name, shift in (("baseline", 0.0), ("candidate", 0.05)):
    exp = cd.experiment(db, ds, ver, name)
    ids = cd.runs(db, exp, [(e, 1, False, 100, 20, 1e-4, 1_000_000) for e in ex])
    s = skill + shift + rng.normal(0, 0.8, n)
    q = 1 / (1 + np.exp(-(skill + shift + rng.normal(0, 1, n))))
    rows = []
    for k, e in enumerate(ex):
        p = s[k] > -0.5
        rows.append((ids[(e, 1)], "correct", "pass" if p else "fail", 1.0 if p else 0.0, None, False))
        rows.append((ids[(e, 1)], "quality", None, float(q[k]), None, False))
    cd.evaluations(db, rows)
db.commit()
PY
t1=$(date +%s.%N)
printf 'filled in %.1f s\n' "$(echo "$t1 - $t0" | bc)"

times=()
for i in $(seq "$REPEAT"); do
  /usr/bin/time -f '%e %M' -o "$DIR/time" "$BIN" experiment compare baseline candidate \
      --data "$DIR" --json >"$DIR/out.json"
  read -r wall rss <"$DIR/time"
  times+=("$wall")
  echo "run $i: ${wall} s wall, peak RSS ${rss} KiB"
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "compare of 2 x $RUNS runs: min $(echo "$sorted" | head -1) s," \
     "median $(echo "$sorted" | sed -n "$(( (REPEAT + 1) / 2 ))p") s," \
     "max $(echo "$sorted" | tail -1) s (target <= 1 s)"
/usr/bin/python3 - "$DIR/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["data"]["comparisons"][0]
for e in d["evaluations"]:
    diff = e["difference"]
    print(f"  {e['name']}: n={e['n']} p={e['p_value']:.3g} verdict={e['verdict']} "
          f"interval={diff.get('method')} resamples={diff.get('resamples', '-')}")
PY
