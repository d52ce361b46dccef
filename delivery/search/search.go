// Package search is the delivery API's site search: an in-memory bleve
// index of the published articles only. The delivery read model feeds it
// (delivery.SearchIndex) from the same verified snapshots it serves, on
// every instance, so a draft's or an unpublished article's text is never
// indexed and a publish is searchable wherever it is served.
package search

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	zapx "github.com/blevesearch/zapx/v17"
	"github.com/golang/snappy"

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
// neither a start-up nor a publish should wait for).
//
// The index lives in a directory of its own (a temporary one per
// process, removed by Close): scorch then persists each batch's segment
// and merges segments in the background (its tiered merge policy), so a
// publish costs the same at 1,000 articles as at 10,000 and a search
// visits a few segments however many single publishes came before. An
// index without a directory never merges: every publish added a segment
// that every search visited, until a full rebuild of the catalogue.
// Nothing in the directory outlives the process: the read model indexes
// every live article again at start.
type Index struct {
	mapping mapping.IndexMapping
	idx     bleve.Index
	dir     string
	lock    *os.File

	mu     sync.Mutex
	cond   *sync.Cond
	queue  []op
	busy   bool
	closed bool

	imu   sync.RWMutex
	items map[string]*entry // article → its list view and text

	// gen counts the batches applied: facets computed at one generation
	// hold until the next.
	gen     atomic.Uint64
	fmu     sync.Mutex
	facets  map[facetKey]facetsAt
	counted atomic.Int64 // facet computations (tests)
}

type facetKey struct{ q, topic string }

type facetsAt struct {
	gen    uint64
	topics []TopicCount
}

// maxFacetQueries bounds the facet cache; when full it starts over.
const maxFacetQueries = 1024

type op struct {
	put     []*delivery.Snapshot
	entries []*entry // put[i]'s
	remove  string
}

// Scorch builds each batch into a zap segment whose buffer it pre-sizes as
// (the last segment's bytes per document) × (documents + 100): for the
// one-article batches a publish makes, that is a buffer a hundred times
// the segment, held until the segment is persisted (measured on an
// in-memory index: 100 single-article publishes held 101 MB of such
// buffers). Without the bump the estimate is the batch's own size.
func init() { zapx.NewSegmentBufferNumResultsBump = 0 }

// dirPrefix names the per-process index directories (under TMPDIR, or
// the directory given to NewIn).
const dirPrefix = "vetted-search-"

// New returns an empty index in a new directory under os.TempDir() and
// starts its worker. Close removes the directory.
func New() (*Index, error) { return NewIn("") }

// NewIn is New with the index directory created under parent ("" for
// os.TempDir()). Directories left there by processes that ended without
// Close (a crash, a kill) are removed first.
func NewIn(parent string) (*Index, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	sweep(parent)
	// Bleve keeps the terms only: no stored text and no term vectors
	// (snippets are cut from the index's own compact text, entry), so the
	// segments hold postings and norms, not a second copy of every article.
	text := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName // English: possessives, stop words, Porter stemming
		f.Store, f.IncludeTermVectors, f.IncludeInAll = false, false, false
		f.DocValues = false
		return f
	}
	dm := mapping.NewDocumentStaticMapping()
	for _, f := range fields {
		dm.AddFieldMappingsAt(f.name, text())
	}
	topics := mapping.NewKeywordFieldMapping()
	topics.Analyzer = keyword.Name
	topics.Store, topics.IncludeTermVectors, topics.IncludeInAll, topics.DocValues = false, false, false, true
	dm.AddFieldMappingsAt("topics", topics)

	im := mapping.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = en.AnalyzerName
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false

	dir, lock, err := lockedDir(parent)
	if err != nil {
		return nil, fmt.Errorf("search index: %w", err)
	}
	// unsafe_batch: a batch returns once it is searchable, not once it is
	// on disk (the files are a cache of what the read model holds).
	idx, err := bleve.NewUsing(filepath.Join(dir, "index"), im, scorch.Name, scorch.Name,
		map[string]interface{}{"unsafe_batch": true})
	if err != nil {
		_ = lock.Close()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("search index: %w", err)
	}
	x := &Index{mapping: im, idx: idx, dir: dir, lock: lock, items: map[string]*entry{}, facets: map[facetKey]facetsAt{}}
	x.cond = sync.NewCond(&x.mu)
	go x.work()
	return x, nil
}

// lockedDir creates a new index directory under parent and holds an
// exclusive lock on its lock file for as long as the process runs (or
// until Close): sweep knows a directory without a lock holder is left over.
func lockedDir(parent string) (string, *os.File, error) {
	dir, err := os.MkdirTemp(parent, dirPrefix)
	if err != nil {
		return "", nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err == nil {
		if err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			_ = f.Close()
		}
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, f, nil
}

// sweep removes index directories under parent that no process holds
// (their lock file can be locked) and that are more than a minute old (a
// directory another process is creating this instant is not yet locked).
func sweep(parent string) {
	ents, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), dirPrefix) {
			continue
		}
		if fi, err := e.Info(); err != nil || time.Since(fi.ModTime()) < time.Minute {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR, 0)
		if err != nil {
			continue // not ours, or not yet complete
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			_ = os.RemoveAll(dir) // no live process holds it
		}
		_ = f.Close()
	}
}

// Close stops the worker, closes the index and removes its directory.
// Changes enqueued afterwards are dropped; searches fail.
func (x *Index) Close() error {
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		return nil
	}
	for len(x.queue) > 0 || x.busy { // the batch being applied finishes first
		x.cond.Wait()
	}
	x.closed = true
	x.mu.Unlock()
	x.cond.Broadcast()
	err := x.idx.Close()
	if rerr := os.RemoveAll(x.dir); err == nil {
		err = rerr
	}
	_ = x.lock.Close()
	return err
}

// Dir is the index's directory (removed by Close).
func (x *Index) Dir() string { return x.dir }

// Put indexes (or re-indexes) a published article (delivery.SearchIndex).
func (x *Index) Put(s *delivery.Snapshot) error { return x.PutAll([]*delivery.Snapshot{s}) }

// PutAll indexes published articles (delivery.SearchIndex).
func (x *Index) PutAll(ss []*delivery.Snapshot) error {
	es := make([]*entry, len(ss))
	for i, s := range ss { // outside the lock: searches go on meanwhile
		es[i] = newEntry(s, sectionsText(s))
	}
	x.imu.Lock()
	for i, s := range ss {
		x.items[s.ID] = es[i]
	}
	x.imu.Unlock()
	x.enqueue(op{put: ss, entries: es})
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
	if !x.closed {
		x.queue = append(x.queue, o)
	}
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
		for len(x.queue) == 0 && !x.closed {
			x.cond.Wait()
		}
		if x.closed {
			x.mu.Unlock()
			return
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

// apply indexes a run of changes as one batch (one segment; a large
// start-up load in several).
func (x *Index) apply(ops []op) {
	b := x.idx.NewBatch()
	for _, o := range ops {
		for i, s := range o.put {
			// The sections' text again from the entry (decoded in µs), not
			// kept as text for the whole queue: a start-up enqueues 1,000.
			sections, _ := snappy.Decode(nil, o.entries[i].sections)
			_ = b.Index(s.ID, toDoc(s, string(sections)))
			if b.Size() >= batchDocs {
				x.batch(b)
				b = x.idx.NewBatch()
			}
		}
		if o.remove != "" {
			b.Delete(o.remove)
		}
	}
	x.batch(b)
}

func (x *Index) batch(b *bleve.Batch) {
	if b.Size() == 0 {
		return
	}
	defer x.gen.Add(1)
	if err := x.idx.Batch(b); err != nil {
		// Only a closed index or a full disk gets here; the article stays
		// served, only unsearchable.
		slog.Error("search: batch not indexed", "articles", b.Size(), "err", err.Error())
	}
}

// batchDocs bounds one batch (one segment): its analysis is held in
// memory until it is indexed, so a start-up's 1,000 articles go in as ten
// segments that the background merges join (TestBulkIndexingPeak: the
// heap peaked 108 MB above what the index keeps with batches of 2,000,
// 35 MB with 250, 21 MB with 100; vetted's RSS peak at start-up over
// 1,000 seed articles: 228, 182 and 167 MiB).
const batchDocs = 100

// Segments returns how many segments a search visits now.
func (x *Index) Segments() int {
	st, _ := x.idx.StatsMap()["index"].(map[string]interface{})
	n, _ := st["TotFileSegmentsAtRoot"].(uint64)
	m, _ := st["TotMemorySegmentsAtRoot"].(uint64)
	return int(n + m)
}

// Len returns how many articles are indexed.
func (x *Index) Len() int {
	n, _ := x.idx.DocCount()
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

// sectionsText is the text of an article's sections: each heading on a
// line of its own, then its text.
func sectionsText(s *delivery.Snapshot) string {
	var sec strings.Builder
	for _, x := range s.Sections {
		if x.Heading != "" {
			sec.WriteString(x.Heading)
			sec.WriteString("\n")
		}
		sec.WriteString(plain(x.HTML))
		sec.WriteString("\n\n")
	}
	return sec.String()
}

func toDoc(s *delivery.Snapshot, sections string) doc {
	topicText := make([]string, len(s.Topics))
	for i, t := range s.Topics {
		topicText[i] = strings.ReplaceAll(t, "-", " ")
	}
	return doc{Title: s.Title, Summary: s.Summary, KeyTakeaways: strings.Join(s.KeyTakeaways, "\n"),
		Sections: sections, TopicText: strings.Join(topicText, "\n"), Topics: s.Topics}
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
	sum        []byte              // Summary's JSON (AppendJSON), when known
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
//
// The ranking and the facets come from bleve, without term locations
// (its highlighter needs them, and it would decode them for every match,
// ~1,000 for a common word, to keep 20); the snippets are then cut from
// the page's hits only (snippets).
func (x *Index) Search(in Query) (*Result, error) {
	ors := make([]query.Query, 0, len(fields))
	for _, f := range fields {
		m := bleve.NewMatchQuery(in.Q)
		m.SetField(f.name)
		m.SetBoost(f.boost)
		ors = append(ors, m)
	}
	text := bleve.NewDisjunctionQuery(ors...)
	var q query.Query = text
	if in.Topic != "" {
		t := bleve.NewTermQuery(in.Topic)
		t.SetField("topics")
		q = bleve.NewConjunctionQuery(text, t)
	}
	req := bleve.NewSearchRequestOptions(q, in.Limit, (in.Page-1)*in.Limit, false)
	// Facets depend on the query and the index only: counted once per
	// query until the index changes (the next page, the same popular
	// query), not at every search (they visit every match's topics).
	key, gen := facetKey{in.Q, in.Topic}, x.gen.Load()
	x.fmu.Lock()
	cached, ok := x.facets[key]
	x.fmu.Unlock()
	ok = ok && cached.gen == gen
	if !ok {
		req.AddFacet("topics", bleve.NewFacetRequest("topics", 20))
	}
	res, err := x.idx.Search(req)
	if err != nil {
		return nil, err
	}
	out := &Result{Items: make([]Hit, 0, len(res.Hits)), Query: in.Q, Topic: in.Topic, Page: in.Page, Limit: in.Limit, Total: int(res.Total)}
	out.Facets.Topics = []TopicCount{}
	es := make([]*entry, len(res.Hits))
	x.imu.RLock()
	for i, h := range res.Hits {
		es[i] = x.items[h.ID] // nil: removed between the search and now
	}
	x.imu.RUnlock()
	if len(es) > 0 {
		sn := snippers.Get().(*snipper)
		sn.m = x.newMatcher(in.Q)
		for i, h := range res.Hits {
			if e := es[i]; e != nil {
				out.Items = append(out.Items, Hit{Summary: e.sum, sum: e.sumJSON, Score: h.Score, Highlights: sn.highlights(e)})
			}
		}
		sn.m = nil
		snippers.Put(sn)
	}
	if ok {
		out.Facets.Topics = cached.topics
		return out, nil
	}
	if fr := res.Facets["topics"]; fr != nil {
		for _, t := range fr.Terms.Terms() {
			out.Facets.Topics = append(out.Facets.Topics, TopicCount{Topic: t.Term, Count: t.Count})
		}
	}
	x.counted.Add(1)
	x.fmu.Lock()
	if len(x.facets) >= maxFacetQueries {
		clear(x.facets)
	}
	x.facets[key] = facetsAt{gen: gen, topics: out.Facets.Topics}
	x.fmu.Unlock()
	return out, nil
}

// entry is what the index keeps of one article besides its terms: its
// list view (and that view's JSON), and the text snippets are cut from,
// the short fields as they are and the sections snappy-compressed (seed
// articles: ~9.6 KB of section text kept in ~3.5 KB). Bleve stores no
// text: loading a hit's stored fields from a segment cost more than the
// whole snippet, and kept a second copy of every article in the index.
type entry struct {
	sum      delivery.Summary
	sumJSON  []byte
	short    [3]string // title, summary, key takeaways (highlighted order)
	sections []byte    // snappy
	ascii    uint8     // bit i: highlighted[i]'s text is ASCII
}

func newEntry(s *delivery.Snapshot, sections string) *entry {
	e := &entry{sum: s.Summarize(), short: [3]string{s.Title, s.Summary, strings.Join(s.KeyTakeaways, "\n")},
		sections: bytes.Clone(snappy.Encode(nil, []byte(sections)))} // Encode's buffer is its worst case, ~1.2× the text
	e.sumJSON, _ = json.Marshal(e.sum) // a Summary always encodes
	for i, t := range append(e.short[:], sections) {
		if ascii(t) {
			e.ascii |= 1 << i
		}
	}
	return e
}

// snippers keep snippers' buffers from one search to the next.
var snippers = sync.Pool{New: func() any { return new(snipper) }}

// snipper cuts one search's snippets, reusing its buffers from hit to hit.
type snipper struct {
	m     *matcher
	spans []span
	buf   []byte // a hit's decoded sections
}

// highlights are an entry's snippets for the query: field → fragments.
// Each field's text is scanned for the words the English analyzer
// reduces to one of the query's terms (a word is analyzed only when it
// starts like one of them), and a snippet is cut around the densest run
// of matches. Term locations from the index would cost more: bleve
// decodes them for every posting it steps over, nearly all of a common
// word's, to reach the page's 20.
func (sn *snipper) highlights(e *entry) map[string][]string {
	hl := map[string][]string{}
	if sn.m == nil || len(sn.m.terms) == 0 {
		return hl
	}
	for i, f := range highlighted {
		var text string
		if i < len(e.short) {
			text = e.short[i]
		} else {
			n, err := snappy.DecodedLen(e.sections)
			if err != nil {
				continue
			}
			if cap(sn.buf) < n {
				sn.buf = make([]byte, n)
			}
			b, err := snappy.Decode(sn.buf[:n], e.sections)
			if err != nil {
				continue
			}
			// The buffer is the next hit's: nothing kept may point into it
			// (matcher.match copies the words it remembers; snippet
			// builds a new string).
			text = unsafe.String(unsafe.SliceData(b), len(b))
		}
		if sn.spans = sn.m.find(text, e.ascii&(1<<i) != 0, sn.spans[:0]); len(sn.spans) > 0 {
			hl[f] = []string{snippet(text, sn.spans)}
		}
	}
	return hl
}

// matcher finds the words of a text that match a query's terms.
type matcher struct {
	an       analysis.Analyzer
	terms    map[string]bool
	prefixes []string        // the first runes of each term, lower case
	variants []string        // each prefix lower case, capitalized and upper case (once each)
	seen     map[string]bool // word (lower case) → matches; words repeat
}

func (x *Index) newMatcher(q string) *matcher {
	m := &matcher{an: x.mapping.AnalyzerNamed(en.AnalyzerName), terms: map[string]bool{}, seen: map[string]bool{}}
	for _, t := range m.an.Analyze([]byte(q)) {
		term := string(t.Term)
		if m.terms[term] {
			continue
		}
		m.terms[term] = true
		// Porter stemming rewrites a word's end only ("happy" → "happi",
		// "say" → "sai"): a word matching the term starts with the term's
		// first runes, all but its last, at most three.
		n := min(max(utf8.RuneCountInString(term)-1, 1), 3)
		end := 0
		for k := 0; k < n; k++ {
			_, w := utf8.DecodeRuneInString(term[end:])
			end += w
		}
		p := term[:end]
		m.prefixes = append(m.prefixes, p)
		for _, v := range []string{p, strings.ToUpper(p[:1]) + p[1:], strings.ToUpper(p)} {
			if !slices.Contains(m.variants, v) {
				m.variants = append(m.variants, v)
			}
		}
	}
	return m
}

// find appends the byte spans of text's words that match (unsorted).
// ASCII text (isASCII: known when the article was indexed) is searched
// for each prefix variant (strings.Index: vector instructions skip to
// the prefix's first byte); a word in mixed case, "sLeep", is not marked.
// One pass over the text for all the terms at once, a table lookup per
// byte, was slower on seed articles: 205 against 150 µs for the 19
// queries of bench/search.lua over one article's sections.
func (m *matcher) find(text string, isASCII bool, out []span) []span {
	if !isASCII {
		return m.findWords(text, out)
	}
	for _, pv := range m.variants {
		for k := 0; k < len(text); {
			i := strings.Index(text[k:], pv)
			if i < 0 {
				break
			}
			i += k
			j := i + len(pv)
			k = j
			if i > 0 && asciiWord(text[i-1]) {
				continue // inside a word
			}
			for j < len(text) && (asciiWord(text[j]) || text[j] == '\'') {
				j++
			}
			for j > i && text[j-1] == '\'' {
				j--
			}
			k = j
			if m.match(strings.ToLower(text[i:j])) {
				out = append(out, span{i, j})
			}
		}
	}
	return out
}

// findWords is find over text that is not ASCII: every word is looked at.
func (m *matcher) findWords(text string, out []span) []span {
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !wordRune(r) {
			i += n
			continue
		}
		j := i + n
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if !wordRune(r) && r != '\'' && r != '’' {
				break
			}
			j += n
		}
		w := strings.TrimRight(text[i:j], "'’")
		if m.candidate(w) && m.match(strings.ToLower(w)) {
			out = append(out, span{i, i + len(w)})
		}
		i = j
	}
	return out
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func asciiWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func wordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// candidate: w starts like one of the terms (case-insensitively).
func (m *matcher) candidate(w string) bool {
	for _, p := range m.prefixes {
		if len(w) >= len(p) && strings.EqualFold(w[:len(p)], p) {
			return true
		}
	}
	return false
}

// match: the analyzer reduces w (lower case) to one of the terms.
func (m *matcher) match(w string) bool {
	if ok, seen := m.seen[w]; seen {
		return ok
	}
	ok := false
	for _, t := range m.an.Analyze([]byte(w)) {
		if m.terms[string(t.Term)] {
			ok = true
		}
	}
	m.seen[strings.Clone(w)] = ok // w may point into a reused buffer
	return ok
}

// span is one match: byte offsets in a field's stored text.
type span struct{ start, end int }

// snippetSize is about how many bytes of text a snippet shows.
const snippetSize = 200

// snippet cuts about snippetSize bytes of text around the window holding
// the most matches, escapes it as HTML and wraps each match in <mark>; an
// ellipsis marks text cut at either end.
func snippet(text string, spans []span) string {
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	keep := spans[:0] // drop overlaps (one word matched by several terms)
	for _, s := range spans {
		if len(keep) == 0 || s.start >= keep[len(keep)-1].end {
			keep = append(keep, s)
		}
	}
	spans = keep
	bi, bj := 0, 1 // the densest window: spans[bi:bj]
	for i, j := 0, 0; i < len(spans); i++ {
		if j < i+1 {
			j = i + 1
		}
		for j < len(spans) && spans[j].end-spans[i].start <= snippetSize {
			j++
		}
		if j-i > bj-bi {
			bi, bj = i, j
		}
	}
	first, last := spans[bi].start, spans[bj-1].end
	from := max(0, first-(snippetSize-(last-first))/2)
	to := min(len(text), max(last, from+snippetSize))
	if from > 0 { // start after a space, not inside a word
		if k := strings.IndexAny(text[from:first], " \n"); k >= 0 {
			from += k + 1
		} else {
			for from < first && !utf8.RuneStart(text[from]) {
				from++
			}
		}
	}
	if to < len(text) { // end before a space
		if k := strings.LastIndexAny(text[last:to], " \n"); k >= 0 {
			to = last + k
		} else {
			for to > last && !utf8.RuneStart(text[to]) {
				to--
			}
		}
	}
	var b strings.Builder
	b.Grow(to - from + 64)
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, s := range spans[bi:bj] {
		b.WriteString(html.EscapeString(text[at:s.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[s.start:s.end]))
		b.WriteString("</mark>")
		at = s.end
	}
	b.WriteString(html.EscapeString(strings.TrimRight(text[at:to], " \n")))
	if to < len(text) {
		b.WriteString("…")
	}
	return strings.TrimSpace(b.String())
}
