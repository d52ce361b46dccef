package handlers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/models"
)

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPIDocument)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi.json is %s; want 3.1", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIDescribesRealResponses sends real requests to both APIs and
// validates every answer (status, headers, body) against the document,
// so the document cannot drift from the code.
func TestOpenAPIDescribesRealResponses(t *testing.T) {
	doc := loadOpenAPI(t)
	d := newDeliveryApp(t, delivery.Config{AllowPrivateWebhooks: true}, false)
	rel := d.publish(anArticle().slug("oa-related"))
	b := anArticle().slug("oa-main").topics("anxiety", "sleep")
	b.c.Related = []string{"oa-related"}
	b.c.ClinicianTake = &models.ClinicianTake{Body: "Take *care*.", Clinician: d.Users[asClinician].ID}
	b.c.HeroImage = &models.Image{URL: "https://img.example/x.jpg", Alt: "x", Caption: "c", Credit: "cr"}
	b.c.CTA = &models.CTA{Heading: "h", Body: "b", Label: "l", URL: "https://example.org"}
	b.c.SEO = &models.SEO{Title: "t", Description: "d", CanonicalURL: "https://site.example/oa-main"}
	main := d.publish(b)
	draft := d.createArticle(asWriter, anArticle().slug("oa-draft"))
	gone := d.publish(anArticle().slug("oa-gone"))
	d.act(asEditor, gone.ID, "unpublish")
	cur := d.getArticle(rel.ID)
	if r := d.updateArticle(asEditor, rel.ID, cur.Version, anArticle().slug("oa-related-2")); r.Code != 200 {
		t.Fatalf("rename: %d", r.Code)
	}
	d.to(rel.ID, "published")
	hook := d.do(http.MethodPost, "/api/admin/webhooks", `{"url":"https://hooks.example.org/in","events":["article.published"]}`, nil, asAdmin)
	var wh struct{ ID string }
	mustJSON(t, hook.Body.Bytes(), &wh)
	tok := "Bearer " + d.Token
	etagOf := func(path string) string { return d.get(path, nil).Header().Get("ETag") }
	pv := "Bearer " + d.previewToken(t)
	cm := d.comment(asClinician, main.ID, "sections[0].body", "Line one.", "Cite a source.")
	cm2 := d.comment(asClinician, main.ID, "title", "Article", "Shorter?")
	cmURL := "/api/admin/articles/" + main.ID + "/comments"
	sched := d.createArticle(asWriter, anArticle().slug("oa-sched"))
	d.to(sched.ID, "approved")

	cases := []struct {
		method, tmpl, url, body, as string
		headers                     map[string]string
		status                      int
	}{
		{"POST", "/api/admin/session", "/api/admin/session", `{"email":"nobody@example.org","password":"wrong-password-x"}`, asNone, nil, 401},
		{"GET", "/api/admin/me", "/api/admin/me", "", asEditor, nil, 200},
		{"GET", "/api/admin/me", "/api/admin/me", "", asNone, nil, 401},
		{"GET", "/api/admin/users", "/api/admin/users", "", asAdmin, nil, 200},
		{"GET", "/api/admin/users", "/api/admin/users", "", asWriter, nil, 403},
		{"GET", "/api/admin/users/{id}", "/api/admin/users/" + d.Users[asClinician].ID, "", asAdmin, nil, 200},
		{"GET", "/api/admin/articles", "/api/admin/articles?limit=5", "", asEditor, nil, 200},
		{"POST", "/api/admin/articles", "/api/admin/articles", anArticle().json(), asWriter, nil, 201},
		{"POST", "/api/admin/articles", "/api/admin/articles", `{"slug":"Bad Slug"}`, asWriter, nil, 400},
		{"GET", "/api/admin/articles/{id}", "/api/admin/articles/" + main.ID, "", asEditor, nil, 200},
		{"GET", "/api/admin/articles/{id}", "/api/admin/articles/a_missing", "", asEditor, nil, 404},
		{"PUT", "/api/admin/articles/{id}", "/api/admin/articles/" + draft.ID, anArticle().slug("oa-draft").json(), asWriter, map[string]string{"If-Match": `"99"`}, 409},
		{"PUT", "/api/admin/articles/{id}", "/api/admin/articles/" + draft.ID, `{"slug":"oa-draft"}`, asWriter, map[string]string{"If-Match": `"1"`}, 400},
		{"PATCH", "/api/admin/articles/{id}", "/api/admin/articles/" + draft.ID, `{"summary":"Patched."}`, asWriter, map[string]string{"If-Match": `"1"`, "Content-Type": mergePatchType}, 200},
		{"PATCH", "/api/admin/articles/{id}", "/api/admin/articles/" + draft.ID, `{"summary":"Stale."}`, asWriter, map[string]string{"If-Match": `"1"`, "Content-Type": mergePatchType}, 409},
		{"PATCH", "/api/admin/articles/{id}", "/api/admin/articles/" + draft.ID, `{"summary":"x"}`, asWriter, map[string]string{"If-Match": `"2"`}, 415},
		{"PATCH", "/api/admin/articles/{id}", "/api/admin/articles/" + draft.ID, `{"summary":"x"}`, asWriter, map[string]string{"Content-Type": mergePatchType}, 428},
		{"GET", "/api/admin/roles", "/api/admin/roles", "", asWriter, nil, 200},
		{"GET", "/api/admin/articles/{id}/revisions", "/api/admin/articles/" + main.ID + "/revisions", "", asEditor, nil, 200},
		{"GET", "/api/admin/articles/{id}/revisions/{rev}", "/api/admin/articles/" + main.ID + "/revisions/1", "", asEditor, nil, 200},
		{"GET", "/api/admin/articles/{id}/diff", "/api/admin/articles/" + rel.ID + "/diff?from=1&to=2", "", asEditor, nil, 200},
		{"GET", "/api/admin/articles/{id}/events", "/api/admin/articles/" + main.ID + "/events", "", asEditor, nil, 200},
		{"GET", "/api/admin/articles/{id}/signatures", "/api/admin/articles/" + main.ID + "/signatures", "", asEditor, nil, 200},
		{"POST", "/api/admin/articles/{id}/transitions", "/api/admin/articles/" + draft.ID + "/transitions", `{"action":"submit"}`, asWriter, nil, 200},
		{"POST", "/api/admin/articles/{id}/transitions", "/api/admin/articles/" + draft.ID + "/transitions", `{"action":"publish"}`, asEditor, nil, 409},
		{"GET", "/api/admin/reviews/due", "/api/admin/reviews/due", "", asEditor, nil, 200},
		{"GET", "/api/admin/articles", "/api/admin/articles?status=in_review&sort=waiting", "", asClinician, nil, 200},
		{"POST", "/api/admin/articles/{id}/transitions", "/api/admin/articles/" + sched.ID + "/transitions", `{"action":"publish","publishAt":"2099-01-01T00:00:00Z"}`, asEditor, nil, 200},
		{"POST", "/api/admin/articles/{id}/transitions", "/api/admin/articles/" + sched.ID + "/transitions", `{"action":"unschedule"}`, asEditor, nil, 200},
		{"POST", "/api/admin/articles/{id}/transitions", "/api/admin/articles/" + sched.ID + "/transitions", `{"action":"unschedule"}`, asEditor, nil, 409},
		{"GET", "/api/admin/articles/{id}/comments", cmURL, "", asWriter, nil, 200},
		{"POST", "/api/admin/articles/{id}/comments", cmURL, `{"body":"Which study?","anchor":{"path":"summary","quote":"short summary"}}`, asEditor, nil, 201},
		{"POST", "/api/admin/articles/{id}/comments", cmURL, `{"body":"x","anchor":{"path":"slug","quote":"oa"}}`, asEditor, nil, 400},
		{"POST", "/api/admin/articles/{id}/comments", cmURL, `{"body":"x","anchor":{"path":"title","quote":"oa"}}`, asAdmin, nil, 403},
		{"PATCH", "/api/admin/articles/{id}/comments/{cid}", cmURL + "/" + cm.ID, `{"body":"Cite a guideline."}`, asClinician, nil, 200},
		{"PATCH", "/api/admin/articles/{id}/comments/{cid}", cmURL + "/" + cm.ID, `{"body":"mine"}`, asEditor, nil, 403},
		{"POST", "/api/admin/articles/{id}/comments/{cid}/replies", cmURL + "/" + cm.ID + "/replies", `{"body":"Done."}`, asWriter, nil, 201},
		{"PATCH", "/api/admin/articles/{id}/comments/{cid}", cmURL + "/" + cm.ID, `{"body":"again"}`, asClinician, nil, 409},
		{"POST", "/api/admin/articles/{id}/comments/{cid}/resolve", cmURL + "/" + cm2.ID + "/resolve", "", asWriter, nil, 200},
		{"GET", "/api/admin/articles/{id}/comments", cmURL, "", asWriter, nil, 200},
		{"GET", "/api/admin/clinicians", "/api/admin/clinicians", "", asWriter, nil, 200},
		{"GET", "/api/v1/preview/articles/{id}", "/api/v1/preview/articles/" + draft.ID, "", asNone, map[string]string{"Authorization": pv}, 200},
		{"GET", "/api/v1/preview/articles/{id}", "/api/v1/preview/articles/" + main.ID, "", asNone, map[string]string{"Authorization": pv}, 200},
		{"GET", "/api/v1/preview/articles/{id}", "/api/v1/preview/articles/" + draft.ID, "", asNone, map[string]string{"Authorization": tok}, 403},
		{"GET", "/api/v1/preview/articles/{id}", "/api/v1/preview/articles/" + draft.ID, "", asNone, nil, 401},
		{"GET", "/api/v1/preview/articles/{id}", "/api/v1/preview/articles/a_missing", "", asNone, map[string]string{"Authorization": pv}, 404},
		{"GET", "/api/v1/articles/{slug}", "/api/v1/articles/oa-main", "", asNone, map[string]string{"Authorization": pv}, 403},
		{"GET", "/api/admin/me", "/api/admin/me", "", asNone, map[string]string{"Authorization": pv}, 403},
		{"POST", "/api/admin/tokens", "/api/admin/tokens", `{"name":"preview site","scope":"preview"}`, asAdmin, nil, 201},
		{"GET", "/api/admin/tokens", "/api/admin/tokens", "", asAdmin, nil, 200},
		{"POST", "/api/admin/tokens", "/api/admin/tokens", `{"name":"another site"}`, asAdmin, nil, 201},
		{"GET", "/api/admin/webhooks", "/api/admin/webhooks", "", asAdmin, nil, 200},
		{"POST", "/api/admin/webhooks", "/api/admin/webhooks", `{"url":"https://hooks.example.org/2","events":["article.unpublished"]}`, asAdmin, nil, 201},
		{"GET", "/api/admin/webhooks/{id}/deliveries", "/api/admin/webhooks/" + wh.ID + "/deliveries", "", asAdmin, nil, 200},
		{"GET", "/api/admin/audit", "/api/admin/audit?limit=20", "", asAdmin, nil, 200},
		{"GET", "/api/admin/audit/verify", "/api/admin/audit/verify", "", asAdmin, nil, 200},
		{"GET", "/api/admin/audit/anchor", "/api/admin/audit/anchor", "", asAdmin, nil, 200},
		{"GET", "/api/v1/articles", "/api/v1/articles?sort=updated", "", asNone, map[string]string{"Authorization": tok}, 200},
		{"GET", "/api/v1/articles", "/api/v1/articles", "", asNone, map[string]string{"Authorization": tok}, 200},
		{"GET", "/api/v1/articles", "/api/v1/articles?topic=sleep&page=1&limit=2", "", asNone, map[string]string{"Authorization": tok}, 200},
		{"GET", "/api/v1/articles", "/api/v1/articles?limit=500", "", asNone, map[string]string{"Authorization": tok}, 400},
		{"GET", "/api/v1/articles", "/api/v1/articles", "", asNone, nil, 401},
		{"GET", "/api/v1/articles/{slug}", "/api/v1/articles/oa-main", "", asNone, map[string]string{"Authorization": tok}, 200},
		{"GET", "/api/v1/articles/{slug}", "/api/v1/articles/oa-main", "", asNone, map[string]string{"Authorization": tok, "If-None-Match": etagOf("/api/v1/articles/oa-main")}, 304},
		{"GET", "/api/v1/articles/{slug}", "/api/v1/articles/oa-related", "", asNone, map[string]string{"Authorization": tok}, 301},
		{"GET", "/api/v1/articles/{slug}", "/api/v1/articles/oa-draft", "", asNone, map[string]string{"Authorization": tok}, 404},
		{"GET", "/api/v1/articles/{slug}", "/api/v1/articles/oa-gone", "", asNone, map[string]string{"Authorization": tok}, 410},
		{"GET", "/api/v1/topics", "/api/v1/topics", "", asNone, map[string]string{"Authorization": tok}, 200},
		{"GET", "/api/v1/search", "/api/v1/search?q=summary&limit=5", "", asNone, map[string]string{"Authorization": tok}, 200},
		{"GET", "/api/v1/search", "/api/v1/search?q=", "", asNone, map[string]string{"Authorization": tok}, 400},
		{"GET", "/api/openapi.json", "/api/openapi.json", "", asNone, nil, 200},
		{"GET", "/healthz", "/healthz", "", asNone, nil, 200},
		{"GET", "/readyz", "/readyz", "", asNone, nil, 200},
		// Last: a settings change re-encodes every snapshot (new ETags).
		{"PUT", "/api/admin/settings", "/api/admin/settings", `{"publisher":{"name":"Calm Minds","url":"https://calm.example","logoUrl":"https://calm.example/l.png"},"editorialPolicy":{"statement":"Reviewed.","url":""},"previewUrl":""}`, asAdmin, nil, 200},
		{"PUT", "/api/admin/settings", "/api/admin/settings", `{"publisher":{"name":"","url":"ftp://x","logoUrl":""},"editorialPolicy":{"statement":"","url":""},"previewUrl":""}`, asAdmin, nil, 400},
		{"GET", "/api/admin/settings", "/api/admin/settings", "", asAdmin, nil, 200},
		{"GET", "/api/admin/settings", "/api/admin/settings", "", asEditor, nil, 403},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %s %d", c.method, c.url, c.status), func(t *testing.T) {
			res := d.do(c.method, c.url, c.body, c.headers, c.as)
			if res.Code != c.status {
				t.Fatalf("status %d, want %d: %s", res.Code, c.status, clip(res.Body.String()))
			}
			validateResponse(t, doc, c.method, c.tmpl, c.url, res)
			covered[c.method+" "+c.tmpl] = true
		})
	}
	// Every delivery operation is exercised.
	for _, k := range []string{"GET /api/v1/articles", "GET /api/v1/articles/{slug}", "GET /api/v1/topics", "GET /api/v1/search", "GET /api/v1/preview/articles/{id}"} {
		if !covered[k] {
			t.Errorf("%s not validated", k)
		}
	}
	// Every route the server registers is in the document.
	for _, r := range d.Router.Routes() {
		if r.Method == http.MethodOptions || r.Method == http.MethodHead {
			continue
		}
		tmpl := r.Path
		for _, seg := range strings.Split(r.Path, "/") {
			if strings.HasPrefix(seg, ":") {
				tmpl = strings.Replace(tmpl, seg, "{"+seg[1:]+"}", 1)
			}
		}
		if !strings.HasPrefix(tmpl, "/api/") {
			continue
		}
		if item := doc.Paths.Value(tmpl); item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("route %s %s is not in openapi.json", r.Method, tmpl)
		}
	}
}

func validateResponse(t *testing.T, doc *openapi3.T, method, tmpl, url string, res *httptest.ResponseRecorder) {
	t.Helper()
	item := doc.Paths.Value(tmpl)
	if item == nil {
		t.Fatalf("%s is not in openapi.json", tmpl)
	}
	op := item.GetOperation(method)
	if op == nil {
		t.Fatalf("%s %s is not in openapi.json", method, tmpl)
	}
	req := httptest.NewRequest(method, url, nil)
	params := map[string]string{}
	tparts, uparts := strings.Split(tmpl, "/"), strings.Split(strings.SplitN(url, "?", 2)[0], "/")
	for i, p := range tparts {
		if strings.HasPrefix(p, "{") && i < len(uparts) {
			params[strings.Trim(p, "{}")] = uparts[i]
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params,
			Route: &routers.Route{Spec: doc, Path: tmpl, PathItem: item, Method: method, Operation: op}},
		Status: res.Code, Header: res.Header(),
		Body:    io.NopCloser(bytes.NewReader(res.Body.Bytes())),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		t.Errorf("%s %s → %d does not match openapi.json: %v\nbody: %s", method, url, res.Code, err, clip(res.Body.String()))
	}
}
