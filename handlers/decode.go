package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/models"
)

// MaxBody is the largest request body accepted.
const MaxBody = 2 << 20

// decodeJSON reads a strict JSON object into dst: unknown fields, keys
// beginning with "$", keys repeated (in any letter case), trailing data
// and wrong types are refused with the field path, and nothing is written.
func decodeJSON(c *gin.Context, dst any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return DecodeStrict(body, dst)
}

// readBody reads the request body up to MaxBody.
func readBody(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, models.Errorf(models.ErrTooLarge, "the request body is over %d bytes", MaxBody)
		}
		return nil, models.Errorf(models.ErrInvalid, "could not read the request body")
	}
	return body, nil
}

// DecodeStrict is decodeJSON's checks on a byte slice (fuzzed).
func DecodeStrict(body []byte, dst any) error {
	// Only an object: `null` would decode into a DTO as "no fields" and
	// slip an empty request past "send a JSON object".
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return models.Invalid("send a JSON object", nil)
	}
	if err := checkKeys(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			te.Field = pathAt(body, te.Offset, te.Field)
		}
		return jsonError(err)
	}
	if dec.More() {
		return models.Invalid("send exactly one JSON object", nil)
	}
	if _, err := dec.Token(); err != io.EOF {
		return models.Invalid("send exactly one JSON object", nil)
	}
	return nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		path := te.Field
		if path == "" {
			path = "body"
		}
		return models.Invalid("a field has the wrong type", map[string]string{path: "must be " + describe(te.Type.Kind().String())})
	case errors.As(err, &se):
		return models.Invalid(fmt.Sprintf("malformed JSON at byte %d", se.Offset), nil)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return models.Invalid("unknown field "+name, map[string]string{name: "unknown field"})
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return models.Invalid("the JSON ends too early", nil)
	}
	return models.Invalid("the body is not valid JSON for this request", nil)
}

func describe(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "float64":
		return "a number"
	}
	return kind
}

// checkKeys walks the JSON and refuses operator keys and repeated keys.
func checkKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		obj  bool
		keys map[string]bool
		next bool // in an object: the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return jsonError(err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if k, isKey := tok.(string); isKey && top != nil && top.obj && top.next {
			if strings.HasPrefix(k, "$") {
				return models.Invalid("keys beginning with $ are not accepted", map[string]string{k: "not accepted"})
			}
			lk := strings.ToLower(k)
			if top.keys[lk] {
				return models.Invalid("a key appears twice", map[string]string{k: "repeated"})
			}
			top.keys[lk] = true
			top.next = false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) >= 64 {
				return models.Invalid("the JSON is nested too deeply", nil)
			}
			stack = append(stack, &frame{obj: tok == json.Delim('{'), keys: map[string]bool{}, next: true})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].next = true
		}
	}
}

// pathAt names, with array indexes, the value a type error is about:
// encoding/json reports "sections.heading" and the offset after the
// value; the answer is the last value starting before offset whose path,
// indexes left out, is field ("sections[2].heading").
func pathAt(body []byte, offset int64, field string) string {
	type frame struct {
		obj bool
		key string
		idx int
		exp bool // in an object: a key comes next
	}
	var stack []*frame
	path := func(withIndex bool) string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.obj:
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			case withIndex:
				fmt.Fprintf(&b, "[%d]", f.idx)
			}
		}
		return b.String()
	}
	done := func() { // a value ended: move along in the container
		if len(stack) > 0 {
			if top := stack[len(stack)-1]; top.obj {
				top.exp = true
			} else {
				top.idx++
			}
		}
	}
	found := field
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil || start >= offset {
			return found
		}
		if k, ok := tok.(string); ok && len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].exp {
			stack[len(stack)-1].key, stack[len(stack)-1].exp = k, false
			continue
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			done()
			continue
		}
		if path(false) == field {
			found = path(true)
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{obj: d == '{', exp: d == '{'})
			continue
		}
		done()
	}
}
