#!/usr/bin/env bash
# bench/search.sh: the search row of make bench alone, with the publish
# rate. Starts vetted on a fresh embedded database, publishes
# BENCH_ARTICLES (1000) seed-shaped articles through the management API
# (bench/seed: create, submit, approve, publish; the rate printed is
# publishes until searchable, as the acknowledgement waits for the index),
# then runs bench/search.lua with wrk at BENCH_SEARCH_CONNECTIONS (8) for
# BENCH_DURATION (10s), BENCH_ROUNDS (3) times, and prints vetted's CPU
# seconds used by the searches and its RSS. BENCH_DATA=dir keeps the
# seeded database in dir (seeded once, reused by later runs, e.g. to
# compare two builds through VETTED_BIN on the same articles).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_ARTICLES:-1000}
DUR=${BENCH_DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_SEARCH_CONNECTIONS:-8}
BIN=${VETTED_BIN:-bin/vetted}
command -v wrk >/dev/null 2>&1 || { echo "bench: installing wrk"; apt-get install -y wrk >/dev/null; }

TMP=$(mktemp -d /tmp/vetted-bench.XXXXXX)
VPID=""
cleanup() {
  [ -n "$VPID" ] && kill "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "== machine: $(nproc) cores; $(uptime)"
DATA=${BENCH_DATA:-$TMP/data}
SEEDED=""; [ -d "$DATA" ] && SEEDED=1
VETTED_DEMO=1 VETTED_PUBLIC_DELIVERY=1 VETTED_DATA_DIR="$DATA" VETTED_ADDR="127.0.0.1:$PORT" TMPDIR="$TMP" \
  "$BIN" >"$TMP/vetted.out" 2>"$TMP/vetted.err" &
VPID=$!
for _ in $(seq 1 300); do
  grep -q "Vetted is running" "$TMP/vetted.out" 2>/dev/null && break
  sleep 0.1
done
grep -q "Vetted is running" "$TMP/vetted.out" || { cat "$TMP/vetted.err"; echo "bench: vetted did not start"; exit 1; }
URL="http://127.0.0.1:$PORT"
TOKEN=$(sed -n 's/^Delivery API token (shown once): //p' "$TMP/vetted.out")
if [ -z "$SEEDED" ]; then
  echo "== publishing $N articles through the management API"
  go run ./bench/seed -url "$URL" -n "$N" -out "$TMP/slugs.txt" 2>&1 | tail -3
else
  echo "== reusing $DATA: $(grep -o 'ready in [^)]*' "$TMP/vetted.out")"
fi
for _ in $(seq 1 600); do # start-up indexing done (a reused database)
  grep -q "search index built" "$TMP/vetted.err" "$TMP/vetted.out" 2>/dev/null && break
  sleep 0.1
done
sleep 5 # the index's background merges settle
cpu() { awk '{print $14+$15}' "/proc/$VPID/stat"; }
TICK=$(getconf CLK_TCK)
export TOKEN
echo "== search: $CONNS connections, $DUR, wrk -t2, $ROUNDS rounds; $(uptime)"
for r in $(seq 1 "$ROUNDS"); do
  c0=$(cpu)
  out=$(wrk -t2 -c"$CONNS" -d"$DUR" --latency -s bench/search.lua "$URL")
  c1=$(cpu)
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  printf "  round %d: %10s req/s   p50 %9s   p99 %9s   vetted CPU %.2f ms/search   %s\n" "$r" "$rps" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")" \
    "$(awk -v a="$c0" -v b="$c1" -v t="$TICK" -v n="$n" 'BEGIN {print (b-a)/t*1000/n}')" \
    "$(awk '/Non-2xx/ {print "non-2xx: " $NF}' <<<"$out")"
done
echo "== vetted RSS $(awk '/^VmRSS/ {print $2/1024 " MiB"}' "/proc/$VPID/status"), peak $(awk '/^VmHWM/ {print $2/1024 " MiB"}' "/proc/$VPID/status"); index on disk $(du -sh "$TMP"/vetted-search-* 2>/dev/null | cut -f1); $(uptime)"
