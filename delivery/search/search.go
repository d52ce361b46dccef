// Package search is the delivery API's site search: an in-memory bleve
// index of the published articles only. The delivery read model feeds it
// (delivery.SearchIndex) from the same verified snapshots it serves, on
// every instance, so a draft's or an unpublished article's text is never
// indexed and a publish is searchable wherever it is served.
package search

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	zapx "github.com/blevesearch/zapx/v17"

	"github.com/vetted-cms/vetted/delivery"
)

// Fields searched, with their weight in the ranking.
var fields = []struct {
	name  string
	boost float64
}{{"title", 4}, {"topicText", 2.5}, {"summary", 2}, {"keyTakeaways", 1.5}, {"sections", 1}}

// highlighted are the fields snippets are cut from, in the answer's order.
var highlighted = []string{"title", "summary", "keyTakeaways", "sections"}

// doc is what bleve indexes of one published article.
type doc struct {
	Title        string   `json:"title"`
	Summary      string   `json:"summary"`
	KeyTakeaways string   `json:"keyTakeaways"`
	Sections     string   `json:"sections"`
	TopicText    string   `json:"topicText"`
	Topics       []string `json:"topics"`
}

// Index is the search index; safe for concurrent use. Changes are
// applied in order by one worker, off the caller's path: the read model
// enqueues and returns (indexing 1,000 articles takes seconds, which
// neither a start-up nor a publish should wait for). Searches read the
// current bleve index through an atomic pointer.
type Index struct {
	mapping mapping.IndexMapping
	cur     atomic.Pointer[bleve.Index]

	mu    sync.Mutex
	cond  *sync.Cond
	queue []op
	busy  bool

	// Worker state.
	ids     map[string]bool // what is indexed; its text is read back from the index to rebuild
	changes int             // single changes since the last full build

	imu   sync.RWMutex
	items map[string]delivery.Summary // article → its list view
}

type op struct {
	put    []*delivery.Snapshot
	remove string
}

// rebuildAfter: scorch without a directory never merges segments, and
// every change adds one; after this many the worker rebuilds the index
// in one segment, keeping searches fast on a long-running instance. Every
// query visits every segment: after 1,000 single publishes
// (BenchmarkSearchAfterSinglePublishes) p50/p99 were 15.1/32.5 ms with
// 256 (232 segments left) and 6.4/11.9 ms with 32. A rebuild re-indexes
// the catalogue in the background (~1.4 s of CPU at 1,000 articles).
const rebuildAfter = 32

// Scorch builds each batch into a zap segment whose buffer it pre-sizes as
// (the last segment's bytes per document) × (documents + 100): for the
// one-article batches a publish makes, that is a buffer a hundred times
// the segment, and an in-memory index keeps every one until the next
// rebuild (measured: 100 single-article publishes held 101 MB of such
// buffers). Without the bump the estimate is the batch's own size.
func init() { zapx.NewSegmentBufferNumResultsBump = 0 }

// New returns an empty in-memory index and starts its worker.
func New() (*Index, error) {
	text := func(store bool) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName // English: possessives, stop words, Porter stemming
		f.Store, f.IncludeTermVectors, f.IncludeInAll = store, store, false
		f.DocValues = false
		return f
	}
	dm := mapping.NewDocumentStaticMapping()
	for _, f := range fields {
		stored := f.name != "topicText"
		dm.AddFieldMappingsAt(f.name, text(stored))
	}
	topics := mapping.NewKeywordFieldMapping()
	topics.Analyzer = keyword.Name
	topics.Store, topics.IncludeTermVectors, topics.IncludeInAll, topics.DocValues = true, false, false, true
	dm.AddFieldMappingsAt("topics", topics)

	im := mapping.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = en.AnalyzerName
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false
	x := &Index{mapping: im, ids: map[string]bool{}, items: map[string]delivery.Summary{}}
	x.cond = sync.NewCond(&x.mu)
	idx, err := x.empty()
	if err != nil {
		return nil, err
	}
	x.cur.Store(&idx)
	go x.work()
	return x, nil
}

// empty returns a new in-memory index (scorch, no directory).
func (x *Index) empty() (bleve.Index, error) {
	idx, err := bleve.NewUsing("", x.mapping, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("search index: %w", err)
	}
	return idx, nil
}

// Put indexes (or re-indexes) a published article (delivery.SearchIndex).
func (x *Index) Put(s *delivery.Snapshot) error { return x.PutAll([]*delivery.Snapshot{s}) }

// PutAll indexes published articles (delivery.SearchIndex).
func (x *Index) PutAll(ss []*delivery.Snapshot) error {
	x.imu.Lock()
	for _, s := range ss {
		x.items[s.ID] = s.Summarize()
	}
	x.imu.Unlock()
	x.enqueue(op{put: ss})
	return nil
}

// Remove drops an article that is no longer live (delivery.SearchIndex).
func (x *Index) Remove(id string) error {
	x.imu.Lock()
	delete(x.items, id)
	x.imu.Unlock()
	x.enqueue(op{remove: id})
	return nil
}

func (x *Index) enqueue(o op) {
	x.mu.Lock()
	x.queue = append(x.queue, o)
	x.mu.Unlock()
	x.cond.Broadcast()
}

// Wait returns once every change enqueued so far is searchable.
func (x *Index) Wait() {
	x.mu.Lock()
	for len(x.queue) > 0 || x.busy {
		x.cond.Wait()
	}
	x.mu.Unlock()
}

// Idle reports whether every change enqueued so far is searchable.
func (x *Index) Idle() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.queue) == 0 && !x.busy
}

func (x *Index) work() {
	for {
		x.mu.Lock()
		for len(x.queue) == 0 {
			x.cond.Wait()
		}
		ops := x.queue
		x.queue, x.busy = nil, true
		x.mu.Unlock()
		x.apply(ops)
		x.mu.Lock()
		x.busy = false
		x.mu.Unlock()
		x.cond.Broadcast()
	}
}

// apply indexes a run of changes as one batch (one segment), then
// rebuilds the index when single changes have piled up segments.
func (x *Index) apply(ops []op) {
	idx := *x.cur.Load()
	b := idx.NewBatch()
	var err error
	for _, o := range ops {
		for _, s := range o.put {
			_ = b.Index(s.ID, toDoc(s))
			x.ids[s.ID] = true
			if b.Size() >= batchDocs {
				if err = idx.Batch(b); err != nil {
					x.rebuild(idx)
					return
				}
				b = idx.NewBatch()
			}
		}
		if o.remove != "" {
			b.Delete(o.remove)
			delete(x.ids, o.remove)
		}
		if len(o.put) <= 1 {
			x.changes++
		}
	}
	err = idx.Batch(b)
	if err != nil || x.changes >= rebuildAfter {
		x.rebuild(idx)
	}
}

// batchDocs bounds one batch (one segment): its analysis is held in
// memory until it is indexed.
const batchDocs = 2000

// rebuild indexes every document again, read back from the stored fields
// of idx (keeping a copy of every article's text beside the index, to
// rebuild from, held as much memory as the index itself), into a new
// index of one segment, and swaps it in.
func (x *Index) rebuild(from bleve.Index) {
	idx, err := x.empty()
	if err != nil {
		return
	}
	b := idx.NewBatch()
	for id := range x.ids {
		d, err := from.Document(id)
		if err != nil || d == nil {
			continue
		}
		_ = b.Index(id, storedDoc(d))
		if b.Size() >= batchDocs {
			if err := idx.Batch(b); err != nil {
				return
			}
			b = idx.NewBatch()
		}
	}
	if err := idx.Batch(b); err != nil {
		return
	}
	old := x.cur.Swap(&idx)
	x.changes = 0
	go func() { // searches still running on the old index finish first
		time.Sleep(5 * time.Second)
		_ = (*old).Close()
	}()
}

// storedDoc rebuilds an indexed document from its stored fields.
func storedDoc(d index.Document) doc {
	var out doc
	d.VisitFields(func(f index.Field) {
		v := string(f.Value())
		switch f.Name() {
		case "title":
			out.Title = v
		case "summary":
			out.Summary = v
		case "keyTakeaways":
			out.KeyTakeaways = v
		case "sections":
			out.Sections = v
		case "topics":
			out.Topics = append(out.Topics, v)
		}
	})
	t := make([]string, len(out.Topics))
	for i, v := range out.Topics {
		t[i] = strings.ReplaceAll(v, "-", " ")
	}
	out.TopicText = strings.Join(t, "\n")
	return out
}

// Len returns how many articles are indexed.
func (x *Index) Len() int {
	n, _ := (*x.cur.Load()).DocCount()
	return int(n)
}

var (
	tagRE   = regexp.MustCompile(`<[^>]*>`)
	spaceRE = regexp.MustCompile(`[ \t]+`)
)

// plain turns sanitized HTML into its text.
func plain(h string) string {
	return strings.TrimSpace(spaceRE.ReplaceAllString(html.UnescapeString(tagRE.ReplaceAllString(h, " ")), " "))
}

func toDoc(s *delivery.Snapshot) doc {
	var sec strings.Builder
	for _, x := range s.Sections {
		if x.Heading != "" {
			sec.WriteString(x.Heading)
			sec.WriteString("\n")
		}
		sec.WriteString(plain(x.HTML))
		sec.WriteString("\n\n")
	}
	topicText := make([]string, len(s.Topics))
	for i, t := range s.Topics {
		topicText[i] = strings.ReplaceAll(t, "-", " ")
	}
	return doc{Title: s.Title, Summary: s.Summary, KeyTakeaways: strings.Join(s.KeyTakeaways, "\n"),
		Sections: sec.String(), TopicText: strings.Join(topicText, "\n"), Topics: s.Topics}
}

// Query is one search.
type Query struct {
	Q           string
	Topic       string
	Page, Limit int
}

// Hit is one article found, with its list view and highlighted
// snippets (HTML: the text escaped, the matched terms in <mark>).
type Hit struct {
	delivery.Summary
	Score      float64             `json:"score"`
	Highlights map[string][]string `json:"highlights"`
}

// TopicCount is one facet value.
type TopicCount struct {
	Topic string `json:"topic"`
	Count int    `json:"count"`
}

// Result is the answer of GET /api/v1/search.
type Result struct {
	Items  []Hit  `json:"items"`
	Query  string `json:"q"`
	Topic  string `json:"topic,omitempty"`
	Page   int    `json:"page"`
	Limit  int    `json:"limit"`
	Total  int    `json:"total"`
	Facets struct {
		Topics []TopicCount `json:"topics"`
	} `json:"facets"`
}

// Search ranks the published articles matching q (every word optional,
// each field weighted), within topic when set.
func (x *Index) Search(in Query) (*Result, error) {
	ors := make([]query.Query, 0, len(fields))
	for _, f := range fields {
		m := bleve.NewMatchQuery(in.Q)
		m.SetField(f.name)
		m.SetBoost(f.boost)
		ors = append(ors, m)
	}
	var q query.Query = bleve.NewDisjunctionQuery(ors...)
	if in.Topic != "" {
		t := bleve.NewTermQuery(in.Topic)
		t.SetField("topics")
		q = bleve.NewConjunctionQuery(q, t)
	}
	req := bleve.NewSearchRequestOptions(q, in.Limit, (in.Page-1)*in.Limit, false)
	req.Highlight = bleve.NewHighlightWithStyle("html")
	req.Highlight.Fields = highlighted
	req.AddFacet("topics", bleve.NewFacetRequest("topics", 20))
	res, err := (*x.cur.Load()).Search(req)
	if err != nil {
		return nil, err
	}
	out := &Result{Items: make([]Hit, 0, len(res.Hits)), Query: in.Q, Topic: in.Topic, Page: in.Page, Limit: in.Limit, Total: int(res.Total)}
	out.Facets.Topics = []TopicCount{}
	x.imu.RLock()
	for _, h := range res.Hits {
		sum, ok := x.items[h.ID]
		if !ok {
			continue // removed between the search and now
		}
		hl := map[string][]string{}
		for _, f := range highlighted {
			for _, fr := range h.Fragments[f] {
				if strings.Contains(fr, "<mark>") { // bleve also returns fields without a match
					hl[f] = append(hl[f], fr)
				}
			}
		}
		out.Items = append(out.Items, Hit{Summary: sum, Score: h.Score, Highlights: hl})
	}
	x.imu.RUnlock()
	if fr := res.Facets["topics"]; fr != nil {
		for _, t := range fr.Terms.Terms() {
			out.Facets.Topics = append(out.Facets.Topics, TopicCount{Topic: t.Term, Count: t.Count})
		}
	}
	return out, nil
}
