#!/usr/bin/env bash
# make scale: what a large published catalogue costs. Publishes
# SCALE_ARTICLES (10000) seed-shaped articles through the workflow
# (bench/seed: create, submit, approve, publish), stops the server, then
# restarts it on the same data and prints: restart to /readyz, resident
# memory at rest, and the data directory's size. SCALE_DATA=dir reuses
# (and keeps) a data directory seeded before, so the restart can be
# measured again without seeding.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${SCALE_ARTICLES:-10000}
BIN=${VETTED_BIN:-bin/vetted}
REST=${SCALE_REST:-5}

TMP=$(mktemp -d /tmp/vetted-scale.XXXXXX)
DATA=${SCALE_DATA:-$TMP/data}
VPID=""
cleanup() {
  [ -n "$VPID" ] && kill "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start() { # starts vetted on $DATA, sets VPID and URL
  local port; port=$(free_port)
  URL="http://127.0.0.1:$port"
  VETTED_DEMO=1 VETTED_PUBLIC_DELIVERY=1 VETTED_DATA_DIR="$DATA" VETTED_ADDR="127.0.0.1:$port" VETTED_LOG_LEVEL=warn \
    "$BIN" >"$TMP/vetted.out" 2>"$TMP/vetted.err" &
  VPID=$!
}
wait_ready() {
  for _ in $(seq 1 6000); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz" || true)" = 200 ] && return 0
    kill -0 "$VPID" 2>/dev/null || { cat "$TMP/vetted.err"; echo "scale: vetted exited"; exit 1; }
    sleep 0.01
  done
  echo "scale: not ready after 60 s"; exit 1
}
stop() { kill -TERM "$VPID"; wait "$VPID" 2>/dev/null || true; VPID=""; }

if [ ! -e "$DATA/vetted.sqlite" ]; then
  echo "== publishing $N articles through the workflow into $DATA"
  start; wait_ready
  go run ./bench/seed -url "$URL" -n "$N" -out "$TMP/slugs.txt"
  stop
fi

echo "== restarting on the data"
t0=$(date +%s.%N)
start; wait_ready
t1=$(date +%s.%N)
sleep "$REST"
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$VPID/status")
live=$(curl -s "$URL/api/v1/articles?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("total","?"))' 2>/dev/null || echo "?")
stop
size=$(du -sm "$DATA" | cut -f1)
printf '\n%-34s %s\n' "published articles" "$N (seeded this run or before)"
printf '%-34s %.2f s\n' "restart to /readyz" "$(echo "$t1 - $t0" | bc)"
printf '%-34s %d MiB (after %s s at rest)\n' "RSS at rest" "$((rss / 1024))" "$REST"
printf '%-34s %d MB\n' "data directory" "$size"
[ "$live" != "?" ] && printf '%-34s %s\n' "delivery list total" "$live" || true
printf '%-34s %s\n' "targets at 10,000" "restart < 2 s, RSS < 400 MiB"
