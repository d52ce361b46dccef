package service_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"pgregory.net/rapid"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/service"
	"github.com/vetted-cms/vetted/workflow"
)

// propDefaultChecks is how many sequences the property test runs when
// neither -rapid.checks nor RAPID_CHECKS says otherwise. Fixture users get
// cheap argon2 parameters (cheapHash), so the run's cost is the database.
const propDefaultChecks = 20

// propMinSteps and propMaxSteps bound the steps of one sequence: enough
// for an article to be published, corrected, re-certified by another
// clinician and published again within one history.
const (
	propMinSteps = 90
	propMaxSteps = 130
)

// propUser is one fixture person of the property test with the license
// history the test itself asked for, by the audit event's sequence number
// (so the checker never trusts the code under test for it).
type propUser struct {
	key   string
	u     *models.User
	roles []string
	lic   []propLic
}

type propLic struct {
	seq      int64
	verified bool
	expires  string
}

// licAt is the user's license as it stood before event seq.
func (p *propUser) licAt(seq int64) (propLic, bool) {
	var cur propLic
	ok := false
	for _, l := range p.lic {
		if l.seq < seq {
			cur, ok = l, true
		}
	}
	return cur, ok
}

func (p *propUser) has(role string) bool { return slices.Contains(p.roles, role) }

// propWorld is shared by every sequence: one database, two instances.
type propWorld struct {
	e      *flowEnv
	users  []*propUser
	byID   map[string]*propUser
	stats  propStats
	licNum int
	// chainSeq and chainHash: the last event whose chain was verified.
	chainSeq  int64
	chainHash string
	mu        sync.Mutex
	tallies   map[string]int
}

func (w *propWorld) tally(r propResult) {
	k := r.op.action
	if r.op.edit {
		k = "edit"
	}
	v := "ok"
	if r.err != nil {
		v = r.err.Error()
		if len(v) > 40 {
			v = v[:40]
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.tallies == nil {
		w.tallies = map[string]int{}
	}
	w.tallies[k+": "+v]++
}

type propStats struct {
	seqs, ops, races, ok, publishes, signatures, scheduled, unavailable atomic.Int64
	// recertOther: re-certifications by someone other than the live
	// version's signer; takes: live versions checked for take attribution
	// with a take credited to someone other than the live signer.
	recertOther, takesOther atomic.Int64
}

func (w *propWorld) tail() int64 {
	n, _ := w.e.stores[0].Log.Sync(context.Background())
	_ = n
	return w.e.stores[0].Log.Cursor()
}

func (w *propWorld) addUser(t *testing.T, key string, roles []string, expires string, verified bool) {
	t.Helper()
	ctx := context.Background()
	in := service.NewUser{Email: key + "@prop.test", Name: key, Password: flowPW, Roles: roles, Credentials: "LPC"}
	if expires != "" {
		in.License = &models.License{Type: "LPC", Number: "L-" + key, Jurisdiction: "Oregon", ExpiresOn: expires}
	}
	u, err := w.e.svc().CreateUser(ctx, w.e.admin, in)
	if err != nil {
		t.Fatal(err)
	}
	// A cheap argon2id hash of the same password: sign-offs check it on
	// every approve and re-certify, and the default parameters (19 MiB)
	// would make the run's thousands of operations take minutes.
	us := mongostore.NewUserStore(w.e.db)
	stored, err := us.Get(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored.PasswordHash = cheapHash(flowPW)
	if err := us.Put(ctx, stored); err != nil {
		t.Fatal(err)
	}
	p := &propUser{key: key, u: u, roles: roles}
	if expires != "" {
		p.lic = append(p.lic, propLic{seq: w.tail(), expires: expires})
		if verified {
			if _, err := w.e.svc().VerifyLicense(ctx, w.e.admin, u.ID); err != nil {
				t.Fatal(err)
			}
			p.lic = append(p.lic, propLic{seq: w.tail(), verified: true, expires: expires})
		}
	}
	w.users = append(w.users, p)
	w.byID[u.ID] = p
}

// cheapHash encodes pw as argon2id with the smallest parameters: the
// format CheckPassword reads, for tests only.
func cheapHash(pw string) string {
	salt := []byte("prop-test-salt!!")
	key := argon2.IDKey([]byte(pw), salt, 1, 8, 1, 32)
	return fmt.Sprintf("$argon2id$v=19$m=8,t=1,p=1$%s$%s", base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

func (w *propWorld) user(key string) *propUser {
	for _, p := range w.users {
		if p.key == key {
			return p
		}
	}
	panic(key)
}

// propTakes are the Clinician's takes the variants carry, by variant:
// clin1's words (0 and 3: the same take beside different other content,
// so clin1's signature on it carries over), clin2's words (1), none (2).
var propTakes = map[int]struct{ who, words string }{
	0: {"clin1", "I have seen a fixed wake-up time help."},
	1: {"clin2", "In my practice, sleep comes first."},
	3: {"clin1", "I have seen a fixed wake-up time help."},
}

// propTakeBy maps the take's clinician key to a user id (set at start).
var propTakeBy = map[string]string{}

// propVariant is content number v of an article: 0–3 ready (with or
// without a Clinician's take, see propTakes), 4 sensitive without a
// crisis block, 5 sensitive with one, 6 not ready.
func propVariant(slug string, v int) models.Content {
	c := flowContent(slug, fmt.Sprint("variant ", v))
	if t, ok := propTakes[v]; ok && propTakeBy[t.who] != "" {
		c.ClinicianTake = &models.ClinicianTake{Body: t.words, Clinician: propTakeBy[t.who]}
	}
	switch v {
	case 4:
		c.Topics = []string{"self-harm"}
	case 5:
		c.Topics = []string{"self-harm"}
		c.Sections = append(c.Sections, models.Section{Heading: "Crisis resources", Body: "Call or text 988."})
	case 6:
		c.Sections = nil
	}
	return c
}

// propOp is one generated request.
type propOp struct {
	inst, actor, art int
	edit             bool
	variant          int
	base             int // 0 current version, 1 stale, 2 none
	action           string
	pw               bool
	hash             int // 0 current, 1 another content's, 2 none
	publishAt        int // 0 none, 1 future, 2 past
}

type propResult struct {
	op   propOp
	a    *models.Article
	err  error
	base int64
}

var propActions = []string{"submit", "withdraw", "request_changes", "approve", "publish", "unschedule", "unpublish", "recertify", "archive"}

// plausible is what usually happens next, so that sequences get far.
var plausible = map[string][]string{
	"draft":       {"submit", "submit", "edit"},
	"in_review":   {"approve", "approve", "approve", "request_changes", "withdraw"},
	"approved":    {"publish", "publish", "publish", "unschedule", "edit"},
	"published":   {"recertify", "edit", "edit", "unpublish"},
	"unpublished": {"edit", "edit", "publish", "archive"},
	"archived":    {"edit"}, // refused: archived is final
}

var plausibleActors = map[string][]string{
	"submit":          {"$author", "$author", "$author", "editor", "writer2"},
	"edit":            {"$author", "$author", "editor", "edClin", "edClin", "writer2", "clin1"},
	"approve":         {"clin1", "clin1", "clin2", "clinSoon", "edClin", "edClin", "adminClin", "clinUnv", "clinExp", "authorClin"},
	"recertify":       {"clin1", "clin2", "clinSoon", "edClin", "adminClin"},
	"request_changes": {"clin1", "authorClin"},
	"withdraw":        {"$author", "editor"},
	"publish":         {"editor", "edClin", "editor", "editor", "admin"},
	"unpublish":       {"editor"},
	"unschedule":      {"editor", "writer2"},
	"archive":         {"editor"},
}

func (w *propWorld) drawOp(rt *rapid.T, arts []*models.Article, label string) propOp {
	op := propOp{
		inst:      rapid.IntRange(0, 1).Draw(rt, label+"inst"),
		art:       rapid.IntRange(0, len(arts)-1).Draw(rt, label+"art"),
		variant:   rapid.SampledFrom([]int{0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6}).Draw(rt, label+"variant"),
		base:      rapid.SampledFrom([]int{0, 0, 0, 0, 1, 2}).Draw(rt, label+"base"),
		pw:        rapid.IntRange(0, 7).Draw(rt, label+"pw") > 0,
		hash:      rapid.SampledFrom([]int{0, 0, 0, 0, 0, 0, 0, 0, 1, 2}).Draw(rt, label+"hash"),
		publishAt: rapid.SampledFrom([]int{0, 0, 0, 1, 2}).Draw(rt, label+"publishAt"),
	}
	status := arts[op.art].Status
	if rapid.IntRange(0, 9).Draw(rt, label+"helpful") > 0 {
		what := rapid.SampledFrom(plausible[status]).Draw(rt, label+"what")
		op.edit = what == "edit"
		op.action = what
		who := rapid.SampledFrom(plausibleActors[what]).Draw(rt, label+"who")
		if (what == "approve" || what == "recertify") && len(arts[op.art].EditorsSinceSignoff) > 0 && rapid.IntRange(0, 3).Draw(rt, label+"tempt") == 0 {
			// Tempt the guard: someone who worked on this review cycle.
			who = w.byID[rapid.SampledFrom(arts[op.art].EditorsSinceSignoff).Draw(rt, label+"editor")].key
		}
		if who == "$author" {
			who = w.byID[arts[op.art].AuthorID].key
		}
		if t := arts[op.art].Content.ClinicianTake; (what == "approve" || what == "recertify") && t.Given() && rapid.Bool().Draw(rt, label+"takeSigner") {
			// The take's own clinician: only they can sign a take of
			// theirs that they have not signed yet.
			if p := w.byID[t.Clinician]; p != nil {
				who = p.key
			}
		}
		op.actor = w.index(who)
	} else {
		op.edit = rapid.IntRange(0, 3).Draw(rt, label+"isEdit") == 0
		op.action = rapid.SampledFrom(propActions).Draw(rt, label+"action")
		op.actor = rapid.IntRange(0, len(w.users)-1).Draw(rt, label+"actor")
	}
	return op
}

func (w *propWorld) index(key string) int {
	for i, p := range w.users {
		if p.key == key {
			return i
		}
	}
	panic(key)
}

// run executes op against the article as read in cur.
func (w *propWorld) run(op propOp, cur *models.Article) propResult {
	ctx := context.Background()
	svc := w.e.svcs[op.inst]
	actor := w.users[op.actor].u
	res := propResult{op: op, base: cur.Version}
	if op.edit {
		base := cur.Version
		switch op.base {
		case 1:
			base = cur.Version - 1
		case 2:
			base = 0
		}
		res.a, res.err = svc.UpdateArticle(ctx, actor, cur.ID, base, propVariant(cur.Content.Slug, op.variant))
		return res
	}
	r := service.TransitionRequest{Action: op.action, Comment: "generated", Password: flowPW}
	if !op.pw {
		r.Password = "a wrong password"
	}
	switch op.hash {
	case 0:
		r.ContentHash = cur.ContentHash
	case 1:
		r.ContentHash = propVariant(cur.Content.Slug, (op.variant+1)%7).Hash()
	}
	now := w.e.clock.Peek()
	switch op.publishAt {
	case 1:
		t := now.Add(time.Duration(op.variant+1) * time.Hour)
		r.PublishAt = &t
	case 2:
		t := now.Add(-time.Hour)
		r.PublishAt = &t
	}
	res.a, res.err = svc.Transition(ctx, actor, cur.ID, r)
	return res
}

// knownErr reports whether err is one of the answers the API maps to a
// 4xx; anything else would be a 500.
func knownErr(err error) bool {
	for _, s := range []error{models.ErrConflict, models.ErrForbidden, models.ErrInvalid, models.ErrPrecondition, models.ErrLocked,
		models.ErrNotFound, workflow.ErrForbidden, workflow.ErrInvalidState, workflow.ErrFrozen, workflow.ErrStaleContent,
		workflow.ErrBadPassword, workflow.ErrLicense, workflow.ErrSelfReview, workflow.ErrCommentRequired, workflow.ErrNotReady, workflow.ErrNoLive,
		workflow.ErrTakeUnsigned, workflow.ErrSignoffNeeded, workflow.ErrNotScheduled} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func TestPropertyEverythingLiveWasSignedByAnEligibleClinician(t *testing.T) {
	if f := flag.Lookup("rapid.checks"); f != nil && os.Getenv("RAPID_CHECKS") == "" {
		set := false
		flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
		if !set {
			old := f.Value.String()
			_ = f.Value.Set(fmt.Sprint(propDefaultChecks))
			t.Cleanup(func() { _ = f.Value.Set(old) })
		}
	}
	started := time.Now()
	e := newFlowEnv(t, 2)
	for _, s := range e.svcs {
		s.Lockout.Threshold = 1 << 30 // lockout has its own test; here it would only starve the run
	}
	w := &propWorld{e: e, byID: map[string]*propUser{}}
	w.byID[e.admin.ID] = &propUser{key: "admin", u: e.admin, roles: e.admin.Roles}
	w.users = append(w.users, w.byID[e.admin.ID])
	soon := flowStart.AddDate(0, 0, 2).Format(time.DateOnly)
	for _, u := range []struct {
		key     string
		roles   []string
		expires string
		ok      bool
	}{
		{"author", []string{"writer"}, "", false},
		{"authorClin", []string{"clinical_reviewer", "writer"}, "2031-12-31", true},
		{"writer2", []string{"writer"}, "", false},
		{"editor", []string{"editor"}, "", false},
		{"edClin", []string{"clinical_reviewer", "editor"}, "2031-12-31", true},
		{"clin1", []string{"clinical_reviewer"}, "2031-12-31", true},
		{"clin2", []string{"clinical_reviewer"}, "2031-12-31", true},
		{"clinUnv", []string{"clinical_reviewer"}, "2031-12-31", false},
		{"clinExp", []string{"clinical_reviewer"}, "2030-03-09", true},
		{"clinSoon", []string{"clinical_reviewer"}, soon, true},
		{"adminClin", []string{"admin", "clinical_reviewer"}, "2031-12-31", true},
	} {
		w.addUser(t, u.key, u.roles, u.expires, u.ok)
	}
	propTakeBy["clin1"], propTakeBy["clin2"] = w.user("clin1").u.ID, w.user("clin2").u.ID
	t.Cleanup(func() { clear(propTakeBy) })

	rapid.Check(t, func(rt *rapid.T) { w.sequence(rt) })
	if evs, err := e.stores[0].Log.Scan(context.Background()); err != nil {
		t.Fatal(err)
	} else if res := mongostore.VerifyChain(evs); !res.OK {
		t.Fatalf("audit chain does not verify: %+v", res)
	}

	t.Logf("property: %d sequences, %d operations (%d in races, %d succeeded), %d immediate publishes, %d signatures, %d scheduled publishes run, %d re-certifications by another clinician, %d live takes credited to someone other than the live signer, %d unavailable; %s",
		w.stats.seqs.Load(), w.stats.ops.Load(), w.stats.races.Load(), w.stats.ok.Load(), w.stats.publishes.Load(),
		w.stats.signatures.Load(), w.stats.scheduled.Load(), w.stats.recertOther.Load(), w.stats.takesOther.Load(), w.stats.unavailable.Load(), time.Since(started).Round(time.Millisecond))
	if testing.Verbose() {
		keys := make([]string, 0, len(w.tallies))
		for k := range w.tallies {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			t.Logf("%5d  %s", w.tallies[k], k)
		}
	}
	if !t.Failed() && w.stats.seqs.Load() >= 10 && (w.stats.publishes.Load() == 0 || w.stats.signatures.Load() == 0) {
		t.Fatalf("the generated sequences never published or signed anything: the property is vacuous")
	}
	// At the default depth the run must matter: thousands of operations,
	// a hundred publishes, scheduled ones, re-certifications by another
	// clinician (takes credited to someone other than the live signer are
	// counted, not required: they are checked whenever they occur).
	if !t.Failed() && w.stats.seqs.Load() >= propDefaultChecks {
		if w.stats.ops.Load() < 2000 || w.stats.publishes.Load() < 100 || w.stats.scheduled.Load() == 0 || w.stats.recertOther.Load() == 0 {
			t.Fatalf("the run was too shallow to matter (see the summary above)")
		}
	}
}

// sequence is one generated history: a few articles, steps, and the check.
func (w *propWorld) sequence(rt *rapid.T) {
	ctx := context.Background()
	e := w.e
	w.stats.seqs.Add(1)
	authors := []string{"author", "authorClin", "editor", "edClin"}
	n := rapid.IntRange(1, 3).Draw(rt, "articles")
	ids := make([]string, n)
	for i := range ids {
		au := w.user(rapid.SampledFrom(authors).Draw(rt, "author"))
		a, err := e.svc().CreateArticle(ctx, au.u, propVariant(service.NewID("p")[2:], 0))
		if err != nil {
			rt.Fatalf("create: %v", err)
		}
		ids[i] = a.ID
	}
	read := func() []*models.Article {
		out := make([]*models.Article, len(ids))
		for i, id := range ids {
			a, err := e.svc().GetArticle(ctx, id)
			if err != nil {
				rt.Fatalf("get: %v", err)
			}
			out[i] = a
		}
		return out
	}
	steps := rapid.IntRange(propMinSteps, propMaxSteps).Draw(rt, "steps")
	for s := 0; s < steps; s++ {
		arts := read()
		switch kind := rapid.IntRange(0, 24).Draw(rt, "kind"); {
		case kind >= 19: // an editorial cycle driven to publication
			w.drive(rt, arts[rapid.IntRange(0, len(arts)-1).Draw(rt, "driveArt")])
		case kind < 11: // one request
			op := w.drawOp(rt, arts, "")
			w.check(rt, []propResult{w.run(op, arts[op.art])}, false)
		case kind < 15: // requests racing on one article, through both instances
			k := rapid.IntRange(2, 4).Draw(rt, "racers")
			ops := make([]propOp, k)
			for i := range ops {
				ops[i] = w.drawOp(rt, arts, fmt.Sprint("r", i))
				ops[i].art = ops[0].art
			}
			res := make([]propResult, k)
			var wg sync.WaitGroup
			var start sync.WaitGroup
			start.Add(1)
			for i := range ops {
				wg.Add(1)
				go func() {
					defer wg.Done()
					start.Wait()
					res[i] = w.run(ops[i], arts[ops[0].art])
				}()
			}
			start.Done()
			wg.Wait()
			w.stats.races.Add(int64(k))
			w.check(rt, res, true)
		case kind < 16: // time passes
			if e.clock.Peek().Before(flowStart.AddDate(0, 10, 0)) {
				e.clock.Advance(time.Duration(rapid.IntRange(1, 40).Draw(rt, "hours")) * time.Hour)
			}
		case kind < 18: // time passes a little; both instances' schedulers run
			e.clock.Advance(time.Duration(rapid.IntRange(2, 8).Draw(rt, "schedHours")) * time.Hour)
			for _, st := range e.stores {
				_, _ = st.Log.Sync(ctx)
			}
			var wg sync.WaitGroup
			for _, svc := range e.svcs {
				wg.Add(1)
				go func() { defer wg.Done(); svc.Scheduled(ctx) }()
			}
			wg.Wait()
		default: // license changes by the admin
			w.licenseStep(rt, rapid.IntRange(0, 2).Draw(rt, "license"))
		}
	}
	// Epilogue: whatever is scheduled comes due, and both schedulers race.
	e.clock.Advance(8 * time.Hour)
	for _, st := range e.stores {
		_, _ = st.Log.Sync(ctx)
	}
	var wg sync.WaitGroup
	for _, svc := range e.svcs {
		wg.Add(1)
		go func() { defer wg.Done(); svc.Scheduled(ctx) }()
	}
	wg.Wait()
	w.verify(rt, ids)
}

// drive takes one article through a whole editorial cycle with generated
// but eligible-looking actors — edit to a ready variant, submit, sign-off
// (by the take's clinician when the take still needs them, else by any
// clinician), publish now or scheduled (both instances' schedulers race
// for it), re-certification by a clinician other than the live signer —
// so that every run publishes often. Each request is an ordinary
// operation, checked like the others; the first refusal ends the cycle.
func (w *propWorld) drive(rt *rapid.T, a *models.Article) {
	ctx := context.Background()
	e := w.e
	idx := func(key string) int { return w.index(key) }
	clinicians := []string{"clin1", "clin2", "clinSoon", "edClin", "adminClin", "authorClin"}
	do := func(op propOp) bool {
		cur, err := e.svc().GetArticle(ctx, a.ID)
		if err != nil {
			rt.Fatalf("get: %v", err)
		}
		op.pw, op.hash, op.base, op.inst = true, 0, 0, rapid.IntRange(0, 1).Draw(rt, "driveInst")
		r := w.run(op, cur)
		w.check(rt, []propResult{r}, false)
		return r.err == nil
	}
	author := w.byID[a.AuthorID].key
	if a.Status == "published" || a.Status == "unpublished" || a.Status == "approved" || a.Status == "draft" {
		v := rapid.SampledFrom([]int{0, 1, 2, 3, 5}).Draw(rt, "driveVariant")
		if !do(propOp{actor: idx(rapid.SampledFrom([]string{author, "editor"}).Draw(rt, "driveEditor")), edit: true, variant: v}) {
			return
		}
	}
	if cur, _ := e.svc().GetArticle(ctx, a.ID); cur == nil || cur.Status != "draft" {
		return
	}
	if !do(propOp{actor: idx(rapid.SampledFrom([]string{author, "editor"}).Draw(rt, "driveSubmitter")), action: "submit"}) {
		return
	}
	cur, _ := e.svc().GetArticle(ctx, a.ID)
	signer := rapid.SampledFrom(clinicians).Draw(rt, "driveSigner")
	if t := cur.Content.ClinicianTake; t.Given() && cur.TakeSignature(&cur.Content) == nil && rapid.IntRange(0, 4).Draw(rt, "driveTakeSigner") > 0 {
		signer = w.byID[t.Clinician].key
	}
	if !do(propOp{actor: idx(signer), action: "approve"}) {
		return
	}
	scheduled := rapid.IntRange(0, 3).Draw(rt, "driveScheduled") == 0
	pub := propOp{actor: idx(rapid.SampledFrom([]string{"editor", "edClin"}).Draw(rt, "drivePublisher")), action: "publish"}
	if scheduled {
		pub.publishAt, pub.variant = 1, rapid.IntRange(0, 3).Draw(rt, "driveDelay")
	}
	if !do(pub) {
		return
	}
	if scheduled {
		e.clock.Advance(5 * time.Hour)
		for _, st := range e.stores {
			_, _ = st.Log.Sync(ctx)
		}
		var wg sync.WaitGroup
		for _, svc := range e.svcs {
			wg.Add(1)
			go func() { defer wg.Done(); svc.Scheduled(ctx) }()
		}
		wg.Wait()
	}
	cur, _ = e.svc().GetArticle(ctx, a.ID)
	if cur.Live == nil || rapid.IntRange(0, 2).Draw(rt, "driveRecertify") == 0 {
		return
	}
	others := slices.DeleteFunc(slices.Clone(clinicians), func(k string) bool { return w.user(k).u.ID == cur.Live.Signature.SignerID })
	do(propOp{actor: idx(rapid.SampledFrom(others).Draw(rt, "driveRecertifier")), action: "recertify"})
}

func (w *propWorld) licenseStep(rt *rapid.T, which int) {
	ctx := context.Background()
	svc := w.e.svc()
	admin := w.e.admin
	w.licNum++
	switch which {
	case 0: // clin2's license changes: verification cleared
		p := w.user("clin2")
		exp := "2031-12-31"
		l := &models.License{Type: "LPC", Number: fmt.Sprint("L-clin2-", w.licNum), Jurisdiction: "Oregon", ExpiresOn: exp}
		if _, err := svc.UpdateUser(ctx, admin, p.u.ID, service.UserPatch{License: l}); err != nil {
			rt.Fatalf("change license: %v", err)
		}
		p.lic = append(p.lic, propLic{seq: w.tail(), expires: exp})
	case 1: // clin2 verified again
		p := w.user("clin2")
		last := p.lic[len(p.lic)-1]
		if last.verified {
			return
		}
		if _, err := svc.VerifyLicense(ctx, admin, p.u.ID); err != nil {
			rt.Fatalf("verify: %v", err)
		}
		p.lic = append(p.lic, propLic{seq: w.tail(), verified: true, expires: last.expires})
	case 2: // clinSoon renews for two more days
		p := w.user("clinSoon")
		exp := w.e.clock.Peek().AddDate(0, 0, 2).Format(time.DateOnly)
		l := &models.License{Type: "LPC", Number: fmt.Sprint("L-soon-", w.licNum), Jurisdiction: "Oregon", ExpiresOn: exp}
		if _, err := svc.UpdateUser(ctx, admin, p.u.ID, service.UserPatch{License: l}); err != nil {
			rt.Fatalf("renew: %v", err)
		}
		p.lic = append(p.lic, propLic{seq: w.tail(), expires: exp})
		if _, err := svc.VerifyLicense(ctx, admin, p.u.ID); err != nil {
			rt.Fatalf("verify: %v", err)
		}
		p.lic = append(p.lic, propLic{seq: w.tail(), verified: true, expires: exp})
	}
}

// check looks at one step's answers: no 500s, and no two successful
// changes claimed the same version.
func (w *propWorld) check(rt *rapid.T, res []propResult, race bool) {
	claimed := map[int64]propOp{}
	for _, r := range res {
		w.stats.ops.Add(1)
		w.tally(r)
		if r.err != nil {
			if errors.Is(r.err, models.ErrUnavailable) {
				w.stats.unavailable.Add(1)
				continue
			}
			if !knownErr(r.err) {
				rt.Fatalf("%+v: unexpected error (a 500): %v", r.op, r.err)
			}
			continue
		}
		w.stats.ok.Add(1)
		if r.a.Version == r.base && r.op.edit {
			continue // the same content again: no new revision
		}
		if prev, dup := claimed[r.a.Version]; dup {
			rt.Fatalf("two successful changes answered version %d: %+v and %+v", r.a.Version, prev, r.op)
		}
		claimed[r.a.Version] = r.op
		if race && r.op.edit && r.a.Version != r.base+1 {
			rt.Fatalf("an edit based on version %d produced version %d", r.base, r.a.Version)
		}
	}
}

// propFold is the checker's own model of one article, rebuilt from the
// event log alone.
type propFold struct {
	version    int64
	status     string
	rev        int64
	hash       string
	content    models.Content
	author     string
	editors    map[string]bool
	approval   string
	live       *models.Live
	liveSigned map[string]bool
	// takeSigned: "<clinician>|<take hash>" for every take its own
	// clinician signed; approvalBy and liveBy: who signed the approval
	// and the live version; liveContent: the content that went live.
	takeSigned         map[string]bool
	approvalBy, liveBy string
	liveContent        models.Content
}

// verify checks the invariants of the whole database after a sequence.
func (w *propWorld) verify(rt *rapid.T, ids []string) {
	ctx := context.Background()
	e := w.e
	for _, st := range e.stores {
		if _, err := st.Log.Sync(ctx); err != nil {
			rt.Fatalf("sync: %v", err)
		}
	}
	// The events since the last verified one, read by _id from the
	// second instance's log, must continue the chain; the whole chain is
	// verified once more at the end of the run (scanning it after every
	// sequence made the run quadratic).
	tail := e.stores[1].Log.Cursor()
	var evs []models.Event
	for seq := w.chainSeq + 1; seq <= tail; seq++ {
		ev, err := e.stores[1].Log.Get(ctx, seq)
		if err != nil {
			rt.Fatalf("event %d: %v", seq, err)
		}
		if ev.Seq != seq || ev.PrevHash != w.chainHash || ev.ComputeHash() != ev.Hash {
			rt.Fatalf("audit chain broken at event %d", seq)
		}
		w.chainSeq, w.chainHash = ev.Seq, ev.Hash
		evs = append(evs, *ev)
	}
	versions := map[string]int64{}
	for _, ev := range evs {
		if ev.ArticleID == "" {
			continue
		}
		k := fmt.Sprintf("%s:%d", ev.ArticleID, ev.Version)
		if ev.Key != k {
			rt.Fatalf("event %d has key %q; want %q", ev.Seq, ev.Key, k)
		}
		if versions[ev.ArticleID] != ev.Version-1 {
			rt.Fatalf("event %d: %s version %d follows version %d (two events share a version, or one is missing)", ev.Seq, ev.ArticleID, ev.Version, versions[ev.ArticleID])
		}
		versions[ev.ArticleID] = ev.Version
	}
	for _, id := range ids {
		var mine []models.Event
		for _, ev := range evs {
			if ev.ArticleID == id {
				mine = append(mine, ev)
			}
		}
		f := w.fold(rt, mine)
		w.compareHeads(rt, id, f, mine)
	}
}

func (w *propWorld) fold(rt *rapid.T, evs []models.Event) *propFold {
	f := &propFold{editors: map[string]bool{}, liveSigned: map[string]bool{}, takeSigned: map[string]bool{}}
	bad := func(ev models.Event, format string, args ...any) {
		rt.Fatalf("event %d (%s %s %s→%s by %s): %s", ev.Seq, ev.ArticleID, ev.Action, ev.From, ev.To, ev.Actor, fmt.Sprintf(format, args...))
	}
	for _, ev := range evs {
		actor := w.byID[ev.Actor]
		if ev.Actor == "system:scheduler" && ev.Action == "publish" {
			actor = &propUser{key: "scheduler", roles: []string{"editor"}}
		}
		if actor == nil {
			bad(ev, "unknown actor")
		}
		if slices.Equal(actor.roles, []string{"admin"}) {
			bad(ev, "an admin without a content role changed an article")
		}
		if ev.Action != models.ActionCreate && ev.From != f.status {
			bad(ev, "from %q but the article was %q (a lost update)", ev.From, f.status)
		}
		switch ev.Action {
		case models.ActionCreate, models.ActionEdit:
			if ev.Data.Content == nil || ev.Data.Content.Hash() != ev.Data.ContentHash {
				bad(ev, "the recorded contentHash is not the hash of the recorded content")
			}
			if ev.Action == models.ActionCreate {
				f.author = ev.Actor
			} else {
				if f.status == "in_review" || f.status == "archived" {
					bad(ev, "content changed while %s", f.status)
				}
				if !actor.has("editor") && !(actor.has("writer") && ev.Actor == f.author) {
					bad(ev, "edited by someone who may not")
				}
				if f.status == "approved" && ev.Data.VoidedApproval == nil {
					bad(ev, "the voided approval is not on record")
				}
				if ev.Rev != f.rev+1 {
					bad(ev, "rev %d after %d", ev.Rev, f.rev)
				}
			}
			f.rev, f.hash, f.content = ev.Rev, ev.Data.ContentHash, *ev.Data.Content
			f.editors[ev.Actor] = true
			f.approval = ""
			if ev.To != "draft" {
				bad(ev, "an edit must leave a draft")
			}
		case "submit", "withdraw", "request_changes", "approve", "publish", "unschedule", "unpublish", "recertify", "archive":
			if ev.Rev != f.rev {
				bad(ev, "a transition changed rev %d→%d", f.rev, ev.Rev)
			}
			w.foldTransition(rt, f, ev, actor, bad)
		default:
			bad(ev, "unknown action")
		}
		f.status = ev.To
		f.version = ev.Version
	}
	return f
}

func (w *propWorld) foldTransition(rt *rapid.T, f *propFold, ev models.Event, actor *propUser, bad func(models.Event, string, ...any)) {
	from := func(states ...string) {
		if !slices.Contains(states, f.status) {
			bad(ev, "not allowed from %s", f.status)
		}
	}
	role := func(r string) {
		if !actor.has(r) {
			bad(ev, "actor lacks the %s role", r)
		}
	}
	switch ev.Action {
	case "submit":
		from("draft")
		if !actor.has("editor") && !(actor.has("writer") && ev.Actor == f.author) {
			bad(ev, "submitted by someone who may not")
		}
		if len(f.content.Readiness()) > 0 {
			bad(ev, "submitted content that is not ready")
		}
		if slices.Contains(f.content.Topics, "self-harm") && !strings.Contains(strings.Join(f.content.Texts(), " "), "988") {
			bad(ev, "submitted a self-harm article without a crisis block")
		}
	case "withdraw":
		from("in_review")
	case "request_changes":
		from("in_review")
		role("clinical_reviewer")
		if ev.Actor == f.author || strings.TrimSpace(ev.Comment) == "" {
			bad(ev, "request for changes by the author or without comment")
		}
	case "approve", "recertify":
		if ev.Action == "approve" {
			from("in_review")
		} else {
			from("published")
			if f.live == nil || f.live.ContentHash != f.hash {
				bad(ev, "recertified content that is not the live content")
			}
		}
		role("clinical_reviewer")
		sig := ev.Data.Signature
		if sig == nil {
			bad(ev, "no signature")
		}
		if sig.SignerID != ev.Actor || sig.ContentHash != f.hash || sig.Rev != f.rev || sig.Action != ev.Action || ev.Data.ContentHash != f.hash {
			bad(ev, "signature %+v is not bound to the current content (rev %d, %s)", sig, f.rev, f.hash)
		}
		if ev.Actor == f.author || f.editors[ev.Actor] {
			bad(ev, "signed by the author or an editor of this review cycle (%v)", f.editors)
		}
		lic, ok := actor.licAt(ev.Seq)
		if !ok || !lic.verified || lic.expires < ev.At.UTC().Format(time.DateOnly) {
			bad(ev, "signer's license at signing: %+v (present %v)", lic, ok)
		}
		if sig.License.ExpiresOn != lic.expires {
			bad(ev, "license snapshot %+v differs from the license on file %+v", sig.License, lic)
		}
		// The take rule: a take is its clinician's words. Content with a
		// take its clinician has not signed is signed by them or nobody;
		// their signature records the take, nobody else's does.
		if t := f.content.ClinicianTake; t.Given() {
			key := t.Clinician + "|" + t.Hash()
			if !f.takeSigned[key] && ev.Actor != t.Clinician {
				bad(ev, "signed content whose Clinician's take its clinician %s never signed", t.Clinician)
			}
			if ev.Actor == t.Clinician {
				if sig.TakeHash != t.Hash() {
					bad(ev, "the take's clinician signed without the take recorded (%q)", sig.TakeHash)
				}
				f.takeSigned[key] = true
			} else if sig.TakeHash != "" {
				bad(ev, "a signature by someone else than the take's clinician claims the take")
			}
		} else if sig.TakeHash != "" {
			bad(ev, "a take signature on content without a take")
		}
		if ev.Action == "recertify" && f.liveBy != ev.Actor {
			w.stats.recertOther.Add(1)
		}
		w.stats.signatures.Add(1)
		f.editors = map[string]bool{}
		if ev.Action == "approve" {
			f.approval, f.approvalBy = f.hash, ev.Actor
		} else {
			f.liveBy = ev.Actor
		}
		f.liveSigned[f.hash] = true
		if ev.Action == "recertify" {
			l := *f.live
			l.Signature = *sig
			f.live = &l
		}
	case "publish":
		from("approved", "unpublished") // unpublished: a republish of unchanged signed content
		role("editor")
		if f.approval == "" || f.approval != f.hash {
			bad(ev, "published without a current approval (approval %q, content %q)", f.approval, f.hash)
		}
		if ev.Data.PublishAt != nil {
			if ev.To != ev.From {
				bad(ev, "a scheduled publish moved the status")
			}
			return
		}
		if ev.Data.ContentHash != f.hash || ev.To != "published" {
			bad(ev, "publish recorded hash %q for content %q", ev.Data.ContentHash, f.hash)
		}
		if t := f.content.ClinicianTake; t.Given() && !f.takeSigned[t.Clinician+"|"+t.Hash()] {
			bad(ev, "published a Clinician's take its clinician never signed")
		}
		f.liveBy, f.liveContent = f.approvalBy, f.content
		if ev.Actor == "system:scheduler" {
			w.stats.scheduled.Add(1)
		}
		w.stats.publishes.Add(1)
		f.live = &models.Live{Rev: f.rev, ContentHash: f.hash}
	case "unschedule":
		from("approved", "unpublished")
		role("editor")
		if ev.To != ev.From {
			bad(ev, "unschedule moved the status")
		}
	case "unpublish":
		role("editor")
		if f.live == nil {
			bad(ev, "unpublished nothing")
		}
		f.live = nil
	case "archive":
		from("draft", "approved", "unpublished")
		role("editor")
		if f.live != nil {
			bad(ev, "archived a live article")
		}
	}
}

// compareHeads: the head every instance answers, and the head document
// itself, equal the reducer over the article's events and the checker's
// own model; whatever is live was signed for exactly that content.
func (w *propWorld) compareHeads(rt *rapid.T, id string, f *propFold, evs []models.Event) {
	ctx := context.Background()
	var applied *models.Article
	for i := range evs {
		applied = models.Apply(applied, &evs[i])
	}
	want := propJSON(applied)
	for i, svc := range w.e.svcs {
		got, err := svc.GetArticle(ctx, id)
		if err != nil {
			rt.Fatalf("instance %d get %s: %v", i, id, err)
		}
		if g := propJSON(got); g != want {
			rt.Fatalf("instance %d head of %s differs from its events:\n got %s\nwant %s", i, id, g, want)
		}
		if got.Status != f.status || got.ContentHash != f.hash || got.Version != f.version {
			rt.Fatalf("head %s/%s/v%d; the log says %s/%s/v%d", got.Status, got.ContentHash, got.Version, f.status, f.hash, f.version)
		}
		if (got.Live == nil) != (f.live == nil) || (got.Live != nil && (got.Live.ContentHash != f.live.ContentHash || got.Live.Rev != f.live.Rev)) {
			rt.Fatalf("live = %+v; the log says %+v", got.Live, f.live)
		}
		if got.Live != nil {
			if !f.liveSigned[got.Live.ContentHash] || got.Live.Signature.ContentHash != got.Live.ContentHash {
				rt.Fatalf("live content %s carries no eligible signature for exactly it (signature %+v)", got.Live.ContentHash, got.Live.Signature)
			}
			if i == 0 {
				w.checkDelivered(rt, svc, got, f)
			}
		}
		if k, ok := w.e.stores[i].Known(id); !ok || k.Version != f.version || k.Status != f.status {
			rt.Fatalf("instance %d catalog: %+v", i, k)
		}
	}
	raw, err := mongostore.StoredHead(ctx, w.e.db, id)
	if err != nil {
		rt.Fatalf("head document %s: %v", id, err)
	}
	if g := propJSON(raw); g != want {
		rt.Fatalf("head document of %s differs from its events:\n got %s\nwant %s", id, g, want)
	}
}

// checkDelivered: what delivery would serve is, field for field, the
// content signed (every hashed field, derived from the type), and a take
// is there exactly when its clinician signed its words, credited to them
// whoever signed the live version.
func (w *propWorld) checkDelivered(rt *rapid.T, svc *service.Service, a *models.Article, f *propFold) {
	rev, err := svc.Revision(context.Background(), a, a.Live.Rev)
	if err != nil {
		rt.Fatalf("live revision: %v", err)
	}
	if d := models.Diff(f.liveContent, rev.Content); len(d) > 0 || rev.Content.Hash() != a.Live.Signature.ContentHash {
		rt.Fatalf("the live revision differs from the content the log says went live: %v", d)
	}
	snap, err := delivery.Build(a, rev.Content, time.Time{}, nil)
	if err != nil {
		rt.Fatalf("delivery refuses the live version: %v", err)
	}
	if snap.Review.Reviewer.ID != f.liveBy {
		rt.Fatalf("reviewer %s delivered; the log says %s signed the live version", snap.Review.Reviewer.ID, f.liveBy)
	}
	t := rev.Content.ClinicianTake
	switch {
	case !t.Given():
		if snap.ClinicianTake != nil {
			rt.Fatalf("a take delivered for content without one")
		}
	case snap.ClinicianTake == nil:
		rt.Fatalf("the live take, signed by its clinician, is not delivered")
	case snap.ClinicianTake.Clinician.ID != t.Clinician || snap.ClinicianTake.Clinician.Name != w.byID[t.Clinician].u.Name:
		rt.Fatalf("the take by %s is credited to %+v (live signer %s)", t.Clinician, snap.ClinicianTake.Clinician, f.liveBy)
	default:
		if t.Clinician != f.liveBy {
			w.stats.takesOther.Add(1)
		}
	}
}

func propJSON(a *models.Article) string {
	b, _ := json.Marshal(struct {
		*models.Article
		C    models.Content `json:"content"`
		Seqs []int64        `json:"seqs"`
		Revs int            `json:"revs"`
	}{a, a.Content, a.Seqs, len(a.Revs)})
	return string(b)
}
