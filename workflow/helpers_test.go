package workflow

import (
	"errors"
	"slices"
	"time"
)

// now is 23:30 on 15 March in New York, already 16 March in UTC: license
// expiry must be judged on the UTC date.
var now = time.Date(2026, 3, 15, 23, 30, 0, 0, time.FixedZone("EST", -5*3600))

const (
	todayUTC     = "2026-03-16"
	yesterdayUTC = "2026-03-15"
	nextYear     = "2027-03-16"
)

var sentinels = []error{ErrForbidden, ErrInvalidState, ErrFrozen, ErrStaleContent, ErrBadPassword,
	ErrLicense, ErrSelfReview, ErrCommentRequired, ErrNotReady, ErrNoLive, ErrTakeUnsigned, ErrSignoffNeeded, ErrNotScheduled}

// sentinelOf returns the one sentinel err wraps, or nil.
func sentinelOf(err error) error {
	var found error
	for _, s := range sentinels {
		if errors.Is(err, s) {
			if found != nil {
				return nil // wraps two: never acceptable
			}
			found = s
		}
	}
	return found
}

func sentinelName(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// articleBuilder builds fixtures: a ready, non-sensitive draft by "author".
type articleBuilder struct{ a Article }

func anArticle() *articleBuilder {
	return &articleBuilder{a: Article{
		Status:              StateDraft,
		AuthorID:            "author",
		EditorsSinceSignoff: []string{"author"},
		ContentHash:         "h1",
	}}
}

func (b *articleBuilder) status(s State) *articleBuilder { b.a.Status = s; return b }
func (b *articleBuilder) approved(h string) *articleBuilder {
	b.a.ApprovalHash = h
	return b
}
func (b *articleBuilder) live(h string) *articleBuilder {
	b.a.HasLive, b.a.LiveHash = true, h
	return b
}
func (b *articleBuilder) editors(ids ...string) *articleBuilder {
	b.a.EditorsSinceSignoff = ids
	return b
}
func (b *articleBuilder) build() Article { return b.a }

// The default policy's roles, for fixtures only: workflow names no role.
const (
	RoleWriter           = "writer"
	RoleClinicalReviewer = "clinical_reviewer"
	RoleEditor           = "editor"
	RoleAdmin            = "admin"
)

// defaultRights mirrors what policies/policy.csv grants each role on
// articles (policies' TestDefaultArticleRights checks the same table
// against the real policy).
var defaultRights = map[string]Rights{
	RoleWriter: {Own: []Action{ActionCreate, ActionEdit, ActionSubmit, ActionWithdraw, ActionComment}},
	RoleClinicalReviewer: {
		Own:    []Action{ActionRequestChanges, ActionApprove, ActionRecertify, ActionComment},
		Others: []Action{ActionRequestChanges, ActionApprove, ActionRecertify, ActionComment},
	},
	RoleEditor: {
		Own:    []Action{ActionCreate, ActionEdit, ActionSubmit, ActionWithdraw, ActionPublish, ActionUnschedule, ActionUnpublish, ActionArchive, ActionComment},
		Others: []Action{ActionEdit, ActionSubmit, ActionWithdraw, ActionPublish, ActionUnschedule, ActionUnpublish, ActionArchive, ActionComment},
	},
	RoleAdmin: {},
}

// rightsFor is the union of the roles' default rights.
func rightsFor(roles ...string) Rights {
	var r Rights
	for _, role := range roles {
		for _, a := range defaultRights[role].Own {
			if !slices.Contains(r.Own, a) {
				r.Own = append(r.Own, a)
			}
		}
		for _, a := range defaultRights[role].Others {
			if !slices.Contains(r.Others, a) {
				r.Others = append(r.Others, a)
			}
		}
	}
	return r
}

func clinician(id string) Actor {
	return Actor{ID: id, Rights: rightsFor(RoleClinicalReviewer), PasswordOK: true,
		License: &License{Type: "LPC", Number: "1", Jurisdiction: "TX", ExpiresOn: nextYear, Verified: true}}
}

func person(id string, roles ...string) Actor {
	return Actor{ID: id, Rights: rightsFor(roles...), PasswordOK: true}
}
