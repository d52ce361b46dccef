package service

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vetted-cms/vetted/models"
)

// NewUser is a request to create a user.
type NewUser struct {
	Email       string          `json:"email" validate:"required,email,max=254"`
	Name        string          `json:"name" validate:"required,max=120"`
	Password    string          `json:"password" validate:"required,min=12,max=256"`
	Roles       []string        `json:"roles" validate:"required,min=1,dive,oneof=writer clinical_reviewer editor admin"`
	Bio         string          `json:"bio" validate:"max=2000"`
	Credentials string          `json:"credentials" validate:"max=80"`
	License     *models.License `json:"license"`
	Profile
}

// Profile is the public profile a user edits themselves (admins anyone's):
// not clinical content, delivered as it is now (signers' names and
// credentials stay as signed).
type Profile struct {
	Title    string `json:"title" validate:"max=80"`
	PhotoURL string `json:"photoUrl" validate:"omitempty,url,max=2000"`
	PhotoAlt string `json:"photoAlt" validate:"max=300"`
	URL      string `json:"url" validate:"omitempty,url,max=2000"`
}

// validateProfile checks profile fields; "" means unchanged-or-empty.
func validateProfile(title, photoURL, photoAlt, url *string, f map[string]string) {
	if title != nil && utf8.RuneCountInString(*title) > 80 {
		f["title"] = "at most 80 characters"
	}
	if photoAlt != nil && utf8.RuneCountInString(*photoAlt) > 300 {
		f["photoAlt"] = "at most 300 characters"
	}
	for path, v := range map[string]*string{"photoUrl": photoURL, "url": url} {
		if v != nil && *v != "" && !models.ValidLink(*v) {
			f[path] = "must be an http(s) URL"
		}
	}
	if photoURL != nil && *photoURL != "" && (photoAlt == nil || strings.TrimSpace(*photoAlt) == "") {
		f["photoAlt"] = "required with a photo: describe it for people who cannot see it"
	}
}

// UserPatch changes a user; nil fields stay as they are.
type UserPatch struct {
	Name            *string         `json:"name"`
	Bio             *string         `json:"bio"`
	Password        *string         `json:"password"`
	CurrentPassword *string         `json:"currentPassword"`
	Roles           *[]string       `json:"roles"`
	Active          *bool           `json:"active"`
	Credentials     *string         `json:"credentials"`
	License         *models.License `json:"license"`
	ClearLicense    bool            `json:"clearLicense"`
	Title           *string         `json:"title"`
	PhotoURL        *string         `json:"photoUrl"`
	PhotoAlt        *string         `json:"photoAlt"`
	URL             *string         `json:"url"`
}

func validateLicense(l *models.License, f map[string]string) {
	if l == nil {
		return
	}
	if strings.TrimSpace(l.Type) == "" || len(l.Type) > 40 {
		f["license.type"] = "required, at most 40 characters"
	}
	if strings.TrimSpace(l.Number) == "" || len(l.Number) > 40 {
		f["license.number"] = "required, at most 40 characters"
	}
	if strings.TrimSpace(l.Jurisdiction) == "" || len(l.Jurisdiction) > 60 {
		f["license.jurisdiction"] = "required, at most 60 characters"
	}
	if _, err := time.Parse("2006-01-02", l.ExpiresOn); err != nil {
		f["license.expiresOn"] = "a date as YYYY-MM-DD"
	}
}

func validRoles(roles []string, f map[string]string) {
	if len(roles) == 0 {
		f["roles"] = "at least one role"
	}
	for i, r := range roles {
		if !slices.Contains(models.AllRoles, r) {
			f[fmt.Sprintf("roles[%d]", i)] = "one of writer, clinical_reviewer, editor, admin"
		}
	}
}

// CreateUser creates a user (admins only; the first admin comes from the
// environment or the command line, with actor nil).
func (s *Service) CreateUser(ctx context.Context, actor *models.User, in NewUser) (*models.User, error) {
	if actor != nil && !actor.HasRole(models.RoleAdmin) {
		return nil, models.Errorf(models.ErrForbidden, "only an admin creates users")
	}
	f := map[string]string{}
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
		f["email"] = "a valid email address"
	}
	if n := strings.TrimSpace(in.Name); n == "" || utf8.RuneCountInString(n) > 120 {
		f["name"] = "required, at most 120 characters"
	}
	if utf8.RuneCountInString(in.Password) < MinPassword || len(in.Password) > 256 {
		f["password"] = fmt.Sprintf("at least %d characters", MinPassword)
	}
	validRoles(in.Roles, f)
	if len(in.Bio) > 2000 {
		f["bio"] = "at most 2000 characters"
	}
	if len(in.Credentials) > 80 {
		f["credentials"] = "at most 80 characters"
	}
	validateLicense(in.License, f)
	validateProfile(&in.Title, &in.PhotoURL, &in.PhotoAlt, &in.URL, f)
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
	if actor.ID != id && !actor.HasRole(models.RoleAdmin) {
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
	admin := actor.HasRole(models.RoleAdmin)
	if !admin && !self {
		return nil, models.Errorf(models.ErrForbidden, "you may change only your own profile")
	}
	f := map[string]string{}
	changes := map[string]string{}
	if !admin && (p.Roles != nil || p.Active != nil || p.Credentials != nil || p.License != nil || p.ClearLicense) {
		return nil, models.Errorf(models.ErrForbidden, "only an admin changes roles, activation, credentials and licenses")
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
	if p.Name != nil {
		if n := strings.TrimSpace(*p.Name); n == "" || utf8.RuneCountInString(n) > 120 {
			f["name"] = "required, at most 120 characters"
		} else {
			u.Name, changes["name"] = n, n
		}
	}
	if p.Bio != nil {
		if len(*p.Bio) > 2000 {
			f["bio"] = "at most 2000 characters"
		} else {
			u.Bio, changes["bio"] = *p.Bio, "changed"
		}
	}
	if p.Title != nil || p.PhotoURL != nil || p.PhotoAlt != nil || p.URL != nil {
		photo, alt := &u.PhotoURL, &u.PhotoAlt
		if p.PhotoURL != nil {
			photo = p.PhotoURL
		}
		if p.PhotoAlt != nil {
			alt = p.PhotoAlt
		}
		validateProfile(p.Title, photo, alt, p.URL, f)
		for _, c := range []struct {
			name string
			in   *string
			to   *string
		}{{"title", p.Title, &u.Title}, {"photoUrl", p.PhotoURL, &u.PhotoURL}, {"photoAlt", p.PhotoAlt, &u.PhotoAlt}, {"url", p.URL, &u.URL}} {
			if c.in != nil && strings.TrimSpace(*c.in) != *c.to {
				*c.to, changes[c.name] = strings.TrimSpace(*c.in), "changed"
			}
		}
	}
	if p.Password != nil {
		if utf8.RuneCountInString(*p.Password) < MinPassword || len(*p.Password) > 256 {
			f["password"] = fmt.Sprintf("at least %d characters", MinPassword)
		}
		if len(f) == 0 {
			u.PasswordHash, changes["password"], epoch = HashPassword(*p.Password), "changed", true
		}
	}
	if p.Roles != nil {
		validRoles(*p.Roles, f)
		roles := slices.Compact(slices.Sorted(slices.Values(*p.Roles)))
		if !slices.Equal(roles, u.Roles) {
			u.Roles, changes["roles"], epoch = roles, strings.Join(roles, ","), true
		}
	}
	if p.Active != nil && *p.Active != u.Active {
		u.Active, changes["active"], epoch = *p.Active, fmt.Sprint(*p.Active), true
	}
	if p.Credentials != nil {
		if len(*p.Credentials) > 80 {
			f["credentials"] = "at most 80 characters"
		} else {
			u.Credentials, changes["credentials"] = *p.Credentials, *p.Credentials
		}
	}
	if p.ClearLicense {
		u.License, changes["license"] = nil, "removed"
	} else if p.License != nil {
		validateLicense(p.License, f)
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
	if !actor.HasRole(models.RoleAdmin) {
		return nil, models.Errorf(models.ErrForbidden, "only an admin verifies licenses")
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
