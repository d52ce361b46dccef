package workflow

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// signature is what the simulated store records when a decision Signs.
type signature struct {
	hash, signer string
	cycle        []string // editors since the previous sign-off, at signing
	author       string
	licenseOK    bool
	at           time.Time
}

// world is a minimal caller: it persists decisions and edits the way the
// storage layer is meant to, so the test can check the product's promise
// over whole histories rather than single calls.
type world struct {
	now       time.Time
	a         Article
	sigs      []signature
	actors    []Actor
	nextHash  int
	scheduled bool
	scheduler Actor
	stats     struct{ live, republished bool }
}

func (w *world) edit(t *rapid.T) {
	actor := rapid.SampledFrom(w.actors).Draw(t, "editor")
	out, err := CanEdit(w.a, actor)
	if err != nil {
		return
	}
	// Sometimes an edit restores earlier content, so hashes repeat.
	var h string
	if rapid.Bool().Draw(t, "revert") && w.nextHash > 0 {
		h = fmt.Sprintf("c%d", rapid.IntRange(0, w.nextHash-1).Draw(t, "revertTo"))
	} else {
		h = fmt.Sprintf("c%d", w.nextHash)
		w.nextHash++
	}
	w.a.ContentHash = h
	w.a.Status = out.To
	if out.VoidsApproval {
		w.a.ApprovalHash = ""
		w.scheduled = false
	}
	if !slices.Contains(w.a.EditorsSinceSignoff, actor.ID) {
		w.a.EditorsSinceSignoff = append(w.a.EditorsSinceSignoff, actor.ID)
	}
}

func (w *world) apply(r Request, d Decision) {
	w.a.Status = d.To
	if d.Signs {
		w.sigs = append(w.sigs, signature{
			hash: r.ContentHash, signer: r.Actor.ID, author: w.a.AuthorID, at: w.now,
			cycle:     slices.Clone(w.a.EditorsSinceSignoff),
			licenseOK: licenseCurrent(w.now, r.Actor.License),
		})
		if r.Action == ActionApprove {
			w.a.ApprovalHash = r.ContentHash
		}
		w.a.EditorsSinceSignoff = []string{w.a.AuthorID}
	}
	if d.Scheduled {
		w.scheduled, w.scheduler = true, r.Actor
	}
	if d.SetsLive {
		if w.a.HasLive {
			w.stats.republished = true
		}
		w.stats.live = true
		w.a.HasLive, w.a.LiveHash, w.scheduled = true, w.a.ContentHash, false
	}
	if d.ClearsLive {
		w.a.HasLive, w.a.LiveHash = false, ""
	}
}

// forward is the action that moves a review cycle on from each state.
var forward = map[State]Action{StateDraft: ActionSubmit, StateInReview: ActionApprove,
	StateApproved: ActionPublish, StatePublished: ActionRecertify}

func (w *world) act(t *rapid.T) {
	// Mostly the forward action, by someone Available says may take it,
	// so that histories get far; otherwise anything by anyone.
	action := rapid.SampledFrom(Actions()).Draw(t, "anyAction")
	if fa, ok := forward[w.a.Status]; ok && rapid.IntRange(0, 2).Draw(t, "forward") != 0 {
		action = fa
	}
	var able []Actor
	for _, a := range w.actors {
		if av := Available(w.now, w.a, a); av[slices.Index(Actions(), action)].Allowed {
			able = append(able, a)
		}
	}
	actor := rapid.SampledFrom(w.actors).Draw(t, "anyActor")
	if len(able) > 0 && rapid.IntRange(0, 3).Draw(t, "able") != 0 {
		actor = rapid.SampledFrom(able).Draw(t, "ableActor")
	}
	actor.PasswordOK = rapid.IntRange(0, 4).Draw(t, "badPassword") != 0
	r := Request{
		Action:  action,
		Actor:   actor,
		Comment: rapid.SampledFrom([]string{"", "fix it"}).Draw(t, "comment"),
		// A clinician usually signs what is there, sometimes what they read earlier.
		ContentHash: w.a.ContentHash,
	}
	if rapid.IntRange(0, 3).Draw(t, "stale") == 0 && w.nextHash > 0 {
		r.ContentHash = fmt.Sprintf("c%d", rapid.IntRange(0, w.nextHash-1).Draw(t, "readHash"))
	}
	if rapid.IntRange(0, 3).Draw(t, "schedule") == 0 {
		at := w.now.Add(time.Hour)
		r.PublishAt = &at
	}
	if d, err := Decide(w.now, w.a, r); err == nil {
		w.apply(r, d)
	}
}

// tick advances the clock and lets the scheduler publish, as the caller's
// background job would: Decide again, PublishAt nil, as the scheduling editor.
func (w *world) tick(t *rapid.T) {
	w.now = w.now.Add(time.Duration(rapid.IntRange(1, 48).Draw(t, "hours")) * time.Hour)
	if !w.scheduled {
		return
	}
	r := Request{Action: ActionPublish, Actor: w.scheduler}
	if d, err := Decide(w.now, w.a, r); err == nil {
		w.apply(r, d)
	}
}

// check: whatever is live was signed, as exactly that content, by a
// clinician with a current license who neither wrote the article nor
// edited it in that review cycle.
func (w *world) check(t *rapid.T) {
	if !w.a.HasLive {
		return
	}
	for _, s := range w.sigs {
		if s.hash == w.a.LiveHash && s.signer != s.author && !slices.Contains(s.cycle, s.signer) && s.licenseOK {
			return
		}
	}
	t.Fatalf("live content %q has no valid signature; signatures %+v", w.a.LiveHash, w.sigs)
}

func TestLifecyclePromise(t *testing.T) {
	var runs, wentLive, republished int
	rapid.Check(t, func(t *rapid.T) {
		runs++
		w := &world{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
		// A cast that can complete a review cycle (ann writes, bob reviews,
		// cat edits), each perhaps with extra roles, plus dan, anyone at all.
		// Licenses vary, and expire as the clock ticks.
		cast := []struct {
			id       string
			roles    []string
			licensed bool
		}{
			{"ann", []string{RoleWriter}, false},
			{"bob", []string{RoleClinicalReviewer}, true},
			{"cat", []string{RoleEditor}, false},
			{"dan", nil, false},
		}
		for _, c := range cast {
			extra := rapid.SliceOfDistinct(rapid.SampledFrom(allRoles[:4]), rapid.ID[string]).Draw(t, c.id+"Roles")
			a := Actor{ID: c.id, Rights: rightsFor(append(c.roles, extra...)...)}
			if c.licensed || rapid.Bool().Draw(t, c.id+"Licensed") {
				a.License = &License{
					// rapid favours early values: mostly a long-valid, verified license.
					ExpiresOn: w.now.AddDate(0, 0, rapid.SampledFrom([]int{365, 30, 3, 1, 0, -1}).Draw(t, c.id+"Days")).Format(time.DateOnly),
					Verified:  rapid.IntRange(0, 3).Draw(t, c.id+"Unverified") != 3,
				}
			}
			w.actors = append(w.actors, a)
		}
		w.a = Article{Status: StateDraft, AuthorID: "ann", EditorsSinceSignoff: []string{"ann"}, ContentHash: "c0"}
		w.nextHash = 1
		// Histories longer than Repeat's default, so that most reach publish
		// and many go round the cycle again.
		steps := rapid.IntRange(20, 300).Draw(t, "steps")
		ops := []func(*rapid.T){w.act, w.act, w.tick, w.act, w.edit}
		w.check(t)
		for range steps {
			rapid.SampledFrom(ops).Draw(t, "op")(t)
			w.check(t)
		}
		if w.stats.live {
			wentLive++
		}
		if w.stats.republished {
			republished++
		}
	})
	// A property that never reaches publish proves nothing.
	t.Logf("%d histories, %d went live, %d replaced a live version", runs, wentLive, republished)
	if runs >= 100 && (wentLive == 0 || republished == 0) {
		t.Error("no history published, or none published twice: the property was not exercised")
	}
}
