package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/audit"
	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/delivery/search"
	"github.com/vetted-cms/vetted/handlers"
	"github.com/vetted-cms/vetted/metrics"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/service"
)

// wireDelivery attaches the delivery API (read model, search, webhooks)
// to srv, its metrics to m and its readiness to /readyz.
func wireDelivery(ctx context.Context, cfg config, a *app, srv *handlers.Server, m *metrics.Metrics) {
	idx, err := search.New()
	if err != nil {
		slog.Error("delivery API not started", "err", err.Error())
		srv.Ready = append(srv.Ready, handlers.ReadyCheck{Name: "delivery", Check: func(context.Context) error {
			return errors.New("search index not created")
		}})
		return
	}
	a.search = idx
	gc := a.gc
	if gc == nil {
		gc = &startupGC{}
	}
	deps := delivery.Deps{Search: idx,
		Articles: a.articles, Users: a.svc.Users, Store: mongostore.NewDeliveryStore(a.db),
		Audit: a.articles.Log, Tokens: a.svc, Policy: a.policy, Cursor: a.articles.Log.Cursor,
		Settings: mongostore.NewSettingsStore(a.db),
	}
	if a.media != nil {
		deps.Media = a.media
	}
	sys, err := delivery.Setup(ctx, deps, delivery.Config{AllowPrivateWebhooks: cfg.WebhookAllowPrivate, Logger: slog.Default(), ObserveWebhooks: m, ImageHosts: cfg.ImageHosts, PublicURL: cfg.PublicURL,
		Presence: delivery.PresenceOptions{MaxWait: cfg.PublishWait}, CacheDir: cfg.DataDir, Preloaded: a.preloaded, DeferIndexing: true,
		// The start-up indexing's garbage was most of the RSS at rest.
		OnIndexed: func() { gc.restore(); debug.FreeOSMemory(); slog.Info("search index built", "articles", idx.Len()) },
		// A burst of publishing leaves garbage the collector would hand
		// back over minutes, and until then it was most of the RSS at
		// rest: hand it back once publishing stops.
		OnQuiet: debug.FreeOSMemory})
	if err != nil {
		// Only a database failure during start-up gets here; serve is
		// about to fail on the same database anyway.
		slog.Error("delivery API not started", "err", err.Error())
		srv.Ready = append(srv.Ready, handlers.ReadyCheck{Name: "delivery", Check: func(context.Context) error {
			return errors.New("read model not loaded")
		}})
		return
	}
	a.preloaded = nil // read by Load
	a.beginIndexing = func() {
		gc.tighten(os.Getenv) // while the search indexing runs
		sys.Model.BeginIndexing()
	}
	m.ReadModel(sys.Model.Size)
	m.Arena(sys.Model.ArenaBytes)
	m.WebhooksPending(sys.Webhooks.Pending)
	srv.Ready = append(srv.Ready, handlers.ReadyCheck{Name: "delivery", Check: func(context.Context) error { return nil }})
	attachDelivery(a.articles, a.svc, sys)
	a.model = sys.Model
	if sys.Model.CacheStale() {
		go func() { // the next start reads one file instead of the projection
			if err := sys.Model.SaveCache(); err != nil {
				slog.Warn("delivery start-up cache not saved", "err", err.Error())
			}
		}()
	}
	if a.checkpoints != nil { // checkpoints also go to webhooks subscribed to audit.checkpoint
		a.checkpoints.Publish = func(c audit.Checkpoint) { sys.Webhooks.Announce(models.EventAuditCheckpoint, c.Seq, c.At, c) }
	}
	sys.Start(ctx)
	go func() {
		if _, err := sys.Webhooks.CatchUp(ctx, a.articles.Log, a.articles, mongostore.ReplayWindow); err != nil && ctx.Err() == nil {
			slog.Warn("webhook catch-up", "err", err.Error())
		}
	}()
	api := &handlers.DeliveryAPI{Model: sys.Model, Search: idx, Tokens: sys.Tokens, Public: cfg.PublicDelivery,
		MaxAge: cfg.DeliveryMaxAge, StaleWhileRevalidate: cfg.DeliverySWR, StaleIfError: cfg.DeliverySIE, CORSOrigins: cfg.CORSOrigins, Observe: m,
		Previews: a.svc, PreviewModel: sys.Model}
	hooks := &handlers.WebhookAPI{Hooks: sys.Webhooks}
	srv.Delivery = func(r *gin.Engine) {
		api.Register(r)
		handlers.RegisterOpenAPI(r)
	}
	srv.Extra = hooks.Register
	slog.Info("delivery API ready", "live", sys.Model.Len(), "public", cfg.PublicDelivery,
		"maxAge", cfg.DeliveryMaxAge.String(), "staleWhileRevalidate", cfg.DeliverySWR.String(), "at", time.Now().UTC().Format(time.RFC3339))
}

// attachDelivery hangs the read model off the article store (every
// instance's changes, through the log follower) and off the service (this
// instance's publishes, applied before the request answers).
func attachDelivery(articles *mongostore.ArticleStore, svc *service.Service, sys *delivery.System) {
	articles.OnApply = sys.Model.OnApply
	prev := articles.OnOther // the media library's, when wired first
	articles.OnOther = func(ev *models.Event) {
		sys.OnOther(ev)
		if prev != nil {
			prev(ev)
		}
	}
	svc.Publish = sys.Model
}
