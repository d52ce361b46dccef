package workflow

import "testing"

func TestAvailable(t *testing.T) {
	inReview := anArticle().status(StateInReview).editors("author", "ed").build()
	expired := clinician("doc")
	expired.License.ExpiresOn = "2026-01-31"
	wrongPw := clinician("doc")
	wrongPw.PasswordOK = false
	authorDoc := clinician("author")
	authorDoc.Rights = rightsFor(RoleWriter, RoleClinicalReviewer)

	tests := []struct {
		name   string
		a      Article
		actor  Actor
		action Action
		allow  bool
		reason string
	}{
		{"reviewer may approve", inReview, clinician("doc"), ActionApprove, true, ""},
		{"password is not asked yet", inReview, wrongPw, ActionApprove, true, ""},
		{"a comment will be given", inReview, clinician("doc"), ActionRequestChanges, true, ""},
		{"co-editor may not approve", inReview, clinician("ed"), ActionApprove, false, "you wrote or edited this article since the last sign-off"},
		{"expired license", inReview, expired, ActionApprove, false, "your license expired on 2026-01-31"},
		{"author-clinician", inReview, authorDoc, ActionApprove, false, "you wrote this article; another clinical reviewer must sign off"},
		{"author may withdraw", inReview, authorDoc, ActionWithdraw, true, ""},
		{"admin may not publish", anArticle().status(StateApproved).approved("h1").build(), person("root", RoleAdmin), ActionPublish, false, "your role may not publish here"},
		{"recertify live content", anArticle().status(StatePublished).live("h1").build(), clinician("doc"), ActionRecertify, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			avs := Available(now, tc.a, tc.actor)
			if len(avs) != len(Actions()) {
				t.Fatalf("%d entries", len(avs))
			}
			for _, av := range avs {
				if av.Action != tc.action {
					continue
				}
				if av.Allowed != tc.allow || av.Reason != tc.reason {
					t.Errorf("got %+v, want allowed=%v reason=%q", av, tc.allow, tc.reason)
				}
				return
			}
			t.Fatalf("%s missing", tc.action)
		})
	}
}
