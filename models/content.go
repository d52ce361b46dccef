package models

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Content is an article's editable content: everything a writer types.
// Field order here is the canonical order hashed into contentHash.
type Content struct {
	Slug          string         `json:"slug" bson:"slug"`
	Title         string         `json:"title" bson:"title"`
	Summary       string         `json:"summary" bson:"summary"`
	KeyTakeaways  []string       `json:"keyTakeaways" bson:"keyTakeaways"`
	Sections      []Section      `json:"sections" bson:"sections"`
	ClinicianTake *ClinicianTake `json:"clinicianTake" bson:"clinicianTake"`
	HeroImage     *Image         `json:"heroImage" bson:"heroImage"`
	Topics        []string       `json:"topics" bson:"topics" field:"list"`
	Related       []string       `json:"related" bson:"related" field:"list"`
	CTA           *CTA           `json:"cta" bson:"cta"`
	SEO           *SEO           `json:"seo" bson:"seo"`
}

// Section is one heading with a Markdown body.
type Section struct {
	Heading string `json:"heading" bson:"heading"`
	Body    string `json:"body" bson:"body" field:"markdown"`
}

// ClinicianTake is one named clinician's own words. Clinician is that
// clinician's user id: the take is delivered only once they have signed
// exactly this text, and always credited to them (see Article.TakeSignatures).
// Fields added after the first release carry omitempty so that content
// saved before them keeps its hash (and every signature over it stays valid).
type ClinicianTake struct {
	Body      string `json:"body" bson:"body" field:"markdown"`
	Clinician string `json:"clinician,omitempty" bson:"clinician,omitempty"`
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

// Image is a picture with its required alternative text. MediaID is
// reserved for the media library.
type Image struct {
	MediaID string `json:"mediaId,omitempty" bson:"mediaId,omitempty"`
	URL     string `json:"url" bson:"url"`
	Alt     string `json:"alt" bson:"alt"`
	Caption string `json:"caption,omitempty" bson:"caption,omitempty"`
	Credit  string `json:"credit,omitempty" bson:"credit,omitempty"`
}

// CTA is the call to action at the end of an article.
type CTA struct {
	Heading string `json:"heading" bson:"heading"`
	Body    string `json:"body" bson:"body" field:"markdown"`
	Label   string `json:"label" bson:"label"`
	URL     string `json:"url" bson:"url"`
}

// SEO holds search metadata.
type SEO struct {
	Title        string `json:"title" bson:"title"`
	Description  string `json:"description" bson:"description"`
	CanonicalURL string `json:"canonicalUrl" bson:"canonicalUrl"`
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
