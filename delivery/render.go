package delivery

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"

	"github.com/vetted-cms/vetted/models"
)

// Markdown is rendered once per change of what is live (when a snapshot
// is built), never per request: goldmark (models.MarkdownParser; raw HTML
// in the source is dropped), then one narrow bluemonday policy — only the
// elements Markdown itself produces, no class, id, role or style, no
// buttons, forms, details, svg, math or media; links only to http(s),
// mailto, tel or a #fragment; images only from the media library
// (/media/…) or the vetted image hosts (VETTED_IMAGE_HOSTS), with alt
// text. The admin UI's previews apply the same rules.
type Renderer struct {
	policy *bluemonday.Policy
	// base, when set, is the public address library images (/media/…)
	// are delivered under: "https://cms.example.org" (no trailing slash).
	base string
}

// NewRenderer returns a renderer whose images may come from /media/ and
// the given hosts (exact host names, https only).
func NewRenderer(imageHosts []string) *Renderer {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "li", "pre", "code",
		"em", "strong", "del", "table", "thead", "tbody", "tr")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,9}$`)).OnElements("ol")
	p.AllowElements("ol")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|center|right)$`)).OnElements("th", "td")
	p.AllowElements("th", "td")
	p.AllowURLSchemes("http", "https", "mailto", "tel")
	p.AllowRelativeURLs(true) // narrowed per attribute below
	p.AllowAttrs("href").Matching(regexp.MustCompile(`^(https?://|mailto:|tel:|#)`)).OnElements("a")
	p.AllowAttrs("title").OnElements("a", "img")
	p.RequireNoFollowOnLinks(false)
	p.RequireNoReferrerOnLinks(true)
	p.RequireParseableURLs(true)
	p.AllowAttrs("src").Matching(imageSrcRE(imageHosts)).OnElements("img")
	p.AllowAttrs("alt").OnElements("img")
	return &Renderer{policy: p}
}

// WithPublicURL returns a copy of r that delivers library images
// (/media/…) as absolute URLs under base (VETTED_PUBLIC_URL): for sites
// and feeds on other hosts. The Markdown itself, what the clinician
// signed, keeps its relative URLs; only what is delivered changes.
func (r *Renderer) WithPublicURL(base string) *Renderer {
	cp := *r
	cp.base = strings.TrimRight(base, "/")
	return &cp
}

// MediaURL is u as delivered: absolute under the public URL when u is a
// library image (/media/…) and a public URL is set; else u unchanged.
func (r *Renderer) MediaURL(u string) string {
	if r == nil || r.base == "" || !strings.HasPrefix(u, "/media/") {
		return u
	}
	return r.base + u
}

func (r *Renderer) publicURL() string {
	if r == nil {
		return ""
	}
	return r.base
}

// key names what, besides the article, a snapshot built with r depends
// on: a changed public URL rebuilds the stored snapshots at start.
func (r *Renderer) key() string {
	if r == nil || r.base == "" {
		return ""
	}
	return "|u" + r.base
}

// imageSrcRE matches the image sources allowed: /media/… or https on a
// vetted host.
func imageSrcRE(hosts []string) *regexp.Regexp {
	alts := []string{`/media/[^\s"'<>\\]*`}
	for _, h := range hosts {
		if h = strings.TrimSpace(strings.ToLower(h)); h != "" {
			alts = append(alts, `https://`+regexp.QuoteMeta(h)+`/[^\s"'<>\\]*`)
		}
	}
	return regexp.MustCompile(`^(` + strings.Join(alts, "|") + `)$`)
}

var (
	defaultOnce     sync.Once
	defaultRenderer *Renderer
)

// DefaultRenderer allows images from the media library only.
func DefaultRenderer() *Renderer {
	defaultOnce.Do(func() { defaultRenderer = NewRenderer(nil) })
	return defaultRenderer
}

// Render returns sanitized HTML for a Markdown body. An img left without
// a src (its source was not allowed) is dropped with it.
func (r *Renderer) Render(src string) string {
	if src == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := models.MarkdownParser.Convert([]byte(src), &buf); err != nil {
		// goldmark fails only on writer errors; a bytes.Buffer has none.
		return r.policy.Sanitize(src)
	}
	out := r.policy.SanitizeBytes(buf.Bytes())
	out = imgWithoutSrc.ReplaceAll(out, nil)
	if r.base != "" {
		// After sanitizing, a literal src="/media/ can only be an img's
		// own attribute (quotes in text and other attributes are escaped).
		out = bytes.ReplaceAll(out, []byte(`src="/media/`), []byte(`src="`+html.EscapeString(r.base)+`/media/`))
	}
	return string(bytes.TrimSpace(out))
}

var imgWithoutSrc = regexp.MustCompile(`<img(?:\s+(?:alt|title)="[^"]*")*\s*/?>`)

// RenderMarkdown renders with the default renderer (media library images only).
func RenderMarkdown(src string) string { return DefaultRenderer().Render(src) }
