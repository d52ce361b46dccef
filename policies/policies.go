// Package policies embeds Vetted's casbin model and policy (role →
// permission, with role inheritance) and loads them, or an operator's
// copies from VETTED_POLICY_DIR, into a SyncedEnforcer. It is the one
// authority on what a role may do: routes, workflow actions on articles
// and the administration rights the service checks.
package policies

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"
	"github.com/casbin/casbin/v2/util"

	"github.com/vetted-cms/vetted/workflow"
)

//go:embed model.conf
var defaultModel string

//go:embed policy.csv
var defaultPolicy string

// The objects a rule may name besides routes. An article object is asked
// with the caller's relation to the article: own (they author it) or
// other; admin objects with ActManage.
const (
	ObjOwnArticle   = "article:own"
	ObjOtherArticle = "article:other"
	ObjUsers        = "admin:users"
	ObjTokens       = "admin:tokens"
	ObjWebhooks     = "admin:webhooks"
	ObjAudit        = "admin:audit"
	ObjSettings     = "admin:settings"
	// ActManage is the one action on admin objects.
	ActManage = "manage"
)

var (
	httpMethods  = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
	adminObjects = []string{ObjUsers, ObjTokens, ObjWebhooks, ObjAudit, ObjSettings}
)

// ArticleActions are the actions a rule on an article object may name:
// create, edit, comment and every workflow action.
func ArticleActions() []string {
	out := []string{string(workflow.ActionCreate), string(workflow.ActionEdit), string(workflow.ActionComment)}
	for _, a := range workflow.Actions() {
		out = append(out, string(a))
	}
	return out
}

// Enforcer answers whether any of a user's roles allows an action.
type Enforcer struct {
	e     *casbin.SyncedEnforcer
	roles []string
}

// Load returns the embedded policy, or the model.conf and policy.csv in
// dir when dir is set. A policy that does not parse, or whose rule names
// an object or action Vetted does not know, is an error naming the file
// and line: a typo must stop the server, not silently deny (or allow).
func Load(dir string) (*Enforcer, error) {
	m, p := defaultModel, defaultPolicy
	policyFile := "policy.csv (embedded)"
	if dir != "" {
		mb, err := os.ReadFile(filepath.Join(dir, "model.conf"))
		if err != nil {
			return nil, fmt.Errorf("policy model: %w", err)
		}
		pb, err := os.ReadFile(filepath.Join(dir, "policy.csv"))
		if err != nil {
			return nil, fmt.Errorf("policy rules: %w", err)
		}
		m, p = string(mb), string(pb)
		policyFile = filepath.Join(dir, "policy.csv")
	}
	mod, err := model.NewModelFromString(m)
	if err != nil {
		return nil, fmt.Errorf("policy model: %w", err)
	}
	for _, sec := range []string{"r", "p", "g", "m"} {
		if _, ok := mod[sec]; !ok {
			return nil, fmt.Errorf("policy model: the %q section is missing (Vetted needs RBAC: r, p, g, e and m)", sec)
		}
	}
	rules, roles, err := parseRules(policyFile, p)
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewSyncedEnforcer(mod, stringadapter.NewAdapter(rules))
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if _, err := e.Enforce("member", "/", "GET"); err != nil {
		return nil, fmt.Errorf("policy model: the matcher does not evaluate: %w", err)
	}
	return &Enforcer{e: e, roles: roles}, nil
}

// parseRules checks every line of a policy file and returns the rules
// without comments, and every role the rules name, sorted.
func parseRules(file, p string) (string, []string, error) {
	var b strings.Builder
	var errs []error
	roleSet := map[string]bool{}
	for n, line := range strings.Split(p, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		f := strings.Split(t, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s line %d (%s): %s", file, n+1, t, fmt.Sprintf(format, args...)))
		}
		switch {
		case f[0] == "p" && len(f) == 4:
			if err := checkRule(f[2], f[3]); err != nil {
				bad("%v", err)
				continue
			}
		case f[0] == "g" && len(f) == 3:
		case f[0] == "p":
			bad("a rule is: p, ROLE, OBJECT, ACTIONS")
			continue
		case f[0] == "g":
			bad("an inheritance is: g, ROLE, PARENT")
			continue
		default:
			bad("a line is a p rule, a g inheritance or a # comment")
			continue
		}
		names := f[1:3] // g: the role and its parent
		if f[0] == "p" {
			names = f[1:2]
		}
		for _, r := range names {
			if !validRole(r) {
				bad("%q is not a role name (lowercase letters, digits and _)", r)
				continue
			}
			roleSet[r] = true
		}
		b.WriteString(strings.Join(f, ", "))
		b.WriteByte('\n')
	}
	if err := errors.Join(errs...); err != nil {
		return "", nil, err
	}
	roles := make([]string, 0, len(roleSet))
	for r := range roleSet {
		roles = append(roles, r)
	}
	slices.Sort(roles)
	if len(roles) == 0 {
		return "", nil, fmt.Errorf("%s: no rules", file)
	}
	return b.String(), roles, nil
}

func validRole(r string) bool {
	if r == "" || len(r) > 60 {
		return false
	}
	for _, c := range r {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// checkRule: the object is a route, an article object or an admin object,
// and every action is one that object has.
func checkRule(obj, acts string) error {
	var known []string
	switch {
	case strings.HasPrefix(obj, "/api/admin/"):
		known = httpMethods
	case obj == "article:*" || obj == ObjOwnArticle || obj == ObjOtherArticle:
		known = ArticleActions()
	case obj == "admin:*" || slices.Contains(adminObjects, obj):
		known = []string{ActManage}
	default:
		return fmt.Errorf("unknown object %q (a route under /api/admin/, article:own, article:other, article:*, %s or admin:*)", obj, strings.Join(adminObjects, ", "))
	}
	if acts == "*" {
		return nil
	}
	for _, a := range strings.Split(acts, "|") {
		if !slices.Contains(known, a) {
			return fmt.Errorf("unknown action %q for %s (known: %s)", a, obj, strings.Join(known, ", "))
		}
	}
	return nil
}

// AllowAny reports whether any role may act on obj. Errors deny.
func (e *Enforcer) AllowAny(roles []string, obj, act string) bool {
	for _, r := range roles {
		if ok, err := e.e.Enforce(r, obj, act); err == nil && ok {
			return true
		}
	}
	return false
}

// Roles returns every role the policy names, sorted: the roles a user
// may hold.
func (e *Enforcer) Roles() []string { return slices.Clone(e.roles) }

// HasRole reports whether the policy names role.
func (e *Enforcer) HasRole(role string) bool {
	_, ok := slices.BinarySearch(e.roles, role)
	return ok
}

// ArticleRights returns the article actions (ArticleActions) that roles
// allow on an article the holder authors (own) or someone else's.
func (e *Enforcer) ArticleRights(roles []string, own bool) []string {
	obj := ObjOtherArticle
	if own {
		obj = ObjOwnArticle
	}
	var out []string
	for _, a := range ArticleActions() {
		if e.AllowAny(roles, obj, a) {
			out = append(out, a)
		}
	}
	return out
}

// Rules returns every (role, object, actions) rule, for tests and docs.
func (e *Enforcer) Rules() [][]string {
	rules, _ := e.e.GetPolicy()
	return rules
}

// Matches reports whether a rule's object pattern covers obj (the model's
// keyMatch), so tests can tell a rule that names no route.
func Matches(obj, pattern string) bool { return util.KeyMatch(obj, pattern) }
