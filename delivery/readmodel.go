// Package delivery is the published side of Vetted: an in-memory read
// model of every live article, pre-encoded for the delivery API (JSON,
// gzip, strong ETag), kept current from the event log on every instance,
// and the webhooks that tell sites something changed. Nothing here can
// make content live: it only serves versions whose signature binds their
// content hash (see Verify).
package delivery

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vetted-cms/vetted/internal/mmap"
	"github.com/vetted-cms/vetted/models"
)

// Articles is what the read model needs of article storage.
type Articles interface {
	// All returns the catalog's heads (content trimmed; Live, Revs kept).
	All() []*models.Article
	// Known returns one head from the catalog.
	Known(id string) (*models.Article, bool)
	// Event loads one event (a revision's content lives in its event).
	Event(ctx context.Context, seq int64) (*models.Event, error)
	// SlugOwner returns the article that claimed a slug; ErrNotFound.
	SlugOwner(ctx context.Context, slug string) (string, error)
}

// Users looks up the people a snapshot names (author, reviewer, a take's
// clinician) for their public profiles.
type Users interface {
	Get(ctx context.Context, id string) (*models.User, error)
}

// SettingsSource reads the site settings (start-up only: changes arrive
// as settings.update events).
type SettingsSource interface {
	Settings(ctx context.Context) (*models.Settings, error)
}

// Projection stores the `published` collection.
type Projection interface {
	PublishedAll(ctx context.Context) ([]models.PublishedDoc, error)
	PutPublished(ctx context.Context, d *models.PublishedDoc) error
	// Published reads one slug's document (by _id); ErrNotFound.
	Published(ctx context.Context, slug string) (*models.PublishedDoc, error)
}

// SearchIndex is kept current with exactly what is live, from the same
// verified snapshots delivery serves (the search package).
type SearchIndex interface {
	Put(s *Snapshot) error
	PutAll(ss []*Snapshot) error
	Remove(id string) error
	// Wait returns once every change so far is searchable; Idle says
	// whether it is (without waiting).
	Wait()
	Idle() bool
}

// Barrier holds an acknowledgement until every live instance has applied
// an event (Presence), for a bounded time.
type Barrier interface {
	Wait(ctx context.Context, seq int64) bool
}

// Change tells what happened to what is live; webhooks hang off it.
type Change struct {
	Event       string // models.EventArticle…
	Seq         int64  // the event that caused it
	At          time.Time
	ArticleID   string
	Slug        string
	Title       string
	Rev         int64
	ContentHash string
	// Data, when set, makes this a notice that is not an article change
	// (Webhooks.Announce): it is the payload's data.
	Data any
	// Tags are the cache tags to purge: the article, every list, the
	// topic list, and each topic it is or was in.
	Tags []string
}

// Doc is one pre-encoded response: JSON, its gzip, its strong ETag, and
// the header values ready to assign (no allocation per request).
type Doc struct {
	JSON, Gzip []byte
	ETag       string
	ETagHdr    []string
	LenHdr     []string
	GzipLenHdr []string
	// Tags are the document's cache tags; SurrogateKeyHdr (space
	// separated, Fastly, Varnish xkey) and CacheTagHdr (comma separated,
	// Cloudflare, Akamai) carry them.
	Tags            []string
	SurrogateKeyHdr []string
	CacheTagHdr     []string
}

// Cache tags. A delivery answer names the article(s) whose content it
// shows, and the lists it belongs to; a change's webhook names the tags
// to purge (Change.Tags).
const (
	TagArticles = "articles" // every list page (and every article: it appears in lists)
	TagTopics   = "topics"   // the topic list
	TagSearch   = "search"   // search answers
)

// TagArticle names one article (by id: stable across slug changes).
func TagArticle(id string) string { return "article:" + id }

// TagTopic names a topic's list pages.
func TagTopic(t string) string { return "topic:" + t }

// setTags prebuilds the tag headers.
func (d *Doc) setTags(tags []string) *Doc {
	d.Tags = tags
	d.SurrogateKeyHdr = []string{strings.Join(tags, " ")}
	d.CacheTagHdr = []string{strings.Join(tags, ",")}
	return d
}

// articleTags are the tags of an article's answer: itself, the articles
// whose summaries it embeds (related), every list, its topics.
func articleTags(id string, related []string, topics []string) []string {
	tags := make([]string, 0, 2+len(related)+len(topics))
	tags = append(tags, TagArticle(id))
	for _, r := range related {
		tags = append(tags, TagArticle(r))
	}
	tags = append(tags, TagArticles)
	for _, t := range topics {
		tags = append(tags, TagTopic(t))
	}
	return tags
}

// docOf is a document encoded before (the projection's), with its gzip
// and ETag.
func docOf(body, gz []byte, etag string) *Doc {
	return &Doc{JSON: body, Gzip: gz, ETag: etag, ETagHdr: []string{etag},
		LenHdr: []string{strconv.Itoa(len(body))}, GzipLenHdr: []string{strconv.Itoa(len(gz))}}
}

// gzipWriters are reused: a BestCompression writer allocates about 1 MB
// of state, most of a publish's allocation.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestCompression)
	return zw
}}

func newDoc(body []byte, tag string) *Doc {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(body)
	_ = zw.Close()
	gzipWriters.Put(zw)
	sum := sha256.Sum256(body)
	etag := `"` + tag + hex.EncodeToString(sum[:12]) + `"`
	// Kept for as long as the article is live: a copy of its size, not
	// the buffer grown by doubling (on average half empty: 8.9 MB held
	// for 4.3 MB of gzip at 1,000 published).
	gz := make([]byte, buf.Len())
	copy(gz, buf.Bytes())
	return &Doc{JSON: body, Gzip: gz, ETag: etag, ETagHdr: []string{etag},
		LenHdr: []string{strconv.Itoa(len(body))}, GzipLenHdr: []string{strconv.Itoa(len(gz))}}
}

// Entry is one live article as served.
type Entry struct {
	*Doc
	ArticleID string
	Slug      string
	Summary   Summary
	Topics    []string

	base       *base
	relatedSig string
	decSig     string
}

// base is a live article's snapshot before related articles are resolved.
// Its sections (the bulk of an article) are held only until the entry is
// encoded: then the entry's JSON is their one copy, decoded again on the
// rare re-encoding (a related article, a profile or the settings changed).
type base struct {
	snap    *Snapshot
	liveKey string
	version int64
	// dec is snap decorated with the profiles and settings named by
	// decSig; it is redone when they change.
	dec    *Snapshot
	decSig string
	// stored is the projection's encoding of this base (Load only),
	// reused when it was made with the same signature.
	stored *storedDoc
}

// storedDoc is a document read back from the projection at Load.
type storedDoc struct {
	json, gzip []byte
	etag, sig  string
}

// entrySig names what an entry's encoding depends on besides its base.
func entrySig(relatedSig, decSig string) string { return relatedSig + sigSep + decSig }

const sigSep = "#"

// Lookup outcomes.
const (
	Found = iota
	Moved
	Gone
	NotFound
)

// index is an immutable view of everything live; readers load it with
// one atomic pointer read and never lock.
type index struct {
	bySlug  map[string]*Entry
	byID    map[string]*Entry
	moved   map[string]string // old slug → current live slug
	gone    map[string]bool   // slugs of unpublished articles
	list    []*Entry          // newest first, ties by id
	byTopic map[string][]*Entry
	topics  *Doc
	first   *Doc // the default list page

	mu    sync.Mutex
	pages map[string]*Doc
	slugs map[string]fallback // answers from the slugs collection
}

type fallback struct {
	kind int
	to   string
	e    *Entry // kind Found: served from the projection
	at   time.Time
	pos  int64 // the log position this instance had applied when it checked
}

// Options tune the read model.
type Options struct {
	Logger *slog.Logger
	// ImageHosts are the hosts Markdown images may come from besides /media/.
	ImageHosts []string
	// Settings, when set, supplies the site settings at Load.
	Settings SettingsSource
	// Media, when set, gives hero images of the library their size and srcset.
	Media MediaLookup
	// PublicURL, when set (VETTED_PUBLIC_URL), makes delivered library
	// image URLs absolute: hero url, srcset, JSON-LD image, inline images.
	PublicURL string
	// RetryEvery is how often a change that could not be built (database
	// down) is tried again.
	RetryEvery time.Duration
	// Cursor, when set, is the log follower's position: the read model's
	// Position is the cursor once every event up to it was applied.
	Cursor func() int64
	// MissChecks bounds the database checks a slug this instance does
	// not serve may cause, per second (default 200): random slugs cannot
	// hammer the database; past it such slugs answer from memory.
	MissChecks int
	// OnIndexed, when set, is called once the search index holds every
	// article live at Load (cmd/vetted hands the memory the indexing
	// used back to the system then: it was most of the RSS at rest).
	OnIndexed func()
	// OnQuiet, when set, is called once changes stop coming (Quiet after
	// the last, or at most QuietMax after the first not yet followed by
	// a call), after the mapped documents' pages left the resident set (cmd/vetted
	// hands the memory a burst of publishing left behind back to the
	// system then).
	OnQuiet func()
	// Quiet (default 10 s) and QuietMax (default 1 min): see OnQuiet.
	Quiet, QuietMax time.Duration
	// ReleaseEvery (default 1 min) is how often the mapped documents'
	// pages leave the resident set, changes or not (trimWhenQuiet).
	ReleaseEvery time.Duration
	// MissTTL is how long the answer of such a check is reused (default
	// 1 s): a change this instance has not applied yet is seen at most
	// that late by a request that missed.
	MissTTL time.Duration
	// CacheDir, when set, holds the start-up cache (diskcache.go): Load
	// reads it instead of the whole projection, SaveCache writes it.
	CacheDir string
	// Preloaded, when set, is CacheDir's cache already being read
	// (PreloadCache): Load takes it instead of reading the file then.
	Preloaded *Preloaded
	// DeferIndexing: Load does not start handing its articles to
	// Search; BeginIndexing does. cmd/vetted begins once it listens: at
	// 10,000 published the indexing's first tenth of a second, and the
	// collections it causes, ran beside the last steps of the start.
	DeferIndexing bool
}

// ReadModel is the delivery read model.
type ReadModel struct {
	articles Articles
	users    Users
	proj     Projection
	log      *slog.Logger
	retry    time.Duration
	media    MediaLookup

	cur atomic.Pointer[index]

	mu        sync.Mutex // writers
	persistMu sync.Mutex // the projection's one writer (persist)
	bases     map[string]*base
	applied   map[string]int64     // article → version applied
	history   map[string]string    // every slug ever live → article
	firstPub  map[string]time.Time // article → first publication
	entries   map[string]*Entry    // article → entry of the current index
	persisted map[string]projKey   // slug → the key of what was written to the projection
	// slugsOf inverts history (article → the slugs it was live under);
	// refBy: slug → the live articles whose related list names it. They
	// tell a change which other entries it can affect.
	slugsOf map[string][]string
	refBy   map[string]map[string]bool
	// dirty: slugs whose projection document may differ from what was
	// written (persist looks at these only).
	dirty map[string]bool
	// examined counts the entries the index updates looked at, encoded
	// the entries encoded (tests: a change's cost is its own).
	examined int
	encoded  atomic.Int64
	people   map[string]*models.User
	settings models.Settings
	setSig   string // fingerprint of settings (stable across instances)
	setSrc   SettingsSource
	render   *Renderer

	qmu     sync.Mutex
	queue   []*models.Article
	wake    chan struct{}
	pending map[string]*models.Article // failed builds, by article
	busy    int                        // changes being applied by the worker
	// profiles: user ids whose profile changed; newSettings: settings
	// changed (both learned from the log, applied by the worker).
	profiles    map[string]bool
	newSettings *models.Settings

	cursor    func() int64
	onIndexed func()
	// changed is signalled by persist; trimWhenQuiet waits for quiet.
	changed         chan struct{}
	onQuiet         func()
	quiet, quietMax time.Duration
	releaseEvery    time.Duration
	pos             atomic.Int64
	// liveSeq is the newest event seen that changes what is live.
	liveSeq atomic.Int64
	// searchLoading: Load's articles are still being handed to Search.
	searchLoading atomic.Bool
	deferIndexing bool
	indexing      atomic.Bool // the start-up indexing has begun
	misses        missBudget
	missTTL       time.Duration
	probe         logProbe
	cacheDir      string
	preloaded     *Preloaded                 // the start-up cache, read ahead (Options.Preloaded)
	cacheMap      []byte                     // the start-up cache's file, mapped (documents point into it)
	arena         atomic.Pointer[mmap.Arena] // documents encoded since the start (offHeap); nil until the first
	arenaFailed   bool
	// cacheStale: Load did not find every live document in the cache.
	cacheStale bool
	// gen counts the indexes made (every change of what is served);
	// savedGen is the one the cache file holds, when cacheHolds.
	gen        uint64
	savedGen   uint64
	cacheHolds bool

	// Search, when set, is kept current with what is live (set before
	// Load).
	Search SearchIndex

	// Barrier, when set, holds Published (this instance's own publish,
	// unpublish or re-certification) until every live instance serves
	// the change. Set it before Start.
	Barrier Barrier

	// OnChange, when set, is called after a change to what is live was
	// applied (on every instance). Set it before Start.
	OnChange func(Change)
}

// New returns an empty read model; Load fills it.
func New(articles Articles, users Users, proj Projection, o Options) *ReadModel {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.RetryEvery <= 0 {
		o.RetryEvery = time.Second
	}
	if o.MissChecks <= 0 {
		o.MissChecks = 200
	}
	if o.MissTTL <= 0 {
		o.MissTTL = time.Second
	}
	if o.Quiet <= 0 {
		o.Quiet = 10 * time.Second
	}
	if o.QuietMax <= 0 {
		o.QuietMax = time.Minute
	}
	if o.ReleaseEvery <= 0 {
		o.ReleaseEvery = time.Minute
	}
	m := &ReadModel{articles: articles, users: users, proj: proj, log: o.Logger, retry: o.RetryEvery, media: o.Media,
		cursor: o.Cursor, onIndexed: o.OnIndexed, cacheDir: o.CacheDir, preloaded: o.Preloaded, deferIndexing: o.DeferIndexing, misses: missBudget{perSec: o.MissChecks}, missTTL: o.MissTTL,
		bases: map[string]*base{}, applied: map[string]int64{}, history: map[string]string{},
		firstPub: map[string]time.Time{}, entries: map[string]*Entry{}, persisted: map[string]projKey{}, dirty: map[string]bool{},
		people: map[string]*models.User{}, setSrc: o.Settings, render: NewRenderer(o.ImageHosts).WithPublicURL(o.PublicURL), profiles: map[string]bool{},
		wake: make(chan struct{}, 1), pending: map[string]*models.Article{},
		changed: make(chan struct{}, 1), onQuiet: o.OnQuiet, quiet: o.Quiet, quietMax: o.QuietMax, releaseEvery: o.ReleaseEvery}
	m.mu.Lock()
	m.setSig = settingsSig(m.settings)
	m.rebuildLocked()
	m.mu.Unlock()
	return m
}

// Load builds the read model from the heads of live articles, reusing
// the `published` projection where it is current and rebuilding (and
// rewriting) it where it is missing or stale. A current document is
// served again as it was written (its gzip, uncompressed once), without
// decoding its body, rendering or compressing; the search index gets the
// bodies after Load returns.
func (m *ReadModel) Load(ctx context.Context) error {
	var docs []models.PublishedDoc
	var plain map[string][]byte    // slug → the cached document's JSON
	var metas map[string]*Snapshot // slug → the cached document's Meta, decoded
	recs, decoded := m.readCache()
	if recs != nil {
		docs, plain, metas = make([]models.PublishedDoc, len(recs)), make(map[string][]byte, len(recs)), make(map[string]*Snapshot, len(recs))
		for i := range recs {
			docs[i] = recs[i].PublishedDoc
			if recs[i].JSON != nil {
				plain[recs[i].Slug] = recs[i].JSON
			}
			if decoded[i] != nil {
				metas[recs[i].Slug] = decoded[i]
			}
		}
		recs, decoded = nil, nil
	} else {
		var err error
		if docs, err = m.proj.PublishedAll(ctx); err != nil {
			return fmt.Errorf("load published projection: %w", err)
		}
	}
	fromCache := plain != nil
	var settings *models.Settings
	var err error
	if m.setSrc != nil {
		if settings, err = m.setSrc.Settings(ctx); err != nil {
			return fmt.Errorf("load site settings: %w", err)
		}
	}
	m.mu.Lock()
	if settings != nil {
		m.settings = *settings
		m.setSig = settingsSig(m.settings)
	}
	if len(m.history) == 0 { // sized once, not grown step by step (a start)
		m.history, m.persisted = make(map[string]string, len(docs)), make(map[string]projKey, len(docs))
		m.bases, m.applied = make(map[string]*base, len(docs)), make(map[string]int64, len(docs))
	}
	stored := make(map[string]*models.PublishedDoc, len(docs))
	for i := range docs {
		d := &docs[i]
		stored[d.Slug] = d
		m.history[d.Slug] = d.ArticleID
		m.persisted[d.Slug] = persistedKey(d.State, d.ETag, d.Sig)
		if f, ok := m.firstPub[d.ArticleID]; !d.FirstPublishedAt.IsZero() && (!ok || d.FirstPublishedAt.Before(f)) {
			m.firstPub[d.ArticleID] = d.FirstPublishedAt
		}
	}
	reused, built, fetched := 0, 0, 0
	heads := m.articles.All()
	// The stored snapshots' metadata is decoded on every core first: it
	// was the largest part of a start from the cache.
	found := make([]*base, len(heads))
	eachParallel(len(heads), func(i int) {
		if a := heads[i]; a.Live != nil {
			found[i] = m.reuse(a, stored[a.Live.Slug], metas[a.Live.Slug])
		}
	})
	for i, a := range heads {
		if a.Live == nil {
			continue
		}
		b := found[i]
		if b != nil && fromCache && b.stored != nil {
			b.stored.json = plain[a.Live.Slug] // the cache's copy: nothing to uncompress
		}
		if b == nil && fromCache {
			// Not in the cache, or changed since it was written (by
			// this instance before a crash, or by another): the
			// projection's document, read by _id, when it is current.
			if d, err := m.proj.Published(ctx, a.Live.Slug); err == nil {
				m.history[d.Slug] = d.ArticleID
				m.persisted[d.Slug] = persistedKey(d.State, d.ETag, d.Sig)
				if b = m.reuse(a, d, nil); b != nil {
					fetched++
				}
			}
		}
		if b != nil {
			m.bases[a.ID] = b
			m.applied[a.ID] = a.Version
			reused++
			continue
		}
		b, err := m.buildLocked(ctx, a, nil, false) // people: all at once below
		if err != nil {
			m.mu.Unlock()
			return fmt.Errorf("build snapshot of %s: %w", a.ID, err)
		}
		m.bases[a.ID] = b
		m.applied[a.ID] = a.Version
		m.history[a.Live.Slug] = a.ID
		built++
	}
	m.cacheStale = !fromCache || fetched > 0 || built > 0
	unzipStored(m.bases)
	for id, b := range m.bases {
		if b.snap.Sections == nil && b.stored == nil { // its stored document did not uncompress
			a, _ := m.articles.Known(id)
			nb, err := m.buildLocked(ctx, a, nil, false)
			if err != nil {
				m.mu.Unlock()
				return fmt.Errorf("build snapshot of %s: %w", id, err)
			}
			nb.version = b.version
			m.bases[id] = nb
			reused, built = reused-1, built+1
		}
	}
	if err := m.loadPeopleLocked(ctx, m.namedLocked()); err != nil {
		m.mu.Unlock()
		return err
	}
	encoded := m.encoded.Load()
	m.rebuildLocked()
	// The file holds what is served: every document as cached, none
	// encoded again (profiles or settings changed since it was written).
	if !m.cacheStale && m.encoded.Load() == encoded {
		m.savedGen, m.cacheHolds = m.gen, true
	}
	m.mu.Unlock()
	m.persist(ctx)
	if m.Search != nil {
		m.searchLoading.Store(true)
		if !m.deferIndexing {
			m.BeginIndexing()
		}
	}
	m.log.Info("delivery read model loaded", "live", reused+built, "fromProjection", reused, "rebuilt", built, "fromCache", fromCache, "readByID", fetched)
	return nil
}

// eachParallel calls f(0..n-1) on every core.
func eachParallel(n int, f func(i int)) {
	workers := min(max(1, runtime.GOMAXPROCS(0)), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// reuse returns the base of a's live version as the projection (or the
// start-up cache) stored it, or nil when the stored document is missing
// or stale. It reads nothing of m but how it renders (any goroutine).
func (m *ReadModel) reuse(a *models.Article, d *models.PublishedDoc, meta *Snapshot) *base {
	key := m.liveKey(a) // built under another public URL: rebuilt
	if d == nil || d.ArticleID != a.ID || d.State != models.SlugLive || d.LiveKey != key {
		return nil
	}
	var s Snapshot
	switch {
	case (meta != nil || d.Meta != "") && len(d.Gzip) > 0:
		if meta != nil { // the metadata, decoded ahead (PreloadCache)
			s = *meta
		} else if json.Unmarshal([]byte(d.Meta), &s) != nil {
			return nil
		}
		if s.ContentHash != a.Live.ContentHash {
			return nil
		}
		s.Topics = distinct(s.Topics) // stored before topics had to be unique: listed once
		return &base{snap: &s, liveKey: key, version: a.Version, stored: &storedDoc{gzip: d.Gzip, etag: d.ETag, sig: d.Sig}}
	case d.Base != "": // written before Meta: the whole snapshot, re-encoded
		if json.Unmarshal([]byte(d.Base), &s) != nil || s.ContentHash != a.Live.ContentHash {
			return nil
		}
		return &base{snap: &s, liveKey: key, version: a.Version}
	}
	return nil
}

// CacheStale says whether Load found the start-up cache missing or
// behind (then SaveCache makes the next start quick).
func (m *ReadModel) CacheStale() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cacheStale
}

// namedLocked lists the people the live snapshots name.
func (m *ReadModel) namedLocked() []string {
	seen := map[string]bool{}
	var out []string
	for _, b := range m.bases {
		for _, id := range b.snap.people() {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// unzipStored uncompresses the stored documents, on every core.
func unzipStored(bases map[string]*base) {
	work := make(chan *base)
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				if j, err := gunzip(b.stored.gzip); err == nil {
					b.stored.json = j
				} else {
					b.stored = nil // Load rebuilds it from the log
				}
			}
		}()
	}
	for _, b := range bases {
		if b.stored != nil && b.stored.json == nil {
			work <- b
		}
	}
	close(work)
	wg.Wait()
}

// gunzip uncompresses a document into a buffer of the size its gzip
// trailer records (io.ReadAll's growing was 40% of the start-up's
// uncompressing).
func gunzip(z []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	size := 0
	if n := len(z); n >= 4 {
		size = int(binary.LittleEndian.Uint32(z[n-4:]))
	}
	if size <= 0 || size > 64<<20 {
		return io.ReadAll(zr)
	}
	out := make([]byte, size+1) // one byte more: a longer stream is read to its end below
	n, err := io.ReadFull(zr, out)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return out[:n], nil
	case err != nil:
		return nil, err
	}
	rest, err := io.ReadAll(zr) // the trailer was wrong (a stream over 4 GiB): read the rest
	return append(out, rest...), err
}

// BeginIndexing starts the indexing of Load's articles (once; Load calls
// it unless Options.DeferIndexing). Until it is done, search answers
// from the articles indexed so far.
func (m *ReadModel) BeginIndexing() {
	if m.Search != nil && m.searchLoading.Load() && m.indexing.CompareAndSwap(false, true) {
		go m.indexAll()
	}
}

// indexAll hands the search index every live article's text after Load
// (decoding the bodies of the documents reused from the projection),
// unless a newer change of the article was indexed meanwhile.
func (m *ReadModel) indexAll() {
	defer m.searchLoading.Store(false)
	type item struct {
		b    *base
		snap Snapshot // a copy: the base drops its sections
		json []byte
	}
	m.mu.Lock()
	items := make([]item, 0, len(m.bases))
	for id, b := range m.bases {
		it := item{b: b, snap: *b.snap}
		if e := m.entries[id]; e != nil && e.base == b {
			it.json = e.JSON
		}
		items = append(items, it)
	}
	m.mu.Unlock()
	// In chunks, each indexed before the next is decoded: the bodies of
	// every article at once were as large as the read model itself.
	const chunk = 1000
	for start := 0; start < len(items); start += chunk {
		part := items[start:min(start+chunk, len(items))]
		for i := range part {
			if part[i].snap.Sections == nil && part[i].json != nil {
				part[i].snap.Sections = sectionsOf(part[i].json)
			}
		}
		m.mu.Lock()
		fresh := make([]*Snapshot, 0, len(part))
		for i := range part {
			if m.bases[part[i].snap.ID] == part[i].b { // not changed meanwhile (that change was indexed)
				fresh = append(fresh, &part[i].snap)
			}
		}
		err := m.Search.PutAll(fresh)
		m.mu.Unlock()
		if err != nil {
			m.log.Error("search: index not built", "err", err.Error())
		}
		m.Search.Wait()
		for i := range part {
			part[i].snap.Sections, part[i].json = nil, nil
		}
		mmap.Drop(m.cacheMap) // the chunk read its cached documents: out of the resident set again
	}
	if m.onIndexed != nil {
		m.onIndexed()
	}
}

// sectionsOf decodes the sections of an encoded document.
func sectionsOf(doc []byte) []Section {
	var d struct {
		Sections []Section `json:"sections"`
	}
	_ = json.Unmarshal(doc, &d)
	return d.Sections
}

// Start runs the worker that applies changes learned from the log, and
// the one that trims memory once changes stop coming.
func (m *ReadModel) Start(ctx context.Context) {
	go m.trimWhenQuiet(ctx)
	go func() {
		t := time.NewTicker(m.retry)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-m.wake:
			case <-t.C:
				m.qmu.Lock()
				for _, a := range m.pending {
					m.queue = append(m.queue, a)
				}
				clear(m.pending)
				m.qmu.Unlock()
			}
			m.drain(ctx)
		}
	}()
}

// trimWhenQuiet releases the mapped documents' pages and calls OnQuiet
// once changes stop coming: Quiet after the last change, or QuietMax
// after the first one not yet trimmed (a steady trickle of publishes).
// Each publish reads its new document's gzip back from the arena to
// write the projection, which maps the pages around it; at 10,000
// articles published without a restart 402 MB of the arena stayed
// resident. It also releases them every ReleaseEvery: serving maps the
// documents it reads, and after by-slug load over 10,000 articles about
// 400 MiB of them stayed resident for good. Releasing a fully resident
// 256 MiB took 11 ms (BenchmarkArenaRelease).
func (m *ReadModel) trimWhenQuiet(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	tick := time.NewTicker(m.releaseEvery)
	defer tick.Stop()
	var first time.Time // the first change not yet trimmed
	for {
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-m.changed:
			now := time.Now()
			if first.IsZero() {
				first = now
			}
			t.Reset(min(m.quiet, first.Add(m.quietMax).Sub(now)))
		case <-t.C:
			first = time.Time{}
			m.releaseMapped()
			if m.onQuiet != nil {
				m.onQuiet()
			}
		case <-tick.C:
			m.releaseMapped()
		}
	}
}

func (m *ReadModel) drain(ctx context.Context) {
	m.refreshProfiles(ctx)
	for {
		m.qmu.Lock()
		if len(m.queue) == 0 {
			m.qmu.Unlock()
			return
		}
		a := m.queue[0]
		m.queue = m.queue[1:]
		m.busy++
		m.qmu.Unlock()
		err := m.apply(ctx, a, nil)
		if err != nil {
			m.log.Warn("delivery: change not applied yet; will retry", "article", a.ID, "err", err.Error())
		}
		m.qmu.Lock()
		if p := m.pending[a.ID]; err != nil && (p == nil || p.Version < a.Version) {
			m.pending[a.ID] = a
		}
		m.busy--
		m.qmu.Unlock()
	}
}

// Position returns how far this read model has applied the event log:
// the follower's cursor, read when no change offered up to it is still
// queued or being applied. (A change whose build failed and waits for a
// retry does not hold the position back: the instance serves what it
// could, and says so in its log.)
func (m *ReadModel) Position() int64 {
	if m.cursor == nil {
		return 0
	}
	c := m.cursor() // every event up to c has been offered to OnApply
	m.qmu.Lock()
	idle := len(m.queue) == 0 && m.busy == 0
	m.qmu.Unlock()
	if idle && m.Search != nil && (m.searchLoading.Load() || !m.Search.Idle()) {
		idle = false // searchable too, before this instance counts as caught up
	}
	for idle {
		p := m.pos.Load()
		if c <= p || m.pos.CompareAndSwap(p, c) {
			break
		}
	}
	return m.pos.Load()
}

// LiveSeq returns the newest event this instance has seen that changes
// what is live (publish, unpublish, re-certification): what other
// instances may be waiting for it to apply.
func (m *ReadModel) LiveSeq() int64 { return m.liveSeq.Load() }

// OnApply is the ArticleStore hook: every instance sees every article
// event, its own and the others' (through the log follower). Only changes
// to what is live matter; they are applied by the worker, off the log's
// lock.
func (m *ReadModel) OnApply(ev *models.Event, a *models.Article) {
	switch {
	case ev.Action == "publish" && ev.Data.PublishAt != nil: // only scheduled
		return
	case ev.Action == "publish", ev.Action == "unpublish", ev.Action == "recertify":
	default:
		return
	}
	for { // the newest, whichever order hooks run in
		if cur := m.liveSeq.Load(); ev.Seq <= cur || m.liveSeq.CompareAndSwap(cur, ev.Seq) {
			break
		}
	}
	m.qmu.Lock()
	m.queue = append(m.queue, a)
	m.qmu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// OnOther is the hook for the log's other events (every instance sees
// every one): a profile or settings change re-encodes the affected
// snapshots without a new publish.
func (m *ReadModel) OnOther(ev *models.Event) {
	switch {
	case ev.Action == models.ActionSettings && ev.Data.Settings != nil:
		st := *ev.Data.Settings
		m.qmu.Lock()
		m.newSettings = &st
		m.qmu.Unlock()
	case (ev.Action == models.ActionUserUpdate || ev.Action == models.ActionUserCreate) && ev.Subject != "":
		m.qmu.Lock()
		m.profiles[ev.Subject] = true
		m.qmu.Unlock()
	default:
		return
	}
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// refreshProfiles applies profile and settings changes learned from the
// log; a profile that cannot be read now is tried again later.
func (m *ReadModel) refreshProfiles(ctx context.Context) {
	m.qmu.Lock()
	ids, st := m.profiles, m.newSettings
	m.profiles, m.newSettings = map[string]bool{}, nil
	m.qmu.Unlock()
	if len(ids) == 0 && st == nil {
		return
	}
	fresh := map[string]*models.User{}
	for id := range ids {
		m.mu.Lock()
		_, named := m.people[id]
		m.mu.Unlock()
		if !named {
			continue // nobody live names them
		}
		u, err := m.users.Get(ctx, id)
		if err != nil {
			m.qmu.Lock()
			m.profiles[id] = true
			m.qmu.Unlock()
			continue
		}
		fresh[id] = u
	}
	m.mu.Lock()
	for id, u := range fresh {
		m.people[id] = u
	}
	if st != nil {
		m.settings = *st
		m.setSig = settingsSig(m.settings)
	}
	m.rebuildLocked()
	m.mu.Unlock()
	m.persist(ctx)
}

// SettingsNow returns the settings delivery currently uses.
func (m *ReadModel) SettingsNow() models.Settings {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.settings
}

// Published applies a change the service just committed on this
// instance (service.Publisher): the publishing request's own answer is
// followed by a delivery that already serves it.
func (m *ReadModel) Published(ctx context.Context, a *models.Article) error {
	var c *models.Content
	if a.Live != nil && a.ContentHash == a.Live.ContentHash && len(a.Content.Sections) > 0 {
		cc := a.Content
		c = &cc
	}
	if err := m.apply(ctx, a, c); err != nil {
		return err
	}
	// The worker may have applied the change first (from the log) and be
	// writing its projection document still: the acknowledgement waits
	// for that write, which instances that have not applied the change
	// answer from (slowLookup).
	m.persist(ctx)
	if m.Search != nil {
		m.Search.Wait()
	}
	if m.Barrier != nil && len(a.Seqs) > 0 {
		m.Barrier.Wait(ctx, a.Seqs[len(a.Seqs)-1])
	}
	return nil
}

// apply brings one article's live state to a's (when a is newer than
// what was applied).
func (m *ReadModel) apply(ctx context.Context, a *models.Article, c *models.Content) error {
	m.mu.Lock()
	if a.Version <= m.applied[a.ID] {
		m.mu.Unlock()
		return nil
	}
	prev := m.entries[a.ID]
	var ch *Change
	if a.Live == nil {
		m.setLocked(a.ID, nil)
		m.unindexLocked(a.ID)
		if prev != nil {
			ch = &Change{Event: models.EventArticleUnpublished, Slug: prev.Slug, Title: prev.Summary.Title}
		}
	} else if old := m.bases[a.ID]; old != nil && old.liveKey == m.liveKey(a) {
		// Nothing live changed (e.g. a newer version was scheduled).
		m.applied[a.ID] = a.Version
		m.mu.Unlock()
		return nil
	} else {
		b, err := m.buildLocked(ctx, a, c, true)
		if err != nil {
			m.mu.Unlock()
			return err
		}
		b.version = a.Version
		m.indexLocked(b.snap) // before setLocked: encoding drops the base's sections
		m.setLocked(a.ID, b)
		ev := models.EventArticlePublished
		if old != nil && old.snap.ContentHash == b.snap.ContentHash && old.snap.Rev == b.snap.Rev && old.snap.Review.ReviewedAt.Before(b.snap.Review.ReviewedAt) && old.snap.PublishedAt.Equal(b.snap.PublishedAt) {
			ev = models.EventArticleRecertified
		}
		ch = &Change{Event: ev, Slug: b.snap.Slug, Title: b.snap.Title, Rev: b.snap.Rev, ContentHash: b.snap.ContentHash}
	}
	m.applied[a.ID] = a.Version
	hook := m.OnChange
	m.mu.Unlock()
	m.persist(ctx)
	if ch != nil && hook != nil {
		ch.Tags = changeTags(a.ID, prev, m.bases[a.ID])
		ch.ArticleID, ch.At = a.ID, a.UpdatedAt
		if n := len(a.Seqs); n > 0 {
			ch.Seq = a.Seqs[n-1]
		}
		hook(*ch)
	}
	return nil
}

// indexLocked and unindexLocked keep the search index in step with the
// bases, in the order changes are applied.
func (m *ReadModel) indexLocked(s *Snapshot) {
	if m.Search == nil {
		return
	}
	cp := *s // the base drops its sections once encoded; the index's copy keeps them
	if err := m.Search.Put(&cp); err != nil {
		m.log.Error("search: article not indexed", "article", s.ID, "err", err.Error())
	}
}

func (m *ReadModel) unindexLocked(id string) {
	if m.Search == nil {
		return
	}
	if err := m.Search.Remove(id); err != nil {
		m.log.Error("search: article not removed from the index", "article", id, "err", err.Error())
	}
}

// changeTags are the tags a change invalidates: the article, every list,
// the topic list, and each topic it was or is in.
func changeTags(id string, prev *Entry, now *base) []string {
	tags := []string{TagArticle(id), TagArticles, TagTopics}
	seen := map[string]bool{}
	add := func(ts []string) {
		for _, t := range ts {
			if !seen[t] {
				seen[t] = true
				tags = append(tags, TagTopic(t))
			}
		}
	}
	if prev != nil {
		add(prev.Topics)
	}
	if now != nil {
		add(now.snap.Topics)
	}
	return tags
}

// buildLocked renders a's live version; c is its content when the caller
// has it, else it is read from the revision's event. people: read the
// profiles it names now (Load reads them all at once instead).
func (m *ReadModel) buildLocked(ctx context.Context, a *models.Article, c *models.Content, people bool) (*base, error) {
	if c == nil {
		seq := int64(0)
		for _, r := range a.Revs {
			if r.Rev == a.Live.Rev {
				seq = r.Seq
			}
		}
		if seq == 0 {
			return nil, fmt.Errorf("revision %d of %s not indexed", a.Live.Rev, a.ID)
		}
		ev, err := m.articles.Event(ctx, seq)
		if err != nil {
			return nil, err
		}
		if ev.Data.Content == nil {
			return nil, fmt.Errorf("event %d holds no content", seq)
		}
		c = ev.Data.Content
	}
	first := m.firstPub[a.ID]
	if first.IsZero() || a.Live.PublishedAt.Before(first) {
		first = a.Live.PublishedAt
		m.firstPub[a.ID] = first
	}
	s, err := Build(a, *c, first, m.render)
	if err != nil {
		m.log.Error("delivery: refusing to serve a live version", "article", a.ID, "err", err.Error())
		return nil, err
	}
	if people {
		if err := m.loadPeopleLocked(ctx, s.people()); err != nil {
			return nil, err
		}
	}
	withMedia(s, m.media, m.render)
	return &base{snap: s, liveKey: m.liveKey(a)}, nil
}

// liveKey is what a snapshot of a was built from: its live version and
// how this read model renders it (a stored snapshot built under another
// public URL is rebuilt).
func (m *ReadModel) liveKey(a *models.Article) string { return liveKey(a) + m.render.key() }

// loadPeopleLocked reads the profiles of the people a snapshot names
// (refreshed on every build; a known profile stands in when the database
// does not answer).
func (m *ReadModel) loadPeopleLocked(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if id == "" {
			continue
		}
		u, err := m.users.Get(ctx, id)
		switch {
		case err == nil:
			m.people[id] = u
		case errors.Is(err, models.ErrNotFound):
			m.people[id] = nil
		case m.people[id] == nil:
			if _, known := m.people[id]; !known {
				return err
			}
		}
	}
	return nil
}

// decoratedLocked returns b's snapshot with current profiles and settings.
func (m *ReadModel) decoratedLocked(b *base) *Snapshot {
	sig := m.setSig
	for _, id := range b.snap.people() {
		if u := m.people[id]; u != nil {
			sig += "|" + id + "@" + strconv.FormatInt(u.UpdatedAt.UnixNano(), 10)
		}
	}
	if b.dec != nil && b.decSig == sig {
		return b.dec
	}
	d := *b.snap
	d.Decorate(Profiles{People: m.people, Settings: m.settings, Media: m.render})
	b.dec, b.decSig = &d, sig
	return b.dec
}

// rebuildLocked makes a new index from all the bases, re-encoding only
// the entries whose snapshot or resolved related articles changed. It
// walks the whole catalogue: Load and profile or settings changes use
// it; a single article's change uses updateLocked.
func (m *ReadModel) rebuildLocked() {
	ix := &index{bySlug: map[string]*Entry{}, byID: map[string]*Entry{}, moved: map[string]string{}, gone: map[string]bool{},
		byTopic: map[string][]*Entry{}, pages: map[string]*Doc{}, slugs: map[string]fallback{}}
	ids, bs := make([]string, 0, len(m.bases)), make([]*base, 0, len(m.bases))
	for id, b := range m.bases {
		ids, bs = append(ids, id), append(bs, b)
	}
	// Decorating a base writes only that base, and encoding an entry
	// writes only its own base and entry (it reads the others'
	// decorations): both run on every core, in two passes. They were
	// most of a start from the cache at 10,000 published articles.
	eachParallel(len(bs), func(i int) { m.decoratedLocked(bs[i]) })
	m.slugsOf, m.refBy = map[string][]string{}, map[string]map[string]bool{}
	for slug, id := range m.history {
		m.slugsOf[id] = append(m.slugsOf[id], slug)
		ix.slugStateLocked(m, slug)
		m.dirty[slug] = true
	}
	for _, b := range bs {
		m.examined++
		m.refsLocked(b, true)
	}
	built := make([]*Entry, len(bs))
	eachParallel(len(bs), func(i int) { built[i] = m.entryLocked(ids[i], bs[i], m.entries[ids[i]]) })
	entries := make(map[string]*Entry, len(bs))
	for i, e := range built {
		if e != nil {
			entries[ids[i]] = e
		}
	}
	m.entries = entries
	for _, e := range entries {
		ix.bySlug[e.Slug] = e
		ix.byID[e.ArticleID] = e
		ix.list = append(ix.list, e)
		for _, t := range e.Topics {
			ix.byTopic[t] = append(ix.byTopic[t], e)
		}
	}
	sort.Slice(ix.list, func(i, j int) bool { return newer(ix.list[i], ix.list[j]) })
	for _, l := range ix.byTopic {
		sort.Slice(l, func(i, j int) bool { return newer(l[i], l[j]) })
	}
	ix.finish()
	m.gen++
	m.cur.Store(ix)
}

// setLocked makes b article id's live base (nil: it is not live any
// more) and brings the index up to date.
func (m *ReadModel) setLocked(id string, b *base) {
	if old := m.bases[id]; old != nil {
		m.refsLocked(old, false)
	}
	if b == nil {
		delete(m.bases, id)
	} else {
		m.bases[id] = b
		m.refsLocked(b, true)
		m.claimSlugLocked(b.snap.Slug, id)
	}
	m.updateLocked(id)
}

// updateLocked brings the index up to date after one article's base
// changed (or went): it re-examines that article and the articles whose
// related lists name one of its slugs, and copies the index's maps and
// lists with only their entries replaced. No entry of the rest of the
// catalogue is looked at, so a publish costs about the same at 100 and
// at 10,000 live articles (the copy of the maps and the list is a
// pointer copy).
func (m *ReadModel) updateLocked(id string) {
	old := m.cur.Load()
	ix := &index{bySlug: maps.Clone(old.bySlug), byID: maps.Clone(old.byID), moved: maps.Clone(old.moved), gone: maps.Clone(old.gone),
		list: slices.Clone(old.list), byTopic: maps.Clone(old.byTopic), pages: map[string]*Doc{}, slugs: map[string]fallback{}}
	affected := []string{id}
	seen := map[string]bool{id: true}
	for _, slug := range m.slugsOf[id] {
		ix.slugStateLocked(m, slug)
		m.dirty[slug] = true
		for r := range m.refBy[slug] {
			if !seen[r] {
				seen[r] = true
				affected = append(affected, r)
			}
		}
	}
	for _, a := range affected { // related summaries first: an entry shows the others' decorated summary
		if b := m.bases[a]; b != nil {
			m.decoratedLocked(b)
		}
	}
	cloned := map[string]bool{} // topic lists copied for this index
	for _, a := range affected {
		m.examined++
		prev := m.entries[a]
		var e *Entry
		if b := m.bases[a]; b != nil {
			e = m.entryLocked(a, b, prev)
		}
		if e == prev {
			continue
		}
		if prev != nil {
			m.dirty[prev.Slug] = true
			ix.remove(prev, cloned)
			delete(m.entries, a)
		}
		if e != nil {
			m.dirty[e.Slug] = true
			ix.insert(e, cloned)
			m.entries[a] = e
		}
	}
	ix.finish()
	m.gen++
	m.cur.Store(ix)
}

// slugStateLocked sets whether slug, once live, is now moved or gone.
func (ix *index) slugStateLocked(m *ReadModel, slug string) {
	delete(ix.moved, slug)
	delete(ix.gone, slug)
	id, ok := m.history[slug]
	if !ok {
		return
	}
	switch b := m.bases[id]; {
	case b == nil:
		ix.gone[slug] = true
	case b.snap.Slug != slug:
		ix.moved[slug] = b.snap.Slug
	}
}

// remove and insert take an entry out of (put one into) an index being
// made by updateLocked; the list is its own copy, topic lists are copied
// on their first change (cloned).
func (ix *index) remove(e *Entry, cloned map[string]bool) {
	if ix.bySlug[e.Slug] == e {
		delete(ix.bySlug, e.Slug)
	}
	if ix.byID[e.ArticleID] == e {
		delete(ix.byID, e.ArticleID)
	}
	ix.list = removeEntry(ix.list, e)
	for _, t := range e.Topics {
		l := ix.byTopic[t]
		if !cloned[t] {
			l, cloned[t] = slices.Clone(l), true
		}
		if l = removeEntry(l, e); len(l) == 0 {
			delete(ix.byTopic, t)
		} else {
			ix.byTopic[t] = l
		}
	}
}

func (ix *index) insert(e *Entry, cloned map[string]bool) {
	ix.bySlug[e.Slug] = e
	ix.byID[e.ArticleID] = e
	ix.list = insertEntry(ix.list, e)
	for _, t := range e.Topics {
		l := ix.byTopic[t]
		if !cloned[t] {
			l, cloned[t] = slices.Clone(l), true
		}
		ix.byTopic[t] = insertEntry(l, e)
	}
}

// removeEntry and insertEntry keep a list in the newer order (a total
// order: ties by article id), finding the place by binary search.
func removeEntry(l []*Entry, e *Entry) []*Entry {
	i := sort.Search(len(l), func(i int) bool { return !newer(l[i], e) })
	if i < len(l) && l[i] == e {
		return slices.Delete(l, i, i+1)
	}
	if i = slices.Index(l, e); i >= 0 { // not where its order says: still removed
		return slices.Delete(l, i, i+1)
	}
	return l
}

func insertEntry(l []*Entry, e *Entry) []*Entry {
	i := sort.Search(len(l), func(i int) bool { return newer(e, l[i]) })
	return slices.Insert(l, i, e)
}

// finish encodes the index's topic list and first list page.
func (ix *index) finish() {
	type topic struct {
		Topic string `json:"topic"`
		Count int    `json:"count"`
	}
	ts := make([]topic, 0, len(ix.byTopic))
	for t, l := range ix.byTopic {
		ts = append(ts, topic{t, len(l)})
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Topic < ts[j].Topic })
	body, _ := json.Marshal(struct {
		Items []topic `json:"items"`
	}{ts})
	ix.topics = newDoc(body, "t-").setTags([]string{TagTopics})
	ix.first = ix.page("", SortPublished, 1, DefaultLimit)
}

// refsLocked records (add) or forgets which slugs b's related list names.
func (m *ReadModel) refsLocked(b *base, add bool) {
	for _, r := range b.snap.RelatedSlugs {
		set := m.refBy[r]
		switch {
		case add && set == nil:
			m.refBy[r] = map[string]bool{b.snap.ID: true}
		case add:
			set[b.snap.ID] = true
		case set != nil:
			delete(set, b.snap.ID)
			if len(set) == 0 {
				delete(m.refBy, r)
			}
		}
	}
}

// claimSlugLocked records that article id went live under slug.
func (m *ReadModel) claimSlugLocked(slug, id string) {
	was, ok := m.history[slug]
	if ok && was == id {
		return
	}
	if ok {
		m.slugsOf[was] = slices.DeleteFunc(m.slugsOf[was], func(s string) bool { return s == slug })
	}
	m.history[slug] = id
	m.slugsOf[id] = append(m.slugsOf[id], slug)
}

// entryLocked returns the entry serving b (decorated): prev when nothing
// it shows changed, else b encoded anew (or as the projection stored it,
// when stored with the same signature); nil when it cannot be encoded.
func (m *ReadModel) entryLocked(id string, b *base, prev *Entry) *Entry {
	related := make([]*base, 0, len(b.snap.RelatedSlugs))
	relatedIDs := make([]string, 0, len(b.snap.RelatedSlugs))
	seen := map[string]bool{b.snap.Slug: true}
	size := 0
	for _, r := range b.snap.RelatedSlugs {
		t := m.bases[m.history[r]] // live under r, or moved from r
		if t == nil || seen[t.snap.Slug] {
			continue
		}
		seen[t.snap.Slug] = true
		related = append(related, t)
		relatedIDs = append(relatedIDs, t.snap.ID)
		size += len(t.snap.Slug) + len(t.liveKey) + len(t.decSig) + 3
	}
	var sb strings.Builder // one allocation (a start builds 10,000)
	sb.Grow(size)
	for _, t := range related {
		sb.WriteString(t.snap.Slug)
		sb.WriteByte('=')
		sb.WriteString(t.liveKey)
		sb.WriteByte('/')
		sb.WriteString(t.decSig)
		sb.WriteByte(';')
	}
	sig := sb.String()
	if prev != nil && prev.base == b && prev.relatedSig == sig && prev.decSig == b.decSig {
		return prev
	}
	tags := articleTags(id, relatedIDs, b.snap.Topics)
	if st := b.stored; st != nil && st.json != nil && st.sig == entrySig(sig, b.decSig) {
		// Encoded with these very profiles, settings and related
		// articles: serve it as it was written.
		e := &Entry{Doc: docOf(st.json, st.gzip, st.etag).setTags(tags), ArticleID: id, Slug: b.snap.Slug, Summary: b.dec.summarize(),
			Topics: b.snap.Topics, base: b, relatedSig: sig, decSig: b.decSig}
		b.stored = nil
		return e
	}
	doc := *b.dec
	if doc.Sections == nil {
		doc.Sections = m.sectionsLocked(b, prev)
	}
	doc.RelatedSlugs = nil
	doc.Related = make([]Summary, len(related))
	for i, t := range related {
		doc.Related[i] = t.dec.summarize()
	}
	body, err := json.Marshal(&doc)
	if err != nil {
		m.log.Error("delivery: encode", "article", id, "err", err.Error())
		return nil
	}
	m.encoded.Add(1)
	tag := b.snap.ContentHash
	if len(tag) > 16 {
		tag = tag[:16]
	}
	e := &Entry{Doc: m.offHeap(newDoc(body, tag+"-")).setTags(tags), ArticleID: id, Slug: b.snap.Slug, Summary: b.dec.summarize(),
		Topics: b.snap.Topics, base: b, relatedSig: sig, decSig: b.decSig}
	// The entry's JSON is the sections' one copy from now on.
	b.snap.Sections, b.dec.Sections, b.stored = nil, nil, nil
	return e
}

// arenaLimit bounds the arena's file: about four times what 10,000
// published articles of the seed's shape serve (230 MB). Past it (many
// re-encodings of everything, or a far larger catalogue) new documents
// stay on the heap until the next start.
const arenaLimit = 1 << 30

// offHeap moves a newly encoded article document's bytes into the
// arena in the cache directory (m.mu held): served from a mapped file,
// like the documents the start read from the start-up cache, instead of
// the heap. Without a cache directory, or when the arena cannot be made
// or is full, d stays as it is.
func (m *ReadModel) offHeap(d *Doc) *Doc {
	if m.cacheDir == "" || m.arenaFailed {
		return d
	}
	a := m.arena.Load()
	if a == nil {
		var err error
		if a, err = mmap.NewArena(m.cacheDir, arenaLimit); err != nil {
			m.arenaFailed = true
			m.log.Warn("delivery: documents published from now on stay on the heap", "err", err.Error())
			return d
		}
		m.arena.Store(a)
	}
	j := a.Copy(d.JSON)
	g := a.Copy(d.Gzip)
	if j == nil || g == nil {
		m.arenaFailed = true
		m.log.Warn("delivery: the document arena is full or cannot be written; documents published from now on stay on the heap until the next start", "bytes", a.Size())
		return d
	}
	d.JSON, d.Gzip = j, g
	return d
}

// sectionsLocked returns the sections of b, which were dropped once
// encoded: from the entry encoded from b before (prev), or from the
// document stored in the projection.
func (m *ReadModel) sectionsLocked(b *base, prev *Entry) []Section {
	switch {
	case prev != nil && prev.base == b:
		return sectionsOf(prev.JSON)
	case b.stored != nil && b.stored.json != nil:
		return sectionsOf(b.stored.json)
	}
	m.log.Error("delivery: sections of a live article not at hand", "article", b.snap.ID)
	return nil
}

// newer is the list order: newest first publication first, so that a
// correction or re-certification of an old article does not move it to
// the top (sites that want that ask for sort=updated).
func newer(a, b *Entry) bool {
	if !a.Summary.FirstPublishedAt.Equal(b.Summary.FirstPublishedAt) {
		return a.Summary.FirstPublishedAt.After(b.Summary.FirstPublishedAt)
	}
	return a.ArticleID < b.ArticleID
}

// updatedFirst is the sort=updated order: newest UpdatedAt first.
func updatedFirst(a, b *Entry) bool {
	if !a.Summary.UpdatedAt.Equal(b.Summary.UpdatedAt) {
		return a.Summary.UpdatedAt.After(b.Summary.UpdatedAt)
	}
	return a.ArticleID < b.ArticleID
}

// List orders.
const (
	SortPublished = "" // first publication, newest first (the default)
	SortUpdated   = "updated"
)

// Page limits.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	maxCached    = 2048
)

// page encodes one list page.
func (ix *index) page(topic, order string, page, limit int) *Doc {
	l := ix.list
	if topic != "" {
		l = ix.byTopic[topic]
	}
	if order == SortUpdated {
		l = slices.Clone(l)
		sort.SliceStable(l, func(i, j int) bool { return updatedFirst(l[i], l[j]) })
	}
	total := len(l)
	start := min((page-1)*limit, total)
	end := min(start+limit, total)
	items := make([]Summary, 0, end-start)
	for _, e := range l[start:end] {
		items = append(items, e.Summary)
	}
	body, _ := json.Marshal(struct {
		Items []Summary `json:"items"`
		Page  int       `json:"page"`
		Limit int       `json:"limit"`
		Total int       `json:"total"`
	}{items, page, limit, total})
	tags := []string{TagArticles}
	if topic != "" {
		tags = append(tags, TagTopic(topic))
	}
	return newDoc(body, "l-").setTags(tags)
}

// projectionWritesLocked lists the `published` documents that differ
// from what was last written, among the slugs a change marked dirty (a
// publish looks at its own slugs, not at every slug ever live).
func (m *ReadModel) projectionWritesLocked() []models.PublishedDoc {
	var out []models.PublishedDoc
	now := models.Now()
	for slug := range m.dirty {
		id, ok := m.history[slug]
		if !ok {
			continue
		}
		d, e := m.slugStateUnsignedLocked(slug, id)
		d.UpdatedAt = now
		if m.persisted[slug] == persistedKeyOf(&d, e) {
			continue
		}
		if d.State == models.SlugLive {
			d.Sig = entrySig(e.relatedSig, e.decSig)
		}
		// Encode only what changed: encoding every live snapshot on every
		// change made publishing slow down as the site grew (14/s at 100
		// published articles, 8/s at 1,000).
		if d.State == models.SlugLive {
			meta := *e.base.snap
			meta.Sections = nil
			bj, _ := json.Marshal(&meta)
			d.Meta, d.Gzip = string(bj), e.Gzip
		}
		out = append(out, d)
	}
	clear(m.dirty)
	return out
}

// slugStateLocked is what a slug ever live under article id answers
// now: live (with the entry), moved to the article's current slug, or
// gone — the `published` projection's document and the start-up cache's
// record, before their bodies.
func (m *ReadModel) slugStateLocked(slug, id string) (models.PublishedDoc, *Entry) {
	d, e := m.slugStateUnsignedLocked(slug, id)
	if d.State == models.SlugLive {
		d.Sig = entrySig(e.relatedSig, e.decSig)
	}
	return d, e
}

// slugStateUnsignedLocked is slugStateLocked without the document's Sig
// (persistedKeyOf reads it from the entry).
func (m *ReadModel) slugStateUnsignedLocked(slug, id string) (models.PublishedDoc, *Entry) {
	d := models.PublishedDoc{Slug: slug, ArticleID: id, FirstPublishedAt: m.firstPub[id]}
	e := m.entries[id]
	switch {
	case e == nil:
		d.State = models.SlugGone
	case e.Slug != slug:
		d.State = models.SlugMoved
		d.Doc = `{"movedTo":` + strconv.Quote(e.Slug) + `}`
	default:
		d.State, d.LiveKey, d.ETag = models.SlugLive, e.base.liveKey, e.ETag
	}
	return d, e
}

// persistedKeyOf is persistedKey of slugStateLocked's document, without
// joining its signature: every slug is compared at every start.
func persistedKeyOf(d *models.PublishedDoc, e *Entry) projKey {
	if d.State != models.SlugLive {
		return persistedKey(d.State, d.ETag, d.Sig)
	}
	return persistedKey(d.State, d.ETag, e.relatedSig, sigSep, e.decSig)
}

// projKey is what decides whether a projection document is current: a
// digest of its state, ETag and signature. The three joined were about
// 900 bytes per article, held for every slug (9 MB at 10,000 published)
// and built at every start.
type projKey [16]byte

// The signature may come in parts (joined, they are the signature).
func persistedKey(state, etag string, sig ...string) projKey {
	b := make([]byte, 0, 2048) // on the stack for the usual sizes
	for _, s := range []string{state, etag} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	n := 0
	for _, s := range sig {
		n += len(s)
	}
	b = binary.AppendUvarint(b, uint64(n))
	for _, s := range sig {
		b = append(b, s...)
	}
	sum := sha256.Sum256(b)
	return projKey(sum[:16])
}

// settingsSig fingerprints the site settings: documents encoded with the
// same settings, on any instance, carry the same signature.
func settingsSig(st models.Settings) string {
	b, _ := json.Marshal(st)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// persist writes the projection documents that differ from what was
// last written, one writer at a time: the documents are computed once
// the writer holds persistMu, from the newest state, so concurrent
// changes neither write a document twice (eight publishes at once wrote
// each other's documents, two thirds of the database's writes) nor
// overwrite a newer one with an older. It returns once every change
// applied before it was called is written (or failed: a failed document
// is tried again on the next change).
func (m *ReadModel) persist(ctx context.Context) {
	m.persistMu.Lock()
	defer m.persistMu.Unlock()
	m.mu.Lock()
	docs := m.projectionWritesLocked()
	was := make([]projKey, len(docs))
	for i := range docs {
		d := &docs[i]
		was[i] = m.persisted[d.Slug]
		m.persisted[d.Slug] = persistedKey(d.State, d.ETag, d.Sig)
	}
	m.mu.Unlock()
	if len(docs) > 0 { // once written: the writes read the documents' gzip
		defer func() {
			select {
			case m.changed <- struct{}{}:
			default:
			}
		}()
	}
	for i := range docs {
		d := &docs[i]
		err := m.proj.PutPublished(ctx, d)
		if errors.Is(err, models.ErrConflict) {
			// Two instances upserted the same slug at once (FerretDB's
			// upsert is not atomic): the document exists now; write ours.
			err = m.proj.PutPublished(ctx, d)
		}
		if err != nil {
			m.log.Warn("delivery: projection not written; retried on the next change", "slug", d.Slug, "err", err.Error())
			m.mu.Lock()
			for j := i; j < len(docs); j++ {
				m.dirty[docs[j].Slug] = true
				if m.persisted[docs[j].Slug] == persistedKey(docs[j].State, docs[j].ETag, docs[j].Sig) {
					m.persisted[docs[j].Slug] = was[j]
				}
			}
			m.mu.Unlock()
			return
		}
	}
}

// Applied returns the live entry for slug from this instance's memory
// alone, without Lookup's fallback to the projection: what this instance
// has applied itself.
func (m *ReadModel) Applied(slug string) *Entry {
	return m.cur.Load().bySlug[slug]
}

// Lookup finds a slug: Found with the entry, Moved with the current slug,
// Gone (unpublished) or NotFound. The hit path reads one atomic pointer
// and one map and allocates nothing.
func (m *ReadModel) Lookup(ctx context.Context, slug string) (*Entry, string, int) {
	ix := m.cur.Load()
	if e := ix.bySlug[slug]; e != nil {
		return e, "", Found
	}
	if to, ok := ix.moved[slug]; ok {
		return nil, to, Moved
	}
	if ix.gone[slug] {
		return m.slowLookup(ctx, ix, slug, Gone)
	}
	return m.slowLookup(ctx, ix, slug, NotFound)
}

// slowLookup answers a slug this instance does not serve: unknown
// (NotFound) or unpublished here (Gone). Another instance may already
// have published it, so the `published` projection is read by _id first
// (written before any publish is acknowledged): a request that arrives
// after the acknowledgement is not answered with the old state even by an
// instance that has not applied the change yet. Then the slugs collection
// is asked about a slug the projection does not know (its history was
// lost). The owner's events decide: only a slug under which the article
// was actually published redirects (or is gone); a slug only ever used by
// a draft stays 404, so that no draft's name leaks. Answers are cached,
// boundedly, per index, for MissTTL or for as long as the log has not
// moved past the position they were checked at (nothingAfter); database
// checks are rationed.
func (m *ReadModel) slowLookup(ctx context.Context, ix *index, slug string, known int) (*Entry, string, int) {
	now := time.Now()
	ix.mu.Lock()
	f, ok := ix.slugs[slug]
	ix.mu.Unlock()
	if ok && (now.Sub(f.at) < m.missTTL || m.nothingAfter(ctx, f.pos, now)) {
		return f.e, f.to, f.kind
	}
	if !m.misses.take(now) {
		if ok {
			return f.e, f.to, f.kind
		}
		return nil, "", known
	}
	pos := m.Position() // before the check: what it answers is current at least up to pos
	f, cache := m.checkSlug(ctx, ix, slug, known)
	if !cache {
		return nil, "", known // database down: do not cache
	}
	f.at, f.pos = now, pos
	ix.mu.Lock()
	if _, had := ix.slugs[slug]; had || len(ix.slugs) < maxCached {
		ix.slugs[slug] = f
	}
	ix.mu.Unlock()
	return f.e, f.to, f.kind
}

// checkSlug reads what the database knows of a slug; cache is false when
// it could not be read.
func (m *ReadModel) checkSlug(ctx context.Context, ix *index, slug string, known int) (f fallback, cache bool) {
	d, err := m.proj.Published(ctx, slug)
	switch {
	case err == nil && d.State == models.SlugLive && (len(d.Gzip) > 0 || d.Doc != ""):
		body := []byte(d.Doc)
		if len(d.Gzip) > 0 {
			if body, err = gunzip(d.Gzip); err != nil {
				return fallback{}, false
			}
		}
		var s struct {
			Topics  []string `json:"topics"`
			Related []struct {
				Slug string `json:"slug"`
			} `json:"related"`
		}
		_ = json.Unmarshal(body, &s)
		var related []string
		for _, r := range s.Related { // tagged by id when this instance knows them
			if re := ix.bySlug[r.Slug]; re != nil {
				related = append(related, re.ArticleID)
			}
		}
		doc := projectedDoc(body, d.ETag)
		if len(d.Gzip) > 0 {
			doc = docOf(body, d.Gzip, d.ETag)
		}
		e := &Entry{Doc: doc.setTags(articleTags(d.ArticleID, related, s.Topics)),
			ArticleID: d.ArticleID, Slug: slug, Topics: s.Topics}
		return fallback{kind: Found, e: e}, true
	case err == nil && d.State == models.SlugMoved:
		var mv struct {
			MovedTo string `json:"movedTo"`
		}
		if json.Unmarshal([]byte(d.Doc), &mv) == nil && mv.MovedTo != "" {
			return fallback{kind: Moved, to: mv.MovedTo}, true
		}
	case err == nil && d.State == models.SlugGone:
		return fallback{kind: Gone}, true
	case err != nil && !errors.Is(err, models.ErrNotFound):
		return fallback{}, false
	}
	if known == Gone {
		return fallback{kind: Gone}, true
	}
	f = fallback{kind: NotFound}
	owner, err := m.articles.SlugOwner(ctx, slug)
	switch {
	case err == nil:
		a, ok := m.articles.Known(owner)
		if !ok || !a.EverPublished {
			break
		}
		was, err := m.wasLiveAs(ctx, a, slug)
		if err != nil {
			return f, false
		}
		if !was {
			break
		}
		if e := ix.byID[owner]; e != nil {
			f = fallback{kind: Moved, to: e.Slug}
		} else {
			f = fallback{kind: Gone}
		}
	case !errors.Is(err, models.ErrNotFound):
		return f, false
	}
	return f, true
}

// missBudget rations the database checks of slugs not served from
// memory: at most perSec per second.
type missBudget struct {
	perSec int
	mu     sync.Mutex
	window time.Time
	used   int
}

func (b *missBudget) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Sub(b.window) >= time.Second {
		b.window, b.used = now, 0
	}
	if b.used >= b.perSec {
		return false
	}
	b.used++
	return true
}

// projectedDoc is a document read back from the projection, served with
// the ETag the writing instance gave it.
func projectedDoc(body []byte, etag string) *Doc {
	d := newDoc(body, "")
	if etag != "" {
		d.ETag, d.ETagHdr = etag, []string{etag}
	}
	return d
}

// wasLiveAs replays the article's events: was it ever published while
// its slug was slug?
func (m *ReadModel) wasLiveAs(ctx context.Context, a *models.Article, slug string) (bool, error) {
	cur := ""
	for _, seq := range a.Seqs {
		ev, err := m.articles.Event(ctx, seq)
		if err != nil {
			return false, err
		}
		if ev.Data.Content != nil {
			cur = ev.Data.Content.Slug
		}
		if ev.Action == "publish" && ev.Data.PublishAt == nil && cur == slug {
			return true, nil
		}
	}
	return false, nil
}

// List returns the encoded list page (topic may be empty). page ≥ 1,
// 1 ≤ limit ≤ MaxLimit.
func (m *ReadModel) List(topic string, page, limit int) *Doc {
	return m.ListSorted(topic, SortPublished, page, limit)
}

// ListSorted is List in an order: SortPublished or SortUpdated.
func (m *ReadModel) ListSorted(topic, order string, page, limit int) *Doc {
	ix := m.cur.Load()
	if topic == "" && order == SortPublished && page == 1 && limit == DefaultLimit {
		return ix.first
	}
	key := topic + "|" + order + "|" + strconv.Itoa(page) + "|" + strconv.Itoa(limit)
	ix.mu.Lock()
	d := ix.pages[key]
	ix.mu.Unlock()
	if d != nil {
		return d
	}
	d = ix.page(topic, order, page, limit)
	ix.mu.Lock()
	if len(ix.pages) < maxCached {
		ix.pages[key] = d
	}
	ix.mu.Unlock()
	return d
}

// Topics returns the encoded topic list.
func (m *ReadModel) Topics() *Doc { return m.cur.Load().topics }

// ArenaBytes is how much the arena's file holds: the documents encoded
// since the start, served from it (offHeap), including those replaced
// since. It does not wait for m.mu (held through a whole Load): a
// metrics scrape calls it.
func (m *ReadModel) ArenaBytes() int {
	if a := m.arena.Load(); a != nil {
		return a.Size()
	}
	return 0
}

// MappedResident is how many bytes of the mapped documents (the arena
// and the start-up cache) are in the process's resident set.
func (m *ReadModel) MappedResident() (int, error) {
	a, err := m.arena.Load().Resident()
	if err != nil {
		return 0, err
	}
	c, err := mmap.Resident(m.cacheMap)
	return a + c, err
}

// releaseMapped takes the mapped documents' pages out of the resident
// set (the page cache keeps them; a read maps them again).
func (m *ReadModel) releaseMapped() {
	m.arena.Load().Release()
	mmap.Drop(m.cacheMap)
}

// Len returns how many articles are live.
func (m *ReadModel) Len() int { return len(m.cur.Load().list) }

// Size returns the live articles and the bytes of their pre-encoded
// documents (JSON and gzip), for metrics.
func (m *ReadModel) Size() (articles int, bytes int64) {
	ix := m.cur.Load()
	for _, e := range ix.list {
		bytes += int64(len(e.JSON) + len(e.Gzip))
	}
	return len(ix.list), bytes
}
