// Package accesslog writes the access log: one line a request, in
// slog's own text or JSON format, to the byte.
//
// Going through slog.Logger and its handlers cost about 1.3 µs a line
// (record, attributes, handler; measured in BenchmarkDeliveryBySlug on
// this 2-core machine), where the delivery handler itself takes about
// 600 ns: the largest cost Vetted added to net/http on delivery. Logger
// appends the line itself when every string in it is plain — printable
// ASCII needing no quotes or escapes, which ids, route templates,
// methods and addresses are — and otherwise hands slog's handler the
// record it would have made, so a line is always what slog writes (the
// tests compare both on random entries and on every byte).
package accesslog

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Entry is one request's line.
type Entry struct {
	Time          time.Time // when the answer ended
	Method, Route string
	Status, Bytes int
	Duration      time.Duration
	RequestID     string
	UserID        string // "" for no signed-in user
	Client        string
}

// Logger writes entries to one writer.
type Logger struct {
	slow  slog.Handler // slog's handler for the same format and writer
	w     *lockedWriter
	json  bool
	level slog.Leveler
}

// New returns a logger writing format ("json", else text) to w when
// level allows Info.
func New(w io.Writer, format string, level slog.Leveler) *Logger {
	if level == nil {
		level = slog.LevelInfo
	}
	lw := &lockedWriter{w: w}
	l := &Logger{w: lw, json: format == "json", level: level}
	opts := &slog.HandlerOptions{Level: level}
	if l.json {
		l.slow = slog.NewJSONHandler(lw, opts)
	} else {
		l.slow = slog.NewTextHandler(lw, opts)
	}
	return l
}

// Enabled reports whether lines are written at all (the level allows
// Info): callers skip gathering an entry's fields when not.
func (l *Logger) Enabled() bool { return slog.LevelInfo >= l.level.Level() }

var bufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Log writes e's line: level INFO, message "request", then e's fields
// under the keys method, route, status, bytes, duration, requestId,
// userId and client.
func (l *Logger) Log(ctx context.Context, e *Entry) error {
	if !l.Enabled() {
		return nil
	}
	p := bufs.Get().(*[]byte)
	line, ok := l.append((*p)[:0], e)
	if !ok {
		bufs.Put(p)
		return l.slow.Handle(ctx, e.record())
	}
	_, err := l.w.Write(line)
	if cap(line) <= 4<<10 {
		*p = line
		bufs.Put(p)
	}
	return err
}

// record is e as the slog record Log's line stands for.
func (e *Entry) record() slog.Record {
	r := slog.NewRecord(e.Time, slog.LevelInfo, "request", 0)
	r.AddAttrs(slog.String("method", e.Method), slog.String("route", e.Route), slog.Int("status", e.Status),
		slog.Int("bytes", e.Bytes), slog.Duration("duration", e.Duration),
		slog.String("requestId", e.RequestID), slog.String("userId", e.UserID), slog.String("client", e.Client))
	return r
}

// append adds e's line to b as slog's handler would write it, or
// reports false for an entry it leaves to slog: one with no time, a
// time slog's JSON refuses, or a string that is neither plain nor empty.
func (l *Logger) append(b []byte, e *Entry) ([]byte, bool) {
	if e.Time.IsZero() || !plainOrEmpty(e.Method) || !plainOrEmpty(e.Route) || !plainOrEmpty(e.RequestID) ||
		!plainOrEmpty(e.UserID) || !plainOrEmpty(e.Client) {
		return b, false
	}
	if y := e.Time.Year(); y < 0 || y >= 10000 {
		return b, false
	}
	if l.json {
		b = append(b, `{"time":"`...)
		b = e.Time.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":"INFO","msg":"request","method":`...)
		b = l.str(b, e.Method)
		b = append(b, `,"route":`...)
		b = l.str(b, e.Route)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(e.Status), 10)
		b = append(b, `,"bytes":`...)
		b = strconv.AppendInt(b, int64(e.Bytes), 10)
		b = append(b, `,"duration":`...)
		b = strconv.AppendInt(b, int64(e.Duration), 10)
		b = append(b, `,"requestId":`...)
		b = l.str(b, e.RequestID)
		b = append(b, `,"userId":`...)
		b = l.str(b, e.UserID)
		b = append(b, `,"client":`...)
		b = l.str(b, e.Client)
		return append(b, "}\n"...), true
	}
	b = append(b, "time="...)
	b = appendRFC3339Millis(b, e.Time)
	b = append(b, " level=INFO msg=request method="...)
	b = l.str(b, e.Method)
	b = append(b, " route="...)
	b = l.str(b, e.Route)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, int64(e.Bytes), 10)
	b = append(b, " duration="...)
	b = append(b, e.Duration.String()...)
	b = append(b, " requestId="...)
	b = l.str(b, e.RequestID)
	b = append(b, " userId="...)
	b = l.str(b, e.UserID)
	b = append(b, " client="...)
	b = l.str(b, e.Client)
	return append(b, '\n'), true
}

// str appends a plain or empty string: quoted in JSON, and in text
// only when empty.
func (l *Logger) str(b []byte, s string) []byte {
	if l.json || s == "" {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	return append(b, s...)
}

// plainOrEmpty: s needs no quotes in slog's text format nor escapes in
// its JSON — printable ASCII but for '"', '\\', '=' and space — or is
// empty (quoted as "" in both).
func plainOrEmpty(s string) bool {
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

// lockedWriter serializes writes: slog's handler and Log's fast path
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
