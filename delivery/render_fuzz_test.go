package delivery

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// FuzzRenderMarkdown: whatever a writer types, the HTML that reaches a
// site has no active element, no event-handler attribute and no URL
// outside http, https, mailto, tel or a relative one.
func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range []string{
		"# Title\n\nSome **bold** text and a [link](https://example.org).",
		"<script>alert(1)</script>",
		"[x](javascript:alert(1))",
		"<img src=x onerror=alert(1)>",
		"| a | b |\n|---|---|\n| 1 | 2 |",
		"<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
		"<svg><script>alert(1)</script></svg>",
		"![alt](data:text/html;base64,PHNjcmlwdD4=)",
		"`<script>`",
		"[a](JaVaScRiPt:alert(1)) <https://example.org> www.example.org",
	} {
		f.Add(s)
	}
	allowedTags := map[string]bool{}
	for _, t := range strings.Fields("p a em strong del code pre blockquote ul ol li h1 h2 h3 h4 h5 h6 hr br img table thead tbody tr th td input") {
		allowedTags[t] = true
	}
	f.Fuzz(func(t *testing.T, src string) {
		out := RenderMarkdown(src)
		z := html.NewTokenizer(strings.NewReader(out))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				return
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			tok := z.Token()
			if !allowedTags[tok.Data] {
				t.Fatalf("rendered HTML of %q has <%s>:\n%s", src, tok.Data, out)
			}
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				if strings.HasPrefix(key, "on") || key == "style" || key == "srcdoc" || key == "formaction" {
					t.Fatalf("rendered HTML of %q has attribute %s:\n%s", src, a.Key, out)
				}
				if key == "href" || key == "src" {
					v := strings.ToLower(strings.TrimSpace(a.Val))
					if i := strings.IndexAny(v, ":/?#"); i >= 0 && v[i] == ':' {
						scheme := v[:i]
						if scheme != "http" && scheme != "https" && scheme != "mailto" && scheme != "tel" {
							t.Fatalf("rendered HTML of %q links to scheme %q:\n%s", src, scheme, out)
						}
					}
				}
			}
		}
	})
}
