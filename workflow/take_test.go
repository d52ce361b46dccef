package workflow

import (
	"errors"
	"testing"
)

// TestTakeBelongsToItsClinician: content with a take credited to a
// clinician who has not signed its words can be signed only by that
// clinician, and not published; once they signed it, anyone eligible may
// approve or re-certify and the editor may publish.
func TestTakeBelongsToItsClinician(t *testing.T) {
	r := func(act Action, who Actor) Request { return Request{Action: act, Actor: who, ContentHash: "h1"} }
	unsignedTake := func(s State) Article {
		a := anArticle().status(s).editors().build()
		a.TakeClinician = "clinA"
		return a
	}
	editor := person("ed", RoleEditor)
	cases := []struct {
		name string
		a    Article
		req  Request
		want error
	}{
		{"another clinician approves an unsigned take", unsignedTake(StateInReview), r(ActionApprove, clinician("clinB")), ErrTakeUnsigned},
		{"the take's clinician approves", unsignedTake(StateInReview), r(ActionApprove, clinician("clinA")), nil},
		{"publish with the take unsigned", func() Article { a := unsignedTake(StateApproved); a.ApprovalHash = "h1"; return a }(), r(ActionPublish, editor), ErrTakeUnsigned},
		{"another clinician re-certifies an unsigned take", func() Article { a := unsignedTake(StatePublished); a.HasLive, a.LiveHash = true, "h1"; return a }(), r(ActionRecertify, clinician("clinB")), ErrTakeUnsigned},
		{"another clinician approves a signed take", func() Article { a := unsignedTake(StateInReview); a.TakeSigned = true; return a }(), r(ActionApprove, clinician("clinB")), nil},
		{"another clinician re-certifies a signed take", func() Article {
			a := unsignedTake(StatePublished)
			a.HasLive, a.LiveHash, a.TakeSigned = true, "h1", true
			return a
		}(), r(ActionRecertify, clinician("clinB")), nil},
	}
	for _, c := range cases {
		_, err := Decide(now, c.a, c.req)
		if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}
