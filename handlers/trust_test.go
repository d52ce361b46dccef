package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/models"
)

// Issue 10 through the HTTP API: a Clinician's take stays its clinician's
// words, the publisher's trust statements and people's profiles reach
// delivery, dates mean one thing each, and the review record reads as one.

const asClinician2 = "clinician2"

// addClinician2 adds a second verified clinician, "Blake Clinician".
func (a *testApp) addClinician2() *models.User {
	a.t.Helper()
	lic := &models.License{Type: "LCSW", Number: "LCSW-2", Jurisdiction: "Oregon", ExpiresOn: "2099-12-31"}
	u := a.createUser(a.Users[asAdmin], "Blake Clinician", models.RoleClinicalReviewer, lic)
	u, err := a.Svc.VerifyLicense(context.Background(), a.Users[asAdmin], u.ID)
	if err != nil {
		a.t.Fatalf("verify: %v", err)
	}
	a.Users[asClinician2] = u
	a.Tokens[asClinician2] = a.login(u.Email, testPassword)
	return u
}

// try performs a transition and returns the answer.
func (a *testApp) try(as, id, action string) *http.Response {
	a.t.Helper()
	body := map[string]string{"action": action, "comment": "please reword the take"}
	if action == "approve" || action == "recertify" {
		body["password"] = testPassword
		body["contentHash"] = a.getArticle(id).ContentHash
	}
	b, _ := json.Marshal(body)
	return a.do(http.MethodPost, "/api/admin/articles/"+id+"/transitions", string(b), nil, as).Result()
}

func (d *dlApp) snapshot(slug string) map[string]any {
	d.t.Helper()
	res := d.get("/api/v1/articles/"+slug, nil)
	if res.Code != http.StatusOK {
		d.t.Fatalf("delivery %s: %d %s", slug, res.Code, res.Body)
	}
	var m map[string]any
	mustJSON(d.t, res.Body.Bytes(), &m)
	return m
}

func at(m map[string]any, keys ...string) any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

// TestClinicianTakeStaysItsClinicians: clinician A's take, signed by A,
// stays credited to A when B re-certifies; B cannot sign a take A has not
// signed; changing the words needs A again.
func TestClinicianTakeStaysItsClinicians(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	b2 := d.addClinician2()
	casey := d.Users[asClinician]
	b := anArticle()
	b.c.ClinicianTake = &models.ClinicianTake{Body: "I have seen therapy allow people to rest.", Clinician: casey.ID}
	art := d.createArticle(asWriter, b)
	d.act(asWriter, art.ID, "submit")
	if res := d.try(asClinician2, art.ID, "approve"); res.StatusCode != http.StatusConflict {
		t.Fatalf("another clinician signed a take its clinician never signed: %d", res.StatusCode)
	}
	d.act(asClinician, art.ID, "approve")
	d.act(asEditor, art.ID, "publish")
	snap := d.snapshot(b.c.Slug)
	if at(snap, "clinicianTake", "clinician", "id") != casey.ID || at(snap, "clinicianTake", "clinician", "name") != "Casey Clinician" ||
		at(snap, "clinicianTake", "clinician", "credentials") != "MA, LPC" {
		t.Fatalf("take not credited to its clinician: %v", snap["clinicianTake"])
	}
	// B re-certifies: B is the reviewer, the take stays Casey's.
	d.act(asClinician2, art.ID, "recertify")
	waitFor(t, 5*time.Second, func() bool {
		return at(d.snapshot(b.c.Slug), "review", "reviewer", "id") == b2.ID
	})
	snap = d.snapshot(b.c.Slug)
	if at(snap, "clinicianTake", "clinician", "id") != casey.ID || at(snap, "clinicianTake", "clinician", "name") != "Casey Clinician" {
		t.Fatalf("a re-certification by another clinician re-attributed the take: %v", snap["clinicianTake"])
	}
	if ld := at(snap, "jsonLd", "reviewedBy", "name"); ld != "Blake Clinician" {
		t.Errorf("jsonLd reviewedBy = %v", ld)
	}
	// Other fields change: B may sign (Casey signed these words already).
	cur := d.getArticle(art.ID)
	b.title("A new title")
	if res := d.updateArticle(asWriter, art.ID, cur.Version, b); res.Code != http.StatusOK {
		t.Fatalf("edit: %d %s", res.Code, res.Body)
	}
	d.act(asWriter, art.ID, "submit")
	d.act(asClinician2, art.ID, "approve")
	d.act(asEditor, art.ID, "publish")
	snap = d.snapshot(b.c.Slug)
	if at(snap, "clinicianTake", "clinician", "id") != casey.ID || at(snap, "review", "reviewer", "id") != b2.ID {
		t.Fatalf("after B's approval: take %v reviewer %v", snap["clinicianTake"], at(snap, "review", "reviewer"))
	}
	// The words change: only Casey can sign them.
	cur = d.getArticle(art.ID)
	b.c.ClinicianTake = &models.ClinicianTake{Body: "Other words Casey never said.", Clinician: casey.ID}
	if res := d.updateArticle(asWriter, art.ID, cur.Version, b); res.Code != http.StatusOK {
		t.Fatalf("edit take: %d %s", res.Code, res.Body)
	}
	d.act(asWriter, art.ID, "submit")
	res := d.try(asClinician2, art.ID, "approve")
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("B signed new words credited to Casey: %d", res.StatusCode)
	}
	d.act(asClinician, art.ID, "approve")
	// The signatures live in the log: Casey's take signature is there.
	sres := d.do(http.MethodGet, "/api/admin/articles/"+art.ID+"/signatures", "", nil, asEditor)
	if !strings.Contains(sres.Body.String(), `"takeHash"`) {
		t.Errorf("no take signature among the article's signatures: %s", clip(sres.Body.String()))
	}
}

// TestTakeNeedsAClinician: a take without its clinician, or credited to
// someone who is not a clinical reviewer, cannot be submitted.
func TestTakeNeedsAClinician(t *testing.T) {
	a := newTestApp(t)
	for name, who := range map[string]string{"none": "", "a writer": a.Users[asWriter2].ID, "nobody": "u_nobody"} {
		b := anArticle()
		b.c.ClinicianTake = &models.ClinicianTake{Body: "Words.", Clinician: who}
		art := a.createArticle(asWriter, b)
		res := a.try(asWriter, art.ID, "submit")
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: submit %d, want 400", name, res.StatusCode)
		}
	}
}

// TestSettingsAndProfilesReachDelivery: settings are admin-only, audited,
// validated, and delivered with every article (and in JSON-LD) without
// republishing; a profile change too, while names stay as signed.
func TestSettingsAndProfilesReachDelivery(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	b := anArticle()
	d.publish(b)
	for _, as := range []string{asWriter, asClinician, asEditor} {
		if res := d.do(http.MethodGet, "/api/admin/settings", "", nil, as); res.Code != http.StatusForbidden {
			t.Errorf("%s reads settings: %d", as, res.Code)
		}
		if res := d.do(http.MethodPut, "/api/admin/settings", `{}`, nil, as); res.Code != http.StatusForbidden {
			t.Errorf("%s writes settings: %d", as, res.Code)
		}
	}
	bad := d.do(http.MethodPut, "/api/admin/settings", `{"publisher":{"name":"X","url":"javascript:alert(1)","logoUrl":""},"editorialPolicy":{"statement":"","url":""},"previewUrl":""}`, nil, asAdmin)
	if bad.Code != http.StatusBadRequest || !strings.Contains(bad.Body.String(), `"publisher.url"`) {
		t.Errorf("bad settings: %d %s", bad.Code, bad.Body)
	}
	body := `{"publisher":{"name":"Calm Minds","url":"https://calm.example","logoUrl":"https://calm.example/logo.png"},` +
		`"editorialPolicy":{"statement":"Every piece of content is thoroughly reviewed by a clinician before publishing.","url":"https://calm.example/editorial"},"previewUrl":""}`
	before := d.tail()
	if res := d.do(http.MethodPut, "/api/admin/settings", body, nil, asAdmin); res.Code != http.StatusOK {
		t.Fatalf("put settings: %d %s", res.Code, res.Body)
	}
	if res := d.do(http.MethodGet, "/api/admin/settings", "", nil, asAdmin); !strings.Contains(res.Body.String(), "Calm Minds") {
		t.Errorf("get settings: %s", res.Body)
	}
	ev, err := d.Articles.Log.Get(context.Background(), before+1)
	if err != nil || ev.Action != models.ActionSettings || ev.Data.Settings == nil || ev.Data.Settings.Publisher.Name != "Calm Minds" {
		t.Errorf("settings change not audited: %+v %v", ev, err)
	}
	waitFor(t, 5*time.Second, func() bool { return at(d.snapshot(b.c.Slug), "publisher", "name") == "Calm Minds" })
	snap := d.snapshot(b.c.Slug)
	if at(snap, "editorialPolicy", "statement") == nil || at(snap, "jsonLd", "publisher", "@type") != "Organization" ||
		at(snap, "jsonLd", "publisher", "logo", "url") != "https://calm.example/logo.png" {
		t.Errorf("settings not delivered: publisher %v policy %v ld %v", snap["publisher"], snap["editorialPolicy"], at(snap, "jsonLd", "publisher"))
	}

	// The clinician edits their own profile and name: the profile shows,
	// the name stays as signed.
	casey := d.Users[asClinician]
	res := d.do(http.MethodPatch, "/api/admin/users/"+casey.ID, `{"title":"Clinical reviewer","url":"https://calm.example/people/casey",`+
		`"photoUrl":"https://calm.example/casey.jpg","photoAlt":"Casey smiling","name":"Casey Renamed"}`, nil, asClinician)
	if res.Code != http.StatusOK {
		t.Fatalf("patch profile: %d %s", res.Code, res.Body)
	}
	if res := d.do(http.MethodPatch, "/api/admin/users/"+casey.ID, `{"photoUrl":"https://calm.example/x.jpg","photoAlt":""}`, nil, asClinician); res.Code != http.StatusBadRequest {
		t.Errorf("a photo without alt text: %d", res.Code)
	}
	waitFor(t, 5*time.Second, func() bool {
		return at(d.snapshot(b.c.Slug), "review", "reviewer", "title") == "Clinical reviewer"
	})
	snap = d.snapshot(b.c.Slug)
	r := at(snap, "review", "reviewer").(map[string]any)
	if r["name"] != "Casey Clinician" || r["url"] != "https://calm.example/people/casey" || r["photoUrl"] != "https://calm.example/casey.jpg" || r["photoAlt"] != "Casey smiling" {
		t.Errorf("reviewer = %v", r)
	}
	if at(snap, "jsonLd", "reviewedBy", "url") != "https://calm.example/people/casey" || at(snap, "jsonLd", "reviewedBy", "image") != "https://calm.example/casey.jpg" {
		t.Errorf("jsonLd reviewedBy = %v", at(snap, "jsonLd", "reviewedBy"))
	}
	// The writer's profile reaches author.url.
	if res := d.do(http.MethodPatch, "/api/admin/users/"+d.Users[asWriter].ID, `{"title":"Staff writer","url":"https://calm.example/people/wren"}`, nil, asWriter); res.Code != http.StatusOK {
		t.Fatalf("patch writer: %d %s", res.Code, res.Body)
	}
	waitFor(t, 5*time.Second, func() bool {
		return at(d.snapshot(b.c.Slug), "jsonLd", "author", "url") == "https://calm.example/people/wren"
	})
	if at(d.snapshot(b.c.Slug), "author", "title") != "Staff writer" {
		t.Errorf("author title not delivered")
	}
}

// TestMeImageHostsAndCSP: the admin learns the vetted image hosts, and
// the admin CSP lets images load from exactly those.
func TestMeImageHostsAndCSP(t *testing.T) {
	a := newTestApp(t)
	a.Server.ImageHosts = []string{"images.example.org"}
	a.Router = a.Server.Router()
	res := a.do(http.MethodGet, "/api/admin/me", "", nil, asWriter)
	if !strings.Contains(res.Body.String(), `"imageHosts":["images.example.org"]`) {
		t.Errorf("me = %s", res.Body)
	}
	csp := res.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "img-src 'self' data: https://images.example.org;") || strings.Contains(csp, "https:;") || strings.Contains(csp, "https: ") {
		t.Errorf("CSP = %q", csp)
	}
}

// TestMarkdownRulesAndDates: images need alt text (submit names the
// section), the intro may have no heading, raw HTML dressed as the app
// never reaches delivery, the CTA body is rendered, and the dates keep
// one meaning each; sort=updated orders by the last change.
func TestMarkdownRulesAndDates(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	b := anArticle()
	b.c.Sections = []models.Section{{Heading: "", Body: "An intro."}, {Heading: "Pictures", Body: "![](/media/chart.png)"}}
	art := d.createArticle(asWriter, b)
	res := d.try(asWriter, art.ID, "submit")
	var e apiError
	_ = json.NewDecoder(res.Body).Decode(&e)
	if res.StatusCode != http.StatusBadRequest || e.Error.Fields["sections[1].body"] == "" || e.Error.Fields["sections[0].heading"] != "" {
		t.Fatalf("submit with an image without alt text: %d %+v", res.StatusCode, e)
	}
	b.c.Sections[1].Body = "![a chart of sleep hours](/media/chart.png)\n\n<div class=\"alert alert-ok\" role=\"status\">Approved <a class=\"btn btn-primary\" href=\"https://x.example\">Sign</a></div>\n\n![pixel](https://tracker.example/p.gif)"
	b.c.CTA = &models.CTA{Heading: "Talk to someone", Body: "Call **988** any time.", Label: "Find help", URL: "https://calm.example/help"}
	b.c.HeroImage = &models.Image{URL: "https://img.example.org/a.jpg", Alt: "A calm room", Caption: "Rest matters", Credit: "Photo: A. Person"}
	if res := d.updateArticle(asWriter, art.ID, d.getArticle(art.ID).Version, b); res.Code != http.StatusOK {
		t.Fatalf("save: %d %s", res.Code, res.Body)
	}
	d.to(art.ID, "published")
	snap := d.snapshot(b.c.Slug)
	html := snap["sections"].([]any)[1].(map[string]any)["html"].(string)
	if !strings.Contains(html, `<img src="/media/chart.png" alt="a chart of sleep hours"`) || strings.Contains(html, "class=") ||
		strings.Contains(html, "role=") || strings.Contains(html, "tracker.example") {
		t.Errorf("section html = %s", html)
	}
	if at(snap, "cta", "html") != "<p>Call <strong>988</strong> any time.</p>" || at(snap, "heroImage", "credit") != "Photo: A. Person" ||
		at(snap, "jsonLd", "image", "caption") != "Rest matters" {
		t.Errorf("cta %v hero %v", snap["cta"], snap["heroImage"])
	}
	first := snap["firstPublishedAt"]
	if first == nil || first != snap["publishedAt"] || at(snap, "jsonLd", "datePublished") == nil || snap["lastReviewed"] == nil {
		t.Fatalf("dates: %v %v", first, snap["publishedAt"])
	}
	// A second article, then a correction of the first: the default
	// order keeps first publications; sort=updated puts the correction first.
	other := anArticle()
	d.publish(other)
	cur := d.getArticle(art.ID)
	b.title("Corrected title")
	if res := d.updateArticle(asWriter, art.ID, cur.Version, b); res.Code != http.StatusOK {
		t.Fatalf("correct: %d %s", res.Code, res.Body)
	}
	d.to(art.ID, "published")
	snap = d.snapshot(b.c.Slug)
	if snap["firstPublishedAt"] != first || snap["publishedAt"] == first {
		t.Errorf("firstPublishedAt moved or publishedAt did not: %v → %v, %v", first, snap["firstPublishedAt"], snap["publishedAt"])
	}
	if at(snap, "jsonLd", "dateModified") == at(snap, "jsonLd", "datePublished") {
		t.Errorf("dateModified should be this version's publication")
	}
	order := func(q string) []string {
		var l struct{ Items []struct{ Slug string } }
		mustJSON(t, d.get("/api/v1/articles"+q, nil).Body.Bytes(), &l)
		var out []string
		for _, it := range l.Items {
			out = append(out, it.Slug)
		}
		return out
	}
	if o := order(""); len(o) != 2 || o[0] != other.c.Slug {
		t.Errorf("default order %v: the corrected article jumped to the top", o)
	}
	if o := order("?sort=updated"); len(o) != 2 || o[0] != b.c.Slug {
		t.Errorf("sort=updated order %v", o)
	}
	if res := d.get("/api/v1/articles?sort=random", nil); res.Code != http.StatusBadRequest {
		t.Errorf("sort=random: %d", res.Code)
	}
}

// TestReviewRecord: requested changes show on the article until it is
// resubmitted; the diff compares with the revision changes were requested
// on; autosaves fold into the submitted revision.
func TestReviewRecord(t *testing.T) {
	a := newTestApp(t)
	b := anArticle()
	art := a.createArticle(asWriter, b)
	a.try(asWriter, art.ID, "submit")
	if res := a.try(asClinician, art.ID, "request_changes"); res.StatusCode != http.StatusOK {
		t.Fatalf("request changes: %d", res.StatusCode)
	}
	var view struct {
		ChangesRequested *models.ChangeRequest `json:"changesRequested"`
		Rev              int64                 `json:"rev"`
	}
	mustJSON(t, a.do(http.MethodGet, "/api/admin/articles/"+art.ID, "", nil, asWriter).Body.Bytes(), &view)
	if view.ChangesRequested == nil || view.ChangesRequested.Comment != "please reword the take" || view.ChangesRequested.ActorName != "Casey Clinician" || view.ChangesRequested.Rev != 1 {
		t.Fatalf("changesRequested = %+v", view.ChangesRequested)
	}
	requestedOn := view.Rev
	for i := 0; i < 3; i++ { // autosaves
		b.title("Autosave " + string(rune('A'+i)))
		if res := a.updateArticle(asWriter, art.ID, a.getArticle(art.ID).Version, b); res.Code != http.StatusOK {
			t.Fatalf("save: %d %s", res.Code, res.Body)
		}
	}
	a.try(asWriter, art.ID, "submit")
	mustJSON(t, a.do(http.MethodGet, "/api/admin/articles/"+art.ID, "", nil, asWriter).Body.Bytes(), &view)
	if view.ChangesRequested != nil {
		t.Errorf("changesRequested still set after resubmission: %+v", view.ChangesRequested)
	}
	var diff struct {
		From, To int64
		Changes  []models.Change
	}
	mustJSON(t, a.do(http.MethodGet, "/api/admin/articles/"+art.ID+"/diff", "", nil, asClinician).Body.Bytes(), &diff)
	if diff.From != requestedOn || diff.To != view.Rev || len(diff.Changes) != 1 || diff.Changes[0].Path != "title" {
		t.Errorf("default diff = %+v (want from %d to %d, the title)", diff, requestedOn, view.Rev)
	}
	var revs struct {
		Items []models.RevisionGroup `json:"items"`
	}
	mustJSON(t, a.do(http.MethodGet, "/api/admin/articles/"+art.ID+"/revisions", "", nil, asClinician).Body.Bytes(), &revs)
	if len(revs.Items) != 2 || revs.Items[0].Rev != 4 || !revs.Items[0].Submitted || revs.Items[0].Folded != 2 || revs.Items[1].Rev != 1 {
		t.Errorf("revisions = %+v", revs.Items)
	}
}
