package handlers

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
)

// serveUI serves the built admin SPA: hashed assets cached for a year,
// every other path under /admin/ falls back to index.html.
func (s *Server) serveUI(c *gin.Context) {
	p := strings.TrimPrefix(path.Clean(c.Request.URL.Path), "/admin")
	p = strings.TrimPrefix(p, "/")
	if s.UI == nil {
		c.Data(http.StatusServiceUnavailable, "text/html; charset=utf-8", []byte(notBuilt))
		return
	}
	if p != "" && p != "index.html" {
		if st, err := fs.Stat(s.UI, p); err == nil && !st.IsDir() {
			if strings.HasPrefix(p, "assets/") {
				c.Header("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				c.Header("Cache-Control", "no-cache")
			}
			c.FileFromFS(p, http.FS(s.UI))
			return
		}
		if strings.HasPrefix(p, "assets/") {
			c.Status(http.StatusNotFound)
			return
		}
	}
	b, err := fs.ReadFile(s.UI, "index.html")
	if err != nil {
		c.Data(http.StatusServiceUnavailable, "text/html; charset=utf-8", []byte(notBuilt))
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", b)
}

const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vetted</title></head>
<body><h1>The admin UI is not built</h1><p>Run <code>make build</code> (or <code>make run</code>) to build it into the binary. The API is up.</p></body></html>`
