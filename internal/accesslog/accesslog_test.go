package accesslog

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func anEntry(uid string) *Entry {
	return &Entry{Time: time.Date(2026, 11, 29, 22, 19, 42, 120_000_000, time.UTC), Method: "GET",
		Route: "/api/v1/articles/:slug", Status: 200, Bytes: 27522, Duration: 123456 * time.Nanosecond,
		RequestID: "f5c1af62c82b7cf4", UserID: uid, Client: "::1"}
}

// TestRequestLine: an ordinary request's line is appended here, in both
// formats, and is slog's.
func TestRequestLine(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		for _, uid := range []string{"", "u_8f2c"} {
			e := anEntry(uid)
			line, ok := New(io.Discard, format, nil).append(nil, e)
			if !ok {
				t.Fatalf("%s: an ordinary entry went to slog's handler", format)
			}
			if want := slogLine(format, e.record()); string(line) != want {
				t.Errorf("%s:\n got %q\nwant %q", format, line, want)
			}
		}
	}
	var out bytes.Buffer
	_ = New(&out, "text", nil).Log(context.Background(), anEntry(""))
	if want := `time=2026-11-29T22:19:42.120Z level=INFO msg=request method=GET route=/api/v1/articles/:slug status=200 bytes=27522 duration=123.456µs requestId=f5c1af62c82b7cf4 userId="" client=::1` + "\n"; out.String() != want {
		t.Errorf("text line:\n got %q\nwant %q", out.String(), want)
	}
}

// TestSameBytesAsSlog: any entry is written exactly as slog's handler
// writes its record. Half the entries drawn are plain (appended here),
// half plain but for one string or the time.
func TestSameBytesAsSlog(t *testing.T) {
	fast, slow := 0, 0
	defer func() {
		if !t.Failed() && (fast < slow/3 || slow < fast/3) {
			t.Errorf("%d entries were appended here and %d by slog: the test draws too few of one kind", fast, slow)
		}
	}()
	rapid.Check(t, func(t *rapid.T) {
		format := rapid.SampledFrom([]string{"text", "json"}).Draw(t, "format")
		e := &Entry{Time: drawTime(t), Status: rapid.Int().Draw(t, "status"), Bytes: rapid.Int().Draw(t, "bytes"),
			Duration: time.Duration(rapid.Int64().Draw(t, "duration"))}
		strs := []*string{&e.Method, &e.Route, &e.RequestID, &e.UserID, &e.Client}
		odd := rapid.IntRange(-len(strs), len(strs)+1).Draw(t, "odd") // < 0: none; a string; the time
		for i, s := range strs {
			*s = rapid.StringMatching(`[A-Za-z0-9._:/<>&'-]{0,20}`).Draw(t, "s")
			if i == odd {
				*s = oddString(t)
			}
		}
		switch odd - len(strs) {
		case 0:
			e.Time = time.Time{}
		case 1:
			e.Time = time.Date(rapid.IntRange(10000, 12000).Draw(t, "year"), 1, 1, 0, 0, 0, 0, time.UTC)
		}
		var got bytes.Buffer
		l := New(&got, format, nil)
		if _, ok := l.append(nil, e); ok {
			fast++
		} else {
			slow++
		}
		if err := l.Log(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		if want := slogLine(format, e.record()); got.String() != want {
			t.Fatalf("%s:\n got %q\nwant %q", format, got.String(), want)
		}
	})
}

// TestEveryCharacter: each byte, and a few runes, alone and between
// plain characters, in each string of an entry, in both formats.
func TestEveryCharacter(t *testing.T) {
	var odd []string
	for c := range 256 {
		odd = append(odd, string([]byte{byte(c)}))
	}
	odd = append(odd, "é", "\u2028", "\u00a0", "\ufeff", "")
	for _, format := range []string{"text", "json"} {
		for _, c := range odd {
			for _, s := range []string{c, "a" + c + "b"} {
				e := anEntry("u_1")
				for _, f := range []*string{&e.Method, &e.Route, &e.RequestID, &e.UserID, &e.Client} {
					was := *f
					*f = s
					var got bytes.Buffer
					_ = New(&got, format, nil).Log(context.Background(), e)
					if want := slogLine(format, e.record()); got.String() != want {
						t.Fatalf("%s, %q:\n got %q\nwant %q", format, s, got.String(), want)
					}
					*f = was
				}
			}
		}
	}
}

func TestLevel(t *testing.T) {
	var out bytes.Buffer
	l := New(&out, "text", slog.LevelWarn)
	if l.Enabled() {
		t.Error("Enabled at level WARN")
	}
	_ = l.Log(context.Background(), anEntry(""))
	if out.Len() != 0 {
		t.Errorf("a line at level WARN: %q", out.String())
	}
	if !New(io.Discard, "json", slog.LevelDebug).Enabled() {
		t.Error("not Enabled at level DEBUG")
	}
}

func slogLine(format string, r slog.Record) string {
	var b bytes.Buffer
	var h slog.Handler = slog.NewTextHandler(&b, nil)
	if format == "json" {
		h = slog.NewJSONHandler(&b, nil)
	}
	_ = h.Handle(context.Background(), r)
	return b.String()
}

func drawTime(t *rapid.T) time.Time {
	switch rapid.IntRange(0, 2).Draw(t, "timeKind") {
	case 0: // another zone
		return time.Unix(rapid.Int64Range(0, 4e9).Draw(t, "unix"), rapid.Int64Range(0, 999_999_999).Draw(t, "ns")).In(time.FixedZone("X", 5*3600+1800))
	case 1: // whole milliseconds and seconds, where trailing zeros are trimmed
		return time.UnixMilli(rapid.Int64Range(0, 4e12).Draw(t, "ms") * rapid.SampledFrom([]int64{1, 10, 1000}).Draw(t, "scale") / 1000 * 1000).UTC()
	default:
		return time.Unix(rapid.Int64Range(0, 4e9).Draw(t, "unix"), rapid.Int64Range(0, 999_999_999).Draw(t, "ns")).UTC()
	}
}

// oddString needs quotes or escapes somewhere.
func oddString(t *rapid.T) string {
	if rapid.Bool().Draw(t, "anyString") {
		return rapid.String().Draw(t, "odd")
	}
	return rapid.StringMatching(`[a-z]{0,3}`).Draw(t, "head") +
		rapid.SampledFrom([]string{" ", "=", `"`, `\`, "\n", "\t", "\x00", "\x7f", "é", "\u2028", "\xff"}).Draw(t, "char") +
		rapid.StringMatching(`[a-z]{0,3}`).Draw(t, "tail")
}
