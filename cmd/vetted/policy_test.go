package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const rolePassword = "a long enough password 1"

// roleClient calls the management API with a bearer token.
type roleClient struct {
	t           *testing.T
	base, token string
}

func (c *roleClient) call(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func (c *roleClient) must(want int, method, path string, body, out any) {
	c.t.Helper()
	st, b := c.call(method, path, body)
	if st != want {
		c.t.Fatalf("%s %s: %d %s; want %d", method, path, st, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func roleLogin(t *testing.T, base, email string) *roleClient {
	t.Helper()
	var out struct{ Token string }
	(&roleClient{t: t, base: base}).must(200, "POST", "/api/admin/session", map[string]string{"email": email, "password": rolePassword}, &out)
	return &roleClient{t: t, base: base, token: out.Token}
}

type roleArticle struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	ContentHash string `json:"contentHash"`
	Live        *struct {
		ContentHash string `json:"contentHash"`
	} `json:"live"`
}

func roleContent(slug string) map[string]any {
	return map[string]any{"slug": slug, "title": "Sleep and mood " + slug, "summary": "How sleep shapes mood.", "keyTakeaways": []string{"Keep a routine."},
		"sections": []map[string]string{{"heading": "Routine", "body": "Same time every night."}}, "topics": []string{"sleep"}}
}

// policyDirWith writes the default model and policy plus extra lines into
// a directory for VETTED_POLICY_DIR.
func policyDirWith(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"model.conf", "policy.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "policies", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "policy.csv" {
			b = append(b, extra...)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestCustomRoleFromPolicyDir: an operator's policy adds medical_director
// with every right of clinical_reviewer and editor. Users can be given
// the role; /me reports its rights from the policy; a medical director
// signs off and publishes someone else's article, but cannot sign what
// they wrote, nor sign without a verified license. A role the policy does
// not name cannot be given.
func TestCustomRoleFromPolicyDir(t *testing.T) {
	dir := policyDirWith(t, "\n# operator: medical directors review and publish\ng, medical_director, clinical_reviewer\ng, medical_director, editor\n")
	env := map[string]string{"VETTED_ADDR": "127.0.0.1:0", "VETTED_DATA_DIR": t.TempDir(), "VETTED_POLICY_DIR": dir,
		"VETTED_ADMIN_EMAIL": "admin@example.org", "VETTED_ADMIN_PASSWORD": rolePassword}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuf
	base, done := startRun(t, ctx, env, &stdout, &stderr)
	defer func() { cancel(); <-done }()

	admin := roleLogin(t, base, "admin@example.org")
	var roles struct{ Items []string }
	admin.must(200, "GET", "/api/admin/roles", nil, &roles)
	if !slices.Contains(roles.Items, "medical_director") {
		t.Fatalf("roles %v lack medical_director", roles.Items)
	}
	newUser := func(email, role string, verified bool) {
		in := map[string]any{"email": email, "name": strings.Split(email, "@")[0], "password": rolePassword, "roles": []string{role}}
		if role == "medical_director" {
			in["credentials"] = "MD"
			in["license"] = map[string]string{"type": "MD", "number": "MD-" + email, "jurisdiction": "Oregon", "expiresOn": time.Now().AddDate(2, 0, 0).Format(time.DateOnly)}
		}
		var u struct{ ID string }
		admin.must(201, "POST", "/api/admin/users", in, &u)
		if verified {
			admin.must(200, "POST", "/api/admin/users/"+u.ID+"/license/verify", nil, nil)
		}
	}
	if st, body := admin.call("POST", "/api/admin/users", map[string]any{"email": "x@example.org", "name": "X", "password": rolePassword, "roles": []string{"chief"}}); st != 400 || !strings.Contains(string(body), `"roles[0]"`) {
		t.Errorf("a role the policy does not name: %d %s", st, body)
	}
	newUser("writer@example.org", "writer", false)
	newUser("md@example.org", "medical_director", true)
	newUser("md2@example.org", "medical_director", false) // license on file, not verified
	writer, md, mdUnverified := roleLogin(t, base, "writer@example.org"), roleLogin(t, base, "md@example.org"), roleLogin(t, base, "md2@example.org")

	var me struct {
		Permissions struct {
			Routes        []string `json:"routes"`
			OwnArticles   []string `json:"ownArticles"`
			OtherArticles []string `json:"otherArticles"`
		} `json:"permissions"`
	}
	md.must(200, "GET", "/api/admin/me", nil, &me)
	for _, act := range []string{"approve", "publish", "request_changes", "edit", "archive"} {
		if !slices.Contains(me.Permissions.OtherArticles, act) {
			t.Errorf("/me: medical_director may not %s others' articles: %v", act, me.Permissions.OtherArticles)
		}
	}
	if !slices.Contains(me.Permissions.Routes, "GET /api/admin/reviews/due") || slices.Contains(me.Permissions.Routes, "GET /api/admin/users") {
		t.Errorf("/me routes: %v", me.Permissions.Routes)
	}

	submitted := func(c *roleClient, slug string) roleArticle {
		var a roleArticle
		c.must(201, "POST", "/api/admin/articles", roleContent(slug), &a)
		c.must(200, "POST", "/api/admin/articles/"+a.ID+"/transitions", map[string]any{"action": "submit"}, &a)
		return a
	}
	sign := func(c *roleClient, a roleArticle) (int, string) {
		st, b := c.call("POST", "/api/admin/articles/"+a.ID+"/transitions", map[string]any{"action": "approve", "password": rolePassword, "contentHash": a.ContentHash})
		return st, string(b)
	}

	// Someone else's article: sign off and publish.
	a := submitted(writer, "writers-article")
	if st, b := sign(md, a); st != 200 {
		t.Fatalf("medical director sign-off: %d %s", st, b)
	}
	var pub roleArticle
	md.must(200, "POST", "/api/admin/articles/"+a.ID+"/transitions", map[string]any{"action": "publish"}, &pub)
	if pub.Status != "published" || pub.Live == nil || pub.Live.ContentHash != a.ContentHash {
		t.Errorf("after publish: %+v", pub)
	}
	// Their own article: never.
	own := submitted(md, "directors-own-article")
	if st, b := sign(md, own); st != 403 || !strings.Contains(b, `"self_review"`) {
		t.Errorf("medical director signed own article: %d %s", st, b)
	}
	// Without a verified license: never.
	second := submitted(writer, "writers-second-article")
	if st, b := sign(mdUnverified, second); st != 403 || !strings.Contains(b, `"license"`) {
		t.Errorf("unverified medical director signed: %d %s", st, b)
	}
}

// TestBadPolicyStopsStart: a policy naming an unknown action, or one that
// does not parse, stops the server before it starts, exit 2, with a
// message naming the variable, the file and the line.
func TestBadPolicyStopsStart(t *testing.T) {
	cases := []struct {
		extra string
		want  []string
	}{
		{"p, medical_director, article:*, approve|publsh\n", []string{"VETTED_POLICY_DIR", "policy.csv line", `unknown action "publsh"`}},
		{"p, medical_director, article:*\n", []string{"VETTED_POLICY_DIR", "p, ROLE, OBJECT, ACTIONS"}},
	}
	for _, c := range cases {
		env := map[string]string{"VETTED_ADDR": "127.0.0.1:0", "VETTED_DATA_DIR": t.TempDir(), "VETTED_POLICY_DIR": policyDirWith(t, c.extra)}
		var out, errOut bytes.Buffer
		if code := run(context.Background(), nil, envOf(env), &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d, want 2; %s", c.extra, code, errOut.String())
		}
		for _, w := range c.want {
			if !strings.Contains(errOut.String(), w) {
				t.Errorf("%q: message lacks %q: %s", c.extra, w, errOut.String())
			}
		}
	}
}
