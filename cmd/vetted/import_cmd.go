package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/vetted-cms/vetted/workflow"
)

// importCmd: vetted import --author EMAIL FILE. FILE holds JSON lines in
// the article shape (plus an optional firstPublishedAt). Every record is
// checked before anything is written; a bad one is reported by line
// number and nothing is imported. Imported articles are drafts: they go
// live only through review and sign-off like any other.
func importCmd(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) int {
	author, file := "", ""
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "--author" && i+1 < len(args):
			author = args[i+1]
			i++
		case file == "" && len(args[i]) > 0 && args[i][0] != '-':
			file = args[i]
		default:
			fmt.Fprintf(stderr, "vetted import: unexpected %q\n", args[i])
			file = ""
			i = len(args)
		}
	}
	if author == "" || file == "" {
		fmt.Fprintln(stderr, "usage: vetted import --author EMAIL FILE   (FILE: JSON lines, one article each)")
		return 2
	}
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintf(stderr, "vetted import: %v\n", err)
		return 1
	}
	defer f.Close()
	a, err := open(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "vetted import: %v\n", err)
		return 1
	}
	defer a.closeDB(context.Background())
	u, err := a.svc.Users.ByEmail(ctx, author)
	if err != nil {
		fmt.Fprintf(stderr, "vetted import: author %s: %v\n", author, err)
		return 1
	}
	if !u.Active || !a.policy.AllowAny(u.Roles, "article", "create") {
		fmt.Fprintf(stderr, "vetted import: %s may not create articles\n", author)
		return 1
	}
	recs, bad := a.svc.ParseImport(f)
	if len(bad) > 0 {
		for _, e := range bad {
			fmt.Fprintf(stderr, "%s: %s\n", file, e)
		}
		fmt.Fprintf(stderr, "vetted import: %d bad record(s); nothing was imported\n", len(bad))
		return 1
	}
	ids, err := a.svc.Import(ctx, u, recs)
	if err != nil {
		fmt.Fprintf(stderr, "vetted import: %v (%d of %d imported before the failure)\n", describeErr(err), len(ids), len(recs))
		return 1
	}
	fmt.Fprintf(stdout, "imported %d article(s) as %s drafts by %s; each goes live only after review and sign-off\n", len(ids), workflow.StateDraft, u.Email)
	return 0
}
