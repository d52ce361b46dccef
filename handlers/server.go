// Package handlers is Vetted's HTTP edge: gin routes that bind a request,
// make one service call and encode the answer. Routes are registered in
// one place (Router); errors are mapped in one place (writeError).
package handlers

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/internal/accesslog"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/service"
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Policy answers role → permission questions (casbin, policies/).
type Policy interface {
	AllowAny(roles []string, obj, act string) bool
	// Roles lists the roles the policy names: the roles a user may hold.
	Roles() []string
	// ArticleRights lists the article actions roles allow on an article
	// the holder authors (own) or anyone else's.
	ArticleRights(roles []string, own bool) []string
}

// Server holds what the handlers need.
type Server struct {
	Svc    *service.Service
	Policy Policy
	DB     Pinger
	UI     fs.FS // the built admin UI (index.html at its root)
	// SecureCookies marks the session cookie Secure (behind TLS).
	SecureCookies bool
	// Delivery, when set, registers the delivery API routes.
	Delivery func(r *gin.Engine)
	// LoginLimiter limits sign-in attempts per client address (nil: none).
	LoginLimiter *RateLimiter
	// TrustedProxies may set X-Forwarded-For; empty: the peer address is
	// the client, whatever the headers say.
	TrustedProxies []string
	// ImageHosts are the hosts Markdown and hero images may come from
	// besides the media library (VETTED_IMAGE_HOSTS); the admin CSP's
	// img-src allows exactly these.
	ImageHosts []string
	// Extra, when set, registers further management routes on the
	// authenticated /api/admin group (webhooks…).
	Extra func(g *gin.RouterGroup)
	// Metrics, when set, counts every request and serves GET /metrics to
	// loopback or to a bearer of MetricsToken (observe.go).
	Metrics      Metrics
	MetricsToken string
	// AccessLog, when set, gets one line per request (observe.go).
	AccessLog *accesslog.Logger
	// Ready are the parts /readyz asks about besides the database.
	Ready []ReadyCheck

	adminRoutes []gin.RouteInfo // the /api/admin routes, for /me's permissions
	// Media, when set, serves the media library and its files.
	Media *MediaAPI
}

// Router returns the complete route table.
func (s *Server) Router() *gin.Engine {
	r := s.engine()
	r.NoRoute(func(c *gin.Context) {
		if strings.HasPrefix(c.Request.URL.Path, "/admin") && (c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead) {
			s.serveUI(c)
			return
		}
		writeError(c, models.Errorf(models.ErrNotFound, "no such route"))
	})

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	r.GET("/readyz", s.readyz)
	if s.Metrics != nil {
		r.GET("/metrics", s.metricsGate, gin.WrapH(s.Metrics.Handler()))
	}
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/admin/") })
	r.GET("/admin", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/admin/") })

	r.POST("/api/admin/session", limitByClient(s.LoginLimiter), s.login)
	a := r.Group("/api/admin", s.authenticate, s.csrf, s.authorize)
	a.DELETE("/session", s.logout)
	a.GET("/me", s.me)
	a.GET("/roles", s.roles)
	a.GET("/clinicians", s.clinicians)
	a.GET("/users", s.listUsers)
	a.POST("/users", s.createUser)
	a.GET("/users/:id", s.getUser)
	a.PATCH("/users/:id", s.patchUser)
	a.POST("/users/:id/license/verify", s.verifyLicense)
	a.GET("/articles", s.listArticles)
	a.POST("/articles", s.createArticle)
	a.GET("/articles/:id", s.getArticle)
	a.PUT("/articles/:id", s.updateArticle)
	a.PATCH("/articles/:id", s.patchArticle)
	a.GET("/articles/:id/revisions", s.revisions)
	a.GET("/articles/:id/revisions/:rev", s.revision)
	a.GET("/articles/:id/diff", s.diff)
	a.GET("/articles/:id/events", s.events)
	a.GET("/articles/:id/signatures", s.signatures)
	a.POST("/articles/:id/transitions", s.transition)
	a.GET("/articles/:id/comments", s.listComments)
	a.POST("/articles/:id/comments", s.createComment)
	a.PATCH("/articles/:id/comments/:cid", s.editComment)
	a.POST("/articles/:id/comments/:cid/replies", s.replyComment)
	a.POST("/articles/:id/comments/:cid/resolve", s.resolveComment)
	a.GET("/reviews/due", s.reviewsDue)
	a.GET("/tokens", s.listTokens)
	a.POST("/tokens", s.createToken)
	a.DELETE("/tokens/:id", s.revokeToken)
	a.GET("/audit", s.audit)
	a.GET("/audit/verify", s.auditVerify)
	a.GET("/audit/anchor", s.auditAnchor)
	a.GET("/settings", s.getSettings)
	a.PUT("/settings", s.putSettings)
	if s.Extra != nil {
		s.Extra(a)
	}
	if s.Media != nil {
		s.Media.Register(a)
		s.Media.RegisterFiles(r)
	}
	if s.Delivery != nil {
		s.Delivery(r)
	}
	s.adminRoutes = nil
	for _, rt := range r.Routes() {
		if strings.HasPrefix(rt.Path, "/api/admin/") {
			s.adminRoutes = append(s.adminRoutes, rt)
		}
	}
	return r
}

// engine is a gin engine with Vetted's settings: no path rewriting (a
// path variant is a different, unknown route), client addresses from
// X-Forwarded-For only through trusted proxies.
func (s *Server) engine() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.RemoveExtraSlash = false
	r.UseRawPath = false
	r.HandleMethodNotAllowed = false
	_ = r.SetTrustedProxies(s.TrustedProxies) // nil: trust none
	r.ForwardedByClientIP = len(s.TrustedProxies) > 0
	r.Use(s.observe, recoverer(), securityHeaders(s.ImageHosts))
	return r
}

func recoverer() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				slog.Error("panic in handler", "route", c.FullPath(), "panic", v)
				c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{Error: errorDetail{Code: "internal", Message: "something went wrong on our side"}})
			}
		}()
		c.Next()
	}
}

var (
	hdrNosniff    = []string{"nosniff"}
	hdrNoReferrer = []string{"no-referrer"}
)

// AdminCSP is the admin UI's Content-Security-Policy: images only from
// this origin (the media library) and the vetted image hosts, so that a
// writer's Markdown cannot make a reviewer's browser fetch from anywhere.
func AdminCSP(imageHosts []string) string {
	img := "'self' data:"
	for _, h := range imageHosts {
		img += " https://" + h
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img + "; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

func securityHeaders(imageHosts []string) gin.HandlerFunc {
	csp := AdminCSP(imageHosts)
	return func(c *gin.Context) {
		h := c.Writer.Header()
		// Shared, never-mutated values: no allocation per request (the
		// delivery hot path allocates nothing).
		h["X-Content-Type-Options"] = hdrNosniff
		h["Referrer-Policy"] = hdrNoReferrer
		if !strings.HasPrefix(c.Request.URL.Path, "/api/v1/") {
			h.Set("X-Frame-Options", "DENY")
			h.Set("Content-Security-Policy", csp)
			h.Set("Cache-Control", "no-store")
		}
		c.Next()
	}
}

const sessionCookie = "vetted_session"

// Context keys.
const (
	ctxUser    = "vetted.user"
	ctxSession = "vetted.session"
	ctxToken   = "vetted.token"
	ctxCookie  = "vetted.cookie"
)

func (s *Server) authenticate(c *gin.Context) {
	token, viaCookie := "", false
	if h := c.GetHeader("Authorization"); h != "" {
		t, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			writeError(c, models.Errorf(models.ErrUnauthenticated, "use Authorization: Bearer <token>"))
			return
		}
		token = strings.TrimSpace(t)
		if strings.HasPrefix(token, service.PreviewTokenPrefix) {
			writeError(c, models.Errorf(models.ErrForbidden, "a preview token reads only /api/v1/preview/articles/{id}"))
			return
		}
	} else if ck, err := c.Cookie(sessionCookie); err == nil {
		token, viaCookie = ck, true
	}
	if token == "" {
		writeError(c, models.Errorf(models.ErrUnauthenticated, "sign in first"))
		return
	}
	u, se, err := s.Svc.Authenticate(c.Request.Context(), token)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Set(ctxUser, u)
	c.Set(ctxSession, se)
	c.Set(ctxToken, token)
	c.Set(ctxCookie, viaCookie)
	c.Next()
}

// csrf protects cookie-authenticated writes: the Origin, when sent, must
// be this server's, and X-CSRF-Token must carry the session's token (a
// page on another origin can read neither).
func (s *Server) csrf(c *gin.Context) {
	if !c.GetBool(ctxCookie) || c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		c.Next()
		return
	}
	if o := c.GetHeader("Origin"); o != "" && !sameOrigin(o, c.Request) {
		writeError(c, models.Errorf(models.ErrForbidden, "cross-site request refused"))
		return
	}
	if c.GetHeader("X-CSRF-Token") != service.CSRFToken(c.GetString(ctxToken)) {
		writeError(c, models.Errorf(models.ErrForbidden, "missing or wrong X-CSRF-Token"))
		return
	}
	c.Next()
}

func sameOrigin(origin string, r *http.Request) bool {
	o := strings.TrimPrefix(strings.TrimPrefix(origin, "https://"), "http://")
	return o == r.Host
}

// authorize asks the policy about (role, route template, method): the
// template, never the raw URL, so path variants cannot change a decision.
func (s *Server) authorize(c *gin.Context) {
	u := user(c)
	if !s.Policy.AllowAny(u.Roles, c.FullPath(), c.Request.Method) {
		writeError(c, models.Errorf(models.ErrForbidden, "your role may not do this"))
		return
	}
	c.Next()
}

func user(c *gin.Context) *models.User {
	v, _ := c.Get(ctxUser)
	u, _ := v.(*models.User)
	return u
}

func (s *Server) login(c *gin.Context) {
	var in struct {
		Email    string `json:"email" validate:"required,maxbytes=254"`
		Password string `json:"password" validate:"required,maxbytes=256"`
	}
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	if err := models.Check(&in); err != nil {
		writeError(c, err)
		return
	}
	token, u, err := s.Svc.Login(c.Request.Context(), in.Email, in.Password)
	if err != nil {
		writeError(c, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.SecureCookies || c.Request.TLS != nil, MaxAge: int(s.Svc.SessionMax / time.Second)})
	c.JSON(http.StatusOK, gin.H{"token": token, "csrfToken": service.CSRFToken(token), "user": u, "permissions": s.permissionsOf(u)})
}

func (s *Server) logout(c *gin.Context) {
	v, _ := c.Get(ctxSession)
	if err := s.Svc.Logout(c.Request.Context(), v.(*models.Session)); err != nil {
		writeError(c, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	c.Status(http.StatusNoContent)
}

// permissions is what the policy lets the caller do, as /me reports it:
// the UI shows what these allow, and the server decides with the same
// policy.
type permissions struct {
	// Routes are "METHOD /api/admin/template" the caller may call.
	Routes []string `json:"routes"`
	// OwnArticles and OtherArticles are the article actions (create,
	// edit and the workflow actions) allowed on articles the caller
	// authors and on anyone else's; per-article guards still apply.
	OwnArticles   []string `json:"ownArticles"`
	OtherArticles []string `json:"otherArticles"`
}

func (s *Server) permissionsOf(u *models.User) permissions {
	p := permissions{Routes: []string{}, OwnArticles: s.Policy.ArticleRights(u.Roles, true), OtherArticles: s.Policy.ArticleRights(u.Roles, false)}
	for _, rt := range s.adminRoutes {
		if s.Policy.AllowAny(u.Roles, rt.Path, rt.Method) {
			p.Routes = append(p.Routes, rt.Method+" "+rt.Path)
		}
	}
	if p.OwnArticles == nil {
		p.OwnArticles = []string{}
	}
	if p.OtherArticles == nil {
		p.OtherArticles = []string{}
	}
	return p
}

func (s *Server) me(c *gin.Context) {
	hosts := s.ImageHosts
	if hosts == nil {
		hosts = []string{}
	}
	c.JSON(http.StatusOK, gin.H{"user": user(c), "csrfToken": service.CSRFToken(c.GetString(ctxToken)), "permissions": s.permissionsOf(user(c)), "imageHosts": hosts,
		"previewUrl": s.Svc.PreviewURL(c.Request.Context())})
}

// roles lists the roles the policy names: the roles a user may be given.
func (s *Server) roles(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": s.Policy.Roles()})
}

// clinicians lists who may be credited with a Clinician's take.
func (s *Server) clinicians(c *gin.Context) {
	items, err := s.Svc.Clinicians(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (s *Server) getSettings(c *gin.Context) {
	st, err := s.Svc.GetSettings(c.Request.Context(), user(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

func (s *Server) putSettings(c *gin.Context) {
	var in models.Settings
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	st, err := s.Svc.PutSettings(c.Request.Context(), user(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}
