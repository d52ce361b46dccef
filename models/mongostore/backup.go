package mongostore

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vetted-cms/vetted/models"
)

// Backups (see cmd/vetted/backup.go for the archive around them): an
// embedded database is copied file by file with SQLite's VACUUM INTO,
// which reads one consistent snapshot while FerretDB keeps writing (WAL
// mode); a MongoDB is dumped collection by collection through the driver.

// SnapshotEmbedded writes a consistent copy of every embedded database
// file (`*.sqlite`) of dataDir into outDir with VACUUM INTO, and returns
// the file names. It only reads dataDir, so a running server may keep
// writing: each copy is the database as of the start of its read.
func SnapshotEmbedded(ctx context.Context, dataDir, outDir string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dataDir, "*.sqlite"))
	if err != nil {
		return nil, err
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("no embedded database in %s", dataDir)
	}
	if err := os.MkdirAll(outDir, 0o700); err != nil {
		return nil, err
	}
	var names []string
	for _, src := range matches {
		name := filepath.Base(src)
		dst := filepath.Join(outDir, name)
		if err := vacuumInto(ctx, src, dst); err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", name, err)
		}
		names = append(names, name)
	}
	return names, nil
}

func vacuumInto(ctx context.Context, src, dst string) error {
	abs, err := filepath.Abs(src)
	if err != nil {
		return err
	}
	// Not read-only: a reader of a WAL database may need to create the
	// -shm file. busy_timeout rides out FerretDB's checkpoints.
	sdb, err := sql.Open("sqlite", "file:"+abs+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer sdb.Close()
	if _, err := sdb.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return err
	}
	return nil
}

// CheckSQLite runs SQLite's integrity check on one database file and
// leaves it self-contained (journal_mode=DELETE: no -wal file beside it).
func CheckSQLite(ctx context.Context, path string) error {
	sdb, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer sdb.Close()
	var res string
	if err := sdb.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	if res != "ok" {
		return fmt.Errorf("%s: integrity check: %s", filepath.Base(path), res)
	}
	if err := sdb.QueryRowContext(ctx, "PRAGMA journal_mode=DELETE").Scan(&res); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// CountEmbedded counts the documents of every collection of database
// name in an embedded data directory with SQL (a count through FerretDB
// decodes every document). Run it while no FerretDB has the files open.
func CountEmbedded(ctx context.Context, dir, name string) (map[string]int64, error) {
	abs, err := filepath.Abs(filepath.Join(dir, name+".sqlite"))
	if err != nil {
		return nil, err
	}
	sdb, err := sql.Open("sqlite", "file:"+abs+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer sdb.Close()
	rows, err := sdb.QueryContext(ctx, `SELECT name, table_name FROM "_ferretdb_collections"`)
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	tables := map[string]string{}
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			rows.Close()
			return nil, err
		}
		tables[n] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	for n, t := range tables {
		if strings.HasPrefix(n, "system.") {
			continue
		}
		if strings.Contains(t, `"`) {
			return nil, fmt.Errorf("unexpected table name %q", t)
		}
		var c int64
		if err := sdb.QueryRowContext(ctx, `SELECT count(*) FROM "`+t+`"`).Scan(&c); err != nil {
			return nil, fmt.Errorf("count %s: %w", n, err)
		}
		counts[n] = c
	}
	return counts, nil
}

// Stats is what a backup records about a database and a restore checks:
// documents per collection and the audit chain's head.
type Stats struct {
	Counts   map[string]int64 `json:"counts"`
	Events   int              `json:"events"`
	HeadSeq  int64            `json:"headSeq"`
	HeadHash string           `json:"headHash"`
	// Chain is the verification of the whole audit chain.
	Chain VerifyResult `json:"chain"`
}

// Inspect counts every collection's documents and verifies the audit
// chain (a full read: backups and restores only). counts, when not nil,
// are the counts already taken another way (CountEmbedded: FerretDB's
// count decodes every document).
func Inspect(ctx context.Context, d *DB, counts map[string]int64) (Stats, error) {
	st := Stats{Counts: counts}
	if counts == nil {
		st.Counts = map[string]int64{}
		names, err := collectionNames(ctx, d.DB)
		if err != nil {
			return st, err
		}
		for _, n := range names {
			c, err := d.DB.Collection(n).CountDocuments(ctx, bson.D{})
			if err != nil {
				return st, fmt.Errorf("count %s: %w", n, mapErr(err))
			}
			st.Counts[n] = c
		}
	}
	evs, err := NewLog(d, nil).Scan(ctx)
	if err != nil {
		return st, fmt.Errorf("read the audit log: %w", err)
	}
	st.setChain(evs)
	return st, nil
}

func (st *Stats) setChain(evs []models.Event) {
	st.Chain = VerifyChain(evs)
	st.Events = len(evs)
	if len(evs) > 0 {
		st.HeadSeq, st.HeadHash = evs[len(evs)-1].Seq, evs[len(evs)-1].Hash
	}
}

// dumpOrder puts the event log last: when the database offers no snapshot
// reads, the projections dumped before it can only lag behind the log,
// which is the state a crash leaves and a start rolls forward.
func dumpOrder(names []string) []string {
	out := slices.Clone(names)
	slices.SortFunc(out, func(a, b string) int {
		if (a == CollEvents) != (b == CollEvents) {
			if a == CollEvents {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	return out
}

// DumpCollections writes every collection of d to outDir as `<name>.bson`
// (BSON documents back to back, as mongodump writes them) and returns the
// documents written per collection. On a replica set it reads one
// snapshot (a snapshot session); where there is none (a standalone
// server, FerretDB) it dumps the event log last (see dumpOrder).
func DumpCollections(ctx context.Context, d *DB, outDir string) (counts map[string]int64, snapshot bool, err error) {
	if err := os.MkdirAll(outDir, 0o700); err != nil {
		return nil, false, err
	}
	names, err := collectionNames(ctx, d.DB)
	if err != nil {
		return nil, false, err
	}
	names = dumpOrder(names)
	if !hasSnapshotReads(ctx, d) {
		counts, err = dumpAll(ctx, d, names, outDir)
		return counts, false, err
	}
	sess, serr := d.Client.StartSession(options.Session().SetSnapshot(true))
	if serr == nil {
		defer sess.EndSession(context.WithoutCancel(ctx))
		counts, err = dumpAll(mongo.NewSessionContext(ctx, sess), d, names, outDir)
		if err == nil {
			return counts, true, nil
		}
		slog.Info("no snapshot reads on this database: dumping the event log last", "reason", err.Error())
	}
	counts, err = dumpAll(ctx, d, names, outDir)
	return counts, false, err
}

// hasSnapshotReads reports whether the server reads at one point in time
// for a snapshot session: a replica set member or mongos of MongoDB 5.0
// (wire version 13) or later. Others may accept the option and ignore it
// (FerretDB does), so it is not enough that the session starts.
func hasSnapshotReads(ctx context.Context, d *DB) bool {
	var hello struct {
		SetName        string `bson:"setName"`
		Msg            string `bson:"msg"`
		MaxWireVersion int32  `bson:"maxWireVersion"`
	}
	if err := d.DB.RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		return false
	}
	return (hello.SetName != "" || hello.Msg == "isdbgrid") && hello.MaxWireVersion >= 13
}

func dumpAll(ctx context.Context, d *DB, names []string, outDir string) (map[string]int64, error) {
	counts := map[string]int64{}
	for _, n := range names {
		c, err := dumpOne(ctx, d, n, filepath.Join(outDir, n+".bson"))
		if err != nil {
			return nil, fmt.Errorf("dump %s: %w", n, err)
		}
		counts[n] = c
	}
	return counts, nil
}

func dumpOne(ctx context.Context, d *DB, coll, path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	cur, err := d.DB.Collection(coll).Find(ctx, bson.D{}, options.Find().SetBatchSize(100))
	if err != nil {
		return 0, mapErr(err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	var n int64
	for cur.Next(ctx) {
		if _, err := w.Write(cur.Current); err != nil {
			return n, err
		}
		n++
	}
	if err := cur.Err(); err != nil {
		return n, mapErr(err)
	}
	if err := w.Flush(); err != nil {
		return n, err
	}
	return n, f.Sync()
}

// ReadDump calls fn for every document of one `<name>.bson` dump file.
// A truncated or malformed document is an error.
func ReadDump(path string, fn func(bson.Raw) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		var lenBuf [4]byte
		if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%s: truncated document", filepath.Base(path))
		}
		size := int(int32(lenBuf[0]) | int32(lenBuf[1])<<8 | int32(lenBuf[2])<<16 | int32(lenBuf[3])<<24)
		if size < 5 || size > 48<<20 {
			return fmt.Errorf("%s: bad document length %d", filepath.Base(path), size)
		}
		doc := make([]byte, size)
		copy(doc, lenBuf[:])
		if _, err := io.ReadFull(r, doc[4:]); err != nil {
			return fmt.Errorf("%s: truncated document", filepath.Base(path))
		}
		raw := bson.Raw(doc)
		if err := raw.Validate(); err != nil {
			return fmt.Errorf("%s: malformed document: %w", filepath.Base(path), err)
		}
		if err := fn(raw); err != nil {
			return err
		}
	}
}

// InspectDump is Inspect over a directory of dump files, without a
// database: counts and the audit chain of events.bson.
func InspectDump(dir string) (Stats, error) {
	st := Stats{Counts: map[string]int64{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.bson"))
	if err != nil {
		return st, err
	}
	var evs []models.Event
	for _, f := range files {
		coll := strings.TrimSuffix(filepath.Base(f), ".bson")
		var n int64
		err := ReadDump(f, func(raw bson.Raw) error {
			n++
			if coll != CollEvents {
				return nil
			}
			var d eventDoc
			if err := bson.Unmarshal(raw, &d); err != nil {
				return fmt.Errorf("events.bson: %w", err)
			}
			evs = append(evs, d.Event)
			return nil
		})
		if err != nil {
			return st, err
		}
		st.Counts[coll] = n
	}
	sortEvents(evs)
	st.setChain(evs)
	return st, nil
}

// LoadCollections inserts every `<name>.bson` dump file of dir into d.
// The target collections should be empty: a document already there is a
// duplicate-key error.
func LoadCollections(ctx context.Context, d *DB, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.bson"))
	if err != nil {
		return err
	}
	for _, f := range files {
		coll := d.DB.Collection(strings.TrimSuffix(filepath.Base(f), ".bson"))
		var batch []any
		size := 0
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			_, err := coll.InsertMany(ctx, batch)
			batch, size = batch[:0], 0
			return mapErr(err)
		}
		err := ReadDump(f, func(raw bson.Raw) error {
			batch = append(batch, raw)
			if size += len(raw); size > 4<<20 || len(batch) >= 500 {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return fmt.Errorf("load %s: %w", filepath.Base(f), err)
		}
	}
	return nil
}

// DatabaseIsEmpty reports whether database name at uri holds no document
// in any collection (collections created empty by a start do not count).
// It does not create anything.
func DatabaseIsEmpty(ctx context.Context, uri, name string) (bool, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(5 * time.Second))
	if err != nil {
		return false, fmt.Errorf("connect to database: %w", err)
	}
	defer client.Disconnect(context.WithoutCancel(ctx))
	db := client.Database(name)
	names, err := collectionNames(ctx, db)
	if err != nil {
		return false, fmt.Errorf("database does not answer at %s: %w", redact(uri), err)
	}
	for _, n := range names {
		var doc bson.Raw
		err := db.Collection(n).FindOne(ctx, bson.D{}).Decode(&doc)
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return false, mapErr(err)
		}
	}
	return true, nil
}

// collectionNames lists a database's collections but MongoDB's own
// (system.*), which a dump neither needs nor may restore.
func collectionNames(ctx context.Context, db *mongo.Database) ([]string, error) {
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, mapErr(err)
	}
	return slices.DeleteFunc(names, func(n string) bool { return strings.HasPrefix(n, "system.") }), nil
}
