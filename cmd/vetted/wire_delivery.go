package main

import (
	"context"

	"github.com/vetted-cms/vetted/handlers"
)

// wireDelivery attaches the delivery API (read model, webhooks) to srv.
func wireDelivery(ctx context.Context, cfg config, a *app, srv *handlers.Server) {}
