#!/bin/sh
# Builds src/fhirpath/parser_fuzz.cc with clang-14 + libFuzzer + ASan/UBSan and runs it.
#   bench/fhirpath/run-fuzz.sh [SECONDS]   (default 60)
# Objects are cached in $FUZZ_OUT/obj (rebuilt when their source is newer). The corpus is
# seeded with the expressions of the official R4 test cases when available. A crash leaves
# its input as $FUZZ_OUT/crash-*.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${FUZZ_OUT:-$SRC/build-fuzz}
SECONDS_TO_RUN=${1:-60}
CXX=${CXX:-clang++-14}
mkdir -p "$OUT/corpus" "$OUT/obj"
FLAGS="-std=c++20 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -I$SRC/src"
OBJS=""
for f in "$SRC/src/core/error.cc" $(ls "$SRC"/src/fhir/*.cc "$SRC"/src/fhirpath/*.cc |
                                    grep -v -e _test.cc -e _fuzz.cc); do
  o="$OUT/obj/$(basename "$(dirname "$f")")_$(basename "$f" .cc).o"
  if [ ! -f "$o" ] || [ "$f" -nt "$o" ] || [ -n "$(find "$SRC/src" -name '*.h' -newer "$o" | head -1)" ]; then
    # shellcheck disable=SC2086
    $CXX $FLAGS -c "$f" -o "$o"
  fi
  OBJS="$OBJS $o"
done
# shellcheck disable=SC2086
$CXX $FLAGS -fsanitize=fuzzer $OBJS "$SRC/src/fhirpath/parser_fuzz.cc" -o "$OUT/fhirpath_parser_fuzz"
CASES="$SRC/../shared/data/fhirpath/tests-fhir-r4.json"
if [ -f "$CASES" ] && command -v python3 >/dev/null; then
  python3 - "$CASES" "$OUT/corpus" <<'PY'
import json, sys, hashlib, os
for c in json.load(open(sys.argv[1])):
    e = c["expression"].encode()
    open(os.path.join(sys.argv[2], hashlib.sha1(e).hexdigest()), "wb").write(e)
PY
fi
cd "$OUT"
./fhirpath_parser_fuzz -max_total_time="$SECONDS_TO_RUN" -timeout=5 -max_len=4096 \
  -rss_limit_mb=2048 corpus
