package handlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/delivery/search"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/policies"
	"github.com/vetted-cms/vetted/workflow"
)

// public marks a route that needs no sign-in; deliveryToken a route that
// takes only a delivery API token (no management session opens it).
const (
	public        = "*"
	deliveryToken = "vd"
	previewToken  = "vp"
)

// routeAccess is the expected access to every route the router registers,
// written out by hand (not derived from the policy): "METHOD template" →
// the roles allowed, or public. A route registered without a row here
// fails TestRouteTableIsComplete.
var routeAccess = map[string][]string{
	"GET /healthz":                                       {public},
	"GET /readyz":                                        {public},
	"GET /":                                              {public},
	"GET /admin":                                         {public},
	"POST /api/admin/session":                            {public},
	"DELETE /api/admin/session":                          {asWriter, asClinician, asEditor, asAdmin},
	"GET /api/admin/me":                                  {asWriter, asClinician, asEditor, asAdmin},
	"GET /api/admin/roles":                               {asWriter, asClinician, asEditor, asAdmin},
	"GET /api/admin/users":                               {asAdmin},
	"POST /api/admin/users":                              {asAdmin},
	"GET /api/admin/users/:id":                           {asWriter, asClinician, asEditor, asAdmin},
	"PATCH /api/admin/users/:id":                         {asWriter, asClinician, asEditor, asAdmin},
	"POST /api/admin/users/:id/license/verify":           {asAdmin},
	"GET /api/admin/articles":                            {asWriter, asClinician, asEditor, asAdmin},
	"POST /api/admin/articles":                           {asWriter, asEditor},
	"GET /api/admin/articles/:id":                        {asWriter, asClinician, asEditor, asAdmin},
	"PUT /api/admin/articles/:id":                        {asWriter, asEditor},
	"PATCH /api/admin/articles/:id":                      {asWriter, asEditor},
	"GET /api/admin/articles/:id/revisions":              {asWriter, asClinician, asEditor, asAdmin},
	"GET /api/admin/articles/:id/revisions/:rev":         {asWriter, asClinician, asEditor, asAdmin},
	"GET /api/admin/articles/:id/diff":                   {asWriter, asClinician, asEditor, asAdmin},
	"GET /api/admin/articles/:id/events":                 {asWriter, asClinician, asEditor, asAdmin},
	"GET /api/admin/articles/:id/signatures":             {asWriter, asClinician, asEditor, asAdmin},
	"POST /api/admin/articles/:id/transitions":           {asWriter, asClinician, asEditor},
	"GET /api/admin/articles/:id/comments":               {asWriter, asClinician, asEditor, asAdmin},
	"POST /api/admin/articles/:id/comments":              {asWriter, asClinician, asEditor},
	"PATCH /api/admin/articles/:id/comments/:cid":        {asWriter, asClinician, asEditor, asAdmin},
	"POST /api/admin/articles/:id/comments/:cid/replies": {asWriter, asClinician, asEditor, asAdmin},
	"POST /api/admin/articles/:id/comments/:cid/resolve": {asWriter, asClinician, asEditor, asAdmin},
	"GET /api/admin/clinicians":                          {asWriter, asClinician, asEditor, asAdmin},
	"GET /api/admin/reviews/due":                         {asClinician, asEditor, asAdmin},
	"GET /api/admin/tokens":                              {asAdmin},
	"POST /api/admin/tokens":                             {asAdmin},
	"DELETE /api/admin/tokens/:id":                       {asAdmin},
	"GET /api/admin/audit":                               {asAdmin},
	"GET /api/admin/audit/verify":                        {asAdmin},
	"GET /api/admin/audit/anchor":                        {asAdmin},
	"GET /api/admin/settings":                            {asAdmin},
	"PUT /api/admin/settings":                            {asAdmin},
	"GET /api/admin/webhooks":                            {asAdmin},
	"POST /api/admin/webhooks":                           {asAdmin},
	"DELETE /api/admin/webhooks/:id":                     {asAdmin},
	"GET /api/admin/webhooks/:id/deliveries":             {asAdmin},
	"GET /api/openapi.json":                              {public},
	"GET /api/admin/media":                               {asWriter, asClinician, asEditor, asAdmin},
	"POST /api/admin/media":                              {asWriter, asEditor},
	"GET /api/admin/media/:id":                           {asWriter, asClinician, asEditor, asAdmin},
	"PATCH /api/admin/media/:id":                         {asWriter, asEditor},
	"DELETE /api/admin/media/:id":                        {asEditor, asAdmin},
	"GET /media/:hash/:file":                             {public},
	"HEAD /media/:hash/:file":                            {public},
	"OPTIONS /api/v1/articles":                           {public},
	"OPTIONS /api/v1/articles/:slug":                     {public},
	"OPTIONS /api/v1/topics":                             {public},
	"OPTIONS /api/v1/search":                             {public},
	"GET /api/v1/search":                                 {deliveryToken},
	"HEAD /api/v1/search":                                {deliveryToken},
	"GET /api/v1/articles":                               {deliveryToken},
	"HEAD /api/v1/articles":                              {deliveryToken},
	"GET /api/v1/articles/:slug":                         {deliveryToken},
	"HEAD /api/v1/articles/:slug":                        {deliveryToken},
	"GET /api/v1/topics":                                 {deliveryToken},
	"OPTIONS /api/v1/preview/articles/:id":               {public},
	"GET /api/v1/preview/articles/:id":                   {previewToken},
	"HEAD /api/v1/topics":                                {deliveryToken},
}

// newFullApp is newTestApp with the delivery side's routes (delivery API,
// OpenAPI document, webhooks) registered as cmd/vetted's wireDelivery
// registers them, so the route table is the whole table.
func newFullApp(t *testing.T) *testApp {
	t.Helper()
	a := newTestApp(t)
	withMedia(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	idx, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() }) // removes its directory
	sys, err := delivery.Setup(ctx, delivery.Deps{Articles: a.Articles, Users: a.Svc.Users, Store: mongostore.NewDeliveryStore(a.DB),
		Audit: a.Articles.Log, Tokens: a.Svc, Policy: a.Policy, Search: idx}, delivery.Config{})
	if err != nil {
		t.Fatalf("delivery setup: %v", err)
	}
	api := &DeliveryAPI{Model: sys.Model, Tokens: sys.Tokens, Search: idx, Previews: a.Svc, PreviewModel: sys.Model}
	a.Server.Delivery = func(r *gin.Engine) { api.Register(r); RegisterOpenAPI(r) }
	a.Server.Extra = (&WebhookAPI{Hooks: sys.Webhooks}).Register
	a.Router = a.Server.Router()
	return a
}

var allCallers = []string{asWriter, asClinician, asEditor, asAdmin, asNone}

// TestRouteTableIsComplete: every registered route has an expectation and
// every expectation a route, so a new route cannot ship untested.
func TestRouteTableIsComplete(t *testing.T) {
	a := newFullApp(t)
	registered := map[string]bool{}
	for _, r := range a.Router.Routes() {
		key := r.Method + " " + r.Path
		registered[key] = true
		if _, ok := routeAccess[key]; !ok {
			t.Errorf("route %s has no row in routeAccess (add its expected roles)", key)
		}
	}
	for key := range routeAccess {
		if !registered[key] {
			t.Errorf("routeAccess row %s matches no registered route", key)
		}
	}
}

// TestAuthorizationMatrix: every role (and no sign-in) × every route.
// Allowed means the request got past authentication and the policy (no
// 401/403 and no 5xx); denied means exactly the policy's 403.
func TestAuthorizationMatrix(t *testing.T) {
	a := newFullApp(t)
	art := a.createArticle(asWriter, anArticle())
	tokRes := a.do(http.MethodPost, "/api/admin/tokens", `{"name":"matrix"}`, nil, asAdmin)
	if tokRes.Code != http.StatusCreated {
		t.Fatalf("create token: %d %s", tokRes.Code, tokRes.Body)
	}
	var tok struct{ ID string }
	mustJSON(t, tokRes.Body.Bytes(), &tok)

	for _, r := range a.Router.Routes() {
		key := r.Method + " " + r.Path
		allowed := routeAccess[key]
		for _, as := range allCallers {
			name := as
			if name == "" {
				name = "anonymous"
			}
			t.Run(strings.ReplaceAll(key, "/", "_")+"/"+name, func(t *testing.T) {
				url, body, hdr := a.requestFor(t, r.Method, r.Path, as, art.ID, tok.ID)
				caller := as
				if r.Method == http.MethodDelete && r.Path == "/api/admin/session" && as != asNone {
					// Signing out revokes the token: use a fresh session.
					a.Tokens["fresh"] = a.login(a.Users[as].Email, testPassword)
					caller = "fresh"
				}
				res := a.do(r.Method, url, body, hdr, caller)
				switch {
				case slices.Contains(allowed, public):
					if res.Code == http.StatusUnauthorized || res.Code == http.StatusForbidden || res.Code >= 500 {
						t.Fatalf("public route refused: %d %s", res.Code, res.Body)
					}
				case slices.Contains(allowed, deliveryToken) || slices.Contains(allowed, previewToken):
					if res.Code != http.StatusUnauthorized {
						t.Fatalf("a delivery route without a delivery token: %d, want 401; %s", res.Code, res.Body)
					}
				case as == asNone:
					if res.Code != http.StatusUnauthorized {
						t.Fatalf("no sign-in: %d, want 401; %s", res.Code, res.Body)
					}
					if e := errOf(t, res); e.Error.Code != "unauthenticated" {
						t.Fatalf("code %q", e.Error.Code)
					}
				case slices.Contains(allowed, as):
					if res.Code == http.StatusUnauthorized || res.Code == http.StatusForbidden || res.Code >= 500 {
						t.Fatalf("%s should be allowed: %d %s", as, res.Code, res.Body)
					}
				default:
					if res.Code != http.StatusForbidden {
						t.Fatalf("%s should be denied: %d %s", as, res.Code, res.Body)
					}
					if e := errOf(t, res); e.Error.Code != "forbidden" || e.Error.Message != "your role may not do this" {
						t.Fatalf("denial is not the policy's: %+v", e.Error)
					}
				}
			})
		}
	}
}

// requestFor fills a route template with ids the caller may use and a
// body that passes decoding, so that an allowed call succeeds.
func (a *testApp) requestFor(t *testing.T, method, tmpl, as, articleID, tokenID string) (string, string, map[string]string) {
	t.Helper()
	url := tmpl
	self := ""
	if u := a.Users[as]; u != nil {
		self = u.ID
	}
	switch {
	case strings.HasPrefix(tmpl, "/api/admin/users/:id/license"):
		url = strings.Replace(url, ":id", a.Users[asClinician].ID, 1)
	case strings.HasPrefix(tmpl, "/api/admin/users/:id"):
		if self == "" {
			self = a.Users[asWriter].ID
		}
		url = strings.Replace(url, ":id", self, 1)
	case strings.HasPrefix(tmpl, "/api/admin/tokens/:id"):
		url = strings.Replace(url, ":id", tokenID, 1)
	}
	url = strings.Replace(url, ":id", articleID, 1)
	url = strings.Replace(url, ":rev", "1", 1)
	url = strings.Replace(url, ":slug", "some-slug", 1)
	if strings.HasSuffix(tmpl, "/diff") {
		url += "?from=1&to=1"
	}
	var hdr map[string]string
	body := ""
	switch method + " " + tmpl {
	case "POST /api/admin/session":
		body = fmt.Sprintf(`{"email":%q,"password":%q}`, a.Users[asEditor].Email, testPassword)
	case "POST /api/admin/users":
		body = fmt.Sprintf(`{"email":"m%d@example.org","name":"M","password":"long-enough-password","roles":["writer"]}`, next())
	case "PATCH /api/admin/users/:id":
		body = `{"bio":"matrix"}`
	case "POST /api/admin/articles":
		body = anArticle().json()
	case "PUT /api/admin/articles/:id":
		body = anArticle().slug(a.getArticle(articleID).Slug).json()
		hdr = map[string]string{"If-Match": etag(a.getArticle(articleID).Version)}
	case "PATCH /api/admin/articles/:id":
		body = `{"summary":"Patched."}`
		hdr = map[string]string{"If-Match": etag(a.getArticle(articleID).Version), "Content-Type": "application/merge-patch+json"}
	case "POST /api/admin/articles/:id/transitions":
		body = `{"action":"no-such-action"}` // 400 past the policy
	case "POST /api/admin/tokens":
		body = `{"name":"matrix"}`
	case "POST /api/admin/webhooks":
		body = `{"url":"https://hooks.example.org/in","events":["article.published"]}`
	}
	return url, body, hdr
}

// TestPolicyCoversRoutes: every registered /api/admin route (but sign-in)
// is open to some role of the policy, every route rule's pattern covers a
// registered route, every article action is granted to some role, and
// admins take no workflow action.
func TestPolicyCoversRoutes(t *testing.T) {
	a := newFullApp(t)
	roles := a.Policy.Roles()
	for _, r := range a.Router.Routes() {
		if !strings.HasPrefix(r.Path, "/api/admin/") || r.Path == "/api/admin/session" && r.Method == http.MethodPost {
			continue
		}
		if !a.Policy.AllowAny(roles, r.Path, r.Method) {
			t.Errorf("route %s %s is open to no role: nobody can use it", r.Method, r.Path)
		}
	}
	for _, rule := range a.Policy.Rules() {
		if !strings.HasPrefix(rule[1], "/") {
			continue
		}
		covers := false
		for _, r := range a.Router.Routes() {
			covers = covers || policies.Matches(r.Path, rule[1])
		}
		if !covers {
			t.Errorf("rule %v names no registered route", rule)
		}
	}
	for _, act := range policies.ArticleActions() {
		if !a.Policy.AllowAny(roles, policies.ObjOwnArticle, act) {
			t.Errorf("article action %s is granted to no role", act)
		}
	}
	// Admins never take workflow actions: no one can force content live.
	for _, act := range workflow.Actions() {
		for _, obj := range []string{policies.ObjOwnArticle, policies.ObjOtherArticle} {
			if a.Policy.AllowAny([]string{models.RoleAdmin}, obj, string(act)) {
				t.Errorf("admin may %s (%s)", act, obj)
			}
		}
	}
}

// TestWritersEditOnlyTheirOwn: the route is open to writers; the service
// refuses another writer's article, also for transitions.
func TestWritersEditOnlyTheirOwn(t *testing.T) {
	a := newTestApp(t)
	b := anArticle()
	art := a.createArticle(asWriter, b)
	before := a.tail()
	runScenarios(t, a, []scenario{
		{Name: "other writer cannot edit", Method: http.MethodPut, URL: "/api/admin/articles/" + art.ID, Body: b.title("Hijacked").json(),
			Headers: map[string]string{"If-Match": `"1"`}, As: asWriter2, ExpectedStatus: http.StatusForbidden, ExpectedContent: []string{`"forbidden"`}},
		{Name: "other writer cannot submit", Method: http.MethodPost, URL: "/api/admin/articles/" + art.ID + "/transitions", Body: `{"action":"submit"}`,
			As: asWriter2, ExpectedStatus: http.StatusForbidden},
		{Name: "clinician cannot edit", Method: http.MethodPut, URL: "/api/admin/articles/" + art.ID, Body: b.title("Hijacked").json(),
			Headers: map[string]string{"If-Match": `"1"`}, As: asClinician, ExpectedStatus: http.StatusForbidden},
		{Name: "admin cannot edit", Method: http.MethodPut, URL: "/api/admin/articles/" + art.ID, Body: b.title("Hijacked").json(),
			Headers: map[string]string{"If-Match": `"1"`}, As: asAdmin, ExpectedStatus: http.StatusForbidden},
	})
	if got := a.tail(); got != before {
		t.Errorf("refused edits wrote %d events", got-before)
	}
	if g := a.getArticle(art.ID); g.Version != 1 || g.Title == "Hijacked" {
		t.Errorf("article changed: %+v", g)
	}
	runScenarios(t, a, []scenario{
		{Name: "author edits", Method: http.MethodPut, URL: "/api/admin/articles/" + art.ID, Body: b.title("By the author").json(),
			Headers: map[string]string{"If-Match": `"1"`}, As: asWriter, ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"version":2`}},
		{Name: "editor edits anyone's", Method: http.MethodPut, URL: "/api/admin/articles/" + art.ID, Body: b.title("By the editor").json(),
			Headers: map[string]string{"If-Match": `"2"`}, As: asEditor, ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"version":3`}},
	})
}

// TestPathVariantsNeverChangeADecision: trailing slashes, doubled slashes,
// letter case, dot segments and percent-encoding either reach the same
// route with the same answer or no route at all (404) — never a
// different decision.
func TestPathVariantsNeverChangeADecision(t *testing.T) {
	a := newTestApp(t)
	art := a.createArticle(asWriter, anArticle())
	paths := []string{
		"/api/admin/users",
		"/api/admin/audit",
		"/api/admin/tokens",
		"/api/admin/reviews/due",
		"/api/admin/articles",
		"/api/admin/articles/" + art.ID,
		"/api/admin/articles/" + art.ID + "/events",
		"/api/admin/users/" + a.Users[asAdmin].ID,
	}
	variants := func(p string) []string {
		last := strings.LastIndex(p, "/")
		return []string{
			p + "/",
			"/" + p,
			strings.Replace(p, "/api/admin/", "/api/admin//", 1),
			strings.Replace(p, "/api/", "/api//", 1),
			strings.ToUpper(p),
			strings.Replace(p, "/api/admin", "/API/admin", 1),
			strings.Replace(p, "/api/admin/", "/api/admin/./", 1),
			strings.Replace(p, "/api/admin/", "/api/x/../admin/", 1),
			p[:last+1] + fmt.Sprintf("%%%02X", p[last+1]) + p[last+2:],
			strings.Replace(p, "/api/admin", "/api%2Fadmin", 1),
			p + "%2F",
			p + "?x=/api/admin/me",
			p + "#frag",
			p + ";x",
		}
	}
	for _, as := range allCallers {
		for _, p := range paths {
			canon := a.do(http.MethodGet, p, "", nil, as).Code
			for _, v := range variants(p) {
				got := a.do(http.MethodGet, v, "", nil, as).Code
				if got != canon && got != http.StatusNotFound {
					t.Errorf("as %q: GET %s → %d but GET %s → %d", as, p, canon, v, got)
				}
				if canon >= 400 && got < 400 {
					t.Errorf("as %q: variant %s turned a refusal (%d) into %d", as, v, canon, got)
				}
			}
		}
	}
}

// TestUnknownRoutes404: unknown routes and methods are 404 with and
// without credentials, with the error body.
func TestUnknownRoutes404(t *testing.T) {
	a := newTestApp(t)
	reqs := [][2]string{
		{http.MethodGet, "/api/admin/nope"},
		{http.MethodGet, "/api/admin/articles/x/y/z"},
		{http.MethodPost, "/api/admin/me"},
		{http.MethodDelete, "/api/admin/articles/x"},
		{http.MethodPut, "/api/admin/articles"},
		{http.MethodGet, "/api/admin"},
		{http.MethodGet, "/api/nope"},
		{http.MethodGet, "/nope"},
		{http.MethodPost, "/admin/x"},
	}
	for _, as := range []string{asNone, asAdmin, asWriter} {
		for _, r := range reqs {
			res := a.do(r[0], r[1], "", nil, as)
			if res.Code != http.StatusNotFound {
				t.Errorf("as %q: %s %s → %d, want 404", as, r[0], r[1], res.Code)
				continue
			}
			if e := errOf(t, res); e.Error.Code != "not_found" {
				t.Errorf("as %q: %s %s: code %q", as, r[0], r[1], e.Error.Code)
			}
		}
	}
	// A bad token on an unknown route is still just 404: no oracle.
	res := a.do(http.MethodGet, "/api/admin/nope", "", map[string]string{"Authorization": "Bearer vs_bogus"}, asNone)
	if res.Code != http.StatusNotFound {
		t.Errorf("bad token on unknown route: %d", res.Code)
	}
}
