package media

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/vetted-cms/vetted/media/mediatest"
	"github.com/vetted-cms/vetted/models"
)

func TestHostileFilesRefused(t *testing.T) {
	good := mediatest.JPEG(mediatest.Picture(400, 300))
	cases := []struct {
		name string
		data []byte
		want error
		says string
	}{
		{"text named .jpg", []byte("just some text, saved as holiday.jpg\n"), models.ErrUnsupported, "text/plain"},
		{"SVG with a script", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>`), models.ErrUnsupported, "SVG"},
		{"SVG without prolog", []byte(` <svg onload="alert(1)"></svg>`), models.ErrUnsupported, "SVG"},
		{"HTML", []byte(`<!doctype html><html><script>alert(1)</script></html>`), models.ErrUnsupported, "text/html"},
		{"GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), models.ErrUnsupported, "image/gif"},
		{"truncated JPEG", good[:len(good)/2], models.ErrInvalid, "damaged or truncated"},
		{"JPEG header only", good[:4], models.ErrInvalid, "damaged"},
		{"PNG bomb 20000×20000", mediatest.PNGBomb(20000, 20000), models.ErrTooLarge, "megapixels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := ReadHeader(c.data)
			if err == nil {
				_, err = Process(c.data, h)
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("reason %q does not say %q", err.Error(), c.says)
			}
		})
	}
}

// TestBombRefusedWithoutAllocating: the 20000×20000 PNG would take 400 MB
// as pixels; the refusal reads only its header.
func TestBombRefusedWithoutAllocating(t *testing.T) {
	bomb := mediatest.PNGBomb(20000, 20000)
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb is %d bytes; it should be small", len(bomb))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := ReadHeader(bomb)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, models.ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("refusing the bomb allocated %d bytes", n)
	}
}

func TestExifLocationAndCameraStripped(t *testing.T) {
	src := mediatest.WithExif(mediatest.JPEG(mediatest.Picture(64, 32)), mediatest.ExifBlock(1))
	if !bytes.Contains(src, []byte(mediatest.SecretMake)) || !bytes.Contains(src, []byte("Exif")) {
		t.Fatal("fixture lacks its Exif block")
	}
	p := mustProcess(t, src)
	for _, r := range p.Renditions {
		for _, bad := range [][]byte{[]byte("Exif"), []byte(mediatest.SecretMake), []byte("MM\x00*")} {
			if bytes.Contains(r.Data, bad) {
				t.Errorf("rendition %d still contains %q", r.Width, bad)
			}
		}
	}
}

func TestOrientationApplied(t *testing.T) {
	// Orientation 6: the camera was turned; the picture is shown rotated
	// 90° clockwise, so the red top-left corner ends up top-right.
	p := mustProcess(t, mediatest.WithExif(mediatest.JPEG(mediatest.Picture(64, 32)), mediatest.ExifBlock(6)))
	if p.Width != 32 || p.Height != 64 {
		t.Fatalf("size %d×%d, want 32×64", p.Width, p.Height)
	}
	m, err := jpeg.Decode(bytes.NewReader(p.Renditions[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if !reddish(m.At(28, 4)) || reddish(m.At(4, 4)) {
		t.Errorf("corner colours wrong: top-right %v, top-left %v", m.At(28, 4), m.At(4, 4))
	}
	// Without orientation nothing turns.
	if p := mustProcess(t, mediatest.WithExif(mediatest.JPEG(mediatest.Picture(64, 32)), mediatest.ExifBlock(1))); p.Width != 64 {
		t.Errorf("orientation 1 turned the picture: %d×%d", p.Width, p.Height)
	}
}

func reddish(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r > 0xA000 && g < 0x6000 && b < 0x6000
}

func TestRenditionsNeverUpscaled(t *testing.T) {
	cases := []struct {
		w, h   int
		widths []int
	}{
		{1700, 850, []int{1700, 1600, 1024, 640, 320}},
		{1024, 768, []int{1024, 640, 320}},
		{500, 300, []int{500, 320}},
		{200, 100, []int{200}},
	}
	for _, c := range cases {
		p := mustProcess(t, mediatest.PNG(mediatest.Picture(c.w, c.h)))
		var got []int
		for _, r := range p.Renditions {
			got = append(got, r.Width)
			if want := max(1, (c.h*r.Width+c.w/2)/c.w); r.Height != want {
				t.Errorf("%d×%d → width %d: height %d, want %d", c.w, c.h, r.Width, r.Height, want)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(r.Data))
			if err != nil || format != "png" || cfg.Width != r.Width {
				t.Errorf("rendition %d: %v %s %d", r.Width, err, format, cfg.Width)
			}
		}
		if !slices.Equal(got, c.widths) {
			t.Errorf("%d×%d: widths %v, want %v", c.w, c.h, got, c.widths)
		}
		if p.ContentType != "image/png" || p.Ext != "png" {
			t.Errorf("PNG became %s", p.ContentType)
		}
	}
}

func TestWebPAccepted(t *testing.T) {
	opaque := mustProcess(t, mediatest.WebPSolid(700, 10, color.NRGBA{10, 200, 30, 255}))
	if opaque.ContentType != "image/jpeg" || opaque.Width != 700 || len(opaque.Renditions) != 3 {
		t.Errorf("opaque WebP: %s %d×%d, %d renditions", opaque.ContentType, opaque.Width, opaque.Height, len(opaque.Renditions))
	}
	clear := mustProcess(t, mediatest.WebPSolid(100, 10, color.NRGBA{10, 200, 30, 128}))
	if clear.ContentType != "image/png" {
		t.Errorf("transparent WebP became %s", clear.ContentType)
	}
}

func mustProcess(t *testing.T, data []byte) *Processed {
	t.Helper()
	h, err := ReadHeader(data)
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	p, err := Process(data, h)
	if err != nil {
		t.Fatalf("process: %v", err)
	}
	return p
}

func FuzzReadHeader(f *testing.F) {
	f.Add(mediatest.JPEG(mediatest.Picture(16, 8)))
	f.Add(mediatest.PNG(mediatest.Picture(16, 8)))
	f.Add(mediatest.WebPSolid(5, 5, color.NRGBA{1, 2, 3, 255}))
	f.Add(mediatest.WithExif(mediatest.JPEG(mediatest.Picture(16, 8)), mediatest.ExifBlock(6)))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ReadHeader(data)
		if err != nil {
			return
		}
		if h.Width*h.Height > 1<<14 {
			// Keep each input fast; sizes and limits are tested above.
			// Processing up to 1<<20 pixels held the fuzzer to 697 inputs
			// a second in make test's 3 s; up to 1<<14, 2,958.
			return
		}
		_, _ = Process(data, h)
	})
}
