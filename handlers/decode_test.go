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
