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
	Topics        []string       `json:"topics" bson:"topics"`
	Related       []string       `json:"related" bson:"related"`
	CTA           *CTA           `json:"cta" bson:"cta"`
	SEO           *SEO           `json:"seo" bson:"seo"`
}

// Section is one heading with a Markdown body.
type Section struct {
	Heading string `json:"heading" bson:"heading"`
	Body    string `json:"body" bson:"body"`
}

// ClinicianTake is the quote the signing clinician endorses.
type ClinicianTake struct {
	Body string `json:"body" bson:"body"`
}

// Image is a picture with its required alternative text. MediaID names
// an image of the media library; the service then fills URL (and the
// texts the article leaves empty) from the library, so the alt text the
// clinician signs is the one in the content.
type Image struct {
	MediaID string `json:"mediaId" bson:"mediaId"`
	URL     string `json:"url" bson:"url"`
	Alt     string `json:"alt" bson:"alt"`
	Caption string `json:"caption" bson:"caption"`
	Credit  string `json:"credit" bson:"credit"`
}

// CTA is the call to action at the end of an article.
type CTA struct {
	Heading string `json:"heading" bson:"heading"`
	Body    string `json:"body" bson:"body"`
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
