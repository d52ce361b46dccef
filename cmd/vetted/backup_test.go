package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/service"
)

// seedData writes a user and an edited article through the service into
// the database env names, and closes it.
func seedData(t *testing.T, env map[string]string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := loadConfig(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	a, err := open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.closeDB(ctx)
	w, err := a.svc.CreateUser(ctx, nil, service.NewUser{Email: "w@example.org", Name: "W", Password: "long-enough-pw", Roles: []string{models.RoleWriter}})
	if err != nil {
		t.Fatal(err)
	}
	art, err := a.svc.CreateArticle(ctx, w, models.Content{Title: "Back me up"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.UpdateArticle(ctx, w, art.ID, 1, models.Content{Slug: art.Content.Slug, Title: "Back me up, changed"}); err != nil {
		t.Fatal(err)
	}
}

// runCmd runs one subcommand in-process and returns its exit code and
// its stdout and stderr together.
func runCmd(env map[string]string, args ...string) (int, string) {
	var out bytes.Buffer
	code := run(context.Background(), args, envOf(env), &out, &out)
	return code, out.String()
}

// readArchive returns the members of a backup archive in order.
func readArchive(t *testing.T, file string) (names []string, bodies map[string][]byte) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	bodies = map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, bodies
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		bodies[h.Name] = b
	}
}

// writeArchive packs members (in order) into a new archive.
func writeArchive(t *testing.T, file string, names []string, bodies map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o600, Size: int64(len(bodies[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(bodies[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// editManifest rewrites the archive's manifest through f.
func editManifest(t *testing.T, bodies map[string][]byte, f func(m map[string]any)) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(bodies[manifestMember], &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	bodies[manifestMember] = b
}

// TestRestoreRefusesDamagedArchives: a truncated, corrupted, tampered or
// foreign archive gets a clear error naming the problem, and restore
// writes nothing: the target directory is not created and no staging
// directory is left beside it. The intact archive then restores.
func TestRestoreRefusesDamagedArchives(t *testing.T) {
	src := t.TempDir()
	seedData(t, map[string]string{"VETTED_DATA_DIR": src})
	work := t.TempDir()
	good := filepath.Join(work, "good.tar.gz")
	if code, out := runCmd(map[string]string{"VETTED_DATA_DIR": src}, "backup", good); code != 0 {
		t.Fatalf("backup exited %d:\n%s", code, out)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	names, bodies := readArchive(t, good)
	if len(names) != 2 || names[0] != "db/vetted.sqlite" || names[1] != manifestMember {
		t.Fatalf("archive members: %v", names)
	}
	variant := func(name string, f func(bodies map[string][]byte) []string) string {
		b := map[string][]byte{}
		for k, v := range bodies {
			b[k] = bytes.Clone(v)
		}
		order := f(b)
		file := filepath.Join(work, name)
		writeArchive(t, file, order, b)
		return file
	}
	raw2file := func(name string, b []byte) string {
		file := filepath.Join(work, name)
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
	flipped := bytes.Clone(raw)
	flipped[len(flipped)/2] ^= 0x55

	cases := []struct {
		name, file, want string
	}{
		{"truncated", raw2file("half.tar.gz", raw[:len(raw)/2]), "corrupt or truncated"},
		{"last bytes cut", raw2file("cut.tar.gz", raw[:len(raw)-10]), "corrupt or truncated"},
		{"byte flipped", raw2file("flipped.tar.gz", flipped), "corrupt or truncated"},
		{"not an archive", raw2file("text.tar.gz", []byte("hello, I am not a backup\n")), "not a gzip file"},
		{"no manifest", variant("nomanifest.tar.gz", func(map[string][]byte) []string { return names[:1] }), "no manifest"},
		{"member changed", variant("changed.tar.gz", func(b map[string][]byte) []string {
			db := b["db/vetted.sqlite"]
			db[len(db)/2] ^= 0x01
			return names
		}), "does not match its checksum"},
		{"member missing", variant("missing.tar.gz", func(map[string][]byte) []string { return names[1:] }), "db/vetted.sqlite is missing"},
		{"unsafe name", variant("unsafe.tar.gz", func(b map[string][]byte) []string {
			b["db/../../escape.sqlite"] = []byte("x")
			return append([]string{"db/../../escape.sqlite"}, names...)
		}), "unsafe member name"},
		{"member not in manifest", variant("extra.tar.gz", func(b map[string][]byte) []string {
			b["media/x.png"] = []byte("x")
			return append([]string{"media/x.png"}, names...)
		}), "media/x.png is not in the manifest"},
		{"counts differ", variant("counts.tar.gz", func(b map[string][]byte) []string {
			editManifest(t, b, func(m map[string]any) {
				m["stats"].(map[string]any)["counts"].(map[string]any)["articles"] = 7
			})
			return names
		}), "articles has 1 documents, the manifest says 7"},
		{"audit head differs", variant("head.tar.gz", func(b map[string][]byte) []string {
			editManifest(t, b, func(m map[string]any) { m["stats"].(map[string]any)["headSeq"] = 2 })
			return names
		}), "audit head"},
		{"newer format", variant("v2.tar.gz", func(b map[string][]byte) []string {
			editManifest(t, b, func(m map[string]any) { m["version"] = 2 })
			return names
		}), "version 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			target := filepath.Join(parent, "data")
			code, out := runCmd(map[string]string{"VETTED_DATA_DIR": target}, "restore", c.file)
			if code == 0 || !strings.Contains(out, c.want) {
				t.Fatalf("exit %d, want an error with %q:\n%s", code, c.want, out)
			}
			if entries, _ := os.ReadDir(parent); len(entries) != 0 {
				t.Fatalf("a failed restore left %v behind", entries)
			}
		})
	}

	target := filepath.Join(t.TempDir(), "data")
	code, out := runCmd(map[string]string{"VETTED_DATA_DIR": target}, "restore", good)
	if code != 0 || !strings.Contains(out, "articles     1") || !strings.Contains(out, "audit chain: 3 events") {
		t.Fatalf("intact archive: exit %d:\n%s", code, out)
	}
	assertIDIndexes(t, filepath.Join(target, "vetted.sqlite"))
	if code, out := runCmd(map[string]string{"VETTED_DATA_DIR": target}, "restore", good); code == 0 || !strings.Contains(out, "not empty") {
		t.Fatalf("restore into a non-empty directory: exit %d:\n%s", code, out)
	}
}

// assertIDIndexes checks, before anything opens the file, that every
// collection's table carries the _id index FerretDB 1.24.2 needs
// (PRODUCT.md, Storage facts 3): a restored database is fast from its
// first lookup.
func assertIDIndexes(t *testing.T, path string) {
	t.Helper()
	sdb, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var tables, indexes int
	if err := sdb.QueryRow(`SELECT count(*) FROM "_ferretdb_collections"`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if err := sdb.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE '%_id_path'`).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	if tables == 0 || indexes != tables {
		t.Fatalf("%d collections, %d repaired _id indexes", tables, indexes)
	}
}

// TestBackupOfBrokenChain: a backup keeps a tampered log as found but
// exits non-zero naming the event; restore refuses that archive.
func TestBackupOfBrokenChain(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	seedData(t, map[string]string{"VETTED_DATA_DIR": src})
	db, closeDB, err := mongostore.Open(ctx, mongostore.Options{Name: "vetted", DataDir: src})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.DB.Collection(mongostore.CollEvents).UpdateOne(ctx, bson.D{{Key: "_id", Value: models.SeqID(2)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "actorName", Value: "Someone Else"}}}})
	closeDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "broken.tar.gz")
	code, out := runCmd(map[string]string{"VETTED_DATA_DIR": src}, "backup", file)
	if code == 0 || !strings.Contains(out, "BROKEN at event 2") {
		t.Fatalf("backup of a broken chain: exit %d:\n%s", code, out)
	}
	parent := t.TempDir()
	code, out = runCmd(map[string]string{"VETTED_DATA_DIR": filepath.Join(parent, "data")}, "restore", file)
	if code == 0 || !strings.Contains(out, "audit chain is broken at event 2") {
		t.Fatalf("restore of a broken chain: exit %d:\n%s", code, out)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Fatalf("a refused restore left %v behind", entries)
	}
}

// TestBackupRestoreMongoURI: with MONGODB_URI the backup dumps through the
// driver (here against a FerretDB standing in for MongoDB: no snapshot
// sessions, so the event log is dumped last); the dump restores into an
// empty database on that server and into an empty embedded data
// directory, and not into a database that holds documents.
func TestBackupRestoreMongoURI(t *testing.T) {
	ctx := context.Background()
	emb, err := mongostore.StartEmbedded(ctx, t.TempDir(), "127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Stop()
	src := map[string]string{"MONGODB_URI": emb.URI, "VETTED_DATA_DIR": t.TempDir()}
	seedData(t, src)
	file := filepath.Join(t.TempDir(), "mongo.tar.gz")
	code, out := runCmd(src, "backup", file)
	if code != 0 || !strings.Contains(out, "log-last") || !strings.Contains(out, "audit chain: 3 events") {
		t.Fatalf("backup: exit %d:\n%s", code, out)
	}
	names, _ := readArchive(t, file)
	if !strings.Contains(strings.Join(names, " "), "mongo/events.bson") {
		t.Fatalf("archive members: %v", names)
	}

	copyDB := map[string]string{"MONGODB_URI": emb.URI, "VETTED_DB": "restored", "VETTED_DATA_DIR": t.TempDir()}
	if code, out := runCmd(copyDB, "restore", file); code != 0 || !strings.Contains(out, "articles     1") {
		t.Fatalf("restore into an empty database: exit %d:\n%s", code, out)
	}
	if code, out := runCmd(copyDB, "audit", "verify"); code != 0 || !strings.Contains(out, "audit chain OK: 3 events") {
		t.Fatalf("audit verify of the restored database: exit %d:\n%s", code, out)
	}
	if code, out := runCmd(copyDB, "restore", file); code == 0 || !strings.Contains(out, "not empty") {
		t.Fatalf("restore into a database with documents: exit %d:\n%s", code, out)
	}

	embedded := map[string]string{"VETTED_DATA_DIR": filepath.Join(t.TempDir(), "data")}
	if code, out := runCmd(embedded, "restore", file); code != 0 || !strings.Contains(out, "articles     1") {
		t.Fatalf("restore into an embedded data directory: exit %d:\n%s", code, out)
	}
	assertIDIndexes(t, filepath.Join(embedded["VETTED_DATA_DIR"], "vetted.sqlite"))
	if code, out := runCmd(embedded, "audit", "verify"); code != 0 || !strings.Contains(out, "audit chain OK: 3 events") {
		t.Fatalf("audit verify of the embedded restore: exit %d:\n%s", code, out)
	}
}
