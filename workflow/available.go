package workflow

import "time"

// Availability says whether an actor may take an action now and, if not, why.
type Availability struct {
	Action  Action `json:"action"`
	Allowed bool   `json:"allowed"`
	// Reason is the human reason when not Allowed.
	Reason string `json:"reason,omitempty"`
}

// Available lists every action, in the order of Actions, with whether
// actor may take it on a now. It asks Decide, so the two cannot disagree,
// with what a well-formed request would carry: the password counts as
// re-entered correctly, a comment as given, and the content hash as the
// current one.
func Available(now time.Time, a Article, actor Actor) []Availability {
	actor.PasswordOK = true
	out := make([]Availability, 0, len(Actions()))
	for _, act := range Actions() {
		_, err := Decide(now, a, Request{
			Action:      act,
			Actor:       actor,
			Comment:     "(comment)",
			ContentHash: a.ContentHash,
		})
		av := Availability{Action: act, Allowed: err == nil}
		if err != nil {
			av.Reason = err.Error()
		}
		out = append(out, av)
	}
	return out
}
