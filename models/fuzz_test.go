package models

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzContentValidate: Validate, Readiness and Hash never panic on any
// content; Readiness reports at least what Validate does; the hash is
// stable, and survives a JSON round trip (how content reaches the server)
// for valid UTF-8.
func FuzzContentValidate(f *testing.F) {
	f.Add("sleep-and-mood", "Title", "Summary", "take", "heading", "body\nline", "https://x.org/a.jpg", "", "sleep", "other", "https://x.org", 1)
	f.Add("Bad Slug", "", "", "", "", "", "javascript:alert(1)", "alt", "Not OK", "Bad", "%zz", 60)
	f.Add("", "\xff", "\u2028", "", "<script>", "", "http://", " ", "", "", "http://[::1", 0)
	f.Fuzz(func(t *testing.T, slug, title, summary, take, heading, body, url, alt, topic, related, link string, n int) {
		n = ((n % 60) + 60) % 60
		c := Content{Slug: slug, Title: title, Summary: summary,
			KeyTakeaways: []string{take}, Topics: []string{topic}, Related: []string{related},
			HeroImage: &Image{URL: url, Alt: alt}, CTA: &CTA{URL: link, Label: take}, SEO: &SEO{CanonicalURL: link, Title: title}}
		for i := 0; i < n; i++ {
			c.Sections = append(c.Sections, Section{Heading: heading, Body: strings.Repeat(body, i%3)})
		}
		if n%2 == 0 {
			c.ClinicianTake = &ClinicianTake{Body: body}
		}
		v := c.Validate()
		r := c.Readiness()
		for p := range v {
			if _, ok := r[p]; !ok {
				t.Fatalf("Readiness misses %s that Validate reports", p)
			}
		}
		h := c.Hash()
		if len(h) != 64 || h != c.Hash() {
			t.Fatalf("hash %q not stable", h)
		}
		// Content from a request is valid UTF-8 (the JSON decoder replaces
		// bad bytes); check each string alone, since two invalid halves can
		// concatenate into a valid character.
		for _, s := range []string{slug, title, summary, take, heading, body, url, alt, topic, related, link} {
			if !utf8.ValidString(s) {
				return
			}
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var back Content
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.Hash() != h {
			t.Fatalf("hash changed over a JSON round trip")
		}
	})
}
