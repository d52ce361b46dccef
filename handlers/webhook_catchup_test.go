package handlers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/delivery"
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
