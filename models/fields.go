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
	walkType(reflect.TypeFor[Content](), "", "", func(f Field) { out = append(out, f) })
	return out
}

func jsonName(sf reflect.StructField) string {
	name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	if name == "" {
		name = sf.Name
	}
	return name
}

func walkType(t reflect.Type, prefix, tag string, emit func(Field)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
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
			walkType(sf.Type, p, sf.Tag.Get(fieldTag), emit)
		}
	case reflect.Slice:
		if tag == "list" {
			emit(Field{Path: prefix, List: true})
			return
		}
		walkType(t.Elem(), prefix+"[]", tag, emit)
	default:
		emit(Field{Path: prefix, Markdown: tag == "markdown"})
	}
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
	walkValue(reflect.ValueOf(c), reflect.TypeFor[Content](), "", "", func(f FieldValue) { out = append(out, f) })
	return out
}

func walkValue(v reflect.Value, t reflect.Type, prefix, tag string, emit func(FieldValue)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
		if v.IsValid() {
			if v.IsNil() {
				v = reflect.Value{}
			} else {
				v = v.Elem()
			}
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
			var fv reflect.Value
			if v.IsValid() {
				fv = v.Field(i)
			}
			walkValue(fv, sf.Type, p, sf.Tag.Get(fieldTag), emit)
		}
	case reflect.Slice:
		n := 0
		if v.IsValid() {
			n = v.Len()
		}
		if tag == "list" {
			parts := make([]string, n)
			for i := range n {
				parts[i] = fmt.Sprint(v.Index(i).Interface())
			}
			emit(FieldValue{Field: Field{Path: prefix, List: true}, Value: strings.Join(parts, ", ")})
			return
		}
		for i := range n {
			walkValue(v.Index(i), t.Elem(), fmt.Sprintf("%s[%d]", prefix, i), tag, emit)
		}
	default:
		s := ""
		if v.IsValid() {
			s = fmt.Sprint(v.Interface())
		}
		emit(FieldValue{Field: Field{Path: prefix, Markdown: tag == "markdown"}, Value: s})
	}
}

// pairs walks two contents side by side: every leaf path present in
// either, in canonical order, with both values ("" where absent).
func pairs(a, b Content) [][2]FieldValue {
	var out [][2]FieldValue
	walkPair(reflect.ValueOf(a), reflect.ValueOf(b), reflect.TypeFor[Content](), "", "", func(x, y FieldValue) { out = append(out, [2]FieldValue{x, y}) })
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

func walkPair(va, vb reflect.Value, t reflect.Type, prefix, tag string, emit func(a, b FieldValue)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
		va, vb = deref(va), deref(vb)
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
			var fa, fb reflect.Value
			if va.IsValid() {
				fa = va.Field(i)
			}
			if vb.IsValid() {
				fb = vb.Field(i)
			}
			walkPair(fa, fb, sf.Type, p, sf.Tag.Get(fieldTag), emit)
		}
	case reflect.Slice:
		la, lb := 0, 0
		if va.IsValid() {
			la = va.Len()
		}
		if vb.IsValid() {
			lb = vb.Len()
		}
		if tag == "list" {
			var x, y FieldValue
			walkValue(va, t, prefix, tag, func(f FieldValue) { x = f })
			walkValue(vb, t, prefix, tag, func(f FieldValue) { y = f })
			emit(x, y)
			return
		}
		for i := range max(la, lb) {
			var ea, eb reflect.Value
			if i < la {
				ea = va.Index(i)
			}
			if i < lb {
				eb = vb.Index(i)
			}
			walkPair(ea, eb, t.Elem(), fmt.Sprintf("%s[%d]", prefix, i), tag, emit)
		}
	default:
		f := Field{Path: prefix, Markdown: tag == "markdown"}
		x, y := FieldValue{Field: f}, FieldValue{Field: f}
		if va.IsValid() {
			x.Value = fmt.Sprint(va.Interface())
		}
		if vb.IsValid() {
			y.Value = fmt.Sprint(vb.Interface())
		}
		emit(x, y)
	}
}
