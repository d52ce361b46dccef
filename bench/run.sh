#!/usr/bin/env bash
# make bench: Vetted's delivery API under load beside nginx serving one of
# the same JSON documents as a static file, on loopback, in one run.
#   BENCH_ARTICLES (1000)  BENCH_DURATION (10s)  BENCH_CONNECTIONS (64)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_ARTICLES:-1000}
DUR=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-64}
BIN=${VETTED_BIN:-bin/vetted}

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench: installing $2"; apt-get install -y "$2" >/dev/null; }; }
need wrk wrk
need nginx nginx

TMP=$(mktemp -d /tmp/vetted-bench.XXXXXX)
VPID=""; NPID=""
cleanup() {
  [ -n "$VPID" ] && kill "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null || true
  [ -n "$NPID" ] && kill "$NPID" 2>/dev/null && wait "$NPID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
VPORT=$(free_port); NPORT=$(free_port)

echo "== starting vetted on a fresh embedded database (127.0.0.1:$VPORT)"
VETTED_DEMO=1 VETTED_DATA_DIR="$TMP/data" VETTED_ADDR="127.0.0.1:$VPORT" VETTED_LOG_LEVEL=warn \
  "$BIN" >"$TMP/vetted.out" 2>"$TMP/vetted.err" &
VPID=$!
for _ in $(seq 1 100); do
  grep -q "Vetted is running" "$TMP/vetted.out" 2>/dev/null && break
  sleep 0.1
done
grep -q "Vetted is running" "$TMP/vetted.out" || { cat "$TMP/vetted.err"; echo "bench: vetted did not start"; exit 1; }
TOKEN=$(sed -n 's/^Delivery API token (shown once): //p' "$TMP/vetted.out")

echo "== publishing $N articles of ~10 KB through the management API (create, submit, approve, publish)"
go run ./bench/seed -url "http://127.0.0.1:$VPORT" -n "$N" -out "$TMP/slugs.txt"

URL="http://127.0.0.1:$VPORT"
ONE=$(sed -n '500p' "$TMP/slugs.txt"); ONE=${ONE:-$(head -1 "$TMP/slugs.txt")}
mkdir -p "$TMP/www"
chmod 755 "$TMP" "$TMP/www" # nginx's workers run as nobody
curl -sf -H "Authorization: Bearer $TOKEN" "$URL/api/v1/articles/$ONE" -o "$TMP/www/article.json"
echo "   one document: $(wc -c <"$TMP/www/article.json") bytes (JSON, identity encoding)"

cat >"$TMP/nginx.conf" <<NGINX
daemon off;
worker_processes auto;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NPORT;
    root $TMP/www;
    location / { default_type application/json; etag on; }
  }
}
NGINX
nginx -c "$TMP/nginx.conf" -p "$TMP" &
NPID=$!
sleep 0.5

run() { # name, wrk args…
  local name=$1; shift
  local out
  out=$(wrk -t2 -c"$CONNS" -d"$DUR" --latency "$@")
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf "%-34s %12s req/s   p50 %9s   p99 %9s   %s\n" "$name" "$rps" "$p50" "$p99" "${non2xx:+non-2xx: $non2xx}"
  echo "$name|$rps" >>"$TMP/rps"
}

echo "== load: $CONNS connections, $DUR each, wrk on loopback (identity encoding)"
run "nginx static article.json" "http://127.0.0.1:$NPORT/article.json"
SLUGS="$TMP/slugs.txt" TOKEN="$TOKEN" run "vetted GET /api/v1/articles/{slug}" -s bench/byslug.lua "$URL"
run "vetted GET /api/v1/articles" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/articles"
run "vetted GET /api/v1/articles?page=3" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/articles?page=3&limit=20"
echo "== gzip (Accept-Encoding: gzip on both sides is not compared: nginx serves the file as is)"
SLUGS="$TMP/slugs.txt" TOKEN="$TOKEN" run "vetted by-slug, gzip" -H "Accept-Encoding: gzip" -s bench/byslug.lua "$URL"

awk -F'|' '
  $1 ~ /^nginx/ {ng=$2}
  $1 == "vetted GET /api/v1/articles/{slug}" {bs=$2}
  $1 == "vetted GET /api/v1/articles" {ls=$2}
  END { if (ng>0) printf "== ratio to nginx: by-slug %.2fx (target >= 0.7), list %.2fx (target >= 0.5)\n", bs/ng, ls/ng }' "$TMP/rps"

echo "== Go benchmark of the by-slug handler (full router, token, 10 KB article)"
go test -run '^$' -bench BenchmarkDeliveryBySlug -benchmem -count=1 ./handlers/ 2>/dev/null | grep -E '^Benchmark|^ok'
