package delivery_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/audit"
	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
)

// TestCheckpointWebhook: a checkpoint announced by two instances (both
// checkpointing the same chain head) reaches a webhook subscribed to
// audit.checkpoint once, HMAC-signed, with the checkpoint as data; a
// webhook subscribed only to article events gets nothing.
func TestCheckpointWebhook(t *testing.T) {
	db := mongostore.OpenTest(t)
	store := mongostore.NewDeliveryStore(db)
	var mu sync.Mutex
	var bodies [][]byte
	var sigs []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies, sigs = append(bodies, b), append(sigs, r.Header.Get("X-Vetted-Signature"))
		mu.Unlock()
		w.WriteHeader(204)
	}))
	defer rcv.Close()
	hook := &models.Webhook{ID: "wh_cp", URL: rcv.URL, Events: []string{models.EventAuditCheckpoint}, Secret: "whsec_cp", CreatedAt: time.Now().Add(-time.Hour)}
	articlesOnly := &models.Webhook{ID: "wh_articles", URL: rcv.URL + "/articles", Events: []string{models.EventArticlePublished}, Secret: "whsec_a", CreatedAt: time.Now().Add(-time.Hour)}
	for _, h := range []*models.Webhook{hook, articlesOnly} {
		if err := store.CreateWebhook(context.Background(), h); err != nil {
			t.Fatal(err)
		}
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	cp := audit.SignCheckpoint(key, 42, "abc123", time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := 0; i < 2; i++ { // two instances
		w := delivery.NewWebhooks(store, nil, delivery.WebhookOptions{AllowPrivate: true, Poll: 20 * time.Millisecond})
		w.Start(ctx)
		w.Announce(models.EventAuditCheckpoint, cp.Seq, cp.At, cp)
	}
	waitFor(t, 5*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(bodies) >= 1 })
	time.Sleep(300 * time.Millisecond) // a second delivery would have come by now
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 {
		t.Fatalf("%d deliveries; want exactly 1: %q", len(bodies), bodies)
	}
	var got struct {
		ID    string           `json:"id"`
		Event string           `json:"event"`
		Data  audit.Checkpoint `json:"data"`
	}
	if err := json.Unmarshal(bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if got.Event != models.EventAuditCheckpoint || got.Data != cp || got.ID != "audit.checkpoint.42.wh_cp" {
		t.Fatalf("payload %s; want the checkpoint %+v", bodies[0], cp)
	}
	if !delivery.VerifySignature(hook.Secret, sigs[0], bodies[0], time.Now(), time.Minute) {
		t.Fatalf("signature %q does not verify", sigs[0])
	}
}
