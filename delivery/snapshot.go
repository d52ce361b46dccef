package delivery

import (
	"errors"
	"fmt"
	"time"

	"github.com/vetted-cms/vetted/models"
)

// Person is someone delivery names: an author, a reviewer, a clinician.
type Person struct {
	Name        string `json:"name"`
	Credentials string `json:"credentials,omitempty"`
}

// Author is the article's author as sites show them.
type Author struct {
	Name string `json:"name"`
	Bio  string `json:"bio"`
}

// Review is the clinical sign-off behind the live version.
type Review struct {
	Reviewer      Person     `json:"reviewer"`
	ReviewedAt    time.Time  `json:"reviewedAt"`
	NextReviewDue *time.Time `json:"nextReviewDue"`
}

// Section is a heading with its Markdown body and the rendered,
// sanitized HTML beside it.
type Section struct {
	Heading string `json:"heading"`
	Body    string `json:"body"`
	HTML    string `json:"html"`
}

// ClinicianTake is the quote endorsed by the signing clinician, who is
// named with it.
type ClinicianTake struct {
	Body      string `json:"body"`
	HTML      string `json:"html"`
	Clinician Person `json:"clinician"`
}

// Summary is a published article in lists and in `related`.
type Summary struct {
	Slug         string     `json:"slug"`
	Title        string     `json:"title"`
	Summary      string     `json:"summary"`
	Topics       []string   `json:"topics"`
	HeroImage    *HeroImage `json:"heroImage"`
	Reviewer     Person     `json:"reviewer"`
	LastReviewed time.Time  `json:"lastReviewed"`
	PublishedAt  time.Time  `json:"publishedAt"`
	UpdatedAt    time.Time  `json:"updatedAt"`
}

// Snapshot is the delivery document of one published article.
type Snapshot struct {
	ID            string         `json:"id"`
	Slug          string         `json:"slug"`
	Title         string         `json:"title"`
	Summary       string         `json:"summary"`
	KeyTakeaways  []string       `json:"keyTakeaways"`
	Sections      []Section      `json:"sections"`
	ClinicianTake *ClinicianTake `json:"clinicianTake"`
	HeroImage     *HeroImage     `json:"heroImage"`
	Topics        []string       `json:"topics"`
	Related       []Summary      `json:"related"`
	CTA           *models.CTA    `json:"cta"`
	SEO           *models.SEO    `json:"seo"`
	Author        Author         `json:"author"`
	Review        Review         `json:"review"`
	Rev           int64          `json:"rev"`
	ContentHash   string         `json:"contentHash"`
	PublishedAt   time.Time      `json:"publishedAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
	JSONLD        JSONLD         `json:"jsonLd"`

	// RelatedSlugs are the slugs the writer listed; they are resolved to
	// published summaries, and dropped, when the document is encoded.
	RelatedSlugs []string `json:"relatedSlugs,omitempty"`
}

// JSONLD is a schema.org MedicalWebPage, ready for a
// <script type="application/ld+json"> (encoding/json escapes <, > and &,
// so a title cannot close the script element).
type JSONLD struct {
	Context       string    `json:"@context"`
	Type          string    `json:"@type"`
	Headline      string    `json:"headline"`
	Description   string    `json:"description,omitempty"`
	URL           string    `json:"url,omitempty"`
	Image         *LDImage  `json:"image,omitempty"`
	Author        LDPerson  `json:"author"`
	ReviewedBy    LDPerson  `json:"reviewedBy"`
	LastReviewed  string    `json:"lastReviewed"`
	DatePublished string    `json:"datePublished"`
	DateModified  string    `json:"dateModified"`
	About         []LDThing `json:"about,omitempty"`
}

// LDPerson is a schema.org Person.
type LDPerson struct {
	Type            string `json:"@type"`
	Name            string `json:"name"`
	HonorificSuffix string `json:"honorificSuffix,omitempty"`
	Description     string `json:"description,omitempty"`
}

// LDImage is a schema.org ImageObject.
type LDImage struct {
	Type    string `json:"@type"`
	URL     string `json:"url"`
	Caption string `json:"caption,omitempty"`
	Width   int    `json:"width,omitempty"`
	Height  int    `json:"height,omitempty"`
}

// LDThing is a schema.org Thing named by a topic.
type LDThing struct {
	Type string `json:"@type"`
	Name string `json:"name"`
}

// ErrUnsigned: the live version's signature does not bind its content.
// Such a version is never served.
var ErrUnsigned = errors.New("live version without a valid sign-off")

// Verify checks that what is about to be served is exactly what a
// clinician, who did not write it, signed: the content's hash, the live
// version's hash and the signature's hash agree.
func Verify(a *models.Article, c *models.Content) error {
	switch {
	case a.Live == nil:
		return fmt.Errorf("%w: %s has no live version", ErrUnsigned, a.ID)
	case a.Live.Signature.SignerID == "" || a.Live.Signature.ID == "":
		return fmt.Errorf("%w: %s live version carries no signature", ErrUnsigned, a.ID)
	case a.Live.Signature.SignerID == a.AuthorID:
		return fmt.Errorf("%w: %s was signed by its author", ErrUnsigned, a.ID)
	case a.Live.Signature.ContentHash != a.Live.ContentHash:
		return fmt.Errorf("%w: %s signature is bound to other content", ErrUnsigned, a.ID)
	case c.Hash() != a.Live.ContentHash:
		return fmt.Errorf("%w: %s content does not match the signed hash", ErrUnsigned, a.ID)
	}
	return nil
}

// liveKey identifies everything a snapshot is built from.
func liveKey(a *models.Article) string {
	l := a.Live
	k := fmt.Sprintf("%d|%s|%s|%s|%d", l.Rev, l.ContentHash, l.Signature.ID, l.Slug, l.PublishedAt.UnixMilli())
	if a.LastReviewed != nil {
		k += fmt.Sprintf("|%d", a.LastReviewed.UnixMilli())
	}
	if a.NextReviewDue != nil {
		k += fmt.Sprintf("|%d", a.NextReviewDue.UnixMilli())
	}
	return k
}

// Build renders the snapshot of a's live version with content c, which
// must pass Verify. author may be nil (shown as unnamed). Markdown is
// rendered here, once per published version.
func Build(a *models.Article, c models.Content, author *models.User, firstPublished time.Time) (*Snapshot, error) {
	if err := Verify(a, &c); err != nil {
		return nil, err
	}
	c.Normalize()
	l := a.Live
	reviewedAt := l.Signature.At
	if a.LastReviewed != nil && a.LastReviewed.After(reviewedAt) {
		reviewedAt = *a.LastReviewed
	}
	updated := l.PublishedAt
	if reviewedAt.After(updated) {
		updated = reviewedAt
	}
	if firstPublished.IsZero() || firstPublished.After(l.PublishedAt) {
		firstPublished = l.PublishedAt
	}
	reviewer := Person{Name: l.Signature.SignerName, Credentials: l.Signature.Credentials}
	s := &Snapshot{
		ID: a.ID, Slug: l.Slug, Title: c.Title, Summary: c.Summary,
		KeyTakeaways: append([]string{}, c.KeyTakeaways...),
		Sections:     make([]Section, len(c.Sections)),
		HeroImage:    heroImage(c.HeroImage), Topics: append([]string{}, c.Topics...),
		Related: []Summary{}, CTA: c.CTA, SEO: c.SEO,
		Review: Review{Reviewer: reviewer, ReviewedAt: reviewedAt, NextReviewDue: a.NextReviewDue},
		Rev:    l.Rev, ContentHash: l.ContentHash,
		PublishedAt: l.PublishedAt, UpdatedAt: updated,
		RelatedSlugs: append([]string{}, c.Related...),
	}
	if author != nil {
		s.Author = Author{Name: author.Name, Bio: author.Bio}
	}
	for i, sec := range c.Sections {
		s.Sections[i] = Section{Heading: sec.Heading, Body: sec.Body, HTML: RenderMarkdown(sec.Body)}
	}
	if c.ClinicianTake != nil && c.ClinicianTake.Body != "" {
		s.ClinicianTake = &ClinicianTake{Body: c.ClinicianTake.Body, HTML: RenderMarkdown(c.ClinicianTake.Body), Clinician: reviewer}
	}
	ld := JSONLD{
		Context: "https://schema.org", Type: "MedicalWebPage", Headline: c.Title, Description: c.Summary,
		Author:        LDPerson{Type: "Person", Name: s.Author.Name, Description: s.Author.Bio},
		ReviewedBy:    LDPerson{Type: "Person", Name: reviewer.Name, HonorificSuffix: reviewer.Credentials},
		LastReviewed:  reviewedAt.UTC().Format(time.DateOnly),
		DatePublished: firstPublished.UTC().Format(time.RFC3339),
		DateModified:  updated.UTC().Format(time.RFC3339),
	}
	if c.SEO != nil {
		if c.SEO.Description != "" {
			ld.Description = c.SEO.Description
		}
		ld.URL = c.SEO.CanonicalURL
	}
	if s.HeroImage != nil {
		ld.Image = &LDImage{Type: "ImageObject", URL: s.HeroImage.URL, Caption: s.HeroImage.Alt}
		if s.HeroImage.Caption != "" {
			ld.Image.Caption = s.HeroImage.Caption
		}
	}
	for _, t := range c.Topics {
		ld.About = append(ld.About, LDThing{Type: "Thing", Name: t})
	}
	s.JSONLD = ld
	return s, nil
}

// summarize returns the list view of a snapshot.
func (s *Snapshot) summarize() Summary {
	return Summary{Slug: s.Slug, Title: s.Title, Summary: s.Summary, Topics: s.Topics, HeroImage: s.HeroImage,
		Reviewer: s.Review.Reviewer, LastReviewed: s.Review.ReviewedAt, PublishedAt: s.PublishedAt, UpdatedAt: s.UpdatedAt}
}
