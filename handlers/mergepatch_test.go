package handlers

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/vetted-cms/vetted/models"
)

// TestMergePatchRFC7396: the examples of RFC 7396, Appendix A.
func TestMergePatchRFC7396(t *testing.T) {
	cases := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`, `["c"]`},
		{`{"a":"foo"}`, `null`, `null`},
		{`{"a":"foo"}`, `"bar"`, `"bar"`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
		// Numbers keep their text.
		{`{"n":1}`, `{"m":12345678901234567890}`, `{"m":12345678901234567890,"n":1}`},
	}
	for _, c := range cases {
		var target any
		if err := json.Unmarshal([]byte(c.target), &target); err != nil {
			t.Fatal(err)
		}
		got, err := MergePatch(json.RawMessage(c.target), []byte(c.patch))
		if err != nil {
			t.Errorf("%s + %s: %v", c.target, c.patch, err)
			continue
		}
		var g, w any
		_ = json.Unmarshal(got, &g)
		_ = json.Unmarshal([]byte(c.want), &w)
		if !reflect.DeepEqual(g, w) || (strings.Contains(c.want, "12345678901234567890") && !strings.Contains(string(got), "12345678901234567890")) {
			t.Errorf("%s + %s = %s, want %s", c.target, c.patch, got, c.want)
		}
	}
}

// TestPatchArticle: PATCH with a merge patch changes only what it names,
// needs If-Match and the merge-patch media type, and checks the merged
// content like any save; nothing refused is written.
func TestPatchArticle(t *testing.T) {
	a := newTestApp(t)
	b := anArticle().topics("anxiety", "sleep")
	b.c.SEO = &models.SEO{Title: "SEO title", Description: "About sleep."}
	b.c.ClinicianTake = &models.ClinicianTake{Body: "Sleep matters."}
	art := a.createArticle(asWriter, b)
	url := "/api/admin/articles/" + art.ID
	mp := func(version string) map[string]string {
		return map[string]string{"Content-Type": "application/merge-patch+json", "If-Match": version}
	}
	before := a.tail()
	runScenarios(t, a, []scenario{
		{Name: "json content type", Method: http.MethodPatch, URL: url, Body: `{"title":"x"}`, Headers: map[string]string{"If-Match": `"1"`},
			As: asWriter, ExpectedStatus: http.StatusUnsupportedMediaType, ExpectedContent: []string{`"unsupported_media_type"`, "application/merge-patch+json"}},
		{Name: "no If-Match", Method: http.MethodPatch, URL: url, Body: `{"title":"x"}`, Headers: map[string]string{"Content-Type": "application/merge-patch+json"},
			As: asWriter, ExpectedStatus: http.StatusPreconditionRequired},
		{Name: "stale", Method: http.MethodPatch, URL: url, Body: `{"title":"x"}`, Headers: mp(`"7"`), As: asWriter, ExpectedStatus: http.StatusConflict,
			ExpectedContent: []string{`"conflict"`, `"current"`}},
		{Name: "unknown field", Method: http.MethodPatch, URL: url, Body: `{"titel":"x"}`, Headers: mp(`"1"`), As: asWriter,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"titel":"unknown field"`}},
		{Name: "server-owned field", Method: http.MethodPatch, URL: url, Body: `{"status":"published"}`, Headers: mp(`"1"`), As: asWriter,
			ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"status":"unknown field"`}},
		{Name: "operator key", Method: http.MethodPatch, URL: url, Body: `{"$set":{"title":"x"}}`, Headers: mp(`"1"`), As: asWriter,
			ExpectedStatus: http.StatusBadRequest},
		{Name: "invalid merged content", Method: http.MethodPatch, URL: url, Body: `{"sections":[{"heading":"ok","body":"x"},{"heading":` + strings.Repeat("h", 0) + `7}]}`,
			Headers: mp(`"1"`), As: asWriter, ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"sections[1].heading"`}},
		{Name: "too long, by the tags", Method: http.MethodPatch, URL: url, Body: `{"seo":{"title":"` + strings.Repeat("t", 71) + `"}}`,
			Headers: mp(`"1"`), As: asWriter, ExpectedStatus: http.StatusBadRequest, ExpectedContent: []string{`"seo.title":"at most 70 characters"`}},
		{Name: "another writer", Method: http.MethodPatch, URL: url, Body: `{"title":"Hijacked"}`, Headers: mp(`"1"`), As: asWriter2,
			ExpectedStatus: http.StatusForbidden},
	})
	if got := a.tail(); got != before {
		t.Fatalf("refused patches wrote %d events", got-before)
	}
	res := a.do(http.MethodPatch, url, `{"title":"Patched title","seo":{"description":null},"clinicianTake":null}`, mp(`"1"`), asWriter)
	if res.Code != http.StatusOK {
		t.Fatalf("patch: %d %s", res.Code, res.Body)
	}
	if res.Header().Get("ETag") != `"2"` {
		t.Errorf("ETag %q", res.Header().Get("ETag"))
	}
	var got models.Content
	mustJSON(t, res.Body.Bytes(), &got)
	want := b.content()
	want.Title = "Patched title"
	want.SEO = &models.SEO{Title: "SEO title"}
	want.ClinicianTake = nil
	want.Normalize()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after patch:\n got %+v\nwant %+v", got, want)
	}
}

// TestPutNeedsCompleteContent: a PUT body missing content fields is
// refused, naming each, and nothing is written; the complete content
// (null for an absent optional part) saves.
func TestPutNeedsCompleteContent(t *testing.T) {
	a := newTestApp(t)
	b := anArticle()
	art := a.createArticle(asWriter, b)
	before := a.tail()
	res := a.do(http.MethodPut, "/api/admin/articles/"+art.ID, `{"slug":"`+art.Slug+`","title":"Only two fields"}`, map[string]string{"If-Match": `"1"`}, asWriter)
	if res.Code != http.StatusBadRequest {
		t.Fatalf("partial PUT: %d %s", res.Code, res.Body)
	}
	e := errOf(t, res)
	for _, f := range []string{"summary", "keyTakeaways", "sections", "clinicianTake", "heroImage", "topics", "related", "cta", "seo"} {
		if !strings.HasPrefix(e.Error.Fields[f], "required") {
			t.Errorf("field %s not named: %v", f, e.Error.Fields)
		}
	}
	if _, named := e.Error.Fields["title"]; named {
		t.Errorf("a sent field is named missing: %v", e.Error.Fields)
	}
	if a.tail() != before || a.getArticle(art.ID).Title != b.c.Title {
		t.Fatal("a partial PUT changed the article")
	}
	if res := a.updateArticle(asWriter, art.ID, 1, b.title("Complete")); res.Code != http.StatusOK {
		t.Fatalf("complete PUT: %d %s", res.Code, res.Body)
	}
}

// FuzzMergePatch: any patch either merges into a JSON document or is
// refused; merging the same patch twice changes nothing more (RFC 7396
// patches are idempotent).
func FuzzMergePatch(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":null}`, `{"a":{"b":null}}`, `[1]`, `null`, `"x"`, `{`} {
		f.Add(`{"a":{"b":"c"},"d":[1]}`, s)
	}
	f.Fuzz(func(t *testing.T, target, patch string) {
		if !json.Valid([]byte(target)) {
			return
		}
		once, err := MergePatch(json.RawMessage(target), []byte(patch))
		if err != nil {
			return
		}
		if !json.Valid(once) {
			t.Fatalf("merged %q into %q: invalid JSON %q", patch, target, once)
		}
		twice, err := MergePatch(json.RawMessage(once), []byte(patch))
		if err != nil {
			t.Fatalf("second merge: %v", err)
		}
		var a, b any
		_ = json.Unmarshal(once, &a)
		_ = json.Unmarshal(twice, &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("not idempotent: %s then %s", once, twice)
		}
	})
}
