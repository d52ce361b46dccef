package service_test

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/handlers"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/service"
	"github.com/vetted-cms/vetted/workflow"
)

// These tests drive the review workflow through the service against the
// real embedded database; workflow/ has the pure decision tables.

func TestApproveRefusesContentChangedSinceReading(t *testing.T) {
	e := newFlowEnv(t, 1)
	c := e.cast()
	ctx := context.Background()
	a := e.create(c.writer, "v1")
	e.do(c.writer, a.ID, service.TransitionRequest{Action: "submit"})
	read := e.get(a.ID).ContentHash // what the clinician reads

	// Meanwhile the writer withdraws, changes the text and resubmits.
	e.do(c.writer, a.ID, service.TransitionRequest{Action: "withdraw"})
	e.edit(c.writer, a.ID, "v2 with a changed dose")
	e.do(c.writer, a.ID, service.TransitionRequest{Action: "submit"})
	before := e.get(a.ID)

	_, err := e.svc().Transition(ctx, c.clin, a.ID, service.TransitionRequest{Action: "approve", Password: flowPW, ContentHash: read})
	wantErr(t, err, workflow.ErrStaleContent)
	_, err = e.svc().Transition(ctx, c.clin, a.ID, service.TransitionRequest{Action: "approve", Password: flowPW})
	wantErr(t, err, workflow.ErrStaleContent) // no hash named: nothing signed unseen
	after := e.get(a.ID)
	if after.Version != before.Version || after.Status != "in_review" || after.Approval != nil {
		t.Fatalf("a refused sign-off changed the article: %+v", after)
	}
	for _, ev := range e.events(a.ID) {
		if ev.Data.Signature != nil {
			t.Fatalf("a signature was recorded: %+v", ev.Data.Signature)
		}
	}
	// Signing what is there now works, and signs exactly that.
	got := e.do(c.clin, a.ID, service.TransitionRequest{Action: "approve", Password: flowPW, ContentHash: before.ContentHash})
	if got.Approval == nil || got.Approval.ContentHash != before.ContentHash || got.Approval.Rev != before.Rev {
		t.Fatalf("approval = %+v; want hash %s rev %d", got.Approval, before.ContentHash, before.Rev)
	}
	e.verifyChain()
}

func TestEditApprovedVoidsApprovalOnRecord(t *testing.T) {
	e := newFlowEnv(t, 1)
	c := e.cast()
	a := e.create(c.writer, "v1")
	e.do(c.writer, a.ID, service.TransitionRequest{Action: "submit"})
	approved := e.sign(c.clin, a.ID, "approve")

	edited := e.edit(c.editor, a.ID, "v2")
	if edited.Status != "draft" || edited.Approval != nil {
		t.Fatalf("after editing approved content: status %s approval %+v; want draft, none", edited.Status, edited.Approval)
	}
	evs := e.events(a.ID)
	last := evs[len(evs)-1]
	if last.Action != models.ActionEdit || last.From != "approved" || last.To != "draft" {
		t.Fatalf("last event = %s %s→%s; want edit approved→draft", last.Action, last.From, last.To)
	}
	if last.Data.VoidedApproval == nil || !reflect.DeepEqual(*last.Data.VoidedApproval, *approved.Approval) {
		t.Fatalf("voided approval on record = %+v; want %+v", last.Data.VoidedApproval, approved.Approval)
	}
	if !strings.Contains(last.Comment, "voided") {
		t.Errorf("comment %q does not say the approval was voided", last.Comment)
	}
	_, err := e.svc().Transition(context.Background(), c.editor, a.ID, service.TransitionRequest{Action: "publish"})
	wantErr(t, err, workflow.ErrInvalidState)
	e.verifyChain()
}

func TestEditPublishedKeepsLiveUntilNewSignoff(t *testing.T) {
	e := newFlowEnv(t, 2)
	c := e.cast()
	ctx := context.Background()
	a := e.create(c.writer, "v1")
	pub := e.publishNow(c, a.ID)
	live := *pub.Live

	draft := e.edit(c.writer, a.ID, "v2")
	if draft.Status != "draft" || draft.ContentHash == live.ContentHash {
		t.Fatalf("edit of published: status %s hash %s", draft.Status, draft.ContentHash)
	}
	checkLive := func(when string) {
		t.Helper()
		for i, svc := range e.svcs {
			if _, err := e.stores[i].Log.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := svc.GetArticle(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Live == nil || !reflect.DeepEqual(*got.Live, live) {
				t.Fatalf("%s, instance %d: live = %+v; want unchanged %+v", when, i, got.Live, live)
			}
			if k, _ := e.stores[i].Known(a.ID); k.Live == nil || k.Live.ContentHash != live.ContentHash {
				t.Fatalf("%s, instance %d: catalog live = %+v", when, i, k.Live)
			}
			rev, err := svc.Revision(ctx, got, got.Live.Rev)
			if err != nil || rev.ContentHash != live.ContentHash || rev.Content.Hash() != live.ContentHash {
				t.Fatalf("%s: live revision %+v, %v", when, rev, err)
			}
		}
	}
	checkLive("after the edit")
	_, err := e.svc().Transition(ctx, c.editor, a.ID, service.TransitionRequest{Action: "publish"})
	wantErr(t, err, workflow.ErrInvalidState)
	e.do(c.writer, a.ID, service.TransitionRequest{Action: "submit"})
	checkLive("in review")
	e.sign(c.clin2, a.ID, "approve")
	checkLive("approved")

	pub2 := e.do(c.editor, a.ID, service.TransitionRequest{Action: "publish"})
	if pub2.Live == nil || pub2.Live.ContentHash != draft.ContentHash || pub2.Live.Rev != draft.Rev || pub2.Live.Signature.SignerID != c.clin2.ID {
		t.Fatalf("after the new publish live = %+v; want rev %d hash %s signed by clin2", pub2.Live, draft.Rev, draft.ContentHash)
	}
	e.verifyChain()
}

func TestContentFrozenInReview(t *testing.T) {
	e := newFlowEnv(t, 1)
	c := e.cast()
	a := e.create(c.writer, "v1")
	sub := e.do(c.writer, a.ID, service.TransitionRequest{Action: "submit"})
	for _, u := range []*models.User{c.writer, c.editor, c.edClin} {
		_, err := e.svc().UpdateArticle(context.Background(), u, a.ID, sub.Version, flowContent(sub.Content.Slug, "sneaky"))
		wantErr(t, err, workflow.ErrFrozen)
	}
	if got := e.get(a.ID); got.Version != sub.Version || got.ContentHash != sub.ContentHash {
		t.Fatalf("frozen content changed: %+v", got)
	}
	if n := len(e.events(a.ID)); n != 2 {
		t.Fatalf("%d events; want create and submit only", n)
	}
}

func TestSignaturesImmutableAndBoundToTheirHash(t *testing.T) {
	e := newFlowEnv(t, 1)
	c := e.cast()
	ctx := context.Background()
	a := e.create(c.writer, "v1")
	pub := e.publishNow(c, a.ID)
	sigs, err := e.svc().Signatures(ctx, pub)
	if err != nil || len(sigs) != 1 {
		t.Fatalf("signatures = %v, %v; want one", sigs, err)
	}
	first := sigs[0]
	lic := c.clin.License
	if first.SignerID != c.clin.ID || first.SignerName != c.clin.Name || first.Credentials != c.clin.Credentials ||
		first.Meaning != workflow.SignatureMeaning || first.ContentHash != pub.ContentHash || first.Rev != pub.Rev ||
		first.License.Number != lic.Number || first.License.ExpiresOn != lic.ExpiresOn || first.License.VerifiedAt == nil || first.At.IsZero() {
		t.Fatalf("signature lacks a Part 11 element: %+v", first)
	}

	// Further edits and a second sign-off leave the first exactly as it was.
	e.edit(c.editor, a.ID, "v2")
	e.edit(c.writer, a.ID, "v3")
	e.do(c.writer, a.ID, service.TransitionRequest{Action: "submit"})
	cur := e.sign(c.clin2, a.ID, "approve")
	sigs, err = e.svc().Signatures(ctx, cur)
	if err != nil || len(sigs) != 2 {
		t.Fatalf("signatures = %v, %v; want two", sigs, err)
	}
	if !reflect.DeepEqual(sigs[0], first) {
		t.Fatalf("the first signature changed:\n%+v\n%+v", sigs[0], first)
	}
	if sigs[1].ContentHash != cur.ContentHash || sigs[1].ContentHash == first.ContentHash {
		t.Fatalf("second signature %+v is not bound to the new content %s", sigs[1], cur.ContentHash)
	}
	// Each signature names content the log holds under that hash.
	for _, s := range sigs {
		rev, err := e.svc().Revision(ctx, cur, s.Rev)
		if err != nil || rev.Content.Hash() != s.ContentHash {
			t.Fatalf("signature %s: revision %d hashes to something else (%v)", s.ID, s.Rev, err)
		}
	}

	// No route changes signatures or events: only GET reaches them.
	srv := &handlers.Server{Svc: e.svc(), Policy: e.pol}
	for _, r := range srv.Router().Routes() {
		if (strings.Contains(r.Path, "signatures") || strings.Contains(r.Path, "events") || strings.Contains(r.Path, "audit")) && r.Method != "GET" {
			t.Errorf("route %s %s could change signatures or events", r.Method, r.Path)
		}
	}
}

func TestScheduledPublishSurvivesRestartAndRunsOnce(t *testing.T) {
	e := newFlowEnv(t, 1)
	c := e.cast()
	ctx := context.Background()
	a := e.create(c.writer, "v1")
	e.do(c.writer, a.ID, service.TransitionRequest{Action: "submit"})
	e.sign(c.clin, a.ID, "approve")
	at := e.clock.Peek().Add(2 * time.Hour).Truncate(time.Millisecond)
	sch := e.do(c.editor, a.ID, service.TransitionRequest{Action: "publish", PublishAt: &at})
	if sch.Status != "approved" || sch.Live != nil || sch.ScheduledAt == nil || !sch.ScheduledAt.Equal(at) {
		t.Fatalf("scheduled: status %s live %+v scheduledAt %v; want approved, none, %v", sch.Status, sch.Live, sch.ScheduledAt, at)
	}
	e.svc().Scheduled(ctx) // not due yet
	if got := e.get(a.ID); got.Status != "approved" || got.Live != nil {
		t.Fatalf("published before its time: %+v", got)
	}

	// "Restart": two fresh instances load from the database; the first is gone.
	e.stores, e.svcs = nil, nil
	s1, s2 := e.addInstance(), e.addInstance()
	e.clock.Advance(3 * time.Hour)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		for _, s := range []*service.Service{s1, s2} {
			wg.Add(1)
			go func() { defer wg.Done(); s.Scheduled(ctx) }()
		}
	}
	wg.Wait()
	s1.Scheduled(ctx)
	s2.Scheduled(ctx)

	got := e.get(a.ID)
	if got.Status != "published" || got.Live == nil || got.Live.ContentHash != sch.ContentHash {
		t.Fatalf("after the due time: status %s live %+v", got.Status, got.Live)
	}
	runs := 0
	for _, ev := range e.events(a.ID) {
		if ev.Action == "publish" && ev.Data.PublishAt == nil {
			runs++
			if ev.Actor != "system:scheduler" {
				t.Errorf("scheduled publish by %q", ev.Actor)
			}
			if ev.At.Before(at) {
				t.Errorf("published at %v, before %v", ev.At, at)
			}
		}
	}
	if runs != 1 {
		t.Fatalf("%d publish events; want exactly 1", runs)
	}
	e.verifyChain()
}

// TestScheduledPublishRechecksTheEditor: a schedule runs on the authority
// of the editor who made it, re-checked when it falls due — deactivated
// or demoted, their schedule is held; restored, it runs.
func TestScheduledPublishRechecksTheEditor(t *testing.T) {
	e := newFlowEnv(t, 1)
	c := e.cast()
	ctx := context.Background()
	schedule := func(slug string) *models.Article {
		at := e.clock.Peek().Add(time.Hour).Truncate(time.Millisecond)
		a := e.create(c.writer, slug)
		e.do(c.writer, a.ID, service.TransitionRequest{Action: "submit"})
		e.sign(c.clin, a.ID, "approve")
		sch := e.do(c.editor, a.ID, service.TransitionRequest{Action: "publish", PublishAt: &at})
		if sch.ScheduledBy != c.editor.ID {
			t.Fatalf("scheduledBy %q, want %q", sch.ScheduledBy, c.editor.ID)
		}
		return sch
	}
	first := schedule("held-one")
	off, on := false, true
	if _, err := e.svc().UpdateUser(ctx, e.admin, c.editor.ID, service.UserPatch{Active: &off}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Hour)
	e.svc().Scheduled(ctx)
	if got := e.get(first.ID); got.Status != "approved" || got.Live != nil {
		t.Fatalf("published on the schedule of a deactivated editor: %s", got.Status)
	}
	if _, err := e.svc().UpdateUser(ctx, e.admin, c.editor.ID, service.UserPatch{Active: &on}); err != nil {
		t.Fatal(err)
	}
	e.svc().Scheduled(ctx)
	if got := e.get(first.ID); got.Status != "published" {
		t.Fatalf("reactivated editor's schedule did not run: %s", got.Status)
	}

	// Demoted: the role no longer allows publishing.
	second := schedule("held-two")
	if _, err := e.svc().UpdateUser(ctx, e.admin, c.editor.ID, service.UserPatch{Roles: &[]string{models.RoleWriter}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Hour)
	e.svc().Scheduled(ctx)
	if got := e.get(second.ID); got.Status != "approved" {
		t.Fatalf("published on the schedule of an editor who lost the role: %s", got.Status)
	}
}

func TestRecertifyRenewsReviewOfUnchangedLiveContent(t *testing.T) {
	e := newFlowEnv(t, 1)
	c := e.cast()
	ctx := context.Background()
	a := e.create(c.writer, "v1")
	pub := e.publishNow(c, a.ID)
	if pub.LastReviewed == nil || pub.NextReviewDue == nil || !pub.NextReviewDue.Equal(pub.LastReviewed.Add(e.svc().ReviewInterval)) {
		t.Fatalf("published: lastReviewed %v nextReviewDue %v", pub.LastReviewed, pub.NextReviewDue)
	}
	due := func() []string {
		var ids []string
		for _, s := range e.svc().ReviewsDue(e.clock.Peek()) {
			ids = append(ids, s.ID)
		}
		return ids
	}
	if ids := due(); len(ids) != 0 {
		t.Fatalf("due right after publishing: %v", ids)
	}
	e.clock.Advance(e.svc().ReviewInterval + time.Hour)
	if ids := due(); len(ids) != 1 || ids[0] != a.ID {
		t.Fatalf("due after the interval = %v; want [%s]", ids, a.ID)
	}
	_, err := e.svc().Transition(ctx, c.clin2, a.ID, service.TransitionRequest{Action: "recertify", Password: "wrong password!!", ContentHash: pub.ContentHash})
	wantErr(t, err, workflow.ErrBadPassword)
	_, err = e.svc().Transition(ctx, c.clin2, a.ID, service.TransitionRequest{Action: "recertify", Password: flowPW, ContentHash: "0000"})
	wantErr(t, err, workflow.ErrStaleContent)

	rec := e.sign(c.clin2, a.ID, "recertify")
	want := rec.UpdatedAt.Add(e.svc().ReviewInterval)
	if rec.LastReviewed == nil || !rec.LastReviewed.Equal(rec.UpdatedAt) || rec.NextReviewDue == nil || !rec.NextReviewDue.Equal(want) {
		t.Fatalf("recertified: lastReviewed %v nextReviewDue %v; want %v and %v", rec.LastReviewed, rec.NextReviewDue, rec.UpdatedAt, want)
	}
	if rec.Live.Rev != pub.Live.Rev || rec.Live.ContentHash != pub.Live.ContentHash || rec.Live.Signature.SignerID != c.clin2.ID || rec.Live.Signature.Action != "recertify" {
		t.Fatalf("recertified live = %+v", rec.Live)
	}
	if ids := due(); len(ids) != 0 {
		t.Fatalf("still due after recertify: %v", ids)
	}

	// Changed content is not re-certified: it needs a full review.
	e.clock.Advance(e.svc().ReviewInterval + time.Hour)
	e.edit(c.writer, a.ID, "v2")
	cur := e.get(a.ID)
	_, err = e.svc().Transition(ctx, c.clin, a.ID, service.TransitionRequest{Action: "recertify", Password: flowPW, ContentHash: cur.ContentHash})
	wantErr(t, err, workflow.ErrInvalidState)
	if got := e.get(a.ID); !got.LastReviewed.Equal(*rec.LastReviewed) {
		t.Fatalf("lastReviewed moved to %v for changed content", got.LastReviewed)
	}
	if ids := due(); len(ids) != 1 {
		t.Fatalf("the live version is due again: got %v", ids)
	}
}

func TestSensitiveTopicNeedsCrisisBlock(t *testing.T) {
	e := newFlowEnv(t, 1)
	c := e.cast()
	ctx := context.Background()
	for _, topic := range []string{"self-harm", "suicide"} {
		a := e.create(c.writer, "v1")
		cont := flowContent(a.Content.Slug, "v1")
		cont.Topics = []string{"parenting", topic}
		a, err := e.svc().UpdateArticle(ctx, c.writer, a.ID, a.Version, cont)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc().Transition(ctx, c.writer, a.ID, service.TransitionRequest{Action: "submit"})
		wantErr(t, err, workflow.ErrNotReady)
		if got := e.get(a.ID); got.Status != "draft" {
			t.Fatalf("%s without crisis block: status %s", topic, got.Status)
		}
		cont.Sections = append(cont.Sections, models.Section{Heading: "Crisis resources", Body: "In the US, call or text 988 any time."})
		a, err = e.svc().UpdateArticle(ctx, c.writer, a.ID, a.Version, cont)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.do(c.writer, a.ID, service.TransitionRequest{Action: "submit"}); got.Status != "in_review" {
			t.Fatalf("%s with crisis block: status %s", topic, got.Status)
		}
	}
}

func TestAdminAloneCannotMoveContent(t *testing.T) {
	e := newFlowEnv(t, 1)
	c := e.cast()
	ctx := context.Background()
	// The admin also holds a verified clinician license, but no clinician role.
	adm := e.user("Root Admin", []string{models.RoleAdmin}, flowLicense("2031-12-31", true))
	inReview := e.create(c.writer, "r")
	e.do(c.writer, inReview.ID, service.TransitionRequest{Action: "submit"})
	approved := e.create(c.writer, "p")
	e.do(c.writer, approved.ID, service.TransitionRequest{Action: "submit"})
	e.sign(c.clin, approved.ID, "approve")
	live := e.create(c.writer, "l")
	e.publishNow(c, live.ID)

	for _, id := range []string{inReview.ID, approved.ID, live.ID} {
		cur := e.get(id)
		for _, act := range workflow.Actions() {
			_, err := e.svc().Transition(ctx, adm, id, service.TransitionRequest{Action: string(act), Password: flowPW, ContentHash: cur.ContentHash, Comment: "force"})
			wantErr(t, err, models.ErrForbidden)
		}
		_, err := e.svc().UpdateArticle(ctx, adm, id, cur.Version, flowContent(cur.Content.Slug, "admin"))
		if err == nil {
			t.Fatalf("admin edited %s", id)
		}
		if got := e.get(id); got.Version != cur.Version {
			t.Fatalf("admin moved %s from version %d to %d", id, cur.Version, got.Version)
		}
	}
	// Nor can an admin make themself a signer: no self-verification.
	self, err := e.svc().UpdateUser(ctx, adm, adm.ID, service.UserPatch{Roles: &[]string{models.RoleAdmin, models.RoleClinicalReviewer}})
	if err == nil {
		t.Fatalf("admin granted themself a clinician role: %v", self.Roles)
	}
	_, err = e.svc().VerifyLicense(ctx, adm, adm.ID)
	wantErr(t, err, models.ErrForbidden)
}

func TestWrongSignoffPasswordsLockTheAccount(t *testing.T) {
	e := newFlowEnv(t, 1)
	c := e.cast()
	ctx := context.Background()
	a := e.create(c.writer, "v1")
	sub := e.do(c.writer, a.ID, service.TransitionRequest{Action: "submit"})
	req := service.TransitionRequest{Action: "approve", Password: "not my password", ContentHash: sub.ContentHash}
	for i := 1; i <= 5; i++ {
		_, err := e.svc().Transition(ctx, c.clin, a.ID, req)
		wantErr(t, err, workflow.ErrBadPassword)
	}
	// Locked now: even the right password answers "locked", at sign-off and sign-in.
	req.Password = flowPW
	_, err := e.svc().Transition(ctx, c.clin, a.ID, req)
	wantErr(t, err, models.ErrLocked)
	u, _ := e.svc().Users.Get(ctx, c.clin.ID)
	_, _, err = e.svc().Login(ctx, u.Email, flowPW)
	wantErr(t, err, models.ErrLocked)
	if got := e.get(a.ID); got.Status != "in_review" || got.Version != sub.Version {
		t.Fatalf("a locked signer changed the article: %+v", got)
	}
	// The lock ends; the sign-off then goes through.
	e.clock.Advance(2 * time.Hour)
	if got := e.do(c.clin, a.ID, req); got.Status != "approved" {
		t.Fatalf("after the lock: %s", got.Status)
	}
}

func TestSignoffByAuthorOrRecentEditorRefused(t *testing.T) {
	e := newFlowEnv(t, 1)
	c := e.cast()
	ctx := context.Background()
	// A writer who is also a verified clinician authors an article.
	wc := e.user("Willa WriterClinician", []string{models.RoleWriter, models.RoleClinicalReviewer}, flowLicense("2031-12-31", true))
	a := e.create(wc, "v1")
	e.edit(c.edClin, a.ID, "v2 (edited by the editor-clinician)")
	sub := e.do(wc, a.ID, service.TransitionRequest{Action: "submit"})
	for _, u := range []*models.User{wc, c.edClin} {
		_, err := e.svc().Transition(ctx, u, a.ID, service.TransitionRequest{Action: "approve", Password: flowPW, ContentHash: sub.ContentHash})
		wantErr(t, err, workflow.ErrSelfReview)
	}
	_, err := e.svc().Transition(ctx, wc, a.ID, service.TransitionRequest{Action: "request_changes", Comment: "looks fine to me"})
	wantErr(t, err, workflow.ErrSelfReview)
	// Unverified and expired licenses do not sign either.
	for _, u := range []*models.User{c.unverified, c.expired} {
		_, err := e.svc().Transition(ctx, u, a.ID, service.TransitionRequest{Action: "approve", Password: flowPW, ContentHash: sub.ContentHash})
		wantErr(t, err, workflow.ErrLicense)
	}
	e.sign(c.clin, a.ID, "approve")
	e.do(c.editor, a.ID, service.TransitionRequest{Action: "publish"})

	// A new cycle edited by someone else: the editor-clinician may sign it,
	// the author still may not.
	e.edit(c.editor, a.ID, "v3")
	sub = e.do(c.editor, a.ID, service.TransitionRequest{Action: "submit"})
	_, err = e.svc().Transition(ctx, wc, a.ID, service.TransitionRequest{Action: "approve", Password: flowPW, ContentHash: sub.ContentHash})
	wantErr(t, err, workflow.ErrSelfReview)
	if got := e.sign(c.edClin, a.ID, "approve"); got.Approval.SignerID != c.edClin.ID {
		t.Fatalf("approval by %s", got.Approval.SignerID)
	}
	e.verifyChain()
}

// TestLicenseRevocationSurvivesConcurrentSignoff: a sign-off attempt
// re-enters the password, which takes a while (argon2) and then saves the
// failure count. An admin revoking the signer's license meanwhile must not
// be undone by that save, or the clinician could sign with a license the
// admin withdrew.
func TestLicenseRevocationSurvivesConcurrentSignoff(t *testing.T) {
	e := newFlowEnv(t, 1)
	c := e.cast()
	ctx := context.Background()
	a := e.create(c.writer, "v1")
	sub := e.do(c.writer, a.ID, service.TransitionRequest{Action: "submit"})
	for round := 0; round < 3; round++ {
		done := make(chan error, 1)
		go func() {
			_, err := e.svc().Transition(ctx, c.clin, a.ID, service.TransitionRequest{Action: "approve", Password: "a wrong password", ContentHash: sub.ContentHash})
			done <- err
		}()
		time.Sleep(20 * time.Millisecond) // inside the password check
		lic := *c.clin.License
		lic.Number = lic.Number + "-revoked"
		if _, err := e.svc().UpdateUser(ctx, e.admin, c.clin.ID, service.UserPatch{License: &lic}); err != nil {
			t.Fatal(err)
		}
		wantErr(t, <-done, workflow.ErrBadPassword)
		u, err := e.svc().Users.Get(ctx, c.clin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.License == nil || u.License.Number != lic.Number || u.License.VerifiedAt != nil {
			t.Fatalf("round %d: the admin's license change was lost: %+v", round, u.License)
		}
		// The failure count may be undercounted when the admin's save lands
		// between the password check's read and its write (user documents
		// are last-write-wins; the per-address sign-in limit bounds it), but
		// never counted twice. The license change above is what must hold.
		if u.FailedLogins > 1 {
			t.Fatalf("round %d: %d failures counted; want at most 1", round, u.FailedLogins)
		}
		_, err = e.svc().Transition(ctx, c.clin, a.ID, service.TransitionRequest{Action: "approve", Password: flowPW, ContentHash: sub.ContentHash})
		wantErr(t, err, workflow.ErrLicense)
		if _, err := e.svc().VerifyLicense(ctx, e.admin, c.clin.ID); err != nil {
			t.Fatal(err)
		}
		c.clin, _ = e.svc().Users.Get(ctx, c.clin.ID) // the right password reset the count
	}
}
