// Command vetted is the Vetted headless CMS: the server (default), the
// embedded database alone (`vetted db`), the audit check (`vetted audit
// verify`), user creation for operators (`vetted user create`), and
// backup and restore (`vetted backup FILE`, `vetted restore FILE`).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	adminui "github.com/vetted-cms/vetted/admin-ui"
	"github.com/vetted-cms/vetted/audit"
	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/delivery/search"
	"github.com/vetted-cms/vetted/handlers"
	"github.com/vetted-cms/vetted/internal/accesslog"
	"github.com/vetted-cms/vetted/media"
	"github.com/vetted-cms/vetted/metrics"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/policies"
	"github.com/vetted-cms/vetted/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program; tests call it with their own environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "vetted: bad configuration:\n%v\n", err)
		return 2
	}
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	logger := newLogger(cfg, stderr, level)
	slog.SetDefault(logger)

	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
		args = args[1:]
	}
	switch cmd {
	case "serve":
		access := newLineBuffer(stderr, 64<<10, 200*time.Millisecond)
		defer access.Close()
		return serve(ctx, cfg, accesslog.New(access, cfg.LogFormat, level), stdout, stderr)
	case "db":
		return dbOnly(ctx, cfg, args, stdout, stderr)
	case "audit":
		return auditCmd(ctx, cfg, args, stdout, stderr)
	case "user":
		return userCmd(ctx, cfg, args, stdout, stderr)
	case "import":
		return importCmd(ctx, cfg, args, stdout, stderr)
	case "backup":
		return backupCmd(ctx, cfg, args, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, cfg, args, stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "vetted: unknown command %q\n", cmd)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  vetted [serve]                         run the server
  vetted db [--addr 127.0.0.1:27018]     run only the embedded database
  vetted audit key                       print the audit checkpoint public key
  vetted audit verify [--anchor FILE]    check the audit chain against its checkpoints
  vetted backup FILE                     a consistent backup (database and media) while the server runs
  vetted restore FILE                    into an empty VETTED_DATA_DIR (or empty MONGODB_URI database)
  vetted user create --email E --name N --role R [--role R2] (password from VETTED_NEW_PASSWORD or stdin)
  vetted import --author EMAIL FILE      existing articles in as drafts (JSON lines; firstPublishedAt kept)
configuration (environment):
`)
	for _, o := range options {
		fmt.Fprintf(w, "  %-24s %-16s %s\n", o.env, o.def, o.help)
	}
}

// app is the wired service.
type app struct {
	db       *mongostore.DB
	articles *mongostore.ArticleStore
	svc      *service.Service
	policy   *policies.Enforcer
	closeDB  func(context.Context)
	// checkpoints signs the log's head (audit_cmd.go); serve only.
	checkpoints *audit.Checkpointer
	media       *media.Library      // set by wireMedia
	model       *delivery.ReadModel // set by wireDelivery
	search      *search.Index       // set by wireDelivery; its directory is removed at exit
	preloaded   *delivery.Preloaded // the delivery start-up cache, read ahead (serve)
	// beginIndexing starts the search indexing of the loaded read model
	// (set by wireDelivery; serve calls it once listening).
	beginIndexing func()
	gc            *startupGC // the collector's target through the start (serve)
}

func open(ctx context.Context, cfg config) (*app, error) { return openObserved(ctx, cfg, nil) }

// openObserved is open with the database commands, sign-ins and
// transitions reported to m (nil: nowhere).
func openObserved(ctx context.Context, cfg config, m *metrics.Metrics) (*app, error) {
	o := mongostore.Options{URI: cfg.MongoURI, Name: cfg.DBName, DataDir: cfg.DataDir, DBAddr: cfg.DBAddr, Debug: cfg.LogLevel == "debug"}
	if m != nil {
		o.Observer = m
	}
	db, closeDB, err := mongostore.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	articles := mongostore.NewArticleStore(db)
	if st, err := os.Stat(cfg.DataDir); err == nil && st.IsDir() {
		articles.LocalDir = cfg.DataDir // a local copy of the catalog snapshot: a quicker start
	}
	if err := articles.Load(ctx); err != nil {
		closeDB(ctx)
		return nil, err
	}
	slog.Info("catalog loaded", "from", articles.LoadedFrom)
	pol := cfg.Policy
	if pol == nil { // a config made without loadConfig (tests)
		if pol, err = policies.Load(cfg.PolicyDir); err != nil {
			closeDB(ctx)
			return nil, err
		}
	}
	svc := service.New(articles, mongostore.NewUserStore(db), articles.Log, pol)
	svc.ReviewInterval = cfg.ReviewInterval
	if m != nil {
		svc.Observe = m
	}
	svc.Settings = mongostore.NewSettingsStore(db)
	svc.Comments = mongostore.NewCommentStore(db)
	if n, err := svc.RecoverOutbox(ctx); err != nil {
		closeDB(ctx)
		return nil, fmt.Errorf("append pending audit events: %w", err)
	} else if n > 0 {
		slog.Info("appended audit events a crash left pending", "count", n)
	}
	return &app{db: db, articles: articles, svc: svc, policy: pol, closeDB: closeDB}, nil
}

// newLogger writes cfg's log format to w.
func newLogger(cfg config, w io.Writer, level slog.Level) *slog.Logger {
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// serve runs the server; accessLog gets one line per request.
func serve(ctx context.Context, cfg config, accessLog *accesslog.Logger, stdout, stderr io.Writer) int {
	started := time.Now()
	gc := &startupGC{}
	gc.loosen(os.Getenv)
	m := metrics.New()
	// The delivery start-up cache is read while the database opens and
	// the catalog loads: both took about as long at 10,000 published.
	preloaded := delivery.PreloadCache(cfg.DataDir)
	a, err := openObserved(ctx, cfg, m)
	if err != nil {
		fmt.Fprintf(stderr, "vetted: %v\n", err)
		return 1
	}
	a.preloaded, a.gc = preloaded, gc
	defer a.closeDB(context.Background())
	phase := startPhases(started)
	phase("database and catalog")
	srv := &handlers.Server{Svc: a.svc, Policy: a.policy, DB: a.db, UI: adminui.FS(), SecureCookies: cfg.SecureCookies,
		LoginLimiter: handlers.NewRateLimiter(10, 6*time.Second), TrustedProxies: cfg.TrustedProxies,
		Metrics: m, MetricsToken: cfg.MetricsToken, AccessLog: accessLog, ImageHosts: cfg.ImageHosts}
	closeMedia, err := wireMedia(ctx, cfg, a, srv) // before seeding: the demo uploads its images
	if err != nil {
		fmt.Fprintf(stderr, "vetted: media: %v\n", err)
		return 1
	}
	defer closeMedia()
	if err := seed(ctx, cfg, a, stdout); err != nil {
		fmt.Fprintf(stderr, "vetted: seeding: %v\n", err)
		return 1
	}
	if a.checkpoints, err = setupAudit(ctx, cfg, a); err != nil {
		fmt.Fprintf(stderr, "vetted: %v\n", err)
		return 1
	}
	phase("media and audit")
	wireDelivery(ctx, cfg, a, srv, m)
	defer func() { // after the requests have drained (hs.Shutdown below)
		if a.search != nil {
			_ = a.search.Close()
		}
	}()
	phase("delivery read model")
	wireFollower(cfg, a, srv, m)
	// Read the log to its end once more: a start longer than the
	// follower's bound (a loaded machine, a large catalogue) must not
	// answer /readyz 503 until the first poll, nor miss what others
	// changed meanwhile.
	if _, err := a.articles.Log.Sync(ctx); err != nil {
		slog.Warn("log not read to its end before listening", "err", err.Error())
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintf(stderr, "vetted: listen on %s: %v\n", cfg.Addr, err)
		return 1
	}
	hs := &http.Server{Handler: srv.Router(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}

	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	go a.articles.Log.Follow(bg, cfg.SyncInterval)
	go every(bg, time.Second, func() { a.svc.Scheduled(bg) })
	go a.checkpoints.Run(bg)
	saved := a.articles.Log.Cursor()
	go every(bg, 30*time.Second, func() { // a quick start next time
		if c := a.articles.Log.Cursor(); c != saved {
			if cur, err := a.articles.SaveSnapshot(bg); cur != 0 {
				saved = cur
				if err != nil {
					slog.Warn("local copy of the catalog snapshot not saved", "err", err.Error())
				}
			}
		}
	})

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if a.beginIndexing != nil { // after the start, not beside its last steps
		a.beginIndexing()
	} else {
		gc.restore()
	}
	// Loading decodes every article head, event and snapshot once; hand
	// that garbage back now rather than over minutes (RSS at rest), once
	// listening: the forced collection took 0.4-0.6 s of the start at
	// 10,000 published articles.
	go debug.FreeOSMemory()
	fmt.Fprintf(stdout, "Vetted is running: http://%s/admin/ (ready in %s)\n", browsable(ln.Addr()), time.Since(started).Round(time.Millisecond))
	startupProfiled()
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "vetted: %v\n", err)
			return 1
		}
	}
	slog.Info("shutting down: draining requests")
	stopBG()
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		slog.Warn("shutdown", "err", err.Error())
	}
	if _, err := a.articles.Log.Sync(sctx); err != nil { // the head as every instance left it
		slog.Warn("log not synced before the shutdown checkpoint", "err", err.Error())
	}
	a.checkpoints.Final()
	if a.model != nil { // a quick start next time (delivery's start-up cache)
		if err := a.model.SaveCache(); err != nil {
			slog.Warn("delivery start-up cache not saved", "err", err.Error())
		}
	}
	if _, err := a.articles.SaveSnapshot(sctx); err != nil {
		slog.Warn("catalog snapshot not saved", "err", err.Error())
	}
	return 0
}

// startPhases returns a function that logs how long each step of the
// start took (restart time is an operator's concern at scale).
func startPhases(started time.Time) func(name string) {
	last := started
	return func(name string) {
		now := time.Now()
		slog.Info("start-up", "step", name, "took", now.Sub(last).Round(time.Millisecond).String())
		last = now
	}
}

// startupProfiled, when set (a `-tags pprof` build), ends the start-up
// CPU profile once the server listens.
var startupProfiled = func() {}

// browsable is addr as a browser can open it: a wildcard listen address
// (":8080", "0.0.0.0:8080", "[::]:8080") is reached at localhost.
func browsable(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func every(ctx context.Context, d time.Duration, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

func dbOnly(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) int {
	addr := "127.0.0.1:27018"
	for i := 0; i < len(args); i++ {
		if args[i] == "--addr" && i+1 < len(args) {
			addr = args[i+1]
			i++
		}
	}
	_, closeDB, err := mongostore.Open(ctx, mongostore.Options{Name: cfg.DBName, DataDir: cfg.DataDir, DBAddr: addr, Debug: cfg.LogLevel == "debug"})
	if err != nil {
		fmt.Fprintf(stderr, "vetted db: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "embedded database listening: MONGODB_URI=mongodb://%s/\n", addr)
	<-ctx.Done()
	closeDB(context.Background())
	return 0
}
