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
	// Presence tunes read-your-publish across instances (used when
	// Deps.Cursor is set).
	Presence PresenceOptions
	Logger   *slog.Logger
	// ObserveWebhooks, when set, counts webhook attempts and failures.
	ObserveWebhooks interface{ WebhookAttempt(failed bool) }
	// ImageHosts: see Options.ImageHosts.
	ImageHosts []string
	// PublicURL: see Options.PublicURL.
	PublicURL string
	// OnIndexed: see Options.OnIndexed.
	OnIndexed func()
	// OnQuiet, Quiet and ReleaseEvery: see Options.
	OnQuiet      func()
	Quiet        time.Duration
	ReleaseEvery time.Duration
	// CacheDir: see Options.CacheDir (cmd/vetted: VETTED_DATA_DIR).
	CacheDir string
	// Preloaded: see Options.Preloaded.
	Preloaded *Preloaded
	// DeferIndexing: see Options.DeferIndexing.
	DeferIndexing bool
}

// Deps are the stores the delivery side reads and writes.
type Deps struct {
	Articles Articles
	Users    Users
	Store    interface {
		Projection
		WebhookStore
		InstanceStore
	}
	Audit  AuditLog
	Tokens TokenChecker
	// Policy decides who manages webhooks (the admin:webhooks right).
	Policy Authorizer
	// Cursor is the log follower's position. When set, this instance
	// records how far it has applied the log, and its own changes to
	// what is live are acknowledged, and webhooks sent, once every live
	// instance serves them (Presence).
	Cursor func() int64
	// Search, when set, is kept current with what is live.
	Search SearchIndex
	// Settings supplies the site settings at start (nil: none yet).
	Settings SettingsSource
	// Media, when set, is the media library (hero image sizes, srcset).
	Media MediaLookup
}

// System is the wired delivery side.
type System struct {
	Model    *ReadModel
	Webhooks *Webhooks
	Tokens   *TokenCache
	// Presence is nil when Deps.Cursor was not set.
	Presence *Presence
}

// Setup loads the read model and wires webhooks to its changes. The
// caller connects Model.OnApply to the article store and Model to the
// service as its Publisher, then calls Start.
func Setup(ctx context.Context, d Deps, c Config) (*System, error) {
	m := New(d.Articles, d.Users, d.Store, Options{Logger: c.Logger, Cursor: d.Cursor, Settings: d.Settings, ImageHosts: c.ImageHosts, Media: d.Media, PublicURL: c.PublicURL, OnIndexed: c.OnIndexed, OnQuiet: c.OnQuiet, Quiet: c.Quiet, ReleaseEvery: c.ReleaseEvery, CacheDir: c.CacheDir, Preloaded: c.Preloaded, DeferIndexing: c.DeferIndexing})
	m.Search = d.Search
	if err := m.Load(ctx); err != nil {
		return nil, err
	}
	wo := WebhookOptions{Policy: d.Policy, AllowPrivate: c.AllowPrivateWebhooks, Backoff: c.WebhookBackoff, Logger: c.Logger,
		Observe: c.ObserveWebhooks}
	var p *Presence
	if d.Cursor != nil {
		if c.Presence.Logger == nil {
			c.Presence.Logger = c.Logger
		}
		if c.Presence.LiveSeq == nil {
			c.Presence.LiveSeq = m.LiveSeq
		}
		p = NewPresence(d.Store, randID("inst"), m.Position, c.Presence)
		m.Barrier, wo.Gate = p, p
	}
	w := NewWebhooks(d.Store, d.Audit, wo)
	m.OnChange = w.OnChange
	return &System{Model: m, Webhooks: w, Tokens: NewTokenCache(d.Tokens, c.TokenTTL), Presence: p}, nil
}

// Start runs the read model's worker and the webhook dispatcher.
func (s *System) Start(ctx context.Context) {
	s.Model.Start(ctx)
	s.Webhooks.Start(ctx)
	if s.Presence != nil {
		go s.Presence.Run(ctx)
	}
}

// OnOther takes the log's non-article events: a token revocation made on
// any instance reaches this one's token cache; profile and settings
// changes reach the read model.
func (s *System) OnOther(ev *models.Event) {
	if ev.Action == models.ActionTokenRevoke && ev.Subject != "" {
		s.Tokens.Forget(ev.Subject)
	}
	s.Model.OnOther(ev)
}
