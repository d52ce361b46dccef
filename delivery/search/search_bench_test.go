package search

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
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
	defer x.Close()
	cpu0 := cpuTime()
	start := time.Now()
	if err := x.PutAll(ss); err != nil {
		b.Fatal(err)
	}
	x.Wait()
	indexed, cpu := time.Since(start), cpuTime()-cpu0
	x.settle()
	after := heap()
	segs := x.Segments()
	runtime.KeepAlive(ss)
	searchLatency(b, x)
	b.ReportMetric(float64(segs), "segments")
	b.ReportMetric(float64(int64(after)-int64(before))/(1<<20), "index-heap-MiB")
	b.ReportMetric(indexed.Seconds(), "index-1000-s")
	b.ReportMetric(cpu.Seconds(), "index-1000-cpu-s")
	runtime.KeepAlive(x)
}

// BenchmarkSearchAfterSinglePublishes: articles published one at a time
// (one batch, one segment each, as a live instance gets them), then
// searched. It reports the time of a publish until searchable over the
// first and the last tenth (equal when a publish costs the same at any
// catalogue size), the segments left and the heap the index holds per
// article. SEARCH_BENCH_ARTICLES sets how many (1,000).
func BenchmarkSearchAfterSinglePublishes(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("SEARCH_BENCH_ARTICLES")); err == nil && v >= 20 {
		n = v
	}
	before := heap()
	x, err := NewIn(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	took := make([]time.Duration, n)
	cpu0 := cpuTime()
	start := time.Now()
	for i := 0; i < n; i++ {
		t := time.Now()
		if err := x.Put(snapshot(i)); err != nil {
			b.Fatal(err)
		}
		x.Wait()
		took[i] = time.Since(t)
	}
	all := time.Since(start)
	mean := func(d []time.Duration) float64 {
		var sum time.Duration
		for _, v := range d {
			sum += v
		}
		return float64(sum.Microseconds()) / float64(len(d)) / 1000
	}
	cpu := cpuTime() - cpu0
	x.settle()
	segs := x.Segments()
	perArticle := float64(int64(heap())-int64(before)) / float64(n) / 1024
	searchLatency(b, x) // resets the metrics: report after it
	b.ReportMetric(float64(n)/all.Seconds(), "publishes/s")
	b.ReportMetric(cpu.Seconds()*1000/float64(n), "cpu-ms/publish")
	b.ReportMetric(mean(took[:n/10]), "first-tenth-ms/publish")
	b.ReportMetric(mean(took[n-n/10:]), "last-tenth-ms/publish")
	b.ReportMetric(float64(segs), "segments")
	b.ReportMetric(perArticle, "heap-KiB/article")
}

// cpuTime is the process's user+system CPU time so far (figures that a
// loaded machine's wall clock would blur).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// searchLatency runs b.N searches of a fixed mix and reports p50 and p99.
func searchLatency(b *testing.B, x *Index) {
	queries := []Query{{Q: "walking before sleep"}, {Q: "caffeine"}, {Q: "blood pressure medication", Topic: "heart-health"},
		{Q: "stretching posture"}, {Q: "teenagers anxiety therapy"}, {Q: "sleeping habits", Topic: "sleep"}}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	cpu0 := cpuTime()
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
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/search")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// settle waits (up to 30 s) until every segment is on disk: the heap
// then holds what the index keeps, not batches not yet persisted.
func (x *Index) settle() {
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		st, _ := x.idx.StatsMap()["index"].(map[string]interface{})
		if n, _ := st["TotMemorySegmentsAtRoot"].(uint64); n == 0 {
			return
		}
	}
}

// BenchmarkFind: finding a query's matches in one seed-shaped article's
// sections (~12 KB of ASCII text), per query of the bench mix.
func BenchmarkFind(b *testing.B) {
	x, err := NewIn(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	text := sectionsText(snapshot(5))
	for _, q := range []string{"sleep", "walking before sleep", "blood pressure medication", "teenagers anxiety therapy"} {
		b.Run(strings.ReplaceAll(q, " ", "_"), func(b *testing.B) {
			m := x.newMatcher(q)
			var spans []span
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				spans = m.find(text, true, spans[:0])
			}
			if len(spans) == 0 {
				b.Fatal("no match")
			}
		})
	}
}
