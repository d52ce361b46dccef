package handlers

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/delivery"
)

// frontPair serves one router twice over real TCP: through a Front and
// straight through net/http. The same bytes sent to both must come back
// the same (but for the Date header's value): the front may answer a
// request itself only if nobody can tell.
type frontPair struct {
	front       *Front
	fast, plain string
}

func newFrontPair(t testing.TB, d *dlApp) *frontPair {
	t.Helper()
	server := func() *http.Server {
		return &http.Server{Handler: d.Router, ReadHeaderTimeout: time.Second,
			ReadTimeout: time.Second, WriteTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second}
	}
	listen := func() net.Listener {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return ln
	}
	p := &frontPair{front: &Front{API: d.API, Server: server()}}
	lnFast, lnPlain := listen(), listen()
	p.fast, p.plain = lnFast.Addr().String(), lnPlain.Addr().String()
	served := make(chan error, 2)
	go func() { served <- p.front.Serve(lnFast) }()
	plain := server()
	go func() { served <- plain.Serve(lnPlain) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.front.Shutdown(ctx); err != nil {
			t.Errorf("front shutdown: %v", err)
		}
		_ = plain.Shutdown(ctx)
		for range 2 {
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("serve returned %v, want http.ErrServerClosed", err)
			}
		}
	})
	return p
}

// exchange writes raw and then a last request that asks the server to
// close, and returns everything the server sends until it closes the
// connection. (Half-closing instead would make net/http cancel the
// request context mid-handler, a race of its own.)
func exchange(t testing.TB, addr, raw string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw+"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"); err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatal(err)
	}
	out, err := io.ReadAll(c)
	if err != nil && !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("read: %v", err)
	}
	return string(out)
}

var dateHdr = regexp.MustCompile(`(?m)^Date: [^\r]*\r$`)

func sameAnswer(t testing.TB, p *frontPair, raw string) (fast string) {
	t.Helper()
	fast = dateHdr.ReplaceAllString(exchange(t, p.fast, raw), "Date: X\r")
	plain := dateHdr.ReplaceAllString(exchange(t, p.plain, raw), "Date: X\r")
	if fast != plain {
		t.Fatalf("request %q:\nfront answered:\n%s\nnet/http answered:\n%s", raw, clip(fast), clip(plain))
	}
	return fast
}

func TestFrontAnswersLikeTheRouter(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	art := d.publish(anArticle().slug("front-one").title("Front one").sections(tenKB()...))
	d.publish(anArticle().slug("front-two").title("Front two"))
	gone := d.publish(anArticle().slug("front-gone").title("Front gone"))
	d.act(asEditor, gone.ID, "unpublish")
	p := newFrontPair(t, d)

	hit := d.get("/api/v1/articles/front-one", map[string]string{"Authorization": "Bearer " + d.Token})
	etag := hit.Header().Get("ETag")
	if hit.Code != 200 || etag == "" {
		t.Fatalf("setup: %d %q", hit.Code, etag)
	}
	_ = art
	auth := "Authorization: Bearer " + d.Token + "\r\n"
	req := func(method, path, headers string) string {
		return method + " " + path + " HTTP/1.1\r\nHost: cms.example\r\n" + headers + "\r\n"
	}
	cases := []struct {
		name, raw string
		fast      bool // the front answers it itself
	}{
		{"hit", req("GET", "/api/v1/articles/front-one", auth), true},
		{"hit, gzip", req("GET", "/api/v1/articles/front-one", auth+"Accept-Encoding: br, gzip;q=0.8\r\n"), true},
		{"hit, gzip refused", req("GET", "/api/v1/articles/front-one", auth+"Accept-Encoding: gzip;q=0\r\n"), true},
		{"hit, any encoding", req("GET", "/api/v1/articles/front-one", auth+"Accept-Encoding: *\r\n"), true},
		{"HEAD", req("HEAD", "/api/v1/articles/front-one", auth), true},
		{"HEAD, gzip", req("HEAD", "/api/v1/articles/front-one", auth+"Accept-Encoding: gzip\r\n"), true},
		{"304", req("GET", "/api/v1/articles/front-one", auth+"If-None-Match: "+etag+"\r\n"), true},
		{"304 weak in a list", req("GET", "/api/v1/articles/front-one", auth+"If-None-Match: \"x\", W/"+etag+"\r\n"), true},
		{"304 star", req("GET", "/api/v1/articles/front-one", auth+"If-None-Match: *\r\n"), true},
		{"stale etag", req("GET", "/api/v1/articles/front-one", auth+"If-None-Match: \"old\"\r\n"), true},
		{"CORS allowed origin", req("GET", "/api/v1/articles/front-one", auth+"Origin: https://site.example\r\n"), true},
		{"CORS other origin", req("GET", "/api/v1/articles/front-one", auth+"Origin: https://evil.example\r\n"), true},
		{"CORS empty origin", req("GET", "/api/v1/articles/front-one", auth+"Origin: \r\n"), true},
		{"header case and spacing", "GET /api/v1/articles/front-two HTTP/1.1\r\nhost:cms.example\r\nauthorization:   Bearer " + d.Token + " \t\r\nACCEPT-ENCODING: gzip\r\nX-Other: \x80\xff\r\n\r\n", true},
		{"keep-alive", req("GET", "/api/v1/articles/front-two", auth+"Connection: keep-alive\r\n"), true},
		{"two pipelined", req("GET", "/api/v1/articles/front-one", auth) + req("GET", "/api/v1/articles/front-two", auth), true},

		{"no token", req("GET", "/api/v1/articles/front-one", ""), false},
		{"bad token", req("GET", "/api/v1/articles/front-one", "Authorization: Bearer vd_nope\r\n"), false},
		{"not bearer", req("GET", "/api/v1/articles/front-one", "Authorization: Basic "+d.Token+"\r\n"), false},
		{"two tokens", req("GET", "/api/v1/articles/front-one", auth+auth), false},
		{"unknown slug", req("GET", "/api/v1/articles/no-such", auth), false},
		{"unpublished", req("GET", "/api/v1/articles/front-gone", auth), false},
		{"query", req("GET", "/api/v1/articles/front-one?x=1", auth), false},
		{"escaped slug", req("GET", "/api/v1/articles/front%2Done", auth), false},
		{"upper-case slug", req("GET", "/api/v1/articles/Front-one", auth), false},
		{"trailing slash", req("GET", "/api/v1/articles/front-one/", auth), false},
		{"list", req("GET", "/api/v1/articles", auth), true},
		{"list, empty query", req("GET", "/api/v1/articles?", auth), true},
		{"list page 2 of 1", req("GET", "/api/v1/articles?page=2&limit=1", auth), true},
		{"list by topic", req("GET", "/api/v1/articles?topic=anxiety&limit=5", auth+"Accept-Encoding: gzip\r\n"), true},
		{"list, trailing &", req("GET", "/api/v1/articles?limit=1&", auth), true},
		{"list, empty page", req("GET", "/api/v1/articles?page=99", auth), true},
		{"list 304", req("GET", "/api/v1/articles", auth+"If-None-Match: *\r\n"), true},
		{"topics", req("GET", "/api/v1/topics", auth), true},
		{"HEAD topics", req("HEAD", "/api/v1/topics", auth), true},
		{"list, bad topic", req("GET", "/api/v1/articles?topic=Anxiety", auth), false},
		{"list, page 0", req("GET", "/api/v1/articles?page=0", auth), false},
		{"list, limit 101", req("GET", "/api/v1/articles?limit=101", auth), false},
		{"list, page twice", req("GET", "/api/v1/articles?page=1&page=2", auth), false},
		{"list, other key", req("GET", "/api/v1/articles?sort=title", auth), false},
		{"list, escaped", req("GET", "/api/v1/articles?topic=anx%69ety", auth), false},
		{"list, semicolon", req("GET", "/api/v1/articles?page=1;limit=2", auth), false},
		{"list, empty value", req("GET", "/api/v1/articles?topic=", auth), false},
		{"list, &&", req("GET", "/api/v1/articles?page=1&&limit=2", auth), false},
		{"list, no token", req("GET", "/api/v1/articles", ""), false},
		{"topics with a query", req("GET", "/api/v1/topics?x=1", auth), false},
		{"topics/", req("GET", "/api/v1/topics/", auth), false},
		{"POST", req("POST", "/api/v1/articles/front-one", auth+"Content-Length: 0\r\n"), false},
		{"lower-case method", req("get", "/api/v1/articles/front-one", auth), false},
		{"HTTP/1.0", "GET /api/v1/articles/front-one HTTP/1.0\r\nHost: cms.example\r\n" + auth + "\r\n", false},
		{"no Host", "GET /api/v1/articles/front-one HTTP/1.1\r\n" + auth + "\r\n", false},
		{"two Hosts", req("GET", "/api/v1/articles/front-one", auth+"Host: other.example\r\n"), false},
		{"bad Host", req("GET", "/api/v1/articles/front-one", auth+"Host: a b\r\n"), false},
		{"Connection: close", req("GET", "/api/v1/articles/front-one", auth+"Connection: close\r\n"), false},
		{"body", req("GET", "/api/v1/articles/front-one", auth+"Content-Length: 5\r\n") + "hello", false},
		{"chunked", req("GET", "/api/v1/articles/front-one", auth+"Transfer-Encoding: chunked\r\n") + "0\r\n\r\n", false},
		{"smuggling: both lengths", req("GET", "/api/v1/articles/front-one", auth+"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n") + "0\r\n\r\n", false},
		{"Expect", req("GET", "/api/v1/articles/front-one", auth+"Expect: 100-continue\r\n"), false},
		{"obs-fold", req("GET", "/api/v1/articles/front-one", auth+"X-A: b\r\n c\r\n"), false},
		{"bare LF", "GET /api/v1/articles/front-one HTTP/1.1\nHost: cms.example\n" + strings.TrimSuffix(auth, "\r\n") + "\n\n", false},
		{"space before colon", req("GET", "/api/v1/articles/front-one", auth+"X-A : b\r\n"), false},
		{"NUL in a value", req("GET", "/api/v1/articles/front-one", auth+"X-A: b\x00c\r\n"), false},
		{"absolute form", req("GET", "http://cms.example/api/v1/articles/front-one", auth), false},
		{"admin UI", req("GET", "/admin/", ""), false},
		{"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", false},
		{"hit then miss then hit", req("GET", "/api/v1/articles/front-one", auth) + req("GET", "/api/v1/articles/no-such", auth) + req("GET", "/api/v1/articles/front-two", auth), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := p.front.Answered()
			out := sameAnswer(t, p, tc.raw)
			if out == "" {
				t.Fatalf("no answer at all")
			}
			if answered := p.front.Answered() > before; answered != tc.fast {
				t.Errorf("answered by the front: %v, want %v\n%s", answered, tc.fast, clip(out))
			}
		})
	}
}

// TestFrontKeepsTheConnectionAcrossAHandOver: after the front hands a
// connection over, net/http answers the following requests on it.
func TestFrontKeepsTheConnectionAcrossAHandOver(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	d.publish(anArticle().slug("front-kept").title("Front kept"))
	p := newFrontPair(t, d)
	c, err := net.Dial("tcp", p.fast)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	get := func(path string, headers ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, "http://cms.example"+path, nil)
		req.Header.Set("Authorization", "Bearer "+d.Token)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		if err := req.Write(c); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(br, req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body = io.NopCloser(bytes.NewReader(body))
		return res
	}
	start := p.front.Answered()
	for i, step := range []struct {
		path string
		code int
	}{{"/api/v1/articles/front-kept", 200}, {"/api/v1/articles/nope", 404}, {"/api/v1/articles/front-kept", 200}, {"/api/v1/topics", 200}} {
		if res := get(step.path); res.StatusCode != step.code {
			t.Fatalf("step %d %s: %d, want %d", i, step.path, res.StatusCode, step.code)
		}
	}
	if n := p.front.Answered() - start; n != 1 {
		t.Errorf("the front answered %d requests; want 1 (the first; the rest after the hand-over)", n)
	}
}

// TestFrontTimeouts: a head that never completes is cut off at the
// header timeout, as net/http cuts it off.
func TestFrontTimeouts(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &Front{API: d.API, Server: &http.Server{Handler: d.Router, ReadHeaderTimeout: 300 * time.Millisecond, IdleTimeout: time.Minute}}
	go func() { _ = f.Serve(ln) }()
	t.Cleanup(func() { _ = f.Shutdown(context.Background()) })
	for _, partial := range []string{"", "GET /api/v1/articles/x HTTP/1.1\r\nHost: a\r\n"} {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _ = io.WriteString(c, partial)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		start := time.Now()
		if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil || isTimeout(err) {
			t.Fatalf("%q: read %d, %v: want the server to close the connection", partial, n, err)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("%q: closed after %s; want about the header timeout", partial, el)
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestFrontShutdownClosesIdleConnections: Shutdown returns promptly with
// keep-alive connections open, on both sides of the hand-over.
func TestFrontShutdownClosesIdleConnections(t *testing.T) {
	d := newDeliveryApp(t, delivery.Config{}, false)
	d.publish(anArticle().slug("front-idle").title("Front idle"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &Front{API: d.API, Server: &http.Server{Handler: d.Router, IdleTimeout: time.Minute}}
	served := make(chan error, 1)
	go func() { served <- f.Serve(ln) }()
	var conns []net.Conn
	for _, path := range []string{"/api/v1/articles/front-idle", "/healthz"} {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _ = io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer "+d.Token+"\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, res, err)
		}
		conns = append(conns, c)
	}
	if f.Answered() != 1 {
		t.Fatalf("answered %d, want 1", f.Answered())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := f.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("shutdown took %s with idle connections", el)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v", err)
	}
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil || isTimeout(err) {
			t.Errorf("connection %d still open after shutdown: %d %v", i, n, err)
		}
	}
}

// FuzzFront sends arbitrary request bytes to the front and to net/http:
// the answers must be the same, so whatever the front does not
// understand reaches net/http's own validation.
func FuzzFront(f *testing.F) {
	d := newDeliveryApp(f, delivery.Config{}, false)
	d.publish(anArticle().slug("fuzz-one").title("Fuzz one"))
	p := newFrontPair(f, d)
	// TOKEN stands for this process's delivery token: seeds outlive it.
	auth := "Authorization: Bearer TOKEN\r\n"
	for _, s := range []string{
		"GET /api/v1/articles/fuzz-one HTTP/1.1\r\nHost: a\r\n" + auth + "\r\n",
		"HEAD /api/v1/articles/fuzz-one HTTP/1.1\r\nHost: a\r\n" + auth + "Accept-Encoding: gzip\r\nIf-None-Match: *\r\n\r\n",
		"GET /api/v1/articles/fuzz-one HTTP/1.1\r\nHost: a\r\n" + auth + "Origin: https://site.example\r\n\r\nGET /api/v1/articles/fuzz-one HTTP/1.1\r\nHost: a\r\n" + auth + "\r\n",
		"GET /api/v1/articles/fuzz-one HTTP/1.1\r\nHost: a\r\n" + auth + "Content-Length: 3\r\n\r\nabc",
		"GET /api/v1/articles/fuzz-one HTTP/1.1\r\nHost:\r\n" + auth + "\r\n",
		"GET /api/v1/articles?topic=anxiety&page=1&limit=2 HTTP/1.1\r\nHost: a\r\n" + auth + "\r\n",
		"HEAD /api/v1/topics HTTP/1.1\r\nHost: a\r\n" + auth + "If-None-Match: W/\"x\"\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if len(raw) > 8192 {
			return
		}
		sameAnswer(t, p, strings.ReplaceAll(raw, "TOKEN", d.Token))
	})
}
