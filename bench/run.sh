#!/usr/bin/env bash
# make bench: Vetted's delivery API under load beside nginx serving one of
# the same JSON documents as a static file, on loopback, in one run.
#   BENCH_ARTICLES (1000)  BENCH_DURATION (10s)  BENCH_CONNECTIONS (64)
#   BENCH_ROUNDS (3): nginx and vetted take turns this many times and the
#   medians are compared, so a noisy neighbour on a shared machine skews
#   both sides alike instead of one.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_ARTICLES:-1000}
DUR=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-64}
ROUNDS=${BENCH_ROUNDS:-3}
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
    # the same file for the by-slug request stream (byslug.lua)
    location /api/v1/articles/ { default_type application/json; etag on; try_files /article.json =404; }
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
  printf "  %-40s %12s req/s   p50 %9s   p99 %9s   %s\n" "$name" "$rps" "$p50" "$p99" "${non2xx:+non-2xx: $non2xx}"
  echo "$name|$rps|$p50|$p99|${non2xx:-0}" >>"$TMP/runs"
}

NGINX="nginx static article.json"
NGINX_SAME="nginx, by-slug requests (same file)"
BYSLUG="vetted GET /api/v1/articles/{slug}"
LIST="vetted GET /api/v1/articles"
echo "== load: $CONNS connections, $DUR each, wrk on loopback (identity encoding), $ROUNDS rounds taking turns"
for r in $(seq 1 "$ROUNDS"); do
  echo "-- round $r"
  run "$NGINX" "http://127.0.0.1:$NPORT/article.json"
  SLUGS="$TMP/slugs.txt" TOKEN="$TOKEN" run "$NGINX_SAME" -s bench/byslug.lua "http://127.0.0.1:$NPORT"
  SLUGS="$TMP/slugs.txt" TOKEN="$TOKEN" run "$BYSLUG" -s bench/byslug.lua "$URL"
  run "$LIST" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/articles"
done
echo "-- once"
run "vetted GET /api/v1/articles?page=3" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/articles?page=3&limit=20"
SLUGS="$TMP/slugs.txt" TOKEN="$TOKEN" run "vetted by-slug, gzip" -H "Accept-Encoding: gzip" -s bench/byslug.lua "$URL"

# Medians per target (latencies normalised to ms), then the ratios.
awk -F'|' -v nginx="$NGINX" -v same="$NGINX_SAME" -v byslug="$BYSLUG" -v list="$LIST" '
  function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
  function median(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
  { n[$1]++; R[$1, n[$1]] = $2; P50[$1, n[$1]] = ms($3); P99[$1, n[$1]] = ms($4); bad[$1] += $5 }
  END {
    print "== medians"
    split(nginx "|" same "|" byslug "|" list, names, "|")
    for (k = 1; k <= 4; k++) {
      m = names[k]; c = n[m]
      for (i = 1; i <= c; i++) { a[i] = R[m, i]; b[i] = P50[m, i]; d[i] = P99[m, i] }
      rps[m] = median(a, c); p99[m] = median(d, c)
      printf "  %-40s %12.0f req/s   p50 %7.2fms   p99 %7.2fms   %s\n", m, rps[m], median(b, c), p99[m], bad[m] ? "non-2xx: " bad[m] : ""
    }
    printf "== by-slug %.2fx nginx (target >= 0.7; %.2fx the same-requests nginx), p99 %.2f ms (target < 10); list %.2fx nginx (target >= 0.5)\n",
      rps[byslug] / rps[nginx], rps[byslug] / rps[same], p99[byslug], rps[list] / rps[nginx]
  }' "$TMP/runs"

echo "== Go benchmarks of the by-slug path: the router's handler (in memory), and the front over loopback TCP (client included)"
go test -run '^$' -bench 'BenchmarkDeliveryBySlug|BenchmarkFrontBySlug' -benchmem -count=1 ./handlers/ 2>/dev/null | grep -E '^Benchmark|^ok'
