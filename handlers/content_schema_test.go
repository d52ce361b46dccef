package handlers

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vetted-cms/vetted/models"
)

// contentLeaves lists the leaf fields of a Go type by their JSON names, as
// paths: "seo.title", "sections[].heading", "keyTakeaways[]". It is derived
// from the type itself, so a field added to models.Content appears here
// without anyone writing it down.
func contentLeaves(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var out []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			out = append(out, contentLeaves(f.Type, join(prefix, name))...)
		}
		return out
	case reflect.Slice, reflect.Array:
		return contentLeaves(t.Elem(), prefix+"[]")
	default:
		return []string{prefix}
	}
}

// schemaLeaves lists the leaf properties of an OpenAPI schema the same way,
// following $ref, nullable unions (oneOf/anyOf with null, type arrays) and
// array items.
func schemaLeaves(t *testing.T, schemas map[string]any, s map[string]any, prefix string) []string {
	t.Helper()
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target, ok := schemas[name].(map[string]any)
		if !ok {
			t.Fatalf("%s: unresolved $ref %s", prefix, ref)
		}
		return schemaLeaves(t, schemas, target, prefix)
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		if alts, ok := s[key].([]any); ok {
			var nonNull []map[string]any
			for _, a := range alts {
				m := a.(map[string]any)
				if m["type"] != "null" {
					nonNull = append(nonNull, m)
				}
			}
			if len(nonNull) != 1 {
				t.Fatalf("%s: %s with %d non-null branches; the content schema must say exactly what is stored", prefix, key, len(nonNull))
			}
			return schemaLeaves(t, schemas, nonNull[0], prefix)
		}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		var out []string
		for name, p := range props {
			out = append(out, schemaLeaves(t, schemas, p.(map[string]any), join(prefix, name))...)
		}
		return out
	}
	if items, ok := s["items"].(map[string]any); ok {
		return schemaLeaves(t, schemas, items, prefix+"[]")
	}
	return []string{prefix}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// TestOpenAPIContentSchemaHasEveryHashedField holds the OpenAPI Content
// schema to exactly the leaf fields of models.Content (every one of which the
// contentHash covers). The admin UI's end-to-end test reads this schema from
// /api/openapi.json and fails when a field is missing from the review screen,
// so a field added to the Go type fails here until the schema (and then the
// review screen) has it: nothing can be signed without being shown.
func TestOpenAPIContentSchemaHasEveryHashedField(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	content, ok := doc.Components.Schemas["Content"].(map[string]any)
	if !ok {
		t.Fatal("openapi.json has no Content schema")
	}
	want := contentLeaves(reflect.TypeFor[models.Content](), "")
	got := schemaLeaves(t, doc.Components.Schemas, content, "")
	slices.Sort(want)
	slices.Sort(got)
	for _, p := range want {
		if !slices.Contains(got, p) {
			t.Errorf("models.Content has %q but the OpenAPI Content schema does not", p)
		}
	}
	for _, p := range got {
		if !slices.Contains(want, p) {
			t.Errorf("the OpenAPI Content schema has %q but models.Content does not", p)
		}
	}
	if len(want) < 10 {
		t.Fatalf("only %d leaves derived from models.Content: %v", len(want), want)
	}
	t.Logf("%d hashed leaf fields: %s", len(want), strings.Join(want, ", "))
}

// TestContentLeavesDerivation checks the derivation itself on a small type.
func TestContentLeavesDerivation(t *testing.T) {
	type inner struct {
		A string `json:"a"`
		B string `json:"b,omitempty"`
	}
	type outer struct {
		X      string   `json:"x"`
		List   []string `json:"list"`
		Nested *inner   `json:"nested"`
		Many   []inner  `json:"many"`
		Hidden string   `json:"-"`
		hidden string
	}
	_ = outer{}.hidden
	got := contentLeaves(reflect.TypeFor[outer](), "")
	want := []string{"x", "list[]", "nested.a", "nested.b", "many[].a", "many[].b"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
