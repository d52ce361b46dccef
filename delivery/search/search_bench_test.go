package search

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/delivery"
)

// words is the vocabulary of the synthetic articles (written for this
// benchmark: health-site phrasing, no real article text).
var words = strings.Fields(`sleep anxiety stress walking exercise breathing habits evening morning light
screens caffeine nutrition hydration routine therapy clinician review symptoms recovery sleeping walked
relaxation mindfulness heart blood pressure diet vegetables fiber protein sugar alcohol smoking quit
support family friends work school children teenagers adults older people doctor nurse counselor
appointment medication dose side effects pain headache migraine back neck posture stretching yoga`)

var benchTopics = []string{"sleep", "anxiety", "stress", "nutrition", "exercise", "heart-health", "mental-health", "parenting"}

func text(i, n int) string {
	var b strings.Builder
	for k := 0; k < n; k++ {
		b.WriteString(words[(i*7+k*13+k*k)%len(words)])
		if k%12 == 11 {
			b.WriteString(". ")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// snapshot is a seed-shaped article: six sections of about 250 words.
func snapshot(i int) *delivery.Snapshot {
	s := &delivery.Snapshot{ID: fmt.Sprintf("a_%04d", i), Slug: fmt.Sprintf("article-%d", i),
		Title: strings.TrimSpace(text(i, 6)), Summary: text(i+1, 30),
		KeyTakeaways: []string{text(i+2, 10), text(i+3, 10), text(i+4, 10)},
		Topics:       []string{benchTopics[i%len(benchTopics)], benchTopics[(i/3)%len(benchTopics)]},
		PublishedAt:  time.Unix(int64(1700000000+i), 0).UTC()}
	for k := 0; k < 6; k++ {
		t := text(i*6+k, 250)
		s.Sections = append(s.Sections, delivery.Section{Heading: text(i+k, 4), Body: t, HTML: "<p>" + t + "</p>"})
	}
	return s
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkSearch1000 searches 1,000 published seed-shaped articles
// (~1,500 words each) and reports p50/p99 latency and the heap the
// index holds.
func BenchmarkSearch1000(b *testing.B) {
	ss := make([]*delivery.Snapshot, 1000)
	for i := range ss {
		ss[i] = snapshot(i)
	}
	before := heap()
	x, err := NewIn(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := x.PutAll(ss); err != nil {
		b.Fatal(err)
	}
	x.Wait()
	indexed := time.Since(start)
	after := heap()
	runtime.KeepAlive(ss)
	searchLatency(b, x)
	b.ReportMetric(float64(after-before)/(1<<20), "index-heap-MiB")
	b.ReportMetric(indexed.Seconds(), "index-1000-s")
	runtime.KeepAlive(x)
}

// BenchmarkSearchAfterSinglePublishes: 1,000 articles published one at a
// time (one segment each, as a live instance gets them), then searched: the
// cost of the segments left since the last rebuild.
func BenchmarkSearchAfterSinglePublishes(b *testing.B) {
	x, err := NewIn(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		if err := x.Put(snapshot(i)); err != nil {
			b.Fatal(err)
		}
		x.Wait()
	}
	searchLatency(b, x)
}

// searchLatency runs b.N searches of a fixed mix and reports p50 and p99.
func searchLatency(b *testing.B, x *Index) {
	queries := []Query{{Q: "walking before sleep"}, {Q: "caffeine"}, {Q: "blood pressure medication", Topic: "heart-health"},
		{Q: "stretching posture"}, {Q: "teenagers anxiety therapy"}, {Q: "sleeping habits", Topic: "sleep"}}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := queries[i%len(queries)]
		q.Page, q.Limit = 1, 20
		t := time.Now()
		res, err := x.Search(q)
		lat = append(lat, time.Since(t))
		if err != nil || res.Total == 0 {
			b.Fatalf("%q: %v, %d hits", q.Q, err, res.Total)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
