package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/delivery/search"
	"github.com/vetted-cms/vetted/models"
)

// Searcher answers site search over the published articles.
type Searcher interface {
	Search(q search.Query) (*search.Result, error)
}

// Search limits.
const (
	searchMaxQuery = 200
	searchMaxLimit = 50
	searchMaxPage  = 100
)

var (
	hdrSearchTags    = []string{delivery.TagSearch + " " + delivery.TagArticles}
	hdrSearchTagsCSV = []string{delivery.TagSearch + "," + delivery.TagArticles}
)

// search is GET /api/v1/search?q=&topic=&page=&limit=.
func (d *DeliveryAPI) search(c *gin.Context) {
	h := c.Writer.Header()
	d.cors(h, c.Request)
	if !d.authorized(c) {
		return
	}
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		writeError(c, models.Invalid("the query string is malformed", map[string]string{"query": "malformed"}))
		return
	}
	in, f := searchQuery(q.Get)
	if f != nil {
		writeError(c, models.Invalid("the search is not valid", f))
		return
	}
	res, err := d.searchInTurn(c.Request.Context(), in)
	if err != nil {
		writeError(c, err)
		return
	}
	bp := searchBufs.Get().(*[]byte)
	defer searchBufs.Put(bp)
	body, err := res.AppendJSON((*bp)[:0])
	if err != nil {
		writeError(c, err)
		return
	}
	*bp = body
	sum := sha256.Sum256(body)
	etag := `"s-` + hex.EncodeToString(sum[:12]) + `"`
	h["Etag"] = []string{etag}
	h["Cache-Control"] = d.cache
	h["Surrogate-Key"], h["Cache-Tag"] = hdrSearchTags, hdrSearchTagsCSV
	if inm := c.Request.Header["If-None-Match"]; len(inm) > 0 && etagMatch(inm, etag) {
		c.Status(http.StatusNotModified)
		return
	}
	h["Content-Type"] = hdrJSON
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	c.Writer.WriteHeader(http.StatusOK)
	if c.Request.Method != http.MethodHead {
		_, _ = c.Writer.Write(body)
	}
}

// searchBufs hold encoded answers (~20 KB for 20 hits) from one search
// to the next: the body is written before its buffer goes back.
var searchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// searchQuery reads the search parameters: the search, or the fields
// that are not valid.
func searchQuery(get func(string) string) (in search.Query, f map[string]string) {
	bad := func(k, why string) {
		if f == nil {
			f = map[string]string{}
		}
		f[k] = why
	}
	in.Q = strings.TrimSpace(get("q"))
	switch {
	case in.Q == "":
		bad("q", "required: the words to search for")
	case !utf8.ValidString(in.Q) || utf8.RuneCountInString(in.Q) > searchMaxQuery:
		bad("q", "at most 200 characters of text")
	}
	_, page, limit, lf := listQuery(get)
	in.Topic = get("topic")
	for k, v := range lf {
		bad(k, v)
	}
	if lf["limit"] == "" && limit > searchMaxLimit {
		bad("limit", "a whole number from 1 to 50")
	}
	if lf["page"] == "" && page > searchMaxPage {
		bad("page", "a whole number from 1 to 100")
	}
	if f != nil {
		if _, ok := f["limit"]; ok {
			f["limit"] = "a whole number from 1 to 50"
		}
		if _, ok := f["page"]; ok {
			f["page"] = "a whole number from 1 to 100"
		}
	}
	in.Page, in.Limit = page, limit
	return in, f
}

// searchSlots lets one search fewer run at once than there are
// processors (at least one); the others wait their turn, first come first
// served. A search is CPU-bound (ranking, reading each hit's text,
// cutting snippets): all run at once, they shared both cores of the bench
// machine with each other and with the article reads, and each finished
// only when most were done — 8 concurrent searches over 1,000 articles had
// p99 ≈ 50 ms at 1,550/s; one at a time, p99 ≈ 20 ms at 800/s, and a
// core stays free for delivery.
var searchSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))

// searchInTurn runs one search when a slot is free, or gives up when the
// client has gone.
func (d *DeliveryAPI) searchInTurn(ctx context.Context, in search.Query) (*search.Result, error) {
	select {
	case searchSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-searchSlots }()
	return d.Search.Search(in)
}
