package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/service"
)

// DeliveryModel is what the delivery API reads: the in-memory read model.
type DeliveryModel interface {
	Lookup(ctx context.Context, slug string) (*delivery.Entry, string, int)
	List(topic string, page, limit int) *delivery.Doc
	ListSorted(topic, order string, page, limit int) *delivery.Doc
	Topics() *delivery.Doc
}

// TokenGate accepts or refuses a delivery token.
type TokenGate interface {
	Allow(ctx context.Context, token string) error
}

// DeliveryAPI serves /api/v1: published snapshots only, straight from
// pre-encoded bytes.
type DeliveryAPI struct {
	Model  DeliveryModel
	Tokens TokenGate // ignored when Public
	Public bool
	// Search, when set, answers GET /api/v1/search.
	Search Searcher
	// MaxAge, StaleWhileRevalidate and StaleIfError make the
	// Cache-Control header (a zero StaleIfError leaves it out).
	MaxAge, StaleWhileRevalidate, StaleIfError time.Duration
	// CORSOrigins are the browser origins allowed to read; "*" allows any.
	CORSOrigins []string
	// Observe, when set, counts by-slug answers by status.
	Observe interface{ Delivery(status int) }
	// Previews, when set with PreviewModel, answers
	// GET /api/v1/preview/articles/{id} to preview tokens.
	Previews     PreviewSource
	PreviewModel interface {
		Preview(ctx context.Context, a *models.Article) ([]byte, error)
	}

	cache     []string
	vary      []string
	anyOrigin bool
	origins   map[string][]string
}

// Header values assigned, never built, per request.
var (
	hdrJSON        = []string{"application/json; charset=utf-8"}
	hdrGzip        = []string{"gzip"}
	hdrAny         = []string{"*"}
	hdrExpose      = []string{"ETag"}
	hdrNoCache     = []string{"no-cache"}
	hdrAllowMeth   = []string{"GET, HEAD, OPTIONS"}
	hdrAllowHdr    = []string{"Authorization, If-None-Match"}
	hdrPreflightMx = []string{"600"}
	hdrBearer      = []string{`Bearer realm="vetted-delivery"`}
)

// Register adds the delivery routes.
func (d *DeliveryAPI) Register(r *gin.Engine) {
	scope := "private"
	if d.Public {
		scope = "public"
	}
	d.cache = []string{scope + ", max-age=" + strconv.Itoa(int(d.MaxAge/time.Second)) +
		", stale-while-revalidate=" + strconv.Itoa(int(d.StaleWhileRevalidate/time.Second))}
	if d.StaleIfError > 0 {
		d.cache[0] += ", stale-if-error=" + strconv.Itoa(int(d.StaleIfError/time.Second))
	}
	d.vary = []string{"Accept-Encoding"}
	d.origins = map[string][]string{}
	for _, o := range d.CORSOrigins {
		if o == "*" {
			d.anyOrigin = true
		} else if o != "" {
			d.origins[o] = []string{o}
		}
	}
	if len(d.origins) > 0 && !d.anyOrigin {
		d.vary = []string{"Accept-Encoding, Origin"}
	}
	v := r.Group("/api/v1")
	for _, p := range []string{"/articles", "/articles/:slug", "/topics"} {
		v.OPTIONS(p, d.preflight)
	}
	v.GET("/articles/:slug", d.bySlug)
	v.HEAD("/articles/:slug", d.bySlug)
	v.GET("/articles", d.list)
	v.HEAD("/articles", d.list)
	v.GET("/topics", d.topics)
	v.HEAD("/topics", d.topics)
	if d.Previews != nil && d.PreviewModel != nil {
		v.OPTIONS("/preview/articles/:id", d.preflight)
		v.GET("/preview/articles/:id", d.preview)
	}
	if d.Search != nil {
		v.OPTIONS("/search", d.preflight)
		v.GET("/search", d.search)
		v.HEAD("/search", d.search)
	}
}

// cors sets the CORS answer for an allowed Origin.
func (d *DeliveryAPI) cors(h http.Header, r *http.Request) {
	o := r.Header["Origin"]
	if len(o) == 0 {
		return
	}
	if d.anyOrigin {
		h["Access-Control-Allow-Origin"] = hdrAny
	} else if v, ok := d.origins[o[0]]; ok {
		h["Access-Control-Allow-Origin"] = v
	} else {
		return
	}
	h["Access-Control-Expose-Headers"] = hdrExpose
}

func (d *DeliveryAPI) preflight(c *gin.Context) {
	h := c.Writer.Header()
	d.cors(h, c.Request)
	if _, ok := h["Access-Control-Allow-Origin"]; ok {
		h["Access-Control-Allow-Methods"] = hdrAllowMeth
		h["Access-Control-Allow-Headers"] = hdrAllowHdr
		h["Access-Control-Max-Age"] = hdrPreflightMx
	}
	c.Status(http.StatusNoContent)
}

// authorized checks the delivery token unless delivery is public. It
// reads the header map directly and answers from the token cache: no
// allocation, no I/O on the hot path.
func (d *DeliveryAPI) authorized(c *gin.Context) bool {
	var token string
	if v := c.Request.Header["Authorization"]; len(v) > 0 {
		token, _ = strings.CutPrefix(v[0], "Bearer ")
	}
	if strings.HasPrefix(token, service.PreviewTokenPrefix) {
		// A preview token reads working copies through the preview route
		// and nothing else, public delivery included.
		writeError(c, models.Errorf(models.ErrForbidden, "a preview token reads only /api/v1/preview/articles/{id}"))
		return false
	}
	if d.Public {
		return true
	}
	if !strings.HasPrefix(token, service.DeliveryTokenPrefix) {
		c.Writer.Header()["Www-Authenticate"] = hdrBearer
		writeError(c, models.Errorf(models.ErrUnauthenticated, "send a delivery token: Authorization: Bearer vd_…"))
		return false
	}
	if err := d.Tokens.Allow(c.Request.Context(), token); err != nil {
		c.Writer.Header()["Www-Authenticate"] = hdrBearer
		writeError(c, err)
		return false
	}
	return true
}

// bySlug answers an article and counts the answer's kind.
func (d *DeliveryAPI) bySlug(c *gin.Context) {
	d.article(c)
	if d.Observe != nil {
		d.Observe.Delivery(c.Writer.Status())
	}
}

// article is the hot path: one map read, header values assigned from the
// entry, the prebuilt bytes written as they are.
func (d *DeliveryAPI) article(c *gin.Context) {
	h := c.Writer.Header()
	d.cors(h, c.Request)
	if !d.authorized(c) {
		return
	}
	e, to, kind := d.Model.Lookup(c.Request.Context(), c.Param("slug"))
	switch kind {
	case delivery.Found:
		d.serve(c, h, e.Doc)
	case delivery.Moved:
		h["Cache-Control"] = d.cache
		loc := "/api/v1/articles/" + url.PathEscape(to)
		if q := c.Request.URL.RawQuery; q != "" {
			loc += "?" + q
		}
		h.Set("Location", loc)
		c.JSON(http.StatusMovedPermanently, gin.H{"movedTo": to, "location": loc})
	case delivery.Gone:
		h["Cache-Control"] = hdrNoCache
		writeError(c, models.Errorf(models.ErrGone, "this article was unpublished"))
	default:
		h["Cache-Control"] = hdrNoCache
		writeError(c, models.Errorf(models.ErrNotFound, "no published article has this slug"))
	}
}

// serve writes a pre-encoded document with its validators: 304 when the
// client holds it, gzip when accepted.
func (d *DeliveryAPI) serve(c *gin.Context, h http.Header, doc *delivery.Doc) {
	h["Etag"] = doc.ETagHdr
	h["Cache-Control"] = d.cache
	h["Vary"] = d.vary
	if doc.SurrogateKeyHdr != nil {
		h["Surrogate-Key"] = doc.SurrogateKeyHdr
		h["Cache-Tag"] = doc.CacheTagHdr
	}
	if inm := c.Request.Header["If-None-Match"]; len(inm) > 0 && etagMatch(inm, doc.ETag) {
		c.Writer.WriteHeader(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return
	}
	h["Content-Type"] = hdrJSON
	body := doc.JSON
	if acceptsGzip(c.Request.Header["Accept-Encoding"]) {
		h["Content-Encoding"] = hdrGzip
		h["Content-Length"] = doc.GzipLenHdr
		body = doc.Gzip
	} else {
		h["Content-Length"] = doc.LenHdr
	}
	c.Writer.WriteHeader(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		c.Writer.WriteHeaderNow()
		return
	}
	_, _ = c.Writer.Write(body)
}

// etagMatch implements If-None-Match's weak comparison over a list.
func etagMatch(vals []string, etag string) bool {
	for _, v := range vals {
		if v == etag {
			return true
		}
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == etag {
				return true
			}
		}
	}
	return false
}

var topicRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func (d *DeliveryAPI) list(c *gin.Context) {
	h := c.Writer.Header()
	d.cors(h, c.Request)
	if !d.authorized(c) {
		return
	}
	topic, order, page, limit := "", delivery.SortPublished, 1, delivery.DefaultLimit
	if raw := c.Request.URL.RawQuery; raw != "" {
		q, err := url.ParseQuery(raw)
		if err != nil {
			writeError(c, models.Invalid("the query string is malformed", map[string]string{"query": "malformed"}))
			return
		}
		var f map[string]string
		topic, page, limit, f = listQuery(q.Get)
		// sort: "published" (the default: first publication, newest
		// first) or "updated" (newest change for readers first).
		switch v := q.Get("sort"); v {
		case "", "published":
		case "updated":
			order = delivery.SortUpdated
		default:
			if f == nil {
				f = map[string]string{}
			}
			f["sort"] = "published or updated"
		}
		if f != nil {
			writeError(c, models.Invalid("the query is not valid", f))
			return
		}
	}
	d.serve(c, h, d.Model.ListSorted(topic, order, page, limit))
}

// listQuery reads the list parameters: the page wanted, or the fields
// that are not valid.
func listQuery(get func(string) string) (topic string, page, limit int, f map[string]string) {
	page, limit = 1, delivery.DefaultLimit
	bad := func(k, why string) {
		if f == nil {
			f = map[string]string{}
		}
		f[k] = why
	}
	if v := get("topic"); v != "" {
		if !topicRE.MatchString(v) || len(v) > 60 {
			bad("topic", "a topic (lowercase kebab-case)")
		}
		topic = v
	}
	if v := get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			bad("page", "a whole number from 1")
		}
		page = n
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > delivery.MaxLimit {
			bad("limit", "a whole number from 1 to 100")
		}
		limit = n
	}
	return topic, page, limit, f
}

func (d *DeliveryAPI) topics(c *gin.Context) {
	h := c.Writer.Header()
	d.cors(h, c.Request)
	if !d.authorized(c) {
		return
	}
	d.serve(c, h, d.Model.Topics())
}

// PreviewSource checks preview tokens and loads working copies.
type PreviewSource interface {
	CheckPreviewToken(ctx context.Context, secret string) error
	GetArticle(ctx context.Context, id string) (*models.Article, error)
}

var (
	hdrNoStore = []string{"no-store"}
	hdrNoIndex = []string{"noindex"}
)

// preview answers an article's working copy in the delivery shape with
// "preview": true, to a preview token only (a delivery token is refused:
// it must never read unsigned content). Never cached, never indexed.
func (d *DeliveryAPI) preview(c *gin.Context) {
	h := c.Writer.Header()
	h["Cache-Control"] = hdrNoStore
	h["X-Robots-Tag"] = hdrNoIndex
	d.cors(h, c.Request)
	var token string
	if v := c.Request.Header["Authorization"]; len(v) > 0 {
		token, _ = strings.CutPrefix(v[0], "Bearer ")
	}
	if strings.HasPrefix(token, service.DeliveryTokenPrefix) {
		writeError(c, models.Errorf(models.ErrForbidden, "a delivery token cannot preview drafts; use a preview token"))
		return
	}
	ctx := c.Request.Context()
	if err := d.Previews.CheckPreviewToken(ctx, token); err != nil {
		h["Www-Authenticate"] = hdrBearer
		writeError(c, err)
		return
	}
	a, err := d.Previews.GetArticle(ctx, c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	body, err := d.PreviewModel.Preview(ctx, a)
	if err != nil {
		writeError(c, err)
		return
	}
	h["Content-Type"] = hdrJSON
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(body)
}
