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
//
// With -from and -slugs it serves every published document instead of
// one: at start it fetches each slug's answer (body and headers) from
// the running Vetted at -from, then answers /…/{slug} with that slug's
// bytes and any other slug with a small 404 — the same bytes as Vetted
// for the same request stream, so the working set (1,000 documents of
// ~30 KB, not one kept hot in the processor's caches) is the same on
// both sides. The lookup is one map read.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// doc is one prebuilt answer.
type doc struct {
	extra                http.Header // headers sent as they are
	etag, lenID, lenGzip []string
	body, gzBody         []byte
}

var (
	ctype    = []string{"application/json; charset=utf-8"}
	cache    = []string{"private, max-age=60, stale-while-revalidate=300"}
	vary     = []string{"Accept-Encoding"}
	gz       = []string{"gzip"}
	notFound = []byte(`{"error":{"code":"not_found","message":"no published article has this slug"}}`)
	lenNF    = []string{strconv.Itoa(len(notFound))}
)

func newDoc(body []byte, extra http.Header) *doc {
	var zb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zb, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	sum := sha256.Sum256(body)
	d := &doc{extra: http.Header{}, etag: []string{`"` + hex.EncodeToString(sum[:12]) + `"`},
		lenID: []string{strconv.Itoa(len(body))}, lenGzip: []string{strconv.Itoa(zb.Len())}, body: body, gzBody: zb.Bytes()}
	for k, v := range extra {
		switch k = http.CanonicalHeaderKey(k); k {
		case "Date", "Content-Length", "Content-Encoding", "Content-Type", "Etag":
		case "X-Request-Id": // a fresh one per request in Vetted; one of the same length here
			d.extra[k] = []string{strings.Repeat("0", len(v[0]))}
		default:
			d.extra[k] = v
		}
	}
	if et := extra.Get("Etag"); et != "" { // Vetted's own validator: the same header bytes
		d.etag = []string{et}
	}
	return d
}

// parseDump reads a `curl -D` header dump.
func parseDump(dump []byte) http.Header {
	h := http.Header{}
	for _, line := range strings.Split(string(dump), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			h[http.CanonicalHeaderKey(k)] = []string{strings.TrimSpace(v)}
		}
	}
	return h
}

// fetchAll gets every slug's answer from Vetted.
func fetchAll(from, slugsFile, token string) map[string]*doc {
	f, err := os.Open(slugsFile)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	docs := map[string]*doc{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		slug := strings.TrimSpace(sc.Text())
		if slug == "" {
			continue
		}
		req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(from, "/")+"/api/v1/articles/"+slug, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			log.Fatalf("fetch %s: %d %v", slug, resp.StatusCode, err)
		}
		docs[slug] = newDoc(body, resp.Header)
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	return docs
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	file := flag.String("file", "article.json", "the document to serve")
	headers := flag.String("headers", "", "a `curl -D` dump of Vetted's answer: send its headers too")
	from := flag.String("from", "", "Vetted's base URL: serve every slug of -slugs as Vetted answers it")
	slugs := flag.String("slugs", "", "with -from: a file of slugs, one a line")
	token := flag.String("token", "", "with -from: the delivery token")
	flag.Parse()
	var one *doc
	var docs map[string]*doc
	if *from != "" {
		docs = fetchAll(*from, *slugs, *token)
		fmt.Fprintf(os.Stderr, "ceiling: %d documents\n", len(docs))
	} else {
		body, err := os.ReadFile(*file)
		if err != nil {
			log.Fatal(err)
		}
		extra := http.Header{}
		if *headers != "" {
			dump, err := os.ReadFile(*headers)
			if err != nil {
				log.Fatal(err)
			}
			extra = parseDump(dump)
		}
		one = newDoc(body, extra)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := one
		if docs != nil {
			if d = docs[path.Base(r.URL.Path)]; d == nil {
				hd := w.Header()
				hd["Content-Type"], hd["Content-Length"] = ctype, lenNF
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write(notFound)
				return
			}
		}
		hd := w.Header()
		hd["Etag"], hd["Cache-Control"], hd["Vary"] = d.etag, cache, vary
		for k, v := range d.extra {
			hd[k] = v
		}
		if _, ok := r.Header["If-None-Match"]; ok {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		hd["Content-Type"] = ctype
		b := d.body
		if ae := r.Header["Accept-Encoding"]; len(ae) > 0 && strings.Contains(ae[0], "gzip") {
			hd["Content-Encoding"], hd["Content-Length"], b = gz, d.lenGzip, d.gzBody
		} else {
			hd["Content-Length"] = d.lenID
		}
		_, _ = w.Write(b)
	})
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
