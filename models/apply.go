package models

import "slices"

// Apply returns the article after ev: the one reducer that every instance,
// the crash recovery and the tests share. a is nil for a create.
func Apply(a *Article, ev *Event) *Article {
	var n Article
	if a != nil {
		n = *a
		n.Revs = slices.Clone(a.Revs)
		n.Seqs = slices.Clone(a.Seqs)
		n.EditorsSinceSignoff = slices.Clone(a.EditorsSinceSignoff)
		n.TakeSignatures = slices.Clone(a.TakeSignatures)
		n.SubmittedRevs = slices.Clone(a.SubmittedRevs)
	}
	n.Version = ev.Version
	n.UpdatedAt = ev.At
	n.Seqs = append(n.Seqs, ev.Seq)
	if ev.To != "" {
		n.Status = ev.To
	}
	switch ev.Action {
	case ActionCreate, ActionEdit:
		if ev.Action == ActionCreate {
			n.ID, n.AuthorID, n.CreatedAt = ev.ArticleID, ev.Actor, ev.At
			n.FirstPublishedAt = ev.Data.FirstPublishedAt // an import's original date
		}
		n.Content = *ev.Data.Content
		n.ContentHash = ev.Data.ContentHash
		n.Rev = ev.Rev
		n.Approval = nil
		n.ScheduledAt, n.ScheduledBy = nil, ""
		if !slices.Contains(n.EditorsSinceSignoff, ev.Actor) {
			n.EditorsSinceSignoff = append(n.EditorsSinceSignoff, ev.Actor)
		}
		n.Revs = append(n.Revs, RevisionRef{Rev: ev.Rev, Seq: ev.Seq, ContentHash: ev.Data.ContentHash, EditedBy: ev.Actor, At: ev.At})
	case "approve":
		n.Approval = ev.Data.Signature
		n.EditorsSinceSignoff = []string{}
		n.addTakeSignature(ev.Data.Signature)
	case "publish":
		if ev.Data.PublishAt != nil {
			n.ScheduledAt, n.ScheduledBy = ev.Data.PublishAt, ev.Actor
			break
		}
		sig := Signature{}
		if n.Approval != nil {
			sig = *n.Approval
		}
		n.Live = &Live{Rev: n.Rev, ContentHash: n.ContentHash, Slug: n.Content.Slug, PublishedAt: ev.At, Signature: sig}
		n.LastReviewed = &sig.At
		n.NextReviewDue = ev.Data.NextReviewDue
		n.ScheduledAt, n.ScheduledBy = nil, ""
		n.EverPublished = true
		if n.FirstPublishedAt == nil || ev.At.Before(*n.FirstPublishedAt) {
			at := ev.At
			n.FirstPublishedAt = &at
		}
	case "recertify":
		if n.Live != nil {
			live := *n.Live
			live.Signature = *ev.Data.Signature
			n.Live = &live
		}
		at := ev.At
		n.LastReviewed = &at
		n.NextReviewDue = ev.Data.NextReviewDue
		n.EditorsSinceSignoff = []string{}
		n.addTakeSignature(ev.Data.Signature)
	case "unpublish":
		n.Live = nil
		n.ScheduledAt, n.ScheduledBy = nil, ""
		n.NextReviewDue = nil
	case "submit":
		n.ScheduledAt, n.ScheduledBy = nil, ""
		at := ev.At
		n.SubmittedAt, n.Resubmission = &at, n.ChangesRequested != nil
		n.ChangesRequested = nil
		if !slices.Contains(n.SubmittedRevs, n.Rev) {
			n.SubmittedRevs = append(n.SubmittedRevs, n.Rev)
		}
	case "request_changes":
		n.ScheduledAt, n.ScheduledBy = nil, ""
		n.ChangesRequested = &ChangeRequest{Comment: ev.Comment, ActorID: ev.Actor, ActorName: ev.ActorName, At: ev.At, Rev: n.Rev}
		n.RequestedRev = n.Rev
	case "withdraw", "archive", "unschedule":
		n.ScheduledAt, n.ScheduledBy = nil, ""
	}
	return &n
}

// addTakeSignature keeps a take signature: the newest per signer and take.
func (n *Article) addTakeSignature(s *Signature) {
	if s == nil || s.TakeHash == "" {
		return
	}
	n.TakeSignatures = slices.DeleteFunc(n.TakeSignatures, func(o Signature) bool { return o.SignerID == s.SignerID && o.TakeHash == s.TakeHash })
	n.TakeSignatures = append(n.TakeSignatures, *s)
}
