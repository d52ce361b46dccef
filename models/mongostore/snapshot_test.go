package mongostore

import (
	"context"
	"fmt"
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
