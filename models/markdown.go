package models

import (
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// MarkdownParser is the one Markdown dialect Vetted reads (CommonMark with
// GitHub tables, strikethrough and autolinks): delivery renders with it,
// and the readiness check finds images with it.
var MarkdownParser = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))

// MarkdownImage is one image in a Markdown body.
type MarkdownImage struct {
	Dest, Alt string
}

// MarkdownImages lists the images of a Markdown body with their alt text.
func MarkdownImages(src string) []MarkdownImage {
	if !strings.Contains(src, "![") {
		return nil
	}
	b := []byte(src)
	doc := MarkdownParser.Parser().Parse(text.NewReader(b))
	var out []MarkdownImage
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering {
			var alt strings.Builder
			_ = ast.Walk(img, func(c ast.Node, in bool) (ast.WalkStatus, error) {
				if t, ok := c.(*ast.Text); ok && in {
					alt.Write(t.Segment.Value(b))
				}
				return ast.WalkContinue, nil
			})
			out = append(out, MarkdownImage{Dest: string(img.Destination), Alt: strings.TrimSpace(alt.String())})
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return out
}

// imagesNeedAlt records a readiness error at path for each image without
// alt text.
func imagesNeedAlt(f map[string]string, path, src string) {
	for _, im := range MarkdownImages(src) {
		if im.Alt == "" {
			if _, ok := f[path]; !ok {
				f[path] = "an image (" + im.Dest + ") has no alt text: write ![what the picture shows](" + im.Dest + ")"
			}
		}
	}
}
