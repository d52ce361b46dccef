package workflow

// State is the status of an article's working copy.
type State string

// The states of an article's working copy.
const (
	// StateDraft is editable content not yet submitted for review.
	StateDraft State = "draft"
	// StateInReview is content frozen while a clinician reviews it.
	StateInReview State = "in_review"
	// StateApproved is content a clinician signed off on, not yet live.
	StateApproved State = "approved"
	// StatePublished is a working copy identical to the live version.
	StatePublished State = "published"
	// StateUnpublished is content taken off the delivery API.
	StateUnpublished State = "unpublished"
	// StateArchived is retired content; it cannot be edited or moved on.
	StateArchived State = "archived"
)

// States returns every state, in lifecycle order.
func States() []State {
	return []State{StateDraft, StateInReview, StateApproved, StatePublished, StateUnpublished, StateArchived}
}

// Valid reports whether s is one of the states in States.
func (s State) Valid() bool {
	switch s {
	case StateDraft, StateInReview, StateApproved, StatePublished, StateUnpublished, StateArchived:
		return true
	}
	return false
}
