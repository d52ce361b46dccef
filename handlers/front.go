package handlers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/vetted-cms/vetted/delivery"
)

// Front reads HTTP/1.1 connections ahead of an http.Server and answers
// the delivery API's hot reads itself, from the read model's prebuilt
// bytes, with the header and body in one writev(2).
//
// Why: net/http spends about twice nginx's CPU per request (request and
// header maps, a background-read goroutine and three deadline changes
// per request); for GET /api/v1/articles/{slug} that overhead, not the
// handler, set the throughput (make bench; the figures are in the issue
// notes).
//
// What it answers: GET or HEAD of /api/v1/articles/<slug of [a-z0-9-]>,
// /api/v1/articles with at most topic, page and limit (plain values, once
// each) and /api/v1/topics, over HTTP/1.1 — a single Host, no body, no
// Expect/Upgrade/Transfer-Encoding/Content-Length, Connection absent or
// keep-alive, the head within 4 KB with CRLF line ends — with a token the
// gate accepts (or public delivery), for a live article or a valid list
// query: a 200 or a 304, with the same headers the router would send (a
// differential test and a fuzz target hold the two together). Anything
// else — any other route, a miss, a bad token or query, an odd or
// malformed head — hands the connection, with every byte already read, to
// the http.Server, which keeps it from then on.
type Front struct {
	API    *DeliveryAPI // nil, or not registered: every connection is handed over
	Server *http.Server // everything else; its timeouts apply here too

	mu      sync.Mutex
	conns   map[*frontConn]struct{}
	ln      net.Listener
	handoff *handoffListener
	closing atomic.Bool
	wg      sync.WaitGroup
	hits    hitModel
	ctx     context.Context
	cancel  context.CancelFunc
	answers atomic.Int64
}

// Answered counts the requests the front answered itself.
func (f *Front) Answered() int64 { return f.answers.Load() }

// hitModel is the read model's allocation-free lookup of live entries.
type hitModel interface {
	Hit(slug []byte) *delivery.Entry
}

const frontBuf = 4096

// Serve accepts connections on ln until Shutdown; the http.Server serves
// the connections handed to it. It returns http.ErrServerClosed after
// Shutdown, like http.Server.Serve.
func (f *Front) Serve(ln net.Listener) error {
	f.mu.Lock()
	f.ln = ln
	f.conns = map[*frontConn]struct{}{}
	f.handoff = &handoffListener{ch: make(chan net.Conn), done: make(chan struct{}), addr: ln.Addr()}
	if f.API != nil && len(f.API.cache) > 0 { // registered on a router
		f.hits, _ = f.API.Model.(hitModel)
	}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	f.mu.Unlock()
	errc := make(chan error, 1)
	go func() {
		errc <- f.Server.Serve(f.handoff)
		_ = f.handoff.Close()
	}()
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if f.closing.Load() {
				return http.ErrServerClosed
			}
			var t interface{ Temporary() bool } // EMFILE and the like, as net/http retries them
			if errors.As(err, &t) && t.Temporary() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			_ = f.handoff.Close()
			<-errc
			return err
		}
		delay = 0
		f.wg.Add(1)
		go f.serveConn(c)
	}
}

// Shutdown stops accepting, closes idle fast connections, lets the
// answering ones finish, then shuts the http.Server down (which drains
// the connections it was handed).
func (f *Front) Shutdown(ctx context.Context) error {
	f.closing.Store(true)
	f.mu.Lock()
	ln := f.ln
	for fc := range f.conns {
		if fc.idle.Load() {
			_ = fc.tc.Close()
		}
	}
	f.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	err := f.Server.Shutdown(ctx)
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		f.mu.Lock()
		for fc := range f.conns {
			_ = fc.tc.Close()
		}
		f.mu.Unlock()
		if err == nil {
			err = ctx.Err()
		}
	}
	f.mu.Lock()
	if f.cancel != nil {
		f.cancel()
	}
	f.mu.Unlock()
	return err
}

// frontConn is one connection while the front serves it.
type frontConn struct {
	f      *Front
	tc     *net.TCPConn
	buf    []byte // read, not yet answered
	out    []byte // the response head being built
	bufs   [2][]byte
	vec    net.Buffers
	idle   atomic.Bool
	served int
	token  string    // the last token seen, kept to avoid converting again
	rdTill time.Time // the read deadline set
	wrSet  time.Time // when the write deadline was last set
	req    frontReq
}

// frontReq is a parsed head; a header or query value present is non-nil
// (possibly empty), absent is nil.
type frontReq struct {
	head                  bool
	kind                  int // reqSlug, reqList, reqTopics
	slug                  []byte
	auth, ae, inm, origin []byte
	hosts                 int
	topic, page, limit    []byte // list query values
}

const (
	reqSlug = iota
	reqList
	reqTopics
)

func (f *Front) serveConn(c net.Conn) {
	defer f.wg.Done()
	tc, ok := c.(*net.TCPConn)
	if !ok || f.hits == nil {
		f.handOver(c)
		return
	}
	fc := &frontConn{f: f, tc: tc, buf: make([]byte, 0, frontBuf), out: make([]byte, 0, 512)}
	f.mu.Lock()
	f.conns[fc] = struct{}{}
	f.mu.Unlock()
	handed := false
	defer func() {
		f.mu.Lock()
		delete(f.conns, fc)
		f.mu.Unlock()
		if v := recover(); v != nil {
			slog.Error("panic in delivery fast path", "panic", v, "stack", string(debug.Stack()))
			handed = false
		}
		if !handed {
			_ = tc.Close()
		}
	}()
	for {
		n, err := fc.readHead()
		if err != nil {
			return
		}
		if n == 0 || !fc.answer(fc.buf[:n]) {
			handed = true
			f.handOver(&prefixConn{TCPConn: tc, prefix: fc.buf})
			return
		}
		fc.served++
		fc.buf = fc.buf[:copy(fc.buf, fc.buf[n:])]
		if f.closing.Load() {
			return
		}
	}
}

// handOver gives the connection to the http.Server.
func (f *Front) handOver(c net.Conn) {
	select {
	case f.handoff.ch <- c:
	case <-f.handoff.done:
		_ = c.Close()
	}
}

// readHead reads until fc.buf holds a complete request head and returns
// its length; 0 when it cannot fit (the http.Server takes over); an
// error when the connection is done (closed, timed out, shutting down).
func (fc *frontConn) readHead() (int, error) {
	srv := fc.f.Server
	from := 0
	for {
		if n, canonical := headEnd(fc.buf, from); n > 0 {
			if !canonical {
				return 0, nil
			}
			return n, nil
		}
		if len(fc.buf) == cap(fc.buf) {
			return 0, nil
		}
		from = max(0, len(fc.buf)-2)
		now := time.Now()
		if len(fc.buf) == 0 {
			// Waiting for a request: the header timeout for the first,
			// the idle timeout between requests (refreshed coarsely:
			// a deadline change costs a timer operation).
			d := srv.ReadHeaderTimeout
			if fc.served > 0 {
				d = srv.IdleTimeout
			}
			if d > 0 && fc.rdTill.Sub(now) < d-time.Second || d > 0 && fc.rdTill.Sub(now) > d {
				fc.rdTill = now.Add(d)
				_ = fc.tc.SetReadDeadline(fc.rdTill)
			}
			fc.idle.Store(true)
			if fc.f.closing.Load() {
				return 0, http.ErrServerClosed
			}
		} else if d := srv.ReadHeaderTimeout; d > 0 && fc.rdTill.Sub(now) > d {
			// A head arrives in pieces: it must be complete in time.
			fc.rdTill = now.Add(d)
			_ = fc.tc.SetReadDeadline(fc.rdTill)
		}
		n, err := fc.tc.Read(fc.buf[len(fc.buf):cap(fc.buf)])
		fc.idle.Store(false)
		fc.buf = fc.buf[:len(fc.buf)+n]
		if err != nil {
			var ne net.Error
			if len(fc.buf) > 0 && !(errors.As(err, &ne) && ne.Timeout()) && !fc.f.closing.Load() {
				return 0, nil // a head cut short: net/http answers it as it would
			}
			return 0, err
		}
	}
}

// headEnd finds the end of a request head in b, looking at line feeds
// from index from on: the length of the head and whether it ends the
// canonical way (CRLF CRLF); 0 when it has not ended yet. A head ending
// in bare line feeds is left to net/http.
func headEnd(b []byte, from int) (int, bool) {
	for {
		i := bytes.IndexByte(b[from:], '\n')
		if i < 0 {
			return 0, false
		}
		j := from + i
		switch {
		case j+1 < len(b) && b[j+1] == '\n':
			return j + 2, false
		case j+2 < len(b) && b[j+1] == '\r' && b[j+2] == '\n':
			return j + 3, j > 0 && b[j-1] == '\r'
		}
		from = j + 1
	}
}

// answer serves one request head if it is a fast-path hit, and reports
// whether it did. It writes nothing when it declines.
func (fc *frontConn) answer(head []byte) bool {
	r := &fc.req
	*r = frontReq{}
	if !parseHead(head, r) {
		return false
	}
	d := fc.f.API
	if !d.Public {
		tok, ok := bytes.CutPrefix(r.auth, []byte("Bearer "))
		if !ok || !bytes.HasPrefix(tok, []byte("vd_")) {
			return false
		}
		if string(tok) != fc.token {
			fc.token = string(tok)
		}
		if d.Tokens.Allow(fc.f.ctx, fc.token) != nil {
			return false
		}
	}
	var doc *delivery.Doc
	switch r.kind {
	case reqSlug:
		e := fc.f.hits.Hit(r.slug)
		if e == nil {
			return false
		}
		doc = e.Doc
	case reqTopics:
		doc = d.Model.Topics()
	case reqList:
		topic, page, limit := "", 1, delivery.DefaultLimit
		if r.topic != nil || r.page != nil || r.limit != nil {
			var bad map[string]string
			if topic, page, limit, bad = listQuery(r.listArg); bad != nil {
				return false
			}
		}
		doc = d.Model.List(topic, page, limit)
	}
	if doc == nil {
		return false
	}
	var origin []string
	if r.origin != nil {
		if d.anyOrigin {
			origin = hdrAny
		} else {
			origin = d.origins[string(r.origin)]
		}
	}
	notModified := r.inm != nil && etagMatchOne(bytesString(r.inm), doc.ETag)
	body, length := doc.JSON, doc.LenHdr[0]
	gz := !notModified && r.ae != nil && acceptsGzipOne(bytesString(r.ae))
	if gz {
		body, length = doc.Gzip, doc.GzipLenHdr[0]
	}

	// The router's headers in net/http's order (sorted, then Date), so
	// the two answers are byte-for-byte the same.
	w := fc.out[:0]
	if notModified {
		w = append(w, "HTTP/1.1 304 Not Modified\r\n"...)
	} else {
		w = append(w, "HTTP/1.1 200 OK\r\n"...)
	}
	if origin != nil {
		w = append(w, "Access-Control-Allow-Origin: "...)
		w = append(w, origin[0]...)
		w = append(w, "\r\nAccess-Control-Expose-Headers: "...)
		w = append(w, hdrExpose[0]...)
		w = append(w, "\r\n"...)
	}
	w = append(w, "Cache-Control: "...)
	w = append(w, d.cache[0]...)
	if doc.CacheTagHdr != nil {
		w = append(w, "\r\nCache-Tag: "...)
		w = append(w, doc.CacheTagHdr[0]...)
	}
	if !notModified {
		if gz {
			w = append(w, "\r\nContent-Encoding: "...)
			w = append(w, hdrGzip[0]...)
		}
		w = append(w, "\r\nContent-Length: "...)
		w = append(w, length...)
		w = append(w, "\r\nContent-Type: "...)
		w = append(w, hdrJSON[0]...)
	}
	w = append(w, "\r\nEtag: "...)
	w = append(w, doc.ETag...)
	w = append(w, "\r\nReferrer-Policy: "...)
	w = append(w, hdrNoReferrer[0]...)
	if doc.SurrogateKeyHdr != nil {
		w = append(w, "\r\nSurrogate-Key: "...)
		w = append(w, doc.SurrogateKeyHdr[0]...)
	}
	w = append(w, "\r\nVary: "...)
	w = append(w, d.vary[0]...)
	w = append(w, "\r\nX-Content-Type-Options: "...)
	w = append(w, hdrNosniff[0]...)
	w = append(w, "\r\nDate: "...) // last, as net/http writes it
	w = appendDate(w)
	w = append(w, "\r\n\r\n"...)
	fc.out = w

	if t := fc.f.Server.WriteTimeout; t > 0 {
		if now := time.Now(); now.Sub(fc.wrSet) > time.Second {
			fc.wrSet = now
			_ = fc.tc.SetWriteDeadline(now.Add(t))
		}
	}
	fc.f.answers.Add(1)
	var err error
	if notModified || r.head {
		_, err = fc.tc.Write(w)
	} else {
		fc.bufs = [2][]byte{w, body}
		fc.vec = fc.bufs[:]
		_, err = fc.vec.WriteTo(fc.tc)
		fc.bufs = [2][]byte{}
	}
	if err != nil {
		// The response is cut short; the client sees the connection
		// close, as it would from net/http.
		_ = fc.tc.Close()
	}
	return true
}

// setOnce stores a value met for the first time; a repeat declines (the
// front keeps to requests with one reading).
func setOnce(dst *[]byte, v []byte) bool {
	if *dst != nil {
		return false
	}
	*dst = v
	return true
}

// listArg gives listQuery the request's list parameters.
func (r *frontReq) listArg(k string) string {
	switch k {
	case "topic":
		return string(r.topic)
	case "page":
		return string(r.page)
	case "limit":
		return string(r.limit)
	}
	return ""
}

// parseHead accepts only the fast path's shape (see Front) and fills r.
func parseHead(b []byte, r *frontReq) bool {
	line, b, ok := cutLine(b)
	if !ok {
		return false
	}
	switch {
	case bytes.HasPrefix(line, []byte("GET ")):
		line = line[4:]
	case bytes.HasPrefix(line, []byte("HEAD ")):
		line, r.head = line[5:], true
	default:
		return false
	}
	target, proto, ok := bytes.Cut(line, []byte(" "))
	if !ok || string(proto) != "HTTP/1.1" {
		return false
	}
	path, query, hasQuery := bytes.Cut(target, []byte("?"))
	switch {
	case string(path) == "/api/v1/topics" && !hasQuery:
		r.kind = reqTopics
	case string(path) == "/api/v1/articles":
		r.kind = reqList
		if hasQuery && !parseListQuery(query, r) {
			return false
		}
	default:
		slug, ok := bytes.CutPrefix(path, []byte("/api/v1/articles/"))
		if !ok || hasQuery || !isSlug(slug) {
			return false
		}
		r.kind, r.slug = reqSlug, slug
	}
	for {
		if line, b, ok = cutLine(b); !ok {
			return false
		}
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return false
		}
		name, value := line[:colon], trimOWS(line[colon+1:])
		for _, c := range name {
			if !isTokenChar(c) {
				return false
			}
		}
		for _, c := range value {
			if c < ' ' && c != '\t' || c == 0x7f {
				return false
			}
		}
		switch {
		case bytes.EqualFold(name, []byte("Host")):
			r.hosts++
			for _, c := range value {
				if !isHostChar(c) {
					return false
				}
			}
		case bytes.EqualFold(name, []byte("Authorization")):
			if !setOnce(&r.auth, value) {
				return false
			}
		case bytes.EqualFold(name, []byte("Accept-Encoding")):
			if !setOnce(&r.ae, value) {
				return false
			}
		case bytes.EqualFold(name, []byte("If-None-Match")):
			if !setOnce(&r.inm, value) {
				return false
			}
		case bytes.EqualFold(name, []byte("Origin")):
			if !setOnce(&r.origin, value) {
				return false
			}
		case bytes.EqualFold(name, []byte("Connection")):
			if !bytes.EqualFold(value, []byte("keep-alive")) {
				return false
			}
		case bytes.EqualFold(name, []byte("Content-Length")),
			bytes.EqualFold(name, []byte("Transfer-Encoding")),
			bytes.EqualFold(name, []byte("Expect")),
			bytes.EqualFold(name, []byte("Upgrade")):
			return false
		}
	}
	return len(b) == 0 && r.hosts == 1
}

func isSlug(b []byte) bool {
	if len(b) == 0 || len(b) > 200 {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// parseListQuery accepts only what url.ParseQuery reads the same way and
// the router would look at: topic, page and limit, once each, non-empty,
// of [a-z0-9-] (no escapes, no '+', no ';').
func parseListQuery(q []byte, r *frontReq) bool {
	for len(q) > 0 {
		var part []byte
		part, q, _ = bytes.Cut(q, []byte("&"))
		k, v, ok := bytes.Cut(part, []byte("="))
		if !ok || !isSlug(v) {
			return false
		}
		var dst *[]byte
		switch string(k) {
		case "topic":
			dst = &r.topic
		case "page":
			dst = &r.page
		case "limit":
			dst = &r.limit
		default:
			return false
		}
		if !setOnce(dst, v) {
			return false
		}
	}
	return true
}

// cutLine splits off one CRLF-terminated line; a bare LF or CR declines.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 1 || b[i-1] != '\r' {
		return nil, nil, false
	}
	line = b[:i-1]
	if bytes.IndexByte(line, '\r') >= 0 {
		return nil, nil, false
	}
	return line, b[i+1:], true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// isTokenChar: RFC 9110 tchar.
func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
}

// isHostChar is a conservative host[:port] alphabet; anything else is
// left to net/http's own validation.
func isHostChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_'
}

// bytesString views b as a string for a call that does not keep it.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// The Date header, formatted once a second.
var dateCache atomic.Pointer[dateLine]

type dateLine struct {
	sec int64
	b   []byte
}

func appendDate(w []byte) []byte {
	now := time.Now()
	d := dateCache.Load()
	if d == nil || d.sec != now.Unix() {
		d = &dateLine{sec: now.Unix(), b: now.UTC().AppendFormat(nil, http.TimeFormat)}
		dateCache.Store(d)
	}
	return append(w, d.b...)
}

// prefixConn is a connection handed over: Read returns the bytes the
// front already read before the rest.
type prefixConn struct {
	*net.TCPConn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.TCPConn.Read(p)
}

// handoffListener hands connections from the Front to the http.Server.
type handoffListener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
	addr net.Addr
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return l.addr }
