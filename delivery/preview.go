package delivery

import (
	"context"
	"encoding/json"
	"time"

	"github.com/vetted-cms/vetted/models"
)

// PreviewReview is the review block of a preview: whether the working
// copy is exactly what a clinician signed, and a sentence a site can
// show as it is.
type PreviewReview struct {
	Signed        bool       `json:"signed"`
	Statement     string     `json:"statement"`
	Reviewer      *Person    `json:"reviewer,omitempty"`
	ReviewedAt    *time.Time `json:"reviewedAt,omitempty"`
	NextReviewDue *time.Time `json:"nextReviewDue,omitempty"`
}

// PreviewDoc is an article's working copy in the delivery shape, marked
// as a preview; its review block replaces the snapshot's.
type PreviewDoc struct {
	*Snapshot
	Preview bool          `json:"preview"`
	Review  PreviewReview `json:"review"`
}

// Statements of the preview review block.
const (
	PreviewUnsigned = "Preview: this version is not yet signed off by a clinical reviewer and is not published."
	PreviewSigned   = "Preview: this version was signed off by a clinical reviewer."
)

// Preview renders a's working copy (a must carry its full content) as
// delivery would: the same Markdown renderer and sanitizer, current
// profiles and site settings, related articles resolved to what is live.
// It touches no delivery state. The review block says "signed" only when
// the working copy is exactly the content of the approval or of the live
// version's signature.
func (m *ReadModel) Preview(ctx context.Context, a *models.Article) ([]byte, error) {
	c := a.Content
	c.Normalize()
	var sig *models.Signature
	switch {
	case a.Approval != nil && a.Approval.ContentHash == a.ContentHash && a.Approval.SignerID != a.AuthorID:
		sig = a.Approval
	case a.Live != nil && a.Live.ContentHash == a.ContentHash && a.Live.Signature.ContentHash == a.ContentHash:
		sig = &a.Live.Signature
	}
	pa := *a
	live := &models.Live{Rev: a.Rev, ContentHash: a.ContentHash, Slug: c.Slug, PublishedAt: a.UpdatedAt}
	if a.Live != nil {
		live.PublishedAt = a.Live.PublishedAt
	}
	if sig != nil {
		live.Signature = *sig
	}
	pa.Live = live
	first := time.Time{}
	if a.FirstPublishedAt != nil {
		first = *a.FirstPublishedAt
	}
	s := build(&pa, c, first, m.render)
	// A take is delivered only under its clinician's signature; a preview
	// shows it credited to the clinician it names, as it will appear.
	if s.ClinicianTake == nil && c.ClinicianTake.Given() {
		s.ClinicianTake = &ClinicianTake{Body: c.ClinicianTake.Body, HTML: m.render.Render(c.ClinicianTake.Body), Clinician: Person{ID: c.ClinicianTake.Clinician}}
	}
	people := map[string]*models.User{}
	for _, id := range s.people() {
		if id == "" {
			continue
		}
		if u, err := m.users.Get(ctx, id); err == nil {
			people[id] = u
		}
	}
	if t := s.ClinicianTake; t != nil && t.Clinician.Name == "" {
		if u := people[t.Clinician.ID]; u != nil {
			t.Clinician.Name, t.Clinician.Credentials = u.Name, u.Credentials
		}
	}
	withMedia(s, m.media, m.render)
	s.Decorate(Profiles{People: people, Settings: m.SettingsNow(), Media: m.render})
	ix := m.cur.Load()
	s.Related = []Summary{}
	seen := map[string]bool{s.Slug: true}
	for _, slug := range s.RelatedSlugs {
		e := ix.bySlug[slug]
		if e == nil {
			if to, ok := ix.moved[slug]; ok {
				e = ix.bySlug[to]
			}
		}
		if e == nil || seen[e.Slug] {
			continue
		}
		seen[e.Slug] = true
		s.Related = append(s.Related, e.Summary)
	}
	s.RelatedSlugs = nil
	doc := PreviewDoc{Snapshot: s, Preview: true, Review: PreviewReview{Statement: PreviewUnsigned}}
	if sig != nil {
		r := s.Review.Reviewer
		at := s.Review.ReviewedAt
		doc.Review = PreviewReview{Signed: true, Statement: PreviewSigned, Reviewer: &r, ReviewedAt: &at, NextReviewDue: a.NextReviewDue}
	} else {
		s.LastReviewed = time.Time{}
		s.NextReviewDue = nil
		s.JSONLD.ReviewedBy = LDPerson{Type: "Person"}
		s.JSONLD.LastReviewed = ""
	}
	return json.Marshal(&doc)
}
