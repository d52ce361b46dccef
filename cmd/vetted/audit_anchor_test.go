package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
)

// testAuditAnchor is the reproduction, end to end: the server
// writes a checkpoint at shutdown; deleting the newest event through the
// driver (which the chain alone does not notice) makes `vetted audit
// verify` exit 1 naming that event; `vetted audit key` prints the key that
// signed the checkpoint.
func testAuditAnchor(t *testing.T, bin string) {
	dir := t.TempDir()
	p := startVetted(t, bin, dir)
	admin := login(t, p.base, procAdminEmail)
	createUser(t, admin, "writer@anchor.test", []string{"writer"}, false)
	admin.must(t, 201, "POST", "/api/admin/tokens", map[string]string{"name": "website"}, nil)
	var st struct {
		PublicKey string `json:"publicKey"`
	}
	admin.must(t, 200, "GET", "/api/admin/audit/anchor", nil, &st)
	p.stop() // the shutdown checkpoint

	anchor := dir + "-audit-anchor.jsonl"
	f, err := os.Open(anchor)
	if err != nil {
		t.Fatalf("no anchor next to the data dir: %v", err)
	}
	var last struct {
		Seq int64  `json:"seq"`
		Key string `json:"key"`
	}
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if err := json.Unmarshal(sc.Bytes(), &last); err != nil {
			t.Fatalf("anchor line %q: %v", sc.Text(), err)
		}
	}
	f.Close()
	if last.Seq < 3 {
		t.Fatalf("newest checkpoint at %d; want the head after the token was created", last.Seq)
	}
	code, out := runVetted(t, bin, dir, "audit", "key")
	if key := strings.TrimSpace(out); code != 0 || key != last.Key || key != st.PublicKey || !strings.HasPrefix(key, "ed25519:") {
		t.Fatalf("vetted audit key: exit %d %q; checkpoint key %q, admin API %q", code, out, last.Key, st.PublicKey)
	}
	if code, out := runVetted(t, bin, dir, "audit", "verify"); code != 0 || !strings.Contains(out, "audit chain OK") || !strings.Contains(out, "agrees with the log") {
		t.Fatalf("untouched: exit %d\n%s", code, out)
	}

	ctx := context.Background()
	db, closeDB, err := mongostore.Open(ctx, mongostore.Options{Name: "vetted", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.DB.Collection(mongostore.CollEvents).DeleteOne(ctx, bson.D{{Key: "_id", Value: models.SeqID(last.Seq)}})
	closeDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	code, out = runVetted(t, bin, dir, "audit", "verify", "--json")
	var rep struct {
		OK          bool  `json:"ok"`
		FirstBadSeq int64 `json:"firstBadSeq"`
	}
	if i := strings.Index(out, "{"); i >= 0 {
		_ = json.Unmarshal([]byte(out[i:]), &rep)
	}
	if code != 1 || rep.OK || rep.FirstBadSeq != last.Seq {
		t.Fatalf("after deleting event %d: exit %d, firstBadSeq %d\n%s", last.Seq, code, rep.FirstBadSeq, out)
	}
}
