package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/handlers"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/service"
)

// wireDelivery attaches the delivery API (read model, webhooks) to srv
// and returns it (nil when it could not start).
func wireDelivery(ctx context.Context, cfg config, a *app, srv *handlers.Server) *handlers.DeliveryAPI {
	deps := delivery.Deps{
		Articles: a.articles, Users: a.svc.Users, Store: mongostore.NewDeliveryStore(a.db),
		Audit: a.articles.Log, Tokens: a.svc,
	}
	if a.media != nil {
		deps.Media = a.media
	}
	sys, err := delivery.Setup(ctx, deps, delivery.Config{AllowPrivateWebhooks: cfg.WebhookAllowPrivate, Logger: slog.Default()})
	if err != nil {
		// Only a database failure during start-up gets here; serve is
		// about to fail on the same database anyway.
		slog.Error("delivery API not started", "err", err.Error())
		return nil
	}
	attachDelivery(a.articles, a.svc, sys)
	sys.Start(ctx)
	go func() {
		if _, err := sys.Webhooks.CatchUp(ctx, a.articles.Log, a.articles, mongostore.ReplayWindow); err != nil && ctx.Err() == nil {
			slog.Warn("webhook catch-up", "err", err.Error())
		}
	}()
	api := &handlers.DeliveryAPI{Model: sys.Model, Tokens: sys.Tokens, Public: cfg.PublicDelivery,
		MaxAge: cfg.DeliveryMaxAge, StaleWhileRevalidate: cfg.DeliverySWR, CORSOrigins: cfg.CORSOrigins}
	hooks := &handlers.WebhookAPI{Hooks: sys.Webhooks}
	srv.Delivery = func(r *gin.Engine) {
		api.Register(r)
		handlers.RegisterOpenAPI(r)
	}
	srv.Extra = hooks.Register
	slog.Info("delivery API ready", "live", sys.Model.Len(), "public", cfg.PublicDelivery,
		"maxAge", cfg.DeliveryMaxAge.String(), "staleWhileRevalidate", cfg.DeliverySWR.String(), "at", time.Now().UTC().Format(time.RFC3339))
	return api
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
