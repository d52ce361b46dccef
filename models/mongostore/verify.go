package mongostore

import (
	"context"
	"fmt"
	"sort"

	"github.com/vetted-cms/vetted/models"
)

func sortEvents(evs []models.Event) {
	sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
}

// VerifyResult is the outcome of checking the audit chain.
type VerifyResult struct {
	OK          bool   `json:"ok"`
	Events      int    `json:"events"`
	FirstBadSeq int64  `json:"firstBadSeq,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// VerifyChain recomputes every hash: a changed, deleted, inserted or
// reordered event breaks the chain at the first one affected.
func VerifyChain(evs []models.Event) VerifyResult {
	prev := ""
	for i, ev := range evs {
		want := int64(i + 1)
		switch {
		case ev.Seq != want:
			return VerifyResult{Events: len(evs), FirstBadSeq: want, Reason: fmt.Sprintf("event %d is missing (found %d)", want, ev.Seq)}
		case ev.PrevHash != prev:
			return VerifyResult{Events: len(evs), FirstBadSeq: ev.Seq, Reason: "prevHash does not match the previous event's hash"}
		case ev.ComputeHash() != ev.Hash:
			return VerifyResult{Events: len(evs), FirstBadSeq: ev.Seq, Reason: "hash does not match the event's content"}
		}
		prev = ev.Hash
	}
	return VerifyResult{OK: true, Events: len(evs)}
}

// Verify reads the whole log and checks its chain.
func (l *Log) Verify(ctx context.Context) (VerifyResult, error) {
	evs, err := l.Scan(ctx)
	if err != nil {
		return VerifyResult{}, err
	}
	return VerifyChain(evs), nil
}
