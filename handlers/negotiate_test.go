package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vetted-cms/vetted/delivery"
)

// TestAcceptEncoding: RFC 9110 §12.5.3 for gzip against identity.
func TestAcceptEncoding(t *testing.T) {
	cases := []struct {
		header string
		gzip   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZip", true},
		{"x-gzip", true},
		{"deflate, br", false},
		{"gzip;q=0", false},
		{"gzip; q=0", false},
		{"gzip;Q=0.000", false},
		{"gzip;q=0.001", true},
		{"gzip;q=0.5", true}, // identity not named: least preferred
		{"gzip;q=1.000", true},
		{"gzip;q=0.5, identity", false},       // identity weighs 1, gzip less
		{"gzip;q=0.5, identity;q=0.5", true},  // a tie goes to gzip
		{"gzip;q=0.5, identity;q=0.4", true},  //
		{"identity;q=0, gzip;q=0.1", true},    //
		{"*", true},                           // * covers gzip and identity alike: a tie
		{"*;q=0", false},                      // nothing acceptable: identity anyway
		{"*;q=0, gzip", true},                 // the named coding beats *
		{"gzip;q=0, *", false},                // likewise
		{"*;q=0.5, identity", false},          //
		{"br;q=1, gzip;q=0.8, *;q=0.1", true}, //
		{"gzip;q=2", false},                   // malformed weights are ignored
		{"gzip;q=0.5.5", false},               //
		{"gzip;q=abc", false},                 //
		{"gzip;q=", false},                    //
		{"gzip;level=9;q=0", false},           // q among other parameters
		{"gzip;q=0, gzip;q=0.5", true},        // named twice: the higher weight
		{" , ,gzip , ", true},                 //
		{"gzipx, xgzip", false},               //
	}
	for _, c := range cases {
		if got := acceptsGzipOne(c.header); got != c.gzip {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", c.header, got, c.gzip)
		}
		var vals []string
		if c.header != "" {
			vals = []string{c.header}
		}
		if got := acceptsGzip(vals); got != c.gzip {
			t.Errorf("acceptsGzip(%q): %v, want %v", c.header, got, c.gzip)
		}
	}
	// Several field lines are one list.
	if !acceptsGzip([]string{"identity;q=0.2", "gzip;q=0.5"}) || acceptsGzip([]string{"gzip;q=0.5", "identity"}) {
		t.Error("field lines not combined")
	}
}

// TestDeliveryHonoursGzipQZero: the router's answer follows negotiation
// (the front's is compared with it by TestFrontAnswersLikeTheRouter).
func TestDeliveryHonoursGzipQZero(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	d.publish(anArticle().slug("negotiated"))
	for _, c := range []struct {
		ae   string
		want string
	}{{"gzip", "gzip"}, {"gzip;q=0", ""}, {"*;q=0, gzip;q=0.3", "gzip"}, {"gzip;q=0.3, identity", ""}} {
		res := d.do(http.MethodGet, "/api/v1/articles/negotiated", "", map[string]string{"Authorization": "Bearer " + d.Token, "Accept-Encoding": c.ae}, asNone)
		if res.Code != http.StatusOK || res.Header().Get("Content-Encoding") != c.want {
			t.Errorf("Accept-Encoding %q: %d, Content-Encoding %q, want %q", c.ae, res.Code, res.Header().Get("Content-Encoding"), c.want)
		}
		if c.want == "" && !strings.HasPrefix(res.Body.String(), "{") {
			t.Errorf("Accept-Encoding %q: body is not identity JSON", c.ae)
		}
	}
}

// FuzzAcceptEncoding: any header is read without panicking; gzip is never
// chosen when the field gives it no weight at all.
func FuzzAcceptEncoding(f *testing.F) {
	for _, s := range []string{"gzip", "gzip;q=0", "*;q=0, gzip;q=0.3", "identity;q=0", "gzip;q=1.0000", ";;,,", "GZIP;Q=0.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got := acceptsGzipOne(v)
		if got != acceptsGzip([]string{v}) {
			t.Fatalf("%q: one line and a list disagree", v)
		}
		if got && !strings.Contains(strings.ToLower(v), "gzip") && !strings.Contains(v, "*") {
			t.Fatalf("%q: gzip chosen though neither gzip nor * is named", v)
		}
	})
}
