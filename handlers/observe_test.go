package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/internal/accesslog"
	"github.com/vetted-cms/vetted/metrics"
	"github.com/vetted-cms/vetted/models/mongostore"
)

// withMetrics wires a fresh registry the way cmd/vetted does: the edge,
// the service and the delivery API report to it.
func withMetrics(d *dlApp, m *metrics.Metrics, token string) {
	d.Server.Metrics, d.Server.MetricsToken = m, token
	d.Svc.Observe = m
	d.API.Observe = m
	d.Router = d.Server.Router()
}

// metricValue sums the samples of a counter, gauge or histogram count
// whose labels include want.
func metricValue(t testing.TB, m *metrics.Metrics, name string, want map[string]string) float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, mt := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range mt.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue metric
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				sum += mt.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				sum += mt.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				sum += float64(mt.GetHistogram().GetSampleCount())
			}
		}
	}
	return sum
}

func scrape(d *dlApp, remote string, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.RemoteAddr = remote
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res := httptest.NewRecorder()
	d.Router.ServeHTTP(res, req)
	return res
}

// TestMetricsEndpointIsNotPublic: loopback reads; anyone else gets 404
// without a token configured, 403 with a wrong or missing token, 200
// with the right one; a proxy on loopback does not make its clients local.
func TestMetricsEndpointIsNotPublic(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	withMetrics(d, metrics.New(), "")
	const local, remote = "127.0.0.1:40000", "203.0.113.9:40000"
	if res := scrape(d, local, nil); res.Code != 200 || !strings.Contains(res.Body.String(), "vetted_signins_total") ||
		!strings.Contains(res.Body.String(), "go_goroutines") || !strings.Contains(res.Body.String(), "process_resident_memory_bytes") {
		t.Fatalf("loopback scrape: %d %s", res.Code, clip(res.Body.String()))
	}
	if res := scrape(d, "[::1]:40000", nil); res.Code != 200 {
		t.Errorf("IPv6 loopback scrape: %d", res.Code)
	}
	for name, tc := range map[string]struct {
		remote string
		hdr    map[string]string
	}{
		"remote":                        {remote, nil},
		"remote with a token":           {remote, map[string]string{"Authorization": "Bearer something-long-enough"}},
		"proxied through loopback":      {local, map[string]string{"X-Forwarded-For": "203.0.113.9"}},
		"proxied (Forwarded) from host": {local, map[string]string{"Forwarded": "for=203.0.113.9"}},
	} {
		if res := scrape(d, tc.remote, tc.hdr); res.Code != 404 || strings.Contains(res.Body.String(), "vetted_") {
			t.Errorf("%s without a metrics token configured: %d, want 404", name, res.Code)
		}
	}

	const token = "metrics-token-0123456789"
	withMetrics(d, metrics.New(), token)
	for name, hdr := range map[string]map[string]string{
		"no token":      nil,
		"wrong token":   {"Authorization": "Bearer metrics-token-0123456788"},
		"prefix only":   {"Authorization": "Bearer metrics-token"},
		"not a bearer":  {"Authorization": token},
		"session token": {"Authorization": "Bearer " + d.Tokens[asAdmin]},
	} {
		if res := scrape(d, remote, hdr); res.Code != 403 || strings.Contains(res.Body.String(), "vetted_") {
			t.Errorf("%s: %d, want 403", name, res.Code)
		}
	}
	if res := scrape(d, remote, map[string]string{"Authorization": "Bearer " + token}); res.Code != 200 || !strings.Contains(res.Body.String(), `route="/metrics",status="403"`) {
		t.Errorf("right token: %d", res.Code)
	}
	if res := scrape(d, local, nil); res.Code != 200 {
		t.Errorf("loopback with a token configured: %d", res.Code)
	}
}

// TestMetricsCountWhatHappened drives requests, delivery answers of every
// kind, sign-ins, a lockout, transitions and webhook attempts, and reads
// each count back from the registry.
func TestMetricsCountWhatHappened(t *testing.T) {
	m := metrics.New()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }))
	defer failing.Close()
	okHook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	defer okHook.Close()
	d := newDeliveryApp(t, delivery.Config{AllowPrivateWebhooks: true, ObserveWebhooks: m}, false)
	m.ReadModel(d.Sys.Model.Size)
	m.WebhooksPending(d.Sys.Webhooks.Pending)
	withMetrics(d, m, "")
	for _, u := range []string{okHook.URL, failing.URL} {
		if res := d.do(http.MethodPost, "/api/admin/webhooks", `{"url":"`+u+`","events":["article.published"]}`, nil, asAdmin); res.Code != 201 {
			t.Fatalf("webhook: %d %s", res.Code, res.Body)
		}
	}

	live := d.publish(anArticle().slug("m-live"))
	gone := d.publish(anArticle().slug("m-gone"))
	d.act(asEditor, gone.ID, "unpublish")
	moved := d.publish(anArticle().slug("m-old"))
	cur := d.getArticle(moved.ID)
	if r := d.updateArticle(asEditor, moved.ID, cur.Version, anArticle().slug("m-new")); r.Code != 200 {
		t.Fatalf("rename: %d", r.Code)
	}
	d.to(moved.ID, "published")
	etag := d.get("/api/v1/articles/m-live", nil).Header().Get("ETag")
	for path, want := range map[string]int{"m-live": 200, "m-gone": 410, "m-old": 301, "m-never": 404} {
		if res := d.get("/api/v1/articles/"+path, nil); res.Code != want {
			t.Fatalf("%s: %d, want %d", path, res.Code, want)
		}
	}
	if res := d.get("/api/v1/articles/m-live", map[string]string{"If-None-Match": etag}); res.Code != 304 {
		t.Fatalf("304: %d", res.Code)
	}
	d.do(http.MethodGet, "/no/such/route", "", nil, asNone)
	d.do("BREW", "/api/v1/articles", "", nil, asNone)

	for status, want := range map[string]float64{"200": 2, "304": 1, "301": 1, "404": 1, "410": 1} {
		if got := metricValue(t, m, "vetted_delivery_answers_total", map[string]string{"status": status}); got != want {
			t.Errorf("delivery answers %s: %v, want %v", status, got, want)
		}
	}
	for _, c := range []struct {
		labels map[string]string
		want   float64
	}{
		{map[string]string{"route": "/api/v1/articles/:slug", "method": "GET", "status": "200"}, 2},
		{map[string]string{"route": "/api/v1/articles/:slug", "method": "GET", "status": "410"}, 1},
		{map[string]string{"route": "unmatched", "method": "GET", "status": "404"}, 1},
		{map[string]string{"route": "unmatched", "method": "OTHER"}, 1},
	} {
		if got := metricValue(t, m, "vetted_http_requests_total", c.labels); got != c.want {
			t.Errorf("requests %v: %v, want %v", c.labels, got, c.want)
		}
		if got := metricValue(t, m, "vetted_http_request_duration_seconds", c.labels); got != c.want {
			t.Errorf("latency observations %v: %v, want %v", c.labels, got, c.want)
		}
	}
	if got := metricValue(t, m, "vetted_workflow_transitions_total", map[string]string{"action": "publish", "outcome": "ok"}); got != 4 {
		t.Errorf("publish ok: %v, want 4", got)
	}
	// A writer may not publish.
	d.do(http.MethodPost, "/api/admin/articles/"+live.ID+"/transitions", `{"action":"publish"}`, nil, asWriter)
	if got := metricValue(t, m, "vetted_workflow_transitions_total", map[string]string{"action": "publish", "outcome": "forbidden"}); got != 1 {
		t.Errorf("publish forbidden: %v, want 1", got)
	}

	// Sign-ins: one good, five bad (the fifth locks), one refused while locked.
	email := d.Users[asWriter2].Email
	d.login(email, testPassword)
	for range 5 {
		d.do(http.MethodPost, "/api/admin/session", `{"email":"`+email+`","password":"not-the-password"}`, nil, asNone)
	}
	d.do(http.MethodPost, "/api/admin/session", `{"email":"`+email+`","password":"`+testPassword+`"}`, nil, asNone)
	for outcome, want := range map[string]float64{"ok": 1, "failed": 5, "locked": 1} {
		if got := metricValue(t, m, "vetted_signins_total", map[string]string{"outcome": outcome}); got != want {
			t.Errorf("sign-ins %s: %v, want %v", outcome, got, want)
		}
	}
	if got := metricValue(t, m, "vetted_lockouts_total", nil); got != 1 {
		t.Errorf("lockouts: %v, want 1", got)
	}

	if got := metricValue(t, m, "vetted_readmodel_articles", nil); got != 2 {
		t.Errorf("read model articles: %v, want 2 (m-live, m-new)", got)
	}
	if got := metricValue(t, m, "vetted_readmodel_bytes", nil); got < 1000 {
		t.Errorf("read model bytes: %v", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for metricValue(t, m, "vetted_webhook_failures_total", nil) < 1 || metricValue(t, m, "vetted_webhook_attempts_total", nil) < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("webhook attempts %v, failures %v", metricValue(t, m, "vetted_webhook_attempts_total", nil), metricValue(t, m, "vetted_webhook_failures_total", nil))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := metricValue(t, m, "vetted_webhook_pending", nil); got < 1 {
		t.Errorf("pending webhook deliveries: %v, want the failing ones still pending", got)
	}
}

// captured is a slog handler target safe for concurrent writes.
type captured struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (c *captured) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.Write(p)
}

func (c *captured) lines(t *testing.T) []map[string]any {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(c.b.String()), "\n") {
		if l == "" {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		out = append(out, v)
	}
	return out
}

// TestAccessLogOneLinePerRequest: every request leaves one line with its
// method, route template, status, bytes, duration, request id and user —
// and none of the secrets the request carried.
func TestAccessLogOneLinePerRequest(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	var out captured
	d.Server.AccessLog = accesslog.New(&out, "json", nil)
	d.Router = d.Server.Router()
	d.publish(anArticle().slug("log-me"))
	out.mu.Lock()
	out.b.Reset()
	out.mu.Unlock()

	const pw = "a-secret-password-123"
	d.do(http.MethodPost, "/api/admin/session", `{"email":"nobody@example.org","password":"`+pw+`"}`, nil, asNone)
	d.do(http.MethodGet, "/api/admin/me", "", map[string]string{"X-Request-ID": "trace-42.a_b", "Cookie": "vetted_session=cookie-secret-value"}, asEditor)
	d.get("/api/v1/articles/log-me?token=query-secret-value", map[string]string{"X-Forwarded-For": "203.0.113.9"}) // no proxy is trusted
	d.do(http.MethodGet, "/nowhere?password=query-pw", "", nil, asNone)

	lines := out.lines(t)
	if len(lines) != 4 {
		t.Fatalf("%d lines for 4 requests: %v", len(lines), lines)
	}
	want := []struct{ method, route string }{
		{"POST", "/api/admin/session"}, {"GET", "/api/admin/me"}, {"GET", "/api/v1/articles/:slug"}, {"GET", "unmatched"},
	}
	status := []float64{401, 200, 200, 404}
	for i, l := range lines {
		if l["msg"] != "request" || l["method"] != want[i].method || l["route"] != want[i].route || l["status"] != status[i] {
			t.Errorf("line %d: %v", i, l)
		}
		for _, k := range []string{"bytes", "duration", "requestId", "userId", "client"} {
			if _, ok := l[k]; !ok {
				t.Errorf("line %d has no %s: %v", i, k, l)
			}
		}
		if l["bytes"].(float64) <= 0 {
			t.Errorf("line %d: bytes %v", i, l["bytes"])
		}
		if l["client"] != "192.0.2.1" { // httptest's peer: a forwarded address counts only through a trusted proxy
			t.Errorf("line %d: client %v", i, l["client"])
		}
		if at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(l["time"])); err != nil || time.Since(at) > time.Minute || time.Since(at) < 0 {
			t.Errorf("line %d: time %v (%v)", i, l["time"], err)
		}
	}
	if lines[1]["requestId"] != "trace-42.a_b" || lines[1]["userId"] != d.Users[asEditor].ID {
		t.Errorf("signed-in line: %v", lines[1])
	}
	if id, _ := lines[0]["requestId"].(string); len(id) != 16 {
		t.Errorf("generated request id %q", id)
	}
	raw := out.b.String()
	for _, secret := range []string{pw, d.Tokens[asEditor], d.Token, "cookie-secret-value", "query-secret-value", "query-pw", "token=", "password"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the access log contains %q:\n%s", secret, raw)
		}
	}
}

// TestRequestID: a well-formed X-Request-ID comes back as sent; a missing
// or malformed one is replaced by a fresh id; every answer carries one.
func TestRequestID(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	seen := map[string]bool{}
	for _, c := range []struct {
		sent string
		keep bool
	}{
		{"abc-123_X.y", true}, {strings.Repeat("a", 64), true}, {"z", true},
		{"", false}, {strings.Repeat("a", 65), false}, {"has space", false}, {"semi;colon", false}, {"ünï", false}, {"a\"b", false},
	} {
		for _, path := range []string{"/healthz", "/api/v1/articles/none", "/no/route", "/api/admin/me"} {
			h := map[string]string{}
			if c.sent != "" {
				h["X-Request-ID"] = c.sent
			}
			got := d.do(http.MethodGet, path, "", h, asNone).Header().Get("X-Request-ID")
			switch {
			case c.keep && got != c.sent:
				t.Errorf("%s with %q: got %q", path, c.sent, got)
			case !c.keep && (got == c.sent || len(got) != 16 || !validRequestID(got) || seen[got]):
				t.Errorf("%s with %q: got %q, want a fresh id", path, c.sent, got)
			}
			if !c.keep {
				seen[got] = true
			}
		}
	}
}

// TestReadyzNamesTheFailingPart: 200 while everything serves; 503 naming
// the database when it does not answer, and any other part that fails.
func TestReadyzNamesTheFailingPart(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	var broken error
	d.Server.Ready = []ReadyCheck{
		{Name: "delivery", Check: func(context.Context) error { return nil }},
		{Name: "follower", Check: func(context.Context) error { return broken }},
	}
	d.Router = d.Server.Router()
	read := func() (int, map[string]any) {
		res := d.do(http.MethodGet, "/readyz", "", nil, asNone)
		var body map[string]any
		mustJSON(t, res.Body.Bytes(), &body)
		return res.Code, body
	}
	if code, body := read(); code != 200 || body["ok"] != true || body["database"] != "up" || body["follower"] != "up" || body["delivery"] != "up" {
		t.Fatalf("all up: %d %v", code, body)
	}
	broken = errors.New("stalled: last read the log to its end 9s ago")
	if code, body := read(); code != 503 || body["ok"] != false || body["follower"] != broken.Error() || body["database"] != "up" ||
		len(body["failing"].([]any)) != 1 || body["failing"].([]any)[0] != "follower" {
		t.Fatalf("follower stalled: %d %v", code, body)
	}
	broken = nil

	// The database stops answering: a second embedded database, closed.
	other := mongostore.OpenTest(t)
	_ = other.Close(context.Background())
	d.Server.DB = other
	d.Router = d.Server.Router()
	if code, body := read(); code != 503 || body["database"] != "down" || body["failing"].([]any)[0] != "database" {
		t.Fatalf("database down: %d %v", code, body)
	}
}
