package main_test

// Helpers for tests that build the real binary and run it as a separate
// process on a data directory (crash, tamper and audit tests). This is an
// external test package so that its names never collide with package
// main's own tests.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	procAdminEmail = "root@crash.test"
	procPassword   = "a long enough password 1"
)

// buildVetted compiles cmd/vetted into a temporary directory.
func buildVetted(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := t.TempDir() + "/vetted"
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// procEnv is the environment of a vetted process on dataDir: the test's
// own, minus anything that would point it elsewhere.
func procEnv(dataDir string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "VETTED_") || strings.HasPrefix(kv, "MONGODB_URI=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "VETTED_ADDR=127.0.0.1:0", "VETTED_DATA_DIR="+dataDir, "VETTED_LOG_LEVEL=warn",
		"VETTED_ADMIN_EMAIL="+procAdminEmail, "VETTED_ADMIN_PASSWORD="+procPassword, "VETTED_SYNC_INTERVAL=50ms")
	return append(env, extra...)
}

// syncBuf is a goroutine-safe output buffer.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// vettedProc is a running server.
type vettedProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	base   string
	out    *syncBuf
	exited chan struct{}
}

// startVetted runs the server on dataDir and waits until it listens.
func startVetted(t *testing.T, bin, dataDir string) *vettedProc {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = procEnv(dataDir)
	p := &vettedProc{t: t, cmd: cmd, out: &syncBuf{}, exited: make(chan struct{})}
	cmd.Stderr = p.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.out, line)
			if rest, ok := strings.CutPrefix(line, "Vetted is running: http://"); ok {
				addr <- strings.TrimSuffix(strings.Fields(rest)[0], "/admin/")
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { p.kill() })
	select {
	case a := <-addr:
		p.base = "http://" + a
	case <-p.exited:
		t.Fatalf("vetted exited at start:\n%s", p.out)
	case <-time.After(60 * time.Second):
		t.Fatalf("vetted did not start:\n%s", p.out)
	}
	return p
}

// kill is kill -9: no shutdown, no flush.
func (p *vettedProc) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop is a graceful shutdown (SIGTERM).
func (p *vettedProc) stop() {
	p.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.t.Errorf("vetted did not stop on SIGTERM:\n%s", p.out)
		p.kill()
	}
}

// runVetted runs a one-shot subcommand and returns its exit code and output.
func runVetted(t *testing.T, bin, dataDir string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = procEnv(dataDir)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("run vetted %v: %v", args, err)
	}
	return 0, string(out)
}

// apiClient calls the management API with a bearer token.
type apiClient struct {
	base  string
	token string
	hc    *http.Client
}

func newClient(base, token string) *apiClient {
	return &apiClient{base: base, token: token, hc: &http.Client{Timeout: 20 * time.Second}}
}

// call returns the status and body, or an error when no answer came (the
// server died): such a request is not acknowledged.
func (c *apiClient) call(ctx context.Context, method, path string, body any, hdr ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

// must is call that fails the test unless the status is want.
func (c *apiClient) must(t *testing.T, want int, method, path string, body any, out any, hdr ...string) {
	t.Helper()
	st, b, err := c.call(context.Background(), method, path, body, hdr...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if st != want {
		t.Fatalf("%s %s: %d %s; want %d", method, path, st, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// login opens a session and returns a client with its token.
func login(t *testing.T, base, email string) *apiClient {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	newClient(base, "").must(t, 200, "POST", "/api/admin/session", map[string]string{"email": email, "password": procPassword}, &out)
	return newClient(base, out.Token)
}

// procUser is the part of a user answer the tests read.
type procUser struct {
	ID    string   `json:"id"`
	Email string   `json:"email"`
	Roles []string `json:"roles"`
}

// createUser creates a user through the API as admin; a clinician gets a
// license that the admin then verifies.
func createUser(t *testing.T, admin *apiClient, email string, roles []string, clinician bool) procUser {
	t.Helper()
	in := map[string]any{"email": email, "name": strings.Split(email, "@")[0], "password": procPassword, "roles": roles}
	if clinician {
		in["credentials"] = "MD"
		in["license"] = map[string]string{"type": "MD", "number": "MD-" + email, "jurisdiction": "Oregon", "expiresOn": time.Now().AddDate(2, 0, 0).Format(time.DateOnly)}
	}
	var u procUser
	admin.must(t, 201, "POST", "/api/admin/users", in, &u)
	if clinician {
		admin.must(t, 200, "POST", "/api/admin/users/"+u.ID+"/license/verify", nil, nil)
	}
	return u
}

// procArticle is the part of an article answer the tests read.
type procArticle struct {
	ID          string `json:"id"`
	Version     int64  `json:"version"`
	Rev         int64  `json:"rev"`
	Status      string `json:"status"`
	ContentHash string `json:"contentHash"`
	Slug        string `json:"slug"`
	Live        *struct {
		Rev         int64  `json:"rev"`
		ContentHash string `json:"contentHash"`
	} `json:"live"`
}

// procContent is publish-ready content for slug; variant changes the hash.
func procContent(slug string, variant int) map[string]any {
	return map[string]any{
		"slug": slug, "title": fmt.Sprintf("Breathing for panic, take %d", variant),
		"summary":      "Slow breathing helps in a panic attack.",
		"keyTakeaways": []string{"Breathe out longer than in.", fmt.Sprint("Variant ", variant)},
		"sections":     []map[string]string{{"heading": "What helps", "body": fmt.Sprintf("In for four, out for six. (%d)", variant)}},
		"topics":       []string{"anxiety"},
		// PUT takes the complete content: the optional parts as empty.
		"related": []string{}, "clinicianTake": nil, "heroImage": nil, "cta": nil, "seo": nil,
	}
}

// procEvent is an audit event as the API shows it.
type procEvent struct {
	Seq       int64     `json:"seq"`
	Key       string    `json:"key"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"`
	ArticleID string    `json:"articleId"`
	Version   int64     `json:"version"`
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Data      struct {
		ContentHash string            `json:"contentHash"`
		Changes     map[string]string `json:"changes"`
	} `json:"data"`
}
