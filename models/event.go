package models

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Event is one entry of the append-only, hash-chained event log. Every
// article edit and transition is an event, inserted with the unique Key
// "<articleId>:<version>": that insert is the version check (only one
// writer can claim a version) and the audit record at once, so a state
// change and its audit event can never be separated by a crash. User, role,
// license and token changes are events too. No code path updates or deletes
// an event.
type Event struct {
	Seq       int64     `json:"seq" bson:"seq"`
	Key       string    `json:"key" bson:"key"`
	At        time.Time `json:"at" bson:"at"`
	Actor     string    `json:"actor" bson:"actor"`
	ActorName string    `json:"actorName" bson:"actorName"`
	Action    string    `json:"action" bson:"action"`
	ArticleID string    `json:"articleId,omitempty" bson:"articleId,omitempty"`
	Version   int64     `json:"version,omitempty" bson:"version,omitempty"`
	Rev       int64     `json:"rev,omitempty" bson:"rev,omitempty"`
	From      string    `json:"from,omitempty" bson:"from,omitempty"`
	To        string    `json:"to,omitempty" bson:"to,omitempty"`
	Comment   string    `json:"comment,omitempty" bson:"comment,omitempty"`
	Subject   string    `json:"subject,omitempty" bson:"subject,omitempty"`
	Data      EventData `json:"data" bson:"data"`
	PrevHash  string    `json:"prevHash" bson:"prevHash"`
	Hash      string    `json:"hash" bson:"hash"`
}

// EventData carries what an event changed.
type EventData struct {
	Content        *Content   `json:"content,omitempty" bson:"content,omitempty"`
	ContentHash    string     `json:"contentHash,omitempty" bson:"contentHash,omitempty"`
	Signature      *Signature `json:"signature,omitempty" bson:"signature,omitempty"`
	PublishAt      *time.Time `json:"publishAt,omitempty" bson:"publishAt,omitempty"`
	NextReviewDue  *time.Time `json:"nextReviewDue,omitempty" bson:"nextReviewDue,omitempty"`
	VoidedApproval *Signature `json:"voidedApproval,omitempty" bson:"voidedApproval,omitempty"`
	// FirstPublishedAt, on an imported article's create, is the date it
	// was first published elsewhere (kept for display once it is live here).
	FirstPublishedAt *time.Time `json:"firstPublishedAt,omitempty" bson:"firstPublishedAt,omitempty"`
	// Settings, on settings.update, is the complete new site settings.
	Settings *Settings `json:"settings,omitempty" bson:"settings,omitempty"`
	// Changes names what a user/token event changed (never secrets).
	Changes map[string]string `json:"changes,omitempty" bson:"changes,omitempty"`
	// Comment, on comment.* events, is the comment entry the event
	// claims and records (models.CommentEntry).
	Comment *CommentEntry `json:"comment,omitempty" bson:"comment,omitempty"`
}

// Event actions beyond the workflow's.
const (
	ActionCreate      = "create"
	ActionEdit        = "edit"
	ActionUserCreate  = "user.create"
	ActionUserUpdate  = "user.update"
	ActionLicense     = "user.license_verify"
	ActionTokenCreate = "token.create"
	ActionTokenRevoke = "token.revoke"
	ActionWebhook     = "webhook.change"
	ActionSettings    = "settings.update"
)

// ID is the event's _id: its sequence number zero-padded, a string so that
// FerretDB pushes the lookup down to SQLite (it does so only for string and
// ObjectID _ids).
func (e *Event) ID() string { return SeqID(e.Seq) }

// SeqID formats a sequence number as an event _id.
func SeqID(seq int64) string { return fmt.Sprintf("%016d", seq) }

// ComputeHash returns sha-256 over the previous hash and the canonical JSON
// of the event without its own hash.
func (e Event) ComputeHash() string {
	e.Hash = ""
	e.At = e.At.UTC()
	b, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// Now returns the current time as Vetted stores it: UTC, whole milliseconds
// (BSON dates hold milliseconds; hashes must survive a round trip).
func Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
