package workflow

import (
	"errors"
	"testing"
)

func TestCanEdit(t *testing.T) {
	writer := person("author", RoleWriter)
	otherWriter := person("w2", RoleWriter)
	editor := person("ed", RoleEditor)
	admin := person("root", RoleAdmin)
	doc := clinician("doc")
	authorDoc := clinician("author") // the author, but no writer role

	tests := []struct {
		state State
		actor Actor
		want  EditOutcome
		err   error
	}{
		{StateDraft, writer, EditOutcome{To: StateDraft}, nil},
		{StateDraft, editor, EditOutcome{To: StateDraft}, nil},
		{StateDraft, otherWriter, EditOutcome{}, ErrForbidden},
		{StateDraft, admin, EditOutcome{}, ErrForbidden},
		{StateDraft, doc, EditOutcome{}, ErrForbidden},
		{StateDraft, authorDoc, EditOutcome{}, ErrForbidden},
		{StateDraft, person("", RoleEditor), EditOutcome{}, ErrForbidden},
		{StateInReview, writer, EditOutcome{}, ErrFrozen},
		{StateInReview, editor, EditOutcome{}, ErrFrozen},
		{StateInReview, otherWriter, EditOutcome{}, ErrForbidden},
		{StateApproved, writer, EditOutcome{To: StateDraft, VoidsApproval: true}, nil},
		{StateApproved, editor, EditOutcome{To: StateDraft, VoidsApproval: true}, nil},
		{StatePublished, writer, EditOutcome{To: StateDraft}, nil},
		{StatePublished, editor, EditOutcome{To: StateDraft}, nil},
		{StateUnpublished, editor, EditOutcome{To: StateDraft}, nil},
		{StateArchived, editor, EditOutcome{}, ErrInvalidState},
		{StateArchived, writer, EditOutcome{}, ErrInvalidState},
		{"limbo", editor, EditOutcome{}, ErrInvalidState},
	}
	for _, tc := range tests {
		t.Run(string(tc.state)+"/"+tc.actor.ID, func(t *testing.T) {
			got, err := CanEdit(anArticle().status(tc.state).build(), tc.actor)
			if tc.err != nil {
				var we *Error
				if !errors.Is(err, tc.err) || !errors.As(err, &we) || we.Reason == "" {
					t.Fatalf("got %v, want %v with a reason", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// Every state an edit allows lands in draft, so an edit can never leave
// content approved, in review or published under a new hash.
func TestCanEditNeverKeepsASignedState(t *testing.T) {
	for _, s := range States() {
		out, err := CanEdit(anArticle().status(s).build(), person("ed", RoleEditor))
		if err == nil && out.To != StateDraft {
			t.Errorf("edit of %s → %s", s, out.To)
		}
	}
}
