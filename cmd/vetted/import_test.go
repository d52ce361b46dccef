package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/models/mongostore"
)

// TestImportAllOrNothing: `vetted import` checks every line first — a bad
// record is reported by its line number and nothing is imported — then
// brings good records in as drafts (never live) with their original
// first-publication date kept.
func TestImportAllOrNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := map[string]string{"VETTED_DATA_DIR": dir, "VETTED_LOG_LEVEL": "error"}
	t.Setenv("VETTED_NEW_PASSWORD", "a-long-enough-password")
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"user", "create", "--email", "w@example.org", "--name", "Wren", "--role", "writer"}, envOf(env), &out, &errb); code != 0 {
		t.Fatalf("user create: %d %s", code, errb.String())
	}
	good := `{"title":"Old article one","summary":"s","keyTakeaways":["k"],"sections":[{"heading":"","body":"An intro."}],"firstPublishedAt":"2019-04-01T08:00:00Z"}
{"slug":"old-two","title":"Old article two","sections":[{"heading":"h","body":"b"}]}
`
	bad := good + "\n" + `{"title":"Bad","slug":"Not A Slug"}` + "\n" + `{"title":"x","unknownField":1}` + "\n"
	file := filepath.Join(dir, "in.jsonl")
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run(ctx, []string{"import", "--author", "w@example.org", file}, envOf(env), &out, &errb); code != 1 {
		t.Fatalf("bad import exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "line 4:") || !strings.Contains(errb.String(), "slug") || !strings.Contains(errb.String(), "line 5:") || !strings.Contains(errb.String(), "nothing was imported") {
		t.Errorf("bad lines not reported by number: %s", errb.String())
	}
	// Nothing half-imported: the good records import now without a
	// slug conflict.
	if err := os.WriteFile(file, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	out.Reset()
	if code := run(ctx, []string{"import", "--author", "w@example.org", file}, envOf(env), &out, &errb); code != 0 {
		t.Fatalf("good import exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "imported 2 article(s)") {
		t.Errorf("out = %s", out.String())
	}
	db, closeDB, err := mongostore.Open(ctx, mongostore.Options{Name: "vetted", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(ctx)
	arts := mongostore.NewArticleStore(db)
	if err := arts.Load(ctx); err != nil {
		t.Fatal(err)
	}
	all := arts.All()
	if len(all) != 2 {
		t.Fatalf("%d articles, want 2", len(all))
	}
	for _, a := range all {
		if a.Status != "draft" || a.Live != nil || a.EverPublished {
			t.Errorf("%s imported as %s (live %v)", a.Content.Slug, a.Status, a.Live)
		}
		if a.Content.Slug == "old-article-one" && (a.FirstPublishedAt == nil || !a.FirstPublishedAt.Equal(time.Date(2019, 4, 1, 8, 0, 0, 0, time.UTC))) {
			t.Errorf("original first publication not kept: %v", a.FirstPublishedAt)
		}
	}
}
