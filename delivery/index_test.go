package delivery

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/models"
)

// testBase is a live article as the read model holds it after a build.
func testBase(id, slug string, related, topics []string, first time.Time, rev int64) *base {
	s := &Snapshot{ID: id, Slug: slug, Title: "About " + slug, Summary: "What " + slug + " is.",
		Sections: []Section{{Heading: "Why", Body: "Because " + slug + "."}}, Topics: topics, RelatedSlugs: related,
		Rev: rev, ContentHash: fmt.Sprintf("%064d", rev), FirstPublishedAt: first, PublishedAt: first, UpdatedAt: first.Add(time.Duration(rev) * time.Minute)}
	return &base{snap: s, liveKey: fmt.Sprintf("%s:%d", slug, rev), version: rev}
}

// indexState is everything an index serves, by ids and bytes.
func indexState(m *ReadModel) string {
	ix := m.cur.Load()
	var b strings.Builder
	keys := func(n int, f func(func(string))) []string {
		out := make([]string, 0, n)
		f(func(k string) { out = append(out, k) })
		slices.Sort(out)
		return out
	}
	for _, k := range keys(len(ix.bySlug), func(add func(string)) {
		for k := range ix.bySlug {
			add(k)
		}
	}) {
		e := ix.bySlug[k]
		fmt.Fprintf(&b, "slug %s %s %s %s\n", k, e.ArticleID, e.ETag, e.JSON)
		if ix.byID[e.ArticleID] != e {
			fmt.Fprintf(&b, "byID of %s is another entry\n", e.ArticleID)
		}
	}
	fmt.Fprintf(&b, "byID %d\n", len(ix.byID))
	for _, k := range keys(len(ix.moved), func(add func(string)) {
		for k := range ix.moved {
			add(k)
		}
	}) {
		fmt.Fprintf(&b, "moved %s→%s\n", k, ix.moved[k])
	}
	for _, k := range keys(len(ix.gone), func(add func(string)) {
		for k := range ix.gone {
			add(k)
		}
	}) {
		fmt.Fprintf(&b, "gone %s\n", k)
	}
	for _, e := range ix.list {
		fmt.Fprintf(&b, "list %s\n", e.ArticleID)
	}
	for _, t := range keys(len(ix.byTopic), func(add func(string)) {
		for k := range ix.byTopic {
			add(k)
		}
	}) {
		for _, e := range ix.byTopic[t] {
			fmt.Fprintf(&b, "topic %s %s\n", t, e.ArticleID)
		}
	}
	fmt.Fprintf(&b, "topics %s\nfirst %s\n", ix.topics.JSON, ix.first.JSON)
	return b.String()
}

// TestIncrementalIndexMatchesRebuild: after every one of many random
// publishes, slug changes, re-publishes and unpublishes (related lists
// naming live, moved, unpublished and unknown slugs), the index a single
// change produced serves exactly what a rebuild from every base serves,
// and the projection documents the change marked are all that differ
// from what was written.
func TestIncrementalIndexMatchesRebuild(t *testing.T) {
	m := New(nil, nil, nil, Options{})
	rng := rand.New(rand.NewPCG(13, 1))
	const articles = 40
	slugPool := func() string { return fmt.Sprintf("s%d", rng.IntN(70)) }
	topics := []string{"sleep", "mood", "heart", "skin"}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rev := int64(0)
	persistAll := func() {
		for _, d := range m.projectionWritesLocked() {
			m.persisted[d.Slug] = persistedKey(d.State, d.ETag, d.Sig)
		}
	}
	for step := range 600 {
		id := fmt.Sprintf("a%02d", rng.IntN(articles))
		m.mu.Lock()
		old := m.bases[id]
		switch {
		case old != nil && rng.IntN(4) == 0:
			m.setLocked(id, nil) // unpublished
		default:
			slug := ""
			if old != nil && rng.IntN(3) > 0 {
				slug = old.snap.Slug // a correction under the same slug
			} else {
				// a new slug, never another live article's current one;
				// it may be one this article or another had before
				for slug == "" || m.cur.Load().bySlug[slug] != nil && m.cur.Load().bySlug[slug].ArticleID != id {
					slug = slugPool()
				}
			}
			var related []string
			for range rng.IntN(4) {
				related = append(related, slugPool())
			}
			first := t0.Add(time.Duration(rng.IntN(50)) * time.Hour) // ties happen: ordered by id
			if old != nil {
				first = old.snap.FirstPublishedAt
			}
			rev++
			m.setLocked(id, testBase(id, slug, related, []string{topics[rng.IntN(4)], topics[rng.IntN(4)]}[:1+rng.IntN(2)], first, rev))
		}
		inc := indexState(m)
		persistAll()
		m.rebuildLocked()
		full := indexState(m)
		stale := m.projectionWritesLocked() // every slug: the rebuild marked them all
		m.mu.Unlock()
		if inc != full {
			t.Fatalf("step %d: the incremental index differs from a rebuild:\n%s", step, firstDiff(inc, full))
		}
		if len(stale) > 0 {
			t.Fatalf("step %d: %d projection documents were not marked for writing (first: %s %s)", step, len(stale), stale[0].Slug, stale[0].State)
		}
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("incremental: %.300s\nrebuilt:     %.300s", al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines against %d", len(al), len(bl))
}

// TestPublishCostIsItsOwn: with 2,000 live articles, publishing one more
// (naming two related articles) looks at one entry and encodes one; a
// re-publish of an article two others name as related re-encodes those
// two and no other; the projection writes are those articles' documents.
func TestPublishCostIsItsOwn(t *testing.T) {
	m := New(nil, nil, nil, Options{})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 2000
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range n {
		var related []string
		if i >= 2 {
			related = []string{fmt.Sprintf("s%d", i-1), fmt.Sprintf("s%d", i-2)}
		}
		id := fmt.Sprintf("a%d", i)
		m.bases[id] = testBase(id, fmt.Sprintf("s%d", i), related, []string{"sleep"}, t0.Add(time.Duration(i)*time.Minute), int64(i+1))
		m.history[fmt.Sprintf("s%d", i)] = id
	}
	m.rebuildLocked()
	for _, d := range m.projectionWritesLocked() {
		m.persisted[d.Slug] = persistedKey(d.State, d.ETag, d.Sig)
	}
	cost := func(what string, id string, b *base, examined, encoded, written int) {
		t.Helper()
		x, e := m.examined, m.encoded.Load()
		m.setLocked(id, b)
		docs := m.projectionWritesLocked()
		if m.examined-x != examined || int(m.encoded.Load()-e) != encoded || len(docs) != written {
			t.Errorf("%s at %d live: %d entries looked at, %d encoded, %d projection documents; want %d, %d, %d",
				what, len(m.bases), m.examined-x, m.encoded.Load()-e, len(docs), examined, encoded, written)
		}
		for _, d := range docs {
			m.persisted[d.Slug] = persistedKey(d.State, d.ETag, d.Sig)
		}
	}
	cost("a new article", "new", testBase("new", "new", []string{"s5", "s6"}, []string{"sleep"}, t0.Add(-time.Hour), 9000), 1, 1, 1)
	// s1000 is named by a1001 and a1002.
	cost("a correction named by two", "a1000", testBase("a1000", "s1000", nil, []string{"mood"}, t0.Add(1000*time.Minute), 9001), 3, 3, 3)
	cost("an unpublish named by two", "a1000", nil, 3, 2, 3)
	// one new, one gone: n listed, all in sleep (a1000 had moved to mood)
	if got := m.cur.Load(); len(got.list) != n || len(got.byTopic["sleep"]) != n || got.gone["s1000"] != true {
		t.Errorf("after the changes: %d listed, %d in sleep, s1000 gone %v", len(got.list), len(got.byTopic["sleep"]), got.gone["s1000"])
	}
}

// BenchmarkPublishIndexUpdate: one publish's update of the read model's
// index (a correction of an article two others name as related) at
// 1,000 and 10,000 live articles. It should cost about the same.
func BenchmarkPublishIndexUpdate(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := New(nil, nil, nil, Options{})
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			m.mu.Lock()
			defer m.mu.Unlock()
			topics := []string{"sleep", "mood", "heart", "skin", "diet", "exercise"}
			for i := range n {
				var related []string
				if i >= 2 {
					related = []string{fmt.Sprintf("s%d", i-1), fmt.Sprintf("s%d", i-2)}
				}
				id := fmt.Sprintf("a%d", i)
				m.bases[id] = testBase(id, fmt.Sprintf("s%d", i), related, topics[i%len(topics):i%len(topics)+1], t0.Add(time.Duration(i)*time.Minute), int64(i+1))
				m.history[fmt.Sprintf("s%d", i)] = id
			}
			m.rebuildLocked()
			m.projectionWritesLocked()
			id, slug := fmt.Sprintf("a%d", n/2), fmt.Sprintf("s%d", n/2)
			rel := m.bases[id].snap.RelatedSlugs
			b.ResetTimer()
			for i := range b.N {
				m.setLocked(id, testBase(id, slug, rel, []string{"sleep"}, t0.Add(time.Duration(n/2)*time.Minute), int64(n+i+1)))
				m.projectionWritesLocked()
			}
		})
	}
}

// TestDocGzipIsCompact: a document's gzip is held at its own size for as
// long as the article is live, not in the doubling buffer it was written
// to (that held twice the bytes at 1,000 published).
func TestDocGzipIsCompact(t *testing.T) {
	body := []byte(strings.Repeat(`{"title":"Sleep and worry","body":"steady breathing, a calm routine"}`, 300))
	d := newDoc(body, "t-")
	if len(d.Gzip) == 0 || cap(d.Gzip) != len(d.Gzip) {
		t.Errorf("gzip of %d bytes held in %d", len(d.Gzip), cap(d.Gzip))
	}
	if got, err := gunzip(d.Gzip); err != nil || string(got) != string(body) {
		t.Errorf("gzip does not uncompress to the body: %v", err)
	}
}

// TestPreloadedIsNotKept: once Load took the preloaded cache, the
// Preloaded (cmd/vetted holds it until the read model is loaded) keeps
// none of its records or decoded metadata: at 9,979 published those were
// tens of MB of heap kept for nothing.
func TestPreloadedIsNotKept(t *testing.T) {
	dir := t.TempDir()
	recs := []cacheRecord{{PublishedDoc: models.PublishedDoc{Slug: "kept", ArticleID: "a1", State: models.SlugLive, Meta: `{"slug":"kept"}`, Gzip: []byte{1}}, JSON: []byte(`{}`)}}
	if err := os.WriteFile(filepath.Join(dir, cacheFile), encodeCache(recs), 0o600); err != nil {
		t.Fatal(err)
	}
	p := PreloadCache(dir)
	m := &ReadModel{cacheDir: dir, preloaded: p, log: slog.New(slog.DiscardHandler)}
	got, metas := m.readCache()
	if len(got) != 1 || len(metas) != 1 || metas[0] == nil || metas[0].Slug != "kept" {
		t.Fatalf("read %d records, metas %v", len(got), metas)
	}
	if p.recs != nil || p.metas != nil || m.preloaded != nil {
		t.Errorf("after Load took it, the preload still holds %d records and %d metas", len(p.recs), len(p.metas))
	}
}

// TestPersistedKeyTellsDocumentsApart: the projection key differs when
// any of state, ETag and signature differs, also when the same bytes are
// split differently between them, and costs no heap allocation.
func TestPersistedKeyTellsDocumentsApart(t *testing.T) {
	base := persistedKey(models.SlugLive, `"e1"`, "a=1;#d")
	for _, k := range []projKey{
		persistedKey(models.SlugMoved, `"e1"`, "a=1;#d"),
		persistedKey(models.SlugLive, `"e2"`, "a=1;#d"),
		persistedKey(models.SlugLive, `"e1"`, "a=1;#e"),
		persistedKey(models.SlugLive, `"e1"a`, "=1;#d"),
	} {
		if k == base {
			t.Errorf("two different documents share the key %x", k)
		}
	}
	if persistedKey(models.SlugLive, `"e1"`, "a=1;#d") != base || persistedKey(models.SlugLive, `"e1"`, "a=1;", sigSep, "d") != base {
		t.Error("the same document has two keys")
	}
	e := &Entry{relatedSig: "a=1;", decSig: "d", Doc: &Doc{ETag: `"e1"`}}
	d := models.PublishedDoc{State: models.SlugLive, ETag: `"e1"`}
	if persistedKeyOf(&d, e) != persistedKey(d.State, d.ETag, entrySig(e.relatedSig, e.decSig)) {
		t.Error("persistedKeyOf differs from the key of the signed document")
	}
	sig := strings.Repeat("bench-article-1=1|c5648874|sig_83674|1795942150729;", 16)
	if n := testing.AllocsPerRun(100, func() { _ = persistedKey(models.SlugLive, `"e1"`, sig) }); n != 0 {
		t.Errorf("persistedKey allocates %.0f times", n)
	}
}

// TestLiveKeyFormat: the live key is the one the start-up caches and
// projection documents written before hold (rev|hash|signature|slug|
// published[|reviewed][|due][|f first][|t take]); a new spelling would
// rebuild every document at the first start after an upgrade.
func TestLiveKeyFormat(t *testing.T) {
	at := func(ms int64) *time.Time { v := time.UnixMilli(ms).UTC(); return &v }
	a := &models.Article{Live: &models.Live{Rev: 3, ContentHash: "c0ffee", Signature: models.Signature{ID: "sig_1"}, Slug: "calm", PublishedAt: *at(1795942151575)}}
	if got := liveKey(a); got != "3|c0ffee|sig_1|calm|1795942151575" {
		t.Errorf("live key %q", got)
	}
	a.LastReviewed, a.NextReviewDue, a.FirstPublishedAt = at(1795942151349), at(1827478151349), at(1795942150000)
	a.TakeSignatures = []models.Signature{{ID: "sig_0"}, {ID: "sig_2"}}
	if got := liveKey(a); got != "3|c0ffee|sig_1|calm|1795942151575|1795942151349|1827478151349|f1795942150000|tsig_2" {
		t.Errorf("live key %q", got)
	}
}

// TestDecodeMetaIsEncodingJSON: the start-up cache's metadata decoder
// (go-json) gives what encoding/json gives for a snapshot with every
// field set, and for one with none.
func TestDecodeMetaIsEncodingJSON(t *testing.T) {
	n := 0
	var fill func(v reflect.Value, depth int)
	fill = func(v reflect.Value, depth int) {
		n++
		switch v.Kind() {
		case reflect.String:
			v.SetString(fmt.Sprintf("s%d <&> \"q\" é", n))
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int, reflect.Int64, reflect.Int32:
			v.SetInt(int64(n))
		case reflect.Float64:
			v.SetFloat(float64(n) / 4)
		case reflect.Pointer:
			if depth < 6 {
				v.Set(reflect.New(v.Type().Elem()))
				fill(v.Elem(), depth+1)
			}
		case reflect.Slice:
			if depth < 6 {
				v.Set(reflect.MakeSlice(v.Type(), 2, 2))
				for i := range 2 {
					fill(v.Index(i), depth+1)
				}
			}
		case reflect.Map:
			if depth < 6 && v.Type().Key().Kind() == reflect.String {
				v.Set(reflect.MakeMap(v.Type()))
				e := reflect.New(v.Type().Elem()).Elem()
				fill(e, depth+1)
				v.SetMapIndex(reflect.ValueOf(fmt.Sprint("k", n)).Convert(v.Type().Key()), e)
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeOf(time.Time{}) {
				v.Set(reflect.ValueOf(time.UnixMilli(1795942151575 + int64(n)).UTC()))
				return
			}
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					fill(v.Field(i), depth+1)
				}
			}
		}
	}
	var full Snapshot
	fill(reflect.ValueOf(&full).Elem(), 0)
	for _, s := range []Snapshot{full, {}} {
		b, err := json.Marshal(&s)
		if err != nil {
			t.Fatal(err)
		}
		var std, got Snapshot
		if err := json.Unmarshal(b, &std); err != nil {
			t.Fatal(err)
		}
		if err := decodeMeta(b, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(std, got) {
			t.Errorf("decodeMeta differs from encoding/json for %s", b)
		}
	}
	if n < 50 {
		t.Fatalf("only %d values filled: the snapshot type was not walked", n)
	}
}
