package handlers

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/internal/accesslog"
	"github.com/vetted-cms/vetted/metrics"
	"github.com/vetted-cms/vetted/models"
)

// discardWriter is a ResponseWriter that keeps nothing and reuses its
// header map, so the benchmark counts only the router's and the
// handler's allocations.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// tenKB returns sections of about 10 KB of varied Markdown (varied, so
// that gzip sizes are realistic).
func tenKB() []models.Section {
	words := strings.Fields("sleep anxiety breathing clinician mood panic routine daylight evidence therapy support " +
		"habit worry body alarm calm practice minutes morning night research symptoms talk plan **steady** *gentle* " +
		"heart rest walk notice feelings family doctor trial cognitive behavioral skills weeks change small")
	seed := uint32(7)
	out := make([]models.Section, 10)
	for i := range out {
		var b strings.Builder
		for b.Len() < 1000 {
			seed = seed*1664525 + 1013904223
			b.WriteString(words[int(seed>>16)%len(words)])
			if seed%13 == 0 {
				b.WriteString(".\n\n")
			} else {
				b.WriteByte(' ')
			}
		}
		out[i] = models.Section{Heading: fmt.Sprintf("Part %d", i+1), Body: b.String()}
	}
	return out
}

// BenchmarkDeliveryBySlug measures GET /api/v1/articles/{slug} through
// the full router as cmd/vetted wires it (metrics, and with "+log" a JSON
// access-log line per request and a generated request id) with a
// delivery token, identity and gzip.
func BenchmarkDeliveryBySlug(b *testing.B) {
	d := newDeliveryApp(b, delivery.Config{}, false)
	d.publish(anArticle().slug("bench-article").sections(tenKB()...))
	withMetrics(d, metrics.New(), "")
	router := d.Router
	for _, name := range []string{"identity", "gzip", "identity+log", "gzip+log"} {
		b.Run(name, func(b *testing.B) {
			enc, withLog := strings.CutSuffix(name, "+log")
			req := httptest.NewRequest(http.MethodGet, "/api/v1/articles/bench-article", nil)
			d.Server.AccessLog = nil
			if withLog {
				d.Server.AccessLog = accesslog.New(io.Discard, "json", nil)
			} else {
				req.Header.Set("X-Request-ID", "bench-1")
			}
			req.Header.Set("Authorization", "Bearer "+d.Token)
			req.Header.Set("Accept-Encoding", enc)
			w := &discardWriter{h: http.Header{}}
			router.ServeHTTP(w, req) // warm the token cache
			if w.code != 200 {
				b.Fatalf("status %d", w.code)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				clear(w.h)
				router.ServeHTTP(w, req)
			}
			b.StopTimer()
			if w.code != 200 {
				b.Fatalf("status %d", w.code)
			}
			b.ReportMetric(float64(w.n)/float64(b.N+1), "bytes/resp")
		})
	}
}

// TestBySlugZeroAllocs keeps the hit path allocation-free, metrics
// included (the client sends its request id; making one allocates it).
func TestBySlugZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own; this check runs without -race")
	}
	d := newDeliveryApp(t, delivery.Config{}, false)
	d.publish(anArticle().slug("alloc-article"))
	withMetrics(d, metrics.New(), "")
	req := httptest.NewRequest(http.MethodGet, "/api/v1/articles/alloc-article", nil)
	req.Header.Set("X-Request-ID", "site-7f3a")
	req.Header.Set("Authorization", "Bearer "+d.Token)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Origin", "https://site.example")
	w := &discardWriter{h: http.Header{}}
	d.Router.ServeHTTP(w, req)
	allocs := testing.AllocsPerRun(200, func() {
		clear(w.h)
		d.Router.ServeHTTP(w, req)
	})
	if w.code != 200 || allocs != 0 {
		t.Errorf("by-slug hit: status %d, %.1f allocations per request; want 200 and 0", w.code, allocs)
	}
}
