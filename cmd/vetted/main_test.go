package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vetted-cms/vetted/handlers"
	"github.com/vetted-cms/vetted/metrics"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/policies"
	"github.com/vetted-cms/vetted/service"
)

// envOf is a getenv over a map: tests never read the real environment.
func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// lockedBuf is an output both the server goroutine and the test use.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestConfigValidation: every bad value is named in the message and the
// exit code is 2, before anything starts.
func TestConfigValidation(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"VETTED_ADDR": "no-port"}, []string{"VETTED_ADDR", `"no-port"`, "host:port"}},
		{map[string]string{"VETTED_DATA_DIR": ""}, nil}, // empty means the default
		{map[string]string{"MONGODB_URI": "http://db.example"}, []string{"MONGODB_URI", "mongodb://"}},
		{map[string]string{"VETTED_DB": "a/b"}, []string{"VETTED_DB", "plain name"}},
		{map[string]string{"VETTED_DB": "a.b"}, []string{"VETTED_DB"}},
		{map[string]string{"VETTED_DB_ADDR": "10.1.2.3:27017"}, []string{"VETTED_DB_ADDR", "loopback"}},
		{map[string]string{"VETTED_DEMO": "maybe"}, []string{"VETTED_DEMO", "1 or 0"}},
		{map[string]string{"VETTED_PUBLIC_DELIVERY": "2"}, []string{"VETTED_PUBLIC_DELIVERY"}},
		{map[string]string{"VETTED_REVIEW_INTERVAL": "a year"}, []string{"VETTED_REVIEW_INTERVAL", "duration"}},
		{map[string]string{"VETTED_REVIEW_INTERVAL": "30m"}, []string{"VETTED_REVIEW_INTERVAL", "at least"}},
		{map[string]string{"VETTED_LOG_LEVEL": "loud"}, []string{"VETTED_LOG_LEVEL", "debug, info, warn or error"}},
		{map[string]string{"VETTED_SYNC_INTERVAL": "1ms"}, []string{"VETTED_SYNC_INTERVAL"}},
		{map[string]string{"VETTED_LOG_FORMAT": "xml"}, []string{"VETTED_LOG_FORMAT", "text or json"}},
		{map[string]string{"VETTED_LOG_FORMAT": "json"}, nil},
		{map[string]string{"VETTED_METRICS_TOKEN": "short-secret"}, []string{"VETTED_METRICS_TOKEN", "16", "(hidden)"}},
		{map[string]string{"VETTED_METRICS_TOKEN": "0123456789abcdef"}, nil},
		{map[string]string{"VETTED_ADMIN_EMAIL": "a@b.c"}, []string{"VETTED_ADMIN_EMAIL and VETTED_ADMIN_PASSWORD"}},
		{map[string]string{"VETTED_ADMIN_EMAIL": "a@b.c", "VETTED_ADMIN_PASSWORD": "short"}, []string{"VETTED_ADMIN_PASSWORD", "12"}},
		{map[string]string{"VETTED_PUBLIC_URL": "cms.example.org"}, []string{"VETTED_PUBLIC_URL", "absolute http(s) URL"}},
		{map[string]string{"VETTED_PUBLIC_URL": "ftp://cms.example.org"}, []string{"VETTED_PUBLIC_URL", "absolute http(s) URL"}},
		{map[string]string{"VETTED_PUBLIC_URL": "/media"}, []string{"VETTED_PUBLIC_URL", "absolute http(s) URL"}},
		{map[string]string{"VETTED_PUBLIC_URL": "https://"}, []string{"VETTED_PUBLIC_URL", "no host"}},
		{map[string]string{"VETTED_PUBLIC_URL": "https://cms.example.org/?a=1"}, []string{"VETTED_PUBLIC_URL", "no user, query or fragment"}},
		{map[string]string{"VETTED_PUBLIC_URL": "https://u:p@cms.example.org"}, []string{"VETTED_PUBLIC_URL", "no user"}},
		{map[string]string{"VETTED_PUBLIC_URL": "https://cms.example.org"}, nil},
		{map[string]string{"VETTED_PUBLIC_URL": "http://127.0.0.1:8080/cms/"}, nil},
		// Several at once: every one is reported.
		{map[string]string{"VETTED_ADDR": "x", "VETTED_DEMO": "x", "VETTED_LOG_LEVEL": "x", "MONGODB_URI": "x"},
			[]string{"VETTED_ADDR", "VETTED_DEMO", "VETTED_LOG_LEVEL", "MONGODB_URI"}},
	}
	for _, c := range cases {
		if c.want == nil {
			if _, err := loadConfig(envOf(c.env)); err != nil {
				t.Errorf("%v refused: %v", c.env, err)
			}
			continue
		}
		var out, errOut bytes.Buffer
		code := run(context.Background(), nil, envOf(c.env), &out, &errOut)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", c.env, code)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut.String(), w) {
				t.Errorf("%v: message lacks %q:\n%s", c.env, w, errOut.String())
			}
		}
		if out.Len() != 0 {
			t.Errorf("%v: printed to stdout: %s", c.env, out.String())
		}
		if v := c.env["VETTED_METRICS_TOKEN"]; v != "" && strings.Contains(errOut.String(), v) {
			t.Errorf("the metrics token is echoed: %s", errOut.String())
		}
	}
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"frobnicate"}, envOf(nil), io.Discard, &errOut); code != 2 || !strings.Contains(errOut.String(), "frobnicate") {
		t.Errorf("unknown command: exit %d, %s", code, errOut.String())
	}
	if code := run(context.Background(), []string{"audit", "check"}, envOf(nil), io.Discard, io.Discard); code != 2 {
		t.Errorf("audit without verify: exit %d, want 2", code)
	}
}

var runningRE = regexp.MustCompile(`Vetted is running: http://(\S+)/admin/`)

// startRun runs the server in-process on :0 and returns its base URL and
// the channel run's exit code arrives on.
func startRun(t *testing.T, ctx context.Context, env map[string]string, stdout, stderr *lockedBuf) (string, chan int) {
	t.Helper()
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, envOf(env), stdout, stderr) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := runningRE.FindStringSubmatch(stdout.String()); m != nil {
			return "http://" + m[1], done
		}
		select {
		case code := <-done:
			t.Fatalf("vetted exited %d at start:\n%s\n%s", code, stdout, stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("vetted did not start:\n%s\n%s", stdout, stderr)
	return "", nil
}

// TestServeDemoAndShutdown: start on :0 with VETTED_DEMO=1 on an empty
// database; the demo logins are printed and work; cancelling the context
// shuts down gracefully (exit 0, listener closed, database released);
// a restart on the same data does not seed again.
func TestServeDemoAndShutdown(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"VETTED_ADDR": "127.0.0.1:0", "VETTED_DATA_DIR": dir, "VETTED_DEMO": "1", "VETTED_LOG_LEVEL": "info"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuf
	base, done := startRun(t, ctx, env, &stdout, &stderr)
	out := stdout.String()
	for _, want := range []string{"writer@vetted.local", "clinician@vetted.local", "editor@vetted.local", "admin@vetted.local", DemoPassword, "vd_"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out)
		}
	}
	get := func(path string) int {
		res, err := http.Get(base + path)
		if err != nil {
			return -1
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if code := get(p); code != http.StatusOK {
			t.Errorf("%s: %d", p, code)
		}
	}
	demoImagesServed(t, base, out)
	for _, email := range []string{"writer@vetted.local", "clinician@vetted.local", "editor@vetted.local", "admin@vetted.local"} {
		body := fmt.Sprintf(`{"email":%q,"password":%q}`, email, DemoPassword)
		res, err := http.Post(base+"/api/admin/session", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("demo login %s: %d", email, res.StatusCode)
		}
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after cancel:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("no shutdown log:\n%s", stderr.String())
	}
	if code := get("/healthz"); code != -1 {
		t.Errorf("still answering after shutdown: %d", code)
	}

	// Restart on the same data: no second seed, the demo data is there.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	var stdout2, stderr2 lockedBuf
	env["VETTED_ADDR"] = "127.0.0.1:0"
	base2, done2 := startRun(t, ctx2, env, &stdout2, &stderr2)
	if strings.Contains(stdout2.String(), "Demo data created") {
		t.Errorf("seeded a non-empty database again:\n%s", stdout2.String())
	}
	if !strings.Contains(stdout2.String(), DemoPassword) || !runningRE.MatchString(stdout2.String()) {
		t.Errorf("a restart of the demo does not say where and how to sign in:\n%s", stdout2.String())
	}
	res, err := http.Post(base2+"/api/admin/session", "application/json",
		strings.NewReader(fmt.Sprintf(`{"email":"editor@vetted.local","password":%q}`, DemoPassword)))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("login after restart: %v %v", res, err)
	}
	res.Body.Close()
	cancel2()
	if code := <-done2; code != 0 {
		t.Fatalf("second run exit %d", code)
	}
}

// TestSIGTERMShutsDownGracefully: the signal wiring of main (NotifyContext
// on SIGINT/SIGTERM) makes run return 0.
func TestSIGTERMShutsDownGracefully(t *testing.T) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := map[string]string{"VETTED_ADDR": "127.0.0.1:0", "VETTED_DATA_DIR": t.TempDir(), "VETTED_LOG_LEVEL": "info"}
	var stdout, stderr lockedBuf
	_, done := startRun(t, ctx, env, &stdout, &stderr)
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(stderr.String(), "shutting down") {
			t.Fatalf("exit %d after SIGTERM:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after SIGTERM")
	}
}

// TestAuditVerifyCommand: exit 0 on an intact chain; after an event is
// changed, or deleted, through the driver: non-zero naming its seq.
func TestAuditVerifyCommand(t *testing.T) {
	ctx := context.Background()
	for _, tamper := range []string{"change", "delete"} {
		t.Run(tamper, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"VETTED_DATA_DIR": dir}
			cfg, err := loadConfig(envOf(env))
			if err != nil {
				t.Fatal(err)
			}
			a, err := open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			w, err := a.svc.CreateUser(ctx, nil, service.NewUser{Email: "w@example.org", Name: "W", Password: "long-enough-pw", Roles: []string{models.RoleWriter}})
			if err != nil {
				t.Fatal(err)
			}
			art, err := a.svc.CreateArticle(ctx, w, models.Content{Title: "Audit me"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.svc.UpdateArticle(ctx, w, art.ID, 1, models.Content{Slug: art.Content.Slug, Title: "Audit me, changed"}); err != nil {
				t.Fatal(err)
			}
			a.closeDB(ctx)

			var out bytes.Buffer
			if code := run(ctx, []string{"audit", "verify"}, envOf(env), &out, io.Discard); code != 0 || !strings.Contains(out.String(), "audit chain OK: 3 events") {
				t.Fatalf("intact chain: exit %d, %s", code, out.String())
			}

			db, closeDB, err := mongostore.Open(ctx, mongostore.Options{Name: cfg.DBName, DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			coll := db.DB.Collection(mongostore.CollEvents)
			filter := bson.D{{Key: "_id", Value: models.SeqID(2)}}
			if tamper == "change" {
				_, err = coll.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "actorName", Value: "Someone Else"}}}})
			} else {
				_, err = coll.DeleteOne(ctx, filter)
			}
			closeDB(ctx)
			if err != nil {
				t.Fatal(err)
			}
			out.Reset()
			code := run(ctx, []string{"audit", "verify"}, envOf(env), &out, io.Discard)
			if code == 0 || !strings.Contains(out.String(), "event 2") {
				t.Fatalf("after %s of event 2: exit %d, %q", tamper, code, out.String())
			}
		})
	}
}

// TestWiredRoutesAndPolicyAgree: on the router serve builds (with the
// delivery wiring), every policy rule's route exists and every
// /api/admin route but sign-in has at least one rule.
func TestWiredRoutesAndPolicyAgree(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, err := loadConfig(envOf(map[string]string{"VETTED_DATA_DIR": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.closeDB(context.Background())
	srv := &handlers.Server{Svc: a.svc, Policy: a.policy, DB: a.db}
	closeMedia, err := wireMedia(ctx, cfg, a, srv)
	if err != nil {
		t.Fatal(err)
	}
	defer closeMedia()
	wireDelivery(ctx, cfg, a, srv, metrics.New())
	registered := map[string]bool{}
	roles := a.policy.Roles()
	for _, r := range srv.Router().Routes() {
		registered[r.Method+" "+r.Path] = true
		if strings.HasPrefix(r.Path, "/api/admin/") && r.Method+" "+r.Path != "POST /api/admin/session" && !a.policy.AllowAny(roles, r.Path, r.Method) {
			t.Errorf("route %s %s is open to no role", r.Method, r.Path)
		}
	}
	for _, rule := range a.policy.Rules() {
		if !strings.HasPrefix(rule[1], "/") {
			continue
		}
		covers := false
		for key := range registered {
			_, path, _ := strings.Cut(key, " ")
			covers = covers || policies.Matches(path, rule[1])
		}
		if !covers {
			t.Errorf("policy rule %v: no such route", rule)
		}
	}
	if len(registered) < 30 {
		t.Fatalf("only %d routes: the wiring is missing", len(registered))
	}
}

// TestPublicURLConfig: VETTED_PUBLIC_URL is kept without its trailing
// slash (URLs are joined as base + "/media/…") and empty when unset.
func TestPublicURLConfig(t *testing.T) {
	for in, want := range map[string]string{"": "", "https://cms.example.org/": "https://cms.example.org", "http://127.0.0.1:8080/cms/": "http://127.0.0.1:8080/cms"} {
		cfg, err := loadConfig(envOf(map[string]string{"VETTED_PUBLIC_URL": in}))
		if err != nil || cfg.PublicURL != want {
			t.Errorf("VETTED_PUBLIC_URL=%q: %q, %v; want %q", in, cfg.PublicURL, err, want)
		}
	}
}

// demoImagesServed: the demo's pictures come from its own media library
// (no other host), so they render offline: the published article's hero
// and its author's photo are /media/ paths answering image/jpeg.
func demoImagesServed(t *testing.T, base, stdout string) {
	t.Helper()
	token := regexp.MustCompile(`Delivery API token \(shown once\): (\S+)`).FindStringSubmatch(stdout)
	if token == nil {
		t.Fatalf("no delivery token in:\n%s", stdout)
	}
	getJSON := func(path string, v any) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token[1])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if err := json.NewDecoder(res.Body).Decode(v); err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
		}
	}
	var list struct {
		Items []struct{ Slug string } `json:"items"`
	}
	getJSON("/api/v1/articles", &list)
	if len(list.Items) == 0 {
		t.Fatal("the demo publishes no article")
	}
	var art struct {
		HeroImage *struct{ URL, Alt, Srcset string } `json:"heroImage"`
		Author    struct {
			PhotoURL string `json:"photoUrl"`
		} `json:"author"`
	}
	getJSON("/api/v1/articles/"+list.Items[0].Slug, &art)
	if art.HeroImage == nil || art.HeroImage.Alt == "" || art.HeroImage.Srcset == "" {
		t.Fatalf("demo hero image: %+v", art.HeroImage)
	}
	for _, u := range []string{art.HeroImage.URL, art.Author.PhotoURL} {
		if !strings.HasPrefix(u, "/media/") {
			t.Errorf("demo image %q is not served by Vetted (offline it would not render)", u)
			continue
		}
		res, err := http.Get(base + u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("GET %s: %d %s", u, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
}

func TestBrowsableAddress(t *testing.T) {
	for in, want := range map[string]string{
		"0.0.0.0:8080": "localhost:8080", "[::]:8080": "localhost:8080",
		"127.0.0.1:8080": "127.0.0.1:8080", "[::1]:9000": "[::1]:9000", "10.0.0.5:80": "10.0.0.5:80",
	} {
		addr, err := net.ResolveTCPAddr("tcp", in)
		if err != nil {
			t.Fatal(err)
		}
		if got := browsable(addr); got != want {
			t.Errorf("browsable(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestSteadyPercent: the steady target is steadyGCPercent unless that
// leaves the heap less than steadyMinHeadroom to grow into.
func TestSteadyPercent(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, steadyMaxPercent}, {1 << 20, steadyMaxPercent}, {8 << 20, steadyMaxPercent}, {16 << 20, 200},
		{32 << 20, 100}, {64 << 20, steadyGCPercent}, {1 << 30, steadyGCPercent},
	} {
		if got := steadyPercent(c.live); got != c.want {
			t.Errorf("steadyPercent(%d MiB) = %d; want %d", c.live>>20, got, c.want)
		}
	}
}

// TestStartupGC: the collector's target is loosened for the start,
// tightened for the start-up indexing and set to the steady one when it
// ends; an operator's GOGC is left alone, and an indexing that ended
// first is not followed by a tightening.
func TestStartupGC(t *testing.T) {
	percent := func() int { p := debug.SetGCPercent(100); debug.SetGCPercent(p); return p }
	before := percent()
	defer debug.SetGCPercent(before)
	unset := func(string) string { return "" }
	g := &startupGC{}
	g.loosen(unset)
	if got := percent(); got != startGCPercent {
		t.Errorf("during the start the GC target is %d; want %d", got, startGCPercent)
	}
	g.tighten(unset)
	if got := percent(); got != startupGCPercent {
		t.Errorf("during indexing the GC target is %d; want %d", got, startupGCPercent)
	}
	// This test process's heap is far below steadyMinHeadroom: the
	// target leaves at least that to grow into.
	runtime.GC()
	live := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
	rtmetrics.Read(live)
	want := steadyPercent(live[0].Value.Uint64())
	g.restore()
	defer g.stopTuning()
	small := percent()
	if small <= steadyGCPercent || small*10 < want*9 || small*10 > want*11 {
		t.Errorf("after indexing, with %d MiB live, the GC target is %d; want %d", live[0].Value.Uint64()>>20, small, want)
	}
	g.tighten(unset)
	g.loosen(unset)
	if got := percent(); got != small {
		t.Errorf("moved after the indexing ended: %d", got)
	}
	// Once far more than steadyMinHeadroom is live, the target comes
	// down to steadyGCPercent after a collection (the finalizer runs
	// after it, on its own goroutine).
	big := make([]byte, 8*steadyMinHeadroom)
	deadline := time.Now().Add(10 * time.Second)
	for percent() != steadyGCPercent && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(big)
	if got := percent(); got != steadyGCPercent {
		t.Errorf("with %d MiB more live the GC target is %d; want %d", len(big)>>20, got, steadyGCPercent)
	}
	g.stopTuning()
	debug.SetGCPercent(before)
	g2 := &startupGC{}
	gogc := func(k string) string { return map[string]string{"GOGC": "200"}[k] }
	g2.loosen(gogc)
	g2.tighten(gogc)
	g2.restore()
	if got := percent(); got != before {
		t.Errorf("with GOGC set the target moved to %d", got)
	}
}
