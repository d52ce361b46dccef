package service_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/service"
)

// TestAdminReadsInTheService: listing users and tokens and reading or
// verifying the audit trail are refused to non-admins by the service
// itself, whatever calls it; an admin gets the data, and the audit filter
// keeps only matching events, newest first, without article content.
func TestAdminReadsInTheService(t *testing.T) {
	s, _, admin := newUsrService(t)
	ctx := context.Background()
	editor := usrCreate(t, s, admin, "ed@reads.test", models.RoleEditor)
	if _, _, err := s.CreateToken(ctx, admin, service.NewToken{Name: "site"}); err != nil {
		t.Fatal(err)
	}
	for _, actor := range []*models.User{nil, editor} {
		if _, err := s.ListUsers(ctx, actor); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("ListUsers by %v: %v", actor, err)
		}
		if _, err := s.ListTokens(ctx, actor); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("ListTokens by %v: %v", actor, err)
		}
		if _, err := s.Audit(ctx, actor, service.AuditFilter{Limit: 10}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("Audit by %v: %v", actor, err)
		}
		if _, err := s.VerifyAudit(ctx, actor); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("VerifyAudit by %v: %v", actor, err)
		}
	}
	if us, err := s.ListUsers(ctx, admin); err != nil || len(us) != 2 {
		t.Errorf("admin ListUsers: %d users, %v; want 2", len(us), err)
	}
	if ts, err := s.ListTokens(ctx, admin); err != nil || len(ts) != 1 {
		t.Errorf("admin ListTokens: %d tokens, %v; want 1", len(ts), err)
	}
	evs, err := s.Audit(ctx, admin, service.AuditFilter{Action: models.ActionUserCreate, Limit: 10})
	if err != nil || len(evs) != 2 {
		t.Fatalf("admin Audit user.create: %d events, %v; want 2", len(evs), err)
	}
	if evs[0].Seq < evs[1].Seq || evs[0].Subject != editor.ID {
		t.Errorf("audit not newest first: %+v", evs)
	}
	if one, _ := s.Audit(ctx, admin, service.AuditFilter{Limit: 1}); len(one) != 1 {
		t.Errorf("limit 1 gave %d events", len(one))
	}
	if res, err := s.VerifyAudit(ctx, admin); err != nil || !res.OK {
		t.Errorf("admin VerifyAudit: %+v %v", res, err)
	}
}
