#!/usr/bin/env bash
# HTTP benchmarks of `carepath serve` (not run in CI), wrk over loopback:
#   a. GET /fhir/r4/Patient/{id}, 32 connections, against nginx serving the same bytes as a
#      static file in the same run, both with THREADS workers (carepath's I/O threads /
#      nginx worker processes, checked); goal: carepath >= 0.8 x nginx requests/s. Also
#      the server's CPU time per request (user + system of the server's processes over the
#      wrk run), which a loaded machine's scheduling shares do not distort.
#   b. Observation?patient=X&code=Y&_sort=-date&_count=20 on a demo population of PATIENTS,
#      rotating over 20 patients (bench/http/wrk.lua): p50/p99 latency, requests/s;
#      goal: p99 < 10 ms.
#   c. POST of a transaction Bundle of 100 Observations into SQLite: resources/s;
#      goal: >= 20,000/s.
#   d. $import-ndjson of a generated population over HTTP: resources/s, against
#      `carepath import` of the same NDJSON file into SQLite (same run).
#
#   bench/run-http.sh [PATIENTS] [DAYS]      (defaults 2000, 7; the issue asks 100,000)
#
# Environment: DURATION (s per wrk run, 8), ROUNDS (interleaved rounds of a and d, 3),
# THREADS (2), CONNS (32, for a), SEARCH_CONNS (4, for b), TXN_CONNS (1, for c),
# CAREPATH_BIN (use this binary instead of building), CAREPATH_BUILD_DIR (build-bench),
# BENCH_OUT (work files; the demo population is kept there and reused).
# Needs wrk, nginx, curl (scripts/install-deps --test --bench). nginx runs as `nobody` when this
# script runs as root, with its own prefix and configuration under BENCH_OUT.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
PATIENTS=${1:-2000}
DAYS=${2:-7}
DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
SEARCH_CONNS=${SEARCH_CONNS:-4}
TXN_CONNS=${TXN_CONNS:-1}
BUILD=${CAREPATH_BUILD_DIR:-build-bench}
OUT=${BENCH_OUT:-$SRC/$BUILD/bench-http}
LUA=$SRC/bench/http/wrk.lua

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "run-http: $tool missing (scripts/install-deps --test --bench)" >&2; exit 2; }
done
if [[ -z ${CAREPATH_BIN:-} ]]; then
  CAREPATH_BUILD_DIR=$BUILD nice "$SRC/scripts/build" -j1 carepath >/dev/null
  CAREPATH_BIN=$SRC/$BUILD/carepath
fi
mkdir -p "$OUT"
chmod 755 "$OUT"
log() { echo "run-http: $*" >&2; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# start_carepath DB: serves sqlite:DB with THREADS threads; sets CP_PID and CP_BASE.
start_carepath() {
  local db=$1 urlfile=$OUT/serve.url
  rm -f "$urlfile"
  CAREPATH_LOG_LEVEL=off "$CAREPATH_BIN" serve --db "sqlite:$db" --port 0 \
    --threads "$THREADS" >"$urlfile" 2>"$OUT/serve.err" &
  CP_PID=$!
  pids+=("$CP_PID")
  for _ in $(seq 200); do grep -q http "$urlfile" 2>/dev/null && break; sleep 0.05; done
  CP_BASE=$(grep -o 'http://[^ ]*' "$urlfile") || { cat "$OUT/serve.err" >&2; exit 1; }
}
stop_carepath() { kill -TERM "$CP_PID"; wait "$CP_PID" || true; }

# wrk_run NAME CONNECTIONS URL [VAR=value...]: prints "rps p50_us p99_us requests non2xx
# socket_errors" and keeps wrk's full output in $OUT/NAME.wrk.
wrk_run() {
  local name=$1 conns=$2 url=$3
  shift 3
  local t=$THREADS
  ((conns < t)) && t=$conns
  env "$@" wrk -t"$t" -c"$conns" -d"${DURATION}s" --latency -s "$LUA" "$url" >"$OUT/$name.wrk"
  local result
  result=$(grep '^RESULT' "$OUT/$name.wrk" | cut -d' ' -f2-)
  [[ -n $result ]] || { cat "$OUT/$name.wrk" >&2; exit 1; }
  echo "$result"
}

fresh_db() { rm -f "$1" "$1-wal" "$1-shm"; }

# cpu_ticks PID...: user + system clock ticks used so far by these processes.
cpu_ticks() { for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat"; done | awk '{s += $1} END {print s}'; }
# cpu_wrk_run PIDS NAME CONNECTIONS URL: wrk_run's line plus the servers' CPU µs per request.
cpu_wrk_run() {
  local -a who
  read -ra who <<<"$1"
  shift
  local t0 t1 res
  t0=$(cpu_ticks "${who[@]}")
  res=$(wrk_run "$@")
  t1=$(cpu_ticks "${who[@]}")
  echo "$res $(awk -v a="$t0" -v b="$t1" -v n="$(echo "$res" | cut -d' ' -f4)" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "%.1f", (b - a) * 1e6 / hz / n}')"
}

echo "run-http: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $THREADS server threads," \
  "wrk -t$THREADS, ${DURATION}s per run, $ROUNDS rounds"

# ---- the demo population (b, and the patient read in a) ----
demo=$OUT/demo-$PATIENTS-$DAYS.db
if [[ ! -s $demo ]]; then
  fresh_db "$demo"
  log "loading $PATIENTS patients ($DAYS days) into $demo"
  "$CAREPATH_BIN" demo-data --patients "$PATIENTS" --seed 1 --days "$DAYS" --db "sqlite:$demo" \
    >"$OUT/demo-data.log" 2>&1 || { tail -5 "$OUT/demo-data.log" >&2; fresh_db "$demo"; exit 1; }
fi
start_carepath "$demo"
log "carepath at $CP_BASE"
mapfile -t patients < <(curl -sf "$CP_BASE/Patient?_count=20" |
  grep -o '"fullUrl":"[^"]*/Patient/[^"]*"' | sed 's|.*/Patient/\([^"]*\)"|\1|')
((${#patients[@]} > 0)) || { log "no patients in $demo"; exit 1; }

# ---- a. read vs nginx ----
pid0=${patients[0]}
read_url="$CP_BASE/Patient/$pid0"
ngx=$OUT/nginx
rm -rf "$ngx"
mkdir -p "$ngx/html/fhir/r4/Patient" "$ngx/logs" "$ngx/tmp"
curl -sf "$read_url" -o "$ngx/html/fhir/r4/Patient/$pid0"
body_bytes=$(stat -c %s "$ngx/html/fhir/r4/Patient/$pid0")
ngx_port=0
for _ in $(seq 50); do
  p=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then ngx_port=$p; break; fi
done
cat >"$ngx/nginx.conf" <<CONF
worker_processes $THREADS;
daemon off;
pid $ngx/logs/nginx.pid;
error_log $ngx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 100000000;
  keepalive_timeout 65;
  client_body_temp_path $ngx/tmp/body;
  proxy_temp_path $ngx/tmp/proxy;
  fastcgi_temp_path $ngx/tmp/fastcgi;
  uwsgi_temp_path $ngx/tmp/uwsgi;
  scgi_temp_path $ngx/tmp/scgi;
  types { }
  default_type "application/fhir+json; charset=utf-8";
  server {
    listen 127.0.0.1:$ngx_port;
    root $ngx/html;
  }
}
CONF
as_user=()
if [[ $(id -u) -eq 0 ]]; then
  chown -R nobody "$ngx"
  as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
"${as_user[@]}" nginx -p "$ngx" -c "$ngx/nginx.conf" 2>"$ngx/logs/stderr" &
pids+=($!)
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$ngx_port/fhir/r4/Patient/$pid0" && break; sleep 0.05; done
cmp -s <(curl -sf "http://127.0.0.1:$ngx_port/fhir/r4/Patient/$pid0") <(curl -sf "$read_url") ||
  { log "nginx does not serve the same bytes"; cat "$ngx/logs/stderr" "$ngx/logs/error.log" >&2; exit 1; }
ngx_workers=$(pgrep -P "$(cat "$ngx/logs/nginx.pid")" | tr '\n' ' ')
read -ra ngx_worker_list <<<"$ngx_workers"
((${#ngx_worker_list[@]} == THREADS)) ||
  { log "nginx runs ${#ngx_worker_list[@]} workers, not $THREADS"; exit 1; }
log "a: Patient/$pid0 ($body_bytes bytes), nginx on port $ngx_port as $(ps -o user= -p "$(cat "$ngx/logs/nginx.pid")"), ${#ngx_worker_list[@]} workers; carepath $THREADS I/O threads"
: >"$OUT/a.txt"
for r in $(seq "$ROUNDS"); do
  n=$(cpu_wrk_run "$ngx_workers" "a-nginx-$r" "$CONNS" "http://127.0.0.1:$ngx_port/fhir/r4/Patient/$pid0")
  c=$(cpu_wrk_run "$CP_PID" "a-carepath-$r" "$CONNS" "$read_url")
  echo "$n $c" >>"$OUT/a.txt"
  log "a round $r: nginx ${n%% *} req/s ($(echo "$n" | cut -d' ' -f7) us CPU/req)," \
    "carepath ${c%% *} req/s ($(echo "$c" | cut -d' ' -f7) us CPU/req)"
done
awk '$5 + $6 + $12 + $13 > 0 {bad = 1} END {exit bad}' "$OUT/a.txt" ||
  { log "a: errors or non-2xx responses (see $OUT/a-*.wrk)"; exit 1; }

# ---- b. Observation search ----
code='http://loinc.org%7C44261-6'
paths=$OUT/search.paths
: >"$paths"
hits=0
for p in "${patients[@]}"; do
  path="/fhir/r4/Observation?patient=$p&code=$code&_sort=-date&_count=20"
  echo "$path" >>"$paths"
  n=$(curl -sf "${CP_BASE%/fhir/r4}$path" | grep -o '"resource":{' | wc -l)
  hits=$((hits + n))
done
((hits > 0)) || { log "b: the searches find nothing"; exit 1; }
b=$(wrk_run b-search "$SEARCH_CONNS" "${CP_BASE%/fhir/r4}" WRK_PATHS="$paths")
b1=$(SEARCH_CONNS=1 wrk_run b-search-1 1 "${CP_BASE%/fhir/r4}" WRK_PATHS="$paths")
read -r _ _ _ _ bbad bsock <<<"$b"
((bbad + bsock == 0)) || { log "b: errors (see $OUT/b-search.wrk)"; exit 1; }
stop_carepath

# ---- c. transaction of 100 Observations ----
txdb=$OUT/txn.db
fresh_db "$txdb"
start_carepath "$txdb"
subject=$(curl -sf -H 'Content-Type: application/fhir+json' -d '{"resourceType":"Patient","name":[{"family":"Bench"}]}' \
  "$CP_BASE/Patient" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
{
  printf '{"resourceType":"Bundle","type":"transaction","entry":['
  for i in $(seq 100); do
    ((i > 1)) && printf ','
    printf '{"resource":{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},"subject":{"reference":"Patient/%s"},"effectiveDateTime":"2025-06-%02dT08:%02d:00Z","valueQuantity":{"value":%d,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}},"request":{"method":"POST","url":"Observation"}}' \
      "$subject" $((i % 28 + 1)) $((i % 60)) $((55 + i % 40))
  done
  printf ']}'
} >"$OUT/txn.json"
status=$(curl -s -o "$OUT/txn.resp" -w '%{http_code}' -H 'Content-Type: application/fhir+json' \
  --data-binary @"$OUT/txn.json" "$CP_BASE")
[[ $status == 200 ]] || { log "c: the transaction answered $status"; head -c 600 "$OUT/txn.resp" >&2; exit 1; }
c_res=$(wrk_run c-txn "$TXN_CONNS" "$CP_BASE" WRK_BODY="$OUT/txn.json" WRK_CTYPE=application/fhir+json)
read -r _ _ _ _ cbad csock <<<"$c_res"
((cbad + csock == 0)) || { log "c: errors (see $OUT/c-txn.wrk)"; exit 1; }
stop_carepath

# ---- d. NDJSON ingest over HTTP vs carepath import ----
nd=$OUT/ndjson
if [[ ! -s $nd/all.ndjson ]]; then
  rm -rf "$nd"
  "$CAREPATH_BIN" demo-data --patients 200 --seed 3 --days 7 --out "$nd" >/dev/null
  cat "$nd"/*.ndjson >"$nd/all.ndjson.tmp"
  mv "$nd/all.ndjson.tmp" "$nd/all.ndjson"
fi
lines=$(wc -l <"$nd/all.ndjson")
mb=$(awk -v b="$(stat -c %s "$nd/all.ndjson")" 'BEGIN {printf "%.1f", b / 1048576}')
: >"$OUT/d.txt"
nddb=$OUT/ndjson.db
for r in $(seq "$ROUNDS"); do
  fresh_db "$nddb"
  start_carepath "$nddb"
  t_http=$(curl -s -o "$OUT/d.resp" -w '%{time_total}' -H 'Content-Type: application/fhir+ndjson' \
    --data-binary @"$nd/all.ndjson" "$CP_BASE/\$import-ndjson")
  stop_carepath
  grep -q '"name":"errors","valueInteger":0' "$OUT/d.resp" ||
    { log "d: the import reported errors"; head -c 800 "$OUT/d.resp" >&2; exit 1; }
  fresh_db "$nddb"
  t0=$(date +%s.%N)
  "$CAREPATH_BIN" import --db "sqlite:$nddb" "$nd/all.ndjson" >/dev/null
  t1=$(date +%s.%N)
  t_cli=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
  echo "$t_http $t_cli" >>"$OUT/d.txt"
  log "d round $r: HTTP ${t_http}s, CLI ${t_cli}s"
done

# ---- table ----
a_n=$(awk '{print $1}' "$OUT/a.txt" | median)
a_c=$(awk '{print $8}' "$OUT/a.txt" | median)
a_np99=$(awk '{print $3}' "$OUT/a.txt" | median)
a_cp99=$(awk '{print $10}' "$OUT/a.txt" | median)
a_cp50=$(awk '{print $9}' "$OUT/a.txt" | median)
a_ncpu=$(awk '{print $7}' "$OUT/a.txt" | median)
a_ccpu=$(awk '{print $14}' "$OUT/a.txt" | median)
d_h=$(awk '{print $1}' "$OUT/d.txt" | median)
d_c=$(awk '{print $2}' "$OUT/d.txt" | median)
read -r b_rps b_p50 b_p99 _ <<<"$b"
read -r b1_rps b1_p50 b1_p99 _ <<<"$b1"
read -r c_rps c_p50 c_p99 _ <<<"$c_res"
echo
echo "load after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v an="$a_n" -v ac="$a_c" -v anp="$a_np99" -v acp="$a_cp99" -v acp50="$a_cp50" -v bytes="$body_bytes" \
  -v conns="$CONNS" -v sconns="$SEARCH_CONNS" -v tconns="$TXN_CONNS" -v patients="$PATIENTS" \
  -v brps="$b_rps" -v bp50="$b_p50" -v bp99="$b_p99" \
  -v b1rps="$b1_rps" -v b1p50="$b1_p50" -v b1p99="$b1_p99" \
  -v crps="$c_rps" -v cp50="$c_p50" -v cp99="$c_p99" \
  -v lines="$lines" -v mb="$mb" -v dh="$d_h" -v dc="$d_c" 'BEGIN {
  printf "%-46s %12s %9s %9s %12s %8s %s\n", "benchmark", "carepath", "p50 ms", "p99 ms", "reference", "ratio", "goal"
  printf "%-46s %12.0f %9.2f %9.2f %12.0f %8.2f %s\n", "a. GET Patient/{id} req/s, " conns " conn (" bytes " B)",
    ac, acp50 / 1000, acp / 1000, an, ac / an, ">= 0.80 (ref: nginx static file)"
  printf "%-46s %12.0f %9.2f %9.2f %12s %8s %s\n", "b. Observation search req/s, " sconns " conn, " patients " pat",
    brps, bp50 / 1000, bp99 / 1000, "-", "-", "p99 < 10 ms"
  printf "%-46s %12.0f %9.2f %9.2f %12s %8s %s\n", "b. Observation search req/s, 1 conn",
    b1rps, b1p50 / 1000, b1p99 / 1000, "-", "-", "p99 < 10 ms"
  printf "%-46s %12.0f %9.2f %9.2f %12d %8.2f %s\n", "c. transaction of 100 Observations, res/s",
    crps * 100, cp50 / 1000, cp99 / 1000, 20000, crps * 100 / 20000, ">= 1.00 (ref: the goal, 20,000/s)"
  printf "%-46s %12.0f %9s %9s %12.0f %8.2f %s\n", "d. $import-ndjson " lines " lines (" mb " MiB), res/s",
    lines / dh, "-", "-", lines / dc, dc / dh, "(ref: carepath import of the file)"
}'
echo "(a: nginx p99 $(awk -v v="$a_np99" 'BEGIN {printf "%.2f", v / 1000}') ms; server CPU per request:" \
  "carepath $a_ccpu us, nginx $a_ncpu us, ratio nginx/carepath" \
  "$(awk -v n="$a_ncpu" -v c="$a_ccpu" 'BEGIN {printf "%.2f", n / c}'); medians over $ROUNDS interleaved rounds; wrk output in $OUT)"
