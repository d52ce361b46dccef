package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/service"
)

func TestCreateArticle(t *testing.T) {
	a := newTestApp(t)
	ok := anArticle()
	dup := anArticle()
	a.createArticle(asWriter, dup)
	before := a.tail()
	serverOwned := []string{"id", "status", "version", "rev", "authorId", "contentHash", "live", "approval",
		"createdAt", "updatedAt", "editorsSinceSignoff", "everPublished", "scheduledAt", "lastReviewed", "nextReviewDue", "allowedActions"}
	var ss []scenario
	for _, f := range serverOwned {
		ss = append(ss, scenario{Name: "server-owned " + f, Method: http.MethodPost, URL: "/api/admin/articles",
			Body: strings.TrimSuffix(anArticle().json(), "}") + fmt.Sprintf(`,%q:"x"}`, f), As: asWriter,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"invalid"`, "unknown field"}})
	}
	ss = append(ss,
		scenario{Name: "case-variant server field", Method: http.MethodPost, URL: "/api/admin/articles",
			Body: `{"title":"T","Status":"published"}`, As: asWriter, ExpectedStatus: http.StatusBadRequest},
		scenario{Name: "case-variant duplicate key", Method: http.MethodPost, URL: "/api/admin/articles",
			Body: `{"title":"T","TITLE":"U"}`, As: asWriter, ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{"twice"}},
		scenario{Name: "duplicate key", Method: http.MethodPost, URL: "/api/admin/articles",
			Body: `{"title":"T","title":"U"}`, As: asWriter, ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{"twice"}},
		scenario{Name: "duplicate key after an empty object", Method: http.MethodPost, URL: "/api/admin/articles",
			Body: `{"heroImage":{},"title":"T","title":"U"}`, As: asWriter, ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{"twice"}},
		scenario{Name: "duplicate nested key after an empty array", Method: http.MethodPost, URL: "/api/admin/articles",
			Body: `{"topics":[],"seo":{"title":"a","TITLE":"b"},"title":"T"}`, As: asWriter, ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{"twice"}},
		scenario{Name: "dollar key after an empty object", Method: http.MethodPost, URL: "/api/admin/articles",
			Body: `{"cta":{},"seo":{"$set":"x"},"title":"T"}`, As: asWriter, ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{"$"}},
		scenario{Name: "taken slug", Method: http.MethodPost, URL: "/api/admin/articles", Body: anArticle().slug(dup.c.Slug).json(),
			As: asWriter, ExpectedStatus: http.StatusConflict, ExpectedContent: []string{`"slug"`}},
		scenario{Name: "invalid fields named by path", Method: http.MethodPost, URL: "/api/admin/articles",
			Body: anArticle().slug("Not A Slug").sections(models.Section{Heading: strings.Repeat("h", 201)}).json(), As: asWriter,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"slug"`, `"sections[0].heading"`}},
	)
	runScenarios(t, a, ss)
	if got := a.tail(); got != before {
		t.Fatalf("refused creates wrote %d events", got-before)
	}
	runScenarios(t, a, []scenario{
		{Name: "valid with empty objects", Method: http.MethodPost, URL: "/api/admin/articles",
			Body: `{"seo":{},"cta":{},"title":"Empty objects are fine"}`, As: asWriter, ExpectedStatus: http.StatusCreated,
			ExpectedContent: []string{`"slug":"empty-objects-are-fine"`}},
		{Name: "valid", Method: http.MethodPost, URL: "/api/admin/articles", Body: ok.json(), As: asWriter,
			ExpectedStatus: http.StatusCreated,
			ExpectedContent: []string{`"status":"draft"`, `"version":1`, `"rev":1`, `"authorId":"` + a.Users[asWriter].ID + `"`,
				`"contentHash":"` + ok.c.Hash() + `"`, `"live":null`, `"allowedActions":[{"action":"submit","allowed":true`},
			After: func(t *testing.T, res *httptest.ResponseRecorder) {
				if res.Header().Get("ETag") != `"1"` {
					t.Errorf("ETag %q", res.Header().Get("ETag"))
				}
			}},
	})
}

func TestGetUpdateWithVersions(t *testing.T) {
	a := newTestApp(t)
	b := anArticle()
	art := a.createArticle(asWriter, b)
	u := "/api/admin/articles/" + art.ID
	runScenarios(t, a, []scenario{
		{Name: "get has ETag", Method: http.MethodGet, URL: u, As: asClinician, ExpectedStatus: http.StatusOK,
			ExpectedContent: []string{`"id":"` + art.ID + `"`, `"sections":[{"heading":"First"`},
			After: func(t *testing.T, res *httptest.ResponseRecorder) {
				if res.Header().Get("ETag") != `"1"` {
					t.Errorf("ETag %q", res.Header().Get("ETag"))
				}
			}},
		{Name: "unknown article", Method: http.MethodGet, URL: "/api/admin/articles/a_nope", As: asEditor, ExpectedStatus: http.StatusNotFound},
		{Name: "missing version", Method: http.MethodPut, URL: u, Body: b.title("v2").json(), As: asWriter,
			ExpectedStatus: http.StatusPreconditionRequired, ExpectedContent: []string{"precondition_required"}},
		{Name: "malformed If-Match", Method: http.MethodPut, URL: u, Body: b.title("v2").json(), As: asWriter,
			Headers: map[string]string{"If-Match": "*"}, ExpectedStatus: http.StatusBadRequest},
		{Name: "If-Match", Method: http.MethodPut, URL: u, Body: b.title("v2").json(), As: asWriter,
			Headers: map[string]string{"If-Match": `"1"`}, ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"version":2`, `"title":"v2"`},
			After: func(t *testing.T, res *httptest.ResponseRecorder) {
				if res.Header().Get("ETag") != `"2"` {
					t.Errorf("ETag %q", res.Header().Get("ETag"))
				}
			}},
		{Name: "stale If-Match", Method: http.MethodPut, URL: u, Body: b.title("lost").json(), As: asWriter,
			Headers: map[string]string{"If-Match": `"1"`}, ExpectedStatus: http.StatusConflict,
			ExpectedContent: []string{`"conflict"`, `"current":{`, `"version":2`, `"title":"v2"`}},
		{Name: "version in body", Method: http.MethodPut, URL: u, Body: strings.TrimSuffix(b.title("v3").json(), "}") + `,"version":2}`,
			As: asWriter, ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"version":3`}},
		{Name: "stale version in body", Method: http.MethodPut, URL: u, Body: strings.TrimSuffix(b.title("lost").json(), "}") + `,"version":2}`,
			As: asWriter, ExpectedStatus: http.StatusConflict, ExpectedContent: []string{`"current":{`, `"version":3`}},
		{Name: "weak If-Match", Method: http.MethodPut, URL: u, Body: b.title("v4").json(), As: asWriter,
			Headers: map[string]string{"If-Match": `W/"3"`}, ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"version":4`}},
		{Name: "server field in update", Method: http.MethodPut, URL: u, Body: strings.TrimSuffix(b.json(), "}") + `,"status":"published"}`,
			As: asWriter, Headers: map[string]string{"If-Match": `"4"`}, ExpectedStatus: http.StatusBadRequest},
		{Name: "unchanged content is no new version", Method: http.MethodPut, URL: u, Body: b.title("v4").json(), As: asWriter,
			Headers: map[string]string{"If-Match": `"4"`}, ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"version":4`}},
	})
	if got := a.getArticle(art.ID); got.Version != 4 || got.Title != "v4" || got.Rev != 4 {
		t.Fatalf("after the updates: %+v", got)
	}
}

// TestRevisionsAndHashes: every save writes a revision whose contentHash
// is the sha-256 of the content's canonical JSON, recomputed here from the
// bytes the server returns.
func TestRevisionsAndHashes(t *testing.T) {
	a := newTestApp(t)
	b := anArticle()
	art := a.createArticle(asWriter, b)
	contents := []models.Content{b.content()}
	for i := 2; i <= 4; i++ {
		b.title(fmt.Sprintf("Title %d", i))
		b.c.ClinicianTake = &models.ClinicianTake{Body: fmt.Sprintf("take <%d> & more", i), Clinician: a.Users[asClinician].ID}
		if res := a.updateArticle(asWriter, art.ID, int64(i-1), b); res.Code != http.StatusOK {
			t.Fatalf("save %d: %d %s", i, res.Code, res.Body)
		}
		contents = append(contents, b.content())
	}
	res := a.do(http.MethodGet, "/api/admin/articles/"+art.ID+"/revisions?all=1", "", nil, asClinician)
	var list struct {
		Items []struct {
			Rev          int64  `json:"rev"`
			ContentHash  string `json:"contentHash"`
			EditedBy     string `json:"editedBy"`
			EditedByName string `json:"editedByName"`
		} `json:"items"`
	}
	mustJSON(t, res.Body.Bytes(), &list)
	if len(list.Items) != 4 {
		t.Fatalf("%d revisions, want 4: %s", len(list.Items), res.Body)
	}
	seen := map[string]bool{}
	for i, it := range list.Items {
		if want := int64(4 - i); it.Rev != want {
			t.Errorf("item %d is rev %d, want %d (newest first)", i, it.Rev, want)
		}
		if it.EditedBy != a.Users[asWriter].ID || it.EditedByName != "Wren Writer" {
			t.Errorf("rev %d edited by %q %q", it.Rev, it.EditedBy, it.EditedByName)
		}
		if seen[it.ContentHash] {
			t.Errorf("rev %d repeats a hash", it.Rev)
		}
		seen[it.ContentHash] = true
		one := a.do(http.MethodGet, fmt.Sprintf("/api/admin/articles/%s/revisions/%d", art.ID, it.Rev), "", nil, asWriter)
		var r struct {
			Rev         int64           `json:"rev"`
			ContentHash string          `json:"contentHash"`
			Content     json.RawMessage `json:"content"`
		}
		mustJSON(t, one.Body.Bytes(), &r)
		var compact bytes.Buffer
		if err := json.Compact(&compact, r.Content); err != nil {
			t.Fatal(err)
		}
		// Canonical JSON: fields in the content model's order, no
		// whitespace, HTML-escaped, nil lists as [].
		sum := sha256.Sum256(compact.Bytes())
		if got := hex.EncodeToString(sum[:]); got != it.ContentHash || r.ContentHash != it.ContentHash {
			t.Errorf("rev %d: sha-256 of its content is %s; listed %s, shown %s", it.Rev, got, it.ContentHash, r.ContentHash)
		}
		var back models.Content
		mustJSON(t, r.Content, &back)
		want := contents[it.Rev-1]
		want.Normalize()
		if wj, _ := json.Marshal(want); !bytes.Equal(wj, compact.Bytes()) {
			t.Errorf("rev %d content differs from what was saved:\n got %s\nwant %s", it.Rev, compact.Bytes(), wj)
		}
	}
	runScenarios(t, a, []scenario{
		{Name: "revision 0", Method: http.MethodGet, URL: "/api/admin/articles/" + art.ID + "/revisions/0", As: asWriter, ExpectedStatus: http.StatusBadRequest},
		{Name: "revision nope", Method: http.MethodGet, URL: "/api/admin/articles/" + art.ID + "/revisions/x", As: asWriter, ExpectedStatus: http.StatusBadRequest},
		{Name: "revision 99", Method: http.MethodGet, URL: "/api/admin/articles/" + art.ID + "/revisions/99", As: asWriter, ExpectedStatus: http.StatusNotFound},
		{Name: "current", Method: http.MethodGet, URL: "/api/admin/articles/" + art.ID + "/revisions/current", As: asWriter,
			ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"rev":4`}},
		{Name: "never signed", Method: http.MethodGet, URL: "/api/admin/articles/" + art.ID + "/revisions/signed", As: asWriter, ExpectedStatus: http.StatusNotFound},
		{Name: "events", Method: http.MethodGet, URL: "/api/admin/articles/" + art.ID + "/events", As: asWriter, ExpectedStatus: http.StatusOK,
			ExpectedContent: []string{`"action":"create"`, `"action":"edit"`, `"prevHash"`}, NotExpectedContent: []string{`"content":`}},
	})
}

func TestDiff(t *testing.T) {
	a := newTestApp(t)
	b := anArticle().takeaways("Keep", "Drop me").sections(
		models.Section{Heading: "One", Body: "alpha\nbeta\ngamma"},
		models.Section{Heading: "Two", Body: "same"},
	)
	art := a.createArticle(asWriter, b)
	b.title("New title").takeaways("Keep").sections(
		models.Section{Heading: "One", Body: "alpha\nBETA\ngamma\ndelta"},
		models.Section{Heading: "Two", Body: "same"},
		models.Section{Heading: "Three", Body: "new"},
	)
	if res := a.updateArticle(asWriter, art.ID, 1, b); res.Code != http.StatusOK {
		t.Fatalf("save: %d %s", res.Code, res.Body)
	}
	res := a.do(http.MethodGet, "/api/admin/articles/"+art.ID+"/diff?from=1&to=2", "", nil, asClinician)
	if res.Code != http.StatusOK {
		t.Fatalf("diff: %d %s", res.Code, res.Body)
	}
	var d struct {
		From, To int64
		Changes  []models.Change
	}
	mustJSON(t, res.Body.Bytes(), &d)
	got := map[string]models.Change{}
	for _, c := range d.Changes {
		got[c.Path] = c
	}
	want := map[string]string{
		"title": "changed", "keyTakeaways[1]": "removed", "sections[0].body": "changed",
		"sections[2].heading": "added", "sections[2].body": "added",
	}
	if d.From != 1 || d.To != 2 || len(got) != len(want) {
		t.Fatalf("diff %d→%d has %v, want exactly %v", d.From, d.To, keys(got), want)
	}
	for p, kind := range want {
		if got[p].Kind != kind {
			t.Errorf("%s: kind %q, want %q", p, got[p].Kind, kind)
		}
	}
	lines := got["sections[0].body"].Lines
	wantLines := []models.DiffLine{{Op: " ", Text: "alpha"}, {Op: "-", Text: "beta"}, {Op: "+", Text: "BETA"}, {Op: " ", Text: "gamma"}, {Op: "+", Text: "delta"}}
	if !slices.Equal(lines, wantLines) {
		t.Errorf("line diff %v, want %v", lines, wantLines)
	}
	if got["title"].Lines != nil {
		t.Errorf("title got a line diff")
	}
	runScenarios(t, a, []scenario{
		{Name: "same revision", Method: http.MethodGet, URL: "/api/admin/articles/" + art.ID + "/diff?from=2&to=current", As: asWriter,
			ExpectedStatus: http.StatusOK, ExpectedContent: []string{`"changes":[]`}},
		{Name: "bad from", Method: http.MethodGet, URL: "/api/admin/articles/" + art.ID + "/diff?from=abc", As: asWriter, ExpectedStatus: http.StatusBadRequest},
		{Name: "missing rev", Method: http.MethodGet, URL: "/api/admin/articles/" + art.ID + "/diff?from=7", As: asWriter, ExpectedStatus: http.StatusNotFound},
	})
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestListArticles: filters, paging with a stable order, the limit cap.
func TestListArticles(t *testing.T) {
	a := newTestApp(t)
	var ids []string
	for i := 0; i < 7; i++ {
		b := anArticle().title(fmt.Sprintf("Sleep habit %d", i)).topics("sleep")
		if i%2 == 1 {
			b.title(fmt.Sprintf("Panic note %d", i)).topics("anxiety", "panic")
		}
		art := a.createArticle(asWriter, b)
		ids = append(ids, art.ID)
	}
	for _, id := range ids[:2] {
		if res := a.do(http.MethodPost, "/api/admin/articles/"+id+"/transitions", `{"action":"submit"}`, nil, asWriter); res.Code != http.StatusOK {
			t.Fatalf("submit: %d %s", res.Code, res.Body)
		}
	}
	type page struct {
		Items []models.Summary `json:"items"`
		Page  int              `json:"page"`
		Limit int              `json:"limit"`
		Total int              `json:"total"`
	}
	list := func(q string) page {
		t.Helper()
		res := a.do(http.MethodGet, "/api/admin/articles?"+q, "", nil, asEditor)
		if res.Code != http.StatusOK {
			t.Fatalf("list %s: %d %s", q, res.Code, res.Body)
		}
		var p page
		mustJSON(t, res.Body.Bytes(), &p)
		return p
	}
	all := list("")
	if all.Total != 7 || len(all.Items) != 7 || all.Page != 1 || all.Limit != 20 {
		t.Fatalf("all: total %d, %d items, page %d, limit %d", all.Total, len(all.Items), all.Page, all.Limit)
	}
	for i := 1; i < len(all.Items); i++ {
		p, q := all.Items[i-1], all.Items[i]
		if p.UpdatedAt.Before(q.UpdatedAt) || (p.UpdatedAt.Equal(q.UpdatedAt) && p.ID > q.ID) {
			t.Errorf("not newest first with id ties: %v then %v", p, q)
		}
	}
	if p := list("status=in_review"); p.Total != 2 || p.Items[0].Status != "in_review" {
		t.Errorf("status filter: %+v", p)
	}
	if p := list("topic=panic"); p.Total != 3 {
		t.Errorf("topic filter: total %d", p.Total)
	}
	if p := list("q=SLEEP+HABIT"); p.Total != 4 {
		t.Errorf("q filter: total %d", p.Total)
	}
	if p := list("q=habit&topic=panic"); p.Total != 0 {
		t.Errorf("combined filters: total %d", p.Total)
	}
	if p := list("author=me"); p.Total != 0 {
		t.Errorf("editor's own: total %d", p.Total)
	}
	var paged []string
	for pg := 1; pg <= 4; pg++ {
		p := list(fmt.Sprintf("limit=2&page=%d", pg))
		if p.Total != 7 || p.Limit != 2 {
			t.Errorf("page %d: total %d limit %d", pg, p.Total, p.Limit)
		}
		for _, it := range p.Items {
			paged = append(paged, it.ID)
		}
	}
	var want []string
	for _, it := range all.Items {
		want = append(want, it.ID)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("pages %v, want %v", paged, want)
	}
	if p := list("limit=1000"); p.Limit != MaxLimit {
		t.Errorf("limit 1000 answered with limit %d, want %d", p.Limit, MaxLimit)
	}
	if p := list("page=99"); len(p.Items) != 0 || p.Total != 7 {
		t.Errorf("page past the end: %+v", p)
	}
	var ss []scenario
	for _, q := range []string{"limit=0", "limit=-1", "limit=x", "page=0", "page=-3", "page=1.5", "status=bogus", "q=" + strings.Repeat("x", 201), "limit=99999999999999999999"} {
		ss = append(ss, scenario{Name: q[:min(len(q), 20)], Method: http.MethodGet, URL: "/api/admin/articles?" + q, As: asEditor,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"fields"`}})
	}
	runScenarios(t, a, ss)
}

// TestConcurrentSavesOneWinner: 8 PUTs on one version over real HTTP,
// 10 rounds: exactly one 200 and seven 409 each round.
func TestConcurrentSavesOneWinner(t *testing.T) {
	a := newTestApp(t)
	srv := httptest.NewServer(a.Router)
	defer srv.Close()
	b := anArticle()
	art := a.createArticle(asEditor, b)
	version := int64(1)
	for round := 0; round < 10; round++ {
		codes := make([]int, 8)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				body := anArticle().slug(b.c.Slug).title(fmt.Sprintf("round %d writer %d", round, i)).json()
				req, _ := http.NewRequest(http.MethodPut, srv.URL+"/api/admin/articles/"+art.ID, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+a.Tokens[asEditor])
				req.Header.Set("If-Match", etag(version))
				res, err := srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				codes[i] = res.StatusCode
			}(i)
		}
		wg.Wait()
		ok, conflict := 0, 0
		for _, c := range codes {
			switch c {
			case http.StatusOK:
				ok++
			case http.StatusConflict:
				conflict++
			}
		}
		if ok != 1 || conflict != 7 {
			t.Fatalf("round %d: %v; want one 200 and seven 409", round, codes)
		}
		version++
		if got := a.getArticle(art.ID); got.Version != version || got.Rev != version {
			t.Fatalf("round %d: article at version %d rev %d, want %d", round, got.Version, got.Rev, version)
		}
	}
	res := a.do(http.MethodGet, "/api/admin/audit/verify", "", nil, asAdmin)
	if !strings.Contains(res.Body.String(), `"ok":true`) {
		t.Fatalf("audit chain after the races: %s", res.Body)
	}
}

// TestTwoInstancesRace: two app instances (own ArticleStore, own catalog,
// own log cursor) on one database race for the same version.
func TestTwoInstancesRace(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	arts2 := mongostore.NewArticleStore(a.DB)
	if err := arts2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	svc2 := service.New(arts2, mongostore.NewUserStore(a.DB), arts2.Log, a.Policy)
	svcs := []*service.Service{a.Svc, svc2}
	editor := a.Users[asEditor]
	b := anArticle()
	art, err := a.Svc.CreateArticle(ctx, editor, b.content())
	if err != nil {
		t.Fatal(err)
	}
	version := art.Version
	for round := 0; round < 10; round++ {
		errs := make([]error, 8)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c := anArticle().slug(b.c.Slug).title(fmt.Sprintf("instance %d round %d", i%2, round)).content()
				_, errs[i] = svcs[i%2].UpdateArticle(ctx, editor, art.ID, version, c)
			}(i)
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !isConflict(err):
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d winners across two instances", round, wins)
		}
		version++
		for n, s := range svcs {
			got, err := s.GetArticle(ctx, art.ID)
			if err != nil || got.Version != version {
				t.Fatalf("round %d: instance %d sees %+v (%v), want version %d", round, n, got, err, version)
			}
		}
	}
	if _, err := arts2.Log.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if k, _ := arts2.Known(art.ID); k == nil || k.Version != version {
		t.Fatalf("second instance's catalog lags: %+v", k)
	}
}

func isConflict(err error) bool { return err != nil && errors.Is(err, models.ErrConflict) }
