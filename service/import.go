package service

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/vetted-cms/vetted/models"
)

// ImportRecord is one line of an import file: an article in the content
// shape, with the date it was first published elsewhere (optional).
type ImportRecord struct {
	models.Content
	FirstPublishedAt *time.Time `json:"firstPublishedAt"`
}

// ImportError is a bad line of an import file.
type ImportError struct {
	Line   int               `json:"line"`
	Reason string            `json:"reason"`
	Fields map[string]string `json:"fields,omitempty"`
}

func (e ImportError) String() string {
	s := fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	if len(e.Fields) > 0 {
		var parts []string
		for _, p := range slices.Sorted(maps.Keys(e.Fields)) {
			parts = append(parts, p+": "+e.Fields[p])
		}
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	return s
}

// ParseImport reads JSON lines (blank lines skipped) and checks every
// record — shape, content validation, slugs unique in the file and free
// in the database — before anything is written. Any bad line: the list
// of errors by line number, and no records.
func (s *Service) ParseImport(r io.Reader) ([]ImportRecord, []ImportError) {
	taken := map[string]bool{}
	for _, a := range s.Articles.All() {
		taken[a.Content.Slug] = true
	}
	var out []ImportRecord
	var bad []ImportError
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var rec ImportRecord
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			bad = append(bad, ImportError{Line: n, Reason: "not an article record: " + err.Error()})
			continue
		}
		rec.Normalize()
		if rec.Slug == "" {
			rec.Slug = models.Slugify(rec.Title)
		}
		f := rec.Validate()
		if rec.Title == "" {
			f["title"] = "required"
		}
		if rec.Slug == "" && f["slug"] == "" {
			f["slug"] = "required (or a title to make it from)"
		}
		if prev, dup := seen[rec.Slug]; dup && rec.Slug != "" {
			f["slug"] = fmt.Sprintf("also used on line %d", prev)
		} else if taken[rec.Slug] {
			f["slug"] = "already taken by an article"
		}
		if rec.FirstPublishedAt != nil && rec.FirstPublishedAt.After(s.now()) {
			f["firstPublishedAt"] = "in the future"
		}
		if len(f) > 0 {
			bad = append(bad, ImportError{Line: n, Reason: "not valid", Fields: f})
			continue
		}
		seen[rec.Slug] = n
		if rec.FirstPublishedAt != nil {
			t := rec.FirstPublishedAt.UTC().Truncate(time.Millisecond)
			rec.FirstPublishedAt = &t
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		bad = append(bad, ImportError{Line: n + 1, Reason: err.Error()})
	}
	if len(bad) > 0 {
		return nil, bad
	}
	return out, nil
}

// Import creates each record as a draft authored by actor: imports never
// bypass review (nothing is live before its sign-off); the original
// first-publication date is kept on the create event and shown once the
// article is published here. It returns the new article ids.
func (s *Service) Import(ctx context.Context, actor *models.User, recs []ImportRecord) ([]string, error) {
	ids := make([]string, 0, len(recs))
	for i, rec := range recs {
		a, err := s.createArticle(ctx, actor, rec.Content, rec.FirstPublishedAt, "imported")
		if err != nil {
			return ids, fmt.Errorf("record %d (%s): %w", i+1, rec.Slug, err)
		}
		ids = append(ids, a.ID)
	}
	return ids, nil
}
