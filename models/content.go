package models

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// Content is an article's editable content: everything a writer types.
// Field order here is the canonical order hashed into contentHash.
//
// Content is also the request DTO of article writes, so unlike other
// stored models it carries validate: tags (STYLE.md): the client's JSON is
// decoded straight into it and hashed as is, and a mirror DTO would be a
// second copy of the field list that hashing, diff and the review screen
// derive from this type. Server-owned fields are not here (Article holds
// them), so nothing server-owned can be bound through it.
type Content struct {
	Slug          string         `json:"slug" bson:"slug" validate:"omitempty,max=120,slug"`
	Title         string         `json:"title" bson:"title" validate:"max=200"`
	Summary       string         `json:"summary" bson:"summary" validate:"max=1000"`
	KeyTakeaways  []string       `json:"keyTakeaways" bson:"keyTakeaways" validate:"max=7,dive,max=300"`
	Sections      []Section      `json:"sections" bson:"sections" validate:"max=50,dive"`
	ClinicianTake *ClinicianTake `json:"clinicianTake" bson:"clinicianTake"`
	HeroImage     *Image         `json:"heroImage" bson:"heroImage"`
	Topics        []string       `json:"topics" bson:"topics" field:"list" validate:"max=12,unique,dive,max=60,slug"`
	Related       []string       `json:"related" bson:"related" field:"list" validate:"max=6,dive,slug"`
	CTA           *CTA           `json:"cta" bson:"cta"`
	SEO           *SEO           `json:"seo" bson:"seo"`
}

// Section is one heading with a Markdown body.
type Section struct {
	Heading string `json:"heading" bson:"heading" validate:"max=200"`
	Body    string `json:"body" bson:"body" field:"markdown" validate:"maxbytes=65536"`
}

// ClinicianTake is one named clinician's own words. Clinician is that
// clinician's user id: the take is delivered only once they have signed
// exactly this text, and always credited to them (see Article.TakeSignatures).
// Fields added after the first release carry omitempty so that content
// saved before them keeps its hash (and every signature over it stays valid).
type ClinicianTake struct {
	Body      string `json:"body" bson:"body" field:"markdown" validate:"maxbytes=8000"`
	Clinician string `json:"clinician,omitempty" bson:"clinician,omitempty" validate:"max=64"`
}

// Hash returns the sha-256 of the take's canonical JSON (its words and
// whose words they are): what a take signature is bound to.
func (t *ClinicianTake) Hash() string {
	if t == nil {
		return ""
	}
	b, _ := json.Marshal(t)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Given reports whether the take has words.
func (t *ClinicianTake) Given() bool { return t != nil && t.Body != "" }

// Image is a picture with its required alternative text. MediaID names
// an image of the media library; the service then fills URL (and the
// texts the article leaves empty) from the library, so the alt text the
// clinician signs is the one in the content.
type Image struct {
	MediaID string `json:"mediaId,omitempty" bson:"mediaId,omitempty" validate:"max=64"`
	URL     string `json:"url" bson:"url" validate:"omitempty,imageurl"`
	Alt     string `json:"alt" bson:"alt" validate:"max=300"`
	Caption string `json:"caption,omitempty" bson:"caption,omitempty" validate:"max=500"`
	Credit  string `json:"credit,omitempty" bson:"credit,omitempty" validate:"max=200"`
}

// CTA is the call to action at the end of an article.
type CTA struct {
	Heading string `json:"heading" bson:"heading" validate:"max=200"`
	Body    string `json:"body" bson:"body" field:"markdown" validate:"maxbytes=4000"`
	Label   string `json:"label" bson:"label" validate:"max=80"`
	URL     string `json:"url" bson:"url" validate:"omitempty,httpurl"`
}

// SEO holds search metadata.
type SEO struct {
	Title        string `json:"title" bson:"title" validate:"max=70"`
	Description  string `json:"description" bson:"description" validate:"max=200"`
	CanonicalURL string `json:"canonicalUrl" bson:"canonicalUrl" validate:"omitempty,httpurl"`
}

// Normalize replaces nil slices with empty ones so that the same content
// always encodes, and hashes, the same way.
func (c *Content) Normalize() {
	if c.KeyTakeaways == nil {
		c.KeyTakeaways = []string{}
	}
	if c.Sections == nil {
		c.Sections = []Section{}
	}
	if c.Topics == nil {
		c.Topics = []string{}
	}
	if c.Related == nil {
		c.Related = []string{}
	}
}

// Hash returns the sha-256 of the canonical JSON of the content: the struct
// encoded in its fixed field order with nil slices normalized, so two
// contents hash alike exactly when every field is alike.
func (c Content) Hash() string {
	c.Normalize()
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // a struct of strings cannot fail to encode
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Validate checks the shape of content on every save (drafts may be
// incomplete, never malformed) against Content's validate tags and
// returns field paths with reasons.
func (c *Content) Validate() map[string]string { return Fields(c) }

// Readiness checks what a submission for review needs beyond Validate.
// It stays code rather than a validation group: its rules are about
// presence where position and neighbours matter (a CTA needs a label and
// URL once either is set), validator/v10 has no groups, and a second tag
// set on every field would be a second list to keep in step. Its
// messages are "required before review" so the writer sees what submit
// needs, beside the shape errors of Validate.
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
		if i > 0 { // the first section may be a heading-less intro
			req(fmt.Sprintf("sections[%d].heading", i), s.Heading)
		}
		req(fmt.Sprintf("sections[%d].body", i), s.Body)
		imagesNeedAlt(f, fmt.Sprintf("sections[%d].body", i), s.Body)
	}
	if t := c.ClinicianTake; t.Given() {
		req("clinicianTake.clinician", t.Clinician)
		imagesNeedAlt(f, "clinicianTake.body", t.Body)
	}
	if c.CTA != nil && (c.CTA.Label != "" || c.CTA.URL != "") {
		req("cta.label", c.CTA.Label)
		req("cta.url", c.CTA.URL)
	}
	if c.CTA != nil {
		imagesNeedAlt(f, "cta.body", c.CTA.Body)
	}
	return f
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
