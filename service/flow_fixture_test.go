package service_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/policies"
	"github.com/vetted-cms/vetted/service"
	"github.com/vetted-cms/vetted/workflow"
)

// flowPW is every fixture user's password.
const flowPW = "correct horse battery staple"

// flowStart is where the fixture clock starts: fixed, so license expiry
// dates in fixtures mean the same thing on every run.
var flowStart = time.Date(2030, 3, 10, 9, 0, 0, 0, time.UTC)

// flowClock is an injected clock that moves 1 ms on every reading, so
// events get distinct, ordered times, and that tests move by hand.
type flowClock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time and ticks it.
func (c *flowClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// Advance moves the clock forward by d.
func (c *flowClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Peek returns the time without ticking.
func (c *flowClock) Peek() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// flowEnv is one embedded database with one or more service instances
// (each with its own ArticleStore, like separate processes) on it.
type flowEnv struct {
	t      testing.TB
	db     *mongostore.DB
	pol    *policies.Enforcer
	clock  *flowClock
	stores []*mongostore.ArticleStore
	svcs   []*service.Service
	admin  *models.User
}

func newFlowEnv(t testing.TB, instances int) *flowEnv {
	t.Helper()
	pol, err := policies.Load("")
	if err != nil {
		t.Fatal(err)
	}
	e := &flowEnv{t: t, db: mongostore.OpenTest(t), pol: pol, clock: &flowClock{t: flowStart}}
	for i := 0; i < instances; i++ {
		e.addInstance()
	}
	e.admin = e.user("Ada Admin", []string{models.RoleAdmin}, nil)
	return e
}

// addInstance starts another service instance on the same database, as a
// restarted or second process would: a new ArticleStore loaded from it.
func (e *flowEnv) addInstance() *service.Service {
	e.t.Helper()
	st := mongostore.NewArticleStore(e.db)
	if err := st.Load(context.Background()); err != nil {
		e.t.Fatalf("load article store: %v", err)
	}
	svc := service.New(st, mongostore.NewUserStore(e.db), st.Log, e.pol)
	svc.Now = e.clock.Now
	svc.ReviewInterval = 30 * 24 * time.Hour
	e.stores = append(e.stores, st)
	e.svcs = append(e.svcs, svc)
	return svc
}

func (e *flowEnv) svc() *service.Service { return e.svcs[0] }

// user creates a user with the fixture password; a license passed with a
// non-nil VerifiedAt is verified by the fixture admin after creation.
func (e *flowEnv) user(name string, roles []string, lic *models.License) *models.User {
	e.t.Helper()
	ctx := context.Background()
	var in *models.License
	verify := false
	if lic != nil {
		l := *lic
		verify = l.VerifiedAt != nil
		l.VerifiedAt = nil
		in = &l
	}
	u, err := e.svc().CreateUser(ctx, e.admin, service.NewUser{
		Email: fmt.Sprintf("%s@flow.test", service.NewID("u")), Name: name, Password: flowPW,
		Roles: roles, Credentials: "MD", License: in,
	})
	if err != nil {
		e.t.Fatalf("create user %s: %v", name, err)
	}
	if verify {
		if u, err = e.svc().VerifyLicense(ctx, e.admin, u.ID); err != nil {
			e.t.Fatalf("verify license of %s: %v", name, err)
		}
	}
	return u
}

// flowLicense returns a license expiring on expires; verified asks user()
// to have the admin verify it.
func flowLicense(expires string, verified bool) *models.License {
	l := &models.License{Type: "MD", Number: "MD-" + expires, Jurisdiction: "Oregon", ExpiresOn: expires}
	if verified {
		t := flowStart
		l.VerifiedAt = &t
	}
	return l
}

// flowCast is the usual people of a workflow test.
type flowCast struct {
	writer, writer2, editor, clin, clin2, edClin, unverified, expired *models.User
}

func (e *flowEnv) cast() flowCast {
	e.t.Helper()
	return flowCast{
		writer:     e.user("Wren Writer", []string{models.RoleWriter}, nil),
		writer2:    e.user("Will Writer", []string{models.RoleWriter}, nil),
		editor:     e.user("Eli Editor", []string{models.RoleEditor}, nil),
		clin:       e.user("Casey Clinician", []string{models.RoleClinicalReviewer}, flowLicense("2031-12-31", true)),
		clin2:      e.user("Cleo Clinician", []string{models.RoleClinicalReviewer}, flowLicense("2031-06-30", true)),
		edClin:     e.user("Eddie EditorClinician", []string{models.RoleClinicalReviewer, models.RoleEditor}, flowLicense("2031-12-31", true)),
		unverified: e.user("Una Unverified", []string{models.RoleClinicalReviewer}, flowLicense("2031-12-31", false)),
		expired:    e.user("Exa Expired", []string{models.RoleClinicalReviewer}, flowLicense("2030-03-09", true)),
	}
}

// flowContent is publish-ready content; variant changes the text and so
// the hash.
func flowContent(slug, variant string) models.Content {
	return models.Content{
		Slug:         slug,
		Title:        "Sleep and mood " + variant,
		Summary:      "How sleep and mood affect each other (" + variant + ").",
		KeyTakeaways: []string{"A fixed wake-up time helps.", "Variant " + variant},
		Sections:     []models.Section{{Heading: "Two-way street", Body: "Short sleep makes emotions harder to regulate. " + variant}},
		Topics:       []string{"sleep"},
	}
}

// create makes an article authored by author.
func (e *flowEnv) create(author *models.User, variant string) *models.Article {
	e.t.Helper()
	a, err := e.svc().CreateArticle(context.Background(), author, flowContent(service.NewID("s")[2:], variant))
	if err != nil {
		e.t.Fatalf("create article: %v", err)
	}
	return a
}

// get reloads an article through instance 0.
func (e *flowEnv) get(id string) *models.Article {
	e.t.Helper()
	a, err := e.svc().GetArticle(context.Background(), id)
	if err != nil {
		e.t.Fatalf("get %s: %v", id, err)
	}
	return a
}

// do runs a transition that must succeed.
func (e *flowEnv) do(u *models.User, id string, r service.TransitionRequest) *models.Article {
	e.t.Helper()
	a, err := e.svc().Transition(context.Background(), u, id, r)
	if err != nil {
		e.t.Fatalf("%s by %s: %v", r.Action, u.Name, err)
	}
	return a
}

// sign is an approve or recertify with the right password and the
// current content hash.
func (e *flowEnv) sign(u *models.User, id, action string) *models.Article {
	e.t.Helper()
	return e.do(u, id, service.TransitionRequest{Action: action, Password: flowPW, ContentHash: e.get(id).ContentHash})
}

// edit saves new content over the current version, which must succeed.
func (e *flowEnv) edit(u *models.User, id, variant string) *models.Article {
	e.t.Helper()
	cur := e.get(id)
	c := flowContent(cur.Content.Slug, variant)
	a, err := e.svc().UpdateArticle(context.Background(), u, id, cur.Version, c)
	if err != nil {
		e.t.Fatalf("edit by %s: %v", u.Name, err)
	}
	return a
}

// publishNow takes a fresh draft through submit, approve and publish.
func (e *flowEnv) publishNow(c flowCast, id string) *models.Article {
	e.t.Helper()
	e.do(c.editor, id, service.TransitionRequest{Action: "submit"})
	e.sign(c.clin, id, "approve")
	return e.do(c.editor, id, service.TransitionRequest{Action: "publish"})
}

// events returns the article's events straight from the log (not from the
// head's Seqs), in sequence order.
func (e *flowEnv) events(id string) []models.Event {
	e.t.Helper()
	all, err := e.stores[0].Log.Scan(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	var out []models.Event
	for _, ev := range all {
		if ev.ArticleID == id {
			out = append(out, ev)
		}
	}
	return out
}

// verifyChain fails the test unless the audit chain verifies.
func (e *flowEnv) verifyChain() {
	e.t.Helper()
	res, err := e.stores[0].Log.Verify(context.Background())
	if err != nil || !res.OK {
		e.t.Fatalf("audit chain: %+v %v", res, err)
	}
}

// wantErr fails unless err wraps want.
func wantErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v; want %v", err, want)
	}
}

var _ = workflow.ErrFrozen
