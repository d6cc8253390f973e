#!/usr/bin/env bash
# Overhead of authorization and audit (not run in CI), wrk over loopback, in one run:
#   read    GET /fhir/r4/Patient/{id}
#   search  Observation?patient=X&code=http://loinc.org|44261-6&_sort=-date&_count=20,
#           rotating over the patients the bench clinician reaches (bench/http/wrk.lua)
# each with `auth = off` (no guard, no audit) and with `auth = on` as a clinician on the
# patients' care teams (a Bearer token: token lookup, role and scope checks, care-team
# reach, Consent and label checks on every resource, one audit record per request),
# against the same SQLite file, interleaved round by round. Goal: on/off >= 0.85 of the
# requests/s (at most 15% overhead). Also the server's CPU time per request, off and on.
#
#   bench/run-access.sh [PATIENTS] [DAYS]      (defaults 2000, 7)
#
# Environment: DURATION (s per wrk run, 8), ROUNDS (3), THREADS (2 server threads and
# wrk threads), CONNS (8), CAREPATH_BIN (use this binary instead of building),
# CAREPATH_BUILD_DIR (build-bench), BENCH_OUT (work files; the demo population is kept
# there and reused). Needs wrk and curl (scripts/install-deps --test --bench; run here
# when they are missing).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
PATIENTS=${1:-2000}
DAYS=${2:-7}
DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNS=${CONNS:-8}
BUILD=${CAREPATH_BUILD_DIR:-build-bench}
OUT=${BENCH_OUT:-$SRC/$BUILD/bench-access}
LUA=$SRC/bench/http/wrk.lua

for tool in wrk curl; do
  command -v "$tool" >/dev/null || "$SRC/scripts/install-deps" --test --bench
done
if [[ -z ${CAREPATH_BIN:-} ]]; then
  CAREPATH_BUILD_DIR=$BUILD nice "$SRC/scripts/build" -j1 carepath >/dev/null
  CAREPATH_BIN=$SRC/$BUILD/carepath
fi
mkdir -p "$OUT"
log() { echo "run-access: $*" >&2; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

CP_PID=
cleanup() {
  [[ -n $CP_PID ]] && kill "$CP_PID" 2>/dev/null
  wait 2>/dev/null || true
}
trap cleanup EXIT

# start_carepath DB AUTH: serves sqlite:DB with THREADS threads, auth on|off; sets CP_BASE
# (the FHIR base) and CP_ROOT (the origin).
start_carepath() {
  local db=$1 auth=$2 urlfile=$OUT/serve.url
  rm -f "$urlfile"
  CAREPATH_LOG_LEVEL=off CAREPATH_AUTH=$auth "$CAREPATH_BIN" serve \
    --db "sqlite:$db" --port 0 --threads "$THREADS" >"$urlfile" 2>"$OUT/serve.err" &
  CP_PID=$!
  for _ in $(seq 200); do grep -q http "$urlfile" 2>/dev/null && break; sleep 0.05; done
  CP_BASE=$(grep -o 'http://[^ ]*' "$urlfile") || { cat "$OUT/serve.err" >&2; exit 1; }
  CP_ROOT=${CP_BASE%/fhir/r4}
}
stop_carepath() {
  kill -TERM "$CP_PID"
  wait "$CP_PID" || true
  CP_PID=
}

# The server's CPU time so far (user + system, all its threads), in clock ticks.
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$CP_PID/stat"; }

# wrk_run NAME URL PATHS [wrk args...]: prints "rps p50_us p99_us requests non2xx errors
# cpu_us", cpu_us being the server's CPU time per request during the run (its threads
# together: the I/O threads, store workers and the audit writer). Less swayed than
# requests/s by what else the machine runs, as long as the server is what limits the run.
wrk_run() {
  local name=$1 url=$2 paths=$3
  shift 3
  local t0
  t0=$(cpu_ticks)
  WRK_PATHS=$paths wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$LUA" "$@" \
    "$url" >"$OUT/$name.wrk"
  local result t1
  t1=$(cpu_ticks)
  result=$(grep '^RESULT' "$OUT/$name.wrk" | cut -d' ' -f2-)
  [[ -n $result ]] || { cat "$OUT/$name.wrk" >&2; exit 1; }
  read -r _ _ _ requests bad sock <<<"$result"
  ((bad + sock == 0)) || { log "$name: errors or non-2xx answers (see $OUT/$name.wrk)"; exit 1; }
  echo "$result $(awk -v d=$((t1 - t0)) -v n="$requests" -v hz="$CLK_TCK" \
    'BEGIN {printf "%.1f", (n > 0 ? d * 1e6 / hz / n : 0)}')"
}

echo "run-access: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $THREADS server" \
  "threads, wrk -t$THREADS -c$CONNS, ${DURATION}s per run, $ROUNDS rounds"

demo=$OUT/demo-$PATIENTS-$DAYS.db
if [[ ! -s $demo ]]; then
  rm -f "$demo" "$demo-wal" "$demo-shm"
  log "loading $PATIENTS patients ($DAYS days) into $demo"
  "$CAREPATH_BIN" demo-data --patients "$PATIENTS" --seed 1 --days "$DAYS" --db "sqlite:$demo" \
    >"$OUT/demo-data.log" 2>&1 || { tail -5 "$OUT/demo-data.log" >&2; exit 1; }
fi

# The bench clinician: the first member of the first patient's CareTeam, and the patients
# on that clinician's teams.
start_carepath "$demo" off
pid0=$(curl -sf "$CP_BASE/Patient?_count=1" | grep -o '"fullUrl":"[^"]*/Patient/[^"]*"' |
  sed 's|.*/Patient/\([^"]*\)"|\1|' | head -1)
dr=$(curl -sf "$CP_BASE/CareTeam?subject=Patient/$pid0&status=active" |
  grep -o '"member":{"reference":"Practitioner/[^"]*"' | head -1 | sed 's|.*Practitioner/||; s|"||')
[[ -n $dr ]] || { log "no care team for Patient/$pid0"; exit 1; }
mapfile -t patients < <(curl -sf "$CP_BASE/CareTeam?participant=Practitioner/$dr&status=active&_count=20" |
  grep -o '"subject":{"reference":"Patient/[^"]*"' | sed 's|.*Patient/||; s|"||' | sort -u)
code='http://loinc.org%7C44261-6'
: >"$OUT/read.paths"
: >"$OUT/search.paths"
hits=0
for p in "${patients[@]}"; do
  echo "/fhir/r4/Patient/$p" >>"$OUT/read.paths"
  path="/fhir/r4/Observation?patient=$p&code=$code&_sort=-date&_count=20"
  echo "$path" >>"$OUT/search.paths"
  hits=$((hits + $(curl -sf "$CP_ROOT$path" | grep -o '"resource":{' | wc -l)))
done
((hits > 0)) || { log "the searches find nothing"; exit 1; }
stop_carepath
log "clinician Practitioner/$dr reaches ${#patients[@]} patients; the searches find $hits"

# User and token (the password grant, as an app would).
"$CAREPATH_BIN" user add bench-dr --ref "Practitioner/$dr" --role clinician \
  --password bench-password-1 --db "sqlite:$demo" >/dev/null 2>&1 || true
start_carepath "$demo" on
token=$(curl -sf -d 'grant_type=password&username=bench-dr&password=bench-password-1' \
  "$CP_ROOT/auth/token" | grep -o '"access_token":"[^"]*"' | cut -d'"' -f4)
[[ -n $token ]] || { log "no token for bench-dr"; exit 1; }
on_hits=0
while read -r path; do
  on_hits=$((on_hits + $(curl -sf -H "Authorization: Bearer $token" "$CP_ROOT$path" |
    grep -o '"resource":{"resourceType":"Observation"' | wc -l)))
done <"$OUT/search.paths"
stop_carepath
((on_hits > 0)) || { log "with auth on the clinician finds nothing"; exit 1; }
# The token lives an hour (AccessOptions); a run of the default size fits in it.

: >"$OUT/rounds.txt"
for r in $(seq "$ROUNDS"); do
  start_carepath "$demo" off
  ro=$(wrk_run "read-off-$r" "$CP_ROOT" "$OUT/read.paths")
  so=$(wrk_run "search-off-$r" "$CP_ROOT" "$OUT/search.paths")
  stop_carepath
  start_carepath "$demo" on
  rn=$(wrk_run "read-on-$r" "$CP_ROOT" "$OUT/read.paths" -H "Authorization: Bearer $token")
  sn=$(wrk_run "search-on-$r" "$CP_ROOT" "$OUT/search.paths" -H "Authorization: Bearer $token")
  stop_carepath
  echo "$ro $rn $so $sn" >>"$OUT/rounds.txt"
  log "round $r: read off ${ro%% *} on ${rn%% *} req/s, CPU ${ro##* } / ${rn##* } us per" \
    "request; search off ${so%% *} on ${sn%% *} req/s, CPU ${so##* } / ${sn##* } us"
done

# rounds.txt: read off (fields 1-7), read on (8-14), search off (15-21), search on (22-28),
# each "rps p50_us p99_us requests non2xx errors cpu_us".
col() { awk -v c="$1" '{print $c}' "$OUT/rounds.txt" | median; }
ratio() { awk -v c="$1" -v d="$2" '{print $d / $c}' "$OUT/rounds.txt" | median; }
printf '\n%-8s %9s %9s %9s %9s %9s %9s %8s %8s %8s %9s\n' what off_rps on_rps off_p50us \
  on_p50us off_p99us on_p99us off_cpu on_cpu on/off cpu_ratio
printf '%-8s %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f %8.1f %8.1f %8.3f %9.3f\n' read "$(col 1)" \
  "$(col 8)" "$(col 2)" "$(col 9)" "$(col 3)" "$(col 10)" "$(col 7)" "$(col 14)" \
  "$(ratio 1 8)" "$(ratio 14 7)"
printf '%-8s %9.0f %9.0f %9.0f %9.0f %9.0f %9.0f %8.1f %8.1f %8.3f %9.3f\n' search \
  "$(col 15)" "$(col 22)" "$(col 16)" "$(col 23)" "$(col 17)" "$(col 24)" "$(col 21)" \
  "$(col 28)" "$(ratio 15 22)" "$(ratio 28 21)"
echo "(medians over $ROUNDS rounds; on/off = median of the per-round ratios of requests/s," \
  "goal >= 0.85; off_cpu, on_cpu = the server's CPU us per request; cpu_ratio = off_cpu /" \
  "on_cpu, what on/off would be were the server's CPU the only limit)"
