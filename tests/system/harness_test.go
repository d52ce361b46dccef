// Package system runs the built vetted binary as separate processes — the
// embedded database alone (`vetted db`), one or several servers against
// it — and checks what holds when processes and the database fail.
package system

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/models/mongostore"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vetted-system-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "vetted")
	out, err := exec.Command("go", "build", "-o", binary, "../../cmd/vetted").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build vetted: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freeAddr returns a free loopback address whose port lies below the
// kernel's ephemeral range. A port from "127.0.0.1:0" is an ephemeral one:
// while a test's database is down (outage) or not yet started, the kernel
// can hand it to another test process's embedded database (every store
// test listens on "127.0.0.1:0"), and this test's servers then write into
// that database — both sides fail in baffling ways.
func freeAddr(t *testing.T) string {
	t.Helper()
	lo := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				lo = n
			}
		}
	}
	for i := 0; lo > 11000 && i < 200; i++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 10000+rand.IntN(lo-10000)))
		if err != nil {
			continue
		}
		defer l.Close()
		return l.Addr().String()
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// proc is a running vetted process.
type proc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	URL  string
	addr string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{out: &syncBuffer{}}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.kill() })
	return p
}

func (p *proc) kill() {
	if p.cmd.Process != nil && p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_, _ = p.cmd.Process.Wait()
	}
}

// testURI is the MongoDB the system tests run against instead of the
// embedded database (make test-mongo), or "".
var testURI = os.Getenv(mongostore.TestURIEnv)

// dbEnv is the environment that puts a server's data in dir: the
// embedded database there, or with testURI a database of its own on that
// server (one per dir, dropped when the test ends).
func dbEnv(t *testing.T, dir string) []string {
	t.Helper()
	if testURI == "" {
		return []string{"VETTED_DATA_DIR=" + dir}
	}
	testDBsMu.Lock()
	defer testDBsMu.Unlock()
	name, ok := testDBs[dir]
	if !ok {
		name = mongostore.TestDBName()
		testDBs[dir] = name
		t.Cleanup(func() {
			ctx := context.Background()
			if db, err := mongostore.Connect(ctx, testURI, name); err == nil {
				_ = db.DB.Drop(ctx)
				_ = db.Close(ctx)
			}
		})
	}
	return []string{"VETTED_DATA_DIR=" + dir, "MONGODB_URI=" + testURI, "VETTED_DB=" + name}
}

var (
	testDBsMu sync.Mutex
	testDBs   = map[string]string{}
)

// startDB runs `vetted db` on addr with its files in dir.
func startDB(t *testing.T, dir, addr string) *proc {
	t.Helper()
	p := start(t, []string{"VETTED_DATA_DIR=" + dir}, "db", "--addr", addr)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("vetted db did not listen on %s:\n%s", addr, p.out.String())
	return nil
}

// startServer runs `vetted` with env and waits for /readyz.
func startServer(t *testing.T, env ...string) *proc {
	t.Helper()
	addr := freeAddr(t)
	p := start(t, append([]string{"VETTED_ADDR=" + addr, "VETTED_SYNC_INTERVAL=100ms"}, env...))
	p.URL, p.addr = "http://"+addr, addr
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("vetted did not become ready:\n%s", p.out.String())
	return nil
}

var client = &http.Client{Timeout: 20 * time.Second}

// call makes a JSON request and decodes the answer into out (if non-nil).
func call(t *testing.T, method, url, token string, body any, hdr map[string]string, out any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, url, b, err)
		}
	}
	return resp.StatusCode, resp.Header, b
}

const demoPassword = "vetted-demo-password"

func login(t *testing.T, base, email string) string {
	t.Helper()
	var r struct{ Token string }
	if st, _, b := call(t, "POST", base+"/api/admin/session", "", map[string]string{"email": email, "password": demoPassword}, nil, &r); st != 200 {
		t.Fatalf("login %s: %d %s", email, st, b)
	}
	return r.Token
}

type article struct {
	ID          string `json:"id"`
	Version     int64  `json:"version"`
	Rev         int64  `json:"rev"`
	Status      string `json:"status"`
	Slug        string `json:"slug"`
	ContentHash string `json:"contentHash"`
	Title       string `json:"title"`
	Live        *struct {
		Rev         int64  `json:"rev"`
		ContentHash string `json:"contentHash"`
	} `json:"live"`
}

func content(title, body string) map[string]any {
	return map[string]any{"title": title, "slug": slugOf(title), "summary": "A test article written for Vetted's system tests.",
		"keyTakeaways": []string{"Tests keep promises honest."},
		"sections":     []map[string]string{{"heading": "Body", "body": body}}, "topics": []string{"testing"}}
}

func slugOf(title string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 32
		}
		return '-'
	}, title), "-")
}

func create(t *testing.T, base, token, title string) article {
	t.Helper()
	var a article
	if st, _, b := call(t, "POST", base+"/api/admin/articles", token, content(title, "First draft."), nil, &a); st != 201 {
		t.Fatalf("create: %d %s", st, b)
	}
	return a
}

func save(t *testing.T, base, token string, a article, title, body string) (int, article, []byte) {
	t.Helper()
	var out article
	st, _, b := call(t, "PUT", base+"/api/admin/articles/"+a.ID, token, content(title, body), map[string]string{"If-Match": fmt.Sprintf(`"%d"`, a.Version)}, &out)
	return st, out, b
}

func transition(t *testing.T, base, token, id string, body map[string]any) (int, article, []byte) {
	t.Helper()
	var out article
	st, _, b := call(t, "POST", base+"/api/admin/articles/"+id+"/transitions", token, body, nil, &out)
	return st, out, b
}

func get(t *testing.T, base, token, id string) article {
	t.Helper()
	var a article
	if st, _, b := call(t, "GET", base+"/api/admin/articles/"+id, token, nil, nil, &a); st != 200 {
		t.Fatalf("get %s: %d %s", id, st, b)
	}
	return a
}
