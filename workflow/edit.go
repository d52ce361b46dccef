package workflow

// EditOutcome is what saving new content does to the working copy.
type EditOutcome struct {
	// To is the working copy's status after the edit.
	To State
	// VoidsApproval: the edit voids a sign-off; the caller records an
	// approval-voided event and clears the approval.
	VoidsApproval bool
}

// CanEdit reports whether actor may edit a's content now and what the
// edit does. The actor's rights must include ActionEdit for this article
// (ErrForbidden). Content is frozen in review (ErrFrozen);
// archived articles are not edited (ErrInvalidState). Editing approved
// content voids the approval and returns it to draft; editing a published
// or unpublished article makes a draft, and the live version, if any,
// stays live and unchanged until a new sign-off and publish.
func CanEdit(a Article, actor Actor) (EditOutcome, error) {
	if actor.ID == "" {
		return EditOutcome{}, refuse(ErrForbidden, "the request has no identified user")
	}
	if !actor.may(ActionEdit, a) {
		return EditOutcome{}, refuse(ErrForbidden, "your role may not edit this article")
	}
	switch a.Status {
	case StateDraft, StatePublished, StateUnpublished:
		return EditOutcome{To: StateDraft}, nil
	case StateApproved:
		return EditOutcome{To: StateDraft, VoidsApproval: true}, nil
	case StateInReview:
		return EditOutcome{}, refuse(ErrFrozen, "the article is in review; its content is frozen until it is withdrawn or changes are requested")
	case StateArchived:
		return EditOutcome{}, refuse(ErrInvalidState, "archived articles cannot be edited")
	}
	return EditOutcome{}, refuse(ErrInvalidState, "the article's status %q is unknown", a.Status)
}
