package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
)

// TestWebhookCatchUpAfterCrash: a publish committed by a process that
// died before it created the webhook's delivery is delivered by the next
// start's catch-up, once.
func TestWebhookCatchUpAfterCrash(t *testing.T) {
	var calls atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(204)
	}))
	defer rcv.Close()
	d := newDeliveryApp(t, delivery.Config{AllowPrivateWebhooks: true, WebhookBackoff: 50 * time.Millisecond}, false)
	if res := d.do(http.MethodPost, "/api/admin/webhooks", fmt.Sprintf(`{"url":%q,"events":["article.published"]}`, rcv.URL), nil, asAdmin); res.Code != http.StatusCreated {
		t.Fatalf("create webhook: %d %s", res.Code, res.Body)
	}
	onChange := d.Sys.Model.OnChange
	d.Sys.Model.OnChange = nil // the process "dies" before the delivery exists
	d.publish(anArticle().slug("published-before-the-crash"))
	time.Sleep(300 * time.Millisecond)
	if calls.Load() != 0 {
		t.Fatalf("delivered without the hook: the test does not simulate the crash")
	}
	d.Sys.Model.OnChange = onChange
	for i := 0; i < 2; i++ { // two starts: still one delivery
		if _, err := d.Sys.Webhooks.CatchUp(d.ctx, d.Articles.Log, d.Articles, mongostore.ReplayWindow); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 5*time.Second, func() bool { return calls.Load() >= 1 })
	time.Sleep(300 * time.Millisecond)
	if n := calls.Load(); n != 1 {
		t.Fatalf("receiver called %d times; want once", n)
	}
}

// countingLog counts the event reads of the real log.
type countingLog struct {
	delivery.EventSource
	gets atomic.Int64
}

func (l *countingLog) Get(ctx context.Context, seq int64) (*models.Event, error) {
	l.gets.Add(1)
	return l.EventSource.Get(ctx, seq)
}

// TestWebhookCatchUpWithoutWebhooksReadsNothing: with no webhook nothing
// can be owed, so a start does not read the replay window (a thousand
// event reads on a busy database); with one, it does.
func TestWebhookCatchUpWithoutWebhooksReadsNothing(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{AllowPrivateWebhooks: true}, false)
	d.publish(anArticle().slug("caught-up-one"))
	log := &countingLog{EventSource: d.Articles.Log}
	if n, err := d.Sys.Webhooks.CatchUp(d.ctx, log, d.Articles, mongostore.ReplayWindow); err != nil || n != 0 || log.gets.Load() != 0 {
		t.Fatalf("no webhooks: offered %d, read %d events, err %v; want nothing", n, log.gets.Load(), err)
	}
	if res := d.do(http.MethodPost, "/api/admin/webhooks", `{"url":"http://127.0.0.1:9/hook","events":["article.published"]}`, nil, asAdmin); res.Code != http.StatusCreated {
		t.Fatalf("create webhook: %d %s", res.Code, res.Body)
	}
	if _, err := d.Sys.Webhooks.CatchUp(d.ctx, log, d.Articles, mongostore.ReplayWindow); err != nil || log.gets.Load() == 0 {
		t.Fatalf("with a webhook: read %d events, err %v; want the window read", log.gets.Load(), err)
	}
}
