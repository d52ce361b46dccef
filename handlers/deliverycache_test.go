package handlers

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
)

// loadCounter counts full reads of the `published` projection.
type loadCounter struct {
	*mongostore.DeliveryStore
	mu    sync.Mutex
	loads int
}

func (c *loadCounter) PublishedAll(ctx context.Context) ([]models.PublishedDoc, error) {
	c.mu.Lock()
	c.loads++
	c.mu.Unlock()
	return c.DeliveryStore.PublishedAll(ctx)
}

// TestStartupCacheNeverServesStale: a restart with the delivery start-up
// cache reads that one file instead of the whole projection and serves
// the same bytes; once articles changed after the cache was written (a
// correction, an unpublish, a new article) it serves what the log says
// is live, never the cached old version; a corrupt or truncated cache
// is ignored.
func TestStartupCacheNeverServesStale(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	ctx := d.ctx
	dir := t.TempDir()
	d.publish(anArticle().slug("cache-kept").title("Kept as cached"))
	corrected := d.publish(anArticle().slug("cache-corrected").title("Before the correction"))
	withdrawn := d.publish(anArticle().slug("cache-withdrawn").title("Withdrawn later"))
	served := d.get("/api/v1/articles/cache-kept", nil)
	if served.Code != http.StatusOK {
		t.Fatalf("served: %d", served.Code)
	}
	loadWith := func(pre *delivery.Preloaded) (*delivery.ReadModel, *loadCounter) {
		t.Helper()
		proj := &loadCounter{DeliveryStore: d.Store}
		m := delivery.New(d.Articles, d.Svc.Users, proj, delivery.Options{CacheDir: dir, Preloaded: pre, Settings: mongostore.NewSettingsStore(d.DB)})
		if err := m.Load(ctx); err != nil {
			t.Fatal(err)
		}
		return m, proj
	}
	load := func() (*delivery.ReadModel, *loadCounter) { t.Helper(); return loadWith(nil) }
	first, proj := load()
	if proj.loads != 1 || !first.CacheStale() {
		t.Fatalf("without a cache: %d projection reads, stale %v", proj.loads, first.CacheStale())
	}
	if err := first.SaveCache(); err != nil {
		t.Fatal(err)
	}

	m, proj := load()
	if proj.loads != 0 || m.CacheStale() {
		t.Errorf("with a current cache: %d full projection reads, stale %v; want 0, false", proj.loads, m.CacheStale())
	}
	e, _, kind := m.Lookup(ctx, "cache-kept")
	if kind != delivery.Found || string(e.JSON) != served.Body.String() || e.ETag != served.Header().Get("ETag") {
		t.Fatalf("from the cache: kind %d, same bytes %v", kind, kind == delivery.Found && string(e.JSON) == served.Body.String())
	}

	// After the cache was written: a correction, an unpublish, a new
	// article (the cache is not written again).
	cur := d.getArticle(corrected.ID)
	if r := d.updateArticle(asWriter, corrected.ID, cur.Version, anArticle().slug("cache-corrected").title("After the correction")); r.Code != http.StatusOK {
		t.Fatalf("correct: %d %s", r.Code, r.Body)
	}
	d.to(corrected.ID, "published")
	d.act(asEditor, withdrawn.ID, "unpublish")
	d.publish(anArticle().slug("cache-new").title("Published after the cache"))

	check := func(m *delivery.ReadModel, when string) {
		t.Helper()
		if e, _, kind := m.Lookup(ctx, "cache-corrected"); kind != delivery.Found || !strings.Contains(string(e.JSON), "After the correction") || strings.Contains(string(e.JSON), "Before the correction") {
			t.Errorf("%s: the corrected article: kind %d %.120s", when, kind, func() string {
				if e != nil {
					return string(e.JSON)
				}
				return ""
			}())
		}
		if _, _, kind := m.Lookup(ctx, "cache-withdrawn"); kind != delivery.Gone {
			t.Errorf("%s: the unpublished article answers kind %d, want Gone", when, kind)
		}
		if e, _, kind := m.Lookup(ctx, "cache-new"); kind != delivery.Found || !strings.Contains(string(e.JSON), "Published after the cache") {
			t.Errorf("%s: the new article: kind %d", when, kind)
		}
		if e, _, kind := m.Lookup(ctx, "cache-kept"); kind != delivery.Found || string(e.JSON) != served.Body.String() {
			t.Errorf("%s: the unchanged article: kind %d", when, kind)
		}
		if l := string(m.List("", 1, 100).JSON); strings.Contains(l, "cache-withdrawn") || !strings.Contains(l, "cache-new") {
			t.Errorf("%s: the list: %.300s", when, l)
		}
	}
	m, proj = load()
	check(m, "a stale cache")
	if proj.loads != 0 || !m.CacheStale() {
		t.Errorf("a stale cache: %d full projection reads, stale %v; want 0 (the changed ones read by id), true", proj.loads, m.CacheStale())
	}
	// Read ahead (cmd/vetted preloads while the catalog loads): the
	// same checks hold for records decoded before the heads were known.
	m, proj = loadWith(delivery.PreloadCache(dir))
	check(m, "a stale cache, preloaded")
	if proj.loads != 0 || !m.CacheStale() {
		t.Errorf("a stale cache, preloaded: %d full projection reads, stale %v; want 0, true", proj.loads, m.CacheStale())
	}
	// Load takes what was preloaded rather than reading the file then:
	// the file is gone by then and the projection is still not read.
	pre := delivery.PreloadCache(dir)
	path := filepath.Join(dir, "delivery-cache.bin")
	kept := path + ".kept"
	if err := os.Rename(path, kept); err != nil {
		t.Fatal(err)
	}
	m, proj = loadWith(pre)
	check(m, "preloaded, then removed")
	if proj.loads != 0 {
		t.Errorf("preloaded, then removed: %d full projection reads, want 0", proj.loads)
	}
	if err := os.Rename(kept, path); err != nil {
		t.Fatal(err)
	}
	// A preload of another directory is not this read model's cache.
	m, proj = loadWith(delivery.PreloadCache(t.TempDir()))
	check(m, "another directory preloaded")
	if proj.loads != 0 {
		t.Errorf("another directory preloaded: %d full projection reads, want 0 (its own cache read)", proj.loads)
	}

	// Corrupt and truncated files are ignored: the projection is read.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"a flipped byte": func() []byte { c := append([]byte(nil), b...); c[len(c)/2] ^= 0x20; return c }(),
		"truncated":      b[:len(b)/2],
		"empty":          {},
	} {
		// Renamed into place as SaveCache does: the read models above
		// map the file, which is never rewritten in place.
		if err := os.WriteFile(path+".bad", bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".bad", path); err != nil {
			t.Fatal(err)
		}
		m, proj := load()
		check(m, name)
		if proj.loads != 1 {
			t.Errorf("%s: %d full projection reads, want 1", name, proj.loads)
		}
	}
}

// TestSaveCacheWritesOnlyChanges: the start-up cache is written when it
// does not hold what is served (no file yet, a publish since, documents
// encoded again at load because the settings changed) and left alone
// when it does (a shutdown after a start from a current cache rewrote
// 373 MB at 10,000 published).
func TestSaveCacheWritesOnlyChanges(t *testing.T) {
	dir := t.TempDir()
	d := newDeliveryApp(t, delivery.Config{CacheDir: dir}, false)
	d.publish(anArticle().slug("saved-once").title("Saved once"))
	path := filepath.Join(dir, "delivery-cache.bin")
	save := func(m *delivery.ReadModel, wantWritten bool, when string) {
		t.Helper()
		before, _ := os.Stat(path)
		if err := m.SaveCache(); err != nil {
			t.Fatal(err)
		}
		after, err := os.Stat(path)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if written := before == nil || !os.SameFile(before, after); written != wantWritten {
			t.Errorf("%s: cache written %v, want %v", when, written, wantWritten)
		}
	}
	save(d.Sys.Model, true, "no file yet")
	save(d.Sys.Model, false, "nothing changed since")
	d.publish(anArticle().slug("saved-twice").title("Published after the save"))
	save(d.Sys.Model, true, "a publish since")

	load := func() *delivery.ReadModel {
		t.Helper()
		m := delivery.New(d.Articles, d.Svc.Users, d.Store, delivery.Options{CacheDir: dir, Settings: mongostore.NewSettingsStore(d.DB)})
		if err := m.Load(d.ctx); err != nil {
			t.Fatal(err)
		}
		return m
	}
	save(load(), false, "a start from a current cache")
	if r := d.do(http.MethodPut, "/api/admin/settings", `{"publisher":{"name":"Calm Minds","url":"https://calm.example","logoUrl":"https://calm.example/l.png"},"editorialPolicy":{"statement":"Reviewed twice.","url":""},"previewUrl":""}`, nil, asAdmin); r.Code != http.StatusOK {
		t.Fatalf("settings: %d %s", r.Code, r.Body)
	}
	m := load()
	if e, _, kind := m.Lookup(d.ctx, "saved-once"); kind != delivery.Found || !strings.Contains(string(e.JSON), "Reviewed twice.") {
		t.Fatalf("after the settings change: kind %d", kind)
	}
	save(m, true, "a start that encoded documents again (settings changed)")
	save(load(), false, "the start after it")
}

// TestPublishedDocumentsLeaveTheHeap: with a cache directory, a document
// encoded at publish is served from the read model's arena file (the
// arena grows by exactly its JSON and gzip), whole; without one, nothing
// goes there.
func TestPublishedDocumentsLeaveTheHeap(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{CacheDir: t.TempDir()}, false)
	m := d.Sys.Model
	before := m.ArenaBytes()
	for _, slug := range []string{"arena-one", "arena-two"} {
		d.publish(anArticle().slug(slug).title("Arena " + slug).sections(tenKB()...))
		e, _, kind := m.Lookup(d.ctx, slug)
		if kind != delivery.Found {
			t.Fatalf("%s: kind %d", slug, kind)
		}
		if got, want := m.ArenaBytes()-before, len(e.JSON)+len(e.Gzip); got < want {
			t.Errorf("%s: the arena grew by %d bytes, want at least its documents' %d", slug, got, want)
		}
		before = m.ArenaBytes()
		if cap(e.JSON) != len(e.JSON) || cap(e.Gzip) != len(e.Gzip) {
			t.Errorf("%s: the served bytes have room to append", slug)
		}
		for _, enc := range []string{"", "gzip"} {
			res := d.get("/api/v1/articles/"+slug, map[string]string{"Accept-Encoding": enc})
			if res.Code != http.StatusOK || decoded(t, res) != string(e.JSON) {
				t.Fatalf("%s %q: %d, or not the document's bytes", slug, enc, res.Code)
			}
		}
	}
	if before == 0 {
		t.Fatal("nothing went to the arena")
	}
	plain := newDeliveryApp(t, delivery.Config{}, false)
	plain.publish(anArticle().slug("on-the-heap"))
	if n := plain.Sys.Model.ArenaBytes(); n != 0 {
		t.Errorf("without a cache directory the arena holds %d bytes", n)
	}
}

// TestArenaLeavesTheResidentSetWhenQuiet: publishing and serving map the
// arena's pages into the resident set; once changes stop coming the read
// model releases them (and calls OnQuiet), and the documents are still
// served whole. (Quiet is 2 s: serving and measuring right after the
// last publish take milliseconds.)
func TestArenaLeavesTheResidentSetWhenQuiet(t *testing.T) {
	var quiets atomic.Int32
	d := newDeliveryApp(t, delivery.Config{CacheDir: t.TempDir(), Quiet: 2 * time.Second,
		OnQuiet: func() { quiets.Add(1) }}, false)
	m := d.Sys.Model
	slugs := []string{"quiet-one", "quiet-two", "quiet-three", "quiet-four"}
	bodies := map[string]string{}
	serve := func() {
		t.Helper()
		for _, slug := range slugs {
			for _, enc := range []string{"", "gzip"} {
				res := d.get("/api/v1/articles/"+slug, map[string]string{"Accept-Encoding": enc})
				if res.Code != http.StatusOK {
					t.Fatalf("%s %q: %d", slug, enc, res.Code)
				}
				if body := decoded(t, res); bodies[slug] == "" {
					bodies[slug] = body
				} else if body != bodies[slug] {
					t.Fatalf("%s %q: a different document after the release", slug, enc)
				}
			}
		}
	}
	for _, slug := range slugs {
		d.publish(anArticle().slug(slug).title("Quiet " + slug).sections(tenKB()...))
	}
	serve()
	n := quiets.Load()
	if r, err := m.MappedResident(); err != nil || r < 16<<10 {
		t.Fatalf("%d bytes of the arena resident after serving its documents (%v): the test sees nothing to release", r, err)
	}
	for deadline := time.Now().Add(10 * time.Second); quiets.Load() == n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("OnQuiet not called within 10 s of the last publish")
		}
	}
	if r, err := m.MappedResident(); err != nil || r > 8<<10 {
		t.Errorf("%d bytes of the arena resident once quiet (%v)", r, err)
	}
	n = quiets.Load()
	serve()
	if time.Sleep(3 * time.Second); quiets.Load() != n {
		t.Error("OnQuiet called again with no change since")
	}
}

// TestServedDocumentsLeaveTheResidentSet: documents served from the
// mapped start-up cache come into the resident set as they are read, and
// leave it again every ReleaseEvery, with no change to wait for.
func TestServedDocumentsLeaveTheResidentSet(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	dir := t.TempDir()
	slugs := []string{"mapped-one", "mapped-two", "mapped-three"}
	for _, slug := range slugs {
		d.publish(anArticle().slug(slug).title("Mapped " + slug).sections(tenKB()...))
	}
	load := func(o delivery.Options) *delivery.ReadModel {
		t.Helper()
		o.CacheDir, o.Settings = dir, mongostore.NewSettingsStore(d.DB)
		m := delivery.New(d.Articles, d.Svc.Users, d.Store, o)
		if err := m.Load(d.ctx); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if err := load(delivery.Options{}).SaveCache(); err != nil {
		t.Fatal(err)
	}
	m := load(delivery.Options{ReleaseEvery: 200 * time.Millisecond})
	if m.CacheStale() {
		t.Fatal("not loaded from the start-up cache")
	}
	read := func() int {
		sum := 0
		for _, slug := range slugs {
			e, _, kind := m.Lookup(d.ctx, slug)
			if kind != delivery.Found {
				t.Fatalf("%s: kind %d", slug, kind)
			}
			for _, b := range [][]byte{e.JSON, e.Gzip} {
				for _, c := range b {
					sum += int(c)
				}
			}
		}
		return sum
	}
	want := read()
	if r, err := m.MappedResident(); err != nil || r < 16<<10 {
		t.Fatalf("%d bytes mapped and resident after reading the documents (%v): the test sees nothing to release", r, err)
	}
	ctx, cancel := context.WithCancel(d.ctx)
	defer cancel()
	m.Start(ctx)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		r, err := m.MappedResident()
		if err != nil {
			t.Fatal(err)
		}
		if r == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes still resident 10 s after the start", r)
		}
	}
	if read() != want {
		t.Error("the documents read differently after the release")
	}
}
