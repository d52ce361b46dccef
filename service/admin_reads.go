package service

import (
	"context"
	"strings"
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
	for i := range ts {
		ts[i].Scope = ts[i].TokenScope()
	}
	return ts, err
}

// AuditFilter selects audit events; zero fields do not filter.
type AuditFilter struct {
	ArticleID, Actor, Action string
	Since, Until             time.Time
	Limit                    int
}

// AuditRow is an audit event as the audit list shows it: with a label
// naming its object (an article's title, a token's name, a webhook's URL,
// a user's name and email, an image's alt text).
type AuditRow struct {
	models.Event
	ObjectLabel string `json:"objectLabel"`
}

// Audit returns the newest events matching f, without article content.
func (s *Service) Audit(ctx context.Context, actor *models.User, f AuditFilter) ([]AuditRow, error) {
	if err := s.require(actor, policies.ObjAudit, "read the audit trail"); err != nil {
		return nil, err
	}
	evs, err := s.Log.Scan(ctx)
	if err != nil {
		return nil, err
	}
	// What earlier events said of their subjects names them later (a
	// webhook's deletion carries no URL, its creation does).
	said := map[string]string{}
	for i := range evs {
		if l := labelFromData(&evs[i]); l != "" {
			said[evs[i].Subject] = l
		}
	}
	users := map[string]string{}
	out := []AuditRow{}
	for i := len(evs) - 1; i >= 0 && len(out) < f.Limit; i-- {
		ev := evs[i]
		article := ev.ArticleID
		if article == "" && strings.HasPrefix(ev.Action, "comment.") {
			article = ev.Subject
		}
		if (f.ArticleID != "" && article != f.ArticleID) || (f.Actor != "" && ev.Actor != f.Actor) || (f.Action != "" && ev.Action != f.Action) ||
			(!f.Since.IsZero() && ev.At.Before(f.Since)) || (!f.Until.IsZero() && ev.At.After(f.Until)) {
			continue
		}
		ev.Data.Content = nil
		out = append(out, AuditRow{Event: ev, ObjectLabel: s.objectLabel(ctx, &ev, article, said, users)})
	}
	return out, nil
}

// labelFromData is the name an event's own data gives its subject.
func labelFromData(ev *models.Event) string {
	ch := ev.Data.Changes
	switch {
	case ev.Subject == "" || ch == nil:
		return ""
	case ch["url"] != "":
		return ch["url"]
	case ch["name"] != "":
		return ch["name"]
	case ch["alt"] != "":
		return ch["alt"]
	case ch["email"] != "":
		return ch["email"]
	}
	return ""
}

func (s *Service) objectLabel(ctx context.Context, ev *models.Event, article string, said, users map[string]string) string {
	switch {
	case article != "":
		if a, ok := s.Articles.Known(article); ok {
			return a.Content.Title
		}
		return article
	case ev.Action == models.ActionSettings:
		return "Site settings"
	case strings.HasPrefix(ev.Action, "user."):
		if l, ok := users[ev.Subject]; ok {
			return l
		}
		l := said[ev.Subject]
		if u, err := s.Users.Get(ctx, ev.Subject); err == nil {
			l = u.Name + " <" + u.Email + ">"
		}
		users[ev.Subject] = l
		return l
	case said[ev.Subject] != "":
		return said[ev.Subject]
	}
	return ev.Subject
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
