package mongostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"
)

// Options say which database to open.
type Options struct {
	URI     string // empty: start the embedded FerretDB
	Name    string // database name
	DataDir string // embedded files
	DBAddr  string // embedded listener, loopback
	Debug   bool
	// OpTimeout bounds each operation (0: 5 s, for requests).
	OpTimeout time.Duration
}

// Open connects to MONGODB_URI, or starts the embedded database and
// connects to it through the same driver and code path. close stops both.
func Open(ctx context.Context, o Options) (d *DB, closeFn func(context.Context), err error) {
	var emb *Embedded
	uri := o.URI
	if uri == "" {
		addr := o.DBAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		emb, err = StartEmbedded(ctx, o.DataDir, addr, o.Debug)
		if err != nil {
			return nil, nil, err
		}
		uri = emb.URI
	}
	if o.OpTimeout <= 0 {
		o.OpTimeout = 5 * time.Second
	}
	d, err = ConnectTimeout(ctx, uri, o.Name, o.OpTimeout)
	if err != nil {
		if emb != nil {
			emb.Stop()
		}
		return nil, nil, err
	}
	if emb != nil {
		if err := FixIDIndexes(ctx, o.DataDir, o.Name); err != nil {
			_ = d.Close(ctx)
			emb.Stop()
			return nil, nil, fmt.Errorf("repair _id indexes: %w", err)
		}
	}
	return d, func(ctx context.Context) {
		_ = d.Close(ctx)
		if emb != nil {
			emb.Stop()
		}
	}, nil
}

// TestURIEnv names the variable that points the store and system tests at
// a MongoDB (a replica set, Atlas) instead of the embedded FerretDB:
// `make test-mongo MONGODB_URI=…` sets it.
const TestURIEnv = "VETTED_TEST_MONGODB_URI"

// OpenTest opens a fresh database for a test and closes it at cleanup:
// the real embedded FerretDB, or, when VETTED_TEST_MONGODB_URI is set, a
// database of its own on that server, dropped at cleanup.
func OpenTest(t testing.TB) *DB {
	t.Helper()
	if uri := os.Getenv(TestURIEnv); uri != "" {
		name := TestDBName()
		d, err := Connect(context.Background(), uri, name)
		if err != nil {
			t.Fatalf("open %s database: %v", TestURIEnv, err)
		}
		t.Cleanup(func() {
			_ = d.DB.Drop(context.Background())
			_ = d.Close(context.Background())
		})
		return d
	}
	dir := t.TempDir()
	d, closeFn, err := Open(context.Background(), Options{Name: "vetted", DataDir: dir})
	if err != nil {
		t.Fatalf("open embedded database: %v", err)
	}
	t.Cleanup(func() { closeFn(context.Background()) })
	return d
}

// TestDBName returns a fresh database name for one test on a shared
// server.
func TestDBName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "vetted_test_" + hex.EncodeToString(b)
}
