package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/vetted-cms/vetted/models"
)

// Collection names.
const (
	CollEvents     = "events"
	CollArticles   = "articles"
	CollPublished  = "published"
	CollUsers      = "users"
	CollSessions   = "sessions"
	CollTokens     = "tokens"
	CollWebhooks   = "webhooks"
	CollDeliveries = "deliveries"
	CollMeta       = "meta"
	CollSlugs      = "slugs"
	CollInstances  = "instances"
	CollMedia      = "media"
	CollComments   = "comments"
)

var allCollections = []string{CollEvents, CollArticles, CollPublished, CollUsers, CollSessions, CollTokens, CollWebhooks, CollDeliveries, CollMeta, CollSlugs, CollInstances, CollMedia, CollComments}

// DB is a connection to Vetted's database.
type DB struct {
	Client *mongo.Client
	DB     *mongo.Database
	// OpTimeout bounds every operation so that a database outage fails
	// requests fast (503) instead of after the driver's 30 s default.
	OpTimeout time.Duration
}

// Connect opens the client, checks the server answers and creates every
// collection and index Vetted needs.
func Connect(ctx context.Context, uri, name string) (*DB, error) {
	return ConnectTimeout(ctx, uri, name, 5*time.Second)
}

// ConnectTimeout is Connect with another bound on every operation: tools
// that read whole collections (backup, restore) need more than a request.
func ConnectTimeout(ctx context.Context, uri, name string, opTimeout time.Duration) (*DB, error) {
	return ConnectObserved(ctx, uri, name, opTimeout, nil)
}

// ConnectObserved is ConnectTimeout with every command's round trip
// reported to obs (nil: none).
func ConnectObserved(ctx context.Context, uri, name string, opTimeout time.Duration, obs Observer) (*DB, error) {
	opts := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(2 * time.Second).
		SetConnectTimeout(2 * time.Second).
		SetTimeout(opTimeout).
		SetMaxPoolSize(64)
	if obs != nil {
		opts.SetMonitor(commandMonitor(obs))
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	d := &DB{Client: client, DB: client.Database(name), OpTimeout: opTimeout}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx, nil); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("database does not answer at %s: %w", redact(uri), err)
	}
	if err := d.ensureSchema(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	return d, nil
}

// Close disconnects.
func (d *DB) Close(ctx context.Context) error { return d.Client.Disconnect(ctx) }

// Ping reports whether the database answers.
func (d *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return mapErr(d.Client.Ping(ctx, nil))
}

func (d *DB) ensureSchema(ctx context.Context) error {
	existing, err := d.DB.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	have := map[string]bool{}
	for _, n := range existing {
		have[n] = true
	}
	for _, n := range allCollections {
		if have[n] {
			continue
		}
		if err := d.DB.CreateCollection(ctx, n); err != nil && !isNamespaceExists(err) {
			return fmt.Errorf("create collection %s: %w", n, err)
		}
	}
	unique := func(coll, field string) error {
		_, err := d.DB.Collection(coll).Indexes().CreateOne(ctx, mongo.IndexModel{
			Keys:    bson.D{{Key: field, Value: 1}},
			Options: options.Index().SetUnique(true).SetName(field + "_unique"),
		})
		if err != nil {
			return fmt.Errorf("create unique index %s.%s: %w", coll, field, err)
		}
		return nil
	}
	// key: the claim of an article version ("<articleId>:<version>");
	// email: one account per address; hash: one token per secret.
	for _, u := range [][2]string{{CollEvents, "key"}, {CollUsers, "email"}, {CollTokens, "hash"}} {
		if err := unique(u[0], u[1]); err != nil {
			return err
		}
	}
	return nil
}

func isNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && (ce.Code == 48 || ce.Name == "NamespaceExists")
}

// redact drops credentials from a URI before it is shown.
func redact(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if at := strings.LastIndex(rest, "@"); ok && at >= 0 {
		return scheme + "://…@" + rest[at+1:]
	}
	return uri
}

// mapErr turns driver errors into Vetted's sentinels.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return models.ErrNotFound
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("%w: duplicate key", models.ErrConflict)
	case mongo.IsTimeout(err), mongo.IsNetworkError(err), errors.Is(err, context.DeadlineExceeded), errors.Is(err, mongo.ErrClientDisconnected),
		errors.As(err, new(topology.ServerSelectionError)):
		return fmt.Errorf("%w: database: %v", models.ErrUnavailable, err)
	}
	return err
}

// get loads one document by _id into v.
func (d *DB) get(ctx context.Context, coll, id string, v any) error {
	return mapErr(d.DB.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(v))
}

// put replaces (or inserts) one document by _id.
func (d *DB) put(ctx context.Context, coll, id string, v any) error {
	_, err := d.DB.Collection(coll).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, v, options.Replace().SetUpsert(true))
	return mapErr(err)
}

// insert inserts one document; a taken _id or unique key is ErrConflict.
func (d *DB) insert(ctx context.Context, coll string, v any) error {
	_, err := d.DB.Collection(coll).InsertOne(ctx, v)
	return mapErr(err)
}

// all decodes every document of a collection (a scan: start-up and rare
// admin lists only).
func all[T any](ctx context.Context, d *DB, coll string, filter bson.D) ([]T, error) {
	if filter == nil {
		filter = bson.D{}
	}
	// Small batches: each round trip stays well inside the operation
	// timeout even when FerretDB decodes large documents slowly.
	cur, err := d.DB.Collection(coll).Find(ctx, filter, options.Find().SetBatchSize(100))
	if err != nil {
		return nil, mapErr(err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}
