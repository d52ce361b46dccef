package system

import (
	"net/http"
	"strings"
	"testing"
)

// TestResponseHygiene: security headers on the admin and API, and no
// email, password hash, token hash or internal detail in any delivery
// response or error.
func TestResponseHygiene(t *testing.T) {
	srv := startServer(t, append(dbEnv(t, t.TempDir()), "VETTED_DEMO=1", "VETTED_PUBLIC_DELIVERY=1")...)

	for _, path := range []string{"/admin/", "/admin/articles/x", "/api/admin/me"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			!strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: security headers missing: CSP %q, nosniff %q, referrer %q", path, h.Get("Content-Security-Policy"), h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
	}

	var list struct {
		Items []struct{ Slug string } `json:"items"`
	}
	if st, _, b := call(t, "GET", srv.URL+"/api/v1/articles", "", nil, nil, &list); st != 200 || len(list.Items) == 0 {
		t.Fatalf("delivery list: %d %s", st, b)
	}
	bodies := []string{}
	_, _, b := call(t, "GET", srv.URL+"/api/v1/articles", "", nil, nil, nil)
	bodies = append(bodies, string(b))
	for _, it := range list.Items {
		_, _, b := call(t, "GET", srv.URL+"/api/v1/articles/"+it.Slug, "", nil, nil, nil)
		bodies = append(bodies, string(b))
	}
	for _, p := range []string{"/api/v1/topics", "/api/v1/articles/no-such-article", "/api/v1/articles?limit=abc", "/api/v1/nope"} {
		_, _, b := call(t, "GET", srv.URL+p, "", nil, nil, nil)
		bodies = append(bodies, string(b))
	}
	// Errors from the management API: bad JSON, unknown user, wrong types.
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/admin/session", `{"email": {"$ne": ""}, "password": {"$ne": ""}}`},
		{"POST", "/api/admin/session", `{"email": "nobody@example.org", "password": "wrong-password-123"}`},
		{"POST", "/api/admin/session", `{not json`},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 4096)
		n, _ := resp.Body.Read(b)
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("%s %s %s: status %d; want a 4xx", c.method, c.path, c.body, resp.StatusCode)
		}
		bodies = append(bodies, string(b[:n]))
	}
	for _, body := range bodies {
		for _, bad := range []string{"@vetted.local", "argon2id", "passwordHash", "\"hash\":\"", "goroutine", ".go:", "mongo", "sqlite", "127.0.0.1"} {
			if strings.Contains(body, bad) {
				t.Errorf("a response contains %q: %.300s", bad, body)
			}
		}
	}
}
