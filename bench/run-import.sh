#!/usr/bin/env bash
# Import benchmark (not run in CI): `carepath import` of the Synthea data into a fresh SQLite
# file, against a reference measured in the same run: the same resources' JSON bytes
# inserted, one row per resource, into a one-table SQLite schema by the sqlite3 shell
# (`.import` in one transaction, an index on (type, id), same WAL + synchronous=FULL;
# not unique: Synthea bundles repeat shared Practitioners/Organizations).
# Reports resources/s of both, the RATIO carepath/raw (goal >= 0.5) and carepath's peak RSS.
#
#   bench/run-import.sh [RUNS]     (default 3; the median run of each side is reported)
#
# Environment: CAREPATH_BIN (use this binary instead of building), CAREPATH_BUILD_DIR
# (default build-bench), SYNTHEA (default ../shared/data/synthea), BENCH_OUT (work files).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-3}
SYNTHEA=${SYNTHEA:-$SRC/../shared/data/synthea}
OUT=${BENCH_OUT:-$SRC/${CAREPATH_BUILD_DIR:-build-bench}/bench-import}

command -v sqlite3 >/dev/null || "$SRC/scripts/install-deps" --bench
if [[ ! -x /usr/bin/time ]]; then
  echo "run-import: /usr/bin/time is missing (Debian package 'time')" >&2
  exit 1
fi
if [[ -z ${CAREPATH_BIN:-} ]]; then
  CAREPATH_BUILD_DIR=${CAREPATH_BUILD_DIR:-build-bench} nice "$SRC/scripts/build" --bench -j1 \
    carepath >/dev/null
  CAREPATH_BIN=$SRC/${CAREPATH_BUILD_DIR:-build-bench}/carepath
fi
mkdir -p "$OUT"

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# bench_one LABEL PATH...: prints one result line for that data set.
bench_one() {
  local label=$1
  shift
  local rows="$OUT/$label.rows"
  read -r n_rows n_bytes < <(python3 "$SRC/bench/store/extract_rows.py" "$rows" "$@")
  local cp_times=() raw_times=() rss=() i t0 t1 n_cp n_raw
  for ((i = 0; i < RUNS; i++)); do
    # carepath import (its exit status is 1 when an input item is invalid; count what landed)
    rm -f "$OUT/cp.db" "$OUT/cp.db-wal" "$OUT/cp.db-shm"
    t0=$(now_ns)
    /usr/bin/time -v -o "$OUT/time.txt" "$CAREPATH_BIN" import --db "sqlite:$OUT/cp.db" "$@" \
      >/dev/null 2>"$OUT/import.err" || true
    t1=$(now_ns)
    cp_times+=($((t1 - t0)))
    rss+=("$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$OUT/time.txt")")
    n_cp=$(sqlite3 "$OUT/cp.db" 'SELECT count(*) FROM resources WHERE deleted = 0')

    # raw reference: the same JSON bytes into one table
    rm -f "$OUT/raw.db" "$OUT/raw.db-wal" "$OUT/raw.db-shm"
    sqlite3 "$OUT/raw.db" 'PRAGMA journal_mode=WAL' \
      'CREATE TABLE raw(type TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL)' \
      'CREATE INDEX raw_type_id ON raw(type, id)' >/dev/null
    t0=$(now_ns)
    sqlite3 "$OUT/raw.db" 'PRAGMA synchronous=FULL' '.mode ascii' '.separator "\037" "\n"' \
      ".import '$rows' raw"
    t1=$(now_ns)
    raw_times+=($((t1 - t0)))
    n_raw=$(sqlite3 "$OUT/raw.db" 'SELECT count(*) FROM raw')
  done
  if [[ $n_cp != "$n_rows" || $n_raw != "$n_rows" ]]; then
    echo "run-import: $label: $n_rows resources in the input, carepath stored $n_cp," \
      "raw stored $n_raw" >&2
    head -3 "$OUT/import.err" >&2
  fi
  local cp_ns raw_ns rss_kb
  cp_ns=$(printf '%s\n' "${cp_times[@]}" | median)
  raw_ns=$(printf '%s\n' "${raw_times[@]}" | median)
  rss_kb=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
  awk -v l="$label" -v n="$n_rows" -v b="$n_bytes" -v c="$cp_ns" -v r="$raw_ns" -v m="$rss_kb" \
    'BEGIN {
       cr = n / (c / 1e9); rr = n / (r / 1e9)
       printf "%-8s %7d %8.1f %9.2f %10.0f %9.2f %10.0f %7.3f %9.1f\n",
              l, n, b / 1048576, c / 1e9, cr, r / 1e9, rr, cr / rr, m / 1024
     }'
}

echo "run-import: $RUNS run(s) per side, median reported; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %7s %8s %9s %10s %9s %10s %7s %9s\n' data resources "JSON MiB" "cp s" "cp res/s" \
  "raw s" "raw res/s" ratio "cp RSS MiB"
mapfile -t bundles < <(ls "$SYNTHEA"/bundles/*.json)
mapfile -t bulk < <(ls "$SYNTHEA"/bulk-10/*.[0-9][0-9][0-9].ndjson)
bench_one bundles "${bundles[@]}"
bench_one bulk-10 "${bulk[@]}"
echo "ratio = carepath resources/s / raw sqlite3 .import resources/s (goal >= 0.5)"
