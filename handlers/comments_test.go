package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
)

// commentResp is a comment as the API answers it.
type commentResp struct {
	ID             string        `json:"id"`
	Body           string        `json:"body"`
	Anchor         models.Anchor `json:"anchor"`
	PassageChanged bool          `json:"passageChanged"`
	AuthorID       string        `json:"authorId"`
	AuthorName     string        `json:"authorName"`
	EditedAt       *string       `json:"editedAt"`
	Resolved       bool          `json:"resolved"`
	ResolvedBy     string        `json:"resolvedBy"`
	ResolvedByName string        `json:"resolvedByName"`
	ResolvedAt     *string       `json:"resolvedAt"`
	Replies        []struct {
		ID, Body, AuthorID, AuthorName string
	} `json:"replies"`
}

func (a *testApp) comment(as, id, path, quote, body string) *commentResp {
	a.t.Helper()
	b, _ := json.Marshal(map[string]any{"body": body, "anchor": map[string]string{"path": path, "quote": quote}})
	res := a.do(http.MethodPost, "/api/admin/articles/"+id+"/comments", string(b), nil, as)
	if res.Code != http.StatusCreated {
		a.t.Fatalf("comment: %d %s", res.Code, res.Body)
	}
	var c commentResp
	mustJSON(a.t, res.Body.Bytes(), &c)
	return &c
}

func (a *testApp) comments(as, id string) []commentResp {
	a.t.Helper()
	res := a.do(http.MethodGet, "/api/admin/articles/"+id+"/comments", "", nil, as)
	if res.Code != http.StatusOK {
		a.t.Fatalf("list comments: %d %s", res.Code, res.Body)
	}
	var out struct{ Items []commentResp }
	mustJSON(a.t, res.Body.Bytes(), &out)
	return out.Items
}

func openComments(t *testing.T, a *testApp, id string) int {
	t.Helper()
	res := a.do(http.MethodGet, "/api/admin/articles/"+id, "", nil, asWriter)
	var v struct {
		OpenComments *int `json:"openComments"`
	}
	mustJSON(t, res.Body.Bytes(), &v)
	if v.OpenComments == nil {
		t.Fatalf("article answer has no openComments: %s", clip(res.Body.String()))
	}
	return *v.OpenComments
}

// TestCommentThread walks one thread through the API: a clinician
// comments on a passage, edits it while nobody replied, the writer cannot
// edit it and replies, the clinician can no longer edit, the writer
// resolves it; the article counts open comments; every step is in the
// audit trail and the chain verifies.
func TestCommentThread(t *testing.T) {
	a := newTestApp(t)
	art := a.createArticle(asWriter, anArticle().sections(models.Section{Heading: "Sleep", Body: "Adults need **seven hours** of sleep.\n\nNaps help."}))
	hashBefore := a.getArticle(art.ID).ContentHash

	c := a.comment(asClinician, art.ID, "sections[0].body", "seven hours of sleep", "Cite a source for this claim.")
	if !strings.HasPrefix(c.ID, "c_") || c.AuthorID != a.Users[asClinician].ID || c.AuthorName != "Casey Clinician" || c.Resolved || c.PassageChanged ||
		c.Anchor.Path != "sections[0].body" || c.Replies == nil || len(c.Replies) != 0 || c.EditedAt != nil {
		t.Fatalf("created comment: %+v", c)
	}
	if got := openComments(t, a, art.ID); got != 1 {
		t.Errorf("openComments %d, want 1", got)
	}
	if h := a.getArticle(art.ID).ContentHash; h != hashBefore {
		t.Errorf("a comment changed the content hash")
	}
	url := "/api/admin/articles/" + art.ID + "/comments/" + c.ID
	runScenarios(t, a, []scenario{
		{Name: "the author edits before any reply", Method: "PATCH", URL: url, Body: `{"body":"Cite a peer-reviewed source."}`, As: asClinician,
			ExpectedStatus: 200, ExpectedContent: []string{`"body":"Cite a peer-reviewed source."`, `"editedAt":"`}},
		{Name: "someone else may not edit", Method: "PATCH", URL: url, Body: `{"body":"mine now"}`, As: asWriter,
			ExpectedStatus: 403, ExpectedContent: []string{`"code":"not_author"`}},
		{Name: "the writer replies", Method: "POST", URL: url + "/replies", Body: `{"body":"Added the AASM guideline."}`, As: asWriter,
			ExpectedStatus: 201, ExpectedContent: []string{`"replies":[{"id":"r_`, `"authorName":"Wren Writer"`, `"body":"Cite a peer-reviewed source."`}},
		{Name: "no edit after a reply", Method: "PATCH", URL: url, Body: `{"body":"changed my mind"}`, As: asClinician,
			ExpectedStatus: 409, ExpectedContent: []string{`"code":"comment_has_replies"`}},
		{Name: "an empty reply", Method: "POST", URL: url + "/replies", Body: `{"body":"  "}`, As: asWriter,
			ExpectedStatus: 400, ExpectedContent: []string{`"body"`}},
		{Name: "an unknown comment", Method: "POST", URL: "/api/admin/articles/" + art.ID + "/comments/c_missing/replies", Body: `{"body":"x"}`, As: asWriter,
			ExpectedStatus: 404},
		{Name: "the writer resolves", Method: "POST", URL: url + "/resolve", As: asWriter,
			ExpectedStatus: 200, ExpectedContent: []string{`"resolved":true`, `"resolvedByName":"Wren Writer"`, `"resolvedAt":"`}},
		{Name: "resolving again changes nothing", Method: "POST", URL: url + "/resolve", As: asEditor,
			ExpectedStatus: 200, ExpectedContent: []string{`"resolvedByName":"Wren Writer"`}},
	})
	if got := openComments(t, a, art.ID); got != 0 {
		t.Errorf("openComments after resolve %d, want 0", got)
	}
	list := a.comments(asAdmin, art.ID)
	if len(list) != 1 || len(list[0].Replies) != 1 || !list[0].Resolved {
		t.Fatalf("list: %+v", list)
	}
	// Audit: create, edit, reply, resolve (the second resolve is no event).
	res := a.do(http.MethodGet, "/api/admin/audit?articleId="+art.ID, "", nil, asAdmin)
	var audit struct {
		Items []struct {
			Action, Subject, ObjectLabel string
		}
	}
	mustJSON(t, res.Body.Bytes(), &audit)
	count := map[string]int{}
	for _, ev := range audit.Items {
		if strings.HasPrefix(ev.Action, "comment.") {
			count[ev.Action]++
			if ev.ObjectLabel != art.Title {
				t.Errorf("%s objectLabel %q, want the article's title", ev.Action, ev.ObjectLabel)
			}
		}
	}
	want := map[string]int{models.ActionCommentCreate: 1, models.ActionCommentEdit: 1, models.ActionCommentReply: 1, models.ActionCommentResolve: 1}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("comment audit events %v, want %v", count, want)
	}
	v := a.do(http.MethodGet, "/api/admin/audit/verify", "", nil, asAdmin)
	if !strings.Contains(v.Body.String(), `"ok":true`) {
		t.Errorf("audit verify after comments: %s", v.Body)
	}
}

// TestCommentRules: who may start a comment, and what an anchor must be.
func TestCommentRules(t *testing.T) {
	a := newTestApp(t)
	art := a.createArticle(asWriter, anArticle().sections(models.Section{Heading: "Intro", Body: "Breathing slowly calms the body."}))
	post := func(body string) string { return body }
	u := "/api/admin/articles/" + art.ID + "/comments"
	ok := `{"body":"Say how slowly.","anchor":{"path":"sections[0].body","quote":"Breathing slowly"}}`
	runScenarios(t, a, []scenario{
		{Name: "a clinician", Method: "POST", URL: u, Body: ok, As: asClinician, ExpectedStatus: 201},
		{Name: "an editor", Method: "POST", URL: u, Body: ok, As: asEditor, ExpectedStatus: 201},
		{Name: "the article's writer", Method: "POST", URL: u, Body: ok, As: asWriter, ExpectedStatus: 201},
		{Name: "another writer", Method: "POST", URL: u, Body: ok, As: asWriter2, ExpectedStatus: 403},
		{Name: "an admin", Method: "POST", URL: u, Body: ok, As: asAdmin, ExpectedStatus: 403},
		{Name: "nobody", Method: "POST", URL: u, Body: ok, As: asNone, ExpectedStatus: 401},
		{Name: "a path that is no text field", Method: "POST", URL: u, As: asClinician, ExpectedStatus: 400,
			Body: post(`{"body":"x","anchor":{"path":"slug","quote":"article"}}`), ExpectedContent: []string{`"anchor.path"`}},
		{Name: "a section that does not exist", Method: "POST", URL: u, As: asClinician, ExpectedStatus: 400,
			Body: `{"body":"x","anchor":{"path":"sections[4].body","quote":"Breathing"}}`, ExpectedContent: []string{`"anchor.path"`}},
		{Name: "a quote not in the article", Method: "POST", URL: u, As: asClinician, ExpectedStatus: 400,
			Body: `{"body":"x","anchor":{"path":"sections[0].body","quote":"holding your breath"}}`, ExpectedContent: []string{`"anchor.quote"`}},
		{Name: "no body", Method: "POST", URL: u, As: asClinician, ExpectedStatus: 400,
			Body: `{"anchor":{"path":"sections[0].body","quote":"Breathing"}}`, ExpectedContent: []string{`"body"`}},
		{Name: "a body too long", Method: "POST", URL: u, As: asClinician, ExpectedStatus: 400,
			Body: `{"body":"` + strings.Repeat("x", 4001) + `","anchor":{"path":"sections[0].body","quote":"Breathing"}}`, ExpectedContent: []string{`"body"`}},
		{Name: "a quote too long", Method: "POST", URL: u, As: asClinician, ExpectedStatus: 400,
			Body: `{"body":"x","anchor":{"path":"sections[0].body","quote":"` + strings.Repeat("x", 1001) + `"}}`, ExpectedContent: []string{`"anchor.quote"`}},
		{Name: "an unknown field", Method: "POST", URL: u, As: asClinician, ExpectedStatus: 400,
			Body: `{"body":"x","resolved":true,"anchor":{"path":"sections[0].body","quote":"Breathing"}}`},
		{Name: "an unknown article", Method: "POST", URL: "/api/admin/articles/a_missing/comments", As: asClinician, ExpectedStatus: 404, Body: ok},
		{Name: "every member reads", Method: "GET", URL: u, As: asAdmin, ExpectedStatus: 200, ExpectedContent: []string{`"items":[{`}},
	})
	if n := len(a.comments(asWriter2, art.ID)); n != 3 {
		t.Errorf("%d comments, want the 3 allowed", n)
	}
}

// TestCommentReanchoring: a comment follows its quote through edits to
// another field, and says passageChanged once the quote is gone.
func TestCommentReanchoring(t *testing.T) {
	a := newTestApp(t)
	b := anArticle().sections(models.Section{Heading: "One", Body: "Walk [every day](https://example.org) for *thirty* minutes."}, models.Section{Heading: "Two", Body: "Rest."})
	art := a.createArticle(asWriter, b)
	// Quoted as read on the rendered page: no Markdown syntax.
	c := a.comment(asClinician, art.ID, "sections[0].body", "Walk every day for thirty minutes", "Is thirty right?")
	b.sections(models.Section{Heading: "One", Body: "Intro."}, models.Section{Heading: "Two", Body: "Walk [every day](https://example.org) for *thirty*  minutes."})
	if res := a.updateArticle(asWriter, art.ID, 1, b); res.Code != 200 {
		t.Fatalf("edit: %d %s", res.Code, res.Body)
	}
	got := a.comments(asWriter, art.ID)[0]
	if got.ID != c.ID || got.Anchor.Path != "sections[1].body" || got.PassageChanged {
		t.Fatalf("after moving the passage: %+v", got)
	}
	b.sections(models.Section{Heading: "One", Body: "Intro."}, models.Section{Heading: "Two", Body: "Walk for twenty minutes."})
	if res := a.updateArticle(asWriter, art.ID, 2, b); res.Code != 200 {
		t.Fatalf("edit: %d %s", res.Code, res.Body)
	}
	got = a.comments(asWriter, art.ID)[0]
	if !got.PassageChanged || got.Anchor.Quote != "Walk every day for thirty minutes" {
		t.Fatalf("after removing the passage: %+v", got)
	}
}

// TestCommentRacesClaimEntries: concurrent actions on one comment are
// ordered by the claim of each entry: never an edit after a reply, never
// two resolutions.
func TestCommentRacesClaimEntries(t *testing.T) {
	a := newTestApp(t)
	art := a.createArticle(asWriter, anArticle())
	for round := 0; round < 3; round++ {
		c := a.comment(asClinician, art.ID, "sections[0].body", "Line one.", fmt.Sprintf("round %d", round))
		url := "/api/admin/articles/" + art.ID + "/comments/" + c.ID
		var wg sync.WaitGroup
		for i := 0; i < 6; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				switch i % 3 {
				case 0:
					a.do(http.MethodPost, url+"/replies", fmt.Sprintf(`{"body":"reply %d"}`, i), nil, asWriter)
				case 1:
					a.do(http.MethodPatch, url, fmt.Sprintf(`{"body":"edit %d"}`, i), nil, asClinician)
				default:
					a.do(http.MethodPost, url+"/resolve", "", nil, asEditor)
				}
			}(i)
		}
		wg.Wait()
		store := mongostore.NewCommentStore(a.DB)
		replied, resolves := false, 0
		for n := 1; ; n++ {
			e, err := store.CommentEntry(context.Background(), art.ID, n)
			if err != nil {
				break
			}
			if e.CommentID != c.ID {
				continue
			}
			switch e.Kind {
			case models.CommentReply:
				replied = true
			case models.CommentEdit:
				if replied {
					t.Errorf("round %d: entry %d edits the comment after a reply", round, n)
				}
			case models.CommentResolve:
				resolves++
			}
		}
		if resolves != 1 {
			t.Errorf("round %d: %d resolutions, want 1", round, resolves)
		}
	}
}

// TestCommentsNeverDelivered: a published article's comments are in no
// delivery answer, and a comment is no new revision.
func TestCommentsNeverDelivered(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	art := d.publish(anArticle().slug("commented").sections(models.Section{Heading: "H", Body: "Sunlight in the morning helps."}))
	before := d.getArticle(art.ID)
	d.comment(asClinician, art.ID, "sections[0].body", "Sunlight", "SECRET-REVIEW-NOTE please cite")
	after := d.getArticle(art.ID)
	if after.Version != before.Version || after.ContentHash != before.ContentHash || after.Rev != before.Rev {
		t.Fatalf("a comment changed the article: %+v → %+v", before, after)
	}
	for _, u := range []string{"/api/v1/articles/commented", "/api/v1/articles", "/api/v1/search?q=SECRET"} {
		if res := d.get(u, nil); strings.Contains(res.Body.String(), "SECRET-REVIEW-NOTE") {
			t.Errorf("%s delivers a comment", u)
		}
	}
}
