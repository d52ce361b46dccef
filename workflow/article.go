package workflow

import "time"

// Article is what the workflow needs to know about an article; the caller
// fills it from storage.
type Article struct {
	Status   State
	AuthorID string
	// EditorsSinceSignoff holds the IDs of everyone who authored or edited
	// any revision since the last sign-off, the author included.
	EditorsSinceSignoff []string
	// ContentHash is the current working content's hash.
	ContentHash string
	// ApprovalHash is the content hash the current approval was given
	// for, or "" when there is none.
	ApprovalHash string
	// LiveHash is the content hash of the live version, or "" when none.
	LiveHash string
	// HasLive reports whether a live version exists.
	HasLive bool
	// Scheduled reports whether a publish is scheduled.
	Scheduled bool
	// SignoffCurrentUntil is when the sign-off behind ApprovalHash falls
	// due for re-review (zero: unknown, never current). Republishing an
	// unpublished article without a new sign-off needs it in the future.
	SignoffCurrentUntil time.Time
	// Sensitive reports whether the article is tagged with a topic of the
	// configured SafetyRule.
	Sensitive bool
	// HasCrisisResources reports whether the content carries a
	// crisis-resources block (see SafetyRule.Satisfied).
	HasCrisisResources bool
	// TakeClinician is the user id of the clinician a Clinician's take in
	// the working content credits, or "" when there is no take.
	TakeClinician string
	// TakeSigned reports whether TakeClinician has signed exactly the
	// working content's take text (on any earlier approval or
	// re-certification, or on the current approval).
	TakeSigned bool
	// ReadinessErrors are the publish-readiness validation errors by field
	// path, computed by the caller; any error blocks submit.
	ReadinessErrors map[string]string
}
