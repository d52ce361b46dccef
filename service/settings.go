package service

import (
	"context"
	"errors"
	"strings"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/policies"
)

// SettingsStore keeps the site settings document.
type SettingsStore interface {
	// Doc returns the settings document (empty settings when none).
	Doc(ctx context.Context) (*models.SettingsDoc, error)
	Put(ctx context.Context, d *models.SettingsDoc) error
}

// errNoSettings: the service was wired without a settings store.
var errNoSettings = errors.New("site settings are not configured")

// GetSettings returns the site settings (admins only: the route's policy
// says so, and the service checks again for other callers).
func (s *Service) GetSettings(ctx context.Context, actor *models.User) (*models.Settings, error) {
	if !s.may(actor, policies.ObjSettings) {
		return nil, models.Errorf(models.ErrForbidden, "only an admin reads the site settings")
	}
	if s.Settings == nil {
		return nil, errNoSettings
	}
	d, err := s.Settings.Doc(ctx)
	if err != nil {
		return nil, err
	}
	return &d.Settings, nil
}

// PutSettings replaces the site settings. The change is an audit event
// carrying the complete new settings (the log follower hands it to every
// instance's delivery read model), written through the document's
// outbox like user changes.
func (s *Service) PutSettings(ctx context.Context, actor *models.User, in models.Settings) (*models.Settings, error) {
	if !s.may(actor, policies.ObjSettings) {
		return nil, models.Errorf(models.ErrForbidden, "only an admin changes the site settings")
	}
	if s.Settings == nil {
		return nil, errNoSettings
	}
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&in.Publisher.Name, &in.Publisher.URL, &in.Publisher.LogoURL, &in.EditorialPolicy.Statement, &in.EditorialPolicy.URL, &in.PreviewURL} {
		trim(p)
	}
	if f := in.Validate(); len(f) > 0 {
		return nil, models.Invalid("the settings are not valid", f)
	}
	d, err := s.Settings.Doc(ctx)
	if err != nil {
		return nil, err
	}
	if d.Settings == in {
		return &d.Settings, nil
	}
	ev := s.auditEvent(actor, models.ActionSettings, "settings", map[string]string{"settings": "changed"})
	st := in
	ev.Data.Settings = &st
	d.Settings, d.UpdatedAt, d.PendingAudit = in, ev.At, ev
	if err := s.Settings.Put(ctx, d); err != nil {
		return nil, err
	}
	if err := s.appendPending(ctx, ev); err != nil {
		return nil, err // start-up (RecoverOutbox) appends it
	}
	d.PendingAudit = nil
	if err := s.Settings.Put(ctx, d); err != nil {
		return nil, err
	}
	return &d.Settings, nil
}

// PreviewURL is the site's preview link template ({id}, {slug}) for every
// signed-in member's "Preview on site" button ("" when none or unreadable:
// the button is then hidden, nothing fails).
func (s *Service) PreviewURL(ctx context.Context) string {
	if s.Settings == nil {
		return ""
	}
	d, err := s.Settings.Doc(ctx)
	if err != nil {
		return ""
	}
	return d.Settings.PreviewURL
}
