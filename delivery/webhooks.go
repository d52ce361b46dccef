package delivery

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vetted-cms/vetted/models"
)

// WebhookStore is what webhooks need of storage.
type WebhookStore interface {
	CreateWebhook(ctx context.Context, w *models.Webhook) error
	Webhook(ctx context.Context, id string) (*models.Webhook, error)
	PutWebhook(ctx context.Context, w *models.Webhook) error
	Webhooks(ctx context.Context) ([]models.Webhook, error)
	CreateDelivery(ctx context.Context, d *models.WebhookDelivery) error
	Delivery(ctx context.Context, id string) (*models.WebhookDelivery, error)
	PutDelivery(ctx context.Context, d *models.WebhookDelivery) error
	PendingDeliveries(ctx context.Context) ([]models.WebhookDelivery, error)
	Deliveries(ctx context.Context, webhookID string) ([]models.WebhookDelivery, error)
	ClaimAttempt(ctx context.Context, deliveryID string, n int, instance string, at time.Time) (time.Time, error)
}

// AuditLog records webhook changes in the hash-chained event log.
type AuditLog interface {
	Append(ctx context.Context, ev *models.Event) error
}

// Authorizer answers role → permission questions (the casbin policy).
type Authorizer interface {
	AllowAny(roles []string, obj, act string) bool
}

// WebhookOptions tune deliveries.
type WebhookOptions struct {
	// Policy decides who manages webhooks; nil allows no one.
	Policy Authorizer
	// AllowPrivate lets webhooks reach loopback, private and link-local
	// addresses (development, tests, an intranet receiver).
	AllowPrivate bool
	// Backoff is the wait after the first failed attempt; it doubles per
	// attempt up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	MaxAttempts         int
	// Timeout bounds one attempt; ClaimLease is how long an attempt's
	// claim stands before another instance may take over the delivery.
	Timeout, ClaimLease time.Duration
	Poll                time.Duration
	// Gate, when set, holds a delivery's first attempt until every live
	// instance serves its change (Presence.Settled): a site that fetches
	// the article on receiving the webhook gets the new state from any
	// instance.
	Gate interface {
		Settled(ctx context.Context, seq int64, since time.Time) bool
	}
	Now    func() time.Time
	Logger *slog.Logger
	// Observe, when set, counts every attempt sent and whether it failed.
	Observe interface{ WebhookAttempt(failed bool) }
}

// Webhooks creates, signs, sends and retries webhook deliveries. Every
// instance runs one; claims by unique insert make each attempt go out
// once.
type Webhooks struct {
	store    WebhookStore
	audit    AuditLog
	o        WebhookOptions
	client   *http.Client
	instance string

	mu       sync.Mutex
	changes  []Change
	due      map[string]time.Time // delivery → when to look at it next
	inflight map[string]bool
	wake     chan struct{}
}

// NewWebhooks returns a dispatcher; Start runs it.
func NewWebhooks(store WebhookStore, audit AuditLog, o WebhookOptions) *Webhooks {
	if o.Backoff <= 0 {
		o.Backoff = 2 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.ClaimLease <= 0 {
		o.ClaimLease = 3 * o.Timeout
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = models.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: dialControl(o.AllowPrivate)}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would connect on our behalf, past the address check
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: o.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
	}
	return &Webhooks{store: store, audit: audit, o: o, instance: randID("i"),
		client: &http.Client{Transport: tr, Timeout: o.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		due: map[string]time.Time{}, inflight: map[string]bool{}, wake: make(chan struct{}, 1)}
}

func randID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// NewWebhook is the body of POST /api/admin/webhooks.
type NewWebhook struct {
	URL    string   `json:"url" validate:"required,maxbytes=2000"`
	Events []string `json:"events" validate:"min=1,max=8,dive,webhookevent"`
}

// Create saves a webhook and returns it with its secret (shown once).
func (w *Webhooks) Create(ctx context.Context, actor *models.User, in NewWebhook) (*models.Webhook, string, error) {
	if err := w.mayManage(actor); err != nil {
		return nil, "", err
	}
	f := models.Fields(&in)
	// The shape is the tags'; where the URL may point is network policy.
	u, err := CheckWebhookURL(in.URL, w.o.AllowPrivate)
	if _, bad := f["url"]; !bad {
		switch {
		case errors.Is(err, ErrForbiddenTarget):
			f["url"] = "must be a public address (loopback, private and link-local addresses are refused)"
		case err != nil:
			f["url"] = err.Error()
		}
	}
	events := []string{}
	for _, e := range in.Events {
		if !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	if len(f) > 0 {
		return nil, "", models.Invalid("the webhook is not valid", f)
	}
	secret := "whsec_" + randID("")[1:] + randID("")[1:]
	hook := &models.Webhook{ID: randID("wh"), URL: u, Events: events, Secret: secret, CreatedBy: actor.ID, CreatedAt: w.o.Now().UTC().Truncate(time.Millisecond)}
	if err := w.store.CreateWebhook(ctx, hook); err != nil {
		return nil, "", err
	}
	if err := w.record(ctx, actor, hook.ID, map[string]string{"op": "create", "url": u, "events": strings.Join(events, ",")}); err != nil {
		return nil, "", err
	}
	return hook, secret, nil
}

// Delete stops a webhook; its delivery log stays.
func (w *Webhooks) Delete(ctx context.Context, actor *models.User, id string) error {
	if err := w.mayManage(actor); err != nil {
		return err
	}
	hook, err := w.store.Webhook(ctx, id)
	if err != nil {
		return err
	}
	if hook.DeletedAt == nil {
		now := w.o.Now().UTC().Truncate(time.Millisecond)
		hook.DeletedAt = &now
		if err := w.store.PutWebhook(ctx, hook); err != nil {
			return err
		}
	}
	return w.record(ctx, actor, id, map[string]string{"op": "delete"})
}

func (w *Webhooks) record(ctx context.Context, actor *models.User, id string, changes map[string]string) error {
	if w.audit == nil {
		return nil
	}
	ev := &models.Event{Key: "x:" + randID("e"), At: w.o.Now().UTC().Truncate(time.Millisecond), Action: models.ActionWebhook, Subject: id, Data: models.EventData{Changes: changes}}
	if actor != nil {
		ev.Actor, ev.ActorName = actor.ID, actor.Name
	}
	return w.audit.Append(ctx, ev)
}

// List returns the webhooks not deleted.
func (w *Webhooks) List(ctx context.Context, actor *models.User) ([]models.Webhook, error) {
	if err := w.mayManage(actor); err != nil {
		return nil, err
	}
	return w.store.Webhooks(ctx)
}

// Deliveries returns a webhook's delivery log, newest first.
func (w *Webhooks) Deliveries(ctx context.Context, actor *models.User, id string) ([]models.WebhookDelivery, error) {
	if err := w.mayManage(actor); err != nil {
		return nil, err
	}
	if _, err := w.store.Webhook(ctx, id); err != nil {
		return nil, err
	}
	return w.store.Deliveries(ctx, id)
}

// OnChange queues the deliveries of a change (ReadModel.OnChange).
func (w *Webhooks) OnChange(ch Change) {
	w.mu.Lock()
	w.changes = append(w.changes, ch)
	w.mu.Unlock()
	w.poke()
}

func (w *Webhooks) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Start picks up the deliveries left pending (by a restart, or by
// another instance) and runs the dispatcher until ctx ends.
func (w *Webhooks) Start(ctx context.Context) {
	go func() {
		loaded := false
		t := time.NewTicker(w.o.Poll)
		defer t.Stop()
		for {
			if !loaded {
				if ps, err := w.store.PendingDeliveries(ctx); err == nil {
					w.mu.Lock()
					for _, p := range ps {
						w.due[p.ID] = w.o.Now()
					}
					w.mu.Unlock()
					loaded = true
				}
			}
			w.tick(ctx)
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
			case <-t.C:
			}
		}
	}()
}

func (w *Webhooks) tick(ctx context.Context) {
	w.mu.Lock()
	changes := w.changes
	w.changes = nil
	w.mu.Unlock()
	var hooks []models.Webhook
	var err error
	if len(changes) > 0 {
		hooks, err = w.store.Webhooks(ctx) // once for the batch
	}
	for i, ch := range changes {
		if err == nil {
			err = w.enqueue(ctx, hooks, ch)
		}
		if err != nil {
			w.o.Logger.Warn("webhooks: deliveries not created yet; will retry", "seq", ch.Seq, "err", err.Error())
			w.mu.Lock()
			w.changes = append(changes[i:], w.changes...)
			w.mu.Unlock()
			break
		}
	}
	now := w.o.Now()
	w.mu.Lock()
	var ready []string
	for id, at := range w.due {
		if !at.After(now) && !w.inflight[id] {
			w.inflight[id] = true
			ready = append(ready, id)
		}
	}
	w.mu.Unlock()
	for _, id := range ready {
		go func(id string) {
			next, keep := w.attempt(ctx, id)
			w.mu.Lock()
			delete(w.inflight, id)
			if keep {
				w.due[id] = next
			} else {
				delete(w.due, id)
			}
			w.mu.Unlock()
		}(id)
	}
}

// Payload is the JSON body of a webhook delivery.
type Payload struct {
	ID        string      `json:"id"`
	Event     string      `json:"event"`
	CreatedAt time.Time   `json:"createdAt"`
	Data      PayloadData `json:"data"`
}

// PayloadData names the article that changed.
type PayloadData struct {
	ArticleID   string `json:"articleId"`
	Slug        string `json:"slug"`
	Title       string `json:"title,omitempty"`
	Rev         int64  `json:"rev,omitempty"`
	ContentHash string `json:"contentHash,omitempty"`
	Path        string `json:"path"`
	// Tags are the cache tags to purge (Surrogate-Key / Cache-Tag of the
	// delivery answers this change makes stale).
	Tags []string `json:"tags"`
}

// Notice is the JSON body of a delivery that is not about an article
// (audit.checkpoint): Data is the thing announced.
type Notice struct {
	ID        string    `json:"id"`
	Event     string    `json:"event"`
	CreatedAt time.Time `json:"createdAt"`
	Data      any       `json:"data"`
}

// Announce queues event, with data as the payload's data, for every
// webhook subscribed to it. seq orders and keys the deliveries: every
// instance announcing the same event and seq creates the same delivery,
// and the unique insert keeps one (two instances checkpointing one chain
// head send it once).
func (w *Webhooks) Announce(event string, seq int64, at time.Time, data any) {
	w.OnChange(Change{Event: event, Seq: seq, At: at, Data: data})
}

// enqueue creates the change's delivery for each subscribed webhook of
// hooks. The delivery's id is "<seq>.<webhook>", so every instance
// creates the same one and the unique insert keeps the first.
func (w *Webhooks) enqueue(ctx context.Context, hooks []models.Webhook, ch Change) error {
	for _, h := range hooks {
		if !slices.Contains(h.Events, ch.Event) || h.CreatedAt.After(ch.At) {
			continue
		}
		id := strconv.FormatInt(ch.Seq, 10) + "." + h.ID
		var body []byte
		if ch.Data != nil { // not an article change (Announce)
			id = ch.Event + "." + id
			body, _ = json.Marshal(Notice{ID: id, Event: ch.Event, CreatedAt: ch.At, Data: ch.Data})
		} else {
			body, _ = json.Marshal(Payload{ID: id, Event: ch.Event, CreatedAt: ch.At, Data: PayloadData{
				ArticleID: ch.ArticleID, Slug: ch.Slug, Title: ch.Title, Rev: ch.Rev, ContentHash: ch.ContentHash, Path: "/api/v1/articles/" + ch.Slug, Tags: ch.Tags}})
		}
		d := &models.WebhookDelivery{ID: id, WebhookID: h.ID, Event: ch.Event, Seq: ch.Seq, ArticleID: ch.ArticleID,
			Payload: string(body), Status: models.DeliveryPending, CreatedAt: ch.At, At: ch.At}
		if err := w.store.CreateDelivery(ctx, d); err != nil && !errors.Is(err, models.ErrConflict) {
			return err
		}
		w.mu.Lock()
		w.due[id] = w.o.Now()
		w.mu.Unlock()
	}
	return nil
}

// attempt sends a delivery if it is due and this instance claims the
// attempt; it returns when to look at the delivery again, or false when
// it is settled.
func (w *Webhooks) attempt(ctx context.Context, id string) (time.Time, bool) {
	now := w.o.Now()
	d, err := w.store.Delivery(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return now, false
	}
	if err != nil {
		return now.Add(w.o.Backoff), true // database down: try later
	}
	if d.Status != models.DeliveryPending {
		return now, false
	}
	if d.NextAt != nil && d.NextAt.After(now) {
		return *d.NextAt, true
	}
	if d.Attempts == 0 && w.o.Gate != nil && !w.o.Gate.Settled(ctx, d.Seq, d.CreatedAt) {
		return now.Add(min(w.o.Poll, 50*time.Millisecond)), true
	}
	n := d.Attempts + 1
	for {
		claimedAt, err := w.store.ClaimAttempt(ctx, id, n, w.instance, now)
		if err == nil {
			break
		}
		if !errors.Is(err, models.ErrConflict) {
			return now.Add(w.o.Backoff), true
		}
		if claimedAt.IsZero() || now.Sub(claimedAt) < w.o.ClaimLease {
			// Another instance is sending this attempt: look again when
			// it should be done.
			return now.Add(min(w.o.ClaimLease, w.o.Timeout+w.o.Poll)), true
		}
		n++ // its holder died mid-attempt: take the next one
		if n > d.Attempts+w.o.MaxAttempts {
			return now.Add(w.o.ClaimLease), true
		}
	}
	hook, err := w.store.Webhook(ctx, d.WebhookID)
	switch {
	case err == nil && hook.DeletedAt != nil:
		d.Status, d.LastError = models.DeliveryFailed, "the webhook was deleted"
	case err != nil:
		return now.Add(w.o.Backoff), true
	default:
		code, serr := w.send(ctx, hook, d)
		if w.o.Observe != nil {
			w.o.Observe.WebhookAttempt(serr != nil)
		}
		d.Attempts, d.LastCode, d.At = n, code, w.o.Now().UTC().Truncate(time.Millisecond)
		d.LastError, d.NextAt = "", nil
		switch {
		case serr == nil:
			d.Status = models.DeliveryDelivered
		case n >= w.o.MaxAttempts:
			d.Status, d.LastError = models.DeliveryFailed, serr.Error()
		default:
			next := d.At.Add(w.backoff(n))
			d.LastError, d.NextAt = serr.Error(), &next
		}
	}
	// Record the outcome even when this instance is stopping: an attempt
	// claimed but never recorded blocks the delivery until its lease ends.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := w.store.PutDelivery(rctx, d); err != nil {
		w.o.Logger.Warn("webhooks: delivery outcome not recorded", "delivery", id, "err", err.Error())
	}
	if d.Status == models.DeliveryPending {
		return *d.NextAt, true
	}
	return now, false
}

// Pending counts the deliveries this instance is waiting to attempt
// (every instance tracks every pending delivery).
func (w *Webhooks) Pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.due)
}

func (w *Webhooks) backoff(attempt int) time.Duration {
	d := w.o.Backoff << min(attempt-1, 30)
	if d > w.o.MaxBackoff || d <= 0 {
		d = w.o.MaxBackoff
	}
	return d
}

// Sign returns the X-Vetted-Signature value for body sent at ts:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
// Receivers recompute it and reject old timestamps (replays).
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	t := strconv.FormatInt(ts, 10)
	mac.Write([]byte(t))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + t + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks a signature header against body, accepting
// timestamps within tolerance of now.
func VerifySignature(secret, header string, body []byte, now time.Time, tolerance time.Duration) bool {
	var ts int64
	var sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts, _ = strconv.ParseInt(v, 10, 64)
		case "v1":
			sig = v
		}
	}
	if ts == 0 || sig == "" {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return false
	}
	want := Sign(secret, ts, body)
	return hmac.Equal([]byte(want[strings.Index(want, "v1=")+3:]), []byte(sig))
}

func (w *Webhooks) send(ctx context.Context, hook *models.Webhook, d *models.WebhookDelivery) (int, error) {
	body := []byte(d.Payload)
	ctx, cancel := context.WithTimeout(ctx, w.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts := w.o.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Vetted-Webhooks/1")
	req.Header.Set("X-Vetted-Event", d.Event)
	req.Header.Set("X-Vetted-Delivery", d.ID)
	req.Header.Set("X-Vetted-Signature", Sign(hook.Secret, ts, body))
	resp, err := w.client.Do(req)
	if err != nil {
		if errors.Is(err, ErrForbiddenTarget) {
			return 0, fmt.Errorf("refused: %w", ErrForbiddenTarget)
		}
		return 0, errors.New(scrub(err.Error()))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// scrub keeps error texts short for the delivery log.
func scrub(s string) string {
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// mayManage holds for every caller of the webhook methods, not only for
// the routes the policy guards: the policy's admin:webhooks right.
func (w *Webhooks) mayManage(actor *models.User) error {
	if actor == nil || w.o.Policy == nil || !w.o.Policy.AllowAny(actor.Roles, "admin:webhooks", "manage") {
		return models.Errorf(models.ErrForbidden, "your role may not manage webhooks")
	}
	return nil
}
