// Command ceiling is the ceiling of Vetted's HTTP stack for make bench: a
// bare net/http server that answers every GET with the same prebuilt
// document Vetted serves (identity or gzip, 304 to any If-None-Match:
// the bench streams only send current ETags), with no router, no
// middleware and no lookup. Vetted's
// delivery throughput is reported as a fraction of this.
//
// With -headers (a `curl -D` dump of Vetted's answer for that document)
// it also sends every header Vetted sends — cache tags, security headers,
// a request id of the same length — so that both write the same bytes:
// without them the ceiling wrote about half the header bytes and map
// entries, and the ratio charged net/http's own per-header cost (the
// header map's copy at WriteHeader, sorting, writing) to Vetted.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	file := flag.String("file", "article.json", "the document to serve")
	headers := flag.String("headers", "", "a `curl -D` dump of Vetted's answer: send its headers too")
	flag.Parse()
	extra := http.Header{}
	if *headers != "" {
		dump, err := os.ReadFile(*headers)
		if err != nil {
			log.Fatal(err)
		}
		for _, line := range strings.Split(string(dump), "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
			switch k = http.CanonicalHeaderKey(k); {
			case !ok, k == "Date", k == "Content-Length", k == "Content-Encoding", k == "Content-Type", k == "Etag":
			case k == "X-Request-Id": // a fresh one per request in Vetted; one of the same length here
				extra[k] = []string{strings.Repeat("0", len(strings.TrimSpace(v)))}
			default:
				extra[k] = []string{strings.TrimSpace(v)}
			}
		}
	}
	body, err := os.ReadFile(*file)
	if err != nil {
		log.Fatal(err)
	}
	var zb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zb, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	var (
		ctype   = []string{"application/json; charset=utf-8"}
		etagH   = []string{etag}
		cache   = []string{"private, max-age=60, stale-while-revalidate=300"}
		vary    = []string{"Accept-Encoding"}
		gz      = []string{"gzip"}
		lenID   = []string{strconv.Itoa(len(body))}
		lenGzip = []string{strconv.Itoa(zb.Len())}
		gzBody  = zb.Bytes()
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd["Etag"], hd["Cache-Control"], hd["Vary"] = etagH, cache, vary
		for k, v := range extra {
			hd[k] = v
		}
		if _, ok := r.Header["If-None-Match"]; ok {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		hd["Content-Type"] = ctype
		b := body
		if ae := r.Header["Accept-Encoding"]; len(ae) > 0 && strings.Contains(ae[0], "gzip") {
			hd["Content-Encoding"], hd["Content-Length"], b = gz, lenGzip, gzBody
		} else {
			hd["Content-Length"] = lenID
		}
		_, _ = w.Write(b)
	})
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
