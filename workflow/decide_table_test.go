package workflow

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// The oracle below is written from PRODUCT.md's Workflow table as data,
// independently of Decide, and the exhaustive test compares the two over
// every combination of the dimensions.

type who int

const (
	whoAuthorOrEditor who = iota // the article's author holding writer, or an editor
	whoClinician
	whoEditor
)

type oracleRule struct {
	who  who
	from map[State]State // start state → end state
}

var oracleTable = map[Action]oracleRule{
	ActionSubmit:         {whoAuthorOrEditor, map[State]State{StateDraft: StateInReview}},
	ActionWithdraw:       {whoAuthorOrEditor, map[State]State{StateInReview: StateDraft}},
	ActionRequestChanges: {whoClinician, map[State]State{StateInReview: StateDraft}},
	ActionApprove:        {whoClinician, map[State]State{StateInReview: StateApproved}},
	ActionPublish:        {whoEditor, map[State]State{StateApproved: StatePublished, StateUnpublished: StatePublished}},
	ActionUnschedule:     {whoEditor, map[State]State{StateApproved: StateApproved, StateUnpublished: StateUnpublished}},
	ActionUnpublish: {whoEditor, map[State]State{StatePublished: StateUnpublished,
		StateDraft: StateDraft, StateInReview: StateInReview, StateApproved: StateApproved}},
	ActionRecertify: {whoClinician, map[State]State{StatePublished: StatePublished}},
	ActionArchive: {whoEditor, map[State]State{StateDraft: StateArchived,
		StateApproved: StateArchived, StateUnpublished: StateArchived}},
}

type relation string

const (
	relAuthor    relation = "author"
	relEditedBy  relation = "edited-since-signoff"
	relUnrelated relation = "unrelated"
)

type licenseKind string

const (
	licValid     licenseKind = "verified"
	licUnverif   licenseKind = "unverified"
	licExpired   licenseKind = "expired"
	licToday     licenseKind = "expires-today"
	licNone      licenseKind = "none"
	licMalformed licenseKind = "malformed"
)

type tcase struct {
	state       State
	action      Action
	roles       []string
	rel         relation
	lic         licenseKind
	passwordOK  bool
	requestHash bool // the request names the current content hash
	consistent  bool // approval and live hashes equal the current content hash
	live        bool
	comment     bool
	readiness   readiness
}

type readiness string

const (
	rdReady      readiness = "ready"
	rdErrors     readiness = "readiness-errors"
	rdNoCrisis   readiness = "sensitive-without-crisis-block"
	rdWithCrisis readiness = "sensitive-with-crisis-block"
)

func (c tcase) String() string {
	return fmt.Sprintf("%s %s roles=%v %s lic=%s pw=%v reqHash=%v consistent=%v live=%v comment=%v %s",
		c.action, c.state, c.roles, c.rel, c.lic, c.passwordOK, c.requestHash, c.consistent, c.live, c.comment, c.readiness)
}

func (c tcase) article() Article {
	a := Article{Status: c.state, AuthorID: "author", EditorsSinceSignoff: []string{"author", "coeditor"}, ContentHash: "cur"}
	other := "old"
	if c.consistent {
		other = "cur"
	}
	a.ApprovalHash = other
	switch c.readiness {
	case rdErrors:
		a.ReadinessErrors = map[string]string{"sections": "at least one section"}
	case rdNoCrisis:
		a.Sensitive = true
	case rdWithCrisis:
		a.Sensitive, a.HasCrisisResources = true, true
	}
	if c.live {
		a.HasLive, a.LiveHash = true, other
	}
	// Two dimensions stand in for two more, to keep the table's size:
	// the comment for "a publish is scheduled" and the password for "the
	// sign-off is before its re-review date" (no action reads both of a
	// pair).
	a.Scheduled = c.comment
	a.SignoffCurrentUntil = now.Add(-time.Hour)
	if c.passwordOK {
		a.SignoffCurrentUntil = now.Add(time.Hour)
	}
	return a
}

func (c tcase) request() Request {
	id := map[relation]string{relAuthor: "author", relEditedBy: "coeditor", relUnrelated: "someone"}[c.rel]
	actor := Actor{ID: id, Rights: rightsFor(c.roles...), PasswordOK: c.passwordOK}
	switch c.lic {
	case licValid:
		actor.License = &License{ExpiresOn: nextYear, Verified: true}
	case licUnverif:
		actor.License = &License{ExpiresOn: nextYear}
	case licExpired:
		actor.License = &License{ExpiresOn: yesterdayUTC, Verified: true}
	case licToday:
		actor.License = &License{ExpiresOn: todayUTC, Verified: true}
	case licMalformed:
		actor.License = &License{ExpiresOn: "16/03/2027", Verified: true}
	}
	r := Request{Action: c.action, Actor: actor, ContentHash: "cur"}
	if !c.requestHash {
		r.ContentHash = "read-earlier"
	}
	if c.comment {
		r.Comment = "please cite the 2024 guideline"
	}
	return r
}

// oracle returns the expected end state and sentinel (nil when allowed).
func oracle(c tcase) (State, error) {
	rule := oracleTable[c.action]
	has := func(r string) bool { return slices.Contains(c.roles, r) }
	isAuthor := c.rel == relAuthor

	// 1. who
	allowed := false
	switch rule.who {
	case whoAuthorOrEditor:
		allowed = has(RoleEditor) || (has(RoleWriter) && isAuthor)
	case whoClinician:
		allowed = has(RoleClinicalReviewer)
	case whoEditor:
		allowed = has(RoleEditor)
	}
	if !allowed {
		return c.state, ErrForbidden
	}
	// 2. where
	to, ok := rule.from[c.state]
	if !ok {
		return c.state, ErrInvalidState
	}
	// 3. guards
	licenseOK := c.lic == licValid || c.lic == licToday
	hashOK := c.requestHash
	signGuards := func() error {
		switch {
		case c.rel != relUnrelated:
			return ErrSelfReview
		case !licenseOK:
			return ErrLicense
		case !c.passwordOK:
			return ErrBadPassword
		case !hashOK:
			return ErrStaleContent
		}
		return nil
	}
	var err error
	switch c.action {
	case ActionSubmit:
		if c.readiness == rdErrors || c.readiness == rdNoCrisis {
			err = ErrNotReady
		}
	case ActionRequestChanges:
		if isAuthor {
			err = ErrSelfReview
		} else if !c.comment {
			err = ErrCommentRequired
		}
	case ActionApprove:
		err = signGuards()
	case ActionPublish:
		switch {
		case c.state == StateUnpublished && (!c.consistent || !c.passwordOK):
			err = ErrSignoffNeeded
		case !c.consistent:
			err = ErrStaleContent
		}
	case ActionUnschedule:
		if !c.comment {
			err = ErrNotScheduled
		}
	case ActionUnpublish:
		if !c.live {
			err = ErrNoLive
		}
	case ActionRecertify:
		switch {
		case !c.live:
			err = ErrNoLive
		case signGuards() != nil:
			err = signGuards()
		case !c.consistent:
			err = ErrStaleContent
		}
	case ActionArchive:
		if c.live {
			err = ErrInvalidState
		}
	}
	if err != nil {
		return c.state, err
	}
	return to, nil
}

// dim varies one field of a case, calling yield once per value.
type dim func(c tcase, yield func(tcase))

func each[V any](vals []V, set func(*tcase, V)) dim {
	return func(c tcase, yield func(tcase)) {
		for _, v := range vals {
			set(&c, v)
			yield(c)
		}
	}
}

// forEachCase calls fn with every combination of the dimensions.
func forEachCase(fn func(tcase)) {
	bools := []bool{true, false}
	dims := []dim{
		each(States(), func(c *tcase, v State) { c.state = v }),
		each(Actions(), func(c *tcase, v Action) { c.action = v }),
		each([][]string{{RoleWriter}, {RoleClinicalReviewer}, {RoleEditor}, {RoleAdmin}, {RoleWriter, RoleClinicalReviewer}},
			func(c *tcase, v []string) { c.roles = v }),
		each([]relation{relAuthor, relEditedBy, relUnrelated}, func(c *tcase, v relation) { c.rel = v }),
		each([]licenseKind{licValid, licUnverif, licExpired, licToday, licNone, licMalformed}, func(c *tcase, v licenseKind) { c.lic = v }),
		each(bools, func(c *tcase, v bool) { c.passwordOK = v }),
		each(bools, func(c *tcase, v bool) { c.requestHash = v }),
		each(bools, func(c *tcase, v bool) { c.consistent = v }),
		each(bools, func(c *tcase, v bool) { c.live = v }),
		each(bools, func(c *tcase, v bool) { c.comment = v }),
		each([]readiness{rdReady, rdErrors, rdNoCrisis, rdWithCrisis}, func(c *tcase, v readiness) { c.readiness = v }),
	}
	var walk func(i int, c tcase)
	walk = func(i int, c tcase) {
		if i == len(dims) {
			fn(c)
			return
		}
		dims[i](c, func(c tcase) { walk(i+1, c) })
	}
	walk(0, tcase{})
}

func TestDecideExhaustive(t *testing.T) {
	var n, failures int
	seen := map[error]int{}
	succeeded := map[Action]int{}
	forEachCase(func(c tcase) {
		n++
		wantTo, wantErr := oracle(c)
		seen[wantErr]++
		if wantErr == nil {
			succeeded[c.action]++
		}
		d, err := Decide(now, c.article(), c.request())
		if !check(t, c, d, err, wantTo, wantErr) {
			failures++
			if failures > 20 {
				t.Fatalf("too many failures; %d cases so far", n)
			}
		}
	})
	t.Logf("%d cases", n)
	// Guard against a vacuous table: every refusal and every action's
	// success must occur.
	for _, s := range append([]error{nil}, sentinels...) {
		// ErrFrozen is CanEdit's alone; ErrTakeUnsigned has its own table
		// (take_test.go): a dimension here would double 550,000 cases.
		if s != ErrFrozen && s != ErrTakeUnsigned && seen[s] == 0 {
			t.Errorf("no case expects %s", sentinelName(s))
		}
	}
	for _, a := range Actions() {
		if succeeded[a] == 0 {
			t.Errorf("no case lets %s succeed", a)
		}
	}
}

func check(t *testing.T, c tcase, d Decision, err error, wantTo State, wantErr error) bool {
	t.Helper()
	if wantErr != nil {
		var we *Error
		switch {
		case err == nil:
			t.Errorf("%v: allowed (→ %s), want %s", c, d.To, sentinelName(wantErr))
		case sentinelOf(err) != wantErr:
			t.Errorf("%v: got %q (%v), want %s", c, err, sentinelOf(err), sentinelName(wantErr))
		case !errors.As(err, &we) || we.Reason == "":
			t.Errorf("%v: error %v is not an *Error with a reason", c, err)
		case d != (Decision{From: c.state}):
			t.Errorf("%v: refused but decision %+v is not empty", c, d)
		default:
			return true
		}
		return false
	}
	if err != nil {
		t.Errorf("%v: refused with %q, want → %s", c, err, wantTo)
		return false
	}
	want := Decision{From: c.state, To: wantTo,
		Signs:      c.action == ActionApprove || c.action == ActionRecertify,
		ClearsLive: c.action == ActionUnpublish,
		SetsLive:   c.action == ActionPublish,
		// The table's requests carry no PublishAt.
		Unschedules: c.action == ActionUnschedule,
	}
	if d != want {
		t.Errorf("%v: decision %+v, want %+v", c, d, want)
		return false
	}
	return true
}

// TestDecideRows spells out the cases that matter most, one per row,
// without any oracle.
func TestDecideRows(t *testing.T) {
	future := now.Add(time.Hour)
	past := now.Add(-time.Hour)
	expired := clinician("doc")
	expired.License.ExpiresOn = yesterdayUTC
	today := clinician("doc")
	today.License.ExpiresOn = todayUTC
	badPw := clinician("doc")
	badPw.PasswordOK = false
	unverified := clinician("doc")
	unverified.License.Verified = false
	noLicense := clinician("doc")
	noLicense.License = nil
	writerClinician := clinician("author")
	writerClinician.Rights = rightsFor(RoleWriter, RoleClinicalReviewer)
	adminAll := person("root", RoleAdmin)
	adminClinician := clinician("root")
	adminClinician.Rights = rightsFor(RoleClinicalReviewer, RoleAdmin)
	ready := anArticle()
	inReview := anArticle().status(StateInReview).editors("author", "ed")
	approved := anArticle().status(StateApproved).approved("h1")
	published := anArticle().status(StatePublished).approved("h1").live("h1")

	rows := []struct {
		name string
		a    Article
		r    Request
		to   State
		err  error
		d    Decision // checked when err is nil and d.To is set
	}{
		{"author submits own draft", ready.build(), Request{Action: ActionSubmit, Actor: person("author", RoleWriter)}, StateInReview, nil, Decision{}},
		{"writer cannot submit another's draft", ready.build(), Request{Action: ActionSubmit, Actor: person("w2", RoleWriter)}, "", ErrForbidden, Decision{}},
		{"editor submits any draft", ready.build(), Request{Action: ActionSubmit, Actor: person("ed", RoleEditor)}, StateInReview, nil, Decision{}},
		{"admin cannot submit", ready.build(), Request{Action: ActionSubmit, Actor: adminAll}, "", ErrForbidden, Decision{}},
		{"author without writer role cannot submit", ready.build(), Request{Action: ActionSubmit, Actor: person("author", RoleClinicalReviewer)}, "", ErrForbidden, Decision{}},
		{"submit needs readiness", func() Article {
			a := ready.build()
			a.ReadinessErrors = map[string]string{"summary": "required"}
			return a
		}(),
			Request{Action: ActionSubmit, Actor: person("author", RoleWriter)}, "", ErrNotReady, Decision{}},
		{"sensitive without crisis block", func() Article { a := ready.build(); a.Sensitive = true; return a }(),
			Request{Action: ActionSubmit, Actor: person("author", RoleWriter)}, "", ErrNotReady, Decision{}},
		{"sensitive with crisis block", func() Article { a := ready.build(); a.Sensitive, a.HasCrisisResources = true, true; return a }(),
			Request{Action: ActionSubmit, Actor: person("author", RoleWriter)}, StateInReview, nil, Decision{}},
		{"author withdraws", inReview.build(), Request{Action: ActionWithdraw, Actor: person("author", RoleWriter)}, StateDraft, nil, Decision{}},
		{"reviewer requests changes", inReview.build(), Request{Action: ActionRequestChanges, Actor: clinician("doc"), Comment: "cite it"}, StateDraft, nil, Decision{}},
		{"request changes needs a comment", inReview.build(), Request{Action: ActionRequestChanges, Actor: clinician("doc"), Comment: "  \n"}, "", ErrCommentRequired, Decision{}},
		{"author-clinician cannot request changes on own", inReview.build(), Request{Action: ActionRequestChanges, Actor: writerClinician, Comment: "x"}, "", ErrSelfReview, Decision{}},
		{"clinician approves what they read", inReview.build(), Request{Action: ActionApprove, Actor: clinician("doc"), ContentHash: "h1"}, StateApproved, nil,
			Decision{From: StateInReview, To: StateApproved, Signs: true}},
		{"license valid through today (UTC)", inReview.build(), Request{Action: ActionApprove, Actor: today, ContentHash: "h1"}, StateApproved, nil, Decision{}},
		{"license expired yesterday (UTC)", inReview.build(), Request{Action: ActionApprove, Actor: expired, ContentHash: "h1"}, "", ErrLicense, Decision{}},
		{"unverified license", inReview.build(), Request{Action: ActionApprove, Actor: unverified, ContentHash: "h1"}, "", ErrLicense, Decision{}},
		{"no license", inReview.build(), Request{Action: ActionApprove, Actor: noLicense, ContentHash: "h1"}, "", ErrLicense, Decision{}},
		{"wrong password", inReview.build(), Request{Action: ActionApprove, Actor: badPw, ContentHash: "h1"}, "", ErrBadPassword, Decision{}},
		{"content changed since read", inReview.build(), Request{Action: ActionApprove, Actor: clinician("doc"), ContentHash: "h0"}, "", ErrStaleContent, Decision{}},
		{"no contentHash named", inReview.build(), Request{Action: ActionApprove, Actor: clinician("doc")}, "", ErrStaleContent, Decision{}},
		{"author-clinician cannot approve own", inReview.build(), Request{Action: ActionApprove, Actor: writerClinician, ContentHash: "h1"}, "", ErrSelfReview, Decision{}},
		{"author cannot sign even if the caller left them off the editors", anArticle().status(StateInReview).editors().build(),
			Request{Action: ActionApprove, Actor: writerClinician, ContentHash: "h1"}, "", ErrSelfReview, Decision{}},
		{"co-editor clinician cannot approve", inReview.build(), Request{Action: ActionApprove, Actor: clinician("ed"), ContentHash: "h1"}, "", ErrSelfReview, Decision{}},
		{"admin cannot approve", inReview.build(), Request{Action: ActionApprove, Actor: adminAll, ContentHash: "h1"}, "", ErrForbidden, Decision{}},
		{"admin who is a verified clinician can approve", inReview.build(), Request{Action: ActionApprove, Actor: adminClinician, ContentHash: "h1"}, StateApproved, nil, Decision{}},
		{"approve a draft", ready.build(), Request{Action: ActionApprove, Actor: clinician("doc"), ContentHash: "h1"}, "", ErrInvalidState, Decision{}},
		{"editor publishes", approved.build(), Request{Action: ActionPublish, Actor: person("ed", RoleEditor)}, StatePublished, nil,
			Decision{From: StateApproved, To: StatePublished, SetsLive: true}},
		{"publish in the past is now", approved.build(), Request{Action: ActionPublish, Actor: person("ed", RoleEditor), PublishAt: &past}, StatePublished, nil, Decision{}},
		{"publish scheduled", approved.build(), Request{Action: ActionPublish, Actor: person("ed", RoleEditor), PublishAt: &future}, StateApproved, nil,
			Decision{From: StateApproved, To: StateApproved, Scheduled: true}},
		{"publish other content than approved", anArticle().status(StateApproved).approved("h0").build(), Request{Action: ActionPublish, Actor: person("ed", RoleEditor)}, "", ErrStaleContent, Decision{}},
		{"publish with no approval hash", anArticle().status(StateApproved).build(), Request{Action: ActionPublish, Actor: person("ed", RoleEditor)}, "", ErrStaleContent, Decision{}},
		{"admin cannot force-publish", approved.build(), Request{Action: ActionPublish, Actor: adminAll}, "", ErrForbidden, Decision{}},
		{"clinician cannot publish", approved.build(), Request{Action: ActionPublish, Actor: clinician("doc")}, "", ErrForbidden, Decision{}},
		{"publish a draft", ready.build(), Request{Action: ActionPublish, Actor: person("ed", RoleEditor)}, "", ErrInvalidState, Decision{}},
		{"unpublish", published.build(), Request{Action: ActionUnpublish, Actor: person("ed", RoleEditor)}, StateUnpublished, nil,
			Decision{From: StatePublished, To: StateUnpublished, ClearsLive: true}},
		{"unpublish keeps a working draft", anArticle().live("h0").build(), Request{Action: ActionUnpublish, Actor: person("ed", RoleEditor)}, StateDraft, nil,
			Decision{From: StateDraft, To: StateDraft, ClearsLive: true}},
		{"unpublish with nothing live", ready.build(), Request{Action: ActionUnpublish, Actor: person("ed", RoleEditor)}, "", ErrNoLive, Decision{}},
		{"recertify unchanged live content", published.build(), Request{Action: ActionRecertify, Actor: clinician("doc"), ContentHash: "h1"}, StatePublished, nil,
			Decision{From: StatePublished, To: StatePublished, Signs: true}},
		{"recertify by the author", published.build(), Request{Action: ActionRecertify, Actor: writerClinician, ContentHash: "h1"}, "", ErrSelfReview, Decision{}},
		{"recertify with expired license", published.build(), Request{Action: ActionRecertify, Actor: expired, ContentHash: "h1"}, "", ErrLicense, Decision{}},
		{"recertify when working copy differs from live", anArticle().status(StatePublished).live("h0").build(), Request{Action: ActionRecertify, Actor: clinician("doc"), ContentHash: "h1"}, "", ErrStaleContent, Decision{}},
		{"recertify a working draft", anArticle().live("h1").build(), Request{Action: ActionRecertify, Actor: clinician("doc"), ContentHash: "h1"}, "", ErrInvalidState, Decision{}},
		{"archive an unpublished article", anArticle().status(StateUnpublished).build(), Request{Action: ActionArchive, Actor: person("ed", RoleEditor)}, StateArchived, nil, Decision{}},
		{"archive while live", anArticle().live("h0").build(), Request{Action: ActionArchive, Actor: person("ed", RoleEditor)}, "", ErrInvalidState, Decision{}},
		{"archive a published article", published.build(), Request{Action: ActionArchive, Actor: person("ed", RoleEditor)}, "", ErrInvalidState, Decision{}},
		{"unknown action", ready.build(), Request{Action: "force_publish", Actor: person("ed", RoleEditor, RoleAdmin)}, "", ErrInvalidState, Decision{}},
		{"unknown state", anArticle().status("limbo").build(), Request{Action: ActionArchive, Actor: person("ed", RoleEditor)}, "", ErrInvalidState, Decision{}},
		{"anonymous actor", approved.build(), Request{Action: ActionPublish, Actor: person("", RoleEditor)}, "", ErrForbidden, Decision{}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			d, err := Decide(now, row.a, row.r)
			if row.err != nil {
				if !errors.Is(err, row.err) {
					t.Fatalf("got %v (%+v), want %v", err, d, row.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if d.To != row.to {
				t.Errorf("To = %s, want %s", d.To, row.to)
			}
			if row.d.To != "" && d != row.d {
				t.Errorf("decision %+v, want %+v", d, row.d)
			}
		})
	}
}

func TestErrorReasons(t *testing.T) {
	expired := clinician("doc")
	expired.License.ExpiresOn = "2026-01-31"
	a := anArticle().status(StateInReview).editors("author", "ed").build()
	for _, tc := range []struct {
		actor Actor
		want  string
	}{
		{expired, "your license expired on 2026-01-31"},
		{clinician("ed"), "you wrote or edited this article since the last sign-off"},
	} {
		_, err := Decide(now, a, Request{Action: ActionApprove, Actor: tc.actor, ContentHash: "h1"})
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	e := &Error{Err: ErrNoLive}
	if e.Error() != ErrNoLive.Error() || !errors.Is(e, ErrNoLive) {
		t.Errorf("Error without reason: %q", e.Error())
	}
}
