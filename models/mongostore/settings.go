package mongostore

import (
	"context"
	"errors"

	"github.com/vetted-cms/vetted/models"
)

// settingsID is the _id of the one settings document in the meta collection.
const settingsID = "site-settings"

// SettingsStore keeps the site settings.
type SettingsStore struct{ db *DB }

// NewSettingsStore returns a SettingsStore on db.
func NewSettingsStore(db *DB) *SettingsStore { return &SettingsStore{db: db} }

// Doc loads the settings document; a missing one is empty settings.
func (s *SettingsStore) Doc(ctx context.Context) (*models.SettingsDoc, error) {
	var d models.SettingsDoc
	err := s.db.get(ctx, CollMeta, settingsID, &d)
	if errors.Is(err, models.ErrNotFound) {
		return &models.SettingsDoc{ID: settingsID}, nil
	}
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// Settings returns the current settings (delivery.SettingsSource).
func (s *SettingsStore) Settings(ctx context.Context) (*models.Settings, error) {
	d, err := s.Doc(ctx)
	if err != nil {
		return nil, err
	}
	return &d.Settings, nil
}

// Put writes the settings document.
func (s *SettingsStore) Put(ctx context.Context, d *models.SettingsDoc) error {
	d.ID = settingsID
	return s.db.put(ctx, CollMeta, settingsID, d)
}
