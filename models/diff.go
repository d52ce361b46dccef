package models

import (
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

// Diff compares two contents leaf by leaf, over the fields the
// contentHash covers (derived from the type: see HashedFields); list
// items such as sections are matched by position and Markdown bodies get
// a line diff.
func Diff(a, b Content) []Change {
	out := []Change{}
	for _, p := range pairs(a, b) {
		x, y := p[0].Value, p[1].Value
		if x == y {
			continue
		}
		c := Change{Path: p[0].Path, Kind: "changed", Before: x, After: y}
		if x == "" {
			c.Kind = "added"
		} else if y == "" {
			c.Kind = "removed"
		}
		if p[0].Markdown {
			c.Lines = LineDiff(x, y)
		}
		out = append(out, c)
	}
	return out
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
