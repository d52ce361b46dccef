package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/policies"
	"github.com/vetted-cms/vetted/service"
)

// testPassword is every fixture user's password.
const testPassword = "correct-horse-battery"

// Fixture users, by the name tests use for them. "writer2" is a second
// writer who does not author the fixture articles.
const (
	asNone      = ""
	asWriter    = models.RoleWriter
	asWriter2   = "writer2"
	asClinician = models.RoleClinicalReviewer
	asEditor    = models.RoleEditor
	asAdmin     = models.RoleAdmin
)

// testApp is one Vetted instance over a fresh embedded database, wired as
// cmd/vetted wires it (without the delivery API), with a signed-in user
// per role.
type testApp struct {
	t        testing.TB
	DB       *mongostore.DB
	Articles *mongostore.ArticleStore
	Svc      *service.Service
	Policy   *policies.Enforcer
	Server   *Server
	Router   *gin.Engine
	Users    map[string]*models.User
	Tokens   map[string]string
}

var uniq atomic.Int64

// next returns a number unique in the test binary, for slugs and emails.
func next() int64 { return uniq.Add(1) }

// newTestApp starts an app with one user per role (the clinician's license
// verified) and a bearer token for each.
func newTestApp(t testing.TB) *testApp {
	t.Helper()
	ctx := context.Background()
	db := mongostore.OpenTest(t)
	arts := mongostore.NewArticleStore(db)
	if err := arts.Load(ctx); err != nil {
		t.Fatalf("load articles: %v", err)
	}
	pol, err := policies.Load("")
	if err != nil {
		t.Fatalf("load policy: %v", err)
	}
	svc := service.New(arts, mongostore.NewUserStore(db), arts.Log, pol)
	svc.Settings = mongostore.NewSettingsStore(db)
	svc.Comments = mongostore.NewCommentStore(db)
	srv := &Server{Svc: svc, Policy: pol, DB: db}
	a := &testApp{t: t, DB: db, Articles: arts, Svc: svc, Policy: pol, Server: srv, Router: srv.Router(),
		Users: map[string]*models.User{}, Tokens: map[string]string{}}

	a.Users[asAdmin] = a.createUser(nil, "Ada Admin", models.RoleAdmin, nil)
	a.Users[asWriter] = a.createUser(a.Users[asAdmin], "Wren Writer", models.RoleWriter, nil)
	a.Users[asWriter2] = a.createUser(a.Users[asAdmin], "Will Writer", models.RoleWriter, nil)
	a.Users[asEditor] = a.createUser(a.Users[asAdmin], "Eli Editor", models.RoleEditor, nil)
	lic := &models.License{Type: "LPC", Number: "LPC-1", Jurisdiction: "Oregon", ExpiresOn: "2099-12-31"}
	c := a.createUser(a.Users[asAdmin], "Casey Clinician", models.RoleClinicalReviewer, lic)
	if c, err = svc.VerifyLicense(ctx, a.Users[asAdmin], c.ID); err != nil {
		t.Fatalf("verify license: %v", err)
	}
	a.Users[asClinician] = c
	for name, u := range a.Users {
		a.Tokens[name] = a.login(u.Email, testPassword)
	}
	return a
}

// createUser creates a user through the service.
func (a *testApp) createUser(actor *models.User, name, role string, lic *models.License) *models.User {
	a.t.Helper()
	u, err := a.Svc.CreateUser(context.Background(), actor, service.NewUser{
		Email: fmt.Sprintf("u%d@example.org", next()), Name: name, Password: testPassword, Roles: []string{role},
		Credentials: "MA, LPC", License: lic})
	if err != nil {
		a.t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

// login signs in over HTTP and returns the bearer token.
func (a *testApp) login(email, password string) string {
	a.t.Helper()
	res := a.do(http.MethodPost, "/api/admin/session", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password), nil, asNone)
	if res.Code != http.StatusOK {
		a.t.Fatalf("login %s: %d %s", email, res.Code, res.Body)
	}
	var out struct{ Token string }
	mustJSON(a.t, res.Body.Bytes(), &out)
	return out.Token
}

// do sends one request through the real router as the named fixture user
// (asNone: no credentials).
func (a *testApp) do(method, url, body string, headers map[string]string, as string) *httptest.ResponseRecorder {
	a.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, url, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if as != asNone {
		tok, ok := a.Tokens[as]
		if !ok {
			a.t.Fatalf("no fixture user %q", as)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res := httptest.NewRecorder()
	a.Router.ServeHTTP(res, req)
	return res
}

// tail is the newest event's sequence number: it moves on every write.
func (a *testApp) tail() int64 {
	a.t.Helper()
	n, err := a.Articles.Log.FindTail(context.Background())
	if err != nil {
		a.t.Fatalf("find tail: %v", err)
	}
	return n
}

// scenario is one API request and what must come back (PocketBase's
// ApiScenario). ExpectedContent are substrings of the body.
type scenario struct {
	Name               string
	Method             string
	URL                string
	Body               string
	Headers            map[string]string
	As                 string
	ExpectedStatus     int
	ExpectedContent    []string
	NotExpectedContent []string
	After              func(t *testing.T, res *httptest.ResponseRecorder)
}

func (s scenario) run(t *testing.T, a *testApp) *httptest.ResponseRecorder {
	t.Helper()
	res := a.do(s.Method, s.URL, s.Body, s.Headers, s.As)
	if res.Code != s.ExpectedStatus {
		t.Errorf("%s %s: status %d, want %d; body %s", s.Method, s.URL, res.Code, s.ExpectedStatus, clip(res.Body.String()))
	}
	body := res.Body.String()
	for _, want := range s.ExpectedContent {
		if !strings.Contains(body, want) {
			t.Errorf("%s %s: body lacks %q: %s", s.Method, s.URL, want, clip(body))
		}
	}
	for _, bad := range s.NotExpectedContent {
		if strings.Contains(body, bad) {
			t.Errorf("%s %s: body contains %q: %s", s.Method, s.URL, bad, clip(body))
		}
	}
	if res.Code >= 400 {
		checkErrorShape(t, res)
	}
	if s.After != nil {
		s.After(t, res)
	}
	return res
}

func runScenarios(t *testing.T, a *testApp, ss []scenario) {
	t.Helper()
	for _, s := range ss {
		t.Run(s.Name, func(t *testing.T) { s.run(t, a) })
	}
}

// apiError is the error body every failure carries.
type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
	Current json.RawMessage `json:"current"`
}

// checkErrorShape asserts {"error": {"code", "message", "fields"?}} and
// nothing else but "current".
func checkErrorShape(t *testing.T, res *httptest.ResponseRecorder) apiError {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(res.Body.Bytes(), &raw); err != nil {
		t.Errorf("error body is not JSON: %q", clip(res.Body.String()))
		return apiError{}
	}
	for k := range raw {
		if k != "error" && k != "current" {
			t.Errorf("error body has unexpected key %q", k)
		}
	}
	var e apiError
	_ = json.Unmarshal(res.Body.Bytes(), &e)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("error body lacks code or message: %s", clip(res.Body.String()))
	}
	var inner map[string]json.RawMessage
	_ = json.Unmarshal(raw["error"], &inner)
	for k := range inner {
		if k != "code" && k != "message" && k != "fields" {
			t.Errorf("error object has unexpected key %q", k)
		}
	}
	return e
}

func errOf(t *testing.T, res *httptest.ResponseRecorder) apiError {
	t.Helper()
	return checkErrorShape(t, res)
}

func mustJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %q: %v", clip(string(b)), err)
	}
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// articleBuilder builds content that passes publish-readiness.
type articleBuilder struct{ c models.Content }

// anArticle returns a ready article with a unique slug.
func anArticle() *articleBuilder {
	n := next()
	return &articleBuilder{c: models.Content{
		Slug:         fmt.Sprintf("article-%d", n),
		Title:        fmt.Sprintf("Article %d", n),
		Summary:      "A short summary.",
		KeyTakeaways: []string{"One thing to remember."},
		Sections:     []models.Section{{Heading: "First", Body: "Line one.\nLine two."}},
		Topics:       []string{"anxiety"},
	}}
}

func (b *articleBuilder) slug(s string) *articleBuilder  { b.c.Slug = s; return b }
func (b *articleBuilder) title(s string) *articleBuilder { b.c.Title = s; return b }
func (b *articleBuilder) topics(t ...string) *articleBuilder {
	b.c.Topics = t
	return b
}
func (b *articleBuilder) sections(s ...models.Section) *articleBuilder {
	b.c.Sections = s
	return b
}
func (b *articleBuilder) takeaways(k ...string) *articleBuilder {
	b.c.KeyTakeaways = k
	return b
}
func (b *articleBuilder) content() models.Content { return b.c }

func (b *articleBuilder) json() string {
	out, err := json.Marshal(b.c)
	if err != nil {
		panic(err)
	}
	return string(out)
}

// articleResp is the part of an article answer tests look at.
type articleResp struct {
	ID          string `json:"id"`
	Version     int64  `json:"version"`
	Rev         int64  `json:"rev"`
	ContentHash string `json:"contentHash"`
	Status      string `json:"status"`
	Slug        string `json:"slug"`
	Title       string `json:"title"`
	AuthorID    string `json:"authorId"`
}

// createArticle creates b as the named user over HTTP.
func (a *testApp) createArticle(as string, b *articleBuilder) articleResp {
	a.t.Helper()
	res := a.do(http.MethodPost, "/api/admin/articles", b.json(), nil, as)
	if res.Code != http.StatusCreated {
		a.t.Fatalf("create article: %d %s", res.Code, res.Body)
	}
	var out articleResp
	mustJSON(a.t, res.Body.Bytes(), &out)
	return out
}

// updateArticle saves b over version base as the named user.
func (a *testApp) updateArticle(as, id string, base int64, b *articleBuilder) *httptest.ResponseRecorder {
	a.t.Helper()
	return a.do(http.MethodPut, "/api/admin/articles/"+id, b.json(), map[string]string{"If-Match": etag(base)}, as)
}

// getArticle reads an article as the editor.
func (a *testApp) getArticle(id string) articleResp {
	a.t.Helper()
	res := a.do(http.MethodGet, "/api/admin/articles/"+id, "", nil, asEditor)
	if res.Code != http.StatusOK {
		a.t.Fatalf("get article %s: %d %s", id, res.Code, res.Body)
	}
	var out articleResp
	mustJSON(a.t, res.Body.Bytes(), &out)
	return out
}
