package handlers

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/vetted-cms/vetted/models"
)

// hashedPaths lists the leaf fields the contentHash covers, from
// models.HashedFields (derived from the Content type by reflection, the one
// derivation the hash test and the diff use too), written as the schema walk
// writes them: list positions as [].
func hashedPaths() []string {
	var out []string
	for _, f := range models.HashedFields() {
		if f.List {
			out = append(out, f.Path+"[]")
		} else {
			out = append(out, f.Path)
		}
	}
	return out
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
	want := hashedPaths()
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
