package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/vetted-cms/vetted/models/mongostore"
)

// toolTimeout bounds each database operation of backup and restore: they
// count and read whole collections (FerretDB decodes every document).
const toolTimeout = 10 * time.Minute

// backupCmd is `vetted backup FILE`: a consistent snapshot of the
// database (and media) taken while a server keeps serving and writing.
// The archive is written beside FILE and renamed into place when
// complete, so FILE is either a whole backup or absent.
func backupCmd(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprintln(stderr, "usage: vetted backup FILE")
		return 2
	}
	file, err := filepath.Abs(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "vetted backup: %v\n", err)
		return 1
	}
	started := time.Now()
	man, err := backup(ctx, cfg, file)
	if err != nil {
		fmt.Fprintf(stderr, "vetted backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup written: %s (%s, %s)\n", args[0], man.Consistency, time.Since(started).Round(time.Millisecond))
	printStats(stdout, man)
	if !man.Stats.Chain.OK {
		fmt.Fprintf(stderr, "vetted backup: the audit chain is BROKEN at event %d (%s); the backup keeps it as found, and restore will refuse it\n",
			man.Stats.Chain.FirstBadSeq, man.Stats.Chain.Reason)
		return 1
	}
	return 0
}

func backup(ctx context.Context, cfg config, file string) (*manifest, error) {
	stage, err := os.MkdirTemp(filepath.Dir(file), ".vetted-backup-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	man := &manifest{Format: backupFormat, Version: backupVersion, CreatedAt: time.Now().UTC(), Database: cfg.DBName}
	snapDir := filepath.Join(stage, "db")
	if cfg.MongoURI == "" {
		man.Source, man.Consistency = "embedded", "sqlite-vacuum-into"
		if _, err := mongostore.SnapshotEmbedded(ctx, cfg.DataDir, snapDir); err != nil {
			return nil, err
		}
		if man.Stats, err = inspectEmbedded(ctx, snapDir, cfg.DBName); err != nil {
			return nil, fmt.Errorf("check the snapshot: %w", err)
		}
	} else {
		man.Source = "mongodb"
		db, err := mongostore.ConnectTimeout(ctx, cfg.MongoURI, cfg.DBName, toolTimeout)
		if err != nil {
			return nil, err
		}
		_, snapshot, err := mongostore.DumpCollections(ctx, db, snapDir)
		_ = db.Close(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		man.Consistency = map[bool]string{true: "snapshot-session", false: "log-last"}[snapshot]
		if man.Stats, err = mongostore.InspectDump(snapDir); err != nil {
			return nil, fmt.Errorf("check the dump: %w", err)
		}
	}

	part := file + ".partial"
	f, err := os.OpenFile(part, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	defer os.Remove(part) // a no-op once renamed
	defer f.Close()
	aw := newArchiveWriter(f, man)
	prefix := map[string]string{"embedded": "db", "mongodb": "mongo"}[man.Source]
	if _, err := aw.addTree(prefix, snapDir); err != nil {
		return nil, err
	}
	// Media after the database: blobs are written before anything refers
	// to them, so every blob the snapshot names is already there.
	if media := filepath.Join(cfg.DataDir, "media"); isDir(media) {
		if man.MediaFiles, err = aw.addTree("media", media); err != nil {
			return nil, err
		}
	}
	if err := aw.close(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return man, os.Rename(part, file)
}

// inspectEmbedded opens a copy of an embedded data directory on a private
// port, counts and verifies it, closes it and leaves every database file
// integrity-checked and self-contained (no -wal beside it).
func inspectEmbedded(ctx context.Context, dir, name string) (mongostore.Stats, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if err != nil {
		return mongostore.Stats{}, err
	}
	for _, f := range files {
		if err := mongostore.CheckSQLite(ctx, f); err != nil {
			return mongostore.Stats{}, err
		}
	}
	counts, err := mongostore.CountEmbedded(ctx, dir, name)
	if err != nil {
		return mongostore.Stats{}, err
	}
	db, closeDB, err := mongostore.Open(ctx, mongostore.Options{Name: name, DataDir: dir, DBAddr: "127.0.0.1:0", OpTimeout: toolTimeout})
	if err != nil {
		return mongostore.Stats{}, err
	}
	st, err := mongostore.Inspect(ctx, db, counts)
	closeDB(context.WithoutCancel(ctx))
	if err != nil {
		return st, err
	}
	// Self-contained again: FerretDB reopened the files in WAL mode.
	for _, f := range files {
		if err := mongostore.CheckSQLite(ctx, f); err != nil {
			return st, err
		}
	}
	return st, nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func printStats(w io.Writer, man *manifest) {
	fmt.Fprintf(w, "  audit chain: %d events, head %d %s\n", man.Stats.Events, man.Stats.HeadSeq, man.Stats.HeadHash)
	for _, c := range slices.Sorted(maps.Keys(man.Stats.Counts)) {
		fmt.Fprintf(w, "  %-12s %d\n", c, man.Stats.Counts[c])
	}
	if man.MediaFiles > 0 {
		fmt.Fprintf(w, "  %-12s %d files\n", "media", man.MediaFiles)
	}
}

// restoreCmd is `vetted restore FILE`: into an empty VETTED_DATA_DIR (or
// an empty MONGODB_URI database). Everything is unpacked and checked in a
// staging directory first — checksums, SQLite integrity, counts, the
// audit chain — and only then moved into place, so a corrupt or
// truncated archive writes nothing.
func restoreCmd(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprintln(stderr, "usage: vetted restore FILE")
		return 2
	}
	started := time.Now()
	man, err := restore(ctx, cfg, args[0])
	if err != nil {
		fmt.Fprintf(stderr, "vetted restore: %v\n", err)
		return 1
	}
	where := cfg.DataDir
	if cfg.MongoURI != "" {
		where = "database " + cfg.DBName
	}
	fmt.Fprintf(stdout, "restored %s into %s (backup of %s; audit chain verified; %s)\n", args[0], where,
		man.CreatedAt.Format(time.RFC3339), time.Since(started).Round(time.Millisecond))
	printStats(stdout, man)
	return 0
}

func restore(ctx context.Context, cfg config, file string) (*manifest, error) {
	if _, err := os.Stat(file); err != nil {
		return nil, err
	}
	target, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if cfg.MongoURI == "" {
		if empty, err := dirIsEmpty(target); err != nil || !empty {
			if err == nil {
				err = fmt.Errorf("%s is not empty: restore only into an empty (or absent) VETTED_DATA_DIR", target)
			}
			return nil, err
		}
	} else {
		empty, err := mongostore.DatabaseIsEmpty(ctx, cfg.MongoURI, cfg.DBName)
		if err != nil {
			return nil, err
		}
		if !empty {
			return nil, fmt.Errorf("database %s is not empty: restore only into an empty database", cfg.DBName)
		}
		if empty, err := dirIsEmpty(filepath.Join(target, "media")); err != nil || !empty {
			return nil, fmt.Errorf("%s/media is not empty: restore only into an empty media directory", target)
		}
	}
	// Stage beside the target, so that moving it into place is a rename.
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return nil, err
	}
	stage, err := os.MkdirTemp(filepath.Dir(target), ".vetted-restore-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	data, dump := filepath.Join(stage, "data"), filepath.Join(stage, "dump")
	for _, d := range []string{data, dump} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
	}
	man, err := unpack(file, data, dump)
	if err != nil {
		return nil, err
	}
	if man.Source == "embedded" && cfg.MongoURI == "" && man.Database != cfg.DBName {
		// The file is <name>.sqlite: FerretDB names the database after it.
		return nil, fmt.Errorf("the backup is of database %q, VETTED_DB is %q", man.Database, cfg.DBName)
	}
	if err := checkArchive(ctx, man, data, dump); err != nil {
		return nil, err
	}

	if cfg.MongoURI == "" {
		if man.Source == "mongodb" { // a MongoDB backup into the embedded database
			if err := loadEmbedded(ctx, cfg.DBName, man, data, dump); err != nil {
				return nil, err
			}
		}
		_ = os.Remove(target) // empty or absent, checked above
		if err := os.Rename(data, target); err != nil {
			return nil, err
		}
		return man, nil
	}

	if man.Source == "embedded" { // an embedded backup into MongoDB
		db, closeDB, err := mongostore.Open(ctx, mongostore.Options{Name: man.Database, DataDir: data, DBAddr: "127.0.0.1:0", OpTimeout: toolTimeout})
		if err != nil {
			return nil, err
		}
		_, _, err = mongostore.DumpCollections(ctx, db, dump)
		closeDB(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
	}
	if err := loadMongo(ctx, cfg, man, dump); err != nil {
		return nil, err
	}
	if media := filepath.Join(data, "media"); isDir(media) {
		_ = os.Remove(filepath.Join(target, "media"))
		if err := os.MkdirAll(target, 0o700); err != nil {
			return nil, err
		}
		if err := os.Rename(media, filepath.Join(target, "media")); err != nil {
			return nil, err
		}
	}
	return man, nil
}

// checkArchive checks what unpack extracted against the manifest: SQLite
// integrity, document counts, the audit chain and its head.
func checkArchive(ctx context.Context, man *manifest, data, dump string) error {
	var st mongostore.Stats
	var err error
	switch man.Source {
	case "embedded":
		st, err = inspectEmbedded(ctx, data, man.Database)
	case "mongodb":
		st, err = mongostore.InspectDump(dump)
	default:
		return fmt.Errorf("%w: unknown source %q", errCorrupt, man.Source)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return sameStats(man.Stats, st)
}

// sameStats reports how restored stats differ from the manifest's.
func sameStats(want, got mongostore.Stats) error {
	if !got.Chain.OK {
		return fmt.Errorf("the audit chain is broken at event %d: %s", got.Chain.FirstBadSeq, got.Chain.Reason)
	}
	if got.Events != want.Events || got.HeadSeq != want.HeadSeq || got.HeadHash != want.HeadHash {
		return fmt.Errorf("%w: audit head is event %d %s, the manifest says %d %s", errCorrupt, got.HeadSeq, got.HeadHash, want.HeadSeq, want.HeadHash)
	}
	for _, c := range slices.Sorted(maps.Keys(want.Counts)) {
		if got.Counts[c] != want.Counts[c] {
			return fmt.Errorf("%w: %s has %d documents, the manifest says %d", errCorrupt, c, got.Counts[c], want.Counts[c])
		}
	}
	return nil
}

// loadEmbedded loads a MongoDB dump into a new embedded database in data
// and checks the result.
func loadEmbedded(ctx context.Context, name string, man *manifest, data, dump string) error {
	db, closeDB, err := mongostore.Open(ctx, mongostore.Options{Name: name, DataDir: data, DBAddr: "127.0.0.1:0", OpTimeout: toolTimeout})
	if err != nil {
		return err
	}
	err = mongostore.LoadCollections(ctx, db, dump)
	closeDB(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	st, err := inspectEmbedded(ctx, data, name)
	if err != nil {
		return err
	}
	return sameStats(man.Stats, st)
}

// loadMongo loads a checked dump into the (empty) MongoDB database and
// checks the result; on failure it drops what it wrote.
func loadMongo(ctx context.Context, cfg config, man *manifest, dump string) error {
	db, err := mongostore.ConnectTimeout(ctx, cfg.MongoURI, cfg.DBName, toolTimeout)
	if err != nil {
		return err
	}
	defer db.Close(context.WithoutCancel(ctx))
	err = mongostore.LoadCollections(ctx, db, dump)
	if err == nil {
		var st mongostore.Stats
		if st, err = mongostore.Inspect(ctx, db, nil); err == nil {
			err = sameStats(man.Stats, st)
		}
	}
	if err != nil {
		if derr := db.DB.Drop(context.WithoutCancel(ctx)); derr != nil {
			return errors.Join(err, fmt.Errorf("and dropping the half-restored database failed: %w", derr))
		}
		return fmt.Errorf("%w (the database was dropped again)", err)
	}
	return nil
}

// dirIsEmpty reports whether dir is absent or has no entries.
func dirIsEmpty(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return len(entries) == 0, nil
}
