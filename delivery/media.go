package delivery

import (
	"github.com/vetted-cms/vetted/media"
	"github.com/vetted-cms/vetted/models"
)

// HeroImage is an article's hero image as sites receive it; width,
// height and srcset come from the media library when the image is one
// of its own.
type HeroImage struct {
	URL     string `json:"url"`
	Alt     string `json:"alt"`
	Caption string `json:"caption"`
	Credit  string `json:"credit"`
	Width   int    `json:"width,omitempty"`
	Height  int    `json:"height,omitempty"`
	Srcset  string `json:"srcset,omitempty"`
	// MediaID names the library image (resolved when the snapshot is
	// built; not delivered).
	MediaID string `json:"-"`
}

// MediaLookup finds images of the media library.
type MediaLookup interface {
	Get(id string) (*models.Media, bool)
}

// heroImage is the delivered hero image; r makes a library image's URL
// absolute when a public URL is set.
func heroImage(i *models.Image, r *Renderer) *HeroImage {
	if i == nil || i.URL == "" {
		return nil
	}
	return &HeroImage{URL: r.MediaURL(i.URL), Alt: i.Alt, Caption: i.Caption, Credit: i.Credit, MediaID: i.MediaID}
}

// withMedia adds the library's size and renditions to a snapshot's hero
// image (they are facts of the stored file, not of the signed content);
// r makes the renditions' URLs absolute when a public URL is set.
func withMedia(s *Snapshot, lib MediaLookup, r *Renderer) {
	hi := s.HeroImage
	if lib == nil || hi == nil || hi.MediaID == "" {
		return
	}
	m, ok := lib.Get(hi.MediaID)
	if !ok || r.MediaURL(media.URL(m.Hash, m.Width, m.Ext)) != hi.URL {
		return
	}
	hi.Width, hi.Height, hi.Srcset = m.Width, m.Height, media.Srcset(m, r.publicURL())
	if s.JSONLD.Image != nil {
		s.JSONLD.Image.Width, s.JSONLD.Image.Height = m.Width, m.Height
	}
}
