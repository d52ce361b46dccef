package mongostore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/vetted-cms/vetted/models"
)

// eventDoc is an event as stored: _id is the zero-padded sequence number.
type eventDoc struct {
	ID           string `bson:"_id"`
	models.Event `bson:",inline"`
}

// Log is the append-only, hash-chained event log. Appending is a claim by
// unique insert: the event's _id (its sequence number) and its Key
// ("<articleId>:<version>") are both unique, so of several writers racing
// for one article version exactly one inserts; the others get ErrConflict.
// No method updates or deletes an event.
//
// Log also follows the log: Sync reads every event after the cursor by
// _id (the only lookup FerretDB pushes down) and hands it to the apply
// callback in order, so every instance sees every change within one poll
// (Follow; woken at once by a change stream where the database has one).
type Log struct {
	db    *DB
	apply func(*models.Event)

	appendMu sync.Mutex // serializes this process's appends: fewer lost races
	syncMu   sync.Mutex
	cursor   int64 // last applied seq
	lastHash string
	advanced chan struct{} // signalled when the cursor moves (Advanced)
	streamState
}

// NewLog returns a log whose Sync calls apply for each new event.
func NewLog(db *DB, apply func(*models.Event)) *Log {
	if apply == nil {
		apply = func(*models.Event) {}
	}
	return &Log{db: db, apply: apply, advanced: make(chan struct{}, 1)}
}

// Get loads one event by sequence number.
func (l *Log) Get(ctx context.Context, seq int64) (*models.Event, error) {
	var d eventDoc
	if err := l.db.get(ctx, CollEvents, models.SeqID(seq), &d); err != nil {
		return nil, err
	}
	return &d.Event, nil
}

// Cursor returns the last applied sequence number.
func (l *Log) Cursor() int64 {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	return l.cursor
}

// FindTail returns the highest sequence number in the log (0 when empty),
// by probing _ids: sequence numbers are contiguous because each is claimed
// only after its predecessor was read.
func (l *Log) FindTail(ctx context.Context) (int64, error) {
	return l.countAfter(ctx, 0)
}

// countAfter counts the events stored contiguously after seq base, probing
// _ids (one read when there are none): doubling steps find a missing
// one, then bisection finds the last that exists.
func (l *Log) countAfter(ctx context.Context, base int64) (int64, error) {
	exists := func(seq int64) (bool, error) {
		var d struct {
			ID string `bson:"_id"`
		}
		err := l.db.get(ctx, CollEvents, models.SeqID(base+seq), &d)
		if errors.Is(err, models.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	lo, hi := int64(0), int64(1) // base+lo exists (or lo = 0), base+hi unknown
	for {
		ok, err := exists(hi)
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		lo, hi = hi, hi*2
	}
	for hi-lo > 1 { // base+lo exists, base+hi does not
		mid := lo + (hi-lo)/2
		ok, err := exists(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// StartAt sets the cursor to seq (whose event must exist unless seq is 0)
// without applying anything: the caller has loaded the state up to it.
func (l *Log) StartAt(ctx context.Context, seq int64) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.cursor, l.lastHash = seq, ""
	l.markSynced()
	if seq == 0 {
		return nil
	}
	ev, err := l.Get(ctx, seq)
	if err != nil {
		return err
	}
	l.lastHash = ev.Hash
	return nil
}

// Head returns the sequence number and hash of the newest event applied:
// the chain head that audit checkpoints sign.
func (l *Log) Head() (int64, string) {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	return l.cursor, l.lastHash
}

// Advanced is signalled (without blocking, so a slow reader sees one
// signal for many events) whenever the head moves.
func (l *Log) Advanced() <-chan struct{} { return l.advanced }

// advance moves the cursor; syncMu is held.
func (l *Log) advance(seq int64, hash string) {
	l.cursor, l.lastHash = seq, hash
	signal(l.advanced)
}

// holdCursor runs f with the cursor while no event is being applied, so
// that what f reads of the projections matches the cursor exactly.
func (l *Log) holdCursor(f func(cursor int64)) {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	f(l.cursor)
}

// Sync applies every event after the cursor, in order.
func (l *Log) Sync(ctx context.Context) (int, error) {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	n := 0
	for {
		ev, err := l.Get(ctx, l.cursor+1)
		if errors.Is(err, models.ErrNotFound) {
			l.markSynced()
			return n, nil
		}
		if err != nil {
			return n, err
		}
		l.apply(ev)
		l.advance(ev.Seq, ev.Hash)
		n++
	}
}

// Append chains ev after the log's tail and inserts it. ev.Key must be
// unique for the change it records; when another event already holds the
// key, Append returns ErrConflict and the caller's view was stale. On
// success ev carries its Seq, PrevHash and Hash, and it has been applied.
func (l *Log) Append(ctx context.Context, ev *models.Event) error {
	if ev.Key == "" {
		return errors.New("event without key")
	}
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	for attempt := 0; attempt < 100; attempt++ {
		// The first try trusts the cursor: sequence numbers are
		// contiguous, so an insert at cursor+1 succeeds only if the cursor
		// is the tail, and fails on the taken _id otherwise (then sync and
		// retry). Syncing first, and again after, cost two more reads of
		// the database on every append, all under appendMu: they capped
		// this process at ~15 appends/s on a loaded machine.
		if attempt > 0 {
			if _, err := l.Sync(ctx); err != nil {
				return err
			}
		}
		l.syncMu.Lock()
		ev.Seq, ev.PrevHash = l.cursor+1, l.lastHash
		l.syncMu.Unlock()
		ev.Hash = ev.ComputeHash()
		err := l.db.insert(ctx, CollEvents, eventDoc{ID: ev.ID(), Event: *ev})
		if err == nil {
			l.syncMu.Lock()
			applied := l.cursor == ev.Seq-1
			if applied { // nothing came between: apply without reading it back
				cp := *ev
				l.apply(&cp)
				l.advance(ev.Seq, ev.Hash)
			}
			l.syncMu.Unlock()
			if applied {
				return nil
			}
			_, err := l.Sync(ctx) // the follower moved past us: it reads ours too
			return err
		}
		if !errors.Is(err, models.ErrConflict) {
			return err
		}
		// Which unique key was taken: the sequence number (another writer
		// appended first: sync and retry) or the claim (stale version)?
		if _, gerr := l.Get(ctx, ev.Seq); gerr == nil {
			continue
		} else if !errors.Is(gerr, models.ErrNotFound) {
			return gerr
		}
		return fmt.Errorf("%w: %s was claimed by another change", models.ErrConflict, ev.Key)
	}
	return fmt.Errorf("%w: event log too busy", models.ErrUnavailable)
}

// Scan returns every event in sequence order (a full read: verification
// and start-up only).
func (l *Log) Scan(ctx context.Context) ([]models.Event, error) {
	docs, err := all[eventDoc](ctx, l.db, CollEvents, nil)
	if err != nil {
		return nil, err
	}
	out := make([]models.Event, len(docs))
	for i := range docs {
		out[i] = docs[i].Event
	}
	sortEvents(out)
	return out, nil
}
