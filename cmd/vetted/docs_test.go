package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README and docs/ are read in a clone: every relative link and every
// backticked repository path in them must exist in the repository.
func TestDocLinksResolveInTheRepository(t *testing.T) {
	root := filepath.Join("..", "..")
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append(files, filepath.Join(root, "README.md"), filepath.Join(root, "admin-ui", "README.md"))
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	// `docs/x.md`, `handlers/openapi.json`, `../shared/…`: paths by shape
	// (a slash and a file extension, no spaces or placeholders).
	path := regexp.MustCompile("`((?:\\.\\./|\\./)?[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+\\.(?:md|go|json|conf|sh|mjs|ts|tsx|csv|yaml|yml))`")
	checked := 0
	absRoot, _ := filepath.Abs(root)
	// exists: the path is a file of the repository (not one beside it,
	// like ../shared/, which a clone does not have).
	exists := func(p string) bool {
		abs, _ := filepath.Abs(p)
		if rel, err := filepath.Rel(absRoot, abs); err != nil || strings.HasPrefix(rel, "..") {
			return false
		}
		_, err := os.Stat(p)
		return err == nil
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			u := m[1]
			if strings.HasPrefix(u, "http") || strings.HasPrefix(u, "mailto:") || strings.HasPrefix(u, "#") {
				continue
			}
			checked++
			if !exists(filepath.Join(filepath.Dir(f), strings.SplitN(u, "#", 2)[0])) {
				t.Errorf("%s links %s, which is not in the repository", f, u)
			}
		}
		for _, m := range path.FindAllStringSubmatch(string(b), -1) {
			p := m[1]
			checked++
			// Relative to the file, or to the repository root as most docs write them.
			if !exists(filepath.Join(filepath.Dir(f), p)) && !exists(filepath.Join(root, p)) {
				t.Errorf("%s names %s, which is not in the repository", f, p)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d links checked: is the pattern still right?", checked)
	}
}
