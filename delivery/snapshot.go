package delivery

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/vetted-cms/vetted/models"
)

// Person is someone delivery names: an author, a reviewer, a take's
// clinician. ID, name and (for clinicians) credentials identify them —
// for a signer, as they signed; title, bio, photo and profile URL are
// the current public profile, re-encoded when it changes.
type Person struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name"`
	Credentials string `json:"credentials,omitempty"`
	Title       string `json:"title,omitempty"`
	Bio         string `json:"bio,omitempty"`
	PhotoURL    string `json:"photoUrl,omitempty"`
	PhotoAlt    string `json:"photoAlt,omitempty"`
	URL         string `json:"url,omitempty"`
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

// ClinicianTake is one clinician's own words, credited to them: present
// only when they signed exactly this text (models.Article.TakeSignature),
// whoever signed the live version.
type ClinicianTake struct {
	Body      string `json:"body"`
	HTML      string `json:"html"`
	Clinician Person `json:"clinician"`
}

// CTA is the call to action with its Markdown body rendered.
type CTA struct {
	Heading string `json:"heading"`
	Body    string `json:"body"`
	HTML    string `json:"html"`
	Label   string `json:"label"`
	URL     string `json:"url"`
}

// Summary is a published article in lists and in `related`.
type Summary struct {
	Slug             string     `json:"slug"`
	Title            string     `json:"title"`
	Summary          string     `json:"summary"`
	Topics           []string   `json:"topics"`
	HeroImage        *HeroImage `json:"heroImage"`
	Reviewer         Person     `json:"reviewer"`
	LastReviewed     time.Time  `json:"lastReviewed"`
	FirstPublishedAt time.Time  `json:"firstPublishedAt"`
	PublishedAt      time.Time  `json:"publishedAt"`
	UpdatedAt        time.Time  `json:"updatedAt"`
}

// Snapshot is the delivery document of one published article. Dates,
// one meaning each: FirstPublishedAt the first publication (an import's
// original date; never moves), PublishedAt when this live version went
// live, LastReviewed the newest sign-off or re-certification of it,
// UpdatedAt the later of those two (when what readers get last changed),
// NextReviewDue when re-review is due.
type Snapshot struct {
	ID               string                  `json:"id"`
	Slug             string                  `json:"slug"`
	Title            string                  `json:"title"`
	Summary          string                  `json:"summary"`
	KeyTakeaways     []string                `json:"keyTakeaways"`
	Sections         []Section               `json:"sections"`
	ClinicianTake    *ClinicianTake          `json:"clinicianTake"`
	HeroImage        *HeroImage              `json:"heroImage"`
	Topics           []string                `json:"topics"`
	Related          []Summary               `json:"related"`
	CTA              *CTA                    `json:"cta"`
	SEO              *models.SEO             `json:"seo"`
	Author           Person                  `json:"author"`
	Review           Review                  `json:"review"`
	Publisher        *models.Publisher       `json:"publisher"`
	EditorialPolicy  *models.EditorialPolicy `json:"editorialPolicy"`
	Rev              int64                   `json:"rev"`
	ContentHash      string                  `json:"contentHash"`
	FirstPublishedAt time.Time               `json:"firstPublishedAt"`
	PublishedAt      time.Time               `json:"publishedAt"`
	UpdatedAt        time.Time               `json:"updatedAt"`
	LastReviewed     time.Time               `json:"lastReviewed"`
	NextReviewDue    *time.Time              `json:"nextReviewDue"`
	JSONLD           JSONLD                  `json:"jsonLd"`

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
	Publisher     *LDOrg    `json:"publisher,omitempty"`
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
	JobTitle        string `json:"jobTitle,omitempty"`
	Description     string `json:"description,omitempty"`
	URL             string `json:"url,omitempty"`
	Image           string `json:"image,omitempty"`
}

// LDOrg is a schema.org Organization.
type LDOrg struct {
	Type string   `json:"@type"`
	Name string   `json:"name"`
	URL  string   `json:"url,omitempty"`
	Logo *LDImage `json:"logo,omitempty"`
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
	b := make([]byte, 0, 256) // on the stack: one string is allocated (a start builds 10,000)
	b = strconv.AppendInt(b, l.Rev, 10)
	for _, s := range []string{l.ContentHash, l.Signature.ID, l.Slug} {
		b = append(append(b, '|'), s...)
	}
	b = strconv.AppendInt(append(b, '|'), l.PublishedAt.UnixMilli(), 10)
	if a.LastReviewed != nil {
		b = strconv.AppendInt(append(b, '|'), a.LastReviewed.UnixMilli(), 10)
	}
	if a.NextReviewDue != nil {
		b = strconv.AppendInt(append(b, '|'), a.NextReviewDue.UnixMilli(), 10)
	}
	if a.FirstPublishedAt != nil {
		b = strconv.AppendInt(append(b, "|f"...), a.FirstPublishedAt.UnixMilli(), 10)
	}
	if n := len(a.TakeSignatures); n > 0 {
		b = append(append(b, "|t"...), a.TakeSignatures[n-1].ID...)
	}
	return string(b)
}

// Build renders the snapshot of a's live version with content c, which
// must pass Verify. Markdown is rendered and sanitized here, once per
// change of what is live. People carry what the signatures recorded (and
// the author's id); r is the Markdown policy (nil: DefaultRenderer); Decorate adds the current profiles and site settings.
func Build(a *models.Article, c models.Content, firstPublished time.Time, r *Renderer) (*Snapshot, error) {
	if err := Verify(a, &c); err != nil {
		return nil, err
	}
	return build(a, c, firstPublished, r), nil
}

// build renders a.Live (which the caller checked, or a preview made up)
// with content c.
func build(a *models.Article, c models.Content, firstPublished time.Time, r *Renderer) *Snapshot {
	if r == nil {
		r = DefaultRenderer()
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
	if a.FirstPublishedAt != nil && (firstPublished.IsZero() || a.FirstPublishedAt.Before(firstPublished)) {
		firstPublished = *a.FirstPublishedAt
	}
	if firstPublished.IsZero() || firstPublished.After(l.PublishedAt) {
		firstPublished = l.PublishedAt
	}
	reviewer := Person{ID: l.Signature.SignerID, Name: l.Signature.SignerName, Credentials: l.Signature.Credentials}
	s := &Snapshot{
		ID: a.ID, Slug: l.Slug, Title: c.Title, Summary: c.Summary,
		KeyTakeaways: append([]string{}, c.KeyTakeaways...),
		Sections:     make([]Section, len(c.Sections)),
		HeroImage:    heroImage(c.HeroImage, r), Topics: distinct(c.Topics),
		Related: []Summary{}, SEO: c.SEO,
		Author: Person{ID: a.AuthorID},
		Review: Review{Reviewer: reviewer, ReviewedAt: reviewedAt, NextReviewDue: a.NextReviewDue},
		Rev:    l.Rev, ContentHash: l.ContentHash,
		FirstPublishedAt: firstPublished, PublishedAt: l.PublishedAt, UpdatedAt: updated,
		LastReviewed: reviewedAt, NextReviewDue: a.NextReviewDue,
		RelatedSlugs: append([]string{}, c.Related...),
	}
	if s.HeroImage != nil && s.HeroImage.URL == "" {
		s.HeroImage = nil
	}
	for i, sec := range c.Sections {
		s.Sections[i] = Section{Heading: sec.Heading, Body: sec.Body, HTML: r.Render(sec.Body)}
	}
	if c.CTA != nil {
		s.CTA = &CTA{Heading: c.CTA.Heading, Body: c.CTA.Body, HTML: r.Render(c.CTA.Body), Label: c.CTA.Label, URL: c.CTA.URL}
	}
	// The take is its clinician's words: delivered only under their own
	// signature over exactly this text, credited as they signed.
	if sig := a.TakeSignature(&c); sig != nil {
		s.ClinicianTake = &ClinicianTake{Body: c.ClinicianTake.Body, HTML: r.Render(c.ClinicianTake.Body),
			Clinician: Person{ID: sig.SignerID, Name: sig.SignerName, Credentials: sig.Credentials}}
	}
	ld := JSONLD{
		Context: "https://schema.org", Type: "MedicalWebPage", Headline: c.Title, Description: c.Summary,
		LastReviewed:  reviewedAt.UTC().Format(time.DateOnly),
		DatePublished: firstPublished.UTC().Format(time.RFC3339),
		DateModified:  l.PublishedAt.UTC().Format(time.RFC3339),
	}
	if c.SEO != nil {
		if c.SEO.Description != "" {
			ld.Description = c.SEO.Description
		}
		ld.URL = c.SEO.CanonicalURL
	}
	if s.HeroImage != nil {
		caption := s.HeroImage.Caption
		if caption == "" {
			caption = s.HeroImage.Alt
		}
		ld.Image = &LDImage{Type: "ImageObject", URL: s.HeroImage.URL, Caption: caption}
	}
	for _, t := range s.Topics {
		ld.About = append(ld.About, LDThing{Type: "Thing", Name: t})
	}
	s.JSONLD = ld
	return s
}

// Profiles are the people and the site settings a snapshot is decorated with.
type Profiles struct {
	People   map[string]*models.User
	Settings models.Settings
	// Media, when set, is how a library image's URL is delivered
	// (Renderer.MediaURL: absolute under VETTED_PUBLIC_URL).
	Media *Renderer
}

// Decorate fills in current profiles and settings on a copy's people,
// publisher and JSON-LD: these are not clinical content, so they change
// without a new sign-off; names and credentials of signers stay as signed.
func (s *Snapshot) Decorate(p Profiles) {
	if u := p.People[s.Author.ID]; u != nil {
		s.Author = profile(Person{ID: u.ID, Name: u.Name}, u, p.Media)
	}
	s.Review.Reviewer = profile(s.Review.Reviewer, p.People[s.Review.Reviewer.ID], p.Media)
	if s.ClinicianTake != nil {
		t := *s.ClinicianTake
		t.Clinician = profile(t.Clinician, p.People[t.Clinician.ID], p.Media)
		s.ClinicianTake = &t
	}
	ld := s.JSONLD
	ld.Author = ldPerson(s.Author)
	ld.ReviewedBy = ldPerson(s.Review.Reviewer)
	ld.Publisher = nil
	s.Publisher, s.EditorialPolicy = nil, nil
	if pub := p.Settings.Publisher; pub.Name != "" {
		pub.LogoURL = p.Media.MediaURL(pub.LogoURL)
		s.Publisher = &pub
		ld.Publisher = &LDOrg{Type: "Organization", Name: pub.Name, URL: pub.URL}
		if pub.LogoURL != "" {
			ld.Publisher.Logo = &LDImage{Type: "ImageObject", URL: pub.LogoURL}
		}
	}
	if ep := p.Settings.EditorialPolicy; ep.Statement != "" || ep.URL != "" {
		s.EditorialPolicy = &ep
	}
	s.JSONLD = ld
}

func profile(p Person, u *models.User, r *Renderer) Person {
	if u == nil {
		return p
	}
	p.Title, p.Bio, p.PhotoURL, p.PhotoAlt, p.URL = u.Title, u.Bio, r.MediaURL(u.PhotoURL), u.PhotoAlt, u.URL
	if p.PhotoURL == "" {
		p.PhotoAlt = ""
	}
	return p
}

func ldPerson(p Person) LDPerson {
	return LDPerson{Type: "Person", Name: p.Name, HonorificSuffix: p.Credentials, JobTitle: p.Title, Description: p.Bio, URL: p.URL, Image: p.PhotoURL}
}

// people lists the user ids a snapshot names.
func (s *Snapshot) people() []string {
	out := []string{s.Author.ID, s.Review.Reviewer.ID}
	if s.ClinicianTake != nil {
		out = append(out, s.ClinicianTake.Clinician.ID)
	}
	return out
}

// summarize returns the list view of a snapshot.
func (s *Snapshot) summarize() Summary {
	return Summary{Slug: s.Slug, Title: s.Title, Summary: s.Summary, Topics: s.Topics, HeroImage: s.HeroImage,
		Reviewer: s.Review.Reviewer, LastReviewed: s.Review.ReviewedAt, FirstPublishedAt: s.FirstPublishedAt, PublishedAt: s.PublishedAt, UpdatedAt: s.UpdatedAt}
}

// Summarize returns the list view of a snapshot (search results).
func (s *Snapshot) Summarize() Summary { return s.summarize() }

// distinct copies a list without its repeats, in order: content saved
// before topics had to be unique may name one twice, and a topic listed
// twice would count the article twice in that topic's list.
func distinct(l []string) []string {
	out := make([]string, 0, len(l))
	for _, v := range l {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
