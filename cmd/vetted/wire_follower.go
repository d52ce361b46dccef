package main

import (
	"context"
	"fmt"
	"time"

	"github.com/vetted-cms/vetted/handlers"
	"github.com/vetted-cms/vetted/metrics"
)

// followerStaleAfter is how long the log follower may go without reading
// the log to its end before /readyz calls it stalled: ten sync intervals,
// and never less than 5 s, so one slow poll on a busy database does not
// take an instance out of rotation.
func followerStaleAfter(interval time.Duration) time.Duration {
	return max(10*interval, 5*time.Second)
}

// wireFollower reports the log follower's lag (metrics) and staleness
// (/readyz).
func wireFollower(cfg config, a *app, srv *handlers.Server, m *metrics.Metrics) {
	log := a.articles.Log
	m.Follower(func() int64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, err := log.Behind(ctx)
		if err != nil {
			return -1
		}
		return n
	}, log.SinceSync)
	srv.Ready = append(srv.Ready, handlers.ReadyCheck{Name: "follower", Check: followerCheck(log.SinceSync, followerStaleAfter(cfg.SyncInterval))})
}

// followerCheck fails once the follower has not read the log to its end
// for longer than bound.
func followerCheck(sinceSync func() time.Duration, bound time.Duration) func(context.Context) error {
	return func(context.Context) error {
		since := sinceSync()
		if since == time.Duration(1<<63-1) {
			return fmt.Errorf("stalled: has not read the log yet")
		}
		if since > bound {
			return fmt.Errorf("stalled: last read the log to its end %s ago (bound %s)", since.Round(time.Millisecond), bound)
		}
		return nil
	}
}
