package delivery_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/policies"
)

func TestRenderMarkdownSanitizes(t *testing.T) {
	cases := []struct{ in, want, not string }{
		{"**bold** and *em*", "<p><strong>bold</strong> and <em>em</em></p>", ""},
		{"<script>alert(1)</script>hi", "", "<script"},
		{"[x](javascript:alert(1))", "", "javascript:"},
		{`<img src=x onerror="alert(1)">`, "", "onerror"},
		{"[site](https://example.org)", `href="https://example.org"`, ""},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "<table>", ""},
		{"<iframe src=https://evil.example></iframe>", "", "<iframe"},
	}
	for _, c := range cases {
		got := delivery.RenderMarkdown(c.in)
		if c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%q → %q; want it to contain %q", c.in, got, c.want)
		}
		if c.not != "" && strings.Contains(got, c.not) {
			t.Errorf("%q → %q; must not contain %q", c.in, got, c.not)
		}
	}
}

func signed(c models.Content) *models.Article {
	h := c.Hash()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &models.Article{ID: "a_1", AuthorID: "u_w", ContentHash: h, Live: &models.Live{Rev: 1, ContentHash: h, Slug: c.Slug, PublishedAt: at.Add(time.Hour),
		Signature: models.Signature{ID: "sig_1", SignerID: "u_c", SignerName: "Casey", Credentials: "MA, LPC", At: at, Rev: 1, ContentHash: h}}}
}

// TestBuildRefusesUnsignedContent: the last line of defence. Whatever a
// head says, a snapshot is only built for content whose hash the
// signature binds, signed by someone other than the author.
func TestBuildRefusesUnsignedContent(t *testing.T) {
	c := models.Content{Slug: "s", Title: "T", Summary: "S", Sections: []models.Section{{Heading: "h", Body: "b"}}}
	if _, err := delivery.Build(signed(c), c, time.Time{}, nil); err != nil {
		t.Fatalf("valid: %v", err)
	}
	other := c
	other.Title = "Changed after sign-off"
	cases := map[string]func() (*models.Article, models.Content){
		"no live":         func() (*models.Article, models.Content) { a := signed(c); a.Live = nil; return a, c },
		"content changed": func() (*models.Article, models.Content) { return signed(c), other },
		"signature elsewhere": func() (*models.Article, models.Content) {
			a := signed(c)
			a.Live.Signature.ContentHash = other.Hash()
			return a, c
		},
		"no signer": func() (*models.Article, models.Content) { a := signed(c); a.Live.Signature.SignerID = ""; return a, c },
		"signed by the author": func() (*models.Article, models.Content) {
			a := signed(c)
			a.Live.Signature.SignerID = a.AuthorID
			return a, c
		},
	}
	for name, mk := range cases {
		a, cc := mk()
		if _, err := delivery.Build(a, cc, time.Time{}, nil); err == nil {
			t.Errorf("%s: built", name)
		}
	}
}

func TestJSONLD(t *testing.T) {
	c := models.Content{Slug: "s", Title: "Panic </script>", Summary: "S", Topics: []string{"anxiety", "panic"},
		HeroImage: &models.Image{URL: "https://img.example/a.jpg", Alt: "alt"}, SEO: &models.SEO{CanonicalURL: "https://site.example/s"}}
	a := signed(c)
	orig := time.Date(2019, 5, 6, 0, 0, 0, 0, time.UTC)
	a.FirstPublishedAt = &orig
	s, err := delivery.Build(a, c, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Decorate(delivery.Profiles{People: map[string]*models.User{
		"u_w": {ID: "u_w", Name: "Wren", Bio: "writes", URL: "https://site.example/people/wren", PhotoURL: "https://site.example/wren.jpg", PhotoAlt: "Wren"},
		"u_c": {ID: "u_c", Name: "Casey Renamed", Title: "Clinical reviewer", URL: "https://site.example/people/casey"},
	}, Settings: models.Settings{Publisher: models.Publisher{Name: "Calm Minds", URL: "https://site.example", LogoURL: "https://site.example/logo.png"}}})
	ld := s.JSONLD
	if ld.Type != "MedicalWebPage" || ld.ReviewedBy.HonorificSuffix != "MA, LPC" || ld.ReviewedBy.Type != "Person" || ld.Author.Name != "Wren" ||
		ld.LastReviewed != "2026-01-02" || ld.DatePublished != "2019-05-06T00:00:00Z" || ld.DateModified != "2026-01-02T04:04:05Z" || ld.Image.URL != "https://img.example/a.jpg" ||
		len(ld.About) != 2 || ld.URL != "https://site.example/s" {
		t.Errorf("jsonLd = %+v", ld)
	}
	if ld.Author.URL != "https://site.example/people/wren" || ld.Author.Image != "https://site.example/wren.jpg" || ld.ReviewedBy.URL != "https://site.example/people/casey" {
		t.Errorf("profiles missing from jsonLd: author %+v reviewedBy %+v", ld.Author, ld.ReviewedBy)
	}
	if ld.ReviewedBy.Name != "Casey" || s.Review.Reviewer.Name != "Casey" || s.Review.Reviewer.Title != "Clinical reviewer" {
		t.Errorf("the reviewer must be named as signed, with the current title: %+v", s.Review.Reviewer)
	}
	if ld.Publisher == nil || ld.Publisher.Type != "Organization" || ld.Publisher.Logo == nil || ld.Publisher.Logo.URL != "https://site.example/logo.png" || s.Publisher == nil {
		t.Errorf("publisher = %+v / %+v", ld.Publisher, s.Publisher)
	}
	if !s.FirstPublishedAt.Equal(orig) || s.PublishedAt.Equal(orig) {
		t.Errorf("firstPublishedAt %v publishedAt %v", s.FirstPublishedAt, s.PublishedAt)
	}
}

// TestTakeDeliveredOnlyUnderItsClinicianSignature: the take appears only
// when its own clinician's take signature binds exactly its text, and is
// credited to them (as they signed), never to the live version's signer.
func TestTakeDeliveredOnlyUnderItsClinicianSignature(t *testing.T) {
	c := models.Content{Slug: "s", Title: "T", Summary: "S", Sections: []models.Section{{Body: "b"}},
		ClinicianTake: &models.ClinicianTake{Body: "I have seen therapy help.", Clinician: "u_a"}}
	takeSig := models.Signature{ID: "sig_a", SignerID: "u_a", SignerName: "Avery", Credentials: "MA, LPC", TakeHash: c.ClinicianTake.Hash()}
	for name, tc := range map[string]struct {
		sigs []models.Signature
		want string
	}{
		"no take signature":         {nil, ""},
		"signed by another":         {[]models.Signature{{ID: "x", SignerID: "u_c", TakeHash: c.ClinicianTake.Hash()}}, ""},
		"its clinician, other text": {[]models.Signature{{ID: "y", SignerID: "u_a", TakeHash: (&models.ClinicianTake{Body: "Other words.", Clinician: "u_a"}).Hash()}}, ""},
		"its clinician, this text":  {[]models.Signature{takeSig}, "Avery"},
	} {
		a := signed(c) // the live version is signed by Casey (u_c)
		a.TakeSignatures = tc.sigs
		s, err := delivery.Build(a, c, time.Time{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if s.ClinicianTake != nil {
			got = s.ClinicianTake.Clinician.Name
		}
		if got != tc.want {
			t.Errorf("%s: take credited to %q, want %q", name, got, tc.want)
		}
	}
}

// TestNarrowMarkdownPolicy: only what Markdown makes reaches a page.
func TestNarrowMarkdownPolicy(t *testing.T) {
	r := delivery.NewRenderer([]string{"images.example.org"})
	cases := []struct{ in, want, not string }{
		{`<div class="alert alert-ok" role="status">Approved — <a class="btn btn-primary" href="https://x.example">Sign</a></div>`, "", "class="},
		{`<button>Sign</button><form><input></form><details><summary>x</summary></details><svg></svg><math></math><video></video>`, "<p>Signx</p>", "<button"},
		{"![pixel](https://tracker.example/p.gif)", "", "tracker.example"},
		{"![a chart](/media/chart.png)", `<img src="/media/chart.png" alt="a chart"`, ""},
		{"![a photo](https://images.example.org/p.jpg)", `src="https://images.example.org/p.jpg"`, ""},
		{"![a photo](http://images.example.org/p.jpg)", "", "images.example.org"},
		{"[call](tel:988) [mail](mailto:a@b.org) [top](#top) [x](ftp://x.org/a) [rel](/admin/)", `href="tel:988"`, "ftp:"},
		{"[rel](/admin/)", "", "/admin/"},
		{"[top](#top)", `href="#top"`, ""},
		{"{#id .cls}\n# Heading {#id}", "", `id="`},
	}
	for _, c := range cases {
		got := r.Render(c.in)
		if c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%q → %q; want it to contain %q", c.in, got, c.want)
		}
		if c.not != "" && strings.Contains(got, c.not) {
			t.Errorf("%q → %q; must not contain %q", c.in, got, c.not)
		}
	}
}

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.216.34": true, "2606:2800:220:1::1": true,
		"127.0.0.1": false, "10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false, "169.254.169.254": false,
		"::1": false, "fe80::1": false, "fc00::1": false, "0.0.0.0": false, "100.64.0.1": false, "::ffff:127.0.0.1": false,
		"::ffff:10.0.0.1": false, "64:ff9b::a00:1": false, "224.0.0.1": false,
	} {
		if got := delivery.PublicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("PublicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"event":"article.published"}`)
	now := time.Now()
	h := delivery.Sign("whsec_x", now.Unix(), body)
	if !delivery.VerifySignature("whsec_x", h, body, now, time.Minute) {
		t.Fatal("own signature does not verify")
	}
	if delivery.VerifySignature("whsec_x", h, []byte(`{"event":"article.unpublished"}`), now, time.Minute) {
		t.Error("changed body verifies")
	}
	if delivery.VerifySignature("whsec_x", h, body, now.Add(10*time.Minute), time.Minute) {
		t.Error("old timestamp (replay) verifies")
	}
}

// receiver is a real HTTP webhook receiver that counts deliveries.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	byID   map[string]int
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{status: status, byID: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		r.mu.Lock()
		r.byID[req.Header.Get("X-Vetted-Delivery")]++
		st := r.status
		r.mu.Unlock()
		w.WriteHeader(st)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) calls() (n int, ids map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids = map[string]int{}
	for k, v := range r.byID {
		n += v
		ids[k] = v
	}
	return n, ids
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("condition not met within %s", d)
}

func hookFor(t *testing.T, store *mongostore.DeliveryStore, url string) *models.Webhook {
	t.Helper()
	h := &models.Webhook{ID: "wh_" + strings.ReplaceAll(t.Name(), "/", "_"), URL: url, Events: models.WebhookEvents, Secret: "whsec_t", CreatedAt: time.Now().Add(-time.Hour)}
	if err := store.CreateWebhook(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestWebhookPendingSurvivesRestart: a delivery that failed stays
// pending in the database; a dispatcher started later (a restart, or
// another instance) sends it.
func TestWebhookPendingSurvivesRestart(t *testing.T) {
	db := mongostore.OpenTest(t)
	store := mongostore.NewDeliveryStore(db)
	rcv := newReceiver(t, 503)
	hookFor(t, store, rcv.URL)
	ctx1, stop1 := context.WithCancel(context.Background())
	w1 := delivery.NewWebhooks(store, nil, delivery.WebhookOptions{AllowPrivate: true, Backoff: 2 * time.Second, Poll: 20 * time.Millisecond})
	w1.Start(ctx1)
	w1.OnChange(delivery.Change{Event: models.EventArticlePublished, Seq: 7, At: time.Now(), ArticleID: "a_1", Slug: "s"})
	waitFor(t, 3*time.Second, func() bool { // the failed attempt is on record
		d, err := store.Delivery(context.Background(), "7.wh_"+t.Name())
		return err == nil && d.Attempts == 1
	})
	stop1() // the instance goes away with the delivery pending
	time.Sleep(50 * time.Millisecond)
	rcv.mu.Lock()
	rcv.status = 200
	rcv.mu.Unlock()
	ctx2, stop2 := context.WithCancel(context.Background())
	defer stop2()
	w2 := delivery.NewWebhooks(store, nil, delivery.WebhookOptions{AllowPrivate: true, Backoff: 2 * time.Second, Poll: 20 * time.Millisecond})
	w2.Start(ctx2)
	id := "7." + "wh_" + t.Name()
	waitFor(t, 8*time.Second, func() bool {
		d, err := store.Delivery(context.Background(), id)
		return err == nil && d.Status == models.DeliveryDelivered
	})
	d, _ := store.Delivery(context.Background(), id)
	if d.Attempts != 2 {
		t.Errorf("attempts = %d, want 2 (one failed before the restart, one after)", d.Attempts)
	}
}

// TestWebhookOneSendPerAttempt: three instances learn of the same change
// at once; the receiver sees exactly one request.
func TestWebhookOneSendPerAttempt(t *testing.T) {
	db := mongostore.OpenTest(t)
	store := mongostore.NewDeliveryStore(db)
	rcv := newReceiver(t, 200)
	hookFor(t, store, rcv.URL)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	for i := 0; i < 3; i++ {
		w := delivery.NewWebhooks(store, nil, delivery.WebhookOptions{AllowPrivate: true, Poll: 10 * time.Millisecond})
		w.Start(ctx)
		for seq := int64(1); seq <= 5; seq++ {
			w.OnChange(delivery.Change{Event: models.EventArticleUnpublished, Seq: seq, At: time.Now(), ArticleID: "a_1", Slug: "s"})
		}
	}
	waitFor(t, 5*time.Second, func() bool { n, _ := rcv.calls(); return n >= 5 })
	time.Sleep(300 * time.Millisecond)
	n, ids := rcv.calls()
	if n != 5 || len(ids) != 5 {
		t.Errorf("receiver got %d requests for %d deliveries (%v); want each once", n, len(ids), ids)
	}
}

// TestWebhookRefusesInternalAddressAtConnect: a target that passed the
// check when saved (a name) but resolves to loopback when it fires (DNS
// rebinding) is refused at connect time and never reached.
func TestWebhookRefusesInternalAddressAtConnect(t *testing.T) {
	db := mongostore.OpenTest(t)
	store := mongostore.NewDeliveryStore(db)
	rcv := newReceiver(t, 200)
	port := rcv.URL[strings.LastIndex(rcv.URL, ":")+1:]
	hookFor(t, store, "http://localhost:"+port+"/hook") // stored directly: the saved-URL check is not the guard
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	w := delivery.NewWebhooks(store, nil, delivery.WebhookOptions{Backoff: time.Hour, Poll: 10 * time.Millisecond})
	w.Start(ctx)
	w.OnChange(delivery.Change{Event: models.EventArticlePublished, Seq: 1, At: time.Now(), ArticleID: "a_1", Slug: "s"})
	id := "1.wh_" + t.Name()
	waitFor(t, 5*time.Second, func() bool {
		d, err := store.Delivery(context.Background(), id)
		return err == nil && d.Attempts == 1
	})
	d, _ := store.Delivery(context.Background(), id)
	if !strings.Contains(d.LastError, "not public") || d.Status != models.DeliveryPending {
		t.Errorf("delivery = %+v; want refused as not public", d)
	}
	if n, _ := rcv.calls(); n != 0 {
		t.Errorf("the internal receiver was reached %d times", n)
	}
	if _, err := delivery.CheckWebhookURL("http://localhost:"+port, false); err == nil {
		t.Errorf("localhost accepted when saved")
	}
}

// TestWebhookChangesAdminOnly: listing, creating and deleting webhooks and
// reading their deliveries is refused to anyone but an admin at the
// delivery layer itself, whatever route or command calls it; an admin may.
func TestWebhookChangesAdminOnly(t *testing.T) {
	db := mongostore.OpenTest(t)
	store := mongostore.NewDeliveryStore(db)
	w := delivery.NewWebhooks(store, nil, delivery.WebhookOptions{AllowPrivate: true, Policy: mustPolicy(t)})
	ctx := context.Background()
	in := delivery.NewWebhook{URL: "http://127.0.0.1:9/hook", Events: []string{models.EventArticlePublished}}
	admin := &models.User{ID: "u_admin", Roles: []string{models.RoleAdmin}}
	hook, _, err := w.Create(ctx, admin, in)
	if err != nil {
		t.Fatalf("admin create: %v", err)
	}
	for _, actor := range []*models.User{nil, {ID: "u_ed", Roles: []string{models.RoleEditor, models.RoleWriter}}} {
		if _, _, err := w.Create(ctx, actor, in); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("create by %+v: %v, want forbidden", actor, err)
		}
		if err := w.Delete(ctx, actor, hook.ID); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("delete by %+v: %v, want forbidden", actor, err)
		}
		if _, err := w.List(ctx, actor); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("list by %+v: %v, want forbidden", actor, err)
		}
		if _, err := w.Deliveries(ctx, actor, hook.ID); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("deliveries by %+v: %v, want forbidden", actor, err)
		}
	}
	if hooks, err := w.List(ctx, admin); err != nil || len(hooks) != 1 {
		t.Fatalf("admin list: %v %v", hooks, err)
	}
	if _, err := w.Deliveries(ctx, admin, hook.ID); err != nil {
		t.Fatalf("admin deliveries: %v", err)
	}
	if err := w.Delete(ctx, admin, hook.ID); err != nil {
		t.Fatalf("admin delete: %v", err)
	}
}

func mustPolicy(t *testing.T) *policies.Enforcer {
	t.Helper()
	p, err := policies.Load("")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPublicURL: with a public URL (VETTED_PUBLIC_URL) a library image is
// delivered at an absolute address everywhere it appears — hero, JSON-LD
// image, inline images in html, profile photos, the publisher logo —
// while other hosts' images, links and the Markdown stay as written.
func TestPublicURL(t *testing.T) {
	const pub = "https://cms.example.org/cms"
	r := delivery.NewRenderer([]string{"images.example.org"}).WithPublicURL(pub + "/")
	body := "![A lamp](/media/abc/640.jpg) ![Trees](https://images.example.org/t.jpg)\n\n[see](https://example.org/media/x) and `src=\"/media/no\"`"
	c := models.Content{Slug: "s", Title: "T", Summary: "S", Sections: []models.Section{{Body: body}},
		HeroImage: &models.Image{URL: "/media/abc/1200.jpg", Alt: "A lamp by a bed"}}
	s, err := delivery.Build(signed(c), c, time.Time{}, r)
	if err != nil {
		t.Fatal(err)
	}
	s.Decorate(delivery.Profiles{People: map[string]*models.User{
		"u_w": {ID: "u_w", Name: "Wren", PhotoURL: "/media/def/320.jpg", PhotoAlt: "Wren"},
	}, Settings: models.Settings{Publisher: models.Publisher{Name: "Calm Minds", LogoURL: "/media/fff/200.png"}}, Media: r})
	html := s.Sections[0].HTML
	for _, want := range []string{`src="` + pub + `/media/abc/640.jpg"`, `src="https://images.example.org/t.jpg"`, `href="https://example.org/media/x"`, `src=&#34;/media/no&#34;`} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %s:\n%s", want, html)
		}
	}
	if s.Sections[0].Body != body {
		t.Errorf("the signed Markdown changed: %q", s.Sections[0].Body)
	}
	if s.HeroImage.URL != pub+"/media/abc/1200.jpg" || s.JSONLD.Image.URL != pub+"/media/abc/1200.jpg" {
		t.Errorf("hero %q, JSON-LD image %q", s.HeroImage.URL, s.JSONLD.Image.URL)
	}
	if s.Author.PhotoURL != pub+"/media/def/320.jpg" || s.JSONLD.Author.Image != pub+"/media/def/320.jpg" {
		t.Errorf("author photo %q / %q", s.Author.PhotoURL, s.JSONLD.Author.Image)
	}
	if s.Publisher.LogoURL != pub+"/media/fff/200.png" || s.JSONLD.Publisher.Logo.URL != pub+"/media/fff/200.png" {
		t.Errorf("logo %q / %+v", s.Publisher.LogoURL, s.JSONLD.Publisher.Logo)
	}
	// Without a public URL nothing changes.
	plain, err := delivery.Build(signed(c), c, time.Time{}, delivery.NewRenderer(nil))
	if err != nil {
		t.Fatal(err)
	}
	if plain.HeroImage.URL != "/media/abc/1200.jpg" || !strings.Contains(plain.Sections[0].HTML, `src="/media/abc/640.jpg"`) {
		t.Errorf("relative URLs changed without a public URL: %q %s", plain.HeroImage.URL, plain.Sections[0].HTML)
	}
}

// TestTopicNamedTwiceCountsOnce: content saved before topics had to be
// unique may name a topic twice; delivery lists it once (a topic's list
// and its count would otherwise hold the article twice).
func TestTopicNamedTwiceCountsOnce(t *testing.T) {
	c := models.Content{Slug: "s", Title: "T", Summary: "S", Topics: []string{"anxiety", "sleep", "anxiety"}}
	s, err := delivery.Build(signed(c), c, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Topics, []string{"anxiety", "sleep"}) || len(s.JSONLD.About) != 2 {
		t.Errorf("topics %v, jsonLd about %v", s.Topics, s.JSONLD.About)
	}
}
