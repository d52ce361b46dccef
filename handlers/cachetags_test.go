package handlers

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/delivery"
)

// TestCacheTags: every delivery answer names the article(s) it shows and
// the lists it belongs to, in Surrogate-Key and Cache-Tag; a change's
// webhook names the tags to purge, including a topic the article left.
func TestCacheTags(t *testing.T) {
	payloads := make(chan delivery.Payload, 8)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p delivery.Payload
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &p)
		payloads <- p
		w.WriteHeader(204)
	}))
	defer rcv.Close()
	d := newDeliveryApp(t, delivery.Config{AllowPrivateWebhooks: true}, false)
	if r := d.do(http.MethodPost, "/api/admin/webhooks", fmt.Sprintf(`{"url":%q,"events":["article.published","article.unpublished"]}`, rcv.URL), nil, asAdmin); r.Code != 201 {
		t.Fatalf("webhook: %d %s", r.Code, r.Body)
	}
	other := d.publish(anArticle().slug("tag-other").topics("sleep"))
	<-payloads
	b := anArticle().slug("tag-main").topics("sleep", "stress")
	b.c.Related = []string{"tag-other"}
	art := d.publish(b)
	p := <-payloads
	want := []string{"article:" + art.ID, "articles", "topics", "topic:sleep", "topic:stress"}
	if !sameSet(p.Data.Tags, want) {
		t.Errorf("publish payload tags %v; want %v", p.Data.Tags, want)
	}

	tags := func(url string, hdr map[string]string) []string {
		t.Helper()
		r := d.get(url, hdr)
		sk, ct := r.Header().Get("Surrogate-Key"), r.Header().Get("Cache-Tag")
		if r.Code/100 != 2 && r.Code != 304 {
			t.Fatalf("GET %s: %d", url, r.Code)
		}
		if strings.ReplaceAll(sk, " ", ",") != ct {
			t.Errorf("GET %s: Surrogate-Key %q and Cache-Tag %q differ", url, sk, ct)
		}
		if !strings.Contains(r.Header().Get("Cache-Control"), "stale-if-error=") {
			t.Errorf("GET %s: Cache-Control %q without stale-if-error", url, r.Header().Get("Cache-Control"))
		}
		return strings.Fields(sk)
	}
	for _, c := range []struct {
		url  string
		hdr  map[string]string
		want []string
	}{
		{"/api/v1/articles/tag-main", nil, []string{"article:" + art.ID, "article:" + other.ID, "articles", "topic:sleep", "topic:stress"}},
		{"/api/v1/articles/tag-main", map[string]string{"Accept-Encoding": "gzip"}, []string{"article:" + art.ID, "article:" + other.ID, "articles", "topic:sleep", "topic:stress"}},
		{"/api/v1/articles/tag-other", nil, []string{"article:" + other.ID, "articles", "topic:sleep"}},
		{"/api/v1/articles", nil, []string{"articles"}},
		{"/api/v1/articles?page=2", nil, []string{"articles"}},
		{"/api/v1/articles?topic=stress", nil, []string{"articles", "topic:stress"}},
		{"/api/v1/topics", nil, []string{"topics"}},
	} {
		if got := tags(c.url, c.hdr); !sameSet(got, c.want) {
			t.Errorf("GET %s: tags %v; want %v", c.url, got, c.want)
		}
	}
	etag := d.get("/api/v1/articles/tag-main", nil).Header().Get("ETag")
	if got := tags("/api/v1/articles/tag-main", map[string]string{"If-None-Match": etag}); len(got) == 0 {
		t.Errorf("304 without tags")
	}

	// The unpublish names the same tags.
	d.act(asEditor, art.ID, "unpublish")
	p = <-payloads
	if !sameSet(p.Data.Tags, want) {
		t.Errorf("unpublish payload tags %v; want %v", p.Data.Tags, want)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestNginxProxyCache runs docs/nginx-cache.conf's nginx in front of a
// Vetted test server: a repeated read is a cache hit carrying the cache
// tags, a purge by URL (X-Vetted-Purge from the purger address) fetches
// the new version, and an expired entry is revalidated to the new one.
func TestNginxProxyCache(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx is not on PATH: the proxy_cache setup of docs/nginx-cache.conf is not tested here (Debian: apt-get install nginx-light)")
	}
	d := newDeliveryApp(t, delivery.Config{}, true)
	const maxAge = 8 * time.Second // long enough for a re-certification under load
	d.API.MaxAge, d.API.StaleWhileRevalidate = maxAge, 0
	origin := httptest.NewServer(d.Server.Router())
	defer origin.Close()
	art := d.publish(anArticle().slug("cached-at-the-edge"))

	dir := t.TempDir()
	conf, err := os.ReadFile("../docs/nginx-cache.conf")
	if err != nil {
		t.Fatal(err)
	}
	listen := freePort(t)
	c := string(conf)
	for old, repl := range map[string]string{
		"/var/cache/nginx/vetted": filepath.Join(dir, "cache"),
		"server 127.0.0.1:8080;":  "server " + strings.TrimPrefix(origin.URL, "http://") + ";",
		"listen 127.0.0.1:8081;":  "listen " + listen + ";",
	} {
		if !strings.Contains(c, old) {
			t.Fatalf("docs/nginx-cache.conf no longer contains %q", old)
		}
		c = strings.ReplaceAll(c, old, repl)
	}
	main := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  include %[1]s/vetted.conf;
}
`, dir)
	if err := os.WriteFile(filepath.Join(dir, "vetted.conf"), []byte(c), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", filepath.Join(dir, "nginx.conf"))
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			logb, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output: %s\nerror.log: %s", out, logb)
		}
	}()
	url := "http://" + listen + "/api/v1/articles/cached-at-the-edge"
	fetch := func(purge bool) (status, etag, tags string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if purge {
			req.Header.Set("X-Vetted-Purge", "1")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("through nginx: %v", err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("through nginx: %d", res.StatusCode)
		}
		return res.Header.Get("X-Cache-Status"), res.Header.Get("ETag"), res.Header.Get("Surrogate-Key")
	}
	waitFor(t, 5*time.Second, func() bool {
		res, err := http.Get("http://" + listen + "/api/v1/topics")
		if err == nil {
			res.Body.Close()
		}
		return err == nil
	})

	st, v1, tags := fetch(false)
	if st != "MISS" || !strings.Contains(tags, "article:"+art.ID) {
		t.Fatalf("first read: %s, tags %q", st, tags)
	}
	if st, e, _ := fetch(false); st != "HIT" || e != v1 {
		t.Fatalf("second read: %s %s; want a HIT of %s", st, e, v1)
	}
	d.act(asClinician, art.ID, "recertify") // a new review date: a new document
	if st, e, _ := fetch(false); st != "HIT" || e != v1 {
		t.Fatalf("before the purge: %s %s; want the cached %s", st, e, v1)
	}
	st, v2, _ := fetch(true)
	purged := time.Now()
	if st != "BYPASS" || v2 == v1 {
		t.Fatalf("purge by URL: %s %s; want the new version", st, v2)
	}
	if st, e, _ := fetch(false); st != "HIT" || e != v2 {
		t.Errorf("after the purge: %s %s; want a HIT of %s", st, e, v2)
	}
	d.act(asClinician, art.ID, "recertify")
	time.Sleep(time.Until(purged.Add(maxAge + 1200*time.Millisecond))) // nginx counts whole seconds
	// Expired: nginx fetches the new version (EXPIRED), or serves the old
	// one once while it updates in the background (STALE).
	st, v3, _ := fetch(false)
	if st != "EXPIRED" && st != "STALE" {
		t.Errorf("after max-age: %s; want EXPIRED or STALE", st)
	}
	if v3 == v2 {
		waitFor(t, 3*time.Second, func() bool { _, v3, _ = fetch(false); return v3 != v2 })
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(s.URL, "http://")
	s.Close()
	return addr
}
