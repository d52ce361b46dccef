package delivery

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/vetted-cms/vetted/models"
)

// TokenChecker validates a delivery token against the database and
// records its use (service.Service.CheckDeliveryToken).
type TokenChecker interface {
	CheckDeliveryToken(ctx context.Context, secret string) error
}

// TokenCache answers "is this delivery token valid?" from memory for TTL
// after the database last said yes, so that the delivery hot path does no
// I/O and keeps serving known sites while the database is down. A revoked
// token is forgotten by every instance as its log follower reads the
// revocation (Forget); TTL bounds it if that event were late.
type TokenCache struct {
	check TokenChecker
	ttl   time.Duration
	now   func() time.Time

	mu sync.RWMutex
	ok map[string]time.Time // token → when the database last accepted it
}

// maxTokens bounds the cache; only accepted tokens are cached.
const maxTokens = 10000

// NewTokenCache returns a cache in front of check.
func NewTokenCache(check TokenChecker, ttl time.Duration) *TokenCache {
	if ttl <= 0 {
		ttl = 30 * time.Second
	}
	return &TokenCache{check: check, ttl: ttl, now: time.Now, ok: map[string]time.Time{}}
}

// Allow returns nil for a valid token, ErrUnauthenticated otherwise. A
// token accepted before stays accepted while the database does not
// answer.
func (c *TokenCache) Allow(ctx context.Context, token string) error {
	now := c.now()
	c.mu.RLock()
	at, known := c.ok[token]
	c.mu.RUnlock()
	if known && now.Sub(at) < c.ttl {
		return nil
	}
	err := c.check.CheckDeliveryToken(ctx, token)
	switch {
	case err == nil:
		c.mu.Lock()
		if len(c.ok) >= maxTokens {
			clear(c.ok)
		}
		c.ok[token] = now
		c.mu.Unlock()
		return nil
	case known && errors.Is(err, models.ErrUnavailable):
		return nil
	}
	if known {
		c.mu.Lock()
		delete(c.ok, token)
		c.mu.Unlock()
	}
	return err
}

// Forget drops a token from the cache by its id (the part between "vd_"
// and "."), so that the next request asks the database.
func (c *TokenCache) Forget(id string) {
	prefix := "vd_" + id + "."
	c.mu.Lock()
	defer c.mu.Unlock()
	for tok := range c.ok {
		if strings.HasPrefix(tok, prefix) {
			delete(c.ok, tok)
		}
	}
}
