package service

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/policies"
)

// NewUser is a request to create a user. Roles must also be roles the
// policy names (checked in CreateUser: the policy is loaded at start).
type NewUser struct {
	Email       string          `json:"email" validate:"required,max=254,email"`
	Name        string          `json:"name" validate:"notblank,max=120"`
	Password    string          `json:"password" validate:"min=12,maxbytes=256"`
	Roles       []string        `json:"roles" validate:"min=1,max=20,dive,rolename"`
	Bio         string          `json:"bio" validate:"maxbytes=2000"`
	Credentials string          `json:"credentials" validate:"maxbytes=80"`
	License     *models.License `json:"license"` // struct-level rules (models/validate.go)
	Profile
}

// Profile is the public profile a user edits themselves (admins anyone's):
// not clinical content, delivered as it is now (signers' names and
// credentials stay as signed).
type Profile struct {
	Title    string `json:"title" validate:"max=80"`
	PhotoURL string `json:"photoUrl" validate:"omitempty,imageurl"`
	PhotoAlt string `json:"photoAlt" validate:"required_with=PhotoURL,max=300"`
	URL      string `json:"url" validate:"omitempty,httpurl"`
}

// UserPatch changes a user; nil fields stay as they are.
type UserPatch struct {
	Name            *string         `json:"name" validate:"omitnil,notblank,max=120"`
	Bio             *string         `json:"bio" validate:"omitnil,maxbytes=2000"`
	Password        *string         `json:"password" validate:"omitnil,min=12,maxbytes=256"`
	CurrentPassword *string         `json:"currentPassword" validate:"omitnil,maxbytes=256"`
	Roles           *[]string       `json:"roles" validate:"omitnil,min=1,max=20,dive,rolename"`
	Active          *bool           `json:"active"`
	Credentials     *string         `json:"credentials" validate:"omitnil,maxbytes=80"`
	License         *models.License `json:"license"`
	ClearLicense    bool            `json:"clearLicense"`
	Title           *string         `json:"title" validate:"omitnil,max=80"`
	PhotoURL        *string         `json:"photoUrl" validate:"omitnil,omitempty,imageurl"`
	PhotoAlt        *string         `json:"photoAlt" validate:"omitnil,max=300"`
	URL             *string         `json:"url" validate:"omitnil,omitempty,httpurl"`
}

// policyRoles adds, to the shape errors in f, every role the policy does
// not name: the roles a user may hold are the policy's.
func (s *Service) policyRoles(roles []string, f map[string]string) {
	for i, r := range roles {
		key := fmt.Sprintf("roles[%d]", i)
		if _, bad := f[key]; !bad && !s.Policy.HasRole(r) {
			f[key] = "not a role of the policy (GET /api/admin/roles lists them)"
		}
	}
}

// CreateUser creates a user (those the policy lets manage users; the
// first admin comes from the environment or the command line, with actor
// nil).
func (s *Service) CreateUser(ctx context.Context, actor *models.User, in NewUser) (*models.User, error) {
	if actor != nil && !s.may(actor, policies.ObjUsers) {
		return nil, models.Errorf(models.ErrForbidden, "your role may not create users")
	}
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	f := models.Fields(&in)
	if _, bad := f["email"]; !bad {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			f["email"] = "a valid email address"
		}
	}
	s.policyRoles(in.Roles, f)
	if len(f) > 0 {
		return nil, models.Invalid("the user is not valid", f)
	}
	now := s.now()
	u := &models.User{ID: NewID("u"), Email: in.Email, Name: strings.TrimSpace(in.Name), Roles: slices.Compact(slices.Sorted(slices.Values(in.Roles))),
		Bio: in.Bio, Credentials: in.Credentials, Title: in.Title, PhotoURL: in.PhotoURL, PhotoAlt: in.PhotoAlt, URL: in.URL, Active: true, PasswordHash: HashPassword(in.Password), CreatedAt: now, UpdatedAt: now}
	if in.License != nil {
		l := *in.License
		l.VerifiedAt, l.VerifiedBy = nil, ""
		u.License = &l
	}
	ev := s.auditEvent(actor, models.ActionUserCreate, u.ID, map[string]string{"email": u.Email, "roles": strings.Join(u.Roles, ",")})
	if err := s.saveUser(ctx, u, ev, true); err != nil {
		return nil, err
	}
	return u, nil
}

// GetUser returns a user's profile: admins read anyone's, others only
// their own.
func (s *Service) GetUser(ctx context.Context, actor *models.User, id string) (*models.User, error) {
	if actor.ID != id && !s.may(actor, policies.ObjUsers) {
		return nil, models.Errorf(models.ErrForbidden, "you may read only your own profile")
	}
	return s.Users.Get(ctx, id)
}

// UpdateUser applies a patch. Admins change anything of anyone but their
// own roles and activation; everyone may change their own name, bio and
// password (with the current password). Password, role and activation
// changes end the user's sessions everywhere.
func (s *Service) UpdateUser(ctx context.Context, actor *models.User, id string, p UserPatch) (*models.User, error) {
	u, err := s.Users.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	self := actor.ID == u.ID
	admin := s.may(actor, policies.ObjUsers)
	if !admin && !self {
		return nil, models.Errorf(models.ErrForbidden, "you may change only your own profile")
	}
	f := models.Fields(&p)
	changes := map[string]string{}
	if !admin && (p.Roles != nil || p.Active != nil || p.Credentials != nil || p.License != nil || p.ClearLicense) {
		return nil, models.Errorf(models.ErrForbidden, "your role may not change roles, activation, credentials or licenses")
	}
	if self && (p.Roles != nil || p.Active != nil) {
		return nil, models.Errorf(models.ErrForbidden, "you cannot change your own roles or activation; ask another admin")
	}
	if self && (p.License != nil || p.ClearLicense) && u.License != nil && u.License.VerifiedAt != nil {
		// Changing one's own license clears the verification anyway, but
		// make it explicit that self-service never keeps a verification.
		changes["license.selfChange"] = "true"
	}
	epoch := false
	if p.Password != nil && self {
		// Before any field of u changes: checkPassword saves u to count a
		// failure, and must never save half a refused patch with it.
		if p.CurrentPassword == nil {
			f["currentPassword"] = "required to change your password"
		} else if err := s.checkPassword(ctx, u, *p.CurrentPassword); err != nil {
			if errors.Is(err, models.ErrLocked) {
				return nil, err
			}
			f["currentPassword"] = "is wrong"
		}
	}
	if photo, alt := pick(p.PhotoURL, u.PhotoURL), pick(p.PhotoAlt, u.PhotoAlt); photo != "" && strings.TrimSpace(alt) == "" {
		f["photoAlt"] = "required with a photo: describe it for people who cannot see it"
	}
	if len(f) > 0 {
		return nil, models.Invalid("the change is not valid", f)
	}
	for _, c := range []struct {
		name string
		in   *string
		to   *string
	}{{"title", p.Title, &u.Title}, {"photoUrl", p.PhotoURL, &u.PhotoURL}, {"photoAlt", p.PhotoAlt, &u.PhotoAlt}, {"url", p.URL, &u.URL}} {
		if c.in != nil && strings.TrimSpace(*c.in) != *c.to {
			*c.to, changes[c.name] = strings.TrimSpace(*c.in), "changed"
		}
	}
	if p.Name != nil {
		n := strings.TrimSpace(*p.Name)
		u.Name, changes["name"] = n, n
	}
	if p.Bio != nil {
		u.Bio, changes["bio"] = *p.Bio, "changed"
	}
	if p.Password != nil {
		u.PasswordHash, changes["password"], epoch = HashPassword(*p.Password), "changed", true
	}
	if p.Roles != nil {
		s.policyRoles(*p.Roles, f)
		roles := slices.Compact(slices.Sorted(slices.Values(*p.Roles)))
		if !slices.Equal(roles, u.Roles) {
			u.Roles, changes["roles"], epoch = roles, strings.Join(roles, ","), true
		}
	}
	if p.Active != nil && *p.Active != u.Active {
		u.Active, changes["active"], epoch = *p.Active, fmt.Sprint(*p.Active), true
	}
	if p.Credentials != nil {
		u.Credentials, changes["credentials"] = *p.Credentials, *p.Credentials
	}
	if p.ClearLicense {
		u.License, changes["license"] = nil, "removed"
	} else if p.License != nil {
		l := *p.License
		old := u.License
		if old != nil && old.Type == l.Type && old.Number == l.Number && old.Jurisdiction == l.Jurisdiction && old.ExpiresOn == l.ExpiresOn {
			l.VerifiedAt, l.VerifiedBy = old.VerifiedAt, old.VerifiedBy
		} else {
			l.VerifiedAt, l.VerifiedBy = nil, "" // a changed license must be verified again
			changes["license"] = fmt.Sprintf("%s %s (%s) until %s; verification cleared", l.Type, l.Number, l.Jurisdiction, l.ExpiresOn)
		}
		u.License = &l
	}
	if len(f) > 0 {
		return nil, models.Invalid("the change is not valid", f)
	}
	if len(changes) == 0 {
		return u, nil
	}
	if epoch {
		u.SessionEpoch++
	}
	u.UpdatedAt = s.now()
	if err := s.saveUser(ctx, u, s.auditEvent(actor, models.ActionUserUpdate, u.ID, changes), false); err != nil {
		return nil, err
	}
	return u, nil
}

// VerifyLicense records that an admin checked the user's license. Nobody
// verifies their own.
func (s *Service) VerifyLicense(ctx context.Context, actor *models.User, id string) (*models.User, error) {
	if !s.may(actor, policies.ObjUsers) {
		return nil, models.Errorf(models.ErrForbidden, "your role may not verify licenses")
	}
	if actor.ID == id {
		return nil, models.Errorf(models.ErrForbidden, "you cannot verify your own license")
	}
	u, err := s.Users.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.License == nil {
		return nil, models.Invalid("the user has no license to verify", map[string]string{"license": "missing"})
	}
	now := s.now()
	u.License.VerifiedAt, u.License.VerifiedBy = &now, actor.ID
	u.UpdatedAt = now
	l := u.License
	ev := s.auditEvent(actor, models.ActionLicense, u.ID, map[string]string{"license": fmt.Sprintf("%s %s (%s) until %s", l.Type, l.Number, l.Jurisdiction, l.ExpiresOn)})
	if err := s.saveUser(ctx, u, ev, false); err != nil {
		return nil, err
	}
	return u, nil
}

// pick is the patched value when the patch names one, else the current.
func pick(patch *string, current string) string {
	if patch != nil {
		return *patch
	}
	return current
}
