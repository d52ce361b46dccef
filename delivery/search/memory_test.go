package search

import (
	"testing"
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
