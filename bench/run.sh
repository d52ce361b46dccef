#!/usr/bin/env bash
# make bench: Vetted's delivery API under load on loopback, in one run,
# beside the ceilings it is measured against:
#   nginx             serving the same JSON document as a static file
#   net/http ceiling  bench/ceiling: a bare net/http server writing the same
#                     prebuilt bytes (identity, gzip, 304) and the same
#                     headers as Vetted's answer (cache tags, security
#                     headers, a request id) with no router
#   net/http ceiling, every document
#                     the same server holding every published document
#                     as Vetted answers it (fetched from Vetted at start,
#                     one map read per request): the same bytes for the
#                     same request stream, so the same working set (1,000
#                     documents of ~30 KB instead of one kept hot in the
#                     processor's caches)
#   vetted by slug    GET /api/v1/articles/{random published slug}
#   vetted mixed      bench/mixed.lua: 1% unknown slugs, half gzip, 10%
#                     If-None-Match (and the ceiling under the same stream)
#   vetted list       GET /api/v1/articles
#   vetted search     bench/search.lua: GET /api/v1/search with common and
#                     rare words, several words, a topic filter, a second
#                     page, words no article has (BENCH_SEARCH_CONNECTIONS)
# with req/s, p50, p99, the ratio to the net/http ceiling, and vetted's
# RSS under load. Vetted runs as shipped: metrics on, one access-log line
# per request (text, to a file).
#   BENCH_ARTICLES (1000)  BENCH_DURATION (6s)  BENCH_CONNECTIONS (64)
#   BENCH_ROUNDS (5): the targets take turns this many times. Each vetted
#   run follows the ceilings it is compared with, and a ratio is taken
#   within each round, then the median of the rounds' ratios reported:
#   this machine's speed drifts by a tenth within minutes, and ratios of
#   runs a minute apart measured that drift as much as vetted.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_ARTICLES:-1000}
DUR=${BENCH_DURATION:-6s}
CONNS=${BENCH_CONNECTIONS:-64}
ROUNDS=${BENCH_ROUNDS:-5}
SEARCH_CONNS=${BENCH_SEARCH_CONNECTIONS:-8}
BIN=${VETTED_BIN:-bin/vetted}

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench: installing $2"; apt-get install -y "$2" >/dev/null; }; }
need wrk wrk
need nginx nginx

TMP=$(mktemp -d /tmp/vetted-bench.XXXXXX)
VPID=""; NPID=""; CPID=""; EPID=""; SPID=""
cleanup() {
  for p in "$SPID" "$EPID" "$CPID" "$NPID" "$VPID"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
VPORT=$(free_port); NPORT=$(free_port); CPORT=$(free_port)

echo "== machine: $(nproc) cores; $(uptime)"
echo "== starting vetted on a fresh embedded database (127.0.0.1:$VPORT)"
VETTED_DEMO=1 VETTED_DATA_DIR="$TMP/data" VETTED_ADDR="127.0.0.1:$VPORT" \
  "$BIN" >"$TMP/vetted.out" 2>"$TMP/vetted.err" &
VPID=$!
for _ in $(seq 1 300); do
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
curl -sf -H "Authorization: Bearer $TOKEN" "$URL/api/v1/articles/$ONE" -o "$TMP/www/article.json" -D "$TMP/headers.txt"
echo "   one document: $(wc -c <"$TMP/www/article.json") bytes (JSON, identity encoding)"
# Every slug's ETag, for the mixed stream's revalidations (one connection).
sed "s|.*|url = \"$URL/api/v1/articles/&\"\noutput = /dev/null|" "$TMP/slugs.txt" >"$TMP/curl.cfg"
curl -s -H "Authorization: Bearer $TOKEN" -K "$TMP/curl.cfg" -w '%header{etag}\n' >"$TMP/etags.txt"

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
go build -o "$TMP/ceiling" ./bench/ceiling
"$TMP/ceiling" -addr "127.0.0.1:$CPORT" -file "$TMP/www/article.json" -headers "$TMP/headers.txt" &
CPID=$!
EPORT=$(free_port)
"$TMP/ceiling" -addr "127.0.0.1:$EPORT" -from "$URL" -slugs "$TMP/slugs.txt" -token "$TOKEN" &
EPID=$!
for _ in $(seq 1 600); do curl -s -o /dev/null "http://127.0.0.1:$EPORT/" && break; sleep 0.1; done
sleep 0.5

# RSS of vetted (kB), sampled every 0.2 s while it is under load, by one
# process: a shell loop started awk and sleep ten times a second, on the
# cores the load shares, only while vetted ran.
rss_start() {
  python3 -c 'import sys, time, os
page = os.sysconf("SC_PAGE_SIZE") // 1024
with open(sys.argv[2], "a") as out:
    while True:
        with open("/proc/%s/statm" % sys.argv[1]) as f:
            out.write("%d\n" % (int(f.read().split()[1]) * page))
        out.flush()
        time.sleep(0.2)' "$VPID" "$TMP/rss" & SPID=$!
}
rss_stop() { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null || true; SPID=""; }

run() { # name, wrk args…
  local name=$1; shift
  local out
  out=$(wrk -t2 -c"${RUN_CONNS:-$CONNS}" -d"$DUR" --latency "$@")
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf "  %-28s %10s req/s   p50 %9s   p99 %9s   %s\n" "$name" "$rps" "$p50" "$p99" "${non2xx:+non-2xx (304/404 in mixed): $non2xx}"
  echo "$name|$rps|$p50|$p99|${non2xx:-0}|$ROUND" >>"$TMP/runs"
}

export SLUGS="$TMP/slugs.txt" ETAGS="$TMP/etags.txt" TOKEN
echo "== load: $CONNS connections, $DUR each, wrk -t2 on loopback, $ROUNDS rounds taking turns"
rss_start
for ROUND in $(seq 1 "$ROUNDS"); do
  echo "-- round $ROUND"
  run "nginx" -s bench/byslug.lua "http://127.0.0.1:$NPORT"
  run "net/http ceiling" -s bench/byslug.lua "http://127.0.0.1:$CPORT"
  run "ceiling, every document" -s bench/byslug.lua "http://127.0.0.1:$EPORT"
  run "vetted by slug" -s bench/byslug.lua "$URL"
  run "net/http ceiling, mixed" -s bench/mixed.lua "http://127.0.0.1:$CPORT"
  run "ceiling, every doc, mixed" -s bench/mixed.lua "http://127.0.0.1:$EPORT"
  run "vetted mixed" -s bench/mixed.lua "$URL"
  run "vetted list" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/articles"
  RUN_CONNS=$SEARCH_CONNS run "vetted search" -s bench/search.lua "$URL"
done
rss_stop
RSS_MAX=$(sort -n "$TMP/rss" | tail -1)
HWM=$(awk '/^VmHWM/ {print $2}' "/proc/$VPID/status")

# Medians per target (latencies in ms); ratios: the median of the rounds'
# ratios (each vetted run against the ceiling runs just before it).
awk -F'|' -v rss="$RSS_MAX" -v hwm="$HWM" -v sconns="$SEARCH_CONNS" -v narts="$N" '
  function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
  function median(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
  function ratio(m, base,   r, c, q) { c = 0; for (r = 1; r <= rounds; r++) if ((m, r) in RR && RR[base, r] > 0) q[++c] = RR[m, r] / RR[base, r]; return c ? median(q, c) : 0 }
  { n[$1]++; R[$1, n[$1]] = $2; P50[$1, n[$1]] = ms($3); P99[$1, n[$1]] = ms($4); bad[$1] += $5; RR[$1, $6] = $2; if ($6 > rounds) rounds = $6 }
  END {
    split("nginx|net/http ceiling|net/http ceiling, mixed|ceiling, every document|ceiling, every doc, mixed|vetted by slug|vetted mixed|vetted list|vetted search", names, "|")
    for (k = 1; k <= 9; k++) {
      m = names[k]; c = n[m]
      for (i = 1; i <= c; i++) { a[i] = R[m, i]; b[i] = P50[m, i]; d[i] = P99[m, i] }
      rps[m] = median(a, c); p50[m] = median(b, c); p99[m] = median(d, c)
    }
    print "== medians"
    printf "  %-28s %12s %10s %10s %12s %12s\n", "target", "req/s", "p50 ms", "p99 ms", "x ceiling", "x every doc"
    for (k = 1; k <= 9; k++) {
      m = names[k]
      base = (m ~ /mixed/) ? "net/http ceiling, mixed" : "net/http ceiling"
      ebase = (m ~ /mixed/) ? "ceiling, every doc, mixed" : "ceiling, every document"
      if (m ~ /search/) printf "  %-28s %12.0f %10.2f %10.2f %12s %12s\n", m, rps[m], p50[m], p99[m], "-", "-"
      else if (m ~ /list/ || m == "nginx") printf "  %-28s %12.0f %10.2f %10.2f %12.2f %12s\n", m, rps[m], p50[m], p99[m], ratio(m, base), "-"
      else printf "  %-28s %12.0f %10.2f %10.2f %12.2f %12.2f\n", m, rps[m], p50[m], p99[m], ratio(m, base), ratio(m, ebase)
    }
    printf "  vetted RSS under load: max %.0f MiB sampled (peak since start %.0f MiB)\n", rss / 1024, hwm / 1024
    bs = ratio("vetted by slug", "net/http ceiling"); mx = ratio("vetted mixed", "net/http ceiling, mixed")
    printf "== targets: by slug %.2fx ceiling (>= 0.85: %s), mixed %.2fx mixed ceiling (>= 0.85: %s), p99 %.2f / %.2f ms (< 10: %s), RSS %.0f MiB (< 200: %s)\n",
      bs, ((bs >= 0.85) ? "met" : "MISSED"), mx, ((mx >= 0.85) ? "met" : "MISSED"),
      p99["vetted by slug"], p99["vetted mixed"], ((p99["vetted by slug"] < 10 && p99["vetted mixed"] < 10) ? "met" : "MISSED"),
      rss / 1024, ((rss / 1024 < 200) ? "met" : "MISSED")
    printf "== against the ceiling serving every document (the same working set): by slug %.2fx, mixed %.2fx\n", ratio("vetted by slug", "ceiling, every document"), ratio("vetted mixed", "ceiling, every doc, mixed")
    print "   (x: the median of the rounds\047 ratios, each vetted run against the ceiling run just before it)"
    printf "== search: p99 %.2f ms at %d connections over %d published articles (< 20: %s)\n", p99["vetted search"], sconns, narts, ((p99["vetted search"] < 20) ? "met" : "MISSED")
    print "   (mixed is compared with the ceiling under the same request stream; its non-2xx are the 304s and 404s it asks for)"
  }' "$TMP/runs"
echo "== machine after the run: $(uptime)"

echo "== Go benchmark of the by-slug path through the router (in memory; +log: with a JSON access-log line and a generated request id)"
go test -run '^$' -bench 'BenchmarkDeliveryBySlug' -benchmem -count=1 ./handlers/ 2>/dev/null | grep -E '^Benchmark|^ok'
