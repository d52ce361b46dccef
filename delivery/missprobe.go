package delivery

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/vetted-cms/vetted/models"
)

// logProbe remembers whether the log held any event after a position,
// as read at a time: one read of the log answers for every slug checked
// at that position.
type logProbe struct {
	mu   sync.Mutex
	pos  int64
	at   time.Time
	none bool
}

// nothingAfter reports whether the log, read no longer than MissTTL
// ago, holds no event after pos: then nothing anywhere has changed since
// an answer was checked at pos, and it still holds. A slug that misses
// was re-checked every MissTTL before, each a database read; CDN traffic
// brings a steady trickle of such slugs (the mixed bench: 1% of requests,
// 200 slugs, the whole default budget of 200 reads a second). Now they
// cost one read per MissTTL while the log stands still, and are
// re-checked one by one only when it moved.
func (m *ReadModel) nothingAfter(ctx context.Context, pos int64, now time.Time) bool {
	if m.cursor == nil || pos <= 0 {
		return false
	}
	p := &m.probe
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pos == pos && now.Sub(p.at) < m.missTTL {
		return p.none
	}
	_, err := m.articles.Event(ctx, pos+1)
	switch {
	case errors.Is(err, models.ErrNotFound):
		p.pos, p.at, p.none = pos, now, true
	case err == nil:
		p.pos, p.at, p.none = pos, now, false
	default:
		return false // database down: re-check (and do not cache)
	}
	return p.none
}
