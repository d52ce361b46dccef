package handlers

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/internal/accesslog"
	"github.com/vetted-cms/vetted/models"
)

// Metrics is what the HTTP edge reports to and serves: every answered
// request, and the Prometheus exposition for GET /metrics.
type Metrics interface {
	// Request counts one request by route template, method and status.
	Request(route, method string, status int, took time.Duration)
	// Handler serves the metrics.
	Handler() http.Handler
}

// ReadyCheck is one part /readyz asks about: nil when it serves, else
// what is wrong (shown in the body under Name).
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

const unmatchedRoute = "unmatched"

var hdrRequestID = "X-Request-Id" // canonical form, assigned without re-canonicalising

// observe is the outermost middleware: it takes or makes the request id
// (returned on every answer), and after the answer counts it (Metrics)
// and writes one access-log line. It never reads the body, the query
// string, cookies or the Authorization header.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	h := c.Writer.Header()
	var id string
	if v := c.Request.Header[hdrRequestID]; len(v) == 1 && validRequestID(v[0]) {
		id = v[0]
		h[hdrRequestID] = v // the request's own slice: no allocation
	} else {
		id = newRequestID()
		h[hdrRequestID] = []string{id}
	}
	c.Next()
	status := c.Writer.Status()
	took := time.Since(start)
	route := c.FullPath()
	if route == "" {
		route = unmatchedRoute
	}
	method := knownMethod(c.Request.Method)
	if s.Metrics != nil {
		s.Metrics.Request(route, method, status, took)
	}
	if s.AccessLog != nil {
		s.logRequest(c, method, route, status, id, start, took)
	}
}

// logRequest writes the access-log line.
func (s *Server) logRequest(c *gin.Context, method, route string, status int, id string, start time.Time, took time.Duration) {
	if !s.AccessLog.Enabled() {
		return
	}
	e := accesslog.Entry{Time: start.Add(took), Method: method, Route: route, Status: status,
		Bytes: max(c.Writer.Size(), 0), Duration: took, RequestID: id, Client: s.clientIP(c)}
	if u := user(c); u != nil {
		e.UserID = u.ID
	}
	_ = s.AccessLog.Log(c.Request.Context(), &e)
}

// clientIP is gin's ClientIP, without its parsing when no proxy is
// trusted: then the client is the peer (gin's RemoteIP), whatever the
// headers say.
func (s *Server) clientIP(c *gin.Context) string {
	if len(s.TrustedProxies) > 0 {
		return c.ClientIP()
	}
	return c.RemoteIP()
}

// validRequestID accepts 1–64 characters of [A-Za-z0-9._-]: safe to echo
// in a header and to write in a log line as it is.
func validRequestID(v string) bool {
	if len(v) == 0 || len(v) > 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// newRequestID returns 16 random hex digits: unique enough to find one
// request's lines, not a secret.
func newRequestID() string {
	var b [8]byte
	u := rand.Uint64()
	for i := range b {
		b[i] = byte(u >> (8 * i))
	}
	return hex.EncodeToString(b[:])
}

// knownMethod bounds the method label: a client can send any token as a
// method, and each would otherwise become a time series.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// metricsGate lets a scrape through from loopback (a direct connection,
// not one relayed by a proxy on the same host) or with the metrics token.
// Without a token configured, anyone else gets 404: the endpoint does not
// exist for them. With one, a missing or wrong token gets 403.
func (s *Server) metricsGate(c *gin.Context) {
	if s.MetricsToken != "" {
		if t, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer "); ok &&
			subtle.ConstantTimeCompare([]byte(strings.TrimSpace(t)), []byte(s.MetricsToken)) == 1 {
			c.Next()
			return
		}
	}
	if directLoopback(c.Request) {
		c.Next()
		return
	}
	if s.MetricsToken == "" {
		writeError(c, models.Errorf(models.ErrNotFound, "no such route"))
		return
	}
	writeError(c, models.Errorf(models.ErrForbidden, "metrics are readable from loopback or with Authorization: Bearer <VETTED_METRICS_TOKEN>"))
}

// directLoopback: the peer is a loopback address and the request carries
// no forwarding header (a reverse proxy on this host relays outside
// clients from loopback too; those must not count as local).
func directLoopback(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "X-Real-Ip", "Forwarded"} {
		if _, ok := r.Header[h]; ok {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// readyz asks the database and every other part whether it serves; 503
// names what does not.
func (s *Server) readyz(c *gin.Context) {
	body := gin.H{"ok": true, "database": "up"}
	var failing []string
	if err := s.DB.Ping(c.Request.Context()); err != nil {
		body["database"] = "down"
		failing = append(failing, "database")
	}
	for _, r := range s.Ready {
		if err := r.Check(c.Request.Context()); err != nil {
			body[r.Name] = err.Error()
			failing = append(failing, r.Name)
		} else {
			body[r.Name] = "up"
		}
	}
	if len(failing) > 0 {
		body["ok"] = false
		body["failing"] = failing
		c.Header("Retry-After", "2")
		c.JSON(http.StatusServiceUnavailable, body)
		return
	}
	c.JSON(http.StatusOK, body)
}
