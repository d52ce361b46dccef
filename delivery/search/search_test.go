package search

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/delivery"
)

func newIndex(t testing.TB) *Index {
	t.Helper()
	x, err := NewIn(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	return x
}

// TestSinglePublishesAreMerged: one publish at a time makes one segment
// each; the index merges them in the background, so a search visits a
// few segments, not one per publish, and every field, topic filter,
// facet and snippet still answers after the merges.
func TestSinglePublishesAreMerged(t *testing.T) {
	const n = 200
	x := newIndex(t)
	first := snapshot(0)
	first.Sections[2].HTML = "<p>A <b>zygomatic</b> stretch eases the jaw.</p>"
	first.KeyTakeaways = append(first.KeyTakeaways, "Quillwort tea is not a treatment.")
	first.Topics = []string{"heart-health", "sleep"}
	_ = x.Put(first)
	x.Wait()
	for i := 1; i < n; i++ { // one at a time: a batch (a segment) each
		_ = x.Put(snapshot(i))
		x.Wait()
	}
	_ = x.Remove(snapshot(5).ID)
	x.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for x.Segments() > 20 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if s := x.Segments(); s > 20 {
		t.Fatalf("%d single publishes left %d segments for every search to visit; want ≤ 20", n, s)
	}
	t.Logf("%d single publishes: %d segments", n, x.Segments())
	if got := x.Len(); got != n-1 {
		t.Fatalf("%d articles are indexed; want %d", got, n-1)
	}
	for _, q := range []Query{{Q: "zygomatic"}, {Q: "quillwort"}, {Q: "zygomatic", Topic: "heart-health"}} {
		q.Page, q.Limit = 1, 10
		res, err := x.Search(q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || len(res.Items) != 1 || res.Items[0].Slug != first.Slug {
			t.Fatalf("%+v: %d hits", q, res.Total)
		}
		if q.Q == "zygomatic" && !strings.Contains(strings.Join(res.Items[0].Highlights["sections"], " "), "<mark>zygomatic</mark>") {
			t.Errorf("no snippet from the sections: %v", res.Items[0].Highlights)
		}
		var facets []string
		for _, f := range res.Facets.Topics {
			facets = append(facets, fmt.Sprintf("%s=%d", f.Topic, f.Count))
		}
		if got := strings.Join(facets, ","); !strings.Contains(got, "heart-health=1") || !strings.Contains(got, "sleep=1") {
			t.Errorf("topic facets: %s", got)
		}
	}
	res, _ := x.Search(Query{Q: strings.Fields(snapshot(5).Title)[0], Page: 1, Limit: 50})
	for _, h := range res.Items {
		if h.Slug == snapshot(5).Slug {
			t.Errorf("a removed article is still found")
		}
	}
}

// TestIndexDirectoryIsRemoved: Close removes the process's index
// directory; a directory a crashed process left (no lock holder) is
// removed by the next index created beside it, one a live index holds is
// not.
func TestIndexDirectoryIsRemoved(t *testing.T) {
	parent := t.TempDir()
	x, err := NewIn(parent)
	if err != nil {
		t.Fatal(err)
	}
	_ = x.Put(snapshot(1))
	x.Wait()
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(x.Dir()); !os.IsNotExist(err) {
		t.Fatalf("the index directory is still there after Close: %v", err)
	}
	_ = x.Put(snapshot(2)) // after Close: dropped, no panic
	x.Wait()

	live, err := NewIn(parent)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	left := filepath.Join(parent, dirPrefix+"crashed")
	if err := os.MkdirAll(filepath.Join(left, "index"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(left, "lock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Minute)
	for _, d := range []string{left, live.Dir()} {
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
	}
	y, err := NewIn(parent)
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("a crashed process's index directory was not removed: %v", err)
	}
	if _, err := os.Stat(live.Dir()); err != nil {
		t.Errorf("a live index's directory was removed: %v", err)
	}
	_ = live.Put(snapshot(3))
	live.Wait()
	if res, err := live.Search(Query{Q: strings.Fields(snapshot(3).Title)[0], Page: 1, Limit: 5}); err != nil || res.Total == 0 {
		t.Errorf("the live index stopped answering: %v", err)
	}
}

// TestFacetsCountedOncePerChange: the same query's facets are counted
// once (the next page, the next reader) and counted again after any
// change to the index.
func TestFacetsCountedOncePerChange(t *testing.T) {
	x := newIndex(t)
	a, b := snapshot(1), snapshot(2)
	a.Title, a.Topics = "Lantern walks", []string{"sleep"}
	b.Title, b.Topics = "Lantern evenings", []string{"stress"}
	_ = x.PutAll([]*delivery.Snapshot{a, b})
	x.Wait()
	facets := func(q Query) string {
		t.Helper()
		q.Limit = 1
		res, err := x.Search(q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range res.Facets.Topics {
			out = append(out, fmt.Sprintf("%s=%d", f.Topic, f.Count))
		}
		return strings.Join(out, ",")
	}
	first := facets(Query{Q: "lantern", Page: 1})
	n := x.counted.Load()
	if second := facets(Query{Q: "lantern", Page: 2}); second != first || x.counted.Load() != n {
		t.Errorf("page 2 counted the facets again (%d → %d) or changed them: %q, %q", n, x.counted.Load(), first, second)
	}
	if facets(Query{Q: "lantern", Topic: "sleep", Page: 1}) != "sleep=1" {
		t.Errorf("within a topic the facets are that query's")
	}
	c := snapshot(3)
	c.Title, c.Topics = "Lantern mornings", []string{"exercise"}
	_ = x.Put(c)
	x.Wait()
	if got := facets(Query{Q: "lantern", Page: 1}); !strings.Contains(got, "exercise=1") {
		t.Errorf("after a publish the facets are stale: %q", got)
	}
	_ = x.Remove(c.ID)
	x.Wait()
	if got := facets(Query{Q: "lantern", Page: 1}); strings.Contains(got, "exercise") {
		t.Errorf("after an unpublish the facets are stale: %q", got)
	}
}
