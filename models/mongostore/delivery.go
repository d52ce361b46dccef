package mongostore

import (
	"context"
	"sort"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vetted-cms/vetted/models"
)

// DeliveryStore keeps the delivery side's documents: the `published`
// projection, webhooks, webhook deliveries and their attempt claims.
// Hot reads never come here: the delivery read model is in memory.
type DeliveryStore struct{ db *DB }

// NewDeliveryStore returns a DeliveryStore on db.
func NewDeliveryStore(db *DB) *DeliveryStore { return &DeliveryStore{db: db} }

// PublishedAll reads the whole projection (start-up only), without each
// document's served copy (Doc): start-up rebuilds it from Base, and
// decoding both held two copies of every published article at once.
func (s *DeliveryStore) PublishedAll(ctx context.Context) ([]models.PublishedDoc, error) {
	cur, err := s.db.DB.Collection(CollPublished).Find(ctx, bson.D{},
		// Small batches: each round trip must fit in the operation timeout
		// even on a loaded machine (FerretDB decodes whole documents).
		options.Find().SetBatchSize(20).SetProjection(bson.D{{Key: "doc", Value: 0}}))
	if err != nil {
		return nil, mapErr(err)
	}
	var out []models.PublishedDoc
	if err := cur.All(ctx, &out); err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}

// Published reads one slug's projection document; ErrNotFound.
func (s *DeliveryStore) Published(ctx context.Context, slug string) (*models.PublishedDoc, error) {
	var d models.PublishedDoc
	if err := s.db.get(ctx, CollPublished, slug, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// PutPublished writes one slug's projection document.
func (s *DeliveryStore) PutPublished(ctx context.Context, d *models.PublishedDoc) error {
	return s.db.put(ctx, CollPublished, d.Slug, d)
}

// CreateWebhook inserts a webhook.
func (s *DeliveryStore) CreateWebhook(ctx context.Context, w *models.Webhook) error {
	return s.db.insert(ctx, CollWebhooks, w)
}

// Webhook loads one webhook; ErrNotFound.
func (s *DeliveryStore) Webhook(ctx context.Context, id string) (*models.Webhook, error) {
	var w models.Webhook
	if err := s.db.get(ctx, CollWebhooks, id, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// PutWebhook replaces a webhook (deletion sets DeletedAt).
func (s *DeliveryStore) PutWebhook(ctx context.Context, w *models.Webhook) error {
	return s.db.put(ctx, CollWebhooks, w.ID, w)
}

// Webhooks lists the webhooks not deleted, oldest first (a scan of a
// small collection).
func (s *DeliveryStore) Webhooks(ctx context.Context) ([]models.Webhook, error) {
	ws, err := all[models.Webhook](ctx, s.db, CollWebhooks, nil)
	if err != nil {
		return nil, err
	}
	out := ws[:0]
	for _, w := range ws {
		if w.DeletedAt == nil {
			out = append(out, w)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// CreateDelivery inserts a delivery; ErrConflict when another instance
// created it first (the delivery exists: that is fine).
func (s *DeliveryStore) CreateDelivery(ctx context.Context, d *models.WebhookDelivery) error {
	return s.db.insert(ctx, CollDeliveries, d)
}

// Delivery loads one delivery; ErrNotFound.
func (s *DeliveryStore) Delivery(ctx context.Context, id string) (*models.WebhookDelivery, error) {
	var d models.WebhookDelivery
	if err := s.db.get(ctx, CollDeliveries, id, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// PutDelivery records an attempt's outcome. Only the holder of the
// attempt's claim writes it.
func (s *DeliveryStore) PutDelivery(ctx context.Context, d *models.WebhookDelivery) error {
	return s.db.put(ctx, CollDeliveries, d.ID, d)
}

// PendingDeliveries lists deliveries still to be sent (start-up: a scan).
func (s *DeliveryStore) PendingDeliveries(ctx context.Context) ([]models.WebhookDelivery, error) {
	return all[models.WebhookDelivery](ctx, s.db, CollDeliveries, bson.D{{Key: "status", Value: models.DeliveryPending}})
}

// Deliveries lists a webhook's deliveries, newest first (admin: a scan).
func (s *DeliveryStore) Deliveries(ctx context.Context, webhookID string) ([]models.WebhookDelivery, error) {
	ds, err := all[models.WebhookDelivery](ctx, s.db, CollDeliveries, bson.D{{Key: "webhookId", Value: webhookID}})
	if err != nil {
		return nil, err
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Seq > ds[j].Seq })
	return ds, nil
}

type attemptClaim struct {
	ID         string    `bson:"_id"`
	Kind       string    `bson:"kind"`
	Instance   string    `bson:"instance"`
	At         time.Time `bson:"at"`
	DeliveryID string    `bson:"deliveryId"`
}

// ClaimAttempt claims attempt n of a delivery by unique insert of
// "claim:<deliveryId>#<n>": of several instances exactly one gets it.
// ErrConflict means another instance holds it; the time returned is
// when it was claimed, so a claim whose holder died can be passed over.
func (s *DeliveryStore) ClaimAttempt(ctx context.Context, deliveryID string, n int, instance string, at time.Time) (time.Time, error) {
	id := "claim:" + deliveryID + "#" + strconv.Itoa(n)
	err := s.db.insert(ctx, CollDeliveries, attemptClaim{ID: id, Kind: "claim", Instance: instance, At: at, DeliveryID: deliveryID})
	if err == nil {
		return at, nil
	}
	var c attemptClaim
	if gerr := s.db.get(ctx, CollDeliveries, id, &c); gerr == nil {
		return c.At, err
	}
	return time.Time{}, err
}
