package models

import (
	"fmt"
	"strings"
)

// Change is one field that differs between two revisions.
type Change struct {
	Path   string     `json:"path"`
	Kind   string     `json:"kind"` // added, removed, changed
	Before string     `json:"before"`
	After  string     `json:"after"`
	Lines  []DiffLine `json:"lines,omitempty"`
}

// DiffLine is one line of a line diff: Op is " ", "+" or "-".
type DiffLine struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// Diff compares two contents field by field; sections are matched by
// position and Markdown bodies get a line diff.
func Diff(a, b Content) []Change {
	out := []Change{}
	str := func(path, x, y string, lines bool) {
		if x == y {
			return
		}
		c := Change{Path: path, Kind: "changed", Before: x, After: y}
		if x == "" {
			c.Kind = "added"
		} else if y == "" {
			c.Kind = "removed"
		}
		if lines {
			c.Lines = LineDiff(x, y)
		}
		out = append(out, c)
	}
	str("slug", a.Slug, b.Slug, false)
	str("title", a.Title, b.Title, false)
	str("summary", a.Summary, b.Summary, false)
	for i := 0; i < max(len(a.KeyTakeaways), len(b.KeyTakeaways)); i++ {
		str(fmt.Sprintf("keyTakeaways[%d]", i), at(a.KeyTakeaways, i), at(b.KeyTakeaways, i), false)
	}
	for i := 0; i < max(len(a.Sections), len(b.Sections)); i++ {
		var x, y Section
		if i < len(a.Sections) {
			x = a.Sections[i]
		}
		if i < len(b.Sections) {
			y = b.Sections[i]
		}
		str(fmt.Sprintf("sections[%d].heading", i), x.Heading, y.Heading, false)
		str(fmt.Sprintf("sections[%d].body", i), x.Body, y.Body, true)
	}
	take := func(c *ClinicianTake) string {
		if c == nil {
			return ""
		}
		return c.Body
	}
	str("clinicianTake.body", take(a.ClinicianTake), take(b.ClinicianTake), true)
	img := func(i *Image) Image {
		if i == nil {
			return Image{}
		}
		return *i
	}
	str("heroImage.url", img(a.HeroImage).URL, img(b.HeroImage).URL, false)
	str("heroImage.alt", img(a.HeroImage).Alt, img(b.HeroImage).Alt, false)
	str("topics", strings.Join(a.Topics, ", "), strings.Join(b.Topics, ", "), false)
	str("related", strings.Join(a.Related, ", "), strings.Join(b.Related, ", "), false)
	cta := func(c *CTA) CTA {
		if c == nil {
			return CTA{}
		}
		return *c
	}
	ca, cb := cta(a.CTA), cta(b.CTA)
	str("cta.heading", ca.Heading, cb.Heading, false)
	str("cta.body", ca.Body, cb.Body, false)
	str("cta.label", ca.Label, cb.Label, false)
	str("cta.url", ca.URL, cb.URL, false)
	seo := func(s *SEO) SEO {
		if s == nil {
			return SEO{}
		}
		return *s
	}
	sa, sb := seo(a.SEO), seo(b.SEO)
	str("seo.title", sa.Title, sb.Title, false)
	str("seo.description", sa.Description, sb.Description, false)
	str("seo.canonicalUrl", sa.CanonicalURL, sb.CanonicalURL, false)
	return out
}

func at(xs []string, i int) string {
	if i < len(xs) {
		return xs[i]
	}
	return ""
}

// LineDiff is a longest-common-subsequence diff of two texts by line.
func LineDiff(a, b string) []DiffLine {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	if a == "" {
		x = nil
	}
	if b == "" {
		y = nil
	}
	if len(x)*len(y) > 4_000_000 { // too big for LCS: show replace
		out := make([]DiffLine, 0, len(x)+len(y))
		for _, l := range x {
			out = append(out, DiffLine{"-", l})
		}
		for _, l := range y {
			out = append(out, DiffLine{"+", l})
		}
		return out
	}
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []DiffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case x[i] == y[j]:
			out = append(out, DiffLine{" ", x[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, DiffLine{"-", x[i]})
			i++
		default:
			out = append(out, DiffLine{"+", y[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, DiffLine{"-", x[i]})
	}
	for ; j < m; j++ {
		out = append(out, DiffLine{"+", y[j]})
	}
	return out
}
