package mongostore

import (
	"context"
	"fmt"
	"testing"
)

// Options say which database to open.
type Options struct {
	URI     string // empty: start the embedded FerretDB
	Name    string // database name
	DataDir string // embedded files
	DBAddr  string // embedded listener, loopback
	Debug   bool
	// Observer, when set, hears every database command (metrics).
	Observer Observer
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
	d, err = ConnectObserved(ctx, uri, o.Name, o.Observer)
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

// OpenTest opens a fresh embedded database for a test and closes it at
// cleanup. Tests always run on the real embedded FerretDB.
func OpenTest(t testing.TB) *DB {
	t.Helper()
	dir := t.TempDir()
	d, closeFn, err := Open(context.Background(), Options{Name: "vetted", DataDir: dir})
	if err != nil {
		t.Fatalf("open embedded database: %v", err)
	}
	t.Cleanup(func() { closeFn(context.Background()) })
	return d
}
