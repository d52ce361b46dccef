// Package mongostore implements Vetted's stores on MongoDB through the
// official driver, and starts the embedded FerretDB when no MONGODB_URI is
// given. It is the only package that imports the driver.
package mongostore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // FerretDB's own SQLite driver, for the _id index repair
)

// Embedded is a FerretDB (SQLite handler) running inside this process.
type Embedded struct {
	URI    string
	dir    string
	cancel context.CancelFunc
	done   chan struct{}
}

// StartEmbedded starts FerretDB on addr (loopback; "127.0.0.1:0" picks a
// port) with its files in dir. Its logs go to logger only when debug is set.
func StartEmbedded(ctx context.Context, dir, addr string, debug bool) (*Embedded, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir %q: %w", dir, err)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("embedded database address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("embedded database address %q: must be a loopback address", addr)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	// A discard handler, not a text handler on io.Discard: FerretDB calls
	// Logger.With per operation, and a text handler formats even then.
	logger := slog.New(slog.DiscardHandler)
	if debug {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("component", "ferretdb")
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("start embedded database: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &Embedded{URI: f.MongoDBURI(), dir: abs, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		_ = f.Run(runCtx)
	}()
	return e, nil
}

// Stop stops the embedded database and waits for it to close its files.
func (e *Embedded) Stop() {
	e.cancel()
	select {
	case <-e.done:
	case <-time.After(10 * time.Second):
	}
}

// FixIDIndexes works around FerretDB 1.24.2's unused _id index: it creates
// the index on `_ferretdb_sjson->'$._id'` (the expression FerretDB actually
// queries) for every collection of database db. Without it every lookup by
// _id scans the whole table (PRODUCT.md, Storage facts 3). Idempotent.
func FixIDIndexes(ctx context.Context, dir, db string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	path := filepath.Join(abs, db+".sqlite")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("embedded database file: %w", err)
	}
	sdb, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer sdb.Close()
	rows, err := sdb.QueryContext(ctx, `SELECT table_name FROM "_ferretdb_collections"`)
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var errs []error
	for _, t := range tables {
		if strings.ContainsAny(t, `"`) {
			continue
		}
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS "%s_id_path" ON "%s" (_ferretdb_sjson->'$._id')`, t, t)
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			errs = append(errs, fmt.Errorf("index %s: %w", t, err))
		}
	}
	return errors.Join(errs...)
}
