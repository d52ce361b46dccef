package search

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/delivery"
)

// One publish at a time (as the workflow makes them) must not hold a
// buffer per article far larger than the article: before zapx's segment
// estimate bump was turned off, 100 single-article batches held ~1 MB each.
func TestSingleArticleBatchesStaySmall(t *testing.T) {
	const n = 100
	x := newIndex(t)
	before := heap()
	for i := 0; i < n; i++ {
		if err := x.Put(snapshot(i)); err != nil {
			t.Fatal(err)
		}
		x.Wait() // one batch per article, as on a live instance
	}
	if got := x.Len(); got != n {
		t.Fatalf("indexed %d articles, want %d", got, n)
	}
	after := heap()
	per := (int64(after) - int64(before)) / n
	t.Logf("heap per indexed article: %d KB (%d articles, one batch each)", per/1024, n)
	// The text of a synthetic article is ~12 KB; its index, stored fields and
	// term vectors a few times that. A 1 MB buffer per batch fails this.
	if per > 200<<10 {
		t.Fatalf("heap grows %d KB per indexed article; want ≤ 200 KB", per/1024)
	}
}

// TestBulkIndexingPeak: indexing many articles at once (a start-up)
// holds the analysis of one batch at a time, not of all of them, and
// the queue holds the articles' compressed text: the heap's peak while
// 1,000 articles are indexed stays ~20 MB above what the index keeps (one
// batch of 1,000: 108 MB; the queue holding their text: 33 MB).
func TestBulkIndexingPeak(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 1,000 articles")
	}
	ss := make([]*delivery.Snapshot, 1000)
	for i := range ss {
		ss[i] = snapshot(i)
	}
	x := newIndex(t)
	defer debug.SetGCPercent(debug.SetGCPercent(20)) // the peak is what is live, not garbage not yet collected
	base := heap()
	var peak uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
		}
	}()
	_ = x.PutAll(ss)
	x.Wait()
	close(done)
	<-sampled
	x.settle()
	kept := heap()
	runtime.KeepAlive(ss)
	over := (int64(peak) - int64(max(kept, base))) >> 20
	t.Logf("heap: %d MB before, peak %d MB while indexing, %d MB after; peak %d MB over", base>>20, peak>>20, kept>>20, over)
	if over > 30 {
		t.Errorf("indexing 1,000 articles at once peaked %d MB above what the index keeps; want ≤ 30 MB", over)
	}
}
