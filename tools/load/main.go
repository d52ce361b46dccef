// Command load runs a mixed Vetted workload for a fixed time against a
// fresh server it starts itself on loopback: writers creating and saving
// drafts and submitting them, a clinician signing, an editor publishing,
// and sites reading the delivery API. It prints throughput, latency
// percentiles per operation and the error count, and exits non-zero on
// any error. (409s from the workflow's own races are counted apart: they
// are the guards working, not errors.)
//
//	go run ./tools/load -bin bin/vetted -duration 30s
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

const pw = "vetted-demo-password"

type stats struct {
	mu        sync.Mutex
	lat       map[string][]time.Duration
	errors    map[string]int
	conflicts map[string]int
	lastErr   map[string]string
}

func (s *stats) add(op string, d time.Duration, status int, want int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat[op] = append(s.lat[op], d)
	switch {
	case status == want:
	case status == 409:
		s.conflicts[op]++
	default:
		s.errors[op]++
		s.lastErr[op] = fmt.Sprintf("%d %s", status, trunc(body))
	}
}

func trunc(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}

func do(method, url, token string, body any, hdr map[string]string) (int, []byte) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func timed(s *stats, op string, want int, f func() (int, []byte)) (int, []byte) {
	t0 := time.Now()
	st, b := f()
	s.add(op, time.Since(t0), st, want, b)
	return st, b
}

type art struct {
	ID          string `json:"id"`
	Version     int64  `json:"version"`
	Slug        string `json:"slug"`
	ContentHash string `json:"contentHash"`
	Status      string `json:"status"`
}

func content(title, slug, body string) map[string]any {
	return map[string]any{"title": title, "slug": slug, "summary": "A load-test article about sleep and mood.",
		"keyTakeaways": []string{"Regular wake times help."}, "topics": []string{"sleep"},
		"sections": []map[string]string{{"heading": "Body", "body": body}, {"heading": "More", "body": "Second section with **Markdown**."}},
		// PUT takes the complete content: the optional parts as empty.
		"related": []string{}, "clinicianTake": nil, "heroImage": nil, "cta": nil, "seo": nil}
}

func main() {
	bin := flag.String("bin", "bin/vetted", "vetted binary")
	dur := flag.Duration("duration", 30*time.Second, "how long to load")
	writers := flag.Int("writers", 4, "writer goroutines")
	readers := flag.Int("readers", 8, "delivery reader goroutines")
	flag.Parse()

	dir, _ := os.MkdirTemp("", "vetted-load-")
	defer os.RemoveAll(dir)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(*bin)
	cmd.Env = append(os.Environ(), "VETTED_ADDR="+addr, "VETTED_DATA_DIR="+dir, "VETTED_DEMO=1", "VETTED_PUBLIC_DELIVERY=1", "VETTED_LOG_LEVEL=warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "start:", err)
		os.Exit(1)
	}
	defer func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() }()
	base := "http://" + addr
	for i := 0; ; i++ {
		if st, _ := do("GET", base+"/readyz", "", nil, nil); st == 200 {
			break
		}
		if i > 300 {
			fmt.Fprintln(os.Stderr, "server not ready")
			os.Exit(1)
		}
		time.Sleep(100 * time.Millisecond)
	}
	tok := func(email string) string {
		_, b := do("POST", base+"/api/admin/session", "", map[string]string{"email": email, "password": pw}, nil)
		var r struct{ Token string }
		_ = json.Unmarshal(b, &r)
		return r.Token
	}
	writer, clin, editor := tok("writer@vetted.local"), tok("clinician@vetted.local"), tok("editor@vetted.local")
	s := &stats{lat: map[string][]time.Duration{}, errors: map[string]int{}, conflicts: map[string]int{}, lastErr: map[string]string{}}
	var slugs sync.Map // published slugs
	var published atomic.Int64
	end := time.Now().Add(*dur)
	var wg sync.WaitGroup
	body := "Plain words about sleep, mood and anxiety. "
	for len(body) < 8000 {
		body += body
	}

	for w := 0; w < *writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for n := 0; time.Now().Before(end); n++ {
				slug := fmt.Sprintf("load-%d-%d", w, n)
				st, b := timed(s, "create", 201, func() (int, []byte) {
					return do("POST", base+"/api/admin/articles", writer, content("Load "+slug, slug, body), nil)
				})
				if st != 201 {
					continue
				}
				var a art
				_ = json.Unmarshal(b, &a)
				for i := 0; i < 5; i++ {
					st, b := timed(s, "save", 200, func() (int, []byte) {
						return do("PUT", base+"/api/admin/articles/"+a.ID, writer, content("Load "+slug, slug, fmt.Sprintf("%s edit %d", body, i)), map[string]string{"If-Match": fmt.Sprintf(`"%d"`, a.Version)})
					})
					if st == 200 {
						_ = json.Unmarshal(b, &a)
					}
				}
				timed(s, "submit", 200, func() (int, []byte) {
					return do("POST", base+"/api/admin/articles/"+a.ID+"/transitions", writer, map[string]any{"action": "submit"}, nil)
				})
			}
		}(w)
	}
	wg.Add(1)
	go func() { // the clinician signs whatever waits for review
		defer wg.Done()
		for time.Now().Before(end) {
			_, b := timed(s, "list", 200, func() (int, []byte) {
				return do("GET", base+"/api/admin/articles?status=in_review&limit=20", clin, nil, nil)
			})
			var l struct{ Items []art }
			_ = json.Unmarshal(b, &l)
			if len(l.Items) == 0 {
				time.Sleep(20 * time.Millisecond)
			}
			for _, it := range l.Items {
				_, b := do("GET", base+"/api/admin/articles/"+it.ID, clin, nil, nil)
				var a art
				_ = json.Unmarshal(b, &a)
				timed(s, "approve", 200, func() (int, []byte) {
					return do("POST", base+"/api/admin/articles/"+a.ID+"/transitions", clin, map[string]any{"action": "approve", "password": pw, "contentHash": a.ContentHash}, nil)
				})
			}
		}
	}()
	wg.Add(1)
	go func() { // the editor publishes what was approved
		defer wg.Done()
		for time.Now().Before(end) {
			_, b := do("GET", base+"/api/admin/articles?status=approved&limit=20", editor, nil, nil)
			var l struct{ Items []art }
			_ = json.Unmarshal(b, &l)
			if len(l.Items) == 0 {
				time.Sleep(20 * time.Millisecond)
			}
			for _, it := range l.Items {
				st, _ := timed(s, "publish", 200, func() (int, []byte) {
					return do("POST", base+"/api/admin/articles/"+it.ID+"/transitions", editor, map[string]any{"action": "publish"}, nil)
				})
				if st == 200 {
					slugs.Store(published.Add(1), it.Slug)
				}
			}
		}
	}()
	for r := 0; r < *readers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				n := published.Load()
				if n == 0 || rand.IntN(10) == 0 {
					timed(s, "read-list", 200, func() (int, []byte) { return do("GET", base+"/api/v1/articles?limit=20", "", nil, nil) })
					continue
				}
				v, _ := slugs.Load(rand.Int64N(n) + 1)
				timed(s, "read-article", 200, func() (int, []byte) { return do("GET", base+"/api/v1/articles/"+v.(string), "", nil, nil) })
			}
		}()
	}
	wg.Wait()

	ops := make([]string, 0, len(s.lat))
	for op := range s.lat {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	total, errs := 0, 0
	fmt.Printf("mixed load for %s on %s (writers=%d readers=%d)\n", *dur, addr, *writers, *readers)
	fmt.Printf("%-13s %8s %9s %9s %9s %9s %6s %9s\n", "operation", "count", "per sec", "p50", "p95", "p99", "errors", "conflicts")
	for _, op := range ops {
		l := s.lat[op]
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		p := func(q float64) time.Duration { return l[int(float64(len(l)-1)*q)].Round(10 * time.Microsecond) }
		fmt.Printf("%-13s %8d %9.1f %9s %9s %9s %6d %9d\n", op, len(l), float64(len(l))/dur.Seconds(), p(.5), p(.95), p(.99), s.errors[op], s.conflicts[op])
		total += len(l)
		errs += s.errors[op]
		if s.errors[op] > 0 {
			fmt.Printf("  last error: %s\n", s.lastErr[op])
		}
	}
	fmt.Printf("total %d requests, %.1f/s, errors %d, articles published %d\n", total, float64(total)/dur.Seconds(), errs, published.Load())
	if errs > 0 {
		os.Exit(1)
	}
}
