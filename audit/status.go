package audit

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/vetted-cms/vetted/models"
)

// Status is the anchor at a glance, cheap enough for every visit of the
// admin audit screen: the public key, the newest checkpoint and whether
// the log still holds the event it vouches for. Only Verify checks every
// checkpoint and the whole chain.
type Status struct {
	PublicKey        string      `json:"publicKey"`
	Anchors          []string    `json:"anchors"`
	NewestCheckpoint *Checkpoint `json:"newestCheckpoint"`
	// AnchorAgrees: the newest checkpoint's signature verifies and the log
	// holds its event with its hash.
	AnchorAgrees bool   `json:"anchorAgrees"`
	Reason       string `json:"reason,omitempty"`
}

// Status reads the tail of each anchor and looks up the newest
// checkpoint's event by sequence number.
func (v *Verifier) Status(ctx context.Context) (Status, error) {
	st := Status{PublicKey: v.PublicKey, Anchors: append([]string{}, v.Anchors...)}
	var newest *Checkpoint
	for _, path := range v.Anchors {
		c, err := NewestInAnchor(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return st, fmt.Errorf("read anchor: %w", err)
		}
		if c != nil && (newest == nil || c.Seq > newest.Seq) {
			newest = c
		}
	}
	if newest == nil {
		st.Reason = "no checkpoint yet"
		return st, nil
	}
	st.NewestCheckpoint = newest
	if ok, why := v.Keys.check(*newest); !ok {
		st.Reason = "the newest checkpoint: " + why
		return st, nil
	}
	ev, err := v.Log.Get(ctx, newest.Seq)
	switch {
	case errors.Is(err, models.ErrNotFound):
		st.Reason = fmt.Sprintf("the log has no event %d, which the newest checkpoint vouches for: it was truncated", newest.Seq)
	case err != nil:
		return st, err
	case ev.Hash != newest.Hash:
		st.Reason = fmt.Sprintf("event %d does not have the hash the newest checkpoint signed: the log was rewritten", newest.Seq)
	default:
		st.AnchorAgrees = true
	}
	return st, nil
}
