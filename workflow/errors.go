package workflow

import (
	"errors"
	"fmt"
)

// The closed set of reasons the workflow refuses something. Every refusal
// is an *Error that unwraps to exactly one of them, so the HTTP edge can
// map them with errors.Is.
var (
	// ErrForbidden: the actor's roles or authorship do not permit the action.
	ErrForbidden = errors.New("workflow: forbidden")
	// ErrInvalidState: the action does not start from the article's status
	// (or the action is unknown, or the article is live and must be
	// unpublished first).
	ErrInvalidState = errors.New("workflow: invalid state")
	// ErrFrozen: content is frozen while in review.
	ErrFrozen = errors.New("workflow: content frozen in review")
	// ErrStaleContent: a content hash does not match (what the clinician
	// read, what was approved, what is live); HTTP 409.
	ErrStaleContent = errors.New("workflow: stale content")
	// ErrBadPassword: the password re-entered to sign was wrong.
	ErrBadPassword = errors.New("workflow: bad password")
	// ErrLicense: the signer's license is missing, unverified, malformed or expired.
	ErrLicense = errors.New("workflow: license not current")
	// ErrSelfReview: the reviewer wrote or edited the content under review.
	ErrSelfReview = errors.New("workflow: self-review")
	// ErrCommentRequired: requesting changes needs a comment.
	ErrCommentRequired = errors.New("workflow: comment required")
	// ErrNotReady: the content fails publish-readiness validation or lacks
	// a required crisis-resources block.
	ErrNotReady = errors.New("workflow: not ready")
	// ErrTakeUnsigned: the Clinician's take names a clinician who has not
	// signed exactly its words; only they can.
	ErrTakeUnsigned = errors.New("workflow: clinician's take not signed by its clinician")
	// ErrNoLive: the action needs a live version and there is none.
	ErrNoLive = errors.New("workflow: no live version")
	// ErrSignoffNeeded: an unpublished article cannot go live again
	// without a new sign-off (its content changed, or its sign-off is
	// past its re-review date).
	ErrSignoffNeeded = errors.New("workflow: new sign-off needed")
	// ErrNotScheduled: there is no scheduled publish to cancel.
	ErrNotScheduled = errors.New("workflow: not scheduled")
)

// Error is a refusal: Err is one of the sentinels above, Reason a sentence
// fit to show the user ("your license expired on 2026-01-31").
type Error struct {
	Err    error
	Reason string
}

// Error returns the human reason.
func (e *Error) Error() string {
	if e.Reason == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Reason
}

// Unwrap returns the sentinel, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

func refuse(sentinel error, format string, args ...any) error {
	return &Error{Err: sentinel, Reason: fmt.Sprintf(format, args...)}
}
