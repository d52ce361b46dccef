package delivery

import (
	"context"
	"log/slog"
	"time"

	"github.com/vetted-cms/vetted/models"
)

// Config is the delivery side's configuration.
type Config struct {
	// AllowPrivateWebhooks lets webhooks reach internal addresses.
	AllowPrivateWebhooks bool
	// WebhookBackoff is the first retry's wait (it doubles per attempt).
	WebhookBackoff time.Duration
	// TokenTTL is how long an accepted delivery token is trusted from memory.
	TokenTTL time.Duration
	Logger   *slog.Logger
}

// Deps are the stores the delivery side reads and writes.
type Deps struct {
	Articles Articles
	Users    Users
	Store    interface {
		Projection
		WebhookStore
	}
	Audit  AuditLog
	Tokens TokenChecker
	// Media, when set, is the media library (hero image sizes, srcset).
	Media MediaLookup
}

// System is the wired delivery side.
type System struct {
	Model    *ReadModel
	Webhooks *Webhooks
	Tokens   *TokenCache
}

// Setup loads the read model and wires webhooks to its changes. The
// caller connects Model.OnApply to the article store and Model to the
// service as its Publisher, then calls Start.
func Setup(ctx context.Context, d Deps, c Config) (*System, error) {
	m := New(d.Articles, d.Users, d.Store, Options{Logger: c.Logger, Media: d.Media})
	if err := m.Load(ctx); err != nil {
		return nil, err
	}
	w := NewWebhooks(d.Store, d.Audit, WebhookOptions{AllowPrivate: c.AllowPrivateWebhooks, Backoff: c.WebhookBackoff, Logger: c.Logger})
	m.OnChange = w.OnChange
	return &System{Model: m, Webhooks: w, Tokens: NewTokenCache(d.Tokens, c.TokenTTL)}, nil
}

// Start runs the read model's worker and the webhook dispatcher.
func (s *System) Start(ctx context.Context) {
	s.Model.Start(ctx)
	s.Webhooks.Start(ctx)
}

// OnOther takes the log's non-article events: a token revocation made on
// any instance reaches this one's token cache.
func (s *System) OnOther(ev *models.Event) {
	if ev.Action == models.ActionTokenRevoke && ev.Subject != "" {
		s.Tokens.Forget(ev.Subject)
	}
}
