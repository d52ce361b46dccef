package audit

import (
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Head is the event log as this instance follows it.
type Head interface {
	// Head returns the sequence number and hash of the newest event
	// applied (0, "" for an empty log).
	Head() (seq int64, hash string)
	// Advanced is signalled whenever the head moves.
	Advanced() <-chan struct{}
}

// Checkpointer signs the log's head every Events events or every
// Interval, whichever comes first, and at shutdown (Final). Every
// instance sharing a database runs one: they all follow the same chain,
// so each one's checkpoints verify against it.
type Checkpointer struct {
	Log    Head
	Key    ed25519.PrivateKey
	Anchor *Anchor
	// Publish, when set, also sends each checkpoint elsewhere (webhooks
	// subscribed to audit.checkpoint).
	Publish  func(Checkpoint)
	Events   int64         // default 100
	Interval time.Duration // default 1 minute
	Now      func() time.Time
	Logger   *slog.Logger

	mu   sync.Mutex
	last int64 // seq of the newest checkpoint written or found in the anchor
}

func (c *Checkpointer) defaults() {
	if c.Events <= 0 {
		c.Events = 100
	}
	if c.Interval <= 0 {
		c.Interval = time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Resume starts from the newest checkpoint already in the anchor, so a
// restart does not sign the same head again.
func (c *Checkpointer) Resume() {
	c.defaults()
	newest, err := NewestInAnchor(c.Anchor.Path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		c.Logger.Warn("audit anchor unreadable", "anchor", c.Anchor.Path, "err", err.Error())
	}
	if newest != nil {
		c.mu.Lock()
		c.last = newest.Seq
		c.mu.Unlock()
	}
}

// Run writes checkpoints until ctx ends (call Final afterwards).
func (c *Checkpointer) Run(ctx context.Context) {
	c.defaults()
	t := time.NewTicker(c.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.Log.Advanced():
			if seq, _ := c.Log.Head(); seq-c.lastSeq() < c.Events {
				continue
			}
		case <-t.C:
		}
		if _, err := c.Write(); err != nil {
			c.Logger.Error("audit checkpoint not written", "anchor", c.Anchor.Path, "err", err.Error())
		}
	}
}

// Final writes the shutdown checkpoint.
func (c *Checkpointer) Final() {
	c.defaults()
	if _, err := c.Write(); err != nil {
		c.Logger.Error("audit checkpoint not written at shutdown", "anchor", c.Anchor.Path, "err", err.Error())
	}
}

func (c *Checkpointer) lastSeq() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// Write checkpoints the head if it moved since the last checkpoint and
// reports the checkpoint written (nil when there was nothing new).
func (c *Checkpointer) Write() (*Checkpoint, error) {
	c.defaults()
	c.mu.Lock()
	defer c.mu.Unlock()
	seq, hash := c.Log.Head()
	if seq == 0 || seq == c.last {
		return nil, nil
	}
	cp := SignCheckpoint(c.Key, seq, hash, c.Now())
	if err := c.Anchor.Append(cp); err != nil {
		return nil, err
	}
	c.last = seq
	if c.Publish != nil {
		c.Publish(cp)
	}
	return &cp, nil
}
