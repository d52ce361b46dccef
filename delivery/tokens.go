package delivery

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

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
//
// Each token is checked by one request at a time (the others wait for
// its answer), and an accepted token is checked again in the background
// from TTL on, while requests keep being accepted for up to TTL/6 more:
// when every request asked the database at once as the entry expired,
// 64 connections of by-slug load stalled together for 60-240 ms (a read
// and a last-use write each, through the embedded database) every 30 s.
type TokenCache struct {
	check TokenChecker
	ttl   time.Duration
	now   func() time.Time

	mu sync.RWMutex
	ok map[string]time.Time // token → when the database last accepted it

	flight singleflight.Group
}

// maxTokens bounds the cache; only accepted tokens are cached.
const maxTokens = 10000

// recheckTimeout bounds a check: it outlives the request that started it.
const recheckTimeout = 10 * time.Second

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
	if known {
		switch age := now.Sub(at); {
		case age < c.ttl:
			return nil
		case age < c.ttl+c.ttl/6:
			// Stale: accepted while one check runs in the background.
			c.flight.DoChan(token, c.sharedCheck(ctx, token, true))
			return nil
		}
	}
	_, err, _ := c.flight.Do(token, c.sharedCheck(ctx, token, known))
	return err
}

// sharedCheck is checkNow for singleflight: its answer is shared by the
// requests that wait for it, so it runs with a context that outlives the
// request that started it (that one's going away must not fail the
// others).
func (c *TokenCache) sharedCheck(ctx context.Context, token string, known bool) func() (any, error) {
	return func() (any, error) {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recheckTimeout)
		defer cancel()
		return nil, c.checkNow(sctx, token, known)
	}
}

// checkNow asks the database and keeps its answer; known: the token was
// accepted before (it stays so while the database does not answer).
func (c *TokenCache) checkNow(ctx context.Context, token string, known bool) error {
	now := c.now()
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
