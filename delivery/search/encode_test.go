package search

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/delivery"
)

// TestAppendJSONIsEncodingJSON: a result's bytes are encoding/json's,
// for real searches (list views encoded when indexed) and for results
// built by hand with text that needs escaping, odd scores and nil parts.
func TestAppendJSONIsEncodingJSON(t *testing.T) {
	x := newIndex(t)
	a, b := snapshot(1), snapshot(2)
	a.Title = `Sleep <b>&</b> "quotes" \ back` + "\u2028line\ttab\x01 é 😴 \xff"
	a.Summary = "sleep summary </script>"
	b.Topics = nil
	_ = x.PutAll([]*delivery.Snapshot{a, b})
	x.Wait()
	var results []*Result
	for _, q := range []Query{{Q: "sleep"}, {Q: "sleep", Topic: "anxiety"}, {Q: "zzzz-none"}, {Q: "sleep", Page: 2}} {
		q.Limit = 1
		if q.Page == 0 {
			q.Page = 1
		}
		res, err := x.Search(q)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
	}
	if len(results[0].Items) == 0 || results[0].Items[0].sum == nil {
		t.Fatalf("a search's hits carry their list view's JSON: %+v", results[0])
	}
	odd := &Result{Query: "<q>&\u2029", Items: []Hit{
		{Summary: delivery.Summary{Slug: "s", Title: "\x00\x1f\b\f\n\r", LastReviewed: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}, Score: 1e-7,
			Highlights: map[string][]string{"title": {"<mark>a</mark>", ""}, "sections": nil}},
		{Score: 1e21, Highlights: nil},
		{Score: 0, Highlights: map[string][]string{"other": {"x"}, "title": {"t"}}},
		{Score: -123.456789, Highlights: map[string][]string{}},
		{Score: math.SmallestNonzeroFloat64, Highlights: map[string][]string{"keyTakeaways": {"k"}, "summary": {"s"}}},
	}}
	odd.Facets.Topics = []TopicCount{{Topic: "a&b", Count: 3}}
	results = append(results, odd, &Result{})
	for i, r := range results {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.AppendJSON([]byte("prefix"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Errorf("result %d:\n got %s\nwant prefix%s", i, got, want)
		}
	}
	if _, err := (&Result{Items: []Hit{{Score: math.NaN()}}}).AppendJSON(nil); err == nil {
		t.Errorf("a NaN score encodes; encoding/json refuses it")
	}
}
