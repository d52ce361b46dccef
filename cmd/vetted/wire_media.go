package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/vetted-cms/vetted/handlers"
	"github.com/vetted-cms/vetted/media"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
)

// wireMedia opens the media bucket, loads the library and attaches it to
// the service (images resolved on every save), the log follower (other
// instances' changes), delivery (sizes and srcset) and the routes. It
// returns a closer for the bucket.
func wireMedia(ctx context.Context, cfg config, a *app, srv *handlers.Server) (func(), error) {
	bucket, err := media.OpenBucket(ctx, cfg.MediaURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	lib := media.New(mongostore.NewMediaStore(a.db), bucket, a.articles.Log, a.articles)
	if err := lib.Load(ctx); err != nil {
		_ = bucket.Close()
		return nil, err
	}
	a.svc.Media = lib
	a.media = lib
	prev := a.articles.OnOther
	a.articles.OnOther = func(ev *models.Event) {
		if prev != nil {
			prev(ev)
		}
		lib.OnEvent(ev)
	}
	srv.Media = &handlers.MediaAPI{Lib: lib}
	slog.Info("media library ready", "images", lib.Len(), "store", storeName(cfg))
	return func() { _ = bucket.Close() }, nil
}

func storeName(cfg config) string {
	if cfg.MediaURL == "" {
		return "file (data dir)"
	}
	return cfg.MediaURL[:strings.Index(cfg.MediaURL, ":")]
}
