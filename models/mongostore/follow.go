package mongostore

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Follow keeps this instance's projections current with every instance's
// writes until ctx ends: it syncs the log every interval and, where the
// database offers change streams (a MongoDB replica set or Atlas), as
// soon as an event is inserted. The stream only wakes the follower — the
// events are still read by _id from the cursor on, in order, so a missed
// or repeated notification cannot skip or repeat a change. FerretDB has
// no change streams: there the interval alone sets the delay.
func (l *Log) Follow(ctx context.Context, every time.Duration) {
	wake := make(chan struct{}, 1)
	go l.watch(ctx, wake)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		_, _ = l.Sync(ctx)
	}
}

// Streaming reports whether a change stream currently wakes the follower.
func (l *Log) Streaming() bool { return l.streaming.Load() }

// watch opens a change stream on the events collection and signals wake
// on every insert. If the first attempt fails the database has no change
// streams (FerretDB, a standalone mongod) and watch gives up; a stream
// that breaks later is reopened with backoff.
func (l *Log) watch(ctx context.Context, wake chan<- struct{}) {
	match := mongo.Pipeline{{{Key: "$match", Value: bson.D{{Key: "operationType", Value: "insert"}}}}}
	opened, backoff := false, time.Second
	for ctx.Err() == nil {
		cs, err := l.db.DB.Collection(CollEvents).Watch(ctx, match)
		if err != nil {
			if !opened {
				slog.Info("no change streams on this database: following the log by polling", "reason", err.Error())
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 30*time.Second)
			continue
		}
		if !opened {
			slog.Info("following the log through a change stream")
		}
		opened, backoff = true, time.Second
		l.streaming.Store(true)
		signal(wake) // catch up on what the reopening may have missed
		for cs.Next(ctx) {
			signal(wake)
		}
		l.streaming.Store(false)
		_ = cs.Close(context.WithoutCancel(ctx))
	}
}

func signal(c chan<- struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// streamState is embedded in Log.
type streamState struct {
	streaming atomic.Bool
	synced    atomic.Int64 // unix nanoseconds of the last read to the log's end
}

func (l *Log) markSynced() { l.synced.Store(time.Now().UnixNano()) }

// SinceSync is the time since this instance last read the log to its end
// (a follower that stops syncing falls behind every other instance).
func (l *Log) SinceSync() time.Duration {
	t := l.synced.Load()
	if t == 0 {
		return time.Duration(1<<63 - 1)
	}
	return time.Since(time.Unix(0, t))
}

// Behind counts the events in the database past this instance's cursor,
// probing _ids from the cursor on (one read when caught up).
func (l *Log) Behind(ctx context.Context) (int64, error) {
	return l.countAfter(ctx, l.Cursor())
}
