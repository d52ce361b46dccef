package policies

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func load(t *testing.T) *Enforcer {
	t.Helper()
	e, err := Load("")
	if err != nil {
		t.Fatalf("default policy: %v", err)
	}
	return e
}

// TestDefaultArticleRights: what the default policy lets each role do on
// articles it authors and on anyone else's. workflow's tests use the same
// table (defaultRights in workflow/helpers_test.go).
func TestDefaultArticleRights(t *testing.T) {
	e := load(t)
	cases := []struct {
		role        string
		own, others []string
	}{
		{"writer", []string{"create", "edit", "comment", "submit", "withdraw"}, nil},
		{"clinical_reviewer", []string{"comment", "request_changes", "approve", "recertify"}, []string{"comment", "request_changes", "approve", "recertify"}},
		{"editor", []string{"create", "edit", "comment", "submit", "withdraw", "publish", "unschedule", "unpublish", "archive"},
			[]string{"edit", "comment", "submit", "withdraw", "publish", "unschedule", "unpublish", "archive"}},
		{"admin", nil, nil},
		{"member", nil, nil},
		{"nobody", nil, nil},
	}
	for _, c := range cases {
		if got := e.ArticleRights([]string{c.role}, true); !slices.Equal(got, c.own) {
			t.Errorf("%s on own articles: %v, want %v", c.role, got, c.own)
		}
		if got := e.ArticleRights([]string{c.role}, false); !slices.Equal(got, c.others) {
			t.Errorf("%s on others' articles: %v, want %v", c.role, got, c.others)
		}
	}
	// Admin rights are admin's alone.
	for _, obj := range adminObjects {
		for _, role := range []string{"writer", "clinical_reviewer", "editor", "member"} {
			if e.AllowAny([]string{role}, obj, ActManage) {
				t.Errorf("%s may manage %s", role, obj)
			}
		}
		if !e.AllowAny([]string{"admin"}, obj, ActManage) {
			t.Errorf("admin may not manage %s", obj)
		}
	}
}

// TestRolesAreThePolicys: the roles a user may hold are those the policy
// names, in p rules and g inheritances alike.
func TestRolesAreThePolicys(t *testing.T) {
	if got, want := load(t).Roles(), []string{"admin", "clinical_reviewer", "editor", "member", "writer"}; !slices.Equal(got, want) {
		t.Errorf("roles %v, want %v", got, want)
	}
	e := writePolicy(t, defaultPolicy+"\ng, medical_director, clinical_reviewer\ng, medical_director, editor\n")
	if !e.HasRole("medical_director") || e.HasRole("nobody") {
		t.Errorf("roles %v", e.Roles())
	}
	// Inheritance: every right of both parents.
	own := e.ArticleRights([]string{"medical_director"}, false)
	for _, a := range []string{"approve", "publish", "request_changes", "archive"} {
		if !slices.Contains(own, a) {
			t.Errorf("medical_director lacks %s: %v", a, own)
		}
	}
	if !e.AllowAny([]string{"medical_director"}, "/api/admin/reviews/due", "GET") {
		t.Error("medical_director lacks a route of its parents")
	}
}

// TestRouteMatching: a trailing * covers the rest of a template, methods
// are matched whole (GET never matches a rule for GETX, publish never
// unpublish), and anything unlisted is denied.
func TestRouteMatching(t *testing.T) {
	e := load(t)
	cases := []struct {
		role, obj, act string
		want           bool
	}{
		{"writer", "/api/admin/articles/:id/revisions/:rev", "GET", true},
		{"writer", "/api/admin/articles/:id", "PATCH", true},
		{"writer", "/api/admin/articles/:id", "DELETE", false},
		{"writer", "/api/admin/users", "GET", false},
		{"admin", "/api/admin/users/:id/license/verify", "POST", true},
		{"admin", "/api/admin/articles/:id", "PUT", false},
		{"clinical_reviewer", "/api/admin/articles/:id/transitions", "POST", true},
		{"clinical_reviewer", "/api/admin/articles", "POST", false},
		{"editor", ObjOtherArticle, "unpublish", true},
		{"writer", ObjOwnArticle, "publish", false},
		{"writer", ObjOwnArticle, "ubmi", false},
		{"writer", ObjOwnArticle, "submit|publish", false},
	}
	for _, c := range cases {
		if got := e.AllowAny([]string{c.role}, c.obj, c.act); got != c.want {
			t.Errorf("%s %s %s: %v, want %v", c.role, c.act, c.obj, got, c.want)
		}
	}
}

// writePolicy loads policy.csv text with the default model from a
// directory, as VETTED_POLICY_DIR does.
func writePolicy(t *testing.T, policy string) *Enforcer {
	t.Helper()
	e, err := Load(policyDir(t, defaultModel, policy))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return e
}

func policyDir(t *testing.T, model, policy string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "model.conf"), []byte(model), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "policy.csv"), []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBadPoliciesRefused: a typo in a policy stops the start with a
// message naming the file, line and problem; it never loads as a policy
// that silently denies or allows.
func TestBadPoliciesRefused(t *testing.T) {
	cases := []struct {
		name, model, policy string
		want                []string
	}{
		{"unknown workflow action", defaultModel, "p, editor, article:*, publsh\n", []string{"line 1", `unknown action "publsh"`, "publish"}},
		{"unknown method", defaultModel, "# c\np, editor, /api/admin/articles, FETCH\n", []string{"line 2", `unknown action "FETCH"`}},
		{"unknown object", defaultModel, "p, editor, articles, publish\n", []string{`unknown object "articles"`}},
		{"manage on an article", defaultModel, "p, editor, article:own, manage\n", []string{`unknown action "manage"`}},
		{"missing column", defaultModel, "p, editor, article:*\n", []string{"p, ROLE, OBJECT, ACTIONS"}},
		{"bad inheritance", defaultModel, "g, editor\n", []string{"g, ROLE, PARENT"}},
		{"stray line", defaultModel, "editor can publish\n", []string{"a line is"}},
		{"bad role name", defaultModel, "p, Medical Director, article:*, approve\n", []string{"not a role name"}},
		{"empty", defaultModel, "# nothing\n", []string{"no rules"}},
		{"model without roles", strings.Replace(defaultModel, "[role_definition]\ng = _, _\n", "", 1), defaultPolicy, []string{`"g" section is missing`}},
		{"model that does not parse", "[matchers]\nm = (((\n", defaultPolicy, []string{"policy model"}},
	}
	for _, c := range cases {
		_, err := Load(policyDir(t, c.model, c.policy))
		if err == nil {
			t.Errorf("%s: loaded", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error lacks %q: %v", c.name, w, err)
			}
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing policy directory loaded")
	}
}
