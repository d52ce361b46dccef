package delivery

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/vetted-cms/vetted/models"
)

// InstanceStore keeps the presence records of running instances.
type InstanceStore interface {
	PutInstance(ctx context.Context, in *models.Instance) error
	// Instances lists every record (a small collection, scanned).
	Instances(ctx context.Context) ([]models.Instance, error)
	DeleteInstance(ctx context.Context, id string) error
}

// PresenceOptions tune read-your-publish across instances.
type PresenceOptions struct {
	// Beat is how often an instance rewrites its record when nothing
	// others wait for changed; a position past a change to what is live
	// (LiveSeq) is written within Poll.
	Beat time.Duration
	// LiveSeq, when set, returns the newest event that changed what is
	// live (publish, unpublish, re-certification) this instance has seen:
	// only those are waited for, so only a position past one is written
	// at once (every event moving the position cost a write per Poll,
	// a third of the database's writes while publishing in bulk).
	LiveSeq func() int64
	// DeadAfter: a record older than this belongs to an instance taken
	// for dead (crashed, partitioned); nobody waits for it.
	DeadAfter time.Duration
	// MaxWait bounds how long an acknowledgement or a webhook waits for
	// the other instances.
	MaxWait time.Duration
	// ForgetAfter: a record this old is deleted by whichever instance
	// sees it (default 1 minute, at least 2 × DeadAfter): an instance
	// that crashed or was killed never removes its own, and every
	// acknowledgement scans the collection. A live instance that was
	// merely paused writes its record again on its next beat.
	ForgetAfter time.Duration
	// Poll is how often positions are compared while waiting.
	Poll   time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// Presence is read-your-publish across instances. Every instance records
// how far its delivery read model has applied the event log (its
// position, by _id in the `instances` collection). A change to what is
// live is acknowledged to the editor, and its webhooks are sent, only
// once every live instance has applied it — or MaxWait has passed — so a
// request that arrives after the acknowledgement or after the webhook
// gets the new state from whichever instance answers it.
type Presence struct {
	store    InstanceStore
	id       string
	position func() int64
	o        PresenceOptions
	started  time.Time

	mu        sync.Mutex
	written   int64
	writtenAt time.Time
	sweptAt   time.Time
}

// NewPresence returns the presence of the instance id whose read model
// has applied the log up to position().
func NewPresence(store InstanceStore, id string, position func() int64, o PresenceOptions) *Presence {
	if o.Beat <= 0 {
		o.Beat = time.Second
	}
	if o.DeadAfter <= 0 {
		o.DeadAfter = 5 * time.Second
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 3 * time.Second
	}
	if o.ForgetAfter <= 0 {
		o.ForgetAfter = time.Minute
	}
	o.ForgetAfter = max(o.ForgetAfter, 2*o.DeadAfter)
	if o.Poll <= 0 {
		o.Poll = 20 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Presence{store: store, id: id, position: position, o: o, started: o.Now(), written: -1}
}

// ID returns this instance's id.
func (p *Presence) ID() string { return p.id }

// Run keeps this instance's record current until ctx ends, then removes
// it so that nobody waits for a stopped instance; on every beat it
// deletes the records of instances gone for ForgetAfter.
func (p *Presence) Run(ctx context.Context) {
	t := time.NewTicker(p.o.Poll)
	defer t.Stop()
	for {
		p.beat(ctx)
		p.sweep(ctx)
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			_ = p.store.DeleteInstance(dctx, p.id)
			cancel()
			return
		case <-t.C:
		}
	}
}

// beat writes the record when the position moved or a beat is due.
func (p *Presence) beat(ctx context.Context) {
	pos, now := p.position(), p.o.Now()
	p.mu.Lock()
	awaited := pos != p.written
	if p.o.LiveSeq != nil {
		live := p.o.LiveSeq()
		awaited = p.written < live && pos >= live
	}
	due := awaited || now.Sub(p.writtenAt) >= p.o.Beat
	p.mu.Unlock()
	if !due {
		return
	}
	err := p.store.PutInstance(ctx, &models.Instance{ID: p.id, Applied: pos, At: now.UTC(), StartedAt: p.started.UTC()})
	if err != nil {
		return // the database is down: the record ages and others stop waiting for us
	}
	p.mu.Lock()
	p.written, p.writtenAt = pos, now
	p.mu.Unlock()
}

// sweep deletes the records of instances not heard of for ForgetAfter
// (at most once per Beat).
func (p *Presence) sweep(ctx context.Context) {
	now := p.o.Now()
	p.mu.Lock()
	due := now.Sub(p.sweptAt) >= p.o.Beat
	if due {
		p.sweptAt = now
	}
	p.mu.Unlock()
	if !due {
		return
	}
	ins, err := p.store.Instances(ctx)
	if err != nil {
		return
	}
	for _, in := range ins {
		if in.ID != p.id && now.Sub(in.At) > p.o.ForgetAfter {
			if err := p.store.DeleteInstance(ctx, in.ID); err == nil {
				p.o.Logger.Info("delivery: forgot the record of an instance gone", "instance", in.ID, "lastSeen", in.At.Format(time.RFC3339))
			}
		}
	}
}

// Caught reports whether every live instance has applied seq. This
// instance answers from memory; the others from their records.
func (p *Presence) Caught(ctx context.Context, seq int64) (bool, error) {
	if p.position() < seq {
		return false, nil
	}
	ins, err := p.store.Instances(ctx)
	if err != nil {
		return false, err
	}
	now := p.o.Now()
	for _, in := range ins {
		if in.ID == p.id || now.Sub(in.At) > p.o.DeadAfter {
			continue
		}
		if in.Applied < seq {
			return false, nil
		}
	}
	return true, nil
}

// Wait returns once every live instance has applied seq, or after
// MaxWait (false: some instance is behind; it is logged).
func (p *Presence) Wait(ctx context.Context, seq int64) bool {
	deadline := p.o.Now().Add(p.o.MaxWait)
	for {
		ok, err := p.Caught(ctx, seq)
		if ok {
			return true
		}
		if p.o.Now().After(deadline) || ctx.Err() != nil {
			reason := "an instance is behind"
			if err != nil {
				reason = err.Error()
			}
			p.o.Logger.Warn("delivery: not every instance applied the change in time", "seq", seq, "waited", p.o.MaxWait.String(), "reason", reason)
			return false
		}
		select {
		case <-ctx.Done():
		case <-time.After(p.o.Poll):
		}
	}
}

// Settled is the webhooks' gate: true once every live instance applied
// seq, or once MaxWait has passed since the change was made.
func (p *Presence) Settled(ctx context.Context, seq int64, since time.Time) bool {
	if p.o.Now().Sub(since) >= p.o.MaxWait {
		return true
	}
	ok, _ := p.Caught(ctx, seq)
	return ok
}
