package audit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
)

// Problem kinds in a Report.
const (
	ProblemChain        = "chain"         // the chain itself is broken (a changed, deleted or inserted event)
	ProblemTruncated    = "truncated"     // the log is shorter than a checkpoint vouches for
	ProblemMismatch     = "checkpoint"    // the event at a checkpointed seq has another hash
	ProblemBadSignature = "signature"     // a checkpoint whose signature does not verify
	ProblemAnchor       = "anchor"        // an anchor line that is not a checkpoint
	ProblemProjection   = "projection"    // a head, user or token changed by an event the log lacks
	ProblemNoKey        = "no_public_key" // checkpoints exist but no key to check them
)

// Problem is one finding of a verify. Seq is the first event it affects
// (0 when it names none).
type Problem struct {
	Kind    string `json:"kind"`
	Seq     int64  `json:"seq,omitempty"`
	Subject string `json:"subject,omitempty"`
	Message string `json:"message"`
}

// Report is the answer of `vetted audit verify` and GET
// /api/admin/audit/verify: the chain check (ok, events, firstBadSeq,
// reason) extended by the checkpoints and projections.
type Report struct {
	OK     bool `json:"ok"`
	Events int  `json:"events"`
	// FirstBadSeq is the first event affected by any problem: for a
	// checkpoint that no longer matches, the event after the newest
	// checkpoint that still does.
	FirstBadSeq int64  `json:"firstBadSeq,omitempty"`
	Reason      string `json:"reason,omitempty"`
	// Checkpoints counts the checkpoints read whose signature verifies.
	Checkpoints      int         `json:"checkpoints"`
	NewestCheckpoint *Checkpoint `json:"newestCheckpoint"`
	// AnchorAgrees: at least one signed checkpoint was read and every one
	// matches the log.
	AnchorAgrees bool      `json:"anchorAgrees"`
	Anchors      []string  `json:"anchors"`
	PublicKey    string    `json:"publicKey,omitempty"`
	Problems     []Problem `json:"problems"`
	Warnings     []string  `json:"warnings"`
}

// Verifier checks the log against the anchors and the projections.
type Verifier struct {
	Log interface {
		Scan(ctx context.Context) ([]models.Event, error)
		Get(ctx context.Context, seq int64) (*models.Event, error)
	}
	// Projections reads what heads, users and tokens record (nil: skipped).
	Projections func(ctx context.Context) ([]mongostore.ProjectionRef, error)
	Anchors     []string
	Keys        Keyring
	// PublicKey is shown in reports (the configured key).
	PublicKey string
}

// Verify reads the projections and anchors first, then the log: whatever
// they reference was appended before they were written, so it is in the
// log read after them unless someone removed it.
func (v *Verifier) Verify(ctx context.Context) (Report, error) {
	var refs []mongostore.ProjectionRef
	if v.Projections != nil {
		var err error
		if refs, err = v.Projections(ctx); err != nil {
			return Report{}, err
		}
	}
	var anchors []AnchorContents
	var warnings []string
	for _, path := range v.Anchors {
		a, err := ReadAnchor(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			warnings = append(warnings, fmt.Sprintf("the anchor %s does not exist (yet): no checkpoint read from it", path))
			continue
		case err != nil:
			return Report{}, fmt.Errorf("read anchor: %w", err)
		}
		anchors = append(anchors, a)
	}
	evs, err := v.Log.Scan(ctx)
	if err != nil {
		return Report{}, err
	}
	r := Check(evs, anchors, v.Keys, refs)
	r.Anchors, r.PublicKey = append([]string{}, v.Anchors...), v.PublicKey
	r.Warnings = append(warnings, r.Warnings...)
	return r, nil
}

// Check is the verification itself: the chain, every checkpoint of the
// anchors against it, and every projection ref.
func Check(evs []models.Event, anchors []AnchorContents, keys Keyring, refs []mongostore.ProjectionRef) Report {
	chain := mongostore.VerifyChain(evs)
	r := Report{Events: len(evs), Problems: []Problem{}, Warnings: []string{}, Anchors: []string{}}
	if !chain.OK {
		r.Problems = append(r.Problems, Problem{Kind: ProblemChain, Seq: chain.FirstBadSeq, Message: fmt.Sprintf("event %d: %s", chain.FirstBadSeq, chain.Reason)})
	}
	bySeq := make(map[int64]*models.Event, len(evs))
	eventKeys := make(map[string]bool, len(evs))
	subjects := map[string]bool{}
	var tail int64
	for i := range evs {
		ev := &evs[i]
		bySeq[ev.Seq] = ev
		eventKeys[ev.Key] = true
		if ev.Subject != "" {
			subjects[ev.Subject] = true
		}
		tail = max(tail, ev.Seq)
	}
	// Once the chain breaks, the stored length is only an upper bound of
	// the intact prefix.
	intact := tail
	if !chain.OK {
		intact = chain.FirstBadSeq - 1
	}
	r.checkAnchors(anchors, keys, bySeq, tail, intact)
	r.checkProjections(refs, eventKeys, subjects)
	r.finish()
	return r
}

func (r *Report) checkAnchors(anchors []AnchorContents, keys Keyring, bySeq map[int64]*models.Event, tail, intact int64) {
	var signed []Checkpoint
	unsigned := 0
	for _, a := range anchors {
		for _, b := range a.Bad {
			r.Problems = append(r.Problems, Problem{Kind: ProblemAnchor, Message: b})
		}
		if a.Torn {
			r.Warnings = append(r.Warnings, a.Path+" ends in a partial line (a write cut short by a crash); it was skipped")
		}
		for _, c := range a.Checkpoints {
			if len(keys) == 0 {
				unsigned++
				continue
			}
			if ok, why := keys.check(c); !ok {
				r.Problems = append(r.Problems, Problem{Kind: ProblemBadSignature, Subject: fmt.Sprintf("checkpoint of event %d at %s", c.Seq, c.At.Format("2006-01-02T15:04:05.000Z07:00")), Message: why})
				continue
			}
			signed = append(signed, c)
		}
	}
	if unsigned > 0 {
		r.Problems = append(r.Problems, Problem{Kind: ProblemNoKey, Message: fmt.Sprintf("%d checkpoints read, but no public key is configured to check their signatures", unsigned)})
	}
	sort.SliceStable(signed, func(i, j int) bool { return signed[i].Seq < signed[j].Seq })
	r.Checkpoints = len(signed)
	if len(signed) == 0 {
		if unsigned == 0 && len(r.Problems) == 0 && tail > 0 {
			r.Warnings = append(r.Warnings, "no checkpoint was read: nothing outside the database vouches for the log yet")
		}
		return
	}
	newest := signed[len(signed)-1]
	r.NewestCheckpoint = &newest
	agrees := true
	var good int64 // the newest checkpointed seq that matches
	for _, c := range signed {
		ev := bySeq[c.Seq]
		switch {
		case c.Seq > tail:
			// Reported once, below, for the newest checkpoint.
			agrees = false
		case ev == nil:
			agrees = false // the chain check names the missing event
		case ev.Hash != c.Hash:
			agrees = false
			r.Problems = append(r.Problems, Problem{Kind: ProblemMismatch, Seq: good + 1, Subject: fmt.Sprintf("checkpoint of event %d", c.Seq),
				Message: fmt.Sprintf("event %d does not have the hash its checkpoint of %s signed: the log was rewritten after event %d", c.Seq, c.At.Format("2006-01-02T15:04:05Z07:00"), good)})
		case c.Seq <= intact:
			good = max(good, c.Seq)
		}
	}
	if newest.Seq > tail {
		r.Problems = append(r.Problems, Problem{Kind: ProblemTruncated, Seq: tail + 1, Subject: fmt.Sprintf("checkpoint of event %d", newest.Seq),
			Message: fmt.Sprintf("the log ends at event %d, but a checkpoint of %s vouches for %d events: events %d to %d were removed", tail, newest.At.Format("2006-01-02T15:04:05Z07:00"), newest.Seq, tail+1, newest.Seq)})
	}
	for _, p := range r.Problems {
		if p.Kind == ProblemAnchor || p.Kind == ProblemBadSignature {
			agrees = false
		}
	}
	r.AnchorAgrees = agrees
}

func (r *Report) checkProjections(refs []mongostore.ProjectionRef, keys, subjects map[string]bool) {
	for _, p := range refs {
		subject := p.Kind + " " + p.ID
		switch {
		case p.Key != "" && keys[p.Key]:
		case p.Key != "" && p.Key == p.Pending:
			// In the outbox: the change is under way, or start-up appends it.
		case p.Key != "":
			pr := Problem{Kind: ProblemProjection, Subject: subject, Message: fmt.Sprintf("the %s records a change (event %s) that is not in the log", p.Kind, p.Key)}
			if p.Seq > 0 {
				pr.Seq = p.Seq
				pr.Message = fmt.Sprintf("the %s records a change (event %d, %s) that is not in the log", p.Kind, p.Seq, p.Key)
			}
			r.Problems = append(r.Problems, pr)
		case p.Kind != "article" && !subjects[p.ID] && p.Pending == "":
			r.Problems = append(r.Problems, Problem{Kind: ProblemProjection, Subject: subject, Message: fmt.Sprintf("no event in the log records the %s's creation", p.Kind)})
		}
	}
}

// finish derives ok, firstBadSeq and reason from the problems.
func (r *Report) finish() {
	r.OK = len(r.Problems) == 0
	var first *Problem
	for i := range r.Problems {
		p := &r.Problems[i]
		if p.Seq > 0 && (r.FirstBadSeq == 0 || p.Seq < r.FirstBadSeq) {
			r.FirstBadSeq, first = p.Seq, p
		}
	}
	if first == nil && len(r.Problems) > 0 {
		first = &r.Problems[0]
	}
	if first != nil {
		r.Reason = first.Message
	}
}
