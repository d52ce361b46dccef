package service_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/service"
)

// TestAdminOnlyInTheService: creating users and minting or revoking
// delivery tokens is refused to non-admins by the service itself, not only
// by the route policy, so every caller (CLI, seed, tests, future routes)
// meets the rule.
func TestAdminOnlyInTheService(t *testing.T) {
	ctx := context.Background()
	svc, _, admin := newUsrService(t)
	editor, err := svc.CreateUser(ctx, admin, service.NewUser{Email: "eli@example.org", Name: "Eli", Password: "a-long-password-2", Roles: []string{"editor", "writer", "clinical_reviewer"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(ctx, editor, service.NewUser{Email: "x@example.org", Name: "X", Password: "a-long-password-3", Roles: []string{"admin"}}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("a non-admin created a user: %v", err)
	}
	if _, _, err := svc.CreateToken(ctx, editor, service.NewToken{Name: "site"}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("a non-admin minted a delivery token: %v", err)
	}
	tok, _, err := svc.CreateToken(ctx, admin, service.NewToken{Name: "site"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.RevokeToken(ctx, editor, tok.ID); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("a non-admin revoked a delivery token: %v", err)
	}
	if err := svc.RevokeToken(ctx, admin, tok.ID); err != nil {
		t.Errorf("admin revoke: %v", err)
	}
}
