package service

import (
	"errors"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/workflow"
)

// Observer hears the outcomes an operator counts. Labels are bounded:
// outcomes come from a fixed list, actions from workflow.Actions (or
// "unknown").
type Observer interface {
	// SignIn: "ok", "failed", "locked" or "error".
	SignIn(outcome string)
	// Lockout: a failed password check locked an account.
	Lockout()
	// Transition: a workflow action and its outcome ("ok", "forbidden",
	// "self_review", "license", "bad_password", "conflict", "invalid",
	// "not_found", "locked", "unavailable", "error").
	Transition(action, outcome string)
}

type noObserver struct{}

func (noObserver) SignIn(string)             {}
func (noObserver) Lockout()                  {}
func (noObserver) Transition(string, string) {}

func (s *Service) observer() Observer {
	if s.Observe == nil {
		return noObserver{}
	}
	return s.Observe
}

func signInOutcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, models.ErrLocked):
		return "locked"
	case errors.Is(err, models.ErrUnauthenticated):
		return "failed"
	}
	return "error"
}

func (s *Service) observeTransition(action string, err error) {
	if !workflow.Action(action).Valid() {
		action = "unknown"
	}
	s.observer().Transition(action, outcome(err))
}

// outcome names an error's kind for a metric label.
func outcome(err error) string {
	for _, o := range []struct {
		err  error
		name string
	}{
		{workflow.ErrSelfReview, "self_review"}, {workflow.ErrLicense, "license"}, {workflow.ErrBadPassword, "bad_password"},
		{workflow.ErrForbidden, "forbidden"}, {models.ErrForbidden, "forbidden"},
		{workflow.ErrInvalidState, "conflict"}, {workflow.ErrFrozen, "conflict"}, {workflow.ErrStaleContent, "conflict"},
		{workflow.ErrNoLive, "conflict"}, {models.ErrConflict, "conflict"},
		{workflow.ErrCommentRequired, "invalid"}, {workflow.ErrNotReady, "invalid"}, {models.ErrInvalid, "invalid"},
		{models.ErrNotFound, "not_found"}, {models.ErrLocked, "locked"}, {models.ErrUnavailable, "unavailable"},
	} {
		if errors.Is(err, o.err) {
			return o.name
		}
	}
	if err == nil {
		return "ok"
	}
	return "error"
}
