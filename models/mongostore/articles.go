package mongostore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/vetted-cms/vetted/models"
)

// ArticleStore keeps article heads in the database and a catalog of every
// article in memory. Heads are projections of the event log: the writer
// that wins a claim writes the head; a head that lags behind the log (a
// crash between the two writes, or a slow writer) is rolled forward from
// the events on the next load and at start.
type ArticleStore struct {
	db  *DB
	Log *Log

	mu      sync.RWMutex
	catalog map[string]*models.Article // content trimmed to what lists need
	// OnApply, when set, is called for every article event applied to the
	// catalog, with the article after it (trimmed). The delivery read model
	// and the scheduler hang off it.
	OnApply func(ev *models.Event, a *models.Article)
	// OnOther, when set, is called for every other event (user, license,
	// token, webhook changes) as this instance applies the log.
	OnOther func(ev *models.Event)
	// LoadedFrom says how Load built the catalog (for logs and tests).
	LoadedFrom string
	// LocalDir, when set, keeps a local copy of the catalog snapshot
	// (snapshotfile.go) that Load reads instead of the database's.
	LocalDir    string
	loadedLocal bool
}

var _ models.ArticleStore = (*ArticleStore)(nil)

// NewArticleStore returns a store whose log follows db's event log.
func NewArticleStore(db *DB) *ArticleStore {
	s := &ArticleStore{db: db, catalog: map[string]*models.Article{}}
	s.Log = NewLog(db, s.applyEvent)
	return s
}

// ReplayWindow is how many of the newest events are re-checked at start
// for heads that a crash left behind.
const ReplayWindow = 1000

// Load builds the catalog from the heads, rolls forward whatever the log
// holds beyond them, and sets the follow cursor at the tail.
func (s *ArticleStore) Load(ctx context.Context) error {
	local := s.readLocalSnapshot(ctx)
	defer local.release()
	var base int64 // the log's tail is at or after the local copy's event
	if local != nil {
		base = local.cursor
	}
	n, err := s.Log.countAfter(ctx, base)
	if err != nil {
		return fmt.Errorf("find log tail: %w", err)
	}
	tail := base + n
	if ok, err := s.loadFromSnapshot(ctx, tail, local); ok || err != nil {
		return err
	}
	heads, err := s.allHeads(ctx)
	if err != nil {
		return fmt.Errorf("load articles: %w", err)
	}
	s.LoadedFrom = fmt.Sprintf("%d article heads", len(heads))
	s.mu.Lock()
	for _, h := range heads {
		s.catalog[h.ID] = trim(h)
	}
	s.mu.Unlock()
	from := tail - ReplayWindow
	if from < 1 {
		from = 1
	}
	if err := s.replay(ctx, from, tail); err != nil {
		return err
	}
	return s.Log.StartAt(ctx, tail)
}

// replay applies the events from..tail to the catalog (those it does not
// hold yet, in version order) and rolls forward the heads they touched,
// which a crash may have left behind.
func (s *ArticleStore) replay(ctx context.Context, from, tail int64) error {
	touched := map[string]bool{}
	for seq := from; seq <= tail; seq++ {
		ev, err := s.Log.Get(ctx, seq)
		if err != nil {
			return fmt.Errorf("replay event %d: %w", seq, err)
		}
		if ev.ArticleID == "" {
			continue
		}
		s.mu.Lock()
		cur := s.catalog[ev.ArticleID]
		if (cur == nil && ev.Version == 1) || (cur != nil && ev.Version == cur.Version+1) {
			s.catalog[ev.ArticleID] = trim(models.Apply(cur, ev))
			touched[ev.ArticleID] = true
		}
		s.mu.Unlock()
	}
	for id := range touched {
		if _, err := s.Get(ctx, id); err != nil {
			return fmt.Errorf("roll forward %s: %w", id, err)
		}
	}
	return nil
}

// applyEvent is the log follower's callback: it keeps the catalog current
// with every instance's writes.
func (s *ArticleStore) applyEvent(ev *models.Event) {
	if ev.ArticleID == "" {
		if s.OnOther != nil {
			s.OnOther(ev)
		}
		return
	}
	s.mu.Lock()
	cur := s.catalog[ev.ArticleID]
	if cur != nil && ev.Version <= cur.Version {
		s.mu.Unlock()
		return
	}
	next := trim(models.Apply(cur, ev))
	s.catalog[ev.ArticleID] = next
	hook := s.OnApply
	s.mu.Unlock()
	if hook != nil {
		hook(ev, next)
	}
}

// trim keeps what lists need and drops the bodies.
func trim(a *models.Article) *models.Article {
	t := *a
	t.Content = models.Content{Slug: a.Content.Slug, Title: a.Content.Title, Summary: a.Content.Summary, Topics: a.Content.Topics}
	return &t
}

// Get returns the article's head, rolled forward to the newest event this
// instance knows of.
func (s *ArticleStore) Get(ctx context.Context, id string) (*models.Article, error) {
	var head models.Article
	h, err := StoredHead(ctx, s.db, id)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	if h != nil {
		head = *h
	}
	s.mu.RLock()
	known := s.catalog[id]
	s.mu.RUnlock()
	if errors.Is(err, models.ErrNotFound) {
		if known == nil {
			return nil, models.Errorf(models.ErrNotFound, "article %s not found", id)
		}
	}
	if known == nil || known.Version <= head.Version {
		return &head, nil
	}
	// The head lags: replay the missing events.
	var cur *models.Article
	if head.Version > 0 {
		cur = &head
	}
	for _, seq := range known.Seqs {
		if cur != nil && len(cur.Seqs) > 0 && seq <= cur.Seqs[len(cur.Seqs)-1] {
			continue
		}
		ev, err := s.Log.Get(ctx, seq)
		if err != nil {
			return nil, fmt.Errorf("roll forward %s: %w", id, err)
		}
		cur = models.Apply(cur, ev)
	}
	if err := s.putHead(ctx, cur); err != nil {
		return nil, err
	}
	return cur, nil
}

// Commit claims ev (its Key is "<articleId>:<version>") and, when it wins,
// writes the article's new head. ErrConflict means the caller's version
// was stale: another change won.
func (s *ArticleStore) Commit(ctx context.Context, prev *models.Article, ev *models.Event) (*models.Article, error) {
	ev.Key = fmt.Sprintf("%s:%d", ev.ArticleID, ev.Version)
	if err := s.Log.Append(ctx, ev); err != nil {
		if errors.Is(err, models.ErrConflict) {
			_, _ = s.Log.Sync(ctx) // learn what won, for the 409 answer
		}
		return nil, err
	}
	next := models.Apply(prev, ev)
	// The event is the record: a head that fails to write here is rolled
	// forward from the log on the next load, so the error is not the caller's.
	_ = s.putHead(ctx, next)
	return next, nil
}

// ClaimSlug reserves slug for article id. Slugs are never released: an
// article keeps every slug it ever used (old ones redirect).
func (s *ArticleStore) ClaimSlug(ctx context.Context, slug, id string) error {
	type slugDoc struct {
		ID        string `bson:"_id"`
		ArticleID string `bson:"articleId"`
	}
	err := s.db.insert(ctx, CollSlugs, slugDoc{ID: slug, ArticleID: id})
	if err == nil || !errors.Is(err, models.ErrConflict) {
		return err
	}
	var d slugDoc
	if err := s.db.get(ctx, CollSlugs, slug, &d); err != nil {
		return err
	}
	if d.ArticleID != id {
		return &models.Error{Err: models.ErrConflict, Message: "the slug is used by another article", Fields: map[string]string{"slug": "already used by another article"}}
	}
	return nil
}

// SlugOwner returns the article that claimed slug.
func (s *ArticleStore) SlugOwner(ctx context.Context, slug string) (string, error) {
	var d struct {
		ArticleID string `bson:"articleId"`
	}
	if err := s.db.get(ctx, CollSlugs, slug, &d); err != nil {
		return "", err
	}
	return d.ArticleID, nil
}

// Known returns the catalog's (trimmed) view of one article.
func (s *ArticleStore) Known(id string) (*models.Article, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.catalog[id]
	return a, ok
}

// List filters and pages the catalog in memory, newest change first, ties
// by id, so pages are stable.
func (s *ArticleStore) List(q models.ListQuery) ([]models.Summary, int) {
	s.mu.RLock()
	items := make([]models.Summary, 0, len(s.catalog))
	term := strings.ToLower(strings.TrimSpace(q.Q))
	for _, a := range s.catalog {
		if q.Match != nil && !q.Match(a) {
			continue
		}
		if q.Status != "" && a.Status != q.Status {
			continue
		}
		if q.AuthorID != "" && a.AuthorID != q.AuthorID {
			continue
		}
		if q.Topic != "" && !slices.Contains(a.Content.Topics, q.Topic) {
			continue
		}
		if term != "" && !strings.Contains(strings.ToLower(a.Content.Title+" "+a.Content.Slug+" "+a.Content.Summary), term) {
			continue
		}
		items = append(items, a.Summarize())
	}
	s.mu.RUnlock()
	sort.Slice(items, func(i, j int) bool {
		if q.Sort == models.SortWaiting {
			a, b := items[i].SubmittedAt, items[j].SubmittedAt
			switch {
			case a != nil && b != nil && !a.Equal(*b):
				return a.Before(*b)
			case a != nil && b == nil:
				return true
			case a == nil && b != nil:
				return false
			}
			return items[i].ID < items[j].ID
		}
		if !items[i].UpdatedAt.Equal(items[j].UpdatedAt) {
			return items[i].UpdatedAt.After(items[j].UpdatedAt)
		}
		return items[i].ID < items[j].ID
	})
	total := len(items)
	start := (q.Page - 1) * q.Limit
	if start > total {
		start = total
	}
	end := start + q.Limit
	if end > total {
		end = total
	}
	return items[start:end], total
}

// All returns the catalog's articles (trimmed), for projections.
func (s *ArticleStore) All() []*models.Article {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*models.Article, 0, len(s.catalog))
	for _, a := range s.catalog {
		out = append(out, a)
	}
	return out
}

// Event loads one event.
func (s *ArticleStore) Event(ctx context.Context, seq int64) (*models.Event, error) {
	return s.Log.Get(ctx, seq)
}
