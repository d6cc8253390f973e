#!/bin/sh
# FHIRPath benchmark: carepath vs fhirpath.js on the official R4 suite, same machine, same run.
#   bench/fhirpath/run-bench.sh [MIN_MS_PER_CASE]   (default 20)
# Needs bench/fhirpath_js/node_modules (npm ci there) and node.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${BENCH_OUT:-$SRC/build-bench-fhirpath}
MS=${1:-20}
DATA="$SRC/../shared/data/fhirpath"
mkdir -p "$OUT"
SOURCES="$SRC/src/core/error.cc $(ls $SRC/src/fhir/*.cc | grep -v _test.cc) \
  $(ls $SRC/src/fhirpath/*.cc | grep -v -e _test.cc -e _fuzz.cc)"
# shellcheck disable=SC2086
g++ -std=c++20 -O2 -DNDEBUG -I"$SRC/src" $SOURCES "$SRC/bench/fhirpath/fhirpath_bench.cc" \
  -o "$OUT/fhirpath_bench"
"$OUT/fhirpath_bench" "$DATA/tests-fhir-r4.json" "$DATA/inputs" "$MS" > "$OUT/carepath.jsonl"
node "$SRC/bench/fhirpath_js/bench.mjs" "$DATA/tests-fhir-r4.json" "$DATA/inputs" "$MS" \
  > "$OUT/fhirpath_js.jsonl"
python3 "$SRC/bench/fhirpath/compare.py" "$OUT/carepath.jsonl" "$OUT/fhirpath_js.jsonl"
