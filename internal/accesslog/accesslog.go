// Package accesslog writes the access log: one slog record a request,
// in slog's own text or JSON format, to the byte.
//
// slog's handlers spend about 900 ns on the request record (measured on
// this 2-core machine, io.Discard), against some 130 ns to append the
// same line: on delivery, where the handler itself takes about 600 ns,
// the log line was the largest cost Vetted adds to net/http. Handler
// formats the plain records itself — message, level, time, and
// attributes that are strings of printable ASCII, integers or durations
// — and hands every other record to the slog handler it wraps, so
// whatever it writes is what slog would have written (the package's
// tests compare the two on random records).
package accesslog

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Handler is a slog.Handler for the access log.
type Handler struct {
	slow  slog.Handler // slog's handler for the same format and writer
	w     *lockedWriter
	json  bool
	level slog.Leveler
}

// New returns a handler writing format ("json", else text) to w at
// level and above.
func New(w io.Writer, format string, level slog.Leveler) *Handler {
	if level == nil {
		level = slog.LevelInfo
	}
	lw := &lockedWriter{w: w}
	h := &Handler{w: lw, json: format == "json", level: level}
	opts := &slog.HandlerOptions{Level: level}
	if h.json {
		h.slow = slog.NewJSONHandler(lw, opts)
	} else {
		h.slow = slog.NewTextHandler(lw, opts)
	}
	return h
}

// Enabled reports whether level is logged.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

// WithAttrs and WithGroup return slog's handler: records with context
// attributes or groups are not the access log's.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler { return h.slow.WithAttrs(as) }

// WithGroup: see WithAttrs.
func (h *Handler) WithGroup(name string) slog.Handler { return h.slow.WithGroup(name) }

var bufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Handle writes r: formatted here when append can, else by slog.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	p := bufs.Get().(*[]byte)
	line, ok := h.append((*p)[:0], r)
	if !ok {
		bufs.Put(p)
		return h.slow.Handle(ctx, r)
	}
	_, err := h.w.Write(line)
	if cap(line) <= 4<<10 {
		*p = line
		bufs.Put(p)
	}
	return err
}

// append adds r's line to b as slog's handler would write it, or
// reports false for a record it leaves to slog: one with no time, a
// time slog's JSON refuses, a source position, a message or a string
// needing quotes or escapes, or a value of another kind.
func (h *Handler) append(b []byte, r slog.Record) ([]byte, bool) {
	if r.Time.IsZero() || r.PC != 0 || !plain(r.Message) {
		return b, false
	}
	if y := r.Time.Year(); y < 0 || y >= 10000 {
		return b, false
	}
	lvl := r.Level.String()
	if h.json {
		b = append(b, `{"time":"`...)
		b = r.Time.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":"`...)
		b = append(b, lvl...)
		b = append(b, `","msg":"`...)
		b = append(b, r.Message...)
		b = append(b, '"')
	} else {
		b = append(b, "time="...)
		b = appendRFC3339Millis(b, r.Time)
		b = append(b, " level="...)
		b = append(b, lvl...)
		b = append(b, " msg="...)
		b = append(b, r.Message...)
	}
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		if !plain(a.Key) {
			ok = false
			return false
		}
		if h.json {
			b = append(b, `,"`...)
			b = append(b, a.Key...)
			b = append(b, `":`...)
		} else {
			b = append(b, ' ')
			b = append(b, a.Key...)
			b = append(b, '=')
		}
		switch v := a.Value; v.Kind() {
		case slog.KindString:
			s := v.String()
			if s != "" && !plain(s) {
				ok = false
				return false
			}
			if h.json || s == "" {
				b = append(b, '"')
				b = append(b, s...)
				b = append(b, '"')
			} else {
				b = append(b, s...)
			}
		case slog.KindInt64:
			b = strconv.AppendInt(b, v.Int64(), 10)
		case slog.KindDuration:
			if h.json {
				b = strconv.AppendInt(b, int64(v.Duration()), 10)
			} else {
				b = append(b, v.Duration().String()...)
			}
		default:
			ok = false
			return false
		}
		return true
	})
	if !ok {
		return b, false
	}
	if h.json {
		b = append(b, '}')
	}
	return append(b, '\n'), true
}

// plain: s is not empty and needs no quotes in slog's text format nor
// escapes in its JSON — printable ASCII but for '"', '\\', '=' and space.
func plain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '=' {
			return false
		}
	}
	return true
}

// appendRFC3339Millis is slog's text time: RFC 3339 with exactly three
// digits of milliseconds (the time truncated, not rounded).
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	// RFC3339Nano trims trailing zeros: a tenth of a millisecond added
	// keeps four digits, and the fourth is dropped.
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...)
}

// lockedWriter serializes writes: the slog handler and the fast path
// both write whole lines to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
