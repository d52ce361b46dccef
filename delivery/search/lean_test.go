package search

import (
	"runtime"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/vetted-cms/vetted/delivery"
)

// TestIndexKeepsNoText: bleve keeps the terms of an article, not its
// text (no stored fields, no term vectors); snippets come from the
// index's own compact copy, and still mark matches in every field.
func TestIndexKeepsNoText(t *testing.T) {
	x := newIndex(t)
	s := snapshot(7)
	s.Title = "Heron walks at dusk"
	s.Summary = "Why a heron walk helps"
	s.KeyTakeaways = []string{"Herons wait."}
	s.Sections[3].HTML = "<p>The heron stands still.</p>"
	_ = x.Put(s)
	x.Wait()
	d, err := x.idx.Document(s.ID)
	if err != nil || d == nil {
		t.Fatalf("document %v: %v", d, err)
	}
	var stored []string
	d.VisitFields(func(f index.Field) {
		if f.Name() != "_id" {
			stored = append(stored, f.Name())
		}
	})
	if len(stored) > 0 {
		t.Errorf("bleve stores the text of %q; the index keeps its own", stored)
	}
	dm := x.mapping.(*mapping.IndexMappingImpl).DefaultMapping
	for _, f := range fields {
		if fm := dm.Properties[f.name].Fields[0]; fm.Store || fm.IncludeTermVectors {
			t.Errorf("field %s: store %v, term vectors %v; want neither", f.name, fm.Store, fm.IncludeTermVectors)
		}
	}
	res, err := x.Search(Query{Q: "heron", Page: 1, Limit: 5})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("%v, %d hits", err, res.Total)
	}
	hl := res.Items[0].Highlights
	for _, f := range highlighted {
		if len(hl[f]) != 1 {
			t.Errorf("%s: snippets %q", f, hl[f])
		}
	}
	if got := hl["sections"]; len(got) == 1 && !strings.Contains(got[0], "The <mark>heron</mark> stands still.") {
		t.Errorf("sections snippet %q", got[0])
	}
}

// TestSearchAllocations bounds the allocations of a search with snippets
// (20 hits of 100 seed-shaped articles, one segment): loading each hit's stored
// document from bleve took ~35 more per hit (1,774 in all), and finding
// the matches two per query term (1,070).
func TestSearchAllocations(t *testing.T) {
	x := newIndex(t)
	ss := make([]*delivery.Snapshot, batchDocs)
	for i := range ss {
		ss[i] = snapshot(i)
	}
	_ = x.PutAll(ss) // one batch: one segment
	x.Wait()
	q := Query{Q: "walking before sleep", Page: 1, Limit: 20}
	if res, err := x.Search(q); err != nil || len(res.Items) != 20 || len(res.Items[0].Highlights) == 0 {
		t.Fatalf("%v: %+v", err, res)
	}
	allocs := testing.AllocsPerRun(50, func() { _, _ = x.Search(q) })
	t.Logf("%.0f allocations per search with 20 hits' snippets", allocs)
	if allocs > 900 {
		t.Errorf("%.0f allocations per search; want ≤ 900", allocs)
	}
	// Bytes: a hit's sections are decoded into a buffer kept from one
	// search to the next (a new one each search: ~12 KB per hit; 80 KB a
	// search with the pool, 156 KB without it, more under -race).
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	const n = 50
	for i := 0; i < n; i++ {
		_, _ = x.Search(q)
	}
	runtime.ReadMemStats(&m1)
	per := (m1.TotalAlloc - m0.TotalAlloc) / n
	t.Logf("%d bytes allocated per search", per)
	if per > 128<<10 {
		t.Errorf("%d KB allocated per search; want ≤ 128 KB", per>>10)
	}
}

// TestEntryTextIsCompact: the index's copy of an article's sections is
// compressed, and kept in a buffer of its own size (snappy.Encode's
// buffer is sized for the worst case, larger than the text itself).
func TestEntryTextIsCompact(t *testing.T) {
	s := snapshot(3)
	text := sectionsText(s)
	e := newEntry(s, text)
	if cap(e.sections) > 2*len(e.sections) || len(e.sections) >= len(text) {
		t.Errorf("sections of %d bytes kept in %d (buffer %d); want compressed, in a buffer about its size", len(text), len(e.sections), cap(e.sections))
	}
	before := heap()
	es := make([]*entry, 200)
	for i := range es {
		s := snapshot(i)
		es[i] = newEntry(s, sectionsText(s))
	}
	per := (int64(heap()) - int64(before)) / int64(len(es))
	runtime.KeepAlive(es)
	t.Logf("%d bytes per entry (sections text %d bytes)", per, len(text))
	if per > int64(len(text)) {
		t.Errorf("an entry holds %d bytes; its sections' text is %d", per, len(text))
	}
}
