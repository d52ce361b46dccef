package models

import "time"

// Article is the head of an article: its working copy, its live version and
// everything the workflow needs to decide the next step. It is a projection
// of the article's events (see Apply) and is never edited in place by a
// client: only Content comes from requests.
type Article struct {
	ID          string    `json:"id" bson:"_id"`
	Version     int64     `json:"version" bson:"version"`
	Rev         int64     `json:"rev" bson:"rev"`
	ContentHash string    `json:"contentHash" bson:"contentHash"`
	Status      string    `json:"status" bson:"status"`
	Content     Content   `json:"-" bson:"content"`
	AuthorID    string    `json:"authorId" bson:"authorId"`
	CreatedAt   time.Time `json:"createdAt" bson:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt" bson:"updatedAt"`

	// EditorsSinceSignoff lists everyone who authored or edited a revision
	// since the last sign-off; none of them may sign the next one.
	EditorsSinceSignoff []string `json:"editorsSinceSignoff" bson:"editorsSinceSignoff"`
	// Approval is the sign-off of the working copy, cleared by any edit.
	Approval *Signature `json:"approval" bson:"approval"`
	// Live is what delivery serves; it changes only on publish and unpublish.
	Live        *Live      `json:"live" bson:"live"`
	ScheduledAt *time.Time `json:"scheduledAt" bson:"scheduledAt"`
	// ScheduledBy is the editor who scheduled the publish: the scheduler
	// re-checks them when the time comes.
	ScheduledBy   string     `json:"scheduledBy,omitempty" bson:"scheduledBy"`
	LastReviewed  *time.Time `json:"lastReviewed" bson:"lastReviewed"`
	NextReviewDue *time.Time `json:"nextReviewDue" bson:"nextReviewDue"`
	// EverPublished tells 410 (unpublished) from 404 (never published).
	EverPublished bool `json:"everPublished" bson:"everPublished"`
	// FirstPublishedAt is the first publication: the first live publish,
	// or the original date an import brought with it, whichever is
	// earlier. It never moves, and it is shown only once a signed version
	// is live.
	FirstPublishedAt *time.Time `json:"firstPublishedAt" bson:"firstPublishedAt"`
	// TakeSignatures are the signatures given by a Clinician's take's own
	// clinician over a take text (one per clinician and text, the newest):
	// the take is delivered, credited to them, only when one matches the
	// live take exactly.
	TakeSignatures []Signature `json:"takeSignatures,omitempty" bson:"takeSignatures,omitempty"`
	// ChangesRequested is the newest request for changes since the
	// article was last submitted; nil once it is resubmitted.
	ChangesRequested *ChangeRequest `json:"changesRequested" bson:"changesRequested"`
	// SubmittedAt is the newest submission for review (the review
	// queue's "waiting since").
	SubmittedAt *time.Time `json:"submittedAt" bson:"submittedAt,omitempty"`
	// Resubmission: changes were requested before the newest submission.
	Resubmission bool `json:"resubmission" bson:"resubmission,omitempty"`
	// SubmittedRevs are the revisions that were ever submitted for review:
	// the review record; autosaves between them fold (see RevisionGroups).
	SubmittedRevs []int64 `json:"-" bson:"submittedRevs,omitempty"`
	// RequestedRev is the revision the newest request for changes was
	// made on (kept after resubmission: the re-review compares with it).
	RequestedRev int64 `json:"-" bson:"requestedRev,omitempty"`

	// Revs indexes the article's revisions to the events that hold them.
	Revs []RevisionRef `json:"-" bson:"revs"`
	// Seqs lists the article's events in order.
	Seqs []int64 `json:"-" bson:"seqs"`
}

// ChangeRequest is a clinician's request for changes, as the writer sees it.
type ChangeRequest struct {
	Comment   string    `json:"comment" bson:"comment"`
	ActorID   string    `json:"actorId" bson:"actorId"`
	ActorName string    `json:"actorName" bson:"actorName"`
	At        time.Time `json:"at" bson:"at"`
	Rev       int64     `json:"rev" bson:"rev"`
}

// TakeSignature returns the signature by the take's own clinician over
// exactly the take in c, or nil: only then is the take theirs to deliver.
func (a *Article) TakeSignature(c *Content) *Signature {
	t := c.ClinicianTake
	if !t.Given() || t.Clinician == "" {
		return nil
	}
	h := t.Hash()
	for i := len(a.TakeSignatures) - 1; i >= 0; i-- {
		s := &a.TakeSignatures[i]
		if s.SignerID == t.Clinician && s.TakeHash == h {
			return s
		}
	}
	return nil
}

// Live is the published version of an article.
type Live struct {
	Rev         int64     `json:"rev" bson:"rev"`
	ContentHash string    `json:"contentHash" bson:"contentHash"`
	Slug        string    `json:"slug" bson:"slug"`
	PublishedAt time.Time `json:"publishedAt" bson:"publishedAt"`
	Signature   Signature `json:"signature" bson:"signature"`
}

// Signature is an electronic signature in the manner of 21 CFR Part 11:
// who signed (id, printed name, credentials, license as it stood), what it
// means, when, and exactly which content (revision and hash). It lives in
// the hash-chained event log and is bound to ContentHash.
type Signature struct {
	ID          string          `json:"id" bson:"id"`
	Action      string          `json:"action" bson:"action"`
	SignerID    string          `json:"signerId" bson:"signerId"`
	SignerName  string          `json:"signerName" bson:"signerName"`
	Credentials string          `json:"credentials" bson:"credentials"`
	License     LicenseSnapshot `json:"license" bson:"license"`
	Meaning     string          `json:"meaning" bson:"meaning"`
	At          time.Time       `json:"at" bson:"at"`
	Rev         int64           `json:"rev" bson:"rev"`
	ContentHash string          `json:"contentHash" bson:"contentHash"`
	// TakeHash is set when the signer is the clinician the content's
	// Clinician's take names: the signature is then also theirs over
	// exactly that take (ClinicianTake.Hash).
	TakeHash string `json:"takeHash,omitempty" bson:"takeHash,omitempty"`
}

// LicenseSnapshot is the signer's license at the moment of signing.
type LicenseSnapshot struct {
	Type         string     `json:"type" bson:"type"`
	Number       string     `json:"number" bson:"number"`
	Jurisdiction string     `json:"jurisdiction" bson:"jurisdiction"`
	ExpiresOn    string     `json:"expiresOn" bson:"expiresOn"`
	VerifiedAt   *time.Time `json:"verifiedAt" bson:"verifiedAt"`
}

// RevisionRef points at the event holding one revision's content.
type RevisionRef struct {
	Rev         int64     `json:"rev" bson:"rev"`
	Seq         int64     `json:"seq" bson:"seq"`
	ContentHash string    `json:"contentHash" bson:"contentHash"`
	EditedBy    string    `json:"editedBy" bson:"editedBy"`
	At          time.Time `json:"at" bson:"at"`
}

// Revision is one immutable saved version of an article's content.
type Revision struct {
	RevisionRef `bson:",inline"`
	Content     Content `json:"content"`
}

// Summary is the catalog's view of an article: what lists need.
type Summary struct {
	ID            string     `json:"id"`
	Version       int64      `json:"version"`
	Rev           int64      `json:"rev"`
	Status        string     `json:"status"`
	Slug          string     `json:"slug"`
	Title         string     `json:"title"`
	Summary       string     `json:"summary"`
	Topics        []string   `json:"topics"`
	AuthorID      string     `json:"authorId"`
	HasLive       bool       `json:"hasLive"`
	ScheduledAt   *time.Time `json:"scheduledAt"`
	NextReviewDue *time.Time `json:"nextReviewDue"`
	SubmittedAt   *time.Time `json:"submittedAt"`
	Resubmission  bool       `json:"resubmission"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
}

// Summarize returns the catalog entry for the article.
func (a *Article) Summarize() Summary {
	return Summary{
		ID: a.ID, Version: a.Version, Rev: a.Rev, Status: a.Status,
		Slug: a.Content.Slug, Title: a.Content.Title, Summary: a.Content.Summary,
		Topics: append([]string{}, a.Content.Topics...), AuthorID: a.AuthorID,
		HasLive: a.Live != nil, ScheduledAt: a.ScheduledAt, NextReviewDue: a.NextReviewDue,
		SubmittedAt: a.SubmittedAt, Resubmission: a.Resubmission,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

// RevisionGroup is one row of the review record: a revision that was
// submitted for review (or the first or the current one), with how many
// autosaved revisions before it were folded into it.
type RevisionGroup struct {
	RevisionRef
	Submitted bool `json:"submitted"`
	// Folded counts the autosaves since the previous row, which this row
	// stands for; FoldedFrom is the first of them (0 when none).
	Folded     int   `json:"folded"`
	FoldedFrom int64 `json:"foldedFrom,omitempty"`
}

// RevisionGroups lists the revisions newest first. Autosaves between two
// submissions fold into the next kept revision: kept are the first
// revision, every submitted one and the current one. all keeps every
// revision (nothing folded).
func (a *Article) RevisionGroups(all bool) []RevisionGroup {
	submitted := map[int64]bool{}
	for _, r := range a.SubmittedRevs {
		submitted[r] = true
	}
	var out []RevisionGroup
	folded, from := 0, int64(0)
	for i, r := range a.Revs {
		keep := all || i == 0 || i == len(a.Revs)-1 || submitted[r.Rev]
		if !keep {
			if folded == 0 {
				from = r.Rev
			}
			folded++
			continue
		}
		out = append(out, RevisionGroup{RevisionRef: r, Submitted: submitted[r.Rev], Folded: folded, FoldedFrom: from})
		folded, from = 0, 0
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// DiffBase is the revision a re-review compares the current one with by
// default: the one changes were last requested on, else the last one
// submitted before the current, else the live one, else the current.
func (a *Article) DiffBase() int64 {
	if a.RequestedRev > 0 && a.RequestedRev != a.Rev {
		return a.RequestedRev
	}
	for i := len(a.SubmittedRevs) - 1; i >= 0; i-- {
		if r := a.SubmittedRevs[i]; r != a.Rev {
			return r
		}
	}
	if a.Live != nil {
		return a.Live.Rev
	}
	return a.Rev
}
