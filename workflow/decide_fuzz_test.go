package workflow

import (
	"errors"
	"testing"
	"time"
)

// FuzzDecideRequest: any transition request a client can send (action,
// comment, content hash, publish time) is decided without panicking, and
// a sign-off is allowed only for the exact current content hash.
func FuzzDecideRequest(f *testing.F) {
	f.Add("approve", "", "h1", int64(0), "in_review")
	f.Add("publish", "now", "", int64(3600), "approved")
	f.Add("request_changes", "", "", int64(0), "in_review")
	f.Add("force_publish", "x", "h1", int64(-5), "draft")
	f.Add("", "", "", int64(0), "")
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, action, comment, hash string, publishIn int64, status string) {
		a := Article{Status: State(status), AuthorID: "writer", EditorsSinceSignoff: []string{"writer"}, ContentHash: "h1", ApprovalHash: "h1"}
		var at *time.Time
		if publishIn != 0 {
			p := now.Add(time.Duration(publishIn%1e6) * time.Second)
			at = &p
		}
		actor := Actor{ID: "clin", Rights: rightsFor(RoleClinicalReviewer, RoleEditor), PasswordOK: true,
			License: &License{Type: "LPC", Number: "1", Jurisdiction: "OR", ExpiresOn: "2030-01-01", Verified: true}}
		d, err := Decide(now, a, Request{Action: Action(action), Actor: actor, Comment: comment, ContentHash: hash, PublishAt: at})
		if err != nil {
			var we *Error
			if !errors.As(err, &we) {
				t.Fatalf("refusal is not a *workflow.Error: %v", err)
			}
			return
		}
		if d.Signs && hash != a.ContentHash {
			t.Fatalf("signed hash %q over content %q", hash, a.ContentHash)
		}
		if !Action(action).Valid() {
			t.Fatalf("unknown action %q allowed", action)
		}
	})
}
