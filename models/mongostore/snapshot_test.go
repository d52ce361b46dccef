package mongostore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vetted-cms/vetted/models"
)

func commitEdit(t *testing.T, s *ArticleStore, id string, title string) {
	t.Helper()
	ctx := context.Background()
	prev, err := s.Get(ctx, id)
	var p *models.Article
	var version, rev int64 = 1, 1
	action := models.ActionCreate
	if err == nil {
		p, version, rev, action = prev, prev.Version+1, prev.Rev+1, models.ActionEdit
	}
	c := models.Content{Slug: fmt.Sprint("s-", id), Title: title, Topics: []string{"sleep"}}
	c.Normalize()
	ev := &models.Event{At: models.Now(), Actor: "u_writer", Action: action, ArticleID: id, Version: version, Rev: rev, To: "draft",
		Data: models.EventData{Content: &c, ContentHash: c.Hash()}}
	if _, err := s.Commit(ctx, p, ev); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotLoadEqualsFullLoad: a catalog loaded from a snapshot plus
// the events after it equals one built from every head, and a change made
// after the snapshot is not lost.
func TestSnapshotLoadEqualsFullLoad(t *testing.T) {
	d := OpenTest(t)
	ctx := context.Background()
	s := NewArticleStore(d)
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		commitEdit(t, s, fmt.Sprint("a", i), "first")
	}
	if cur, err := s.SaveSnapshot(ctx); err != nil || cur != 5 {
		t.Fatalf("snapshot at %d, %v; want 5", cur, err)
	}
	commitEdit(t, s, "a1", "after the snapshot")
	commitEdit(t, s, "a9", "created after the snapshot")

	fast := NewArticleStore(d)
	if err := fast.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if fast.LoadedFrom != "snapshot at event 5 + 2 events" {
		t.Fatalf("fast load came from %q", fast.LoadedFrom)
	}
	if _, err := d.DB.Collection(CollMeta).DeleteOne(ctx, bson.D{{Key: "_id", Value: catalogID}}); err != nil {
		t.Fatal(err)
	}
	full := NewArticleStore(d)
	if err := full.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if len(fast.catalog) != 6 || len(full.catalog) != 6 {
		t.Fatalf("catalogs hold %d and %d articles; want 6", len(fast.catalog), len(full.catalog))
	}
	for id, want := range full.catalog {
		got := fast.catalog[id]
		wb, _ := bson.Marshal(want)
		gb, _ := bson.Marshal(got)
		if !reflect.DeepEqual(wb, gb) {
			t.Errorf("%s differs:\nsnapshot %+v\nheads    %+v", id, got, want)
		}
	}
	if a, _ := fast.Known("a1"); a.Content.Title != "after the snapshot" || a.Version != 2 {
		t.Fatalf("a change after the snapshot was lost: %+v", a)
	}
	if fast.Log.Cursor() != 7 {
		t.Fatalf("cursor %d; want 7", fast.Log.Cursor())
	}
}

// TestDecodeHeads: the catalog snapshot's heads, decoded on every core,
// are the ones encoded, in order; a damaged body is an error (Load then
// reads every head instead), never a partial catalog.
func TestDecodeHeads(t *testing.T) {
	var arts []*models.Article
	for i := range 50 {
		c := models.Content{Slug: fmt.Sprint("head-", i), Title: fmt.Sprint("Head ", i), Topics: []string{"sleep"}}
		c.Normalize()
		arts = append(arts, &models.Article{ID: fmt.Sprint("a", i), Version: int64(i + 1), Content: c})
	}
	raw, err := bson.Marshal(snapshotBody{Articles: arts})
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeHeads(raw)
	if err != nil || len(got) != len(arts) {
		t.Fatalf("decoded %d heads, %v; want %d", len(got), err, len(arts))
	}
	for i := range arts {
		if got[i].ID != arts[i].ID || got[i].Version != arts[i].Version || got[i].Content.Title != arts[i].Content.Title {
			t.Errorf("head %d: %s v%d %q; want %s v%d %q", i, got[i].ID, got[i].Version, got[i].Content.Title, arts[i].ID, arts[i].Version, arts[i].Content.Title)
		}
	}
	notArray, _ := bson.Marshal(bson.D{{Key: "articles", Value: "none"}})
	badHead, _ := bson.Marshal(bson.D{{Key: "articles", Value: bson.A{bson.D{{Key: "version", Value: "not a number"}}}}})
	for name, b := range map[string][]byte{
		"truncated":            raw[:len(raw)/2],
		"no articles":          []byte{5, 0, 0, 0, 0},
		"articles not list":    notArray,
		"a head not decodable": badHead,
	} {
		if heads, err := decodeHeads(b); err == nil {
			t.Errorf("%s: %d heads and no error", name, len(heads))
		}
	}
}

// TestLocalCatalogSnapshot: with LocalDir, saving the catalog snapshot
// also writes a local copy, and a start reads it instead of the
// database's; the catalog equals one built from every head. The copy is
// never used for another log (a database whose event at its cursor has
// another hash), when damaged, or when too far behind; the database's
// snapshot is read then.
func TestLocalCatalogSnapshot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d := OpenTest(t)
	s := NewArticleStore(d)
	s.LocalDir = dir
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		commitEdit(t, s, fmt.Sprint("a", i), "first")
	}
	if _, err := s.SaveSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	commitEdit(t, s, "a2", "after the snapshot")
	load := func(d *DB, dir string) *ArticleStore {
		t.Helper()
		s := NewArticleStore(d)
		s.LocalDir = dir
		if err := s.Load(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	got := load(d, dir)
	if got.LoadedFrom != "local snapshot at event 4 + 1 events" {
		t.Fatalf("loaded from %q; want the local snapshot", got.LoadedFrom)
	}
	if a, _ := got.Known("a2"); a == nil || a.Content.Title != "after the snapshot" || len(got.catalog) != 4 {
		t.Fatalf("catalog from the local snapshot: %d articles, a2 %+v", len(got.catalog), a)
	}
	if lf := load(d, "").LoadedFrom; lf != "snapshot at event 4 + 1 events" {
		t.Fatalf("without LocalDir: loaded from %q", lf)
	}

	// Another database with a log as long: the file names an event whose
	// hash differs there, so that database's own snapshot is read.
	other := OpenTest(t)
	os2 := NewArticleStore(other)
	if err := os2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		commitEdit(t, os2, fmt.Sprint("b", i), "other")
	}
	if _, err := os2.SaveSnapshot(ctx); err != nil { // no LocalDir: the database's copy only
		t.Fatal(err)
	}
	o := load(other, dir)
	if o.LoadedFrom != "snapshot at event 5 + 0 events" {
		t.Fatalf("another log with this file: loaded from %q", o.LoadedFrom)
	}
	if a, _ := o.Known("a0"); a != nil || len(o.catalog) != 5 {
		t.Fatalf("another log's catalog holds %d articles, a0 %v", len(o.catalog), a != nil)
	}

	// Damaged: the database's snapshot.
	path := filepath.Join(dir, catalogFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x10
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if lf := load(d, dir).LoadedFrom; lf != "snapshot at event 4 + 1 events" {
		t.Fatalf("a damaged local copy: loaded from %q", lf)
	}
	// Too far behind the log: the database's snapshot.
	first, err := s.Log.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if err := writeCatalogFile(&file, 1, first.Hash, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	local := got.readLocalSnapshot(ctx)
	if local == nil || local.cursor != 1 {
		t.Fatalf("a local copy of this log at event 1 was not read: %+v", local)
	}
	local.release()
	if !recentEnough(1, 1+localReplayMax) {
		t.Error("a local copy localReplayMax events behind was not used")
	}
	if recentEnough(1, 1+localReplayMax+1) {
		t.Error("a local copy more than localReplayMax events behind was used")
	}
}

// TestTailFoundFromLocalCopy: with a local copy of the catalog, the
// search for the log's tail starts at the copy's event, and is not the
// search from the first event (about 30 reads by _id at 10,000
// articles, a quarter of a start there).
func TestTailFoundFromLocalCopy(t *testing.T) {
	ctx := context.Background()
	rec := &opRecorder{ops: map[string][2]int{}}
	d, closeFn, err := Open(ctx, Options{Name: "vetted", DataDir: t.TempDir(), Observer: rec})
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn(ctx)
	dir := t.TempDir()
	s := NewArticleStore(d)
	s.LocalDir = dir
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		commitEdit(t, s, fmt.Sprint("a", i%5), fmt.Sprint("edit ", i))
	}
	if _, err := s.SaveSnapshot(ctx); err != nil {
		t.Fatal(err)
	}
	commitEdit(t, s, "a1", "after the snapshot")
	finds := func(f func()) int {
		rec.mu.Lock()
		before := rec.ops["find"][0]
		rec.mu.Unlock()
		f()
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return rec.ops["find"][0] - before
	}
	var tail int64
	search := finds(func() {
		if tail, err = s.Log.FindTail(ctx); err != nil || tail != 41 {
			t.Fatalf("tail %d, %v; want 41", tail, err)
		}
	})
	got := NewArticleStore(d)
	got.LocalDir = dir
	load := finds(func() {
		if err := got.Load(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if got.LoadedFrom != "local snapshot at event 40 + 1 events" || got.Log.Cursor() != 41 {
		t.Fatalf("loaded from %q, cursor %d; want the local copy and the tail 41", got.LoadedFrom, got.Log.Cursor())
	}
	if a, _ := got.Known("a1"); a == nil || a.Content.Title != "after the snapshot" {
		t.Fatalf("the event after the copy was not applied: %+v", a)
	}
	if load >= search {
		t.Errorf("a start from the local copy read %d documents, the search for the tail from the first event alone %d", load, search)
	}
}
