package mongostore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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

// ProjectionRef is what a projection (an article head, a user, a token)
// records of the event of its last change. A head or account changed by an
// event the log no longer holds is what a dropped tail leaves behind.
type ProjectionRef struct {
	Kind string // "article", "user" or "token"
	ID   string
	// Key is the event's unique key ("<articleId>:<version>" for articles);
	// empty for users and tokens last changed before keys were recorded.
	Key string
	// Seq is the event's sequence number where the projection records it.
	Seq int64
	// Pending is the key of an event still in the outbox: it may be
	// missing from the log until the change finishes or start-up appends it.
	Pending string
}

// ProjectionRefs reads what every article head, user and token records of
// its last change (a scan of three collections: verification only).
func ProjectionRefs(ctx context.Context, db *DB) ([]ProjectionRef, error) {
	var out []ProjectionRef
	heads, err := find[struct {
		ID         string `bson:"_id"`
		Version    int64  `bson:"version"`
		SeqsPacked string `bson:"seqsPacked"`
	}](ctx, db, CollArticles, bson.D{{Key: "version", Value: 1}, {Key: "seqsPacked", Value: 1}})
	if err != nil {
		return nil, err
	}
	for _, h := range heads {
		r := ProjectionRef{Kind: "article", ID: h.ID, Key: fmt.Sprintf("%s:%d", h.ID, h.Version)}
		var seqs []int64
		if json.Unmarshal([]byte(h.SeqsPacked), &seqs) == nil && len(seqs) > 0 {
			r.Seq = seqs[len(seqs)-1]
		}
		out = append(out, r)
	}
	type account struct {
		ID       string `bson:"_id"`
		AuditKey string `bson:"auditKey"`
		Pending  *struct {
			Key string `bson:"key"`
		} `bson:"pendingAudit"`
	}
	fields := bson.D{{Key: "auditKey", Value: 1}, {Key: "pendingAudit", Value: 1}}
	for _, coll := range []struct{ kind, name string }{{"user", CollUsers}, {"token", CollTokens}} {
		accs, err := find[account](ctx, db, coll.name, fields)
		if err != nil {
			return nil, err
		}
		for _, a := range accs {
			r := ProjectionRef{Kind: coll.kind, ID: a.ID, Key: a.AuditKey}
			if a.Pending != nil {
				r.Pending = a.Pending.Key
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// find decodes the given fields of every document of a collection.
func find[T any](ctx context.Context, d *DB, coll string, fields bson.D) ([]T, error) {
	cur, err := d.DB.Collection(coll).Find(ctx, bson.D{}, options.Find().SetProjection(fields).SetBatchSize(500))
	if err != nil {
		return nil, mapErr(err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}
