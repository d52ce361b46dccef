// Package media is Vetted's media library: images uploaded once,
// checked by content, stripped of their metadata, resized to fixed
// widths, stored through gocloud.dev/blob at content-addressed keys and
// described (alt, caption, credit) in the database.
//
// Image processing is pure Go (the standard decoders, golang.org/x/image
// for WebP and resampling): one static binary, no cgo, nothing to install
// beside it. See docs/media.md for the measured trade-off with libvips.
package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/vetted-cms/vetted/models"
)

// Limits checked before an image is decoded.
const (
	// MaxBytes is the largest file accepted.
	MaxBytes = 20 << 20
	// MaxPixels is the largest image accepted (40 megapixels), read from
	// the file's header so that a decompression bomb is refused before a
	// single pixel is allocated.
	MaxPixels = 40_000_000
)

// Widths are the rendition widths made at upload (never wider than the
// original, which is always kept at its own width too).
var Widths = []int{320, 640, 1024, 1600}

// Format is an accepted image format.
type Format string

// Accepted formats.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	WebP Format = "webp"
)

// Sniff names the format of data from its first bytes (magic numbers),
// never from a file name or a client's Content-Type. Anything else is an
// ErrUnsupported with the reason.
func Sniff(data []byte) (Format, error) {
	switch {
	case len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return JPEG, nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return WebP, nil
	}
	if looksLikeSVG(data) {
		return "", models.Errorf(models.ErrUnsupported, "SVG is not accepted: it can carry scripts; upload a JPEG, PNG or WebP")
	}
	kind := http.DetectContentType(data)
	if i := strings.IndexByte(kind, ';'); i >= 0 {
		kind = kind[:i]
	}
	return "", models.Errorf(models.ErrUnsupported, "the file is %s, not a JPEG, PNG or WebP image (recognised by its content, not its name)", kind)
}

func looksLikeSVG(data []byte) bool {
	head := data[:min(len(data), 4096)]
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	head = bytes.ToLower(bytes.TrimSpace(head))
	return bytes.HasPrefix(head, []byte("<")) && bytes.Contains(head, []byte("<svg"))
}

// Header is what an image's header says, read without decoding pixels.
type Header struct {
	Format        Format
	Width, Height int
}

// ReadHeader checks the format and the pixel limit from the header alone.
func ReadHeader(data []byte) (Header, error) {
	f, err := Sniff(data)
	if err != nil {
		return Header{}, err
	}
	var cfg image.Config
	switch f {
	case JPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case PNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case WebP:
		cfg, err = webp.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return Header{}, damaged(f, err)
	}
	h := Header{Format: f, Width: cfg.Width, Height: cfg.Height}
	if h.Width <= 0 || h.Height <= 0 {
		return Header{}, models.Invalid("the image has no pixels", map[string]string{"file": "the image has no pixels"})
	}
	if int64(h.Width)*int64(h.Height) > MaxPixels {
		msg := fmt.Sprintf("the image is %d×%d pixels; at most %d megapixels are accepted", h.Width, h.Height, MaxPixels/1_000_000)
		return Header{}, &models.Error{Err: models.ErrTooLarge, Message: msg, Fields: map[string]string{"file": msg}}
	}
	return h, nil
}

func damaged(f Format, err error) error {
	msg := fmt.Sprintf("the %s image is damaged or truncated (%v)", strings.ToUpper(string(f)), err)
	return models.Invalid(msg, map[string]string{"file": msg})
}

// Rendition is one encoded size of an image.
type Rendition struct {
	Width, Height int
	Data          []byte
}

// Processed is an upload after processing: the original size and the
// smaller renditions, all re-encoded from pixels (so no Exif, XMP, IPTC,
// comment or trailing data of the upload survives), oriented upright.
type Processed struct {
	Format        Format // of the renditions: JPEG or PNG
	ContentType   string
	Ext           string
	Width, Height int // upright
	Renditions    []Rendition
}

// Process decodes data (already checked by ReadHeader), applies its Exif
// orientation and encodes the renditions, widest first.
func Process(data []byte, h Header) (*Processed, error) {
	var (
		img image.Image
		err error
	)
	switch h.Format {
	case JPEG:
		img, err = jpeg.Decode(bytes.NewReader(data))
	case PNG:
		img, err = png.Decode(bytes.NewReader(data))
	case WebP:
		img, err = webp.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, damaged(h.Format, err)
	}
	if b := img.Bounds(); b.Dx() != h.Width || b.Dy() != h.Height {
		return nil, damaged(h.Format, errors.New("its header and its pixels disagree"))
	}
	img = Orient(img, Orientation(h.Format, data))

	out := &Processed{Format: JPEG, ContentType: "image/jpeg", Ext: "jpg"}
	// PNG stays PNG (drawings, screenshots, transparency); WebP becomes
	// PNG when it has transparency, else JPEG: the standard library and
	// x/image encode no WebP.
	if h.Format == PNG || (h.Format == WebP && !opaque(img)) {
		out.Format, out.ContentType, out.Ext = PNG, "image/png", "png"
	}
	b := img.Bounds()
	out.Width, out.Height = b.Dx(), b.Dy()

	// Resampling works on one RGBA copy: halved by 2×2 box averaging
	// while at least twice the target width (cheap, and no aliasing),
	// then bilinear for the last step of less than 2×. x/image/draw's
	// Catmull-Rom would allocate a float64 buffer of target width ×
	// source height (150 MB for 4000×3000 → 1600): measured 640 MB peak
	// RSS per 12-megapixel upload before this.
	cur := toRGBA(img)
	for _, w := range RenditionWidths(out.Width) {
		var m image.Image = img
		if w != out.Width {
			for cur.Bounds().Dx() >= 2*w {
				cur = halve(cur)
			}
			hgt := max(1, (out.Height*w+out.Width/2)/out.Width)
			dst := image.NewRGBA(image.Rect(0, 0, w, hgt))
			draw.ApproxBiLinear.Scale(dst, dst.Bounds(), cur, cur.Bounds(), draw.Src, nil)
			m = dst
		}
		enc, err := encode(out.Format, m)
		if err != nil {
			return nil, err
		}
		out.Renditions = append(out.Renditions, Rendition{Width: m.Bounds().Dx(), Height: m.Bounds().Dy(), Data: enc})
	}
	return out, nil
}

// RenditionWidths lists the widths made for an image w pixels wide,
// widest (the original) first; nothing is upscaled.
func RenditionWidths(w int) []int {
	out := []int{w}
	for i := len(Widths) - 1; i >= 0; i-- {
		if Widths[i] < w {
			out = append(out, Widths[i])
		}
	}
	return out
}

func toRGBA(m image.Image) *image.RGBA {
	if r, ok := m.(*image.RGBA); ok && r.Bounds().Min == (image.Point{}) {
		return r
	}
	b := m.Bounds()
	r := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(r, r.Bounds(), m, b.Min, draw.Src)
	return r
}

// halve returns src at half its size, each pixel the mean of a 2×2 block
// (premultiplied RGBA, so transparency averages correctly).
func halve(src *image.RGBA) *image.RGBA {
	w, h := src.Bounds().Dx()/2, src.Bounds().Dy()/2
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		r0 := src.Pix[2*y*src.Stride:]
		r1 := src.Pix[(2*y+1)*src.Stride:]
		d := dst.Pix[y*dst.Stride:]
		for x := 0; x < 4*w; x++ {
			i := 8*(x/4) + x%4
			d[x] = uint8((uint16(r0[i]) + uint16(r0[i+4]) + uint16(r1[i]) + uint16(r1[i+4]) + 2) / 4)
		}
	}
	return dst
}

func encode(f Format, m image.Image) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if f == PNG {
		err = (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, m)
	} else {
		err = jpeg.Encode(&buf, m, &jpeg.Options{Quality: 85})
	}
	return buf.Bytes(), err
}

func opaque(m image.Image) bool {
	if o, ok := m.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return true
}

// ReadLimited reads r up to MaxBytes; more is an ErrTooLarge.
func ReadLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxBytes {
		return nil, models.Errorf(models.ErrTooLarge, "the file is over %d MB", MaxBytes>>20)
	}
	return data, nil
}
