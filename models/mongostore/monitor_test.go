package mongostore

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

type opRecorder struct {
	mu  sync.Mutex
	ops map[string][2]int // command → {succeeded, failed}
}

func (r *opRecorder) DBOp(cmd string, took time.Duration, failed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.ops[cmd]
	if failed {
		c[1]++
	} else {
		c[0]++
	}
	r.ops[cmd] = c
}

// TestObserverHearsEveryCommand: with Options.Observer, every command
// the driver sends is reported, failures as failures.
func TestObserverHearsEveryCommand(t *testing.T) {
	rec := &opRecorder{ops: map[string][2]int{}}
	d, closeFn, err := Open(context.Background(), Options{Name: "vetted", DataDir: t.TempDir(), Observer: rec})
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn(context.Background())
	ctx := context.Background()
	var out struct{}
	_ = d.get(ctx, CollEvents, "nope", &out)
	_ = d.DB.RunCommand(ctx, bson.D{{Key: "noSuchCommandHere", Value: 1}}).Err()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.ops["find"][0] == 0 {
		t.Errorf("no successful find reported: %v", rec.ops)
	}
	if rec.ops["noSuchCommandHere"][1] != 1 {
		t.Errorf("the failed command was not reported as failed: %v", rec.ops)
	}
}
