// Command seed fills a running Vetted with published articles through the
// real management API, as the demo writer, clinician and editor would:
// create, submit, approve (signing with the password and content hash),
// publish. It prints nothing but progress and writes the slugs to -out.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "Vetted base URL")
	n := flag.Int("n", 1000, "articles to publish (numbers from -from up to n)")
	workers := flag.Int("workers", 4, "concurrent writers")
	password := flag.String("password", "vetted-demo-password", "the demo users' password")
	out := flag.String("out", "slugs.txt", "file to write the slugs to")
	from := flag.Int("from", 0, "first article number (to resume a seeding that stopped at it)")
	flag.Parse()
	c := &client{base: strings.TrimRight(*base, "/"), hc: &http.Client{Timeout: 60 * time.Second}}
	writer := c.login("writer@vetted.local", *password)
	clin := c.login("clinician@vetted.local", *password)
	var me struct{ User struct{ ID string } }
	c.call(clin, "GET", "/api/admin/me", nil, &me, 200, false)
	clinicianID = me.User.ID
	editor := c.login("editor@vetted.local", *password)

	slugs := make([]string, *n)
	var next, done atomic.Int64
	next.Store(int64(*from))
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= *n {
					return
				}
				slug := fmt.Sprintf("bench-article-%04d", i)
				var rel []string
				if i > 2 {
					rel = []string{fmt.Sprintf("bench-article-%04d", i-1), fmt.Sprintf("bench-article-%04d", i-2)}
				}
				var a struct{ ID, ContentHash string }
				if !c.call(writer, "POST", "/api/admin/articles", content(i, slug, rel), &a, 201, *from > 0) {
					continue // resuming: this number was created before the stop (left as it was)
				}
				tr := func(tok string, body map[string]string) {
					c.call(tok, "POST", "/api/admin/articles/"+a.ID+"/transitions", body, nil, 200, false)
				}
				tr(writer, map[string]string{"action": "submit"})
				tr(clin, map[string]string{"action": "approve", "password": *password, "contentHash": a.ContentHash})
				tr(editor, map[string]string{"action": "publish"})
				slugs[i] = slug
				if d := done.Add(1); d%500 == 0 {
					fmt.Fprintf(os.Stderr, "  %d/%d published (%.0f/s)\n", d, *n, float64(d)/time.Since(start).Seconds())
				}
			}
		}()
	}
	wg.Wait()
	if err := os.WriteFile(*out, []byte(strings.Join(slugs[*from:], "\n")+"\n"), 0o644); err != nil {
		fail("write slugs: %v", err)
	}
	fmt.Fprintf(os.Stderr, "  published %d articles in %s\n", *n-*from, time.Since(start).Round(time.Second))
}

var words = strings.Fields("sleep anxiety breathing clinician mood panic routine daylight evidence therapy support habit " +
	"worry body alarm calm practice minutes morning night research symptoms talk plan **steady** *gentle* heart rest walk " +
	"notice feelings family doctor trial cognitive behavioral skills weeks change small")

// clinicianID is the demo clinician, whose words the takes are (they sign them).
var clinicianID string

var topics = []string{"anxiety", "sleep", "depression", "panic", "parenting", "stress", "mindfulness", "relationships"}

// content is an article of about 10 KB of varied Markdown.
func content(i int, slug string, related []string) map[string]any {
	seed := uint32(i*7919 + 1)
	rnd := func() int { seed = seed*1664525 + 1013904223; return int(seed >> 16) }
	sections := make([]map[string]string, 10)
	for s := range sections {
		var b strings.Builder
		for b.Len() < 950 {
			b.WriteString(words[rnd()%len(words)])
			if rnd()%13 == 0 {
				b.WriteString(".\n\n")
			} else {
				b.WriteByte(' ')
			}
		}
		sections[s] = map[string]string{"heading": fmt.Sprintf("Part %d", s+1), "body": b.String()}
	}
	return map[string]any{
		"slug": slug, "title": fmt.Sprintf("Benchmark article %d on %s", i, topics[i%len(topics)]),
		"summary":      "A benchmark article of about ten kilobytes, clinically reviewed like every other.",
		"keyTakeaways": []string{"Small, steady habits help.", "Talk with a clinician when symptoms persist."},
		"sections":     sections, "topics": articleTopics(i),
		"related":       related,
		"clinicianTake": map[string]string{"body": "Start *small* and be consistent.", "clinician": clinicianID},
		"heroImage":     map[string]string{"url": fmt.Sprintf("https://images.example.org/%d.jpg", i), "alt": "A calm scene"},
	}
}

type client struct {
	base string
	hc   *http.Client
}

func (c *client) login(email, password string) string {
	var out struct{ Token string }
	c.call("", "POST", "/api/admin/session", map[string]string{"email": email, "password": password}, &out, 200, false)
	return out.Token
}

// call makes a request and fails unless it answers want; with
// conflictOK a 409 returns false instead.
func (c *client) call(token, method, path string, body, out any, want int, conflictOK bool) bool {
	b, _ := json.Marshal(body)
	{
		req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := c.hc.Do(req)
		if err != nil {
			fail("%s %s: %v", method, path, err)
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusConflict && conflictOK {
			return false
		}
		if res.StatusCode != want {
			fail("%s %s: %d %s", method, path, res.StatusCode, buf.String())
		}
		if out != nil {
			if err := json.Unmarshal(buf.Bytes(), out); err != nil {
				fail("%s %s: %v", method, path, err)
			}
		}
	}
	return true
}

func fail(f string, args ...any) {
	fmt.Fprintf(os.Stderr, "seed: "+f+"\n", args...)
	os.Exit(1)
}

// articleTopics gives article i one or two topics (never one twice: the
// server refuses that).
func articleTopics(i int) []string {
	a, b := topics[i%len(topics)], topics[(i/8)%len(topics)]
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}
