package handlers

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"gocloud.dev/blob"

	"github.com/vetted-cms/vetted/media"
	"github.com/vetted-cms/vetted/models"
)

// MediaLibrary is what the media routes need.
type MediaLibrary interface {
	Upload(ctx context.Context, actor *models.User, in media.Upload) (*models.Media, error)
	Update(ctx context.Context, actor *models.User, id string, in media.Patch) (*models.Media, error)
	Delete(ctx context.Context, actor *models.User, id string) error
	Get(id string) (*models.Media, bool)
	List(q media.ListQuery) ([]models.Media, int)
	Open(ctx context.Context, hash, file string) (*blob.Reader, error)
}

// MediaAPI serves the media library: /api/admin/media (by policy) and the
// renditions at /media/<hash>/<width>.<ext> (public, like the images of
// any web page).
type MediaAPI struct{ Lib MediaLibrary }

// Register adds the management routes to the authenticated admin group.
func (m *MediaAPI) Register(g *gin.RouterGroup) {
	g.GET("/media", m.list)
	g.POST("/media", m.upload)
	g.GET("/media/:id", m.get)
	g.PATCH("/media/:id", m.patch)
	g.DELETE("/media/:id", m.delete)
}

// RegisterFiles adds the public file route.
func (m *MediaAPI) RegisterFiles(r *gin.Engine) {
	r.GET("/media/:hash/:file", m.file)
	r.HEAD("/media/:hash/:file", m.file)
}

// maxUploadBody leaves room for the multipart framing and the text fields
// around a file of media.MaxBytes.
const maxUploadBody = media.MaxBytes + 64<<10

const maxTextPart = 8 << 10

func (m *MediaAPI) upload(c *gin.Context) {
	in, err := readUpload(c)
	if err != nil {
		writeError(c, err)
		return
	}
	rec, err := m.Lib.Upload(c.Request.Context(), user(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, media.ViewOf(rec))
}

// readUpload reads the multipart body part by part (no temporary files):
// exactly one file and the text fields, nothing else.
func readUpload(c *gin.Context) (media.Upload, error) {
	var in media.Upload
	ct, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return in, models.Errorf(models.ErrUnsupported, "send multipart/form-data with a file field")
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxUploadBody)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return in, models.Invalid("the multipart body cannot be read", nil)
	}
	seen := map[string]bool{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return in, bodyError(err)
		}
		name := p.FormName()
		if seen[name] {
			return in, models.Invalid("a field is repeated", map[string]string{name: "send it once"})
		}
		seen[name] = true
		switch name {
		case "file":
			in.Filename = p.FileName()
			in.Data, err = media.ReadLimited(p)
		case "alt", "caption", "credit":
			var b []byte
			b, err = io.ReadAll(io.LimitReader(p, maxTextPart+1))
			if err == nil && len(b) > maxTextPart {
				return in, models.Invalid("a field is too long", map[string]string{name: "too long"})
			}
			switch name {
			case "alt":
				in.Alt = string(b)
			case "caption":
				in.Caption = string(b)
			default:
				in.Credit = string(b)
			}
		default:
			return in, models.Invalid("unknown field", map[string]string{name: "unknown field (file, alt, caption, credit)"})
		}
		if err != nil {
			return in, bodyError(err)
		}
	}
	return in, nil
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	var me *models.Error
	switch {
	case errors.As(err, &mbe):
		return models.Errorf(models.ErrTooLarge, "the upload is over %d MB", media.MaxBytes>>20)
	case errors.As(err, &me):
		return err
	}
	return models.Invalid("the multipart body cannot be read", nil)
}

func (m *MediaAPI) list(c *gin.Context) {
	q := media.ListQuery{Q: c.Query("q"), Page: 1, Limit: 24}
	f := map[string]string{}
	intParam := func(name string, dst *int, lo, hi int) {
		v := c.Query(name)
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			f[name] = "a whole number from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi)
			return
		}
		*dst = n
	}
	intParam("page", &q.Page, 1, 100000)
	intParam("limit", &q.Limit, 1, 100)
	if len(q.Q) > 200 {
		f["q"] = "at most 200 characters"
	}
	for k := range c.Request.URL.Query() {
		if k != "q" && k != "page" && k != "limit" {
			f[k] = "unknown parameter (q, page, limit)"
		}
	}
	if len(f) > 0 {
		writeError(c, models.Invalid("the query is not valid", f))
		return
	}
	items, total := m.Lib.List(q)
	views := make([]media.View, len(items))
	for i := range items {
		views[i] = media.ViewOf(&items[i])
	}
	c.JSON(http.StatusOK, gin.H{"items": views, "page": q.Page, "limit": q.Limit, "total": total})
}

func (m *MediaAPI) get(c *gin.Context) {
	rec, ok := m.Lib.Get(c.Param("id"))
	if !ok {
		writeError(c, models.Errorf(models.ErrNotFound, "no image %q in the media library", c.Param("id")))
		return
	}
	c.JSON(http.StatusOK, media.ViewOf(rec))
}

func (m *MediaAPI) patch(c *gin.Context) {
	var in media.Patch
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	rec, err := m.Lib.Update(c.Request.Context(), user(c), c.Param("id"), in)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, media.ViewOf(rec))
}

func (m *MediaAPI) delete(c *gin.Context) {
	if err := m.Lib.Delete(c.Request.Context(), user(c), c.Param("id")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// file serves one rendition: immutable (its URL names its content), with
// an ETag, its own Content-Type (never sniffed) and a CSP that lets
// nothing in it run.
func (m *MediaAPI) file(c *gin.Context) {
	hash, file := c.Param("hash"), c.Param("file")
	ct, ok := media.ParseFile(hash, file)
	if !ok {
		writeError(c, models.Errorf(models.ErrNotFound, "no such media file"))
		return
	}
	r, err := m.Lib.Open(c.Request.Context(), hash, file)
	if err != nil {
		writeError(c, err)
		return
	}
	defer r.Close()
	h := c.Writer.Header()
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+hash+"-"+file+`"`)
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Del("X-Frame-Options")
	http.ServeContent(c.Writer, c.Request, "", time.Time{}, r)
}
