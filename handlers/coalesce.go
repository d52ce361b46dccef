package handlers

import (
	"context"
	"io"
	"net"
	"net/http"
)

// One write per delivery response.
//
// net/http writes a response through a 4 KB connection buffer: the header
// and the first bytes of the body in one write(2), the rest of a larger
// body in a second. For a 27 KB article that is two TCP pushes and two
// wake-ups of the reader per response, which on loopback and fast
// networks costs more than the handler itself (make bench: half of the
// server's CPU was under those two writes).
//
// The connections the Front hands to the http.Server can hold what net/http writes while
// a handler writes a prebuilt body, and send the held header and the body
// in one writev(2) when the body's last byte arrives. The handler asks for
// it with holdFor and always calls release when its write returns, which
// sends whatever is still held: whatever net/http does with its buffers,
// the bytes go out complete and in order, in one write when the body
// arrives whole and in two otherwise.

type connKey struct{}

// ConnContext is the http.Server hook that lets handlers reach a
// coalescing connection. Other connections (TLS, tests) are left alone.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if cc, ok := c.(*coalescingConn); ok {
		return context.WithValue(ctx, connKey{}, cc)
	}
	return ctx
}

// coalescingConn is used by one goroutine at a time: net/http writes an
// HTTP/1 connection's responses from the goroutine that runs its handler.
// It first returns, from Read, the bytes the Front read before handing
// the connection over.
type coalescingConn struct {
	*net.TCPConn
	prefix []byte
	last   *byte  // the body's last byte while holding, else nil
	held   []byte // bytes written while holding
	bufs   [2][]byte
	vec    net.Buffers
}

// maxHeld bounds the buffer a connection keeps between responses.
const maxHeld = 16 << 10

// holdFor makes the request's connection hold writes until the last byte
// of body is written. It returns nil (nothing to release) when the
// connection cannot coalesce.
func holdFor(r *http.Request, body []byte) *coalescingConn {
	cc, _ := r.Context().Value(connKey{}).(*coalescingConn)
	if cc == nil || len(body) == 0 {
		return nil
	}
	cc.last = &body[len(body)-1]
	return cc
}

func (c *coalescingConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.TCPConn.Read(p)
}

func (c *coalescingConn) Write(p []byte) (int, error) {
	if c.last == nil {
		return c.TCPConn.Write(p)
	}
	if len(p) > 0 && &p[len(p)-1] == c.last {
		c.last = nil
		c.vec = append(c.bufs[:0], c.held, p)
		_, err := c.vec.WriteTo(c.TCPConn)
		c.reset()
		if err != nil {
			return 0, err
		}
		return len(p), nil
	}
	c.held = append(c.held, p...)
	return len(p), nil
}

// ReadFrom keeps net/http's sendfile path, after anything held.
func (c *coalescingConn) ReadFrom(r io.Reader) (int64, error) {
	if err := c.release(); err != nil {
		return 0, err
	}
	return c.TCPConn.ReadFrom(r)
}

// release stops holding and sends what is held.
func (c *coalescingConn) release() error {
	c.last = nil
	if len(c.held) == 0 {
		return nil
	}
	_, err := c.TCPConn.Write(c.held)
	c.reset()
	return err
}

func (c *coalescingConn) reset() {
	c.bufs = [2][]byte{}
	if cap(c.held) > maxHeld {
		c.held = nil
	} else {
		c.held = c.held[:0]
	}
}
