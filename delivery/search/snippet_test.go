package search

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestSnippets: a snippet is cut around the densest run of matches of a
// long field (not the whole field, not its first match), starts and ends
// on word boundaries with an ellipsis where text was cut, escapes the
// text and marks every match inside it.
func TestSnippets(t *testing.T) {
	x := newIndex(t)
	filler := strings.Repeat("Plain words about daily routines and rest. ", 30) // ~1,300 bytes
	s := snapshot(1)
	s.Title = "Quiet evenings"
	s.Summary = "Short <summary> & a zebrafinch"
	s.Sections = s.Sections[:1]
	s.Sections[0].Heading = ""
	s.Sections[0].HTML = "<p>" + "A zebrafinch once. " + filler + "Zebrafinches sing; a zebrafinch &lt;b&gt;calls&lt;/b&gt; at dawn, the zebrafinch rests. " + filler + "</p>"
	_ = x.Put(s)
	x.Wait()
	res, err := x.Search(Query{Q: "zebrafinch", Page: 1, Limit: 5})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("%v, %d hits", err, res.Total)
	}
	hl := res.Items[0].Highlights
	sec := hl["sections"]
	if len(sec) != 1 {
		t.Fatalf("sections snippets: %q", sec)
	}
	got := sec[0]
	if strings.Count(got, "<mark>") != 3 || !strings.Contains(got, "<mark>Zebrafinches</mark> sing") || strings.Contains(got, "once") {
		t.Errorf("want the densest run of matches (3, one stemmed), not the first match: %q", got)
	}
	if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
		t.Errorf("a snippet cut from the middle of a field starts and ends with an ellipsis: %q", got)
	}
	if len(got) > snippetSize+120 {
		t.Errorf("snippet of %d bytes: %q", len(got), got)
	}
	if !strings.Contains(got, "&lt;b&gt;calls&lt;/b&gt;") || strings.Contains(got, "<b>") {
		t.Errorf("the text is not escaped: %q", got)
	}
	for _, w := range strings.Fields(strings.Trim(got, "…")) {
		if w == "Plai" || w == "ords" { // a word cut in two at either end
			t.Errorf("snippet cut inside a word: %q", got)
		}
	}
	if want := "Short &lt;summary&gt; &amp; a <mark>zebrafinch</mark>"; len(hl["summary"]) != 1 || hl["summary"][0] != want {
		t.Errorf("summary snippet %q; want %q", hl["summary"], want)
	}
	if _, ok := hl["title"]; ok {
		t.Errorf("a field without a match has a snippet: %q", hl["title"])
	}
}

// TestSnippetMarksWhatTheAnalyzerMatches: the snippet marks the words
// the English analyzer reduces to a query term (stems, case, possessives,
// y→i), not words that merely look alike, and not stop words.
func TestSnippetMarksWhatTheAnalyzerMatches(t *testing.T) {
	x := newIndex(t)
	s := snapshot(1)
	s.Title = "Walked, WALKS and walking; the doctor's sleek says: sleepy sleepers sleep happily." // ASCII
	s.Summary = "Café naïve, the nurse’s notes."                                                   // not ASCII
	_ = x.Put(s)
	x.Wait()
	for q, want := range map[string]string{
		"cafe café naïve nurses": "<mark>Café</mark> <mark>naïve</mark>, the <mark>nurse’s</mark> notes.",
		"walking":                "<mark>Walked</mark>, <mark>WALKS</mark> and <mark>walking</mark>; the doctor&#39;s sleek",
		"doctors":                "the <mark>doctor&#39;s</mark> sleek",
		"sleep the":              "the doctor&#39;s sleek says: sleepy sleepers <mark>sleep</mark> happily",
		"sleepy saying":          "sleek <mark>says</mark>: <mark>sleepy</mark> sleepers sleep happily",
	} {
		res, err := x.Search(Query{Q: q, Page: 1, Limit: 5})
		if err != nil || len(res.Items) == 0 {
			t.Fatalf("%q: %v, no hit", q, err)
		}
		field := "title"
		if strings.Contains(q, "café") || strings.Contains(q, "nurse") {
			field = "summary"
		}
		got := strings.Join(res.Items[0].Highlights[field], " ")
		if !strings.Contains(got, want) {
			t.Errorf("%q: title snippet %q; want it to contain %q", q, got, want)
		}
	}
}

// TestSnippetCutsAnywhere: whatever the text and the matches, a snippet
// is valid UTF-8, never empty, and shows its run of matches marked.
func TestSnippetCutsAnywhere(t *testing.T) {
	words := []string{"naïve", "sleep", "a", "—", "x", "walking", "héllo", "\n", "supercalifragilisticexpialidocious", "日本語"}
	for seed := 0; seed < 2000; seed++ {
		var b strings.Builder
		var spans []span
		for k := 0; k < 5+seed%200; k++ {
			w := words[(seed*31+k*k*7+k)%len(words)]
			if w == "sleep" {
				spans = append(spans, span{b.Len(), b.Len() + len(w)})
			}
			b.WriteString(w)
			b.WriteByte(' ')
		}
		if len(spans) == 0 {
			continue
		}
		got := snippet(b.String(), spans)
		if !utf8.ValidString(got) || !strings.Contains(got, "<mark>sleep</mark>") {
			t.Fatalf("seed %d: %q from %q", seed, got, b.String())
		}
	}
}
