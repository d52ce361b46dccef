package models

import (
	"fmt"
	"reflect"
	"strings"
)

// Field is one leaf of Content as the contentHash covers it, named by its
// JSON path. The list is derived from the Content type by reflection, so a
// field added to the type is hashed, diffed and checked for review
// coverage without anyone copying its name into a list.
type Field struct {
	// Path is the JSON path with [] for list positions:
	// "sections[].body", "keyTakeaways[]", "topics".
	Path string `json:"path"`
	// Markdown fields are rendered to HTML and diffed line by line.
	Markdown bool `json:"markdown,omitempty"`
	// List fields (topics, related) are shown and compared as one list.
	List bool `json:"list,omitempty"`
}

// Struct tags read by the derivation: `field:"markdown"` on Markdown
// bodies, `field:"list"` on string lists compared as a whole.
const fieldTag = "field"

// HashedFields lists every leaf field of Content in canonical order.
func HashedFields() []Field {
	var out []Field
	walk(reflect.TypeFor[Content](), nil, "", "", func(f Field, _ []string) { out = append(out, f) })
	return out
}

func jsonName(sf reflect.StructField) string {
	name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	if name == "" {
		name = sf.Name
	}
	return name
}

// FieldValue is one leaf's value in a particular content.
type FieldValue struct {
	Field
	// Path here has positions filled in: "sections[2].body".
	Value string
}

// Values lists c's leaves with concrete paths, in canonical order; nil
// pointers contribute their fields as empty strings, so two contents can
// be compared path by path.
func (c Content) Values() []FieldValue {
	var out []FieldValue
	walk(reflect.TypeFor[Content](), []reflect.Value{reflect.ValueOf(c)}, "", "", func(f Field, v []string) {
		out = append(out, FieldValue{Field: f, Value: v[0]})
	})
	return out
}

// pairs walks two contents side by side: every leaf path present in
// either, in canonical order, with both values ("" where absent).
func pairs(a, b Content) [][2]FieldValue {
	var out [][2]FieldValue
	walk(reflect.TypeFor[Content](), []reflect.Value{reflect.ValueOf(a), reflect.ValueOf(b)}, "", "", func(f Field, v []string) {
		out = append(out, [2]FieldValue{{Field: f, Value: v[0]}, {Field: f, Value: v[1]}})
	})
	return out
}

func deref(v reflect.Value) reflect.Value {
	if v.IsValid() && v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}
		}
		return v.Elem()
	}
	return v
}

// walk visits the leaves of type t in canonical order: `field:"list"`
// slices as one leaf, other slices by position, Markdown bodies marked.
// Without values (vs nil) it lists the type's fields, positions written
// "[]"; with values (one content, or several side by side) it fills in
// the positions any of them has and gives each leaf's text in each ("" where
// absent or behind a nil pointer).
func walk(t reflect.Type, vs []reflect.Value, prefix, tag string, emit func(Field, []string)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
		for i := range vs {
			vs[i] = deref(vs[i])
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() || sf.Tag.Get("json") == "-" {
				continue
			}
			p := jsonName(sf)
			if prefix != "" {
				p = prefix + "." + p
			}
			var fs []reflect.Value
			if vs != nil {
				fs = make([]reflect.Value, len(vs))
				for k, v := range vs {
					if v.IsValid() {
						fs[k] = v.Field(i)
					}
				}
			}
			walk(sf.Type, fs, p, sf.Tag.Get(fieldTag), emit)
		}
	case reflect.Slice:
		if tag == "list" {
			emit(Field{Path: prefix, List: true}, texts(vs, func(v reflect.Value) string {
				parts := make([]string, v.Len())
				for i := range parts {
					parts[i] = fmt.Sprint(v.Index(i).Interface())
				}
				return strings.Join(parts, ", ")
			}))
			return
		}
		if vs == nil {
			walk(t.Elem(), nil, prefix+"[]", tag, emit)
			return
		}
		n := 0
		for _, v := range vs {
			if v.IsValid() {
				n = max(n, v.Len())
			}
		}
		for i := range n {
			es := make([]reflect.Value, len(vs))
			for k, v := range vs {
				if v.IsValid() && i < v.Len() {
					es[k] = v.Index(i)
				}
			}
			walk(t.Elem(), es, fmt.Sprintf("%s[%d]", prefix, i), tag, emit)
		}
	default:
		emit(Field{Path: prefix, Markdown: tag == "markdown"}, texts(vs, func(v reflect.Value) string { return fmt.Sprint(v.Interface()) }))
	}
}

// texts is each value's text by f, "" for an absent one.
func texts(vs []reflect.Value, f func(reflect.Value) string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		if v.IsValid() {
			out[i] = f(v)
		}
	}
	return out
}
