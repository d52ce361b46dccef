package service

import (
	"context"
	"time"

	"github.com/vetted-cms/vetted/audit"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/policies"
)

// The administration reads. The route policy guards them too; these
// checks ask the policy's admin:* rights for every caller.

func (s *Service) require(actor *models.User, obj, what string) error {
	if !s.may(actor, obj) {
		return models.Errorf(models.ErrForbidden, "your role may not %s", what)
	}
	return nil
}

// ListUsers returns every account.
func (s *Service) ListUsers(ctx context.Context, actor *models.User) ([]models.User, error) {
	if err := s.require(actor, policies.ObjUsers, "list users"); err != nil {
		return nil, err
	}
	us, err := s.Users.List(ctx)
	if us == nil && err == nil {
		us = []models.User{}
	}
	return us, err
}

// ListTokens returns the delivery tokens (never their secrets).
func (s *Service) ListTokens(ctx context.Context, actor *models.User) ([]models.Token, error) {
	if err := s.require(actor, policies.ObjTokens, "list delivery tokens"); err != nil {
		return nil, err
	}
	ts, err := s.Users.Tokens(ctx)
	if ts == nil && err == nil {
		ts = []models.Token{}
	}
	return ts, err
}

// AuditFilter selects audit events; zero fields do not filter.
type AuditFilter struct {
	ArticleID, Actor, Action string
	Since, Until             time.Time
	Limit                    int
}

// Audit returns the newest events matching f, without article content.
func (s *Service) Audit(ctx context.Context, actor *models.User, f AuditFilter) ([]models.Event, error) {
	if err := s.require(actor, policies.ObjAudit, "read the audit trail"); err != nil {
		return nil, err
	}
	evs, err := s.Log.Scan(ctx)
	if err != nil {
		return nil, err
	}
	out := []models.Event{}
	for i := len(evs) - 1; i >= 0 && len(out) < f.Limit; i-- {
		ev := evs[i]
		if (f.ArticleID != "" && ev.ArticleID != f.ArticleID) || (f.Actor != "" && ev.Actor != f.Actor) || (f.Action != "" && ev.Action != f.Action) ||
			(!f.Since.IsZero() && ev.At.Before(f.Since)) || (!f.Until.IsZero() && ev.At.After(f.Until)) {
			continue
		}
		ev.Data.Content = nil
		out = append(out, ev)
	}
	return out, nil
}

// VerifyAudit recomputes the hash chain and checks it against every
// checkpoint of the anchors and against the projections (audit.Verifier).
func (s *Service) VerifyAudit(ctx context.Context, actor *models.User) (audit.Report, error) {
	if err := s.require(actor, policies.ObjAudit, "verify the audit trail"); err != nil {
		return audit.Report{}, err
	}
	return s.auditVerifier().Verify(ctx)
}

// AuditAnchor reports the public key, the newest checkpoint and whether
// the log still holds it.
func (s *Service) AuditAnchor(ctx context.Context, actor *models.User) (audit.Status, error) {
	if err := s.require(actor, policies.ObjAudit, "read the audit anchor"); err != nil {
		return audit.Status{}, err
	}
	return s.auditVerifier().Status(ctx)
}

// auditVerifier is the configured verifier, or one that checks the chain
// alone.
func (s *Service) auditVerifier() *audit.Verifier {
	if s.AuditVerifier != nil {
		return s.AuditVerifier
	}
	return &audit.Verifier{Log: s.Log}
}
