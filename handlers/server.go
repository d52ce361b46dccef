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

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/service"
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Policy answers role → route permissions.
type Policy interface {
	AllowAny(roles []string, obj, act string) bool
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
	// Extra, when set, registers further management routes on the
	// authenticated /api/admin group (webhooks…).
	Extra func(g *gin.RouterGroup)
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
	r.GET("/readyz", func(c *gin.Context) {
		if err := s.DB.Ping(c.Request.Context()); err != nil {
			c.Header("Retry-After", "2")
			c.JSON(http.StatusServiceUnavailable, gin.H{"ok": false, "database": "down"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"ok": true, "database": "up"})
	})
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/admin/") })
	r.GET("/admin", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/admin/") })

	r.POST("/api/admin/session", limitByClient(s.LoginLimiter), s.login)
	a := r.Group("/api/admin", s.authenticate, s.csrf, s.authorize)
	a.DELETE("/session", s.logout)
	a.GET("/me", s.me)
	a.GET("/users", s.listUsers)
	a.POST("/users", s.createUser)
	a.GET("/users/:id", s.getUser)
	a.PATCH("/users/:id", s.patchUser)
	a.POST("/users/:id/license/verify", s.verifyLicense)
	a.GET("/articles", s.listArticles)
	a.POST("/articles", s.createArticle)
	a.GET("/articles/:id", s.getArticle)
	a.PUT("/articles/:id", s.updateArticle)
	a.GET("/articles/:id/revisions", s.revisions)
	a.GET("/articles/:id/revisions/:rev", s.revision)
	a.GET("/articles/:id/diff", s.diff)
	a.GET("/articles/:id/events", s.events)
	a.GET("/articles/:id/signatures", s.signatures)
	a.POST("/articles/:id/transitions", s.transition)
	a.GET("/reviews/due", s.reviewsDue)
	a.GET("/tokens", s.listTokens)
	a.POST("/tokens", s.createToken)
	a.DELETE("/tokens/:id", s.revokeToken)
	a.GET("/audit", s.audit)
	a.GET("/audit/verify", s.auditVerify)
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
	// The delivery front (front.go) answers delivery hits (by slug, list
	// pages, topics) without passing through these: a middleware added
	// here must be mirrored there (TestFrontAnswersLikeTheRouter compares
	// the two answers).
	r.Use(recoverer(), securityHeaders())
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

func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		// Shared, never-mutated values: no allocation per request (the
		// delivery hot path allocates nothing).
		h["X-Content-Type-Options"] = hdrNosniff
		h["Referrer-Policy"] = hdrNoReferrer
		if !strings.HasPrefix(c.Request.URL.Path, "/api/v1/") {
			h.Set("X-Frame-Options", "DENY")
			h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
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
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	if in.Email == "" || in.Password == "" {
		writeError(c, models.Invalid("email and password are required", map[string]string{"email": "required", "password": "required"}))
		return
	}
	token, u, err := s.Svc.Login(c.Request.Context(), in.Email, in.Password)
	if err != nil {
		writeError(c, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.SecureCookies || c.Request.TLS != nil, MaxAge: int(s.Svc.SessionMax / time.Second)})
	c.JSON(http.StatusOK, gin.H{"token": token, "csrfToken": service.CSRFToken(token), "user": u})
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

func (s *Server) me(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"user": user(c), "csrfToken": service.CSRFToken(c.GetString(ctxToken))})
}
