package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/models"
)

// bodyEndpoint is an endpoint that reads a JSON body.
type bodyEndpoint struct {
	name, method, url string
	as                string
	headers           map[string]string
	// typed are bodies with a wrong type, an object where a string
	// belongs, or a missing required field, for this endpoint's DTO.
	typed []string
}

// TestBadInputWritesNothing: every endpoint that takes a body answers
// malformed JSON, wrong types, missing fields, $-keys, objects where
// strings belong, repeated keys and oversized bodies with a 4xx and the
// error body, and nothing is written.
func TestBadInputWritesNothing(t *testing.T) {
	a := newTestApp(t)
	art := a.createArticle(asWriter, anArticle())
	ctx := context.Background()
	big := `{"title":"` + strings.Repeat("x", MaxBody) + `"}`
	generic := []string{
		``, ` `, `{`, `{"title":`, `{"a":1,}`, `not json`, `[]`, `"a string"`, `42`, `null`, `true`,
		`{"a":1}{"b":2}`, `{"a":1} x`, `{'a':1}`, "\xff\xfe",
		`{"$set":{"status":"published"}}`, `{"\u0024set":{"status":"published"}}`, `{"x":{"$where":"1"}}`, `{"status":"published"}`,
		`{"title":"a","title":"b"}`, `{"Status":"published"}`,
		strings.Repeat("[", 100) + strings.Repeat("]", 100),
		`{"a":` + strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 101),
	}
	endpoints := []bodyEndpoint{
		{name: "login", method: http.MethodPost, url: "/api/admin/session", typed: []string{
			`{}`, `{"email":"a@b.c"}`, `{"email":1,"password":"x"}`, `{"email":{"$ne":""},"password":{"$ne":""}}`,
			`{"email":"` + a.Users[asWriter].Email + `","password":{"$ne":""}}`, `{"email":{"a":"b"},"password":"x"}`, `{"email":["a"],"password":"x"}`,
			`{"email":"` + a.Users[asWriter].Email + `","password":"` + testPassword + `","roles":["admin"]}`}},
		{name: "create user", method: http.MethodPost, url: "/api/admin/users", as: asAdmin, typed: []string{
			`{}`, `{"email":"x@example.org"}`, `{"email":"x@example.org","name":"X","password":"long-enough-pw","roles":"admin"}`,
			`{"email":{"$ne":""},"name":"X","password":"long-enough-pw","roles":["writer"]}`,
			`{"email":"x@example.org","name":{"first":"X"},"password":"long-enough-pw","roles":["writer"]}`,
			`{"email":"x@example.org","name":"X","password":"long-enough-pw","roles":[1]}`,
			`{"email":"not-an-email","name":"X","password":"long-enough-pw","roles":["writer"]}`,
			`{"email":"x@example.org","name":"X","password":"long-enough-pw","roles":["writer"],"id":"u_mine"}`,
			`{"email":"x@example.org","name":"X","password":"long-enough-pw","roles":["writer"],"passwordHash":"x"}`,
			`{"email":"x@example.org","name":"X","password":"long-enough-pw","roles":["writer"],"license":"LPC"}`}},
		{name: "patch user", method: http.MethodPatch, url: "/api/admin/users/" + a.Users[asClinician].ID, as: asAdmin, typed: []string{
			`{"active":"yes"}`, `{"roles":"admin"}`, `{"name":{"x":1}}`, `{"name":""}`, `{"bio":5}`, `{"roles":[]}`,
			`{"license":{"type":"LPC"}}`, `{"license":[]}`, `{"sessionEpoch":0}`, `{"email":"new@example.org"}`, `{"failedLogins":0}`}},
		{name: "create article", method: http.MethodPost, url: "/api/admin/articles", as: asWriter, typed: []string{
			`{}`, `{"title":5}`, `{"title":{"$gt":""}}`, `{"title":"T","sections":"x"}`, `{"title":"T","keyTakeaways":[1]}`,
			`{"title":"T","sections":[{"heading":5}]}`, `{"title":"T","heroImage":"pic.jpg"}`, `{"title":"T","heroImage":{"url":"https://x.org/a.jpg"}}`,
			`{"title":"T","seo":{"title":["a"]}}`, `{"title":"T","slug":"Bad Slug"}`, `{"title":"T","topics":[{"a":1}]}`,
			`{"title":"T","cta":{"url":"javascript:alert(1)"}}`, `{"title":"T","related":["x","y","z","u","v","w","q"]}`}},
		{name: "update article", method: http.MethodPut, url: "/api/admin/articles/" + art.ID, as: asWriter,
			headers: map[string]string{"If-Match": `"1"`}, typed: []string{
				`{}`, `{"slug":"` + art.Slug + `","title":5}`, `{"slug":"` + art.Slug + `","version":"1"}`, `{"slug":"` + art.Slug + `","version":{"$gt":0}}`,
				`{"slug":"` + art.Slug + `","rev":9}`, `{"slug":"` + art.Slug + `","authorId":"u_me"}`, `{"slug":"` + art.Slug + `","contentHash":"x"}`,
				`{"slug":"` + art.Slug + `","Version":1,"version":1}`}},
		{name: "transition", method: http.MethodPost, url: "/api/admin/articles/" + art.ID + "/transitions", as: asWriter, typed: []string{
			`{}`, `{"action":1}`, `{"action":"submit","comment":{"a":1}}`, `{"action":"fly"}`, `{"action":{"$ne":""}}`,
			`{"action":"publish","publishAt":"tomorrow"}`, `{"action":"submit","to":"published"}`, `{"action":"submit","comment":"` + strings.Repeat("c", 5001) + `"}`}},
		{name: "create token", method: http.MethodPost, url: "/api/admin/tokens", as: asAdmin, typed: []string{
			`{}`, `{"name":""}`, `{"name":5}`, `{"name":{"a":1}}`, `{"name":"` + strings.Repeat("n", 101) + `"}`, `{"name":"x","token":"vd_mine"}`}},
	}
	type state struct {
		tail, users, tokens int64
		version             int64
		articles            int
	}
	snapshot := func() state {
		nu, _ := a.Svc.Users.Count(ctx)
		ts, _ := a.Svc.Users.Tokens(ctx)
		_, total := a.Articles.List(models.ListQuery{Page: 1, Limit: 1000})
		return state{tail: a.tail(), users: nu, tokens: int64(len(ts)), version: a.getArticle(art.ID).Version, articles: total}
	}
	before := snapshot()
	for _, ep := range endpoints {
		t.Run(ep.name, func(t *testing.T) {
			var ss []scenario
			for _, b := range append(append([]string{}, generic...), ep.typed...) {
				ss = append(ss, scenario{Name: clip(b)[:min(len(b), 40)], Method: ep.method, URL: ep.url, Body: b, Headers: ep.headers, As: ep.as,
					ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"code":"invalid"`}})
			}
			ss = append(ss, scenario{Name: "over 2 MiB", Method: ep.method, URL: ep.url, Body: big, Headers: ep.headers, As: ep.as,
				ExpectedStatus: http.StatusRequestEntityTooLarge, ExpectedContent: []string{`"code":"too_large"`}})
			for _, s := range ss {
				t.Run(s.Name, func(t *testing.T) {
					res := s.run(t, a)
					if res.Code >= 500 {
						t.Fatalf("bad input crashed: %d", res.Code)
					}
				})
			}
		})
	}
	if after := snapshot(); after != before {
		t.Fatalf("bad input wrote something: before %+v, after %+v", before, after)
	}
}

// TestErrorsShowNoInternals: a panic and a database failure answer with
// the generic error body, never the error's text.
func TestErrorsShowNoInternals(t *testing.T) {
	a := newTestApp(t)
	srv := &Server{Svc: a.Svc, Policy: a.Policy, DB: a.DB, Delivery: func(r *gin.Engine) {
		r.GET("/boom", func(*gin.Context) { panic("secret internal detail: mongodb://user:pw@db") })
	}}
	router := srv.Router()
	res := httptest.NewRecorder()
	router.ServeHTTP(res, httptest.NewRequest(http.MethodGet, "/boom", nil))
	if res.Code != http.StatusInternalServerError || strings.Contains(res.Body.String(), "secret") || strings.Contains(res.Body.String(), "mongodb") {
		t.Fatalf("panic answer: %d %s", res.Code, res.Body)
	}
	if e := errOf(t, res); e.Error.Code != "internal" {
		t.Fatalf("panic code %q", e.Error.Code)
	}

	// Take the database away under a running server.
	if err := a.DB.Client.Disconnect(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ method, url, body, as string }{
		{http.MethodGet, "/api/admin/articles", "", asEditor},
		{http.MethodGet, "/api/admin/me", "", asWriter},
		{http.MethodPost, "/api/admin/session", `{"email":"x@example.org","password":"some-password"}`, asNone},
		{http.MethodGet, "/readyz", "", asNone},
	} {
		res := a.do(r.method, r.url, r.body, nil, r.as)
		if res.Code < 500 {
			t.Errorf("%s %s with the database gone: %d %s", r.method, r.url, res.Code, res.Body)
		}
		for _, leak := range []string{"mongo", "client", "disconnect", "127.0.0.1", "ferret", "sqlite", "goroutine", ".go:"} {
			if strings.Contains(strings.ToLower(res.Body.String()), leak) {
				t.Errorf("%s %s answer shows %q: %s", r.method, r.url, leak, res.Body)
			}
		}
		if r.url != "/readyz" {
			checkErrorShape(t, res)
		}
	}
}
