package delivery

import (
	"context"

	"github.com/vetted-cms/vetted/models"
)

// EventSource reads the event log by sequence number.
type EventSource interface {
	FindTail(ctx context.Context) (int64, error)
	Get(ctx context.Context, seq int64) (*models.Event, error)
}

// CatchUp re-offers the webhook changes of the newest window events. A
// process that died between committing a publish and creating its
// deliveries would otherwise never send them; deliveries are keyed by
// event, so changes already delivered are not sent again.
func (w *Webhooks) CatchUp(ctx context.Context, log EventSource, articles Articles, window int64) (int, error) {
	// With no webhooks nothing can be owed (a webhook is only sent the
	// changes made after it was created): skip reading the window, which
	// is a thousand event reads on a busy start.
	if hooks, err := w.store.Webhooks(ctx); err != nil || len(hooks) == 0 {
		return 0, err
	}
	tail, err := log.FindTail(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for seq := max(1, tail-window+1); seq <= tail; seq++ {
		ev, err := log.Get(ctx, seq)
		if err != nil {
			return n, err
		}
		var kind string
		switch {
		case ev.Action == "publish" && ev.Data.PublishAt == nil:
			kind = models.EventArticlePublished
		case ev.Action == "unpublish":
			kind = models.EventArticleUnpublished
		case ev.Action == "recertify":
			kind = models.EventArticleRecertified
		default:
			continue
		}
		a, ok := articles.Known(ev.ArticleID)
		if !ok {
			continue
		}
		slug := a.Content.Slug
		if a.Live != nil {
			slug = a.Live.Slug
		}
		tags := []string{TagArticle(ev.ArticleID), TagArticles, TagTopics}
		for _, t := range a.Content.Topics {
			tags = append(tags, TagTopic(t))
		}
		w.OnChange(Change{Event: kind, Seq: ev.Seq, At: ev.At, ArticleID: ev.ArticleID, Slug: slug, Title: a.Content.Title, Rev: ev.Rev, ContentHash: ev.Data.ContentHash, Tags: tags})
		n++
	}
	return n, nil
}
