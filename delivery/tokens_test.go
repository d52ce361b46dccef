package delivery

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/models"
)

// gateChecker answers what answer holds, once gate lets it (a closed
// gate answers at once), and counts the checks.
type gateChecker struct {
	calls  atomic.Int32
	gate   chan struct{}
	answer atomic.Pointer[answerBox]
}

type answerBox struct{ err error }

func (g *gateChecker) CheckDeliveryToken(ctx context.Context, _ string) error {
	g.calls.Add(1)
	select {
	case <-g.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.answer.Load().err
}

func newGate(answer error) *gateChecker {
	g := &gateChecker{gate: make(chan struct{})}
	g.answer.Store(&answerBox{answer})
	return g
}

// manyAllow calls Allow n times at once and returns their answers, or
// fails when they have not all returned within 10 s (they wait for
// a gate the test has not opened).
func manyAllow(t *testing.T, c *TokenCache, n int) []error {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = c.Allow(context.Background(), "vd_x.y") })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("requests are waiting for the database check")
	}
	return errs
}

// TestTokenCheckedOnceAtATime: when many requests bring a token the
// cache does not hold, one of them asks the database and all get its
// answer.
func TestTokenCheckedOnceAtATime(t *testing.T) {
	for _, answer := range []error{nil, models.Errorf(models.ErrUnauthenticated, "no")} {
		g := newGate(answer)
		c := NewTokenCache(g, time.Minute)
		go func() {
			for g.calls.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond) // let the others join
			close(g.gate)
		}()
		for i, err := range manyAllow(t, c, 64) {
			if (err == nil) != (answer == nil) {
				t.Fatalf("request %d: %v, want %v", i, err, answer)
			}
		}
		if n := g.calls.Load(); n > 2 {
			t.Errorf("%d database checks for 64 requests at once", n)
		}
	}
}

// testClock is a cache's clock a test moves.
type testClock struct{ t time.Time }

// accepted returns a cache (TTL 30 s) that has just accepted "vd_x.y",
// its checker (answering at once) and its clock.
func accepted(t *testing.T) (*gateChecker, *TokenCache, *testClock) {
	t.Helper()
	clock := &testClock{time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC)}
	g := newGate(nil)
	close(g.gate)
	c := NewTokenCache(g, 30*time.Second)
	c.now = func() time.Time { return clock.t }
	if err := c.Allow(context.Background(), "vd_x.y"); err != nil {
		t.Fatal(err)
	}
	return g, c, clock
}

// TestStaleTokenCheckedInTheBackground: past the TTL, requests are
// accepted at once while one check runs; a revocation it finds holds
// from then on; past the grace, requests wait for the check again.
func TestStaleTokenCheckedInTheBackground(t *testing.T) {
	g, c, clock := accepted(t)
	// Stale, and the database slow to answer: nobody waits.
	clock.t = clock.t.Add(31 * time.Second)
	g.gate = make(chan struct{})
	g.calls.Store(0)
	for i, err := range manyAllow(t, c, 64) {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	// The check runs in its own goroutine, registered before the requests
	// returned: wait for it to reach the database, then count.
	for deadline := time.Now().Add(10 * time.Second); g.calls.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if n := g.calls.Load(); n != 1 {
		t.Errorf("%d database checks started, want 1", n)
	}
	// The check finds the token revoked.
	g.answer.Store(&answerBox{models.Errorf(models.ErrUnauthenticated, "revoked")})
	close(g.gate)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		c.mu.RLock()
		_, held := c.ok["vd_x.y"]
		c.mu.RUnlock()
		if !held {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background check's revocation was not kept")
		}
	}
	if err := c.Allow(context.Background(), "vd_x.y"); !errors.Is(err, models.ErrUnauthenticated) {
		t.Errorf("after the revocation: %v", err)
	}
	// Accepted again, then past TTL and grace: requests wait for the check.
	g.answer.Store(&answerBox{})
	if err := c.Allow(context.Background(), "vd_x.y"); err != nil {
		t.Fatal(err)
	}
	clock.t = clock.t.Add(36 * time.Second)
	g.gate = make(chan struct{})
	g.calls.Store(0)
	waited := make(chan error, 1)
	go func() { waited <- c.Allow(context.Background(), "vd_x.y") }()
	for g.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-waited:
		t.Fatalf("past the grace the request did not wait for the check: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(g.gate)
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
}

// TestKnownTokenSurvivesAnOutage: a token accepted before is accepted
// while the database does not answer; an unknown one is not.
func TestKnownTokenSurvivesAnOutage(t *testing.T) {
	g, c, clock := accepted(t)
	g.answer.Store(&answerBox{models.Errorf(models.ErrUnavailable, "down")})
	clock.t = clock.t.Add(time.Hour)
	if err := c.Allow(context.Background(), "vd_x.y"); err != nil {
		t.Errorf("known token during an outage: %v", err)
	}
	if err := c.Allow(context.Background(), "vd_other.z"); err == nil {
		t.Error("an unknown token accepted during an outage")
	}
}
