package models

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func readyContent() Content {
	return Content{
		Slug: "sleep-and-mood", Title: "Sleep and mood", Summary: "How they feed each other.",
		KeyTakeaways: []string{"Wake at a fixed time."},
		Sections:     []Section{{Heading: "A two-way street", Body: "Short sleep\nlow mood"}},
		Topics:       []string{"sleep"},
	}
}

// TestHashIsSHA256OfCanonicalJSON recomputes the hash by hand: the fields
// in the model's order, lists never null.
func TestHashIsSHA256OfCanonicalJSON(t *testing.T) {
	c := Content{Slug: "a", Title: "T <b> & \"q\"", Sections: []Section{{Heading: "h", Body: "b"}}}
	canonical := `{"slug":"a","title":"T \u003cb\u003e \u0026 \"q\"","summary":"","keyTakeaways":[],"sections":[{"heading":"h","body":"b"}],` +
		`"clinicianTake":null,"heroImage":null,"topics":[],"related":[],"cta":null,"seo":null}`
	sum := sha256.Sum256([]byte(canonical))
	if got, want := c.Hash(), hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("Hash() = %s, want sha-256 of %s = %s", got, canonical, want)
	}
	empty := c
	empty.KeyTakeaways, empty.Topics, empty.Related = []string{}, []string{}, []string{}
	if empty.Hash() != c.Hash() {
		t.Error("nil and empty lists hash differently")
	}
	if c.KeyTakeaways != nil {
		t.Error("Hash normalized the caller's content")
	}
}

// TestHashSeesEveryField: changing any one leaf of the content type —
// the list derived from the type itself, not written out here — changes
// the hash and shows up in Diff under that path.
func TestHashSeesEveryField(t *testing.T) {
	fields := HashedFields()
	if len(fields) < 20 {
		t.Fatalf("HashedFields found only %d fields: %v", len(fields), fields)
	}
	h := readyContent().Hash()
	for _, f := range fields {
		c := readyContent()
		setLeaf(reflect.ValueOf(&c).Elem(), strings.Split(strings.ReplaceAll(f.Path, "[]", ".[]"), "."), "changed-value")
		if c.Hash() == h {
			t.Errorf("%s: hash unchanged", f.Path)
		}
		want := strings.ReplaceAll(f.Path, "[]", "[0]")
		found := false
		for _, d := range Diff(readyContent(), c) {
			found = found || d.Path == want
		}
		if !found {
			t.Errorf("%s: Diff does not show %s: %v", f.Path, want, Diff(readyContent(), c))
		}
	}
	if readyContent().Hash() != h {
		t.Error("hash not stable")
	}
	for _, p := range []string{"clinicianTake.clinician", "heroImage.caption", "heroImage.credit", "heroImage.mediaId", "cta.url", "seo.canonicalUrl"} {
		if !slices.ContainsFunc(fields, func(f Field) bool { return f.Path == p }) {
			t.Errorf("HashedFields misses %s", p)
		}
	}
}

// setLeaf sets the leaf at path (JSON names, "[]" for the first list
// item) to v, allocating pointers and a first list item on the way.
func setLeaf(v reflect.Value, path []string, s string) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice && (len(path) == 0 || path[0] != "[]") { // a list compared whole (topics, related)
		v.Set(reflect.Append(v, reflect.ValueOf(s)))
		return
	}
	if len(path) == 0 {
		v.SetString(s)
		return
	}
	switch v.Kind() {
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
		}
		setLeaf(v.Index(0), path[1:], s)
	case reflect.Struct:
		for i := range v.NumField() {
			if jsonName(v.Type().Field(i)) == path[0] {
				setLeaf(v.Field(i), path[1:], s)
				return
			}
		}
		panic("no field " + path[0])
	}
}

func TestValidateNamesFieldPaths(t *testing.T) {
	c := readyContent()
	c.Slug = "Bad Slug"
	c.Sections = append(c.Sections, Section{Heading: strings.Repeat("h", 201)}, Section{Body: strings.Repeat("b", MaxBody+1)})
	c.HeroImage = &Image{URL: "https://img.example.org/a.jpg"}
	c.Topics = []string{"ok", "Not OK"}
	c.Related = []string{"sleep-and-mood-2", "Bad", "sleep-and-mood"}
	c.CTA = &CTA{URL: "javascript:alert(1)"}
	c.SEO = &SEO{Title: strings.Repeat("s", 71), CanonicalURL: "//no-scheme"}
	c.KeyTakeaways = make([]string, MaxTakeaways+1)
	f := c.Validate()
	for _, p := range []string{"slug", "sections[1].heading", "sections[2].body", "heroImage.alt", "topics[1]", "related[1]",
		"cta.url", "seo.title", "seo.canonicalUrl", "keyTakeaways"} {
		if f[p] == "" {
			t.Errorf("no error at %s; got %v", p, f)
		}
	}
	c2 := readyContent()
	c2.Related = []string{c2.Slug}
	if c2.Validate()["related[0]"] == "" {
		t.Error("an article may relate to itself")
	}
	ready := readyContent()
	if f := ready.Validate(); len(f) != 0 {
		t.Errorf("ready content invalid: %v", f)
	}
	if f := (&Content{}).Validate(); len(f) != 0 {
		t.Errorf("an empty draft is malformed: %v", f)
	}
}

func TestReadiness(t *testing.T) {
	ready := readyContent()
	if f := ready.Readiness(); len(f) != 0 {
		t.Fatalf("ready content not ready: %v", f)
	}
	c := Content{Sections: []Section{{Heading: " "}}, KeyTakeaways: []string{""}, CTA: &CTA{URL: "https://x.org"}}
	f := c.Readiness()
	for _, p := range []string{"slug", "title", "summary", "keyTakeaways[0]", "sections[0].body", "cta.label"} {
		if f[p] == "" {
			t.Errorf("no readiness error at %s; got %v", p, f)
		}
	}
	intro := readyContent()
	intro.Sections = []Section{{Body: "An intro without a heading."}, {Heading: "", Body: "x"}, {Heading: "Pictures", Body: "See ![](/media/a.png) and ![a chart](/media/b.png)"}}
	intro.ClinicianTake = &ClinicianTake{Body: "My words."}
	f = intro.Readiness()
	if f["sections[0].heading"] != "" || f["sections[1].heading"] == "" {
		t.Errorf("the first section must be allowed without a heading, the others not: %v", f)
	}
	if !strings.Contains(f["sections[2].body"], "/media/a.png") || f["clinicianTake.clinician"] == "" {
		t.Errorf("an image without alt text, or a take without its clinician, passes readiness: %v", f)
	}
	if f := (&Content{}).Readiness(); f["sections"] == "" || f["keyTakeaways"] == "" {
		t.Errorf("empty lists pass readiness: %v", f)
	}
}

func TestDiffFieldsSectionsByPositionAndLines(t *testing.T) {
	a := readyContent()
	b := readyContent()
	b.Title = "New"
	b.Sections = []Section{{Heading: "A two-way street", Body: "Short sleep\nLOW mood\nmore"}, {Heading: "Added", Body: "x"}}
	b.ClinicianTake = &ClinicianTake{Body: "take"}
	b.KeyTakeaways = nil
	got := map[string]Change{}
	for _, c := range Diff(a, b) {
		got[c.Path] = c
	}
	want := map[string]string{"title": "changed", "keyTakeaways[0]": "removed", "sections[0].body": "changed",
		"sections[1].heading": "added", "sections[1].body": "added", "clinicianTake.body": "added"}
	if len(got) != len(want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
	for p, k := range want {
		if got[p].Kind != k {
			t.Errorf("%s: %q, want %q", p, got[p].Kind, k)
		}
	}
	lines := got["sections[0].body"].Lines
	wantLines := []DiffLine{{" ", "Short sleep"}, {"-", "low mood"}, {"+", "LOW mood"}, {"+", "more"}}
	if !slices.Equal(lines, wantLines) {
		t.Errorf("lines %v, want %v", lines, wantLines)
	}
	if d := Diff(a, a); len(d) != 0 {
		t.Errorf("a content differs from itself: %v", d)
	}
	if b, _ := json.Marshal(Diff(a, a)); string(b) != "[]" {
		t.Errorf("no changes encode as %s, want []", b)
	}
}

func TestLineDiffReconstructs(t *testing.T) {
	cases := [][2]string{{"", "a\nb"}, {"a\nb", ""}, {"a\nb\nc", "a\nc"}, {"x", "y"}, {"a\na\nb", "a\nb\nb"}}
	for _, c := range cases {
		var before, after []string
		for _, l := range LineDiff(c[0], c[1]) {
			if l.Op != "+" {
				before = append(before, l.Text)
			}
			if l.Op != "-" {
				after = append(after, l.Text)
			}
		}
		if strings.Join(before, "\n") != c[0] || strings.Join(after, "\n") != c[1] {
			t.Errorf("LineDiff(%q, %q) rebuilds %q → %q", c[0], c[1], before, after)
		}
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"What a Panic Attack Feels Like": "what-a-panic-attack-feels-like",
		"  --Sleep & Mood!! ":            "sleep-mood",
		"Ünïcode only ✓":                 "n-code-only",
		"":                               "",
	} {
		got := Slugify(in)
		if got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
		if got != "" && (&Content{Slug: got}).Validate()["slug"] != "" {
			t.Errorf("Slugify(%q) = %q is not a valid slug", in, got)
		}
	}
	for _, in := range []string{strings.Repeat("ab ", 60), strings.Repeat("a", 99) + " b", strings.Repeat("x", 300)} {
		got := Slugify(in)
		if len(got) > 100 || (&Content{Slug: got}).Validate()["slug"] != "" {
			t.Errorf("Slugify of a long title = %q (%d), want a valid slug of at most 100", got, len(got))
		}
	}
}

func TestTopicsUnique(t *testing.T) {
	c := readyContent()
	c.Topics = []string{"sleep", "anxiety", "sleep"}
	if got := c.Validate()["topics"]; got != "each only once" {
		t.Errorf("topics named twice: %q (all: %v)", got, c.Validate())
	}
}
