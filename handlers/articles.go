package handlers

import (
	"encoding/json"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/service"
)

// MaxLimit caps a page.
const MaxLimit = 100

// listParams is the management list query as sent: numbers stay text
// until the tags have checked them.
type listParams struct {
	Page   string `json:"page" validate:"omitempty,number,max=7"`
	Limit  string `json:"limit" validate:"omitempty,number,max=7"`
	Status string `json:"status" validate:"omitempty,state"`
	Topic  string `json:"topic" validate:"maxbytes=60"`
	Q      string `json:"q" validate:"maxbytes=200"`
	Author string `json:"author" validate:"maxbytes=100"`
	Sort   string `json:"sort" validate:"omitempty,oneof=updated waiting"`
}

// ParseListQuery reads page/limit/status/topic/q/author/sort, allow-listed
// (fuzzed). A limit over MaxLimit is capped, not refused.
func ParseListQuery(get func(string) string, me string) (models.ListQuery, error) {
	in := listParams{Page: get("page"), Limit: get("limit"), Status: get("status"), Topic: get("topic"), Q: get("q"), Author: get("author"), Sort: get("sort")}
	q := models.ListQuery{Page: 1, Limit: 20, Status: in.Status, Topic: in.Topic, Q: in.Q, AuthorID: in.Author}
	if in.Sort == models.SortWaiting {
		q.Sort = models.SortWaiting
	}
	f := models.Fields(&in)
	if _, bad := f["page"]; !bad && in.Page != "" {
		q.Page, _ = strconv.Atoi(in.Page)
	}
	if _, bad := f["limit"]; !bad && in.Limit != "" {
		n, _ := strconv.Atoi(in.Limit)
		q.Limit = min(n, MaxLimit)
	}
	if q.Page < 1 {
		f["page"] = "a whole number from 1"
	}
	if q.Limit < 1 {
		f["limit"] = "a whole number from 1 to 100"
	}
	if in.Author == "me" {
		q.AuthorID = me
	}
	if len(f) > 0 {
		return q, models.Invalid("the list query is not valid", f)
	}
	return q, nil
}

func (s *Server) listArticles(c *gin.Context) {
	q, err := ParseListQuery(c.Query, user(c).ID)
	if err != nil {
		writeError(c, err)
		return
	}
	items, total := s.Svc.Articles.List(q)
	type row struct {
		models.Summary
		AuthorName string `json:"authorName"`
	}
	rows := make([]row, len(items))
	names := map[string]string{}
	for i, it := range items {
		if _, ok := names[it.AuthorID]; !ok {
			if u, err := s.Svc.Users.Get(c.Request.Context(), it.AuthorID); err == nil {
				names[it.AuthorID] = u.Name
			}
		}
		rows[i] = row{it, names[it.AuthorID]}
	}
	c.JSON(http.StatusOK, gin.H{"items": rows, "page": q.Page, "limit": q.Limit, "total": total})
}

func (s *Server) createArticle(c *gin.Context) {
	var in models.Content
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	a, err := s.Svc.CreateArticle(c.Request.Context(), user(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("ETag", etag(a.Version))
	c.JSON(http.StatusCreated, s.Svc.View(c.Request.Context(), user(c), a))
}

func etag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

func (s *Server) article(c *gin.Context) (*models.Article, bool) {
	a, err := s.Svc.GetArticle(c.Request.Context(), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return nil, false
	}
	return a, true
}

func (s *Server) getArticle(c *gin.Context) {
	a, ok := s.article(c)
	if !ok {
		return
	}
	c.Header("ETag", etag(a.Version))
	c.JSON(http.StatusOK, s.Svc.View(c.Request.Context(), user(c), a))
}

// updateBody is the content plus, optionally, the version it was based on.
type updateBody struct {
	models.Content
	Version *int64 `json:"version"`
}

// updateArticle is PUT: the complete content replaces the working copy.
// A body that leaves out a content field is refused with the missing
// names, never read as "empty that field" (PATCH changes some fields).
func (s *Server) updateArticle(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		writeError(c, err)
		return
	}
	var in updateBody
	if err := DecodeStrict(body, &in); err != nil {
		writeError(c, err)
		return
	}
	if err := complete(body); err != nil {
		writeError(c, err)
		return
	}
	base, err := ifMatch(c)
	if err != nil {
		writeError(c, err)
		return
	}
	if base == 0 && in.Version != nil {
		base = *in.Version
	}
	s.saveContent(c, base, in.Content)
}

// patchArticle is PATCH with a JSON merge patch (RFC 7396): only the
// fields it names change; null removes (empties) one. It needs If-Match.
func (s *Server) patchArticle(c *gin.Context) {
	if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt != mergePatchType {
		writeError(c, models.Errorf(models.ErrUnsupportedMedia, "send a JSON merge patch with Content-Type: %s", mergePatchType))
		return
	}
	body, err := readBody(c)
	if err != nil {
		writeError(c, err)
		return
	}
	// The patch passes the same checks as any body ($-keys, repeated
	// keys, one object); the merged result is decoded strictly below.
	var patch map[string]any
	if err := DecodeStrict(body, &patch); err != nil {
		writeError(c, err)
		return
	}
	base, err := ifMatch(c)
	if err != nil {
		writeError(c, err)
		return
	}
	if base == 0 {
		writeError(c, models.Errorf(models.ErrPrecondition, `send the version you edited as If-Match: "<version>"`))
		return
	}
	a, ok := s.article(c)
	if !ok {
		return
	}
	if a.Version != base {
		// The service answers the conflict with the current article.
		s.saveContent(c, base, a.Content)
		return
	}
	cur := a.Content
	cur.Normalize()
	merged, err := MergePatch(cur, body)
	if err != nil {
		writeError(c, err)
		return
	}
	var next models.Content
	if err := DecodeStrict(merged, &next); err != nil {
		writeError(c, err)
		return
	}
	s.saveContent(c, base, next)
}

const mergePatchType = "application/merge-patch+json"

func (s *Server) saveContent(c *gin.Context, base int64, content models.Content) {
	a, err := s.Svc.UpdateArticle(c.Request.Context(), user(c), c.Param("id"), base, content)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("ETag", etag(a.Version))
	c.JSON(http.StatusOK, s.Svc.View(c.Request.Context(), user(c), a))
}

// ifMatch reads If-Match: "<version>" (0 when absent).
func ifMatch(c *gin.Context) (int64, error) {
	h := c.GetHeader("If-Match")
	if h == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(strings.TrimSpace(h), "W/"), `"`), 10, 64)
	if err != nil || v < 1 {
		return 0, models.Invalid(`If-Match must be "<version>"`, map[string]string{"If-Match": "not a version"})
	}
	return v, nil
}

// contentFields are Content's JSON names, from the type itself.
var contentFields = func() []string {
	t := reflect.TypeFor[models.Content]()
	out := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}()

// complete refuses a PUT body that leaves out any content field.
func complete(body []byte) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(body, &keys); err != nil {
		return models.Invalid("send a JSON object", nil)
	}
	f := map[string]string{}
	for _, name := range contentFields {
		if _, ok := keys[name]; !ok {
			f[name] = "required: PUT sends the complete content (send null or empty for none, or PATCH with " + mergePatchType + " to change some fields)"
		}
	}
	if len(f) > 0 {
		return models.Invalid("PUT replaces the complete content; these fields are missing", f)
	}
	return nil
}

func (s *Server) revisions(c *gin.Context) {
	a, ok := s.article(c)
	if !ok {
		return
	}
	type row struct {
		models.RevisionGroup
		EditedByName string `json:"editedByName"`
	}
	groups := a.RevisionGroups(c.Query("all") == "1")
	out := make([]row, 0, len(groups))
	names := map[string]string{}
	for _, g := range groups {
		r := row{RevisionGroup: g}
		name, ok := names[r.EditedBy]
		if !ok {
			if u, err := s.Svc.Users.Get(c.Request.Context(), r.EditedBy); err == nil {
				name = u.Name
			}
			names[r.EditedBy] = name
		}
		r.EditedByName = name
		out = append(out, r)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (s *Server) revision(c *gin.Context) {
	a, ok := s.article(c)
	if !ok {
		return
	}
	rev, err := s.Svc.ResolveRev(c.Request.Context(), a, c.Param("rev"))
	if err != nil {
		writeError(c, err)
		return
	}
	r, err := s.Svc.Revision(c.Request.Context(), a, rev)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (s *Server) diff(c *gin.Context) {
	a, ok := s.article(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	// Without from: "since changes were last requested" (else since the
	// last submission): see models.Article.DiffBase.
	from := a.DiffBase()
	if q := c.Query("from"); q != "" {
		var err error
		if from, err = s.Svc.ResolveRev(ctx, a, q); err != nil {
			writeError(c, err)
			return
		}
	}
	to, err := s.Svc.ResolveRev(ctx, a, c.DefaultQuery("to", "current"))
	if err != nil {
		writeError(c, err)
		return
	}
	ra, err := s.Svc.Revision(ctx, a, from)
	if err != nil {
		writeError(c, err)
		return
	}
	rb, err := s.Svc.Revision(ctx, a, to)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"from": from, "to": to, "changes": models.Diff(ra.Content, rb.Content)})
}

func (s *Server) events(c *gin.Context) {
	a, ok := s.article(c)
	if !ok {
		return
	}
	evs, err := s.Svc.Events(c.Request.Context(), a)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": evs})
}

func (s *Server) signatures(c *gin.Context) {
	a, ok := s.article(c)
	if !ok {
		return
	}
	sigs, err := s.Svc.Signatures(c.Request.Context(), a)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": sigs})
}

func (s *Server) transition(c *gin.Context) {
	var in service.TransitionRequest
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	if err := models.Check(&in); err != nil {
		writeError(c, err)
		return
	}
	a, err := s.Svc.Transition(c.Request.Context(), user(c), c.Param("id"), in)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("ETag", etag(a.Version))
	c.JSON(http.StatusOK, s.Svc.View(c.Request.Context(), user(c), a))
}

func (s *Server) reviewsDue(c *gin.Context) {
	by := s.Svc.Now()
	if v := c.Query("within"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			writeError(c, models.Invalid("within is a duration like 720h", map[string]string{"within": "not a duration"}))
			return
		}
		by = by.Add(d)
	}
	c.JSON(http.StatusOK, gin.H{"items": s.Svc.ReviewsDue(by)})
}

// auditParams is the audit list query.
type auditParams struct {
	ArticleID string `json:"articleId" validate:"maxbytes=100"`
	Actor     string `json:"actor" validate:"maxbytes=100"`
	Action    string `json:"action" validate:"maxbytes=60"`
	Since     string `json:"since" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00"`
	Until     string `json:"until" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00"`
	Limit     string `json:"limit" validate:"omitempty,number,max=7"`
}

func (s *Server) audit(c *gin.Context) {
	in := auditParams{ArticleID: c.Query("articleId"), Actor: c.Query("actor"), Action: c.Query("action"),
		Since: c.Query("since"), Until: c.Query("until"), Limit: c.Query("limit")}
	if err := models.Check(&in); err != nil {
		writeError(c, err)
		return
	}
	f := service.AuditFilter{ArticleID: in.ArticleID, Actor: in.Actor, Action: in.Action, Limit: 200}
	f.Since, _ = time.Parse(time.RFC3339, in.Since)
	f.Until, _ = time.Parse(time.RFC3339, in.Until)
	if n, _ := strconv.Atoi(in.Limit); n > 0 {
		f.Limit = min(n, 1000)
	}
	evs, err := s.Svc.Audit(c.Request.Context(), user(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": evs})
}

func (s *Server) auditVerify(c *gin.Context) {
	res, err := s.Svc.VerifyAudit(c.Request.Context(), user(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}
