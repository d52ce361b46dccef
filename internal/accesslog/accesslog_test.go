package accesslog

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// requestRecord is the record handlers.observe makes.
func requestRecord(t time.Time, uid string) slog.Record {
	r := slog.NewRecord(t, slog.LevelInfo, "request", 0)
	r.AddAttrs(slog.String("method", "GET"), slog.String("route", "/api/v1/articles/:slug"), slog.Int("status", 200),
		slog.Int("bytes", 27522), slog.Duration("duration", 123456*time.Nanosecond),
		slog.String("requestId", "f5c1af62c82b7cf4"), slog.String("userId", uid), slog.String("client", "::1"))
	return r
}

// TestRequestRecordIsFormattedHere: the access log's own record takes
// the fast path, in both formats, and comes out as slog writes it.
func TestRequestRecordIsFormattedHere(t *testing.T) {
	at := time.Date(2026, 11, 29, 22, 19, 42, 120_000_000, time.UTC)
	for _, format := range []string{"text", "json"} {
		for _, uid := range []string{"", "u_8f2c"} {
			r := requestRecord(at, uid)
			h := New(io.Discard, format, nil)
			line, ok := h.append(nil, r)
			if !ok {
				t.Fatalf("%s: the request record went to slog's handler", format)
			}
			if want := slogLine(format, r); string(line) != want {
				t.Errorf("%s:\n got %q\nwant %q", format, line, want)
			}
		}
	}
	var out bytes.Buffer
	_ = New(&out, "text", nil).Handle(context.Background(), requestRecord(at, ""))
	if want := `time=2026-11-29T22:19:42.120Z level=INFO msg=request method=GET route=/api/v1/articles/:slug status=200 bytes=27522 duration=123.456µs requestId=f5c1af62c82b7cf4 userId="" client=::1` + "\n"; out.String() != want {
		t.Errorf("text line:\n got %q\nwant %q", out.String(), want)
	}
}

// TestSameBytesAsSlog: any record is written exactly as slog's handler
// writes it. Half the records drawn are plain (the fast path's), half
// plain but for one message, key, value, kind or time.
func TestSameBytesAsSlog(t *testing.T) {
	fast, slow := 0, 0
	defer func() {
		if !t.Failed() && (fast < slow/3 || slow < fast/3) {
			t.Errorf("%d records took the fast path and %d slog's: the test draws too few of one kind", fast, slow)
		}
	}()
	rapid.Check(t, func(t *rapid.T) {
		format := rapid.SampledFrom([]string{"text", "json"}).Draw(t, "format")
		n := rapid.IntRange(0, 9).Draw(t, "attrs")
		odd := rapid.IntRange(-1, n+3).Draw(t, "odd") // -1: none; 0..n-1: that attribute; n: the message; n+1, n+2: the time
		at := drawTime(t)
		switch odd - n {
		case 1:
			at = time.Time{}
		case 2:
			at = time.Date(rapid.IntRange(10000, 12000).Draw(t, "year"), 1, 1, 0, 0, 0, 0, time.UTC)
		}
		msg := plainString(t, "msg")
		if odd == n {
			msg = oddString(t, "msg")
		}
		r := slog.NewRecord(at, slog.Level(rapid.SampledFrom([]int{-4, 0, 2, 4, 8}).Draw(t, "level")), msg, 0)
		for i := range n {
			r.AddAttrs(drawAttr(t, i == odd))
		}
		var got bytes.Buffer
		h := New(&got, format, slog.LevelDebug)
		if _, ok := h.append(nil, r); ok {
			fast++
		} else {
			slow++
		}
		if err := h.Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if want := slogLine(format, r); got.String() != want {
			t.Fatalf("%s:\n got %q\nwant %q", format, got.String(), want)
		}
	})
}

// TestEveryCharacter: each byte, and a few runes, in a message, a key
// and a value, between plain characters and alone, in both formats.
func TestEveryCharacter(t *testing.T) {
	at := time.Date(2026, 11, 29, 22, 19, 42, 120_000_000, time.UTC)
	var odd []string
	for c := range 256 {
		odd = append(odd, string([]byte{byte(c)}))
	}
	odd = append(odd, "é", "\u2028", "\u00a0", "\ufeff", "")
	for _, format := range []string{"text", "json"} {
		for _, c := range odd {
			for _, s := range []string{c, "a" + c + "b"} {
				for where := range 3 {
					msg, key, val := "request", "route", "/api/v1/articles/:slug"
					switch where {
					case 0:
						msg = s
					case 1:
						key = s
					case 2:
						val = s
					}
					r := slog.NewRecord(at, slog.LevelInfo, msg, 0)
					r.AddAttrs(slog.String(key, val), slog.Int("status", 200))
					var got bytes.Buffer
					_ = New(&got, format, nil).Handle(context.Background(), r)
					if want := slogLine(format, r); got.String() != want {
						t.Fatalf("%s, %q:\n got %q\nwant %q", format, s, got.String(), want)
					}
				}
			}
		}
	}
}

// TestContextAttrsGoToSlog: a logger with attributes or a group is
// slog's own handler's business.
func TestContextAttrsGoToSlog(t *testing.T) {
	var got bytes.Buffer
	slog.New(New(&got, "json", nil)).With("instance", "a").WithGroup("g").LogAttrs(context.Background(), slog.LevelInfo, "request", slog.Int("status", 200))
	var want bytes.Buffer
	slog.New(slog.NewJSONHandler(&want, nil)).With("instance", "a").WithGroup("g").LogAttrs(context.Background(), slog.LevelInfo, "request", slog.Int("status", 200))
	strip := func(s string) string { return s[strings.IndexByte(s, ','):] } // the times differ
	if strip(got.String()) != strip(want.String()) {
		t.Errorf("got %q, want %q", got.String(), want.String())
	}
}

func TestLevel(t *testing.T) {
	h := New(io.Discard, "text", slog.LevelWarn)
	if h.Enabled(context.Background(), slog.LevelInfo) || !h.Enabled(context.Background(), slog.LevelWarn) {
		t.Error("Enabled does not follow the level")
	}
}

func slogLine(format string, r slog.Record) string {
	var b bytes.Buffer
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	var h slog.Handler = slog.NewTextHandler(&b, opts)
	if format == "json" {
		h = slog.NewJSONHandler(&b, opts)
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

func plainString(t *rapid.T, label string) string {
	return rapid.StringMatching(`[A-Za-z0-9._:/<>&'-]{1,20}`).Draw(t, label)
}

// oddString needs quotes or escapes somewhere, or is empty.
func oddString(t *rapid.T, label string) string {
	switch rapid.IntRange(0, 3).Draw(t, label+"Kind") {
	case 0:
		return ""
	case 1:
		return rapid.String().Draw(t, label)
	default: // plain but for one character
		return rapid.StringMatching(`[a-z]{0,3}`).Draw(t, label) +
			rapid.SampledFrom([]string{" ", "=", `"`, `\`, "\n", "\t", "\x00", "\x7f", "é", "\u2028", "\xff"}).Draw(t, label+"Odd") +
			rapid.StringMatching(`[a-z]{0,3}`).Draw(t, label+"Tail")
	}
}

// drawAttr is of a kind the fast path writes, plain, or when odd, has
// an odd key, an odd string or another kind.
func drawAttr(t *rapid.T, odd bool) slog.Attr {
	key := plainString(t, "key")
	if odd {
		switch rapid.IntRange(0, 6).Draw(t, "oddKind") {
		case 0:
			return slog.String(oddString(t, "key"), plainString(t, "value"))
		case 1:
			return slog.Bool(key, rapid.Bool().Draw(t, "bool"))
		case 2:
			return slog.Float64(key, rapid.SampledFrom([]float64{0, 1.5, math.Inf(1), math.NaN()}).Draw(t, "float"))
		case 3:
			return slog.Uint64(key, rapid.Uint64().Draw(t, "uint"))
		case 4:
			return slog.Group(key, slog.Int("n", 1))
		default:
			return slog.String(key, oddString(t, "value"))
		}
	}
	switch rapid.IntRange(0, 3).Draw(t, "kind") {
	case 0:
		return slog.Int64(key, rapid.Int64().Draw(t, "int"))
	case 1:
		return slog.Duration(key, time.Duration(rapid.Int64().Draw(t, "duration")))
	default:
		return slog.String(key, plainString(t, "value"))
	}
}
