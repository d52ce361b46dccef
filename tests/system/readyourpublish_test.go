package system

import (
	"strings"
	"testing"
	"time"
)

// TestReadYourPublishAcrossProcesses: two vetted processes on one
// database; B follows the log only every 1.5 s. Once a publish, a
// re-certification or an unpublish on A is acknowledged, B — asked right
// after the acknowledgement — answers the new state: the article by
// slug, the topic list, and the new review date.
func TestReadYourPublishAcrossProcesses(t *testing.T) {
	env := []string{"VETTED_PUBLIC_DELIVERY=1"}
	if testURI != "" {
		env = append(env, dbEnv(t, t.TempDir())...)
	} else {
		addr := freeAddr(t)
		startDB(t, t.TempDir(), addr)
		env = append(env, "MONGODB_URI=mongodb://"+addr+"/")
	}
	// Each its own data dir (media, audit key), one database.
	a := startServer(t, append(env, "VETTED_DEMO=1", "VETTED_DATA_DIR="+t.TempDir())...)
	b := startServer(t, append(env, "VETTED_SYNC_INTERVAL=1500ms", "VETTED_DATA_DIR="+t.TempDir())...)
	writer, clin, editor := login(t, a.URL, "writer@vetted.local"), login(t, a.URL, "clinician@vetted.local"), login(t, a.URL, "editor@vetted.local")

	art := create(t, a.URL, writer, "Fresh on every instance")
	if st, _, body := transition(t, a.URL, writer, art.ID, map[string]any{"action": "submit"}); st != 200 {
		t.Fatalf("submit: %d %s", st, body)
	}
	if st, _, body := transition(t, a.URL, clin, art.ID, map[string]any{"action": "approve", "password": demoPassword, "contentHash": art.ContentHash}); st != 200 {
		t.Fatalf("approve: %d %s", st, body)
	}
	time.Sleep(2 * time.Second) // B has followed the log past the sign-off: only the publish is new to it
	type delivered struct {
		Slug         string    `json:"slug"`
		LastReviewed time.Time `json:"lastReviewed"`
	}
	onB := func() (int, delivered) {
		t.Helper()
		var d delivered
		st, _, _ := call(t, "GET", b.URL+"/api/v1/articles/"+art.Slug, "", nil, nil, &d)
		return st, d
	}
	listed := func() bool {
		t.Helper()
		_, _, body := call(t, "GET", b.URL+"/api/v1/articles?topic=testing", "", nil, nil, nil)
		return strings.Contains(string(body), `"slug":"`+art.Slug+`"`)
	}

	t0 := time.Now()
	if st, _, body := transition(t, a.URL, editor, art.ID, map[string]any{"action": "publish"}); st != 200 {
		t.Fatalf("publish: %d %s", st, body)
	}
	t.Logf("publish acknowledged by A after %s", time.Since(t0).Round(time.Millisecond))
	st, first := onB()
	if st != 200 {
		t.Fatalf("after A acknowledged the publish, B answers the slug with %d", st)
	}
	if !listed() {
		t.Errorf("after A acknowledged the publish, B's topic list misses the article")
	}

	time.Sleep(10 * time.Millisecond) // a later review time
	if st, _, body := transition(t, a.URL, clin, art.ID, map[string]any{"action": "recertify", "password": demoPassword, "contentHash": art.ContentHash}); st != 200 {
		t.Fatalf("recertify: %d %s", st, body)
	}
	var onA delivered
	call(t, "GET", a.URL+"/api/v1/articles/"+art.Slug, "", nil, nil, &onA)
	if st, now := onB(); st != 200 || !now.LastReviewed.Equal(onA.LastReviewed) || !now.LastReviewed.After(first.LastReviewed) {
		t.Errorf("after A acknowledged the re-certification, B answers %d with lastReviewed %s; A serves %s (before: %s)",
			st, now.LastReviewed, onA.LastReviewed, first.LastReviewed)
	}

	if st, _, body := transition(t, a.URL, editor, art.ID, map[string]any{"action": "unpublish", "comment": "withdrawn for a correction"}); st != 200 {
		t.Fatalf("unpublish: %d %s", st, body)
	}
	if st, _ := onB(); st != 410 {
		t.Errorf("after A acknowledged the unpublish, B answers the slug with %d; want 410", st)
	}
	if listed() {
		t.Errorf("after A acknowledged the unpublish, B's topic list still has the article")
	}
}
