package service

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/workflow"
)

type recordingObserver struct{ transitions []string }

func (r *recordingObserver) SignIn(string) {}
func (r *recordingObserver) Lockout()      {}
func (r *recordingObserver) Transition(a, o string) {
	r.transitions = append(r.transitions, a+"/"+o)
}

// TestTransitionLabelsAreBounded: an action the workflow does not know
// is one label, "unknown", and every error maps to a fixed outcome.
func TestTransitionLabelsAreBounded(t *testing.T) {
	rec := &recordingObserver{}
	s := &Service{Observe: rec}
	s.observeTransition("publish", nil)
	s.observeTransition("x-"+strings.Repeat("y", 50), models.Errorf(models.ErrInvalid, "bad"))
	s.observeTransition("approve", &workflow.Error{Err: workflow.ErrSelfReview})
	s.observeTransition("approve", fmt.Errorf("wrapped: %w", models.ErrConflict))
	s.observeTransition("submit", errors.New("something else"))
	want := []string{"publish/ok", "unknown/invalid", "approve/self_review", "approve/conflict", "submit/error"}
	if strings.Join(rec.transitions, " ") != strings.Join(want, " ") {
		t.Errorf("got %v, want %v", rec.transitions, want)
	}
}
