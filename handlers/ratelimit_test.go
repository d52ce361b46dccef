package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func TestLoginLimiterPerAddress(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	cases := []struct {
		name    string
		trusted []string
		// requests from these (peer, X-Forwarded-For) pairs, in order
		from    [][2]string
		allowed []bool
	}{
		{"forged X-Forwarded-For does not reset the limit", nil,
			[][2]string{{"10.0.0.1:1", ""}, {"10.0.0.1:2", ""}, {"10.0.0.1:3", "1.1.1.1"}, {"10.0.0.1:4", "2.2.2.2"}},
			[]bool{true, true, false, false}},
		{"other addresses have their own bucket", nil,
			[][2]string{{"10.0.0.1:1", ""}, {"10.0.0.1:1", ""}, {"10.0.0.2:1", ""}},
			[]bool{true, true, true}},
		{"a trusted proxy's X-Forwarded-For names the client", []string{"10.0.0.9"},
			[][2]string{{"10.0.0.9:1", "3.3.3.3"}, {"10.0.0.9:1", "3.3.3.3"}, {"10.0.0.9:1", "4.4.4.4"}, {"10.0.0.9:1", "3.3.3.3"}},
			[]bool{true, true, true, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := NewRateLimiter(2, time.Minute)
			l.Now = func() time.Time { return now }
			r := (&Server{TrustedProxies: c.trusted}).engine()
			r.POST("/login", limitByClient(l), func(c *gin.Context) { c.Status(http.StatusNoContent) })
			for i, f := range c.from {
				req := httptest.NewRequest(http.MethodPost, "/login", nil)
				req.RemoteAddr = f[0]
				if f[1] != "" {
					req.Header.Set("X-Forwarded-For", f[1])
				}
				w := httptest.NewRecorder()
				r.ServeHTTP(w, req)
				got := w.Code == http.StatusNoContent
				if got != c.allowed[i] {
					t.Fatalf("request %d from %v: status %d, allowed=%v, want %v", i, f, w.Code, got, c.allowed[i])
				}
				if !got && (w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "") {
					t.Fatalf("refusal is %d with Retry-After %q; want 429 with Retry-After", w.Code, w.Header().Get("Retry-After"))
				}
			}
		})
	}
}

func TestRateLimiterRefills(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := NewRateLimiter(1, time.Minute)
	l.Now = func() time.Time { return now }
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("first attempt refused")
	}
	if ok, wait := l.Allow("a"); ok || wait <= 0 || wait > time.Minute {
		t.Fatalf("second attempt: ok=%v wait=%s", ok, wait)
	}
	now = now.Add(61 * time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("not refilled after a minute")
	}
}
