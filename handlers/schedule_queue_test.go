package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/models"
)

func (a *testApp) transition(as, id, body string) *articleView {
	a.t.Helper()
	res := a.do(http.MethodPost, "/api/admin/articles/"+id+"/transitions", body, nil, as)
	if res.Code != http.StatusOK {
		a.t.Fatalf("transition %s: %d %s", body, res.Code, res.Body)
	}
	var v articleView
	mustJSON(a.t, res.Body.Bytes(), &v)
	return &v
}

type articleView struct {
	Status         string     `json:"status"`
	ScheduledAt    *time.Time `json:"scheduledAt"`
	AllowedActions []struct {
		Action  string `json:"action"`
		Allowed bool   `json:"allowed"`
		Reason  string `json:"reason"`
	} `json:"allowedActions"`
}

func (v *articleView) allowed(action string) (bool, string) {
	for _, av := range v.AllowedActions {
		if av.Action == action {
			return av.Allowed, av.Reason
		}
	}
	return false, "not listed"
}

// TestScheduleRescheduleUnschedule: a scheduled publish can be moved and
// cancelled; both are audited; the status stays approved.
func TestScheduleRescheduleUnschedule(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	art := d.createArticle(asWriter, anArticle().slug("sched"))
	d.to(art.ID, "approved")
	at1 := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)
	at2 := at1.Add(24 * time.Hour)
	v := d.transition(asEditor, art.ID, `{"action":"publish","publishAt":"`+at1.Format(time.RFC3339)+`"}`)
	if v.Status != "approved" || v.ScheduledAt == nil || !v.ScheduledAt.Equal(at1) {
		t.Fatalf("scheduled: %+v", v)
	}
	if ok, _ := v.allowed("unschedule"); !ok {
		t.Errorf("unschedule not offered on a scheduled article")
	}
	v = d.transition(asEditor, art.ID, `{"action":"publish","publishAt":"`+at2.Format(time.RFC3339)+`"}`)
	if v.ScheduledAt == nil || !v.ScheduledAt.Equal(at2) {
		t.Fatalf("rescheduled: %+v", v.ScheduledAt)
	}
	runScenarios(t, d.testApp, []scenario{
		{Name: "a writer may not unschedule", Method: "POST", URL: "/api/admin/articles/" + art.ID + "/transitions", Body: `{"action":"unschedule"}`, As: asWriter, ExpectedStatus: 403},
	})
	v = d.transition(asEditor, art.ID, `{"action":"unschedule"}`)
	if v.Status != "approved" || v.ScheduledAt != nil {
		t.Fatalf("unscheduled: %+v", v)
	}
	if ok, _ := v.allowed("unschedule"); ok {
		t.Errorf("unschedule offered with nothing scheduled")
	}
	runScenarios(t, d.testApp, []scenario{
		{Name: "nothing left to unschedule", Method: "POST", URL: "/api/admin/articles/" + art.ID + "/transitions", Body: `{"action":"unschedule"}`, As: asEditor,
			ExpectedStatus: 409, ExpectedContent: []string{`"code":"not_scheduled"`}},
	})
	// The scheduler does not publish a cancelled schedule.
	d.Svc.Now = func() time.Time { return at2.Add(time.Hour) }
	d.Svc.Scheduled(d.ctx)
	d.Svc.Now = models.Now
	if got := d.getArticle(art.ID).Status; got != "approved" {
		t.Errorf("after a cancelled schedule fell due: %s", got)
	}
	var evs struct{ Items []struct{ Action string } }
	mustJSON(t, d.do(http.MethodGet, "/api/admin/articles/"+art.ID+"/events", "", nil, asEditor).Body.Bytes(), &evs)
	var actions []string
	for _, e := range evs.Items {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); !strings.HasSuffix(got, "publish,publish,unschedule") {
		t.Errorf("events %s, want two schedules and an unschedule last", got)
	}
}

// TestRepublishWithoutNewSignoff: unchanged signed content goes live
// again after an unpublish while its sign-off is current; past its
// re-review date, or after an edit, it needs a new sign-off.
func TestRepublishWithoutNewSignoff(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	art := d.publish(anArticle().slug("again"))
	d.act(asEditor, art.ID, "unpublish")
	if res := d.get("/api/v1/articles/again", nil); res.Code != http.StatusGone {
		t.Fatalf("after unpublish: %d", res.Code)
	}
	// Past the re-review date: refused, with the reason.
	interval := d.Svc.ReviewInterval
	d.Svc.ReviewInterval = time.Millisecond // the sign-off is now past due
	res := d.do(http.MethodPost, "/api/admin/articles/"+art.ID+"/transitions", `{"action":"publish"}`, nil, asEditor)
	if res.Code != http.StatusConflict || !strings.Contains(res.Body.String(), `"code":"signoff_needed"`) || !strings.Contains(res.Body.String(), "new sign-off") {
		t.Fatalf("republish past re-review: %d %s", res.Code, res.Body)
	}
	d.Svc.ReviewInterval = interval
	v := d.transition(asEditor, art.ID, `{"action":"publish"}`)
	if v.Status != "published" {
		t.Fatalf("republished: %+v", v)
	}
	if res := d.get("/api/v1/articles/again", nil); res.Code != http.StatusOK {
		t.Fatalf("delivery after republish: %d", res.Code)
	}
	// Edited after an unpublish: a new sign-off is needed (the edit makes
	// a draft, which publish does not start from).
	d.act(asEditor, art.ID, "unpublish")
	cur := d.getArticle(art.ID)
	if r := d.updateArticle(asWriter, art.ID, cur.Version, anArticle().slug("again").title("Changed")); r.Code != 200 {
		t.Fatalf("edit: %d %s", r.Code, r.Body)
	}
	res = d.do(http.MethodPost, "/api/admin/articles/"+art.ID+"/transitions", `{"action":"publish"}`, nil, asEditor)
	if res.Code != http.StatusConflict {
		t.Fatalf("publish after an edit: %d %s", res.Code, res.Body)
	}
}

// TestReviewQueue: list items say when they were submitted and whether
// changes were requested before; sort=waiting puts the oldest first.
func TestReviewQueue(t *testing.T) {
	a := newTestApp(t)
	first := a.createArticle(asWriter, anArticle())
	second := a.createArticle(asWriter, anArticle())
	a.transition(asWriter, first.ID, `{"action":"submit"}`)
	time.Sleep(5 * time.Millisecond)
	a.transition(asWriter, second.ID, `{"action":"submit"}`)
	a.transition(asClinician, first.ID, `{"action":"request_changes","comment":"cite it"}`)
	time.Sleep(5 * time.Millisecond)
	a.transition(asWriter, first.ID, `{"action":"submit"}`) // now the newest submission
	type row struct {
		ID           string     `json:"id"`
		SubmittedAt  *time.Time `json:"submittedAt"`
		Resubmission bool       `json:"resubmission"`
	}
	list := func(q string) []row {
		res := a.do(http.MethodGet, "/api/admin/articles?status=in_review"+q, "", nil, asClinician)
		if res.Code != http.StatusOK {
			t.Fatalf("list: %d %s", res.Code, res.Body)
		}
		var out struct{ Items []row }
		mustJSON(t, res.Body.Bytes(), &out)
		return out.Items
	}
	rows := list("&sort=waiting")
	if len(rows) != 2 || rows[0].ID != second.ID || rows[1].ID != first.ID {
		t.Fatalf("sort=waiting: %+v", rows)
	}
	if rows[0].Resubmission || !rows[1].Resubmission || rows[0].SubmittedAt == nil || !rows[0].SubmittedAt.Before(*rows[1].SubmittedAt) {
		t.Errorf("queue fields: %+v", rows)
	}
	if res := a.do(http.MethodGet, "/api/admin/articles?sort=oldest", "", nil, asClinician); res.Code != http.StatusBadRequest {
		t.Errorf("unknown sort: %d", res.Code)
	}
}

// TestAuditRowsNameTheirObject: token, webhook, user and article rows say
// which one.
func TestAuditRowsNameTheirObject(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{AllowPrivateWebhooks: true}, false)
	art := d.createArticle(asWriter, anArticle().title("Sleep and mood"))
	res := d.do(http.MethodPost, "/api/admin/webhooks", `{"url":"https://hooks.example.org/labelled","events":["article.published"]}`, nil, asAdmin)
	var wh struct{ ID string }
	mustJSON(t, res.Body.Bytes(), &wh)
	d.do(http.MethodDelete, "/api/admin/webhooks/"+wh.ID, "", nil, asAdmin)
	var rows struct {
		Items []struct {
			Action, Subject, ArticleID, ObjectLabel string
		}
	}
	mustJSON(t, d.do(http.MethodGet, "/api/admin/audit?limit=200", "", nil, asAdmin).Body.Bytes(), &rows)
	found := map[string]string{}
	for _, r := range rows.Items {
		key := r.Action
		if r.Action == models.ActionWebhook {
			key += ":" + r.Subject
		}
		if _, seen := found[key]; !seen {
			found[key] = r.ObjectLabel
		}
		if r.ArticleID == art.ID && r.ObjectLabel != "Sleep and mood" {
			t.Errorf("article row %s labelled %q", r.Action, r.ObjectLabel)
		}
	}
	if found[models.ActionTokenCreate] != "site" {
		t.Errorf("token row labelled %q", found[models.ActionTokenCreate])
	}
	if found[models.ActionWebhook+":"+wh.ID] != "https://hooks.example.org/labelled" {
		t.Errorf("webhook rows labelled %q", found[models.ActionWebhook+":"+wh.ID])
	}
	if l := found[models.ActionUserCreate]; !strings.Contains(l, "<") || !strings.Contains(l, "@example.org>") {
		t.Errorf("user row labelled %q", l)
	}
}

// TestClinicians: every member lists who may be credited with a take:
// active users whose roles may approve others' articles.
func TestClinicians(t *testing.T) {
	a := newTestApp(t)
	res := a.do(http.MethodGet, "/api/admin/clinicians", "", nil, asWriter)
	if res.Code != http.StatusOK {
		t.Fatalf("clinicians: %d %s", res.Code, res.Body)
	}
	var out struct {
		Items []map[string]any `json:"items"`
	}
	mustJSON(t, res.Body.Bytes(), &out)
	if len(out.Items) != 1 || out.Items[0]["id"] != a.Users[asClinician].ID || out.Items[0]["name"] != "Casey Clinician" || out.Items[0]["credentials"] != "MA, LPC" {
		b, _ := json.Marshal(out)
		t.Fatalf("clinicians %s", b)
	}
	if _, ok := out.Items[0]["title"]; !ok {
		t.Errorf("no title")
	}
}
