package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/delivery/search"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
)

// dlApp is a test app with the delivery side wired as cmd/vetted wires
// it: read model on the store's hook and as the service's Publisher, the
// log follower polling, webhooks running, the delivery and webhook routes.
type dlApp struct {
	*testApp
	Sys   *delivery.System
	Index *search.Index
	Store *mongostore.DeliveryStore
	API   *DeliveryAPI
	Token string // a delivery token
	ctx   context.Context
	cfg   delivery.Config // instance A's; another instance is configured alike
}

func newDeliveryApp(t testing.TB, cfg delivery.Config, public bool) *dlApp {
	t.Helper()
	a := newTestApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	store := mongostore.NewDeliveryStore(a.DB)
	idx, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() }) // removes its directory
	sys, err := delivery.Setup(ctx, delivery.Deps{Articles: a.Articles, Users: a.Svc.Users, Store: store, Audit: a.Articles.Log, Tokens: a.Svc, Policy: a.Policy,
		Cursor: a.Articles.Log.Cursor, Search: idx, Settings: mongostore.NewSettingsStore(a.DB)}, cfg)
	if err != nil {
		t.Fatalf("delivery setup: %v", err)
	}
	a.Articles.OnApply = sys.Model.OnApply
	a.Articles.OnOther = sys.OnOther
	a.Svc.Publish = sys.Model
	sys.Start(ctx)
	go follow(ctx, a.Articles, 200*time.Millisecond)
	api := &DeliveryAPI{Model: sys.Model, Tokens: sys.Tokens, Search: idx, Public: public, MaxAge: time.Minute, StaleWhileRevalidate: 5 * time.Minute, StaleIfError: 24 * time.Hour,
		CORSOrigins: []string{"https://site.example"}, Previews: a.Svc, PreviewModel: sys.Model}
	hooks := &WebhookAPI{Hooks: sys.Webhooks}
	a.Server.Delivery = func(r *gin.Engine) { api.Register(r); RegisterOpenAPI(r) }
	a.Server.Extra = hooks.Register
	a.Router = a.Server.Router()
	d := &dlApp{testApp: a, Sys: sys, Index: idx, Store: store, API: api, ctx: ctx, cfg: cfg}
	res := a.do(http.MethodPost, "/api/admin/tokens", `{"name":"site"}`, nil, asAdmin)
	if res.Code != http.StatusCreated {
		t.Fatalf("create delivery token: %d %s", res.Code, res.Body)
	}
	var tok struct{ Token string }
	mustJSON(t, res.Body.Bytes(), &tok)
	d.Token = tok.Token
	return d
}

// follow is the log follower of cmd/vetted's serve.
func follow(ctx context.Context, arts *mongostore.ArticleStore, every time.Duration) {
	arts.Log.Follow(ctx, every)
}

// get reads the delivery API with the site's token.
func (d *dlApp) get(url string, headers map[string]string) *httptest.ResponseRecorder {
	d.t.Helper()
	h := map[string]string{"Authorization": "Bearer " + d.Token}
	for k, v := range headers {
		h[k] = v
	}
	return d.do(http.MethodGet, url, "", h, asNone)
}

// act performs a workflow action as the named user; approve and
// recertify sign the current content with the password.
func (d *dlApp) act(as, id, action string) {
	d.t.Helper()
	body := map[string]string{"action": action}
	if action == "approve" || action == "recertify" {
		body["password"] = testPassword
		body["contentHash"] = d.getArticle(id).ContentHash
	}
	if action == "unpublish" {
		body["comment"] = "withdrawn"
	}
	b, _ := json.Marshal(body)
	res := d.do(http.MethodPost, "/api/admin/articles/"+id+"/transitions", string(b), nil, as)
	if res.Code != http.StatusOK {
		d.t.Fatalf("%s %s: %d %s", action, id, res.Code, res.Body)
	}
}

// publish takes b through the whole workflow and returns the article.
func (d *dlApp) publish(b *articleBuilder) articleResp {
	d.t.Helper()
	art := d.createArticle(asWriter, b)
	d.to(art.ID, "published")
	return d.getArticle(art.ID)
}

// to moves an article forward from draft to the named state.
func (d *dlApp) to(id, state string) {
	d.t.Helper()
	steps := map[string][][2]string{
		"draft":     {},
		"in_review": {{asWriter, "submit"}},
		"approved":  {{asWriter, "submit"}, {asClinician, "approve"}},
		"published": {{asWriter, "submit"}, {asClinician, "approve"}, {asEditor, "publish"}},
	}[state]
	for _, s := range steps {
		d.act(s[0], id, s[1])
	}
}

// TestDeliveryNeverServesUnreviewedContent tries every unreviewed state
// through every delivery route and query: nothing without a sign-off on
// exactly that content may come back.
func TestDeliveryNeverServesUnreviewedContent(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	secret := func(kind string) *articleBuilder {
		return anArticle().slug("secret-" + kind).title("SECRET " + kind).topics("secret-topic").
			sections(models.Section{Heading: "Hidden", Body: "LEAK-" + kind + " must never be delivered"})
	}
	draft := d.createArticle(asWriter, secret("draft"))
	review := d.createArticle(asWriter, secret("review"))
	d.to(review.ID, "in_review")
	approved := d.createArticle(asWriter, secret("approved"))
	d.to(approved.ID, "approved")
	unpub := d.createArticle(asWriter, secret("unpublished"))
	d.to(unpub.ID, "published")
	d.act(asEditor, unpub.ID, "unpublish")
	_ = draft

	other := d.publish(anArticle().slug("published-other").title("Other published"))
	// A published article whose working copy was edited afterwards: the
	// live version stays, the edit is not served.
	edited := d.publish(anArticle().slug("published-edited").title("Edited later"))
	res := d.updateArticle(asWriter, edited.ID, edited.Version, anArticle().slug("published-edited").title("SECRET edit").
		sections(models.Section{Heading: "New", Body: "LEAK-edit is only a draft"}))
	if res.Code != http.StatusOK {
		t.Fatalf("edit published: %d %s", res.Code, res.Body)
	}
	main := anArticle().slug("published-main").title("Main published")
	main.c.Related = []string{"secret-draft", "secret-review", "secret-approved", "secret-unpublished", "published-other", "no-such-article"}
	d.publish(main)
	_ = other

	urls := []string{
		"/api/v1/articles", "/api/v1/articles?limit=100", "/api/v1/articles?page=2&limit=1", "/api/v1/articles?topic=secret-topic",
		"/api/v1/articles?topic=anxiety&limit=100", "/api/v1/topics",
		"/api/v1/articles/published-main", "/api/v1/articles/published-edited", "/api/v1/articles/published-other",
	}
	want := map[string]int{"secret-draft": 404, "secret-review": 404, "secret-approved": 404, "secret-unpublished": 410, "no-such-article": 404}
	for slug := range want {
		urls = append(urls, "/api/v1/articles/"+slug)
	}
	for _, u := range urls {
		for _, enc := range []string{"", "gzip"} {
			res := d.get(u, map[string]string{"Accept-Encoding": enc})
			body := decoded(t, res)
			if strings.Contains(body, "LEAK-") || strings.Contains(body, "SECRET") || strings.Contains(body, "secret-topic\"") && !strings.Contains(u, "topic=secret-topic") {
				t.Errorf("GET %s leaked unreviewed content: %s", u, clip(body))
			}
			slug := strings.TrimPrefix(u, "/api/v1/articles/")
			if code, ok := want[slug]; ok && res.Code != code {
				t.Errorf("GET %s: %d, want %d", u, res.Code, code)
			} else if !ok && res.Code != http.StatusOK {
				t.Errorf("GET %s: %d, want 200: %s", u, res.Code, clip(body))
			}
		}
	}
	var snap delivery.Snapshot
	mustJSON(t, d.get("/api/v1/articles/published-main", nil).Body.Bytes(), &snap)
	if len(snap.Related) != 1 || snap.Related[0].Slug != "published-other" {
		t.Errorf("related = %+v, want only published-other", snap.Related)
	}
	var list struct {
		Items []delivery.Summary
		Total int
	}
	mustJSON(t, d.get("/api/v1/articles?topic=secret-topic", nil).Body.Bytes(), &list)
	if list.Total != 0 || len(list.Items) != 0 {
		t.Errorf("secret topic lists %d articles", list.Total)
	}
	mustJSON(t, d.get("/api/v1/articles?limit=100", nil).Body.Bytes(), &list)
	if list.Total != 3 {
		t.Errorf("list total = %d, want the 3 published articles", list.Total)
	}
	// When a related draft is published later, the referring article
	// picks it up; when it is unpublished again, it drops out.
	d.act(asWriter, draft.ID, "submit")
	d.act(asClinician, draft.ID, "approve")
	d.act(asEditor, draft.ID, "publish")
	mustJSON(t, d.get("/api/v1/articles/published-main", nil).Body.Bytes(), &snap)
	if len(snap.Related) != 2 {
		t.Errorf("after publishing a related article, related = %+v", snap.Related)
	}
	d.act(asEditor, draft.ID, "unpublish")
	mustJSON(t, d.get("/api/v1/articles/published-main", nil).Body.Bytes(), &snap)
	if len(snap.Related) != 1 {
		t.Errorf("after unpublishing a related article, related = %+v", snap.Related)
	}
}

// decoded returns the body, gunzipped when it was sent gzipped.
func decoded(t *testing.T, res *httptest.ResponseRecorder) string {
	t.Helper()
	if res.Header().Get("Content-Encoding") != "gzip" {
		return res.Body.String()
	}
	zr, err := gzip.NewReader(bytes.NewReader(res.Body.Bytes()))
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return string(b)
}

func TestDeliveryHTTP(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	b := anArticle().slug("caching-basics").title("Caching <basics> & more").topics("sleep", "anxiety")
	b.c.Sections = []models.Section{{Heading: "Markdown", Body: "**bold** <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.org)\n\n<img src=x onerror=alert(1)>"}}
	b.c.ClinicianTake = &models.ClinicianTake{Body: "Take it *slowly*.", Clinician: d.Users[asClinician].ID}
	b.c.HeroImage = &models.Image{URL: "https://img.example.org/a.jpg", Alt: "A calm room"}
	art := d.publish(b)

	res := d.get("/api/v1/articles/caching-basics", nil)
	if res.Code != http.StatusOK {
		t.Fatalf("by slug: %d %s", res.Code, res.Body)
	}
	tag := res.Header().Get("ETag")
	if !strings.HasPrefix(tag, `"`+art.ContentHash[:16]) {
		t.Errorf("ETag %q is not derived from the content hash %s", tag, art.ContentHash)
	}
	if cc := res.Header().Get("Cache-Control"); cc != "private, max-age=60, stale-while-revalidate=300, stale-if-error=86400" {
		t.Errorf("Cache-Control = %q", cc)
	}
	var snap map[string]any
	mustJSON(t, res.Body.Bytes(), &snap)
	html := snap["sections"].([]any)[0].(map[string]any)["html"].(string)
	if !strings.Contains(html, "<strong>bold</strong>") || strings.Contains(html, "<script") || strings.Contains(html, "javascript:") || strings.Contains(html, "onerror") {
		t.Errorf("section html not rendered and sanitized: %s", html)
	}
	take := snap["clinicianTake"].(map[string]any)
	if take["html"] != "<p>Take it <em>slowly</em>.</p>" || take["clinician"].(map[string]any)["name"] != "Casey Clinician" {
		t.Errorf("clinicianTake = %v", take)
	}
	ld := snap["jsonLd"].(map[string]any)
	if ld["@type"] != "MedicalWebPage" || ld["@context"] != "https://schema.org" || ld["headline"] != "Caching <basics> & more" ||
		ld["reviewedBy"].(map[string]any)["honorificSuffix"] != "MA, LPC" || ld["reviewedBy"].(map[string]any)["@type"] != "Person" ||
		ld["author"].(map[string]any)["name"] != "Wren Writer" || ld["lastReviewed"] == "" || ld["datePublished"] == "" ||
		ld["dateModified"] == "" || ld["image"].(map[string]any)["url"] != "https://img.example.org/a.jpg" || len(ld["about"].([]any)) != 2 {
		t.Errorf("jsonLd = %v", ld)
	}
	if strings.Contains(res.Body.String(), "<basics>") {
		t.Errorf("< and > must be escaped so jsonLd can sit in a script element")
	}
	if snap["review"].(map[string]any)["reviewer"].(map[string]any)["credentials"] != "MA, LPC" || snap["author"].(map[string]any)["name"] != "Wren Writer" {
		t.Errorf("review/author = %v %v", snap["review"], snap["author"])
	}

	runScenarios(t, d.testApp, []scenario{
		{Name: "no token", Method: "GET", URL: "/api/v1/articles/caching-basics", ExpectedStatus: 401},
		{Name: "bad token", Method: "GET", URL: "/api/v1/articles", Headers: map[string]string{"Authorization": "Bearer vd_t_nope.00"}, ExpectedStatus: 401},
		{Name: "session token is not a delivery token", Method: "GET", URL: "/api/v1/topics", As: asAdmin, ExpectedStatus: 401},
		{Name: "304", Method: "GET", URL: "/api/v1/articles/caching-basics", Headers: map[string]string{"Authorization": "Bearer " + d.Token, "If-None-Match": tag}, ExpectedStatus: 304,
			After: func(t *testing.T, r *httptest.ResponseRecorder) {
				if r.Body.Len() != 0 || r.Header().Get("ETag") != tag {
					t.Errorf("304 with body %q, etag %q", r.Body, r.Header().Get("ETag"))
				}
			}},
		{Name: "304 weak in a list", Method: "GET", URL: "/api/v1/articles/caching-basics", Headers: map[string]string{"Authorization": "Bearer " + d.Token, "If-None-Match": `"x", W/` + tag}, ExpectedStatus: 304},
		{Name: "stale etag", Method: "GET", URL: "/api/v1/articles/caching-basics", Headers: map[string]string{"Authorization": "Bearer " + d.Token, "If-None-Match": `"old"`}, ExpectedStatus: 200},
		{Name: "never published", Method: "GET", URL: "/api/v1/articles/never-was", Headers: map[string]string{"Authorization": "Bearer " + d.Token}, ExpectedStatus: 404},
		{Name: "limit over 100", Method: "GET", URL: "/api/v1/articles?limit=101", Headers: map[string]string{"Authorization": "Bearer " + d.Token}, ExpectedStatus: 400, ExpectedContent: []string{`"limit"`}},
		{Name: "bad page", Method: "GET", URL: "/api/v1/articles?page=0", Headers: map[string]string{"Authorization": "Bearer " + d.Token}, ExpectedStatus: 400, ExpectedContent: []string{`"page"`}},
		{Name: "topic", Method: "GET", URL: "/api/v1/articles?topic=sleep", Headers: map[string]string{"Authorization": "Bearer " + d.Token}, ExpectedStatus: 200, ExpectedContent: []string{`"total":1`, "caching-basics"}},
		{Name: "topics", Method: "GET", URL: "/api/v1/topics", Headers: map[string]string{"Authorization": "Bearer " + d.Token}, ExpectedStatus: 200, ExpectedContent: []string{`{"topic":"sleep","count":1}`}},
		{Name: "CORS allowed origin", Method: "GET", URL: "/api/v1/topics", Headers: map[string]string{"Authorization": "Bearer " + d.Token, "Origin": "https://site.example"}, ExpectedStatus: 200,
			After: func(t *testing.T, r *httptest.ResponseRecorder) {
				if r.Header().Get("Access-Control-Allow-Origin") != "https://site.example" || !strings.Contains(r.Header().Get("Vary"), "Origin") {
					t.Errorf("CORS headers: %v", r.Header())
				}
			}},
		{Name: "CORS other origin", Method: "GET", URL: "/api/v1/topics", Headers: map[string]string{"Authorization": "Bearer " + d.Token, "Origin": "https://evil.example"}, ExpectedStatus: 200,
			After: func(t *testing.T, r *httptest.ResponseRecorder) {
				if r.Header().Get("Access-Control-Allow-Origin") != "" {
					t.Errorf("CORS allowed an unlisted origin")
				}
			}},
		{Name: "preflight", Method: "OPTIONS", URL: "/api/v1/articles/caching-basics", Headers: map[string]string{"Origin": "https://site.example", "Access-Control-Request-Method": "GET"}, ExpectedStatus: 204,
			After: func(t *testing.T, r *httptest.ResponseRecorder) {
				if !strings.Contains(r.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
					t.Errorf("preflight headers: %v", r.Header())
				}
			}},
	})

	// gzip: the same document, compressed.
	gz := d.get("/api/v1/articles/caching-basics", map[string]string{"Accept-Encoding": "br, gzip"})
	if gz.Header().Get("Content-Encoding") != "gzip" || decoded(t, gz) != res.Body.String() || gz.Header().Get("ETag") != tag {
		t.Errorf("gzip answer differs: %v", gz.Header())
	}
	if no := d.get("/api/v1/articles/caching-basics", map[string]string{"Accept-Encoding": "gzip;q=0"}); no.Header().Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got gzip")
	}
	head := d.do(http.MethodHead, "/api/v1/articles/caching-basics", "", map[string]string{"Authorization": "Bearer " + d.Token}, asNone)
	if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d %q %v", head.Code, head.Body, head.Header())
	}

	// Rename: the old slug redirects to the new one once the new slug is live.
	cur := d.getArticle(art.ID)
	renamed := anArticle().slug("caching-basics-2").title("Caching, renamed").topics("sleep")
	if r := d.updateArticle(asEditor, art.ID, cur.Version, renamed); r.Code != 200 {
		t.Fatalf("rename: %d %s", r.Code, r.Body)
	}
	if r := d.get("/api/v1/articles/caching-basics", nil); r.Code != 200 {
		t.Errorf("old slug must stay live until the rename is published: %d", r.Code)
	}
	if r := d.get("/api/v1/articles/caching-basics-2", nil); r.Code != 404 {
		t.Errorf("draft slug served before publication: %d", r.Code)
	}
	d.act(asEditor, art.ID, "submit")
	d.act(asClinician, art.ID, "approve")
	d.act(asEditor, art.ID, "publish")
	r := d.get("/api/v1/articles/caching-basics?x=1", nil)
	if r.Code != http.StatusMovedPermanently || r.Header().Get("Location") != "/api/v1/articles/caching-basics-2?x=1" {
		t.Errorf("renamed: %d %v", r.Code, r.Header())
	}
	if r := d.get("/api/v1/articles/caching-basics-2", nil); r.Code != 200 || r.Header().Get("ETag") == tag {
		t.Errorf("new slug: %d etag %s", r.Code, r.Header().Get("ETag"))
	}
	// Unpublish: every slug the article had is gone.
	d.act(asEditor, art.ID, "unpublish")
	for _, s := range []string{"caching-basics", "caching-basics-2"} {
		if r := d.get("/api/v1/articles/"+s, nil); r.Code != http.StatusGone {
			t.Errorf("unpublished %s: %d", s, r.Code)
		}
	}
	// The projection holds the same story, by _id = slug.
	waitFor(t, 2*time.Second, func() bool {
		pd, err := d.Store.Published(context.Background(), "caching-basics-2")
		return err == nil && pd.State == models.SlugGone && pd.ArticleID == art.ID
	})
}

func TestDeliveryPublicAndProjection(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, true)
	art := d.publish(anArticle().slug("open-to-all"))
	res := d.do(http.MethodGet, "/api/v1/articles/open-to-all", "", nil, asNone)
	if res.Code != 200 || res.Header().Get("Cache-Control") != "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400" {
		t.Fatalf("public delivery: %d %v", res.Code, res.Header())
	}
	pd, err := d.Store.Published(context.Background(), "open-to-all")
	if err != nil || pd.State != models.SlugLive || pd.ArticleID != art.ID || pd.ETag != res.Header().Get("ETag") {
		t.Fatalf("projection: %v %+v", err, pd)
	}
	if zr, err := gzip.NewReader(bytes.NewReader(pd.Gzip)); err != nil {
		t.Fatalf("projection's gzip: %v", err)
	} else if stored, _ := io.ReadAll(zr); string(stored) != res.Body.String() {
		t.Fatalf("the projection stores another document than the one served")
	}
	if strings.Contains(pd.Meta, `"sections"`) && !strings.Contains(pd.Meta, `"sections":null`) {
		t.Errorf("the projection's meta repeats the sections: %.200s", pd.Meta)
	}
	// A new instance loads from the projection (or rebuilds it) and
	// serves the same bytes.
	m := delivery.New(d.Articles, d.Svc.Users, d.Store, delivery.Options{})
	if err := m.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	e, _, kind := m.Lookup(context.Background(), "open-to-all")
	if kind != delivery.Found || string(e.JSON) != res.Body.String() {
		t.Fatalf("reloaded read model differs: %d", kind)
	}
}

// TestReloadFromTheProjection: a restarted instance serves each article
// as the projection stored it, byte for byte; and when a profile it
// shows changed while no read model was running (so the stored document
// is stale), it re-encodes it with the new profile and the whole body —
// the sections, which the read model keeps only inside the encoded
// document, are not lost.
func TestReloadFromTheProjection(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	ctx := context.Background()
	body := "Breathing slowly *calms* the body.\n\nTry it for two minutes."
	kept := anArticle().slug("kept-whole").sections(
		models.Section{Heading: "Why it works", Body: body},
		models.Section{Heading: "How to start", Body: "Sit down. Breathe out longer than in."})
	kept.c.Related = []string{"points-further"}
	art := d.publish(kept)
	// Its related article goes live after it: it is re-encoded, its
	// sections taken from the document served so far.
	d.publish(anArticle().slug("points-further"))
	before := d.get("/api/v1/articles/kept-whole", nil)
	if before.Code != 200 || !strings.Contains(before.Body.String(), `\u003cem\u003ecalms\u003c/em\u003e`) || !strings.Contains(before.Body.String(), `"slug":"points-further"`) {
		t.Fatalf("served after the related article went live: %d %s", before.Code, before.Body)
	}
	waitFor(t, 2*time.Second, func() bool {
		pd, err := d.Store.Published(ctx, "kept-whole")
		return err == nil && pd.ETag == before.Header().Get("ETag")
	})

	reload := func() *delivery.ReadModel {
		t.Helper()
		m := delivery.New(d.Articles, d.Svc.Users, d.Store, delivery.Options{Settings: mongostore.NewSettingsStore(d.DB)})
		if err := m.Load(ctx); err != nil {
			t.Fatal(err)
		}
		return m
	}
	e, _, kind := reload().Lookup(ctx, "kept-whole")
	if kind != delivery.Found || string(e.JSON) != before.Body.String() || e.ETag != before.Header().Get("ETag") {
		t.Fatalf("reloaded: kind %d, same bytes %v", kind, kind == delivery.Found && string(e.JSON) == before.Body.String())
	}

	// The author's profile changes behind every read model's back.
	u, err := d.Svc.Users.Get(ctx, art.AuthorID)
	if err != nil {
		t.Fatal(err)
	}
	u.Bio, u.UpdatedAt = "Writes about breathing and sleep.", u.UpdatedAt.Add(time.Second)
	if err := d.Svc.Users.Put(ctx, u); err != nil {
		t.Fatal(err)
	}
	e, _, kind = reload().Lookup(ctx, "kept-whole")
	if kind != delivery.Found {
		t.Fatalf("after the profile change: kind %d", kind)
	}
	var doc struct {
		Author   struct{ Bio string }
		Sections []struct{ Heading, Body, HTML string }
		Related  []struct{ Slug string }
	}
	mustJSON(t, e.JSON, &doc)
	if doc.Author.Bio != u.Bio {
		t.Errorf("re-encoded with the author's old profile: %q", doc.Author.Bio)
	}
	if len(doc.Sections) != 2 || doc.Sections[0].Body != body || !strings.Contains(doc.Sections[0].HTML, "<em>calms</em>") || doc.Sections[1].Heading != "How to start" {
		t.Errorf("re-encoded without its sections: %+v", doc.Sections)
	}
	if zr, err := gzip.NewReader(bytes.NewReader(e.Gzip)); err != nil {
		t.Fatal(err)
	} else if z, _ := io.ReadAll(zr); string(z) != string(e.JSON) {
		t.Errorf("the gzip served is not the JSON served")
	}
}

// TestDeliverySurvivesDatabaseOutage: with the database gone, delivery
// keeps answering from memory, known tokens included.
func TestDeliverySurvivesDatabaseOutage(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	d.publish(anArticle().slug("still-here"))
	before := d.get("/api/v1/articles/still-here", nil)
	if before.Code != 200 {
		t.Fatalf("before outage: %d", before.Code)
	}
	if err := d.DB.Client.Disconnect(context.Background()); err != nil {
		t.Fatalf("disconnect: %v", err)
	}
	if err := d.DB.Ping(context.Background()); err == nil {
		t.Fatalf("the database still answers")
	}
	for _, u := range []string{"/api/v1/articles/still-here", "/api/v1/articles", "/api/v1/topics"} {
		r := d.get(u, nil)
		if r.Code != 200 {
			t.Errorf("during outage GET %s: %d %s", u, r.Code, r.Body)
		}
	}
	if r := d.get("/api/v1/articles/still-here", nil); r.Body.String() != before.Body.String() {
		t.Errorf("during outage the snapshot changed")
	}
	if r := d.get("/api/v1/articles/still-here", map[string]string{"Authorization": "Bearer vd_t_unknown.1"}); r.Code == 200 {
		t.Errorf("an unknown token was accepted during the outage")
	}
}

// secondInstance wires another instance's delivery side on the same
// database, fed by its own log follower, as cmd/vetted wires one.
func (d *dlApp) secondInstance(t *testing.T) *delivery.System {
	t.Helper()
	other := mongostore.NewArticleStore(d.DB)
	if err := other.Load(d.ctx); err != nil {
		t.Fatal(err)
	}
	sys, err := delivery.Setup(d.ctx, delivery.Deps{Articles: other, Users: d.Svc.Users, Store: d.Store, Audit: other.Log, Tokens: d.Svc, Policy: d.Policy, Cursor: other.Log.Cursor}, delivery.Config{})
	if err != nil {
		t.Fatal(err)
	}
	other.OnApply, other.OnOther = sys.Model.OnApply, sys.OnOther
	sys.Start(d.ctx)
	go follow(d.ctx, other, 200*time.Millisecond) // VETTED_SYNC_INTERVAL's default
	return sys
}

// TestDeliveryTwoInstances: a publish on one instance is served by
// another instance on the same database within a second.
func TestDeliveryTwoInstances(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	ctx := d.ctx
	sysB := d.secondInstance(t)

	art := d.createArticle(asWriter, anArticle().slug("seen-elsewhere"))
	d.to(art.ID, "approved")
	d.act(asEditor, art.ID, "publish")
	start := time.Now()
	wait := func(want int) time.Duration {
		for time.Since(start) < 3*time.Second {
			if _, _, k := sysB.Model.Lookup(ctx, "seen-elsewhere"); k == want {
				return time.Since(start)
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("the other instance did not see the change within 3 s")
		return 0
	}
	el := wait(delivery.Found)
	t.Logf("publish visible on the second instance after %s", el)
	if el > time.Second {
		t.Errorf("publish took %s to reach the second instance; want < 1 s", el)
	}
	d.act(asEditor, art.ID, "unpublish")
	start = time.Now()
	el = wait(delivery.Gone)
	t.Logf("unpublish visible on the second instance after %s", el)
	if el > time.Second {
		t.Errorf("unpublish took %s to reach the second instance; want < 1 s", el)
	}
}

// TestTokenRevocationReachesEveryInstance: a revoked delivery token stops
// working at once on the instance that revoked it and within the log
// follower's interval on another — not after the token cache's 30 s.
func TestTokenRevocationReachesEveryInstance(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	ctx := d.ctx
	d.publish(anArticle().slug("revoked-soon"))
	sysB := d.secondInstance(t)

	auth := map[string]string{"Authorization": "Bearer " + d.Token}
	if r := d.get("/api/v1/articles/revoked-soon", auth); r.Code != 200 {
		t.Fatalf("before: %d", r.Code)
	}
	if err := sysB.Tokens.Allow(ctx, d.Token); err != nil {
		t.Fatalf("instance B before: %v", err)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(d.Token, "vd_"), ".")
	if r := d.do(http.MethodDelete, "/api/admin/tokens/"+id, "", nil, asAdmin); r.Code/100 != 2 {
		t.Fatalf("revoke: %d %s", r.Code, r.Body)
	}
	start := time.Now()
	if r := d.get("/api/v1/articles/revoked-soon", auth); r.Code != http.StatusUnauthorized {
		t.Errorf("the revoking instance still serves the token: %d", r.Code)
	}
	for sysB.Tokens.Allow(ctx, d.Token) == nil {
		if time.Since(start) > 3*time.Second {
			t.Fatalf("instance B still accepts the revoked token after 3 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("revocation reached instance B after %s", time.Since(start))
}

func TestWebhooksSignedRetriedLogged(t *testing.T) {
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	type got struct {
		sig, event, id string
		body           []byte
	}
	var received []got
	calls := 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		<-mu
		calls++
		n := calls
		received = append(received, got{r.Header.Get("X-Vetted-Signature"), r.Header.Get("X-Vetted-Event"), r.Header.Get("X-Vetted-Delivery"), b})
		mu <- struct{}{}
		if n <= 2 {
			w.WriteHeader(500) // the first two attempts fail
			return
		}
		w.WriteHeader(204)
	}))
	defer rcv.Close()
	d := newDeliveryApp(t, delivery.Config{AllowPrivateWebhooks: true, WebhookBackoff: 50 * time.Millisecond}, false)
	res := d.do(http.MethodPost, "/api/admin/webhooks", fmt.Sprintf(`{"url":%q,"events":["article.published","article.unpublished","article.recertified"]}`, rcv.URL), nil, asAdmin)
	if res.Code != http.StatusCreated {
		t.Fatalf("create webhook: %d %s", res.Code, res.Body)
	}
	var hook struct{ ID, Secret string }
	mustJSON(t, res.Body.Bytes(), &hook)
	if !strings.HasPrefix(hook.Secret, "whsec_") {
		t.Fatalf("secret not shown: %s", res.Body)
	}
	if r := d.do(http.MethodGet, "/api/admin/webhooks", "", nil, asAdmin); r.Code != 200 || strings.Contains(r.Body.String(), hook.Secret) {
		t.Errorf("list webhooks: %d, secret shown again: %v", r.Code, strings.Contains(r.Body.String(), hook.Secret))
	}
	if r := d.do(http.MethodGet, "/api/admin/webhooks", "", nil, asEditor); r.Code != 403 {
		t.Errorf("an editor listed webhooks: %d", r.Code)
	}
	art := d.publish(anArticle().slug("hooked"))
	waitFor(t, 5*time.Second, func() bool {
		<-mu
		defer func() { mu <- struct{}{} }()
		return calls >= 3
	})
	<-mu
	for _, g := range received {
		if !delivery.VerifySignature(hook.Secret, g.sig, g.body, time.Now(), 5*time.Minute) {
			t.Errorf("signature %q does not verify", g.sig)
		}
		if delivery.VerifySignature("whsec_wrong", g.sig, g.body, time.Now(), 5*time.Minute) {
			t.Errorf("signature verifies with another secret")
		}
		var p delivery.Payload
		if err := json.Unmarshal(g.body, &p); err != nil || p.Event != "article.published" || p.Data.Slug != "hooked" || p.Data.ArticleID != art.ID || g.event != p.Event || g.id != p.ID {
			t.Errorf("payload %s (%v)", g.body, err)
		}
	}
	mu <- struct{}{}
	var log struct {
		Items []struct {
			Status   string
			Attempts int
			Event    string
		}
	}
	waitFor(t, 5*time.Second, func() bool {
		r := d.do(http.MethodGet, "/api/admin/webhooks/"+hook.ID+"/deliveries", "", nil, asAdmin)
		mustJSON(t, r.Body.Bytes(), &log)
		return len(log.Items) == 1 && log.Items[0].Status == models.DeliveryDelivered
	})
	if log.Items[0].Attempts != 3 {
		t.Errorf("delivery log: %+v; want delivered after 3 attempts", log.Items)
	}
	d.act(asClinician, art.ID, "recertify")
	d.act(asEditor, art.ID, "unpublish")
	waitFor(t, 5*time.Second, func() bool {
		r := d.do(http.MethodGet, "/api/admin/webhooks/"+hook.ID+"/deliveries", "", nil, asAdmin)
		mustJSON(t, r.Body.Bytes(), &log)
		ok := len(log.Items) == 3
		for _, it := range log.Items {
			ok = ok && it.Status == models.DeliveryDelivered
		}
		return ok
	})
	if log.Items[0].Event != "article.unpublished" || log.Items[1].Event != "article.recertified" {
		t.Errorf("events: %+v", log.Items)
	}
	if r := d.do(http.MethodDelete, "/api/admin/webhooks/"+hook.ID, "", nil, asAdmin); r.Code != 204 {
		t.Errorf("delete webhook: %d", r.Code)
	}
}

func TestWebhookTargetsMustBePublic(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	for _, u := range []string{"http://127.0.0.1:9/x", "http://localhost:9/", "http://10.1.2.3/", "http://[::1]/", "http://169.254.169.254/latest", "ftp://example.org/", "http://user:pw@example.org/"} {
		res := d.do(http.MethodPost, "/api/admin/webhooks", fmt.Sprintf(`{"url":%q,"events":["article.published"]}`, u), nil, asAdmin)
		if res.Code != 400 || !strings.Contains(res.Body.String(), `"url"`) {
			t.Errorf("webhook to %s: %d %s", u, res.Code, res.Body)
		}
	}
	res := d.do(http.MethodPost, "/api/admin/webhooks", `{"url":"https://hooks.example.org/v","events":["article.deleted"]}`, nil, asAdmin)
	if res.Code != 400 || !strings.Contains(res.Body.String(), "events[0]") {
		t.Errorf("unknown event: %d %s", res.Code, res.Body)
	}
}

// TestWebhookSubscribesToEveryEvent: every event in models.WebhookEvents
// (audit.checkpoint included) can be subscribed to through the API, as the
// admin UI offers them (the validation once listed only the article events).
func TestWebhookSubscribesToEveryEvent(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	events, _ := json.Marshal(models.WebhookEvents)
	res := d.do(http.MethodPost, "/api/admin/webhooks", fmt.Sprintf(`{"url":"https://hooks.example.org/all","events":%s}`, events), nil, asAdmin)
	if res.Code != http.StatusCreated {
		t.Fatalf("subscribe to %s: %d %s", events, res.Code, res.Body)
	}
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("condition not met within %s", d)
}
