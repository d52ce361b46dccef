package workflow

// Action is a transition an actor asks for. Its values are also the
// action names of the casbin policy.
type Action string

// The workflow actions (PRODUCT.md, Workflow).
const (
	// ActionSubmit sends a draft to clinical review.
	ActionSubmit Action = "submit"
	// ActionWithdraw takes a submission back to draft.
	ActionWithdraw Action = "withdraw"
	// ActionRequestChanges returns a submission to draft with a reviewer's comment.
	ActionRequestChanges Action = "request_changes"
	// ActionApprove is a clinician's sign-off on the submitted content.
	ActionApprove Action = "approve"
	// ActionPublish makes approved content live, now or at PublishAt; on
	// a scheduled article it replaces the time, and on an unpublished one
	// it republishes unchanged content whose sign-off is still current.
	ActionPublish Action = "publish"
	// ActionUnschedule cancels a scheduled publish.
	ActionUnschedule Action = "unschedule"
	// ActionUnpublish takes the live version off the delivery API.
	ActionUnpublish Action = "unpublish"
	// ActionRecertify is a clinician's renewed sign-off on unchanged live content.
	ActionRecertify Action = "recertify"
	// ActionArchive retires an article that is not live.
	ActionArchive Action = "archive"
)

// The actions the policy grants on articles besides the transitions;
// they are not transitions (Valid is false).
const (
	// ActionCreate starts a new article (asked as the caller's own).
	ActionCreate Action = "create"
	// ActionEdit saves new content over the working copy.
	ActionEdit Action = "edit"
	// ActionComment starts a comment anchored to a passage (replies and
	// resolutions are open to every member who may read the article).
	ActionComment Action = "comment"
)

// Actions returns every action, in the order of PRODUCT.md's table.
func Actions() []Action {
	return []Action{ActionSubmit, ActionWithdraw, ActionRequestChanges, ActionApprove,
		ActionPublish, ActionUnschedule, ActionUnpublish, ActionRecertify, ActionArchive}
}

// Valid reports whether a is one of the actions in Actions.
func (a Action) Valid() bool {
	switch a {
	case ActionSubmit, ActionWithdraw, ActionRequestChanges, ActionApprove,
		ActionPublish, ActionUnschedule, ActionUnpublish, ActionRecertify, ActionArchive:
		return true
	}
	return false
}
