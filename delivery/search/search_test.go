package search

import (
	"fmt"
	"strings"
	"testing"
)

// TestRebuildKeepsEveryField: after enough single changes the index is
// rebuilt from its own stored fields (no copy of the text is kept beside
// it); every field still matches, topics still filter and facet, and
// snippets still come from the sections.
func TestRebuildKeepsEveryField(t *testing.T) {
	x, err := New()
	if err != nil {
		t.Fatal(err)
	}
	first := snapshot(0)
	first.Sections[2].HTML = "<p>A <b>zygomatic</b> stretch eases the jaw.</p>"
	first.KeyTakeaways = append(first.KeyTakeaways, "Quillwort tea is not a treatment.")
	first.Topics = []string{"heart-health", "sleep"}
	_ = x.Put(first)
	for i := 1; i <= rebuildAfter+10; i++ { // one at a time: each is a change of its own
		_ = x.Put(snapshot(i))
	}
	_ = x.Remove(snapshot(5).ID)
	x.Wait()
	if x.changes >= rebuildAfter {
		t.Fatalf("%d single changes and no rebuild", x.changes)
	}
	if n := x.Len(); n != rebuildAfter+10 {
		t.Fatalf("after the rebuild %d articles are indexed; want %d", n, rebuildAfter+10)
	}
	for _, q := range []Query{{Q: "zygomatic"}, {Q: "quillwort"}, {Q: "zygomatic", Topic: "heart-health"}} {
		q.Page, q.Limit = 1, 10
		res, err := x.Search(q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || len(res.Items) != 1 || res.Items[0].Slug != first.Slug {
			t.Fatalf("%+v after the rebuild: %d hits", q, res.Total)
		}
		if q.Q == "zygomatic" && !strings.Contains(strings.Join(res.Items[0].Highlights["sections"], " "), "<mark>zygomatic</mark>") {
			t.Errorf("no snippet from the sections after the rebuild: %v", res.Items[0].Highlights)
		}
		var facets []string
		for _, f := range res.Facets.Topics {
			facets = append(facets, fmt.Sprintf("%s=%d", f.Topic, f.Count))
		}
		if got := strings.Join(facets, ","); !strings.Contains(got, "heart-health=1") || !strings.Contains(got, "sleep=1") {
			t.Errorf("topic facets after the rebuild: %s", got)
		}
	}
	res, _ := x.Search(Query{Q: strings.Fields(snapshot(5).Title)[0], Page: 1, Limit: 50})
	for _, h := range res.Items {
		if h.Slug == snapshot(5).Slug {
			t.Errorf("a removed article came back with the rebuild")
		}
	}
}
