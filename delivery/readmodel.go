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
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

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

// Users looks up authors.
type Users interface {
	Get(ctx context.Context, id string) (*models.User, error)
}

// Projection stores the `published` collection.
type Projection interface {
	PublishedAll(ctx context.Context) ([]models.PublishedDoc, error)
	PutPublished(ctx context.Context, d *models.PublishedDoc) error
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
}

// Doc is one pre-encoded response: JSON, its gzip, its strong ETag, and
// the header values ready to assign (no allocation per request).
type Doc struct {
	JSON, Gzip []byte
	ETag       string
	ETagHdr    []string
	LenHdr     []string
	GzipLenHdr []string
}

func newDoc(body []byte, tag string) *Doc {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	sum := sha256.Sum256(body)
	etag := `"` + tag + hex.EncodeToString(sum[:12]) + `"`
	return &Doc{JSON: body, Gzip: buf.Bytes(), ETag: etag, ETagHdr: []string{etag},
		LenHdr: []string{strconv.Itoa(len(body))}, GzipLenHdr: []string{strconv.Itoa(buf.Len())}}
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
}

// base is a live article's snapshot before related articles are resolved.
type base struct {
	snap    *Snapshot
	liveKey string
	version int64
}

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
}

// Options tune the read model.
type Options struct {
	Logger *slog.Logger
	// Media, when set, gives hero images of the library their size and srcset.
	Media MediaLookup
	// RetryEvery is how often a change that could not be built (database
	// down) is tried again.
	RetryEvery time.Duration
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
	bases     map[string]*base
	applied   map[string]int64     // article → version applied
	history   map[string]string    // every slug ever live → article
	firstPub  map[string]time.Time // article → first publication
	entries   map[string]*Entry    // article → entry of the current index
	persisted map[string]string    // slug → state|etag written to the projection
	authors   map[string]*models.User

	qmu     sync.Mutex
	queue   []*models.Article
	wake    chan struct{}
	pending map[string]*models.Article // failed builds, by article

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
	m := &ReadModel{articles: articles, users: users, proj: proj, log: o.Logger, retry: o.RetryEvery, media: o.Media,
		bases: map[string]*base{}, applied: map[string]int64{}, history: map[string]string{},
		firstPub: map[string]time.Time{}, entries: map[string]*Entry{}, persisted: map[string]string{},
		authors: map[string]*models.User{}, wake: make(chan struct{}, 1), pending: map[string]*models.Article{}}
	m.mu.Lock()
	m.rebuildLocked()
	m.mu.Unlock()
	return m
}

// Load builds the read model from the heads of live articles, reusing
// the `published` projection where it is current and rebuilding (and
// rewriting) it where it is missing or stale.
func (m *ReadModel) Load(ctx context.Context) error {
	docs, err := m.proj.PublishedAll(ctx)
	if err != nil {
		return fmt.Errorf("load published projection: %w", err)
	}
	m.mu.Lock()
	stored := map[string]*models.PublishedDoc{}
	for i := range docs {
		d := &docs[i]
		stored[d.Slug] = d
		m.history[d.Slug] = d.ArticleID
		m.persisted[d.Slug] = d.State + "|" + d.ETag
		if f, ok := m.firstPub[d.ArticleID]; !d.FirstPublishedAt.IsZero() && (!ok || d.FirstPublishedAt.Before(f)) {
			m.firstPub[d.ArticleID] = d.FirstPublishedAt
		}
	}
	reused, built := 0, 0
	for _, a := range m.articles.All() {
		if a.Live == nil {
			continue
		}
		key := liveKey(a)
		if d := stored[a.Live.Slug]; d != nil && d.ArticleID == a.ID && d.State == models.SlugLive && d.LiveKey == key {
			var s Snapshot
			if err := json.Unmarshal([]byte(d.Base), &s); err == nil && s.ContentHash == a.Live.ContentHash {
				m.bases[a.ID] = &base{snap: &s, liveKey: key, version: a.Version}
				m.applied[a.ID] = a.Version
				reused++
				continue
			}
		}
		b, err := m.buildLocked(ctx, a, nil)
		if err != nil {
			m.mu.Unlock()
			return fmt.Errorf("build snapshot of %s: %w", a.ID, err)
		}
		m.bases[a.ID] = b
		m.applied[a.ID] = a.Version
		m.history[a.Live.Slug] = a.ID
		built++
	}
	m.rebuildLocked()
	writes := m.projectionWritesLocked()
	m.mu.Unlock()
	m.persist(ctx, writes)
	m.log.Info("delivery read model loaded", "live", reused+built, "fromProjection", reused, "rebuilt", built)
	return nil
}

// Start runs the worker that applies changes learned from the log.
func (m *ReadModel) Start(ctx context.Context) {
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

func (m *ReadModel) drain(ctx context.Context) {
	for {
		m.qmu.Lock()
		if len(m.queue) == 0 {
			m.qmu.Unlock()
			return
		}
		a := m.queue[0]
		m.queue = m.queue[1:]
		m.qmu.Unlock()
		if err := m.apply(ctx, a, nil); err != nil {
			m.log.Warn("delivery: change not applied yet; will retry", "article", a.ID, "err", err.Error())
			m.qmu.Lock()
			if p := m.pending[a.ID]; p == nil || p.Version < a.Version {
				m.pending[a.ID] = a
			}
			m.qmu.Unlock()
		}
	}
}

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
	m.qmu.Lock()
	m.queue = append(m.queue, a)
	m.qmu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
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
	return m.apply(ctx, a, c)
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
		delete(m.bases, a.ID)
		if prev != nil {
			ch = &Change{Event: models.EventArticleUnpublished, Slug: prev.Slug, Title: prev.Summary.Title}
		}
	} else if old := m.bases[a.ID]; old != nil && old.liveKey == liveKey(a) {
		// Nothing live changed (e.g. a newer version was scheduled).
		m.applied[a.ID] = a.Version
		m.mu.Unlock()
		return nil
	} else {
		b, err := m.buildLocked(ctx, a, c)
		if err != nil {
			m.mu.Unlock()
			return err
		}
		b.version = a.Version
		m.bases[a.ID] = b
		m.history[a.Live.Slug] = a.ID
		ev := models.EventArticlePublished
		if old != nil && old.snap.ContentHash == b.snap.ContentHash && old.snap.Rev == b.snap.Rev && old.snap.Review.ReviewedAt.Before(b.snap.Review.ReviewedAt) && old.snap.PublishedAt.Equal(b.snap.PublishedAt) {
			ev = models.EventArticleRecertified
		}
		ch = &Change{Event: ev, Slug: b.snap.Slug, Title: b.snap.Title, Rev: b.snap.Rev, ContentHash: b.snap.ContentHash}
	}
	m.applied[a.ID] = a.Version
	m.rebuildLocked()
	writes := m.projectionWritesLocked()
	hook := m.OnChange
	m.mu.Unlock()
	m.persist(ctx, writes)
	if ch != nil && hook != nil {
		ch.ArticleID, ch.At = a.ID, a.UpdatedAt
		if n := len(a.Seqs); n > 0 {
			ch.Seq = a.Seqs[n-1]
		}
		hook(*ch)
	}
	return nil
}

// buildLocked renders a's live version; c is its content when the caller
// has it, else it is read from the revision's event.
func (m *ReadModel) buildLocked(ctx context.Context, a *models.Article, c *models.Content) (*base, error) {
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
	author := m.authors[a.AuthorID]
	if u, err := m.users.Get(ctx, a.AuthorID); err == nil {
		author = u
		m.authors[a.AuthorID] = u
	} else if author == nil && !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	first := m.firstPub[a.ID]
	if first.IsZero() || a.Live.PublishedAt.Before(first) {
		first = a.Live.PublishedAt
		m.firstPub[a.ID] = first
	}
	s, err := Build(a, *c, author, first)
	if err != nil {
		m.log.Error("delivery: refusing to serve a live version", "article", a.ID, "err", err.Error())
		return nil, err
	}
	withMedia(s, m.media)
	return &base{snap: s, liveKey: liveKey(a)}, nil
}

// rebuildLocked makes a new index from the bases, re-encoding only the
// entries whose snapshot or resolved related articles changed.
func (m *ReadModel) rebuildLocked() {
	ix := &index{bySlug: map[string]*Entry{}, byID: map[string]*Entry{}, moved: map[string]string{}, gone: map[string]bool{},
		byTopic: map[string][]*Entry{}, pages: map[string]*Doc{}, slugs: map[string]fallback{}}
	// First pass: summaries of everything live, for related resolution.
	sums := map[string]*base{}
	for _, b := range m.bases {
		sums[b.snap.Slug] = b
	}
	for slug, id := range m.history {
		b := m.bases[id]
		switch {
		case b == nil:
			ix.gone[slug] = true
		case b.snap.Slug != slug:
			ix.moved[slug] = b.snap.Slug
		}
	}
	resolve := func(slug string) *base {
		if b := sums[slug]; b != nil {
			return b
		}
		if to, ok := ix.moved[slug]; ok {
			return sums[to]
		}
		return nil
	}
	entries := map[string]*Entry{}
	for id, b := range m.bases {
		related := make([]*base, 0, len(b.snap.RelatedSlugs))
		sig := ""
		seen := map[string]bool{b.snap.Slug: true}
		for _, r := range b.snap.RelatedSlugs {
			t := resolve(r)
			if t == nil || seen[t.snap.Slug] {
				continue
			}
			seen[t.snap.Slug] = true
			related = append(related, t)
			sig += t.snap.Slug + "=" + t.liveKey + ";"
		}
		if e := m.entries[id]; e != nil && e.base == b && e.relatedSig == sig {
			entries[id] = e
			continue
		}
		doc := *b.snap
		doc.RelatedSlugs = nil
		doc.Related = make([]Summary, len(related))
		for i, t := range related {
			doc.Related[i] = t.snap.summarize()
		}
		body, err := json.Marshal(&doc)
		if err != nil {
			m.log.Error("delivery: encode", "article", id, "err", err.Error())
			continue
		}
		tag := b.snap.ContentHash
		if len(tag) > 16 {
			tag = tag[:16]
		}
		entries[id] = &Entry{Doc: newDoc(body, tag+"-"), ArticleID: id, Slug: b.snap.Slug, Summary: b.snap.summarize(),
			Topics: b.snap.Topics, base: b, relatedSig: sig}
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
	ix.topics = newDoc(body, "t-")
	ix.first = ix.page("", 1, DefaultLimit)
	m.cur.Store(ix)
}

func newer(a, b *Entry) bool {
	if !a.Summary.PublishedAt.Equal(b.Summary.PublishedAt) {
		return a.Summary.PublishedAt.After(b.Summary.PublishedAt)
	}
	return a.ArticleID < b.ArticleID
}

// Page limits.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	maxCached    = 2048
)

// page encodes one list page.
func (ix *index) page(topic string, page, limit int) *Doc {
	l := ix.list
	if topic != "" {
		l = ix.byTopic[topic]
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
	return newDoc(body, "l-")
}

// projectionWritesLocked lists the `published` documents that differ
// from what was last written.
func (m *ReadModel) projectionWritesLocked() []models.PublishedDoc {
	var out []models.PublishedDoc
	now := models.Now()
	for slug, id := range m.history {
		d := models.PublishedDoc{Slug: slug, ArticleID: id, FirstPublishedAt: m.firstPub[id], UpdatedAt: now}
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
		if m.persisted[slug] == d.State+"|"+d.ETag {
			continue
		}
		// Encode only what changed: encoding every live snapshot on every
		// change made publishing slow down as the site grew (14/s at 100
		// published articles, 8/s at 1,000).
		if d.State == models.SlugLive {
			d.Doc = string(e.JSON)
			bj, _ := json.Marshal(e.base.snap)
			d.Base = string(bj)
		}
		out = append(out, d)
	}
	return out
}

func (m *ReadModel) persist(ctx context.Context, docs []models.PublishedDoc) {
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
			return
		}
		m.mu.Lock()
		m.persisted[d.Slug] = d.State + "|" + d.ETag
		m.mu.Unlock()
	}
}

// Hit returns the live entry for slug, or nil for any other answer
// (moved, gone, unknown): the connection-level fast path answers hits
// and leaves everything else to the router. It does not allocate.
func (m *ReadModel) Hit(slug []byte) *Entry {
	return m.cur.Load().bySlug[string(slug)]
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
		return nil, "", Gone
	}
	return m.slowLookup(ctx, ix, slug)
}

// slowLookup asks the slugs collection about a slug the projection does
// not know (its history was lost). The owner's events decide: only a
// slug under which the article was actually published redirects (or is
// gone); a slug only ever used by a draft stays 404, so that no draft's
// name leaks. Answers are cached, boundedly, per index.
func (m *ReadModel) slowLookup(ctx context.Context, ix *index, slug string) (*Entry, string, int) {
	ix.mu.Lock()
	f, ok := ix.slugs[slug]
	ix.mu.Unlock()
	if ok {
		return nil, f.to, f.kind
	}
	f = fallback{kind: NotFound}
	owner, err := m.articles.SlugOwner(ctx, slug)
	switch {
	case err == nil:
		a, known := m.articles.Known(owner)
		if !known || !a.EverPublished {
			break
		}
		was, err := m.wasLiveAs(ctx, a, slug)
		if err != nil {
			return nil, "", NotFound // database down: do not cache
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
		return nil, "", NotFound
	}
	ix.mu.Lock()
	if len(ix.slugs) < maxCached {
		ix.slugs[slug] = f
	}
	ix.mu.Unlock()
	return nil, f.to, f.kind
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
	ix := m.cur.Load()
	if topic == "" && page == 1 && limit == DefaultLimit {
		return ix.first
	}
	key := topic + "|" + strconv.Itoa(page) + "|" + strconv.Itoa(limit)
	ix.mu.Lock()
	d := ix.pages[key]
	ix.mu.Unlock()
	if d != nil {
		return d
	}
	d = ix.page(topic, page, limit)
	ix.mu.Lock()
	if len(ix.pages) < maxCached {
		ix.pages[key] = d
	}
	ix.mu.Unlock()
	return d
}

// Topics returns the encoded topic list.
func (m *ReadModel) Topics() *Doc { return m.cur.Load().topics }

// Len returns how many articles are live.
func (m *ReadModel) Len() int { return len(m.cur.Load().list) }
