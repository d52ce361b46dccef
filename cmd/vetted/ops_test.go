package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/handlers"
	"github.com/vetted-cms/vetted/metrics"
)

// TestServeMetricsAccessLogAndReadiness: the served binary answers
// /readyz with every part up, /metrics to loopback with the database,
// read-model and follower series, and writes JSON access-log lines.
func TestServeMetricsAccessLogAndReadiness(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuf
	base, done := startRun(t, ctx, map[string]string{"VETTED_DATA_DIR": t.TempDir(), "VETTED_ADDR": "127.0.0.1:0", "VETTED_DEMO": "1",
		"VETTED_LOG_FORMAT": "json", "VETTED_METRICS_TOKEN": "ops-test-token-0123456789"}, &stdout, &stderr)
	defer func() { cancel(); <-done }()

	get := func(path string, hdr ...string) (int, string, http.Header) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	code, body, hdr := get("/readyz", "X-Request-ID", "ops-1")
	var ready map[string]any
	_ = json.Unmarshal([]byte(body), &ready)
	if code != 200 || ready["database"] != "up" || ready["delivery"] != "up" || ready["follower"] != "up" || hdr.Get("X-Request-ID") != "ops-1" {
		t.Fatalf("readyz: %d %s %v", code, body, hdr)
	}
	code, body, _ = get("/metrics")
	for _, series := range []string{`vetted_db_operation_duration_seconds_count{command="find"}`, "vetted_readmodel_articles ", "vetted_readmodel_arena_bytes ",
		"vetted_follower_events_behind 0", "vetted_follower_seconds_since_sync ", `vetted_http_requests_total{method="GET",route="/readyz",status="200"} 1`,
		"vetted_webhook_pending 0", "process_resident_memory_bytes", "go_goroutines"} {
		if !strings.Contains(body, series) {
			t.Errorf("/metrics lacks %q", series)
		}
	}
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(stderr.String(), `"route":"/metrics"`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var line map[string]any
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, `"msg":"request"`) && strings.Contains(l, `"route":"/readyz"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatalf("access log line is not JSON: %q", l)
			}
		}
	}
	if line["requestId"] != "ops-1" || line["status"] != float64(200) || line["method"] != "GET" {
		t.Errorf("access log line for /readyz: %v\n%s", line, stderr.String())
	}
	if strings.Contains(stderr.String(), "ops-test-token-0123456789") {
		t.Errorf("the metrics token reached the log")
	}
}

// TestReadyzWhenDeliveryDidNotLoad: a read model that could not load
// keeps the instance out of rotation, named in the body.
func TestReadyzWhenDeliveryDidNotLoad(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, err := loadConfig(envOf(map[string]string{"VETTED_DATA_DIR": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.closeDB(context.Background())
	srv := &handlers.Server{Svc: a.svc, Policy: a.policy, DB: a.db}
	_ = a.db.Close(ctx) // the database goes away before the read model loads
	wireDelivery(ctx, cfg, a, srv, metrics.New())
	res := httptest.NewRecorder()
	srv.Router().ServeHTTP(res, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var body map[string]any
	_ = json.Unmarshal(res.Body.Bytes(), &body)
	if res.Code != 503 || body["delivery"] != "read model not loaded" {
		t.Fatalf("readyz: %d %s", res.Code, res.Body)
	}
}

// TestFollowerStaleness: the real log's follower state goes stale when no
// sync reaches the log's end within the bound, and fresh after one.
func TestFollowerStaleness(t *testing.T) {
	if got := followerStaleAfter(200 * time.Millisecond); got != 5*time.Second {
		t.Errorf("bound at 200ms: %s", got)
	}
	if got := followerStaleAfter(2 * time.Second); got != 20*time.Second {
		t.Errorf("bound at 2s: %s", got)
	}
	ctx := context.Background()
	cfg, err := loadConfig(envOf(map[string]string{"VETTED_DATA_DIR": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.closeDB(context.Background())
	check := followerCheck(a.articles.Log.SinceSync, 50*time.Millisecond)
	if err := check(ctx); err != nil {
		t.Fatalf("just loaded: %v", err)
	}
	time.Sleep(100 * time.Millisecond) // no follower runs
	if err := check(ctx); err == nil || !strings.Contains(err.Error(), "stalled") {
		t.Fatalf("after 100ms without a sync: %v", err)
	}
	if _, err := a.articles.Log.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := check(ctx); err != nil {
		t.Fatalf("after a sync: %v", err)
	}
}

// TestServeIndexesForSearch: serve begins the search indexing of the
// articles the read model loaded once it listens (it is deferred past
// the start's last steps); a published demo article is found by a word
// of its title.
func TestServeIndexesForSearch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuf
	base, done := startRun(t, ctx, map[string]string{"VETTED_DATA_DIR": t.TempDir(), "VETTED_ADDR": "127.0.0.1:0", "VETTED_DEMO": "1",
		"VETTED_PUBLIC_DELIVERY": "1"}, &stdout, &stderr)
	defer func() { cancel(); <-done }()
	var got struct {
		Total int `json:"total"`
		Items []struct {
			Slug string `json:"slug"`
		} `json:"items"`
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(base + "/api/v1/search?q=panic")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("search: %d %s", res.StatusCode, b)
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got.Total > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got.Total == 0 || len(got.Items) == 0 || !strings.Contains(got.Items[0].Slug, "panic") {
		t.Fatalf("the demo's panic-attack article is not found 20 s after the start: %+v\n%s", got, stderr.String())
	}
}
