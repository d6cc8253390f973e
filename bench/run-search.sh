#!/usr/bin/env bash
# Search latency benchmark (not run in CI): five typical care-manager searches on a demo
# population in SQLite, p50/p99 and RATIOS to a primary-key read (Store::Read) measured in
# the same run (bench/store/search_latency.cc).
#
#   bench/run-search.sh [PATIENTS] [DAYS] [ROUNDS]   (defaults 100000, 30, 500)
#
# The population is made once by `carepath demo-data --patients N --seed 1 --days D` into
# $BENCH_OUT/demo-N-D.db and reused by later runs (delete it to remake it). A 100,000-patient
# population takes a long time to load on a small machine; e.g. `run-search.sh 2000 7` is
# a quick look.
# Environment: CAREPATH_BIN (carepath binary for demo-data instead of building it),
# CAREPATH_BUILD_DIR (default build-bench), BENCH_OUT (work files).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
PATIENTS=${1:-100000}
DAYS=${2:-30}
ROUNDS=${3:-500}
BUILD=${CAREPATH_BUILD_DIR:-build-bench}
OUT=${BENCH_OUT:-$SRC/$BUILD/bench-search}

targets=(search_latency)
[[ -n ${CAREPATH_BIN:-} ]] || targets+=(carepath)
CAREPATH_BUILD_DIR=$BUILD nice "$SRC/scripts/build" --bench -j1 "${targets[@]}" >/dev/null
CAREPATH_BIN=${CAREPATH_BIN:-$SRC/$BUILD/carepath}
mkdir -p "$OUT"
db="$OUT/demo-$PATIENTS-$DAYS.db"
if [[ ! -s $db ]]; then
  rm -f "$db" "$db-wal" "$db-shm"
  echo "run-search: loading $PATIENTS patients ($DAYS days) into $db" >&2
  if ! "$CAREPATH_BIN" demo-data --patients "$PATIENTS" --seed 1 --days "$DAYS" \
      --db "sqlite:$db" >"$OUT/demo-data.log" 2>&1; then
    tail -5 "$OUT/demo-data.log" >&2
    rm -f "$db" "$db-wal" "$db-shm"
    exit 1
  fi
  head -1 "$OUT/demo-data.log" >&2
fi
echo "run-search: $PATIENTS patients, $DAYS days; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$SRC/$BUILD/bench/search_latency" --db "sqlite:$db" --rounds "$ROUNDS"
