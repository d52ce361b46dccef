package service_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vetted-cms/vetted/audit"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/service"
)

// auditEnv is a flowEnv whose log has a real history (users, licenses,
// articles through publish, a token), a checkpoint key, an anchor file
// and the verifier the server wires.
type auditEnv struct {
	*flowEnv
	key    ed25519.PrivateKey
	anchor string
	cp     *audit.Checkpointer
	v      *audit.Verifier
	tail   int64
}

func newAuditEnv(t *testing.T) *auditEnv {
	t.Helper()
	e := newFlowEnv(t, 1)
	c := e.cast()
	for i := 0; i < 3; i++ {
		a := e.create(c.writer, fmt.Sprint("v", i))
		e.publishNow(c, a.ID)
	}
	e.create(c.writer, "draft")
	if _, _, err := e.svc().CreateToken(context.Background(), e.admin, service.NewToken{Name: "website"}); err != nil {
		t.Fatal(err)
	}
	ae := &auditEnv{flowEnv: e, anchor: filepath.Join(t.TempDir(), "anchor.jsonl")}
	ae.key = newKey(t)
	ae.cp = &audit.Checkpointer{Log: e.stores[0].Log, Key: ae.key, Anchor: &audit.Anchor{Path: ae.anchor}}
	ae.v = &audit.Verifier{Log: e.stores[0].Log, Anchors: []string{ae.anchor}, Keys: audit.Keyring{ae.key.Public().(ed25519.PublicKey)},
		Projections: func(ctx context.Context) ([]mongostore.ProjectionRef, error) {
			return mongostore.ProjectionRefs(ctx, e.db)
		}}
	e.svc().AuditVerifier = ae.v
	ae.tail, _ = e.stores[0].Log.Head()
	if ae.tail < 20 {
		t.Fatalf("the fixture has %d events; want a history of at least 20", ae.tail)
	}
	return ae
}

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// checkpoint writes a checkpoint of the head, which must be new.
func (e *auditEnv) checkpoint() audit.Checkpoint {
	e.t.Helper()
	c, err := e.cp.Write()
	if err != nil || c == nil {
		e.t.Fatalf("checkpoint: %v %v", c, err)
	}
	return *c
}

// verify runs the admin's verify (as GET /api/admin/audit/verify does).
func (e *auditEnv) verify() audit.Report {
	e.t.Helper()
	r, err := e.svc().VerifyAudit(context.Background(), e.admin)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// events is the raw events collection, as whoever controls the database
// reaches it: through the driver.
func (e *auditEnv) events() *mongoColl { return &mongoColl{e.t, e.db} }

type mongoColl struct {
	t  testing.TB
	db *mongostore.DB
}

func (m *mongoColl) delete(seq int64) {
	m.t.Helper()
	res, err := m.db.DB.Collection(mongostore.CollEvents).DeleteOne(context.Background(), bson.D{{Key: "_id", Value: models.SeqID(seq)}})
	if err != nil || res.DeletedCount != 1 {
		m.t.Fatalf("delete event %d: %v %v", seq, res, err)
	}
}

func (m *mongoColl) get(seq int64) models.Event {
	m.t.Helper()
	var d struct {
		models.Event `bson:",inline"`
	}
	if err := m.db.DB.Collection(mongostore.CollEvents).FindOne(context.Background(), bson.D{{Key: "_id", Value: models.SeqID(seq)}}).Decode(&d); err != nil {
		m.t.Fatalf("read event %d: %v", seq, err)
	}
	return d.Event
}

func (m *mongoColl) put(ev models.Event) {
	m.t.Helper()
	doc := struct {
		ID           string `bson:"_id"`
		models.Event `bson:",inline"`
	}{ev.ID(), ev}
	if _, err := m.db.DB.Collection(mongostore.CollEvents).ReplaceOne(context.Background(), bson.D{{Key: "_id", Value: ev.ID()}}, doc); err != nil {
		m.t.Fatalf("replace event %d: %v", ev.Seq, err)
	}
}

// rewrite changes every event from seq on and recomputes the chain, as a
// forger with database access would: the chain check alone passes.
func (m *mongoColl) rewrite(from, tail int64) {
	m.t.Helper()
	prev := ""
	if from > 1 {
		prev = m.get(from - 1).Hash
	}
	for seq := from; seq <= tail; seq++ {
		ev := m.get(seq)
		ev.ActorName += " (rewritten)"
		ev.PrevHash = prev
		ev.Hash = ev.ComputeHash()
		m.put(ev)
		prev = ev.Hash
	}
}

func wantBroken(t *testing.T, r audit.Report, firstBad int64, kind string) {
	t.Helper()
	if r.OK || r.FirstBadSeq != firstBad {
		t.Fatalf("verify: ok=%v firstBadSeq=%d; want a failure at event %d\n%s", r.OK, r.FirstBadSeq, firstBad, dump(r))
	}
	for _, p := range r.Problems {
		if p.Kind == kind && p.Seq == firstBad {
			return
		}
	}
	t.Fatalf("no %q problem at event %d:\n%s", kind, firstBad, dump(r))
}

func dump(r audit.Report) string {
	b, _ := json.MarshalIndent(r, "", "  ")
	return string(b)
}

// TestAuditVerifyFindsTamperingThroughTheDriver: each way of tampering
// with the events collection that the chain alone cannot see (or sees
// only partly) is found by verify against a checkpoint, naming the first
// event affected; an untouched log passes.
func TestAuditVerifyFindsTamperingThroughTheDriver(t *testing.T) {
	t.Run("untouched", func(t *testing.T) {
		e := newAuditEnv(t)
		c := e.checkpoint()
		r := e.verify()
		if !r.OK || r.Events != int(e.tail) || r.Checkpoints != 1 || !r.AnchorAgrees || r.NewestCheckpoint == nil || *r.NewestCheckpoint != c || len(r.Problems) != 0 {
			t.Fatalf("untouched log: %s", dump(r))
		}
		if len(r.Warnings) != 0 {
			t.Errorf("warnings on an untouched, checkpointed log: %v", r.Warnings)
		}
	})
	t.Run("newest event deleted", func(t *testing.T) {
		e := newAuditEnv(t)
		e.checkpoint()
		e.events().delete(e.tail)
		if res, _ := e.stores[0].Log.Verify(context.Background()); !res.OK {
			t.Fatalf("the chain alone should not see a dropped tail (else this test proves nothing): %+v", res)
		}
		r := e.verify()
		wantBroken(t, r, e.tail, audit.ProblemTruncated)
		if r.AnchorAgrees {
			t.Errorf("anchorAgrees with a truncated log")
		}
	})
	t.Run("newest ten deleted", func(t *testing.T) {
		e := newAuditEnv(t)
		e.checkpoint()
		for seq := e.tail; seq > e.tail-10; seq-- {
			e.events().delete(seq)
		}
		r := e.verify()
		wantBroken(t, r, e.tail-9, audit.ProblemTruncated)
		if r.Events != int(e.tail-10) {
			t.Errorf("events = %d; want %d", r.Events, e.tail-10)
		}
	})
	t.Run("whole chain rewritten with recomputed hashes", func(t *testing.T) {
		e := newAuditEnv(t)
		e.checkpoint()
		e.events().rewrite(1, e.tail)
		if res, _ := e.stores[0].Log.Verify(context.Background()); !res.OK {
			t.Fatalf("the rewritten chain should pass the chain check alone: %+v", res)
		}
		wantBroken(t, e.verify(), 1, audit.ProblemMismatch)
	})
	t.Run("rewritten after an older checkpoint", func(t *testing.T) {
		e := newAuditEnv(t)
		mid := e.tail
		e.checkpoint()
		e.create(e.cast().writer, "later")
		e.create(e.cast().writer, "later still")
		e.tail, _ = e.stores[0].Log.Head()
		e.checkpoint()
		e.events().rewrite(mid+1, e.tail)
		r := e.verify()
		wantBroken(t, r, mid+1, audit.ProblemMismatch)
		if r.Checkpoints != 2 || r.AnchorAgrees {
			t.Errorf("checkpoints %d, anchorAgrees %v; want 2, false", r.Checkpoints, r.AnchorAgrees)
		}
	})
	t.Run("middle event changed", func(t *testing.T) {
		e := newAuditEnv(t)
		e.checkpoint()
		mid := e.tail / 2
		ev := e.events().get(mid)
		ev.Comment = "nothing to see here"
		e.events().put(ev)
		wantBroken(t, e.verify(), mid, audit.ProblemChain)
	})
}

// TestAuditVerifyReportsBadCheckpoints: a checkpoint whose signature does
// not verify (altered, or signed by a key nobody trusts) is reported and
// not relied on.
func TestAuditVerifyReportsBadCheckpoints(t *testing.T) {
	e := newAuditEnv(t)
	good := e.checkpoint()
	forged := good
	forged.Seq++ // claims a longer log than there is
	other := audit.SignCheckpoint(newKey(t), good.Seq, good.Hash, time.Now())
	anchor := &audit.Anchor{Path: e.anchor}
	for _, c := range []audit.Checkpoint{forged, other} {
		if err := anchor.Append(c); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(e.anchor, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, `{"note": "not a checkpoint"}`)
	f.Close()

	r := e.verify()
	if r.OK || r.AnchorAgrees || r.Checkpoints != 1 || r.NewestCheckpoint == nil || r.NewestCheckpoint.Seq != good.Seq {
		t.Fatalf("verify with bad checkpoints: %s", dump(r))
	}
	if r.FirstBadSeq != 0 {
		t.Errorf("firstBadSeq %d: the log itself is intact", r.FirstBadSeq)
	}
	var sigs, lines int
	for _, p := range r.Problems {
		switch p.Kind {
		case audit.ProblemBadSignature:
			sigs++
			// By the whole event number: the other checkpoint's subject
			// holds a time whose milliseconds can contain its digits
			// (".284" for event 28 failed CI once).
			if strings.HasPrefix(p.Subject, fmt.Sprintf("checkpoint of event %d at ", good.Seq+1)) && !strings.Contains(p.Message, "altered or forged") {
				t.Errorf("forged checkpoint: %+v", p)
			}
			if p.Subject == fmt.Sprintf("checkpoint of event %d at %s", other.Seq, other.At.Format("2006-01-02T15:04:05.000Z07:00")) && !strings.Contains(p.Message, "does not trust") {
				t.Errorf("foreign key: %+v", p)
			}
		case audit.ProblemAnchor:
			lines++
		default:
			t.Errorf("unexpected problem %+v", p)
		}
	}
	if sigs != 2 || lines != 1 {
		t.Fatalf("%d signature and %d anchor problems; want 2 and 1:\n%s", sigs, lines, dump(r))
	}
}

// TestAuditVerifyCrossChecksProjections: with no checkpoint at all, a
// dropped tail still shows in the heads, users and tokens it leaves
// behind.
func TestAuditVerifyCrossChecksProjections(t *testing.T) {
	e := newAuditEnv(t)
	ctx := context.Background()
	writer := e.cast().writer
	a := e.create(writer, "edited")
	e.edit(writer, a.ID, "edited again")
	nu := e.user("Late User", []string{models.RoleWriter}, nil)
	tok, _, err := e.svc().CreateToken(ctx, e.admin, service.NewToken{Name: "late"})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.verify(); !r.OK {
		t.Fatalf("before: %s", dump(r))
	}
	tail, _ := e.stores[0].Log.Head()
	head, err := mongostore.StoredHead(ctx, e.db, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	editSeq := head.Seqs[len(head.Seqs)-1]
	for seq := tail; seq >= editSeq; seq-- {
		e.events().delete(seq)
	}
	r := e.verify()
	wantBroken(t, r, editSeq, audit.ProblemProjection)
	subjects := map[string]bool{}
	for _, p := range r.Problems {
		subjects[p.Subject] = true
	}
	for _, s := range []string{"article " + a.ID, "user " + nu.ID, "token " + tok.ID} {
		if !subjects[s] {
			t.Errorf("no problem about %s:\n%s", s, dump(r))
		}
	}
	if !strings.Contains(dump(r), "no checkpoint was read") {
		t.Errorf("no warning that nothing outside vouches for the log:\n%s", dump(r))
	}
}

// TestAuditCheckpointsFromSeveralInstances: two instances on one
// database, each with its own key, checkpoint the same chain into one
// anchor; both sets verify when both keys are trusted, and a key that is
// not trusted is named.
func TestAuditCheckpointsFromSeveralInstances(t *testing.T) {
	e := newAuditEnv(t)
	second := e.addInstance()
	k2 := newKey(t)
	cp2 := &audit.Checkpointer{Log: e.stores[1].Log, Key: k2, Anchor: &audit.Anchor{Path: e.anchor}}
	e.checkpoint()
	if _, err := second.CreateArticle(context.Background(), e.cast().writer, flowContent("from-the-second", "x")); err != nil {
		t.Fatal(err)
	}
	if c, err := cp2.Write(); err != nil || c == nil {
		t.Fatalf("second instance's checkpoint: %v %v", c, err)
	}
	if _, err := e.stores[0].Log.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.checkpoint()
	e.v.Keys = audit.Keyring{e.key.Public().(ed25519.PublicKey), k2.Public().(ed25519.PublicKey)}
	if r := e.verify(); !r.OK || r.Checkpoints != 3 || !r.AnchorAgrees {
		t.Fatalf("both keys trusted: %s", dump(r))
	}
	e.v.Keys = e.v.Keys[:1]
	r := e.verify()
	if r.OK || r.Checkpoints != 2 || len(r.Problems) != 1 || !strings.Contains(r.Problems[0].Message, audit.PublicKeyString(k2.Public().(ed25519.PublicKey))) {
		t.Fatalf("second key not trusted: %s", dump(r))
	}
}

// TestAuditCheckpointerSchedule: a checkpoint follows 100 events without
// waiting for the interval, another follows the interval after a single
// event, none is written while the head stands still, and Final writes
// the head at shutdown.
func TestAuditCheckpointerSchedule(t *testing.T) {
	db := mongostore.OpenTest(t)
	log := mongostore.NewLog(db, nil)
	anchor := filepath.Join(t.TempDir(), "anchor.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	appendN := func(n int) {
		for i := 0; i < n; i++ {
			if err := log.Append(context.Background(), &models.Event{Key: "x:" + fmt.Sprint(time.Now().UnixNano()), At: models.Now(), Actor: "system", Action: "edit"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	count := func() []audit.Checkpoint {
		a, err := audit.ReadAnchor(anchor)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return a.Checkpoints
	}
	waitCount := func(n int, within time.Duration) []audit.Checkpoint {
		t.Helper()
		end := time.Now().Add(within)
		for time.Now().Before(end) {
			if cs := count(); len(cs) >= n {
				return cs
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("%d checkpoints after %s; want %d", len(count()), within, n)
		return nil
	}

	byEvents := &audit.Checkpointer{Log: log, Key: newKey(t), Anchor: &audit.Anchor{Path: anchor}, Interval: time.Hour}
	go byEvents.Run(ctx)
	appendN(99)
	time.Sleep(200 * time.Millisecond)
	if n := len(count()); n != 0 {
		t.Fatalf("%d checkpoints after 99 events; want none yet", n)
	}
	appendN(1)
	cs := waitCount(1, 5*time.Second)
	if cs[0].Seq != 100 {
		t.Fatalf("checkpoint at %d; want 100", cs[0].Seq)
	}
	cancel()

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	byTime := &audit.Checkpointer{Log: log, Key: newKey(t), Anchor: &audit.Anchor{Path: anchor}, Interval: 100 * time.Millisecond}
	byTime.Resume()
	go byTime.Run(ctx)
	time.Sleep(300 * time.Millisecond)
	if n := len(count()); n != 1 {
		t.Fatalf("%d checkpoints with the head unchanged since the last; want 1", n)
	}
	appendN(1)
	cs = waitCount(2, 5*time.Second)
	if cs[1].Seq != 101 {
		t.Fatalf("interval checkpoint at %d; want 101", cs[1].Seq)
	}
	cancel()
	appendN(2)
	byTime.Final()
	if cs := count(); len(cs) != 3 || cs[2].Seq != 103 {
		t.Fatalf("after Final: %+v; want a third checkpoint at 103", cs)
	}
}
