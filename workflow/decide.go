package workflow

import (
	"slices"
	"strings"
	"time"
)

// Request is an actor's request for one action on one article.
type Request struct {
	Action Action
	Actor  Actor
	// Comment is required for request_changes and recorded for any action.
	Comment string
	// ContentHash is the hash of the content the clinician read; approve
	// and recertify sign exactly this and nothing else.
	ContentHash string
	// PublishAt, on publish, schedules it when later than now.
	PublishAt *time.Time
}

// Decision is what an allowed request does; the caller persists it.
type Decision struct {
	From, To State
	// Signs: the action produces an electronic signature over the
	// request's ContentHash (approve, recertify).
	Signs bool
	// Scheduled: a publish with PublishAt in the future; the status stays
	// approved until a scheduler calls Decide again with PublishAt nil.
	Scheduled bool
	// ClearsLive: the live version is removed (unpublish).
	ClearsLive bool
	// SetsLive: the current content becomes the live version (publish).
	SetsLive bool
	// Unschedules: the scheduled publish is cancelled (unschedule).
	Unschedules bool
}

// unpublishFrom is where unpublish may start. Only published moves, to
// unpublished; a working copy beside the live version keeps its status.
var unpublishFrom = []State{StatePublished, StateDraft, StateInReview, StateApproved}

// archiveFrom is where archive may start.
var archiveFrom = []State{StateDraft, StateApproved, StateUnpublished}

// Decide evaluates the actor's rights, the transition table and every guard
// of r against a at time now, in the order given in the package comment.
// It returns the Decision, or an *Error wrapping one of the sentinels:
// ErrForbidden, ErrInvalidState, ErrSelfReview, ErrLicense, ErrBadPassword,
// ErrStaleContent, ErrCommentRequired, ErrNotReady, ErrNoLive,
// ErrSignoffNeeded or ErrNotScheduled.
func Decide(now time.Time, a Article, r Request) (Decision, error) {
	d := Decision{From: a.Status}
	actor := r.Actor
	if actor.ID == "" {
		return d, refuse(ErrForbidden, "the request has no identified user")
	}
	if !a.Status.Valid() {
		return d, refuse(ErrInvalidState, "the article's status %q is unknown", a.Status)
	}
	if r.Action.Valid() && !actor.may(r.Action, a) {
		return d, refuse(ErrForbidden, "your role may not %s here", verb(r.Action))
	}
	var err error
	switch r.Action {
	case ActionSubmit:
		d.To = StateInReview
		err = first(
			func() error { return from(a, r.Action, StateDraft) },
			func() error { return ready(a) },
		)
	case ActionWithdraw:
		d.To = StateDraft
		err = first(
			func() error { return from(a, r.Action, StateInReview) },
		)
	case ActionRequestChanges:
		d.To = StateDraft
		err = first(
			func() error { return from(a, r.Action, StateInReview) },
			func() error {
				if actor.authors(a) {
					return refuse(ErrSelfReview, "you wrote this article; another clinical reviewer must review it")
				}
				return nil
			},
			func() error {
				if strings.TrimSpace(r.Comment) == "" {
					return refuse(ErrCommentRequired, "say what needs to change")
				}
				return nil
			},
		)
	case ActionApprove:
		d.To, d.Signs = StateApproved, true
		err = first(
			func() error { return from(a, r.Action, StateInReview) },
			func() error { return CheckSigner(now, a, r) },
			func() error { return CheckTake(a, actor, true) },
		)
	case ActionPublish:
		d.To, d.SetsLive = StatePublished, true
		err = first(
			func() error { return from(a, r.Action, StateApproved, StateUnpublished) },
			func() error {
				if a.Status == StateUnpublished {
					return CheckRepublish(now, a)
				}
				return nil
			},
			func() error {
				if a.ApprovalHash == "" || a.ApprovalHash != a.ContentHash {
					return refuse(ErrStaleContent, "the sign-off was given for other content; the current content needs its own sign-off")
				}
				return nil
			},
			func() error { return CheckTake(a, actor, false) },
		)
		if err == nil && r.PublishAt != nil && r.PublishAt.After(now) {
			d.To, d.SetsLive, d.Scheduled = a.Status, false, true
		}
	case ActionUnschedule:
		d.To, d.Unschedules = a.Status, true
		err = first(
			func() error { return from(a, r.Action, StateApproved, StateUnpublished) },
			func() error {
				if !a.Scheduled {
					return refuse(ErrNotScheduled, "no publish is scheduled")
				}
				return nil
			},
		)
	case ActionUnpublish:
		d.To, d.ClearsLive = a.Status, true
		if a.Status == StatePublished {
			d.To = StateUnpublished
		}
		err = first(
			func() error { return from(a, r.Action, unpublishFrom...) },
			func() error {
				if !a.HasLive {
					return refuse(ErrNoLive, "the article has no live version")
				}
				return nil
			},
		)
	case ActionRecertify:
		d.To, d.Signs = StatePublished, true
		err = first(
			func() error { return from(a, r.Action, StatePublished) },
			func() error {
				if !a.HasLive {
					return refuse(ErrNoLive, "the article has no live version to re-certify")
				}
				return nil
			},
			func() error { return CheckSigner(now, a, r) },
			func() error { return CheckTake(a, actor, true) },
			func() error {
				if a.ContentHash != a.LiveHash {
					return refuse(ErrStaleContent, "the working copy differs from the live version; re-certify only unchanged live content")
				}
				return nil
			},
		)
	case ActionArchive:
		d.To = StateArchived
		err = first(
			func() error { return from(a, r.Action, archiveFrom...) },
			func() error {
				if a.HasLive {
					return refuse(ErrInvalidState, "the article is live; unpublish it first")
				}
				return nil
			},
		)
	default:
		return d, refuse(ErrInvalidState, "unknown action %q", r.Action)
	}
	if err != nil {
		return Decision{From: a.Status}, err
	}
	return d, nil
}

// first runs checks in order and returns the first refusal.
func first(checks ...func() error) error {
	for _, c := range checks {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

func verb(act Action) string { return strings.ReplaceAll(string(act), "_", " ") }

func from(a Article, act Action, states ...State) error {
	if slices.Contains(states, a.Status) {
		return nil
	}
	return refuse(ErrInvalidState, "cannot %s an article that is %s", verb(act), strings.ReplaceAll(string(a.Status), "_", " "))
}

func ready(a Article) error {
	if n := len(a.ReadinessErrors); n > 0 {
		paths := make([]string, 0, n)
		for p := range a.ReadinessErrors {
			paths = append(paths, p)
		}
		slices.Sort(paths)
		return refuse(ErrNotReady, "the article is not ready for review: fix %s", strings.Join(paths, ", "))
	}
	if a.Sensitive && !a.HasCrisisResources {
		return refuse(ErrNotReady, "articles on sensitive topics need a crisis-resources block (such as the 988 Suicide & Crisis Lifeline)")
	}
	return nil
}
