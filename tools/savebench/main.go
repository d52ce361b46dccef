// Command savebench measures draft saves against a running Vetted: it
// fills the database with -articles articles of about -size bytes, then
// times -saves sequential saves and prints p50/p95/p99.
//
//	go run ./tools/savebench -url http://127.0.0.1:8080 -email writer@vetted.local -password …
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "Vetted base URL")
	email := flag.String("email", "writer@vetted.local", "writer's email")
	password := flag.String("password", "vetted-demo-password", "writer's password")
	n := flag.Int("articles", 10000, "articles to create first (0: none)")
	size := flag.Int("size", 10000, "approximate bytes of body per article")
	saves := flag.Int("saves", 1000, "saves to time")
	workers := flag.Int("workers", 8, "concurrent creators")
	flag.Parse()

	token := login(*base, *email, *password)
	body := strings.Repeat("Plain words about sleep, mood and anxiety. ", *size/43+2)[:*size]
	start := time.Now()
	var made atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < *n; i += *workers {
				c := content(fmt.Sprintf("Load article %d", i), body)
				if st, b := do(*base, token, "POST", "/api/admin/articles", c, ""); st != 201 {
					fmt.Fprintf(os.Stderr, "create %d: %d %s\n", i, st, b)
					os.Exit(1)
				}
				if k := made.Add(1); k%1000 == 0 {
					fmt.Printf("created %d articles (%.0f/s)\n", k, float64(k)/time.Since(start).Seconds())
				}
			}
		}(w)
	}
	wg.Wait()
	if *n > 0 {
		fmt.Printf("created %d articles in %s\n", *n, time.Since(start).Round(time.Millisecond))
	}
	st, b := do(*base, token, "POST", "/api/admin/articles", content(fmt.Sprintf("Timed article %d", time.Now().UnixNano()), body), "")
	if st != 201 {
		fmt.Fprintf(os.Stderr, "create: %d %s\n", st, b)
		os.Exit(1)
	}
	var a struct {
		ID      string `json:"id"`
		Slug    string `json:"slug"`
		Version int64  `json:"version"`
	}
	_ = json.Unmarshal(b, &a)
	lat := make([]time.Duration, 0, *saves)
	for i := 0; i < *saves; i++ {
		c := content("Timed article edited", fmt.Sprintf("%s edit %d", body, i))
		c["slug"] = a.Slug
		t0 := time.Now()
		st, b := do(*base, token, "PUT", "/api/admin/articles/"+a.ID, c, fmt.Sprintf(`"%d"`, a.Version))
		lat = append(lat, time.Since(t0))
		if st != 200 {
			fmt.Fprintf(os.Stderr, "save %d: %d %s\n", i, st, b)
			os.Exit(1)
		}
		_ = json.Unmarshal(b, &a)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	fmt.Printf("%d saves: p50 %s  p95 %s  p99 %s  max %s\n", len(lat), pct(.5), pct(.95), pct(.99), lat[len(lat)-1])
}

func content(title, body string) map[string]any {
	return map[string]any{"title": title, "summary": "A load-test article.", "keyTakeaways": []string{"One"},
		"sections": []map[string]string{{"heading": "Body", "body": body}}, "topics": []string{"load"},
		// PUT takes the complete content: the optional parts as empty.
		"related": []string{}, "clinicianTake": nil, "heroImage": nil, "cta": nil, "seo": nil}
}

func login(base, email, pw string) string {
	st, b := do(base, "", "POST", "/api/admin/session", map[string]string{"email": email, "password": pw}, "")
	if st != 200 {
		fmt.Fprintf(os.Stderr, "login: %d %s\n", st, b)
		os.Exit(1)
	}
	var r struct{ Token string }
	_ = json.Unmarshal(b, &r)
	return r.Token
}

var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func do(base, token, method, path string, body any, ifMatch string) (int, []byte) {
	bs, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(bs))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s %s: %v\n", method, path, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.Bytes()
}
