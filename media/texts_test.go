package media

import (
	"strings"
	"testing"

	"github.com/vetted-cms/vetted/models"
)

// TestTextsUseTheSharedRules: an image's descriptions are checked by tags
// with models' messages, within models.Image's limits.
func TestTextsUseTheSharedRules(t *testing.T) {
	cases := []struct {
		in    texts
		field string
	}{
		{texts{Alt: "A waiting room"}, ""},
		{texts{Alt: "  "}, "alt"},
		{texts{Alt: strings.Repeat("é", MaxAlt)}, ""},
		{texts{Alt: strings.Repeat("a", MaxAlt+1)}, "alt"},
		{texts{Alt: "x", Caption: strings.Repeat("a", MaxCaption+1)}, "caption"},
		{texts{Alt: "x", Credit: strings.Repeat("a", MaxCredit+1)}, "credit"},
		{texts{Alt: "x", Caption: "line\nbreak"}, ""},
		{texts{Alt: "bell\a"}, "alt"},
		{texts{Alt: "x", Credit: "\xff"}, "credit"},
	}
	for _, c := range cases {
		f := models.Fields(&c.in)
		if c.field == "" && len(f) > 0 || c.field != "" && (len(f) != 1 || f[c.field] == "") {
			t.Errorf("%+v: %v, want an error on %q only", c.in, f, c.field)
		}
	}
	// The limits are the hero image's, so a library text always fits it.
	img := models.Image{URL: "/media/x/1.jpg", Alt: strings.Repeat("a", MaxAlt), Caption: strings.Repeat("a", MaxCaption), Credit: strings.Repeat("a", MaxCredit)}
	if f := models.Fields(&img); len(f) > 0 {
		t.Errorf("library limits exceed models.Image's: %v", f)
	}
}
