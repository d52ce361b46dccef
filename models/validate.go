package models

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	slugRE  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	topicRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// Content limits.
const (
	MaxTakeaways = 7
	MaxSections  = 50
	MaxRelated   = 6
	MaxTopics    = 12
	MaxBody      = 64 << 10
)

// Validate checks the shape of content on every save (drafts may be
// incomplete, never malformed) and returns field paths with reasons.
func (c *Content) Validate() map[string]string {
	f := map[string]string{}
	maxLen := func(path, v string, n int) {
		if utf8.RuneCountInString(v) > n {
			f[path] = fmt.Sprintf("at most %d characters", n)
		}
	}
	if c.Slug != "" && (!slugRE.MatchString(c.Slug) || len(c.Slug) > 120) {
		f["slug"] = "lowercase letters, digits and single hyphens (kebab-case), at most 120"
	}
	maxLen("title", c.Title, 200)
	maxLen("summary", c.Summary, 1000)
	if len(c.KeyTakeaways) > MaxTakeaways {
		f["keyTakeaways"] = fmt.Sprintf("at most %d", MaxTakeaways)
	}
	for i, k := range c.KeyTakeaways {
		maxLen(fmt.Sprintf("keyTakeaways[%d]", i), k, 300)
	}
	if len(c.Sections) > MaxSections {
		f["sections"] = fmt.Sprintf("at most %d", MaxSections)
	}
	for i, s := range c.Sections {
		maxLen(fmt.Sprintf("sections[%d].heading", i), s.Heading, 200)
		if len(s.Body) > MaxBody {
			f[fmt.Sprintf("sections[%d].body", i)] = fmt.Sprintf("at most %d bytes", MaxBody)
		}
	}
	if c.ClinicianTake != nil && len(c.ClinicianTake.Body) > 8000 {
		f["clinicianTake.body"] = "at most 8000 bytes"
	}
	if c.HeroImage != nil {
		if c.HeroImage.URL != "" {
			if !IsMediaPath(c.HeroImage.URL) {
				checkURL(f, "heroImage.url", c.HeroImage.URL)
			}
			if strings.TrimSpace(c.HeroImage.Alt) == "" {
				f["heroImage.alt"] = "required when the image is set: describe the picture for people who cannot see it"
			}
		}
		maxLen("heroImage.alt", c.HeroImage.Alt, 300)
		maxLen("heroImage.caption", c.HeroImage.Caption, 1000)
		maxLen("heroImage.credit", c.HeroImage.Credit, 300)
		if len(c.HeroImage.MediaID) > 100 {
			f["heroImage.mediaId"] = "at most 100 characters"
		}
	}
	if len(c.Topics) > MaxTopics {
		f["topics"] = fmt.Sprintf("at most %d", MaxTopics)
	}
	for i, t := range c.Topics {
		if !topicRE.MatchString(t) || len(t) > 60 {
			f[fmt.Sprintf("topics[%d]", i)] = "lowercase kebab-case"
		}
	}
	if len(c.Related) > MaxRelated {
		f["related"] = fmt.Sprintf("at most %d", MaxRelated)
	}
	for i, r := range c.Related {
		if !slugRE.MatchString(r) {
			f[fmt.Sprintf("related[%d]", i)] = "must be an article slug"
		} else if r == c.Slug {
			f[fmt.Sprintf("related[%d]", i)] = "an article cannot relate to itself"
		}
	}
	if c.CTA != nil {
		maxLen("cta.heading", c.CTA.Heading, 200)
		maxLen("cta.body", c.CTA.Body, 1000)
		maxLen("cta.label", c.CTA.Label, 80)
		if c.CTA.URL != "" {
			checkURL(f, "cta.url", c.CTA.URL)
		}
	}
	if c.SEO != nil {
		maxLen("seo.title", c.SEO.Title, 70)
		maxLen("seo.description", c.SEO.Description, 200)
		if c.SEO.CanonicalURL != "" {
			checkURL(f, "seo.canonicalUrl", c.SEO.CanonicalURL)
		}
	}
	return f
}

// Readiness checks what a submission for review needs beyond Validate.
func (c *Content) Readiness() map[string]string {
	f := c.Validate()
	req := func(path, v string) {
		if strings.TrimSpace(v) == "" {
			if _, ok := f[path]; !ok {
				f[path] = "required before review"
			}
		}
	}
	req("slug", c.Slug)
	req("title", c.Title)
	req("summary", c.Summary)
	if len(c.KeyTakeaways) == 0 {
		f["keyTakeaways"] = "at least one key takeaway before review"
	}
	for i, k := range c.KeyTakeaways {
		req(fmt.Sprintf("keyTakeaways[%d]", i), k)
	}
	if len(c.Sections) == 0 {
		f["sections"] = "at least one section before review"
	}
	for i, s := range c.Sections {
		req(fmt.Sprintf("sections[%d].heading", i), s.Heading)
		req(fmt.Sprintf("sections[%d].body", i), s.Body)
	}
	if c.CTA != nil && (c.CTA.Label != "" || c.CTA.URL != "") {
		req("cta.label", c.CTA.Label)
		req("cta.url", c.CTA.URL)
	}
	return f
}

var mediaPathRE = regexp.MustCompile(`^/media/[0-9a-f]{64}/[1-9][0-9]{0,5}\.(jpg|png)$`)

// IsMediaPath reports whether u is the same-origin path of a media
// library rendition (/media/<sha256>/<width>.<ext>).
func IsMediaPath(u string) bool { return mediaPathRE.MatchString(u) }

func checkURL(f map[string]string, path, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(raw) > 2000 {
		f[path] = "must be an http(s) URL"
	}
}

// Slugify turns a title into a kebab-case slug.
func Slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if len(s) > 100 {
		s = strings.TrimSuffix(s[:100], "-")
	}
	return s
}

// Texts returns every text of the content, for marker searches (the
// crisis-resources rule).
func (c *Content) Texts() []string {
	out := []string{c.Title, c.Summary}
	out = append(out, c.KeyTakeaways...)
	for _, s := range c.Sections {
		out = append(out, s.Heading, s.Body)
	}
	if c.CTA != nil {
		out = append(out, c.CTA.Heading, c.CTA.Body, c.CTA.Label, c.CTA.URL)
	}
	if c.ClinicianTake != nil {
		out = append(out, c.ClinicianTake.Body)
	}
	return out
}
