package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"

	"github.com/vetted-cms/vetted/media"
	"github.com/vetted-cms/vetted/models"
)

// The demo's pictures are drawn here and uploaded to the media library on
// the first start, so the demo shows its images offline and every one is
// served from /media/… like a user's upload (renditions, srcset, alt).

// scene draws a calm landscape: a sky gradient, a low sun and two hills.
func scene(w, h int, sky0, sky1, hill0, hill1 color.RGBA) image.Image {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	sunX, sunY, sunR := float64(w)*0.68, float64(h)*0.42, float64(h)*0.13
	for y := 0; y < h; y++ {
		t := float64(y) / float64(h)
		sky := mix(sky0, sky1, t)
		far := float64(h) * 0.64
		for x := 0; x < w; x++ {
			fx := float64(x)
			c := sky
			if d := math.Hypot(fx-sunX, float64(y)-sunY); d < sunR*2.2 {
				glow := math.Max(0, 1-d/(sunR*2.2))
				c = mix(c, color.RGBA{255, 236, 200, 255}, glow*glow)
				if d < sunR {
					c = color.RGBA{255, 244, 222, 255}
				}
			}
			if float64(y) > far+float64(h)*0.05*math.Sin(fx/float64(w)*math.Pi*2.2+0.4) {
				c = mix(hill0, sky1, 0.25)
			}
			if float64(y) > float64(h)*0.74+float64(h)*0.06*math.Sin(fx/float64(w)*math.Pi*1.3+2.1) {
				c = mix(hill0, hill1, (float64(y)/float64(h)-0.7)/0.3)
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

// portrait draws an abstract head-and-shoulders silhouette on a colour.
func portrait(size int, bg, fg color.RGBA) image.Image {
	m := image.NewRGBA(image.Rect(0, 0, size, size))
	s := float64(size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			fx, fy := float64(x), float64(y)
			c := mix(bg, color.RGBA{255, 255, 255, 255}, 0.25*fy/s)
			head := math.Hypot(fx-s/2, fy-s*0.4) < s*0.19
			shoulders := fy > s*0.66 && math.Hypot((fx-s/2)/1.5, fy-s*1.02) < s*0.38
			if head || shoulders {
				c = fg
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	t = math.Max(0, math.Min(1, t))
	l := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t) }
	return color.RGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), 255}
}

// demoImage is one picture of the demo with its descriptions.
type demoImage struct {
	name                 string
	draw                 func() image.Image
	alt, caption, credit string
}

var demoImages = []demoImage{
	{"calm-window.jpg", func() image.Image {
		return scene(1024, 576, color.RGBA{120, 160, 205, 255}, color.RGBA{244, 214, 190, 255}, color.RGBA{84, 120, 104, 255}, color.RGBA{46, 76, 66, 255})
	}, "A low sun over green hills at dusk, under a soft blue and peach sky",
		"Slow breathing with a longer exhale calms the body's alarm response.", "Illustration: Vetted demo library"},
	{"wren.jpg", func() image.Image { return portrait(160, color.RGBA{214, 170, 120, 255}, color.RGBA{70, 52, 40, 255}) },
		"Portrait of Wren Writer", "", ""},
	{"casey.jpg", func() image.Image { return portrait(160, color.RGBA{120, 170, 160, 255}, color.RGBA{30, 64, 60, 255}) },
		"Portrait of Casey Clinician", "", ""},
	{"morgan.jpg", func() image.Image { return portrait(160, color.RGBA{150, 150, 200, 255}, color.RGBA{44, 44, 90, 255}) },
		"Portrait of Morgan Reviewer", "", ""},
}

// uploadDemoImages draws and uploads the demo's pictures as actor,
// returning the library records by name.
func uploadDemoImages(ctx context.Context, lib *media.Library, actor *models.User) (map[string]*models.Media, error) {
	out := map[string]*models.Media{}
	for _, d := range demoImages {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, d.draw(), &jpeg.Options{Quality: 85}); err != nil {
			return nil, err
		}
		m, err := lib.Upload(ctx, actor, media.Upload{Data: buf.Bytes(), Filename: d.name, Alt: d.alt, Caption: d.caption, Credit: d.credit})
		if err != nil {
			return nil, fmt.Errorf("demo image %s: %s", d.name, describeErr(err))
		}
		out[d.name] = m
	}
	return out, nil
}

// smallest is the URL of a record's smallest rendition.
func smallest(m *models.Media) string {
	w := m.Width
	for _, x := range m.Widths {
		if x < w {
			w = x
		}
	}
	return media.URL(m.Hash, w, m.Ext)
}
