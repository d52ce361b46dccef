package models

import (
	"context"
	"time"
)

// Media is one uploaded image of the library: its description (alt,
// caption, credit), its size, and the renditions made at upload. The
// blobs live at content-addressed keys "<Hash>/<width>.<Ext>"; Hash is the
// sha-256 of the uploaded bytes, so the same picture uploaded twice shares
// its blobs.
type Media struct {
	ID          string    `json:"id" bson:"_id"`
	Hash        string    `json:"hash" bson:"hash"`
	ContentType string    `json:"contentType" bson:"contentType"`
	Ext         string    `json:"ext" bson:"ext"`
	Width       int       `json:"width" bson:"width"`
	Height      int       `json:"height" bson:"height"`
	Bytes       int64     `json:"bytes" bson:"bytes"`
	Alt         string    `json:"alt" bson:"alt"`
	Caption     string    `json:"caption" bson:"caption"`
	Credit      string    `json:"credit" bson:"credit"`
	Filename    string    `json:"filename" bson:"filename"`
	Widths      []int     `json:"widths" bson:"widths"`
	CreatedBy   string    `json:"createdBy" bson:"createdBy"`
	CreatedAt   time.Time `json:"createdAt" bson:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt" bson:"updatedAt"`
	// Deleted marks a removed record: its audit event may still be
	// pending (outbox), and other instances learn of it through the log.
	Deleted bool `json:"-" bson:"deleted,omitempty"`
	// PendingAudit: see User.PendingAudit.
	PendingAudit *Event `json:"-" bson:"pendingAudit,omitempty"`
}

// Media audit actions.
const (
	ActionMediaCreate = "media.create"
	ActionMediaUpdate = "media.update"
	ActionMediaDelete = "media.delete"
)

// MediaStore holds media metadata (the blobs are elsewhere).
type MediaStore interface {
	// CreateMedia inserts a record; ErrConflict when the id is taken.
	CreateMedia(ctx context.Context, m *Media) error
	// Media loads one record by id; ErrNotFound.
	Media(ctx context.Context, id string) (*Media, error)
	// PutMedia replaces a record.
	PutMedia(ctx context.Context, m *Media) error
	// DeleteMedia removes a record; deleting a missing one is no error.
	DeleteMedia(ctx context.Context, id string) error
	// AllMedia reads every record (start-up only: a scan).
	AllMedia(ctx context.Context) ([]Media, error)
}
