package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/models"
)

// previewToken creates a preview-scoped token as the admin.
func (d *dlApp) previewToken(t *testing.T) string {
	t.Helper()
	res := d.do(http.MethodPost, "/api/admin/tokens", `{"name":"site preview","scope":"preview"}`, nil, asAdmin)
	if res.Code != http.StatusCreated {
		t.Fatalf("create preview token: %d %s", res.Code, res.Body)
	}
	var tok struct{ Token, Scope string }
	mustJSON(t, res.Body.Bytes(), &tok)
	if tok.Scope != "preview" || !strings.HasPrefix(tok.Token, "vp_") {
		t.Fatalf("preview token %+v", tok)
	}
	return tok.Token
}

// TestPreview: a preview token reads a working copy in the delivery shape,
// marked as a preview, unsigned unless it is exactly the signed content,
// never cached or indexed; it reads nothing else, and a delivery token
// cannot preview.
func TestPreview(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	pv := d.previewToken(t)
	rel := d.publish(anArticle().slug("pv-related").title("Related live"))
	_ = rel
	b := anArticle().slug("pv-draft").title("Draft title").sections(models.Section{Heading: "H", Body: "Hello **world** <script>alert(1)</script> [x](javascript:alert(1))"})
	b.c.Related = []string{"pv-related", "pv-nowhere"}
	b.c.ClinicianTake = &models.ClinicianTake{Body: "My *take*.", Clinician: d.Users[asClinician].ID}
	draft := d.createArticle(asWriter, b)
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	url := "/api/v1/preview/articles/" + draft.ID

	res := d.do(http.MethodGet, url, "", bearer(pv), asNone)
	if res.Code != http.StatusOK {
		t.Fatalf("preview: %d %s", res.Code, res.Body)
	}
	if cc, rb := res.Header().Get("Cache-Control"), res.Header().Get("X-Robots-Tag"); cc != "no-store" || rb != "noindex" {
		t.Errorf("headers Cache-Control %q X-Robots-Tag %q", cc, rb)
	}
	var doc struct {
		Preview  bool   `json:"preview"`
		ID       string `json:"id"`
		Slug     string `json:"slug"`
		Title    string `json:"title"`
		Sections []struct{ Body, HTML string }
		Review   struct {
			Signed    bool   `json:"signed"`
			Statement string `json:"statement"`
		} `json:"review"`
		Related       []struct{ Slug string }
		ClinicianTake *struct {
			HTML      string
			Clinician struct{ Name string }
		} `json:"clinicianTake"`
	}
	mustJSON(t, res.Body.Bytes(), &doc)
	if !doc.Preview || doc.ID != draft.ID || doc.Slug != "pv-draft" || doc.Title != "Draft title" || doc.Review.Signed || !strings.Contains(doc.Review.Statement, "not yet signed off") {
		t.Errorf("preview document: %s", res.Body.String())
	}
	if h := doc.Sections[0].HTML; !strings.Contains(h, "<strong>world</strong>") || strings.Contains(h, "<script") || strings.Contains(h, "javascript:") {
		t.Errorf("section html not rendered and sanitized as delivery does: %q", h)
	}
	if len(doc.Related) != 1 || doc.Related[0].Slug != "pv-related" {
		t.Errorf("related %+v, want the live one only", doc.Related)
	}
	if doc.ClinicianTake == nil || doc.ClinicianTake.Clinician.Name != "Casey Clinician" || !strings.Contains(doc.ClinicianTake.HTML, "<em>take</em>") {
		t.Errorf("clinician's take %+v", doc.ClinicianTake)
	}

	// Approved: the working copy is exactly the signed content.
	d.to(draft.ID, "approved")
	res = d.do(http.MethodGet, url, "", bearer(pv), asNone)
	if !strings.Contains(res.Body.String(), `"signed":true`) || !strings.Contains(res.Body.String(), `"preview":true`) {
		t.Errorf("approved preview: %s", clip(res.Body.String()))
	}

	runScenarios(t, d.testApp, []scenario{
		{Name: "a delivery token cannot preview", Method: "GET", URL: url, Headers: bearer(d.Token), ExpectedStatus: 403},
		{Name: "no token", Method: "GET", URL: url, ExpectedStatus: 401},
		{Name: "a made-up preview token", Method: "GET", URL: url, Headers: bearer("vp_t_0000000000000000.abc"), ExpectedStatus: 401},
		{Name: "a session token", Method: "GET", URL: url, Headers: bearer(d.Tokens[asEditor]), ExpectedStatus: 401},
		{Name: "an unknown article", Method: "GET", URL: "/api/v1/preview/articles/a_missing", Headers: bearer(pv), ExpectedStatus: 404},
		{Name: "preview token on a published article route", Method: "GET", URL: "/api/v1/articles/pv-related", Headers: bearer(pv), ExpectedStatus: 403},
		{Name: "preview token on the draft's slug", Method: "GET", URL: "/api/v1/articles/pv-draft", Headers: bearer(pv), ExpectedStatus: 403},
		{Name: "preview token on the list", Method: "GET", URL: "/api/v1/articles", Headers: bearer(pv), ExpectedStatus: 403},
		{Name: "preview token on topics", Method: "GET", URL: "/api/v1/topics", Headers: bearer(pv), ExpectedStatus: 403},
		{Name: "preview token on search", Method: "GET", URL: "/api/v1/search?q=draft", Headers: bearer(pv), ExpectedStatus: 403},
		{Name: "preview token on the management API", Method: "GET", URL: "/api/admin/articles/" + draft.ID, Headers: bearer(pv), ExpectedStatus: 403},
		{Name: "preview token on the token list", Method: "GET", URL: "/api/admin/tokens", Headers: bearer(pv), ExpectedStatus: 403},
		{Name: "token list carries scopes", Method: "GET", URL: "/api/admin/tokens", As: asAdmin, ExpectedStatus: 200,
			ExpectedContent: []string{`"scope":"preview"`, `"scope":"delivery"`}},
		{Name: "an unknown scope", Method: "POST", URL: "/api/admin/tokens", Body: `{"name":"x","scope":"admin"}`, As: asAdmin, ExpectedStatus: 400,
			ExpectedContent: []string{`"scope"`}},
	})

	// A revoked preview token is refused.
	var list struct {
		Items []struct{ ID, Scope string }
	}
	mustJSON(t, d.do(http.MethodGet, "/api/admin/tokens", "", nil, asAdmin).Body.Bytes(), &list)
	for _, it := range list.Items {
		if it.Scope == "preview" {
			d.do(http.MethodDelete, "/api/admin/tokens/"+it.ID, "", nil, asAdmin)
		}
	}
	if res := d.do(http.MethodGet, url, "", bearer(pv), asNone); res.Code != http.StatusUnauthorized {
		t.Errorf("revoked preview token: %d", res.Code)
	}
}

// TestPreviewTokenOnPublicDelivery: public delivery needs no token, but
// a preview token still reads nothing but previews.
func TestPreviewTokenOnPublicDelivery(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, true)
	pv := d.previewToken(t)
	d.publish(anArticle().slug("pub-live"))
	if res := d.do(http.MethodGet, "/api/v1/articles/pub-live", "", nil, asNone); res.Code != http.StatusOK {
		t.Fatalf("public read: %d", res.Code)
	}
	if res := d.do(http.MethodGet, "/api/v1/articles/pub-live", "", map[string]string{"Authorization": "Bearer " + pv}, asNone); res.Code != http.StatusForbidden {
		t.Errorf("preview token on public delivery: %d, want 403", res.Code)
	}
}

// TestMePreviewURL: every member learns the site's preview link template.
func TestMePreviewURL(t *testing.T) {
	a := newTestApp(t)
	const tmpl = "https://www.example.org/api/draft?id={id}&slug={slug}"
	body, _ := json.Marshal(map[string]any{"publisher": map[string]string{"name": "P", "url": "", "logoUrl": ""},
		"editorialPolicy": map[string]string{"statement": "", "url": ""}, "previewUrl": tmpl})
	if res := a.do(http.MethodPut, "/api/admin/settings", string(body), nil, asAdmin); res.Code != http.StatusOK {
		t.Fatalf("settings: %d %s", res.Code, res.Body)
	}
	for _, as := range []string{asWriter, asClinician, asEditor} {
		res := a.do(http.MethodGet, "/api/admin/me", "", nil, as)
		var me struct {
			PreviewURL *string `json:"previewUrl"`
		}
		mustJSON(t, res.Body.Bytes(), &me)
		if me.PreviewURL == nil || *me.PreviewURL != tmpl {
			t.Errorf("%s: previewUrl %v", as, me.PreviewURL)
		}
	}
}
