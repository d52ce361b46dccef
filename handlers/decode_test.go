package handlers

import (
	"errors"
	"testing"

	"github.com/vetted-cms/vetted/models"
)

// TestDecodeStrictNestedObjects: a body with several nested objects is
// valid (a closing brace once counted as a repeated empty key).
func TestDecodeStrictNestedObjects(t *testing.T) {
	cases := []struct {
		name string
		body string
		ok   bool
	}{
		{"two nested objects", `{"title":"x","heroImage":{"url":"","alt":""},"cta":{"heading":"","body":"","label":"","url":""},"seo":{"title":""}}`, true},
		{"nested arrays of objects", `{"sections":[{"heading":"a","body":"b"},{"heading":"c","body":"d"}],"topics":["a"]}`, true},
		{"repeated key", `{"title":"x","title":"y"}`, false},
		{"case-variant repeat", `{"title":"x","Title":"y"}`, false},
		{"operator key", `{"title":{"$ne":""}}`, false},
		{"nested operator key", `{"sections":[{"heading":"a","$where":"1"}]}`, false},
		{"unknown field", `{"status":"published"}`, false},
		{"trailing data", `{"title":"x"} {}`, false},
		{"wrong type", `{"title":5}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var dst models.Content
			err := DecodeStrict([]byte(c.body), &dst)
			if c.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok && !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("want ErrInvalid, got %v", err)
			}
		})
	}
}

// TestDecodeStrictNamesTheElement: a wrong type inside an array is
// reported with the element's index, like validation errors are.
func TestDecodeStrictNamesTheElement(t *testing.T) {
	cases := []struct{ body, field string }{
		{`{"sections":[{"heading":"a","body":"b"},{"heading":"c","body":"d"},{"heading":5,"body":"e"}]}`, "sections[2].heading"},
		{`{"keyTakeaways":["a", "b", 7]}`, "keyTakeaways[2]"},
		{`{"title":"x","sections":[{"heading":"a","body":["no"]}]}`, "sections[0].body"},
		{`{"heroImage":{"url":"u","alt":false}}`, "heroImage.alt"},
		{`{"title":5}`, "title"},
		{`{"topics":"sleep"}`, "topics"},
	}
	for _, c := range cases {
		var dst models.Content
		err := DecodeStrict([]byte(c.body), &dst)
		var me *models.Error
		if !errors.As(err, &me) {
			t.Fatalf("%s: want a validation error, got %v", c.body, err)
		}
		if _, ok := me.Fields[c.field]; !ok || len(me.Fields) != 1 {
			t.Errorf("%s: fields %v; want only %q", c.body, me.Fields, c.field)
		}
	}
}
