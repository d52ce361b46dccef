package media

import (
	"time"

	"github.com/vetted-cms/vetted/models"
)

// Variant is one rendition as the API shows it.
type Variant struct {
	Width int    `json:"width"`
	URL   string `json:"url"`
}

// View is an image of the library as the management API shows it.
type View struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	Alt         string    `json:"alt"`
	Caption     string    `json:"caption"`
	Credit      string    `json:"credit"`
	ContentType string    `json:"contentType"`
	Bytes       int64     `json:"bytes"`
	Variants    []Variant `json:"variants"`
	Filename    string    `json:"filename"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// ViewOf returns the API view of m: url is the original size (stripped),
// variants every rendition, narrowest first.
func ViewOf(m *models.Media) View {
	v := View{ID: m.ID, URL: URL(m.Hash, m.Width, m.Ext), Width: m.Width, Height: m.Height, Alt: m.Alt, Caption: m.Caption,
		Credit: m.Credit, ContentType: m.ContentType, Bytes: m.Bytes, Filename: m.Filename, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
		Variants: make([]Variant, 0, len(m.Widths))}
	for _, w := range m.Widths {
		v.Variants = append(v.Variants, Variant{Width: w, URL: URL(m.Hash, w, m.Ext)})
	}
	return v
}

// Srcset is the HTML srcset of an image's renditions, their URLs under
// base ("" for the site-relative /media/…, else e.g.
// "https://cms.example.org").
func Srcset(m *models.Media, base string) string {
	s := ""
	for i, w := range m.Widths {
		if i > 0 {
			s += ", "
		}
		s += base + URL(m.Hash, w, m.Ext) + " " + itoa(w) + "w"
	}
	return s
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
