package mongostore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/models"
)

// TestAppendClaimsOneWinner: eight writers racing for one article version,
// on separate logs (as on separate instances), must see exactly one win,
// and the chain must verify afterwards. Conditional updates would let
// several win on FerretDB; claims by unique insert do not.
func TestAppendClaimsOneWinner(t *testing.T) {
	d := OpenTest(t)
	ctx := context.Background()
	for round := 0; round < 10; round++ {
		var wg sync.WaitGroup
		wins, conflicts := 0, 0
		var mu sync.Mutex
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				l := NewLog(d, nil) // a fresh log per writer: like another instance
				ev := &models.Event{Key: fmt.Sprintf("a_race:%d", round), At: models.Now(), Actor: fmt.Sprint("w", i), Action: "edit"}
				err := l.Append(ctx, ev)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, models.ErrConflict):
					conflicts++
				default:
					t.Errorf("append: %v", err)
				}
			}(i)
		}
		wg.Wait()
		if wins != 1 || conflicts != 7 {
			t.Fatalf("round %d: %d wins, %d conflicts; want 1 and 7", round, wins, conflicts)
		}
	}
	l := NewLog(d, nil)
	res, err := l.Verify(ctx)
	if err != nil || !res.OK || res.Events != 10 {
		t.Fatalf("verify: %+v %v", res, err)
	}
	tail, err := l.FindTail(ctx)
	if err != nil || tail != 10 {
		t.Fatalf("tail = %d, %v; want 10", tail, err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	var evs []models.Event
	prev := ""
	for i := int64(1); i <= 5; i++ {
		ev := models.Event{Seq: i, Key: fmt.Sprint("k", i), At: models.Now(), Actor: "u", Action: "edit", PrevHash: prev}
		ev.Hash = ev.ComputeHash()
		prev = ev.Hash
		evs = append(evs, ev)
	}
	if r := VerifyChain(evs); !r.OK {
		t.Fatalf("intact chain fails: %+v", r)
	}
	changed := append([]models.Event{}, evs...)
	changed[2].Comment = "rewritten"
	if r := VerifyChain(changed); r.OK || r.FirstBadSeq != 3 {
		t.Fatalf("changed event not found: %+v", r)
	}
	deleted := append(append([]models.Event{}, evs[:1]...), evs[2:]...)
	if r := VerifyChain(deleted); r.OK || r.FirstBadSeq != 2 {
		t.Fatalf("deleted event not found: %+v", r)
	}
	truncatedHead := evs[1:]
	if r := VerifyChain(truncatedHead); r.OK || r.FirstBadSeq != 1 {
		t.Fatalf("missing first event not found: %+v", r)
	}
}

// TestFollowWithoutChangeStreams: the embedded FerretDB has no change
// streams, so the follower polls: another instance's append is applied
// within the interval, and Streaming says no stream is in use.
func TestFollowWithoutChangeStreams(t *testing.T) {
	d := OpenTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var seen atomic.Int64
	follower := NewLog(d, func(ev *models.Event) { seen.Store(ev.Seq) })
	go follower.Follow(ctx, 50*time.Millisecond)
	writer := NewLog(d, nil)
	for i := 1; i <= 3; i++ {
		ev := &models.Event{Key: fmt.Sprintf("a_follow:%d", i), At: models.Now(), Actor: "w", Action: "edit"}
		if err := writer.Append(ctx, ev); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for seen.Load() < ev.Seq {
			if time.Since(start) > 3*time.Second {
				t.Fatalf("event %d not applied by the follower after 3 s", ev.Seq)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if follower.Streaming() {
		t.Errorf("Streaming() on FerretDB, which has no change streams")
	}
}
