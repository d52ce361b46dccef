package models

import "time"

// Webhook events.
const (
	EventArticlePublished   = "article.published"
	EventArticleUnpublished = "article.unpublished"
	EventArticleRecertified = "article.recertified"
	// EventAuditCheckpoint carries each signed audit checkpoint, so a site
	// can keep them where the CMS operator cannot rewrite them.
	EventAuditCheckpoint = "audit.checkpoint"
)

// WebhookEvents lists every event a webhook may subscribe to.
var WebhookEvents = []string{EventArticlePublished, EventArticleUnpublished, EventArticleRecertified, EventAuditCheckpoint}

// Webhook is a site's subscription to changes of what is live. Secret
// signs every delivery (HMAC-SHA256); it is shown once, at creation.
type Webhook struct {
	ID        string     `json:"id" bson:"_id"`
	URL       string     `json:"url" bson:"url"`
	Events    []string   `json:"events" bson:"events"`
	Secret    string     `json:"-" bson:"secret"`
	CreatedBy string     `json:"createdBy" bson:"createdBy"`
	CreatedAt time.Time  `json:"createdAt" bson:"createdAt"`
	DeletedAt *time.Time `json:"deletedAt,omitempty" bson:"deletedAt"`
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookDelivery is one event sent (or to be sent) to one webhook. Its ID
// is derived from the event's sequence number and the webhook, so every
// instance that learns of the event creates the same delivery and the
// unique insert keeps exactly one.
type WebhookDelivery struct {
	ID        string     `json:"id" bson:"_id"`
	WebhookID string     `json:"webhookId" bson:"webhookId"`
	Event     string     `json:"event" bson:"event"`
	Seq       int64      `json:"seq" bson:"seq"`
	ArticleID string     `json:"articleId" bson:"articleId"`
	Payload   string     `json:"-" bson:"payload"`
	Status    string     `json:"status" bson:"status"`
	Attempts  int        `json:"attempts" bson:"attempts"`
	LastCode  int        `json:"lastCode,omitempty" bson:"lastCode"`
	LastError string     `json:"lastError,omitempty" bson:"lastError"`
	NextAt    *time.Time `json:"nextAt,omitempty" bson:"nextAt"`
	CreatedAt time.Time  `json:"createdAt" bson:"createdAt"`
	At        time.Time  `json:"at" bson:"at"`
}

// Published-projection states of a slug.
const (
	SlugLive  = "live"
	SlugMoved = "moved"
	SlugGone  = "gone"
)

// PublishedDoc is the `published` projection: one document per slug that
// was ever live, _id = slug, so that one read by _id answers a slug. A
// live slug carries the delivery document; an old slug of a renamed
// article points at it (301); an unpublished article's slug is gone (410).
type PublishedDoc struct {
	Slug      string `bson:"_id"`
	ArticleID string `bson:"articleId"`
	State     string `bson:"state"`
	// LiveKey identifies what the document was built from (live revision,
	// content hash, signature, review dates): equal keys, equal documents.
	LiveKey string `bson:"liveKey"`
	// Meta is the snapshot before related articles are resolved and
	// profiles added, without its sections (JSON): what start-up needs to
	// index and re-encode the article without decoding its body.
	Meta string `bson:"meta,omitempty"`
	// Gzip is the delivery document as served when it was written,
	// gzip-compressed: start-up serves it again without encoding or
	// compressing it, and other instances answer from it by _id.
	Gzip []byte `bson:"gzip,omitempty"`
	// Sig names the profiles, settings and related articles the document
	// was encoded with: start-up reuses it only when they are unchanged.
	Sig string `bson:"sig,omitempty"`
	// Base is the snapshot before related articles are resolved (JSON),
	// as written before Meta and Gzip (read, no longer written).
	Base string `bson:"base,omitempty"`
	// Doc is a moved slug's target ({"movedTo": slug}); before Gzip, also
	// a live document as served (JSON).
	Doc              string    `bson:"doc,omitempty"`
	ETag             string    `bson:"etag"`
	FirstPublishedAt time.Time `bson:"firstPublishedAt"`
	UpdatedAt        time.Time `bson:"updatedAt"`
}
