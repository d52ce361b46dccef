package search

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends r as encoding/json would encode it (the same bytes:
// HTML-safe escaping, map keys sorted, nil slices as null) without
// reflection: each hit's list view is encoded once, when the article is
// indexed, and a search adds its score, snippets and facets.
func (r *Result) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"items":`...)
	if r.Items == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Items {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = r.Items[i].appendJSON(b); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"q":`...)
	b = appendString(b, r.Query)
	if r.Topic != "" {
		b = append(b, `,"topic":`...)
		b = appendString(b, r.Topic)
	}
	b = append(b, `,"page":`...)
	b = strconv.AppendInt(b, int64(r.Page), 10)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(r.Limit), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(r.Total), 10)
	b = append(b, `,"facets":{"topics":`...)
	if r.Facets.Topics == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, t := range r.Facets.Topics {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"topic":`...)
			b = appendString(b, t.Topic)
			b = append(b, `,"count":`...)
			b = strconv.AppendInt(b, int64(t.Count), 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, "}}"...), nil
}

// appendJSON: the list view's fields, then score and highlights (the
// embedded Summary's fields come first, as encoding/json puts them).
func (h *Hit) appendJSON(b []byte) ([]byte, error) {
	sum := h.sum
	if sum == nil {
		var err error
		if sum, err = json.Marshal(h.Summary); err != nil {
			return b, err
		}
	}
	b = append(b, sum[:len(sum)-1]...) // without its closing brace
	if len(sum) > 2 {
		b = append(b, ',')
	}
	b = append(b, `"score":`...)
	var err error
	if b, err = appendFloat(b, h.Score); err != nil {
		return b, err
	}
	b = append(b, `,"highlights":`...)
	known := 0
	for _, k := range sortedHighlighted {
		if _, ok := h.Highlights[k]; ok {
			known++
		}
	}
	if h.Highlights == nil || known != len(h.Highlights) { // nil, or another field: as encoding/json does
		m, err := json.Marshal(h.Highlights)
		if err != nil {
			return b, err
		}
		b = append(b, m...)
		return append(b, '}'), nil
	}
	b = append(b, '{')
	n := 0
	for _, k := range sortedHighlighted {
		frags, ok := h.Highlights[k]
		if !ok {
			continue
		}
		if n++; n > 1 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendStrings(b, frags)
	}
	b = append(b, '}')
	return append(b, '}'), nil
}

// sortedHighlighted is highlighted in encoding/json's map key order.
var sortedHighlighted = []string{"keyTakeaways", "sections", "summary", "title"}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendFloat is encoding/json's float64 encoding.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, &json.UnsupportedValueError{Str: strconv.FormatFloat(f, 'g', -1, 64)}
	}
	abs, format := math.Abs(f), byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 → e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// appendString is encoding/json's string encoding with HTML escaping:
// <, > and & as \u003c, \u003e, \u0026; invalid UTF-8 as \ufffd; U+2028
// and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
