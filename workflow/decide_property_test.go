package workflow

import (
	"errors"
	"slices"
	"time"

	"testing"

	"pgregory.net/rapid"
)

var (
	ids       = []string{"ann", "bob", "cat", "dan", ""}
	hashes    = []string{"h1", "h2", "h3", ""}
	allRoles  = []string{RoleWriter, RoleClinicalReviewer, RoleEditor, RoleAdmin}
	junkState = State("limbo")
	junkAct   = Action("force_publish")
)

func genNow(t *rapid.T) time.Time {
	base := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	zone := time.FixedZone("z", rapid.IntRange(-12, 14).Draw(t, "zoneHours")*3600)
	return base.Add(time.Duration(rapid.Int64Range(0, int64(72*time.Hour)).Draw(t, "nowOffset"))).In(zone)
}

func genArticle(t *rapid.T) Article {
	a := Article{
		Status:              rapid.SampledFrom(append(States(), junkState)).Draw(t, "status"),
		AuthorID:            rapid.SampledFrom(ids).Draw(t, "author"),
		EditorsSinceSignoff: rapid.SliceOfDistinct(rapid.SampledFrom(ids), rapid.ID[string]).Draw(t, "editors"),
		ContentHash:         rapid.SampledFrom(hashes).Draw(t, "contentHash"),
		ApprovalHash:        rapid.SampledFrom(hashes).Draw(t, "approvalHash"),
		HasLive:             rapid.Bool().Draw(t, "hasLive"),
		Sensitive:           rapid.Bool().Draw(t, "sensitive"),
		HasCrisisResources:  rapid.Bool().Draw(t, "crisis"),
	}
	if a.Status == StatePublished && rapid.Bool().Draw(t, "publishedIsLive") {
		a.HasLive = true
	}
	if rapid.Bool().Draw(t, "approvalIsCurrent") {
		a.ApprovalHash = a.ContentHash
	}
	if a.HasLive {
		a.LiveHash = rapid.SampledFrom(hashes).Draw(t, "liveHash")
		if rapid.Bool().Draw(t, "liveIsCurrent") {
			a.LiveHash = a.ContentHash
		}
	}
	if rapid.Bool().Draw(t, "notReady") {
		a.ReadinessErrors = map[string]string{"title": "required"}
	}
	a.Scheduled = rapid.Bool().Draw(t, "scheduled")
	a.SignoffCurrentUntil = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC).Add(time.Duration(rapid.IntRange(-48, 120).Draw(t, "signoffDueHours")) * time.Hour)
	return a
}

// genActor draws an actor, often one who passes most guards for a, so that
// rare successes (a sign-off, a publish) are reached, not only refusals.
func genActor(t *rapid.T, now time.Time, a Article) Actor {
	// "eve" is never an author or editor: a reviewer from outside.
	id := rapid.SampledFrom([]string{"eve", "ann", "bob", "cat", "dan", ""}).Draw(t, "actor")
	if rapid.IntRange(0, 3).Draw(t, "actorIsAuthor") == 3 {
		id = a.AuthorID
	}
	act := Actor{
		ID: id,
		// Any rights at all: a policy may grant anything, and the guards
		// must hold whatever it grants.
		Rights: Rights{
			Own:    rapid.SliceOfDistinct(rapid.SampledFrom(Actions()), rapid.ID[Action]).Draw(t, "own"),
			Others: rapid.SliceOfDistinct(rapid.SampledFrom(Actions()), rapid.ID[Action]).Draw(t, "others"),
		},
		PasswordOK: rapid.IntRange(0, 3).Draw(t, "badPassword") != 3,
	}
	if rapid.IntRange(0, 3).Draw(t, "noLicense") != 3 {
		days := rapid.IntRange(-2, 2).Draw(t, "expiryDays")
		exp := now.UTC().AddDate(0, 0, days).Format(time.DateOnly)
		if rapid.IntRange(0, 9).Draw(t, "malformed") == 9 {
			exp = rapid.SampledFrom([]string{"", "2027-02-30", "tomorrow", "2027/01/01", "27-01-01"}).Draw(t, "badExpiry")
		}
		act.License = &License{ExpiresOn: exp, Verified: rapid.IntRange(0, 3).Draw(t, "unverified") != 3}
	}
	return act
}

// startsFrom is PRODUCT.md's "from" column, used only to aim generation.
var startsFrom = map[State][]Action{
	StateDraft:       {ActionSubmit, ActionUnpublish, ActionArchive},
	StateInReview:    {ActionWithdraw, ActionRequestChanges, ActionApprove, ActionUnpublish},
	StateApproved:    {ActionPublish, ActionUnschedule, ActionUnpublish, ActionArchive},
	StatePublished:   {ActionUnpublish, ActionRecertify},
	StateUnpublished: {ActionPublish, ActionUnschedule, ActionArchive},
}

// genRequest draws a request, usually for an action that starts from a's
// status, by someone with a role for it, naming the current content.
func genRequest(t *rapid.T, now time.Time, a Article) Request {
	action := rapid.SampledFrom(append(Actions(), junkAct)).Draw(t, "anyAction")
	if acts := startsFrom[a.Status]; len(acts) > 0 && rapid.Bool().Draw(t, "aimed") {
		action = rapid.SampledFrom(acts).Draw(t, "action")
	}
	actor := genActor(t, now, a)
	if action.Valid() && rapid.IntRange(0, 3).Draw(t, "lacksRight") != 3 {
		actor.Rights.Own = append(actor.Rights.Own, action)
		actor.Rights.Others = append(actor.Rights.Others, action)
	}
	r := Request{
		Action:      action,
		Actor:       actor,
		Comment:     rapid.SampledFrom([]string{"fix dosage", "", " "}).Draw(t, "comment"),
		ContentHash: a.ContentHash,
	}
	if rapid.IntRange(0, 3).Draw(t, "staleRead") == 3 {
		r.ContentHash = rapid.SampledFrom(hashes).Draw(t, "requestHash")
	}
	if rapid.Bool().Draw(t, "hasPublishAt") {
		at := now.Add(time.Duration(rapid.IntRange(-2, 2).Draw(t, "publishAtHours")) * time.Hour)
		r.PublishAt = &at
	}
	return r
}

// licenseCurrent is written from the product rule, not from CheckLicense.
func licenseCurrent(now time.Time, l *License) bool {
	if l == nil || !l.Verified {
		return false
	}
	exp, err := time.Parse("2006-01-02", l.ExpiresOn)
	if err != nil {
		return false
	}
	y, m, d := now.UTC().Date()
	return !exp.Before(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

func TestDecideProperties(t *testing.T) {
	runs := 0
	allowed := map[Action]int{}
	rapid.Check(t, func(t *rapid.T) {
		// Many samples per check: the successes worth checking are rare.
		for range 200 {
			runs++
			if a := checkOneDecision(t); a != "" {
				allowed[a]++
			}
		}
	})
	t.Logf("%d decisions; allowed: %v", runs, allowed)
	if runs >= 20000 {
		for _, a := range Actions() {
			if allowed[a] == 0 {
				t.Errorf("no random request for %s was allowed: the property was not exercised", a)
			}
		}
	}
}

// checkOneDecision draws one article and request, checks Decide's answer,
// and returns the action when it was allowed.
func checkOneDecision(t *rapid.T) Action {
	now := genNow(t)
	a := genArticle(t)
	r := genRequest(t, now, a)
	d, err := Decide(now, a, r)

	if d.From != a.Status {
		t.Fatalf("From = %s, want %s", d.From, a.Status)
	}
	if err != nil {
		var we *Error
		if !errors.As(err, &we) || we.Reason == "" || sentinelOf(err) == nil {
			t.Fatalf("refusal %v is not an *Error with a reason wrapping exactly one sentinel", err)
		}
		if d != (Decision{From: a.Status}) {
			t.Fatalf("refused but decision %+v", d)
		}
		return ""
	}

	// Allowed: the promise's guards held.
	actor := r.Actor
	if actor.ID == "" {
		t.Fatalf("anonymous actor allowed %s", r.Action)
	}
	if !d.To.Valid() || !r.Action.Valid() {
		t.Fatalf("allowed %s → %q", r.Action, d.To)
	}
	if !actor.may(r.Action, a) {
		t.Fatalf("rights %+v (author %v) do not grant %s, yet it was allowed", actor.Rights, actor.authors(a), r.Action)
	}
	switch r.Action {
	case ActionApprove, ActionRecertify:
		switch {
		case actor.ID == a.AuthorID:
			t.Fatalf("author %s signed own article", actor.ID)
		case slices.Contains(a.EditorsSinceSignoff, actor.ID):
			t.Fatalf("%s signed after editing since the last sign-off %v", actor.ID, a.EditorsSinceSignoff)
		case !licenseCurrent(now, actor.License):
			t.Fatalf("signed with license %+v at %s", actor.License, now)
		case !actor.PasswordOK:
			t.Fatal("signed with a wrong password")
		case r.ContentHash == "" || r.ContentHash != a.ContentHash:
			t.Fatalf("signed %q while content is %q", r.ContentHash, a.ContentHash)
		case !d.Signs:
			t.Fatal("sign-off without a signature")
		}
		if r.Action == ActionRecertify && (!a.HasLive || a.LiveHash != a.ContentHash || a.Status != StatePublished) {
			t.Fatalf("recertified changed or missing live content: %+v", a)
		}
	case ActionPublish:
		if a.ApprovalHash == "" || a.ApprovalHash != a.ContentHash {
			t.Fatalf("published %q with approval %q", a.ContentHash, a.ApprovalHash)
		}
		if a.Status != StateApproved && a.Status != StateUnpublished {
			t.Fatalf("publish from %s", a.Status)
		}
		if a.Status == StateUnpublished && !now.Before(a.SignoffCurrentUntil) {
			t.Fatalf("republished at %s a sign-off due for re-review at %s", now, a.SignoffCurrentUntil)
		}
		if d.SetsLive == d.Scheduled {
			t.Fatalf("publish must either go live or be scheduled: %+v", d)
		}
	case ActionUnschedule:
		if !a.Scheduled || d.To != a.Status || d.SetsLive {
			t.Fatalf("unschedule %+v → %+v", a, d)
		}
	case ActionSubmit:
		if len(a.ReadinessErrors) > 0 || (a.Sensitive && !a.HasCrisisResources) {
			t.Fatalf("submitted an unready article %+v", a)
		}
	case ActionUnpublish:
		if !a.HasLive {
			t.Fatal("unpublished with nothing live")
		}
	case ActionArchive:
		if a.HasLive {
			t.Fatal("archived a live article")
		}
	}
	if d.SetsLive && r.Action != ActionPublish {
		t.Fatalf("%s set the live version", r.Action)
	}
	if d.Signs != (r.Action == ActionApprove || r.Action == ActionRecertify) {
		t.Fatalf("%s Signs=%v", r.Action, d.Signs)
	}
	return r.Action
}

// TestAvailableAgreesWithDecide: with the password right, an action
// Available refuses is refused for every request, one it allows is allowed
// for the well-formed request, and reasons match Decide's.
func TestAvailableAgreesWithDecide(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		for range 200 {
			checkAvailability(t)
		}
	})
}

func checkAvailability(t *rapid.T) {
	now := genNow(t)
	a := genArticle(t)
	r := genRequest(t, now, a)
	// Available ignores the password: it is asked before one is typed.
	avs := Available(now, a, r.Actor)
	r.Actor.PasswordOK = true

	if got := len(avs); got != len(Actions()) {
		t.Fatalf("%d availabilities, want %d", got, len(Actions()))
	}
	for i, av := range avs {
		if av.Action != Actions()[i] {
			t.Fatalf("availability %d is %s, want %s", i, av.Action, Actions()[i])
		}
		if av.Allowed == (av.Reason != "") {
			t.Fatalf("%+v: a reason exactly when not allowed", av)
		}
		if !av.Allowed {
			continue
		}
		wellFormed := Request{Action: av.Action, Actor: r.Actor, Comment: "ok", ContentHash: a.ContentHash}
		if _, err := Decide(now, a, wellFormed); err != nil {
			t.Fatalf("Available allows %s but Decide refuses the well-formed request: %v", av.Action, err)
		}
	}
	if !r.Action.Valid() {
		return
	}
	av := avs[slices.Index(Actions(), r.Action)]
	_, err := Decide(now, a, r)
	if err == nil && !av.Allowed {
		t.Fatalf("Decide allows %s, Available says %q", r.Action, av.Reason)
	}
	// Where the request is well-formed, the refusal is the same one.
	if err != nil && r.ContentHash == a.ContentHash && (r.Action != ActionRequestChanges || r.Comment == "fix dosage") {
		if av.Allowed || av.Reason != err.Error() {
			t.Fatalf("Decide refuses %s with %q, Available says %+v", r.Action, err, av)
		}
	}
}
