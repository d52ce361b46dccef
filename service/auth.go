package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/policies"
)

// errBadLogin is the one answer for unknown accounts and wrong passwords.
var errBadLogin = models.Errorf(models.ErrUnauthenticated, "email or password is wrong")

// Login checks the password and opens a session. It returns the bearer
// token (only its hash is stored).
func (s *Service) Login(ctx context.Context, email, password string) (string, *models.User, error) {
	token, u, err := s.login(ctx, email, password)
	s.observer().SignIn(signInOutcome(err))
	return token, u, err
}

func (s *Service) login(ctx context.Context, email, password string) (string, *models.User, error) {
	u, err := s.Users.ByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, models.ErrNotFound) {
		CheckPassword(dummyHash, password)
		return "", nil, errBadLogin
	}
	if err != nil {
		return "", nil, err
	}
	if err := s.checkPassword(ctx, u, password); err != nil {
		return "", nil, err
	}
	if !u.Active {
		return "", nil, errBadLogin
	}
	token := "vs_" + randomHex(32)
	now := s.now()
	se := &models.Session{ID: sha256hex(token), UserID: u.ID, Epoch: u.SessionEpoch, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.SessionMax)}
	if err := s.Users.CreateSession(ctx, se); err != nil {
		return "", nil, err
	}
	return token, u, nil
}

// checkPassword verifies pw for u with the account lockout: failures
// count (sign-off re-entries too), and a locked account answers ErrLocked
// whatever the password.
func (s *Service) checkPassword(ctx context.Context, u *models.User, pw string) error {
	now := s.now()
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		CheckPassword(dummyHash, pw)
		return &models.Error{Err: models.ErrLocked, Message: fmt.Sprintf("too many failed attempts; try again after %s", u.LockedUntil.Format(time.RFC3339))}
	}
	ok := CheckPassword(u.PasswordHash, pw)
	if ok && u.FailedLogins == 0 && u.LockedUntil == nil {
		return nil
	}
	// The check took tens of milliseconds: save the counters on the user as
	// it is now, not on the copy read before, or a change made meanwhile
	// (an admin revoking a license, changing roles) would be overwritten.
	fresh, err := s.Users.Get(ctx, u.ID)
	if err != nil {
		return err
	}
	*u = *fresh
	if ok {
		u.FailedLogins, u.LockedUntil = 0, nil
		return s.Users.Put(ctx, u)
	}
	u.FailedLogins++
	if over := u.FailedLogins - s.Lockout.Threshold; over >= 0 {
		d := s.Lockout.Base << min(over, 20)
		if d > s.Lockout.Max || d <= 0 {
			d = s.Lockout.Max
		}
		until := now.Add(d)
		u.LockedUntil = &until
		s.observer().Lockout()
	}
	if err := s.Users.Put(ctx, u); err != nil {
		return err
	}
	return errBadLogin
}

// Authenticate resolves a session token to its user. Sessions die on
// logout, expiry, idleness, and when the user's epoch moves (password,
// role or activation change) — checked against the database on every
// call, so revocation holds on every instance at once.
func (s *Service) Authenticate(ctx context.Context, token string) (*models.User, *models.Session, error) {
	if !strings.HasPrefix(token, "vs_") || len(token) != 67 {
		return nil, nil, models.Errorf(models.ErrUnauthenticated, "sign in first")
	}
	se, err := s.Users.Session(ctx, sha256hex(token))
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, models.Errorf(models.ErrUnauthenticated, "sign in first")
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	if se.Revoked || now.After(se.ExpiresAt) || now.Sub(se.LastSeenAt) > s.SessionIdle {
		return nil, nil, models.Errorf(models.ErrUnauthenticated, "your session has ended; sign in again")
	}
	u, err := s.Users.Get(ctx, se.UserID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, models.Errorf(models.ErrUnauthenticated, "sign in first")
	}
	if err != nil {
		return nil, nil, err
	}
	if !u.Active || u.SessionEpoch != se.Epoch {
		return nil, nil, models.Errorf(models.ErrUnauthenticated, "your session has ended; sign in again")
	}
	if now.Sub(se.LastSeenAt) > time.Minute {
		se.LastSeenAt = now
		_ = s.Users.PutSession(ctx, se) // best effort: idle time is coarse
	}
	return u, se, nil
}

// Logout revokes the session.
func (s *Service) Logout(ctx context.Context, se *models.Session) error {
	se.Revoked = true
	return s.Users.PutSession(ctx, se)
}

// CSRFToken derives the anti-forgery token of a session token: the SPA
// must echo it in X-CSRF-Token on every cookie-authenticated write.
func CSRFToken(sessionToken string) string { return sha256hex("csrf:" + sessionToken)[:40] }

// NewToken is the body of POST /api/admin/tokens.
type NewToken struct {
	Name string `json:"name" validate:"notblank,max=100"`
	// Scope is delivery (the default: published content) or preview
	// (working copies through /api/v1/preview only).
	Scope string `json:"scope" validate:"omitempty,oneof=delivery preview"`
}

// Token secret prefixes, by scope: a secret says what it is before any
// lookup, so each route refuses the other kind at once.
const (
	DeliveryTokenPrefix = "vd_"
	PreviewTokenPrefix  = "vp_"
)

// CreateToken mints a site token of the given scope (delivery when
// empty); the secret is returned once.
func (s *Service) CreateToken(ctx context.Context, actor *models.User, in NewToken) (*models.Token, string, error) {
	if err := s.require(actor, policies.ObjTokens, "create delivery tokens"); err != nil {
		return nil, "", err
	}
	if err := models.Check(&in); err != nil {
		return nil, "", err
	}
	name := strings.TrimSpace(in.Name)
	scope, prefix := models.ScopeDelivery, DeliveryTokenPrefix
	if in.Scope == models.ScopePreview {
		scope, prefix = models.ScopePreview, PreviewTokenPrefix
	}
	id := NewID("t")
	secret := prefix + id + "." + randomHex(24)
	t := &models.Token{ID: id, Hash: sha256hex(secret), Name: name, Scope: scope, CreatedBy: actor.ID, CreatedAt: s.now()}
	if err := s.saveToken(ctx, t, s.auditEvent(actor, models.ActionTokenCreate, id, map[string]string{"name": name, "scope": scope}), true); err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// RevokeToken revokes a delivery token.
func (s *Service) RevokeToken(ctx context.Context, actor *models.User, id string) error {
	if err := s.require(actor, policies.ObjTokens, "revoke delivery tokens"); err != nil {
		return err
	}
	t, err := s.Users.Token(ctx, id)
	if err != nil {
		return err
	}
	if t.RevokedAt != nil {
		return nil
	}
	now := s.now()
	t.RevokedAt = &now
	return s.saveToken(ctx, t, s.auditEvent(actor, models.ActionTokenRevoke, id, map[string]string{"name": t.Name}), false)
}

// CheckDeliveryToken accepts a live delivery token and records its use.
func (s *Service) CheckDeliveryToken(ctx context.Context, secret string) error {
	return s.checkSiteToken(ctx, secret, DeliveryTokenPrefix, models.ScopeDelivery)
}

// CheckPreviewToken accepts a live preview token and records its use.
func (s *Service) CheckPreviewToken(ctx context.Context, secret string) error {
	return s.checkSiteToken(ctx, secret, PreviewTokenPrefix, models.ScopePreview)
}

func (s *Service) checkSiteToken(ctx context.Context, secret, prefix, scope string) error {
	rest, ok := strings.CutPrefix(secret, prefix)
	id, _, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 {
		return models.Errorf(models.ErrUnauthenticated, "a %s token is required", scope)
	}
	t, err := s.Users.Token(ctx, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && (t.RevokedAt != nil || t.Hash != sha256hex(secret) || t.TokenScope() != scope)) {
		return models.Errorf(models.ErrUnauthenticated, "a %s token is required", scope)
	}
	if err != nil {
		return err
	}
	now := s.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		t.LastUsedAt = &now
		_ = s.Users.PutToken(ctx, t)
	}
	return nil
}
