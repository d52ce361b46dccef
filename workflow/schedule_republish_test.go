package workflow

import (
	"errors"
	"testing"
	"time"
)

// TestRepublishAndSchedule: publishing again after an unpublish needs no
// new sign-off only for exactly the signed content under a sign-off that
// is still current; unschedule cancels only a scheduled publish; a
// publish with a later time on a scheduled article replaces the time.
func TestRepublishAndSchedule(t *testing.T) {
	editor := person("ed", RoleEditor)
	writer := person("author", RoleWriter)
	later := now.Add(48 * time.Hour)
	unpublished := func(approval string, due time.Time) Article {
		a := anArticle().status(StateUnpublished).approved(approval).build()
		a.SignoffCurrentUntil = due
		return a
	}
	scheduled := func(s State) Article {
		a := anArticle().status(s).approved("h1").build()
		a.Scheduled, a.SignoffCurrentUntil = true, now.Add(time.Hour)
		return a
	}
	cases := []struct {
		name      string
		a         Article
		r         Request
		want      error
		to        State
		setsLive  bool
		scheduled bool
		unsched   bool
	}{
		{"republish unchanged, sign-off current", unpublished("h1", now.Add(time.Hour)), Request{Action: ActionPublish, Actor: editor}, nil, StatePublished, true, false, false},
		{"republish changed content", unpublished("h0", now.Add(time.Hour)), Request{Action: ActionPublish, Actor: editor}, ErrSignoffNeeded, "", false, false, false},
		{"republish without a sign-off", unpublished("", now.Add(time.Hour)), Request{Action: ActionPublish, Actor: editor}, ErrSignoffNeeded, "", false, false, false},
		{"republish past re-review date", unpublished("h1", now.Add(-time.Second)), Request{Action: ActionPublish, Actor: editor}, ErrSignoffNeeded, "", false, false, false},
		{"republish on the re-review instant", unpublished("h1", now), Request{Action: ActionPublish, Actor: editor}, ErrSignoffNeeded, "", false, false, false},
		{"republish with no date on record", unpublished("h1", time.Time{}), Request{Action: ActionPublish, Actor: editor}, ErrSignoffNeeded, "", false, false, false},
		{"republish by a writer", unpublished("h1", now.Add(time.Hour)), Request{Action: ActionPublish, Actor: writer}, ErrForbidden, "", false, false, false},
		{"schedule a republish", unpublished("h1", now.Add(time.Hour)), Request{Action: ActionPublish, Actor: editor, PublishAt: &later}, nil, StateUnpublished, false, true, false},
		{"reschedule", scheduled(StateApproved), Request{Action: ActionPublish, Actor: editor, PublishAt: &later}, nil, StateApproved, false, true, false},
		{"publish a scheduled article now", scheduled(StateApproved), Request{Action: ActionPublish, Actor: editor}, nil, StatePublished, true, false, false},
		{"unschedule", scheduled(StateApproved), Request{Action: ActionUnschedule, Actor: editor}, nil, StateApproved, false, false, true},
		{"unschedule a republish", scheduled(StateUnpublished), Request{Action: ActionUnschedule, Actor: editor}, nil, StateUnpublished, false, false, true},
		{"unschedule when nothing is scheduled", anArticle().status(StateApproved).approved("h1").build(), Request{Action: ActionUnschedule, Actor: editor}, ErrNotScheduled, "", false, false, false},
		{"unschedule a draft", anArticle().build(), Request{Action: ActionUnschedule, Actor: editor}, ErrInvalidState, "", false, false, false},
		{"unschedule by a writer", scheduled(StateApproved), Request{Action: ActionUnschedule, Actor: writer}, ErrForbidden, "", false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := Decide(now, c.a, c.r)
			if c.want != nil {
				if !errors.Is(err, c.want) || sentinelOf(err) != c.want {
					t.Fatalf("err %v, want %v", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if d.To != c.to || d.SetsLive != c.setsLive || d.Scheduled != c.scheduled || d.Unschedules != c.unsched {
				t.Fatalf("decision %+v, want to=%s setsLive=%v scheduled=%v unschedules=%v", d, c.to, c.setsLive, c.scheduled, c.unsched)
			}
		})
	}
}

// TestAvailableShowsRepublish: the actions list says whether an
// unpublished article can go live again and, if not, why.
func TestAvailableShowsRepublish(t *testing.T) {
	editor := person("ed", RoleEditor)
	for _, c := range []struct {
		due     time.Time
		allowed bool
	}{{now.Add(time.Hour), true}, {now.Add(-time.Hour), false}} {
		a := anArticle().status(StateUnpublished).approved("h1").build()
		a.SignoffCurrentUntil = c.due
		for _, av := range Available(now, a, editor) {
			if av.Action != ActionPublish {
				continue
			}
			if av.Allowed != c.allowed || (!c.allowed && av.Reason == "") {
				t.Errorf("due %s: publish %+v, want allowed=%v with a reason when not", c.due, av, c.allowed)
			}
		}
	}
}
