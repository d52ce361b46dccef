package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"image/color"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/media"
	"github.com/vetted-cms/vetted/media/mediatest"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
)

// withMedia wires a media library over a file:// bucket in a temporary
// data directory, as cmd/vetted does; it returns the library and the
// directory holding the blobs.
func withMedia(t testing.TB, a *testApp) (*media.Library, string) {
	t.Helper()
	dataDir := t.TempDir()
	bucket, err := media.OpenBucket(context.Background(), "", dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bucket.Close() })
	lib := media.New(mongostore.NewMediaStore(a.DB), bucket, a.Articles.Log, a.Articles)
	if err := lib.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.Svc.Media = lib
	a.Server.Media = &MediaAPI{Lib: lib}
	a.Router = a.Server.Router()
	return lib, filepath.Join(dataDir, "media")
}

// multipartBody builds an upload; fields in order, file last.
func multipartBody(fields [][2]string, filename string, file []byte) (string, *bytes.Buffer) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		_ = w.WriteField(f[0], f[1])
	}
	if file != nil {
		fw, _ := w.CreateFormFile("file", filename)
		_, _ = fw.Write(file)
	}
	_ = w.Close()
	return w.FormDataContentType(), &b
}

func (a *testApp) upload(as string, fields [][2]string, filename string, file []byte) *httptest.ResponseRecorder {
	a.t.Helper()
	ct, body := multipartBody(fields, filename, file)
	req := httptest.NewRequest(http.MethodPost, "/api/admin/media", body)
	req.Header.Set("Content-Type", ct)
	if as != asNone {
		req.Header.Set("Authorization", "Bearer "+a.Tokens[as])
	}
	res := httptest.NewRecorder()
	a.Router.ServeHTTP(res, req)
	return res
}

func (a *testApp) mustUpload(as, alt string, file []byte) media.View {
	a.t.Helper()
	res := a.upload(as, [][2]string{{"alt", alt}, {"caption", "A caption."}, {"credit", "Photo: the Vetted team"}}, "photo.jpg", file)
	if res.Code != http.StatusCreated {
		a.t.Fatalf("upload: %d %s", res.Code, clip(res.Body.String()))
	}
	var v media.View
	mustJSON(a.t, res.Body.Bytes(), &v)
	return v
}

func TestMediaUploadAndServe(t *testing.T) {
	a := newTestApp(t)
	_, dir := withMedia(t, a)
	photo := mediatest.WithExif(mediatest.JPEG(mediatest.Picture(1200, 800)), mediatest.ExifBlock(1))
	v := a.mustUpload(asWriter, "A person walking on a beach at dawn", photo)

	if v.ID == "" || v.Width != 1200 || v.Height != 800 || v.ContentType != "image/jpeg" || v.Alt != "A person walking on a beach at dawn" ||
		v.Caption != "A caption." || v.Credit != "Photo: the Vetted team" || v.Bytes <= 0 || !strings.HasPrefix(v.URL, "/media/") || !strings.HasSuffix(v.URL, "/1200.jpg") {
		t.Fatalf("upload answer: %+v", v)
	}
	var widths []int
	for _, x := range v.Variants {
		widths = append(widths, x.Width)
	}
	if fmt.Sprint(widths) != "[320 640 1024 1200]" {
		t.Errorf("variants %v, want 320 640 1024 1200 (never upscaled)", widths)
	}

	for _, x := range v.Variants {
		res := a.do(http.MethodGet, x.URL, "", nil, asNone)
		if res.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", x.URL, res.Code, res.Body)
		}
		h := res.Header()
		for k, want := range map[string]string{"Content-Type": "image/jpeg", "Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"} {
			if h.Get(k) != want {
				t.Errorf("%s %s = %q, want %q", x.URL, k, h.Get(k), want)
			}
		}
		if h.Get("ETag") == "" {
			t.Errorf("%s: no ETag", x.URL)
		}
		body := res.Body.Bytes()
		if bytes.Contains(body, []byte(mediatest.SecretMake)) || bytes.Contains(body, []byte("Exif")) {
			t.Errorf("%s still carries the camera's Exif", x.URL)
		}
		again := a.do(http.MethodGet, x.URL, "", map[string]string{"If-None-Match": h.Get("ETag")}, asNone)
		if again.Code != http.StatusNotModified {
			t.Errorf("If-None-Match: %d, want 304", again.Code)
		}
	}
	// The list and search find it; the index answers without the database.
	for q, n := range map[string]int{"": 1, "beach": 1, "BEACH": 1, "vetted team": 1, "mountain": 0} {
		res := a.do(http.MethodGet, "/api/admin/media?q="+strings.ReplaceAll(q, " ", "+"), "", nil, asClinician)
		var out struct {
			Items []media.View
			Total int
		}
		mustJSON(t, res.Body.Bytes(), &out)
		if res.Code != 200 || out.Total != n || len(out.Items) != n {
			t.Errorf("search %q: %d, total %d, want %d", q, res.Code, out.Total, n)
		}
	}

	// A missing blob is a 404, never a 500.
	if err := os.Remove(filepath.Join(dir, strings.TrimPrefix(v.Variants[0].URL, "/media/"))); err != nil {
		t.Fatal(err)
	}
	runScenarios(t, a, []scenario{
		{Name: "missing blob", Method: http.MethodGet, URL: v.Variants[0].URL, ExpectedStatus: http.StatusNotFound},
		{Name: "unknown hash", Method: http.MethodGet, URL: "/media/" + strings.Repeat("0", 64) + "/320.jpg", ExpectedStatus: http.StatusNotFound},
		{Name: "not a hash", Method: http.MethodGet, URL: "/media/..%2f..%2fetc/320.jpg", ExpectedStatus: http.StatusNotFound},
		{Name: "not a rendition name", Method: http.MethodGet, URL: strings.Replace(v.URL, "1200.jpg", "1200.svg", 1), ExpectedStatus: http.StatusNotFound},
	})
}

func TestMediaUploadRefusals(t *testing.T) {
	a := newTestApp(t)
	withMedia(t, a)
	good := mediatest.JPEG(mediatest.Picture(300, 200))
	alt := [][2]string{{"alt", "A chart"}}
	cases := []struct {
		name     string
		fields   [][2]string
		filename string
		file     []byte
		status   int
		says     string
	}{
		{"text named .jpg", alt, "holiday.jpg", []byte("this is not a picture at all\n"), http.StatusUnsupportedMediaType, "text/plain"},
		{"SVG with a script", alt, "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), http.StatusUnsupportedMediaType, "SVG"},
		{"PNG bomb 20000×20000", alt, "bomb.png", mediatest.PNGBomb(20000, 20000), http.StatusRequestEntityTooLarge, "megapixels"},
		{"truncated JPEG", alt, "cut.jpg", good[:len(good)/2], http.StatusBadRequest, "truncated"},
		{"no alt", nil, "a.jpg", good, http.StatusBadRequest, "alt"},
		{"blank alt", [][2]string{{"alt", "   "}}, "a.jpg", good, http.StatusBadRequest, "alt"},
		{"alt over 300", [][2]string{{"alt", strings.Repeat("a", 301)}}, "a.jpg", good, http.StatusBadRequest, "alt"},
		{"no file", alt, "", nil, http.StatusBadRequest, "file"},
		{"unknown field", [][2]string{{"alt", "x"}, {"owner", "me"}}, "a.jpg", good, http.StatusBadRequest, "owner"},
		{"repeated alt", [][2]string{{"alt", "x"}, {"alt", "y"}}, "a.jpg", good, http.StatusBadRequest, "alt"},
		{"over 20 MB", alt, "big.jpg", append(append([]byte{}, good...), make([]byte, 20<<20)...), http.StatusRequestEntityTooLarge, "MB"},
	}
	before := a.tail()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := a.upload(asWriter, c.fields, c.filename, c.file)
			if res.Code != c.status {
				t.Fatalf("status %d, want %d: %s", res.Code, c.status, clip(res.Body.String()))
			}
			e := checkErrorShape(t, res)
			if !strings.Contains(res.Body.String(), c.says) {
				t.Errorf("answer does not say %q: %+v", c.says, e)
			}
		})
	}
	// The body as a whole is limited, not only the file: 21 MB of
	// preamble before a small, valid upload is refused.
	ct, body := multipartBody(alt, "a.jpg", good)
	padded := io.MultiReader(strings.NewReader(strings.Repeat(strings.Repeat("x", 1022)+"\r\n", 21<<10)), body)
	req := httptest.NewRequest(http.MethodPost, "/api/admin/media", padded)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+a.Tokens[asWriter])
	rec := httptest.NewRecorder()
	a.Router.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("21 MB preamble: %d, want 413", rec.Code)
	}
	res := a.do(http.MethodPost, "/api/admin/media", `{"alt":"x"}`, nil, asWriter)
	if res.Code != http.StatusUnsupportedMediaType {
		t.Errorf("JSON body: %d, want 415", res.Code)
	}
	if a.tail() != before {
		t.Errorf("a refused upload wrote %d events", a.tail()-before)
	}
	if res := a.do(http.MethodGet, "/api/admin/media", "", nil, asWriter); !strings.Contains(res.Body.String(), `"total":0`) {
		t.Errorf("a refused upload was kept: %s", res.Body)
	}
}

func TestMediaAuthz(t *testing.T) {
	a := newTestApp(t)
	withMedia(t, a)
	v := a.mustUpload(asEditor, "A stethoscope on a desk", mediatest.JPEG(mediatest.Picture(100, 100)))
	png := mediatest.PNG(mediatest.Picture(50, 50))
	for _, c := range []struct {
		as     string
		status int
	}{{asNone, 401}, {asClinician, 403}, {asAdmin, 403}, {asWriter, 201}} {
		if res := a.upload(c.as, [][2]string{{"alt", "x"}}, "a.png", png); res.Code != c.status {
			t.Errorf("upload as %q: %d, want %d", c.as, res.Code, c.status)
		}
	}
	runScenarios(t, a, []scenario{
		{Name: "list signed out", Method: "GET", URL: "/api/admin/media", ExpectedStatus: 401},
		{Name: "clinician reads", Method: "GET", URL: "/api/admin/media", As: asClinician, ExpectedStatus: 200},
		{Name: "clinician may not edit", Method: "PATCH", URL: "/api/admin/media/" + v.ID, Body: `{"alt":"x"}`, As: asClinician, ExpectedStatus: 403},
		{Name: "writer may not delete", Method: "DELETE", URL: "/api/admin/media/" + v.ID, As: asWriter, ExpectedStatus: 403},
		{Name: "clinician may not delete", Method: "DELETE", URL: "/api/admin/media/" + v.ID, As: asClinician, ExpectedStatus: 403},
		{Name: "files are public", Method: "GET", URL: v.URL, ExpectedStatus: 200},
	})
}

func TestMediaEditAudited(t *testing.T) {
	a := newTestApp(t)
	withMedia(t, a)
	v := a.mustUpload(asWriter, "A bowl of oats", mediatest.JPEG(mediatest.Picture(100, 100)))
	runScenarios(t, a, []scenario{
		{Name: "alt required", Method: "PATCH", URL: "/api/admin/media/" + v.ID, Body: `{"alt":""}`, As: asWriter, ExpectedStatus: 400, ExpectedContent: []string{`"alt"`}},
		{Name: "unknown field", Method: "PATCH", URL: "/api/admin/media/" + v.ID, Body: `{"width":10}`, As: asWriter, ExpectedStatus: 400},
		{Name: "credit too long", Method: "PATCH", URL: "/api/admin/media/" + v.ID, Body: `{"credit":"` + strings.Repeat("c", 301) + `"}`, As: asWriter, ExpectedStatus: 400, ExpectedContent: []string{`"credit"`}},
		{Name: "unknown id", Method: "PATCH", URL: "/api/admin/media/m_nope", Body: `{"alt":"x"}`, As: asWriter, ExpectedStatus: 404},
		{Name: "edit", Method: "PATCH", URL: "/api/admin/media/" + v.ID, Body: `{"alt":"A bowl of porridge with berries","caption":"Breakfast"}`, As: asEditor, ExpectedStatus: 200,
			ExpectedContent: []string{`"alt":"A bowl of porridge with berries"`, `"caption":"Breakfast"`, `"credit":"Photo: the Vetted team"`}},
	})
	evs, err := a.Articles.Log.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		if ev.Subject == v.ID {
			actions = append(actions, ev.Action)
			if ev.Action == models.ActionMediaUpdate && (ev.Actor != a.Users[asEditor].ID || ev.Data.Changes["alt"] != "A bowl of porridge with berries") {
				t.Errorf("update event: %+v", ev)
			}
		}
	}
	if fmt.Sprint(actions) != "[media.create media.update]" {
		t.Errorf("audit events %v", actions)
	}
	if res := a.do(http.MethodGet, "/api/admin/audit/verify", "", nil, asAdmin); !strings.Contains(res.Body.String(), `"ok":true`) {
		t.Errorf("audit chain: %s", res.Body)
	}
}

// TestMediaInArticles: a hero image by mediaId takes the library's URL and
// texts (the article's own alt wins), the alt is part of the content
// hash, unknown images are refused, and an image in use cannot be deleted.
func TestMediaInArticles(t *testing.T) {
	a := newTestApp(t)
	_, dir := withMedia(t, a)
	v := a.mustUpload(asWriter, "A nurse taking a blood pressure reading", mediatest.JPEG(mediatest.Picture(800, 600)))
	other := a.mustUpload(asWriter, "An empty waiting room", mediatest.PNG(mediatest.Picture(400, 300)))

	b := anArticle()
	b.c.HeroImage = &models.Image{MediaID: v.ID}
	b.c.Sections = []models.Section{{Heading: "Seen", Body: "![An empty waiting room](" + other.Variants[0].URL + ")"}}
	art := a.createArticle(asWriter, b)
	res := a.do(http.MethodGet, "/api/admin/articles/"+art.ID, "", nil, asWriter)
	var got struct {
		HeroImage models.Image `json:"heroImage"`
	}
	mustJSON(t, res.Body.Bytes(), &got)
	if got.HeroImage.URL != v.URL || got.HeroImage.Alt != v.Alt || got.HeroImage.Caption != v.Caption || got.HeroImage.Credit != v.Credit {
		t.Fatalf("hero image not filled from the library: %+v", got.HeroImage)
	}

	// The article's own alt wins, and changes what the clinician signs.
	b.c.HeroImage = &models.Image{MediaID: v.ID, Alt: "A reading of 120 over 80 on a cuff monitor"}
	res = a.updateArticle(asWriter, art.ID, art.Version, b)
	if res.Code != http.StatusOK {
		t.Fatalf("update: %d %s", res.Code, res.Body)
	}
	var upd articleResp
	mustJSON(t, res.Body.Bytes(), &upd)
	mustJSON(t, res.Body.Bytes(), &got)
	if got.HeroImage.Alt != "A reading of 120 over 80 on a cuff monitor" || upd.ContentHash == art.ContentHash {
		t.Errorf("per-article alt: %+v, hash %s → %s", got.HeroImage, art.ContentHash, upd.ContentHash)
	}

	bad := anArticle()
	bad.c.HeroImage = &models.Image{MediaID: "m_missing"}
	runScenarios(t, a, []scenario{
		{Name: "unknown mediaId", Method: "POST", URL: "/api/admin/articles", Body: bad.json(), As: asWriter, ExpectedStatus: 400, ExpectedContent: []string{`"heroImage.mediaId"`}},
		{Name: "inline image not in the library", Method: "POST", URL: "/api/admin/articles", As: asWriter, ExpectedStatus: 400,
			Body:            anArticle().sections(models.Section{Heading: "x", Body: "![a](/media/" + strings.Repeat("ab", 32) + "/320.jpg)"}).json(),
			ExpectedContent: []string{`"sections[0].body"`}},
		{Name: "hero in use", Method: "DELETE", URL: "/api/admin/media/" + v.ID, As: asEditor, ExpectedStatus: 409, ExpectedContent: []string{art.ID, b.c.Title}},
		{Name: "inline in use", Method: "DELETE", URL: "/api/admin/media/" + other.ID, As: asEditor, ExpectedStatus: 409, ExpectedContent: []string{art.ID}},
	})

	// Once no article shows it, it can go, blobs and all.
	b.c.HeroImage = nil
	b.c.Sections = []models.Section{{Heading: "Seen", Body: "No picture."}}
	if res := a.updateArticle(asWriter, art.ID, upd.Version, b); res.Code != http.StatusOK {
		t.Fatalf("update: %d %s", res.Code, res.Body)
	}
	if res := a.do(http.MethodDelete, "/api/admin/media/"+v.ID, "", nil, asAdmin); res.Code != http.StatusNoContent {
		t.Fatalf("delete unused: %d %s", res.Code, res.Body)
	}
	if _, err := os.Stat(filepath.Join(dir, strings.Split(strings.TrimPrefix(v.URL, "/media/"), "/")[0])); err == nil {
		if entries, _ := os.ReadDir(filepath.Join(dir, strings.Split(strings.TrimPrefix(v.URL, "/media/"), "/")[0])); len(entries) > 0 {
			t.Errorf("blobs left after delete: %d", len(entries))
		}
	}
	if res := a.do(http.MethodGet, v.URL, "", nil, asNone); res.Code != http.StatusNotFound {
		t.Errorf("deleted image still served: %d", res.Code)
	}
	if res := a.do(http.MethodGet, "/api/admin/media/"+v.ID, "", nil, asWriter); res.Code != http.StatusNotFound {
		t.Errorf("deleted image still listed: %d", res.Code)
	}
}

// TestMediaUploadKeepsWebP: a WebP is recognised by content and served as
// a JPEG (no WebP encoder in pure Go).
func TestMediaUploadKeepsWebP(t *testing.T) {
	a := newTestApp(t)
	withMedia(t, a)
	v := a.mustUpload(asWriter, "A green square", mediatest.WebPSolid(400, 400, color.NRGBA{0, 160, 60, 255}))
	if v.ContentType != "image/jpeg" || !strings.HasSuffix(v.URL, "/400.jpg") {
		t.Errorf("WebP upload: %+v", v)
	}
	res := a.do(http.MethodGet, v.URL, "", nil, asNone)
	if res.Code != 200 || res.Header().Get("Content-Type") != "image/jpeg" {
		t.Errorf("served %d %s", res.Code, res.Header().Get("Content-Type"))
	}
	body, _ := io.ReadAll(res.Body)
	if len(body) < 3 || body[0] != 0xFF || body[1] != 0xD8 {
		t.Errorf("not a JPEG")
	}
}

// newMediaDeliveryApp is newDeliveryApp with the media library wired
// first, as cmd/vetted does (delivery reads image sizes from it).
func newMediaDeliveryApp(t *testing.T) (*dlApp, *media.Library) {
	t.Helper()
	return newMediaDeliveryAppWith(t, delivery.Config{})
}

// newMediaDeliveryAppWith is newMediaDeliveryApp with a delivery
// configuration (e.g. PublicURL).
func newMediaDeliveryAppWith(t *testing.T, cfg delivery.Config) (*dlApp, *media.Library) {
	t.Helper()
	a := newTestApp(t)
	lib, _ := withMedia(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	store := mongostore.NewDeliveryStore(a.DB)
	sys, err := delivery.Setup(ctx, delivery.Deps{Articles: a.Articles, Users: a.Svc.Users, Store: store, Audit: a.Articles.Log, Tokens: a.Svc, Media: lib}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.Articles.OnApply = sys.Model.OnApply
	a.Articles.OnOther = func(ev *models.Event) { sys.OnOther(ev); lib.OnEvent(ev) }
	a.Svc.Publish = sys.Model
	sys.Start(ctx)
	api := &DeliveryAPI{Model: sys.Model, Tokens: sys.Tokens, Public: true, MaxAge: time.Minute}
	a.Server.Delivery = func(r *gin.Engine) { api.Register(r); RegisterOpenAPI(r) }
	a.Router = a.Server.Router()
	return &dlApp{testApp: a, Sys: sys, Store: store, API: api, ctx: ctx}, lib
}

// TestMediaDelivered: an article with a library hero image and an inline
// library image is delivered with the image's size, srcset and alt, and
// JSON-LD names an ImageObject with its size; every media answer matches

// deliveredPicture is what the picture tests read of a delivered article.
type deliveredPicture struct {
	HeroImage delivery.HeroImage `json:"heroImage"`
	Sections  []delivery.Section `json:"sections"`
	JSONLD    struct {
		Image delivery.LDImage `json:"image"`
	} `json:"jsonLd"`
}

// deliveredPictures reads a published article through the delivery API,
// checked against the OpenAPI document.
func (d *dlApp) deliveredPictures(t *testing.T, doc *openapi3.T, slug string) deliveredPicture {
	t.Helper()
	res := d.do(http.MethodGet, "/api/v1/articles/"+slug, "", nil, asNone)
	if res.Code != 200 {
		t.Fatalf("delivery: %d %s", res.Code, res.Body)
	}
	validateResponse(t, doc, "GET", "/api/v1/articles/{slug}", "/api/v1/articles/"+slug, res)
	var got deliveredPicture
	mustJSON(t, decodedBody(t, res), &got)
	return got
}

// srcsetOf is the srcset the variants make, their URLs after prefix.
func srcsetOf(prefix string, vs []media.Variant) string {
	parts := make([]string, len(vs))
	for i, x := range vs {
		parts[i] = fmt.Sprintf("%s%s %dw", prefix, x.URL, x.Width)
	}
	return strings.Join(parts, ", ")
}

// openapi.json.
func TestMediaDelivered(t *testing.T) {
	doc := loadOpenAPI(t)
	d, _ := newMediaDeliveryApp(t)
	v := d.mustUpload(asWriter, "Two hands holding a mug of tea", mediatest.JPEG(mediatest.Picture(1800, 1200)))
	inline := d.mustUpload(asWriter, "A sleep diary", mediatest.PNG(mediatest.Picture(500, 400)))
	b := anArticle().slug("with-pictures")
	b.c.HeroImage = &models.Image{MediaID: v.ID, Alt: "Hands around a warm mug"}
	b.c.Sections = []models.Section{{Heading: "Keep a diary", Body: "![A sleep diary](" + inline.Variants[1].URL + ")\n\nWrite it down."}}
	d.publish(b)

	got := d.deliveredPictures(t, doc, "with-pictures")
	h := got.HeroImage
	wantSrcset := srcsetOf("", v.Variants)
	if h.URL != v.URL || h.Alt != "Hands around a warm mug" || h.Caption != v.Caption || h.Credit != v.Credit ||
		h.Width != 1800 || h.Height != 1200 || h.Srcset != wantSrcset {
		t.Errorf("hero image %+v\nwant srcset %s", h, wantSrcset)
	}
	if ld := got.JSONLD.Image; ld.Type != "ImageObject" || ld.URL != v.URL || ld.Width != 1800 || ld.Height != 1200 {
		t.Errorf("JSON-LD image %+v", ld)
	}
	if html := got.Sections[0].HTML; !strings.Contains(html, `src="`+inline.Variants[1].URL+`"`) || !strings.Contains(html, `alt="A sleep diary"`) {
		t.Errorf("inline image not delivered: %s", html)
	}
	if res := d.do(http.MethodGet, h.URL, "", nil, asNone); res.Code != 200 {
		t.Errorf("hero image file: %d", res.Code)
	}

	cases := []struct {
		method, tmpl, url, body, as string
		status                      int
	}{
		{"GET", "/api/admin/media", "/api/admin/media?q=tea&limit=5", "", asWriter, 200},
		{"GET", "/api/admin/media", "/api/admin/media?limit=0", "", asWriter, 400},
		{"GET", "/api/admin/media/{id}", "/api/admin/media/" + v.ID, "", asWriter, 200},
		{"GET", "/api/admin/media/{id}", "/api/admin/media/m_none", "", asWriter, 404},
		{"PATCH", "/api/admin/media/{id}", "/api/admin/media/" + v.ID, `{"credit":"Photo: V. Team"}`, asEditor, 200},
		{"DELETE", "/api/admin/media/{id}", "/api/admin/media/" + v.ID, "", asEditor, 409},
		{"POST", "/api/admin/media", "/api/admin/media", `{}`, asWriter, 415},
		{"GET", "/media/{hash}/{file}", v.URL, "", asNone, 200},
		{"GET", "/media/{hash}/{file}", strings.Replace(v.URL, "1800.jpg", "999.jpg", 1), "", asNone, 404},
	}
	for _, c := range cases {
		res := d.do(c.method, c.url, c.body, nil, c.as)
		if res.Code != c.status {
			t.Errorf("%s %s: %d, want %d: %s", c.method, c.url, res.Code, c.status, clip(res.Body.String()))
			continue
		}
		validateResponse(t, doc, c.method, c.tmpl, c.url, res)
	}
	up := d.upload(asWriter, [][2]string{{"alt", "x"}}, "x.png", mediatest.PNG(mediatest.Picture(40, 30)))
	validateResponse(t, doc, "POST", "/api/admin/media", "/api/admin/media", up)
	bomb := d.upload(asWriter, [][2]string{{"alt", "x"}}, "x.png", mediatest.PNGBomb(20000, 20000))
	validateResponse(t, doc, "POST", "/api/admin/media", "/api/admin/media", bomb)
	for _, r := range d.Router.Routes() {
		if strings.Contains(r.Path, "media") && r.Method != http.MethodHead {
			tmpl := strings.NewReplacer(":id", "{id}", ":hash", "{hash}", ":file", "{file}").Replace(r.Path)
			if item := doc.Paths.Value(tmpl); item == nil || item.GetOperation(r.Method) == nil {
				t.Errorf("route %s %s is not in openapi.json", r.Method, tmpl)
			}
		}
	}
}

// TestMediaDeliveredAbsolute: with a public URL (VETTED_PUBLIC_URL)
// every delivered library image URL is absolute — hero url, srcset,
// JSON-LD image, inline images in the html, list summaries and search
// hits — while the Markdown (the signed content) keeps its relative URL
// and the files are still served at /media/….
func TestMediaDeliveredAbsolute(t *testing.T) {
	const pub = "https://cms.example.org"
	doc := loadOpenAPI(t)
	d, lib := newMediaDeliveryAppWith(t, delivery.Config{PublicURL: pub})
	v := d.mustUpload(asWriter, "Two hands holding a mug of tea", mediatest.JPEG(mediatest.Picture(1100, 700)))
	inline := d.mustUpload(asWriter, "A sleep diary", mediatest.PNG(mediatest.Picture(500, 400)))
	b := anArticle().slug("absolute-pictures").title("Absolute pictures")
	b.c.HeroImage = &models.Image{MediaID: v.ID}
	body := "![A sleep diary](" + inline.Variants[0].URL + ")\n\nWrite it down."
	b.c.Sections = []models.Section{{Heading: "Keep a diary", Body: body}}
	d.publish(b)

	got := d.deliveredPictures(t, doc, "absolute-pictures")
	h := got.HeroImage
	wantSrcset := srcsetOf(pub, v.Variants)
	if h.URL != pub+v.URL || h.Srcset != wantSrcset || h.Width != 1100 || h.Height != 700 || h.Alt != "Two hands holding a mug of tea" {
		t.Errorf("hero image %+v\nwant url %s, srcset %s", h, pub+v.URL, wantSrcset)
	}
	if ld := got.JSONLD.Image; ld.URL != pub+v.URL || ld.Width != 1100 {
		t.Errorf("JSON-LD image %+v, want url %s", ld, pub+v.URL)
	}
	sec := got.Sections[0]
	if !strings.Contains(sec.HTML, `src="`+pub+inline.Variants[0].URL+`"`) || strings.Contains(sec.HTML, `src="/media/`) {
		t.Errorf("inline image not absolute: %s", sec.HTML)
	}
	if sec.Body != body {
		t.Errorf("the Markdown changed: %q, want %q (what was signed)", sec.Body, body)
	}
	list := d.do(http.MethodGet, "/api/v1/articles", "", nil, asNone)
	if !strings.Contains(string(decodedBody(t, list)), `"url":"`+pub+v.URL+`"`) {
		t.Errorf("list summary hero not absolute: %s", clip(string(decodedBody(t, list))))
	}
	admin := d.do(http.MethodGet, "/api/admin/media/"+v.ID, "", nil, asWriter)
	if !strings.Contains(admin.Body.String(), `"url":"`+v.URL+`"`) {
		t.Errorf("the management API should keep site-relative URLs: %s", clip(admin.Body.String()))
	}
	if f := d.do(http.MethodGet, v.URL, "", nil, asNone); f.Code != 200 {
		t.Errorf("file at %s: %d", v.URL, f.Code)
	}
	// An instance started with another public URL (or none) does not
	// reuse the stored snapshot built under this one.
	waitFor(t, 2*time.Second, func() bool {
		pd, err := d.Store.Published(context.Background(), "absolute-pictures")
		if err != nil || len(pd.Gzip) == 0 {
			return false
		}
		zr, err := gzip.NewReader(bytes.NewReader(pd.Gzip))
		if err != nil {
			return false
		}
		stored, err := io.ReadAll(zr)
		return err == nil && strings.Contains(string(stored), pub+"/media/")
	})
	for _, other := range []string{"https://other.example.net", ""} {
		m := delivery.New(d.Articles, d.Svc.Users, d.Store, delivery.Options{Media: lib, PublicURL: other})
		if err := m.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		e, _, kind := m.Lookup(context.Background(), "absolute-pictures")
		if kind != delivery.Found || !strings.Contains(string(e.JSON), `"url":"`+other+v.URL+`"`) {
			t.Errorf("restarted with public URL %q: %d %s", other, kind, clip(string(e.JSON)))
		}
	}
}

func decodedBody(t *testing.T, res *httptest.ResponseRecorder) []byte {
	t.Helper()
	if res.Header().Get("Content-Encoding") == "gzip" {
		return []byte(decoded(t, res))
	}
	return res.Body.Bytes()
}
