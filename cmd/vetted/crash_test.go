package main_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
)

var crashRounds = flag.Int("vetted.crash-rounds", 6, "kill -9 rounds of the crash test")

// TestBinary builds the binary once and runs the tests that need it as a
// separate process.
func TestBinary(t *testing.T) {
	bin := buildVetted(t)
	t.Run("CrashKeepsEveryAcknowledgedChange", func(t *testing.T) { testCrash(t, bin) })
	t.Run("TamperedEventIsNamed", func(t *testing.T) { testTamper(t, bin) })
	t.Run("AuditTrailFilters", func(t *testing.T) { testAuditFilters(t, bin) })
	t.Run("BackupDuringWrites", func(t *testing.T) { testBackupDuringWrites(t, bin) })
}

// crashAck is a change the server acknowledged with 2xx.
type crashAck struct {
	action  string
	id      string
	version int64
	status  string
	hash    string
}

// testCrash drives edits and transitions over
// HTTP from several clients, kills the server with SIGKILL mid-loop, and
// restarts it on the same data directory, several rounds. After every
// crash the audit chain verifies; after every restart every acknowledged
// change has its event, and every head document equals the reducer over
// its article's events.
func testCrash(t *testing.T, bin string) {
	dir := t.TempDir()
	started := time.Now()
	p := startVetted(t, bin, dir)
	admin := login(t, p.base, procAdminEmail)
	createUser(t, admin, "writer@crash.test", []string{"writer"}, false)
	createUser(t, admin, "clin@crash.test", []string{"clinical_reviewer"}, true)
	createUser(t, admin, "editor@crash.test", []string{"editor"}, false)
	tokens := map[string]string{}
	for _, who := range []string{"writer", "clin", "editor"} {
		tokens[who] = login(t, p.base, who+"@crash.test").token
	}
	writer := newClient(p.base, tokens["writer"])
	var ids []string
	for i := 0; i < 3; i++ {
		var a procArticle
		writer.must(t, 201, "POST", "/api/admin/articles", procContent(fmt.Sprintf("crash-article-%d", i), 0), &a)
		ids = append(ids, a.ID)
	}

	var (
		mu         sync.Mutex
		acks       []crashAck
		unexpected []string
		inFlight   int
	)
	totalAcks := 0
	for round := 1; round <= *crashRounds; round++ {
		cl := map[string]*apiClient{}
		for who, tok := range tokens {
			cl[who] = newClient(p.base, tok)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := 0; w < 3; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(round), uint64(w)))
				for ctx.Err() == nil {
					ack, bad, err := crashStep(ctx, cl, ids[rng.IntN(len(ids))], rng)
					mu.Lock()
					switch {
					case err != nil:
						if ctx.Err() == nil {
							inFlight++ // the server died under this request
						}
					case bad != "":
						unexpected = append(unexpected, bad)
					case ack != nil:
						acks = append(acks, *ack)
					}
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
		}
		time.Sleep(time.Duration(300+rand.IntN(900)) * time.Millisecond)
		p.kill() // kill -9 mid-loop
		cancel()
		wg.Wait()
		mu.Lock()
		if len(unexpected) > 0 {
			t.Fatalf("round %d: unexpected answers:\n%s", round, strings.Join(unexpected, "\n"))
		}
		roundAcks := acks
		acks = nil
		mu.Unlock()
		totalAcks += len(roundAcks)

		// Straight after the crash, before any recovery: the chain verifies.
		if code, out := runVetted(t, bin, dir, "audit", "verify"); code != 0 || !strings.Contains(out, "audit chain OK") {
			t.Fatalf("round %d: audit verify after kill -9 exited %d:\n%s", round, code, out)
		}
		p = startVetted(t, bin, dir)
		crashCheckAcks(t, newClient(p.base, tokens["editor"]), roundAcks)
		p.stop()
		crashCheckHeads(t, dir, ids)
		t.Logf("round %d: %d changes acknowledged, all recorded; heads match the log", round, len(roundAcks))
		p = startVetted(t, bin, dir)
	}
	p.stop()
	if code, out := runVetted(t, bin, dir, "audit", "verify"); code != 0 {
		t.Fatalf("final audit verify exited %d:\n%s", code, out)
	}
	if totalAcks < *crashRounds {
		t.Fatalf("only %d changes were acknowledged in %d rounds: the loop did not run", totalAcks, *crashRounds)
	}
	t.Logf("crash: %d rounds of kill -9, %d acknowledged changes, %d requests cut by the kill; %s", *crashRounds, totalAcks, inFlight, time.Since(started).Round(time.Millisecond))
}

// crashStep does the next natural thing to one article. It returns the
// acknowledgement of a successful change, a description of an answer no
// client should get, or the transport error when the server died.
func crashStep(ctx context.Context, cl map[string]*apiClient, id string, rng *rand.Rand) (*crashAck, string, error) {
	st, b, err := cl["editor"].call(ctx, "GET", "/api/admin/articles/"+id, nil)
	if err != nil {
		return nil, "", err
	}
	if st != 200 {
		return nil, fmt.Sprintf("GET %s: %d %s", id, st, b), nil
	}
	var a procArticle
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Sprintf("GET %s: %v", id, err), nil
	}
	var who, action, method, path string
	var body any
	var hdr []string
	edit := func() {
		who, action, method, path = "writer", "edit", "PUT", "/api/admin/articles/"+id
		body, hdr = procContent(a.Slug, rng.IntN(1_000_000)), []string{"If-Match", fmt.Sprintf(`"%d"`, a.Version)}
	}
	tr := func(w, act string, extra map[string]any) {
		who, action, method, path = w, act, "POST", "/api/admin/articles/"+id+"/transitions"
		m := map[string]any{"action": act}
		for k, v := range extra {
			m[k] = v
		}
		body = m
	}
	switch r := rng.IntN(10); a.Status {
	case "draft":
		if r < 3 {
			edit()
		} else {
			tr("writer", "submit", nil)
		}
	case "in_review":
		switch {
		case r < 7:
			tr("clin", "approve", map[string]any{"password": procPassword, "contentHash": a.ContentHash})
		case r < 9:
			tr("clin", "request_changes", map[string]any{"comment": "tighten the second section"})
		default:
			tr("writer", "withdraw", nil)
		}
	case "approved":
		if r < 8 {
			tr("editor", "publish", nil)
		} else {
			edit()
		}
	case "published":
		if r < 7 {
			edit()
		} else {
			tr("editor", "unpublish", nil)
		}
	default:
		edit()
	}
	st, b, err = cl[who].call(ctx, method, path, body, hdr...)
	if err != nil {
		return nil, "", err
	}
	switch {
	case st == 200:
		var got procArticle
		if err := json.Unmarshal(b, &got); err != nil {
			return nil, fmt.Sprintf("%s %s: %v", action, id, err), nil
		}
		if got.Version == a.Version && action == "edit" {
			return nil, "", nil
		}
		return &crashAck{action: action, id: id, version: got.Version, status: got.Status, hash: got.ContentHash}, "", nil
	case st == 409:
		return nil, "", nil // another client won the race: expected
	}
	return nil, fmt.Sprintf("%s %s (status %s): %d %s", action, id, a.Status, st, b), nil
}

// crashCheckAcks: every acknowledged change has its event, with the
// answered state.
func crashCheckAcks(t *testing.T, c *apiClient, acks []crashAck) {
	t.Helper()
	byArticle := map[string][]crashAck{}
	for _, a := range acks {
		byArticle[a.id] = append(byArticle[a.id], a)
	}
	for id, list := range byArticle {
		var evs struct {
			Items []procEvent `json:"items"`
		}
		c.must(t, 200, "GET", "/api/admin/articles/"+id+"/events", nil, &evs)
		byVersion := map[int64]procEvent{}
		for _, ev := range evs.Items {
			if _, dup := byVersion[ev.Version]; dup {
				t.Fatalf("%s: two events for version %d", id, ev.Version)
			}
			byVersion[ev.Version] = ev
		}
		var head procArticle
		c.must(t, 200, "GET", "/api/admin/articles/"+id, nil, &head)
		for _, a := range list {
			ev, ok := byVersion[a.version]
			if !ok {
				t.Fatalf("acknowledged %s of %s (version %d) has no event after the crash", a.action, id, a.version)
			}
			if ev.Action != a.action || ev.To != a.status || (a.action == "edit" && ev.Data.ContentHash != a.hash) {
				t.Fatalf("acknowledged %+v, but the event says %+v", a, ev)
			}
			if head.Version < a.version {
				t.Fatalf("%s is at version %d after the restart; version %d was acknowledged", id, head.Version, a.version)
			}
		}
	}
}

// crashCheckHeads opens the stopped server's data directory and compares
// every head document with the reducer over its events; the chain must
// verify too.
func crashCheckHeads(t *testing.T, dir string, ids []string) {
	t.Helper()
	ctx := context.Background()
	db, closeDB, err := mongostore.Open(ctx, mongostore.Options{Name: "vetted", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(ctx)
	log := mongostore.NewLog(db, nil)
	if res, err := log.Verify(ctx); err != nil || !res.OK {
		t.Fatalf("chain: %+v %v", res, err)
	}
	evs, err := log.Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		var want *models.Article
		for i := range evs {
			if evs[i].ArticleID == id {
				want = models.Apply(want, &evs[i])
			}
		}
		got, err := mongostore.StoredHead(ctx, db, id)
		if err != nil {
			t.Fatalf("head %s: %v", id, err)
		}
		if g, w := crashJSON(got), crashJSON(want); g != w {
			t.Fatalf("head document of %s differs from its events:\n got %s\nwant %s", id, g, w)
		}
	}
}

func crashJSON(a *models.Article) string {
	b, _ := json.Marshal(struct {
		*models.Article
		C    models.Content       `json:"content"`
		Seqs []int64              `json:"seqs"`
		Revs []models.RevisionRef `json:"revs"`
	}{a, a.Content, a.Seqs, a.Revs})
	return string(b)
}

// testTamper changes one stored event through the driver:
// `vetted audit verify` exits non-zero naming it, and the API says so.
func testTamper(t *testing.T, bin string) {
	dir := t.TempDir()
	p := startVetted(t, bin, dir)
	admin := login(t, p.base, procAdminEmail)
	createUser(t, admin, "writer@tamper.test", []string{"writer"}, false)
	w := login(t, p.base, "writer@tamper.test")
	var a procArticle
	w.must(t, 201, "POST", "/api/admin/articles", procContent("tamper-me", 0), &a)
	w.must(t, 200, "PUT", "/api/admin/articles/"+a.ID, procContent("tamper-me", 1), &a, "If-Match", `"1"`)
	w.must(t, 200, "PUT", "/api/admin/articles/"+a.ID, procContent("tamper-me", 2), &a, "If-Match", `"2"`)
	var ok struct {
		OK          bool  `json:"ok"`
		Events      int   `json:"events"`
		FirstBadSeq int64 `json:"firstBadSeq"`
	}
	admin.must(t, 200, "GET", "/api/admin/audit/verify", nil, &ok)
	if !ok.OK || ok.Events < 5 {
		t.Fatalf("before tampering: %+v", ok)
	}
	p.stop()
	if code, out := runVetted(t, bin, dir, "audit", "verify"); code != 0 {
		t.Fatalf("untampered audit verify exited %d: %s", code, out)
	}

	// Rewrite the middle edit's recorded hash, as someone with database
	// access might.
	ctx := context.Background()
	db, closeDB, err := mongostore.Open(ctx, mongostore.Options{Name: "vetted", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := mongostore.NewLog(db, nil).Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var target int64
	for _, ev := range evs {
		if ev.ArticleID == a.ID && ev.Version == 2 {
			target = ev.Seq
		}
	}
	res, err := db.DB.Collection(mongostore.CollEvents).UpdateOne(ctx, bson.D{{Key: "_id", Value: models.SeqID(target)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "actor", Value: "someone-else"}}}})
	if err != nil || res.ModifiedCount != 1 {
		t.Fatalf("tamper: %+v %v", res, err)
	}
	closeDB(ctx)

	code, out := runVetted(t, bin, dir, "audit", "verify")
	if code == 0 || !strings.Contains(out, fmt.Sprintf("event %d", target)) {
		t.Fatalf("tampered audit verify exited %d naming %q; want non-zero naming event %d", code, out, target)
	}
	p = startVetted(t, bin, dir)
	admin = newClient(p.base, admin.token)
	admin.must(t, 200, "GET", "/api/admin/audit/verify", nil, &ok)
	if ok.OK || ok.FirstBadSeq != target {
		t.Fatalf("API verify after tampering = %+v; want ok:false, firstBadSeq %d", ok, target)
	}
	p.stop()
}
