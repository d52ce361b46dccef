// Package adminui embeds the built admin SPA (admin-ui/dist). A fresh
// clone holds only dist/.keep, so `go build ./...` works before the UI is
// built; the server then shows a "UI not built" page.
package adminui

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built UI, or nil when it was not built.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return nil
	}
	return sub
}
