package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/service"
	"github.com/vetted-cms/vetted/workflow"
)

// MaxLimit caps a page.
const MaxLimit = 100

// ParseListQuery reads page/limit/status/topic/q/author, allow-listed
// (fuzzed).
func ParseListQuery(get func(string) string, me string) (models.ListQuery, error) {
	q := models.ListQuery{Page: 1, Limit: 20, Status: get("status"), Topic: get("topic"), Q: get("q")}
	f := map[string]string{}
	if v := get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			f["page"] = "a whole number from 1"
		}
		q.Page = n
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			f["limit"] = "a whole number from 1 to 100"
		}
		q.Limit = min(n, MaxLimit)
	}
	if q.Status != "" && !workflow.State(q.Status).Valid() {
		f["status"] = "one of draft, in_review, approved, published, unpublished, archived"
	}
	if len(q.Q) > 200 {
		f["q"] = "at most 200 characters"
	}
	if len(q.Topic) > 60 {
		f["topic"] = "at most 60 characters"
	}
	switch a := get("author"); a {
	case "":
	case "me":
		q.AuthorID = me
	default:
		q.AuthorID = a
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

func (s *Server) updateArticle(c *gin.Context) {
	var in updateBody
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	var base int64
	if h := c.GetHeader("If-Match"); h != "" {
		v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(strings.TrimSpace(h), "W/"), `"`), 10, 64)
		if err != nil || v < 1 {
			writeError(c, models.Invalid(`If-Match must be "<version>"`, map[string]string{"If-Match": "not a version"}))
			return
		}
		base = v
	} else if in.Version != nil {
		base = *in.Version
	}
	a, err := s.Svc.UpdateArticle(c.Request.Context(), user(c), c.Param("id"), base, in.Content)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("ETag", etag(a.Version))
	c.JSON(http.StatusOK, s.Svc.View(c.Request.Context(), user(c), a))
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
	if !workflow.Action(in.Action).Valid() {
		writeError(c, models.Invalid("unknown action", map[string]string{"action": "one of submit, withdraw, request_changes, approve, publish, unpublish, recertify, archive"}))
		return
	}
	if len(in.Comment) > 5000 {
		writeError(c, models.Invalid("the comment is too long", map[string]string{"comment": "at most 5000 characters"}))
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

func (s *Server) audit(c *gin.Context) {
	f := service.AuditFilter{ArticleID: c.Query("articleId"), Actor: c.Query("actor"), Action: c.Query("action"), Limit: 200}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := c.Query(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(c, models.Invalid(p.name+" is an RFC 3339 time", map[string]string{p.name: "not a time"}))
				return
			}
			*p.t = t
		}
	}
	if v := c.Query("limit"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			f.Limit = min(n, 1000)
		}
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
