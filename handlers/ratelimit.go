package handlers

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/models"
)

// RateLimiter is a token bucket per key (a client address): Burst
// attempts at once, refilled at Rate per second. Buckets idle for ten
// minutes are forgotten.
type RateLimiter struct {
	Rate  float64
	Burst float64
	Now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewRateLimiter allows burst attempts, then one every per.
func NewRateLimiter(burst int, per time.Duration) *RateLimiter {
	return &RateLimiter{Rate: 1 / per.Seconds(), Burst: float64(burst), Now: time.Now, buckets: map[string]*bucket{}}
}

// Allow takes one token for key; when none is left it returns how long
// until the next one.
func (l *RateLimiter) Allow(key string) (bool, time.Duration) {
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.last) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.Burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.Burst, b.tokens+now.Sub(b.last).Seconds()*l.Rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.Rate * float64(time.Second))
}

// limitByClient refuses requests over the limit per client address.
// c.ClientIP honours X-Forwarded-For only from configured trusted proxies.
func limitByClient(l *RateLimiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if l == nil {
			c.Next()
			return
		}
		if ok, wait := l.Allow(c.ClientIP()); !ok {
			c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			writeError(c, &models.Error{Err: models.ErrLocked, Message: "too many sign-in attempts from your address; wait a minute"})
			return
		}
		c.Next()
	}
}
