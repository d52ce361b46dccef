// Package policies embeds Vetted's casbin model and policy (role →
// permission) and loads them, or an operator's copies from
// VETTED_POLICY_DIR, into a SyncedEnforcer.
package policies

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"
)

//go:embed model.conf
var defaultModel string

//go:embed policy.csv
var defaultPolicy string

// Enforcer answers whether any of a user's roles allows an action.
type Enforcer struct{ e *casbin.SyncedEnforcer }

// Load returns the embedded policy, or the model.conf and policy.csv in
// dir when dir is set.
func Load(dir string) (*Enforcer, error) {
	m, p := defaultModel, defaultPolicy
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
	}
	mod, err := model.NewModelFromString(m)
	if err != nil {
		return nil, fmt.Errorf("policy model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(mod, stringadapter.NewAdapter(stripComments(p)))
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return &Enforcer{e: e}, nil
}

func stripComments(p string) string {
	var b strings.Builder
	for _, line := range strings.Split(p, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(t)
			b.WriteByte('\n')
		}
	}
	return b.String()
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

// Rules returns every (role, object, action) rule, for tests and docs.
func (e *Enforcer) Rules() [][]string {
	rules, _ := e.e.GetPolicy()
	return rules
}
