package delivery

import (
	"bytes"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Markdown is rendered once, when a version is published: goldmark
// (CommonMark with GitHub tables, strikethrough and autolinks; raw HTML
// in the source is dropped), then bluemonday's user-generated-content
// policy, so what reaches a site's page is safe even if a writer pasted
// a script tag.
var (
	md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))

	policyOnce sync.Once
	policy     *bluemonday.Policy
)

func sanitizer() *bluemonday.Policy {
	policyOnce.Do(func() {
		p := bluemonday.UGCPolicy()
		p.RequireNoFollowOnLinks(false)
		p.RequireNoReferrerOnLinks(true)
		p.AllowURLSchemes("http", "https", "mailto", "tel")
		policy = p
	})
	return policy
}

// RenderMarkdown returns sanitized HTML for a Markdown body.
func RenderMarkdown(src string) string {
	if src == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark fails only on writer errors; a bytes.Buffer has none.
		return sanitizer().Sanitize(src)
	}
	return string(bytes.TrimSpace(sanitizer().SanitizeBytes(buf.Bytes())))
}
