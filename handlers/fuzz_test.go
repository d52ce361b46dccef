package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/service"
)

// FuzzDecodeStrict: the strict decoder never panics, refuses with
// ErrInvalid only, and whatever it accepts is one JSON object with no
// $-prefixed and no repeated (case-insensitive) keys at any depth.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"title":"T","sections":[{"heading":"h","body":"b"}]}`, `{"heroImage":{},"title":"a","title":"b"}`,
		`{"$set":{"status":"published"}}`, `{"\u0024ne":1}`, `{"seo":{"$where":"1"}}`, `{"title":"a","TITLE":"b"}`,
		`{"version":1,"slug":"s"}`, `{"action":"approve","password":"p","contentHash":"h","publishAt":"2030-01-01T00:00:00Z"}`,
		`null`, `[]`, `{"a":{}}{}`, `{"keyTakeaways":[[[[]]]]}`, "{\"title\":\"\xff\"}", `{"cta":{},"seo":{},"title":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		dsts := []any{new(models.Content), new(updateBody), new(service.TransitionRequest), new(service.NewUser), new(service.UserPatch)}
		for _, dst := range dsts {
			err := DecodeStrict(body, dst)
			if err != nil {
				if !errors.Is(err, models.ErrInvalid) {
					t.Fatalf("refusal is not ErrInvalid: %v", err)
				}
				continue
			}
			if bad := badKey(body); bad != "" {
				t.Fatalf("accepted %q into %T with key %q", body, dst, bad)
			}
		}
	})
}

// badKey walks JSON independently of checkKeys and returns the first
// $-prefixed or repeated key, or "" (also for non-objects at the top: the
// caller only asks about accepted input).
func badKey(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "<not an object>"
	}
	var walk func(obj bool) string
	walk = func(obj bool) string {
		seen := map[string]bool{}
		for dec.More() {
			if obj {
				tok, err := dec.Token()
				if err != nil {
					return "<bad>"
				}
				k := tok.(string)
				if strings.HasPrefix(k, "$") || seen[strings.ToLower(k)] {
					return k
				}
				seen[strings.ToLower(k)] = true
			}
			tok, err := dec.Token()
			if err != nil {
				return "<bad>"
			}
			switch tok {
			case json.Delim('{'):
				if k := walk(true); k != "" {
					return k
				}
			case json.Delim('['):
				if k := walk(false); k != "" {
					return k
				}
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return "<bad>"
		}
		return ""
	}
	if k := walk(true); k != "" {
		return k
	}
	if _, err := dec.Token(); err != io.EOF {
		return "<trailing data>"
	}
	return ""
}

// FuzzParseListQuery: an accepted query always pages 1..100 items from a
// page of at least 1; nothing panics.
func FuzzParseListQuery(f *testing.F) {
	for _, s := range [][6]string{
		{"", "", "", "", "", ""}, {"1", "20", "draft", "anxiety", "panic", "me"}, {"0", "0", "", "", "", ""},
		{"-1", "1000", "bogus", "", "", ""}, {"99999999999999999999", "101", "", "", "", ""}, {"1e3", "0x10", "", "", "", "u_x"},
		{"1000000", "100", "published", strings.Repeat("t", 61), strings.Repeat("q", 201), ""}, {" 1", "+5", "", "", "", ""},
		{"2", "101", "", "", "", ""}, {"", "5000", "in_review", "", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5])
	}
	f.Fuzz(func(t *testing.T, page, limit, status, topic, q, author string) {
		vals := map[string]string{"page": page, "limit": limit, "status": status, "topic": topic, "q": q, "author": author}
		lq, err := ParseListQuery(func(k string) string { return vals[k] }, "u_me")
		if err != nil {
			if !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("refusal is not ErrInvalid: %v", err)
			}
			return
		}
		if lq.Limit < 1 || lq.Limit > MaxLimit {
			t.Fatalf("limit %d accepted from %q", lq.Limit, limit)
		}
		if lq.Page < 1 {
			t.Fatalf("page %d accepted from %q", lq.Page, page)
		}
		if author == "me" && lq.AuthorID != "u_me" {
			t.Fatalf("author=me resolved to %q", lq.AuthorID)
		}
	})
}
