package models

import "time"

// Settings are the site's trust statements, delivered with every article:
// who publishes it and the editorial promise. Admins change them; every
// change is an audit event carrying the complete new settings.
type Settings struct {
	Publisher       Publisher       `json:"publisher" bson:"publisher"`
	EditorialPolicy EditorialPolicy `json:"editorialPolicy" bson:"editorialPolicy"`
	// PreviewURL is the template of a site's preview link ({slug}, {id}).
	PreviewURL string `json:"previewUrl" bson:"previewUrl"`
}

// Publisher is the organization that publishes the articles.
type Publisher struct {
	Name    string `json:"name" bson:"name"`
	URL     string `json:"url" bson:"url"`
	LogoURL string `json:"logoUrl" bson:"logoUrl"`
}

// EditorialPolicy is the publisher's statement of how content is reviewed.
type EditorialPolicy struct {
	Statement string `json:"statement" bson:"statement"`
	URL       string `json:"url" bson:"url"`
}

// SettingsDoc is the stored settings document (one, _id "site"), with its
// audit event as an outbox like users.
type SettingsDoc struct {
	ID           string    `bson:"_id"`
	Settings     Settings  `bson:"settings"`
	UpdatedAt    time.Time `bson:"updatedAt"`
	PendingAudit *Event    `bson:"pendingAudit,omitempty"`
}

// Validate checks settings and returns field paths with reasons.
func (s *Settings) Validate() map[string]string {
	f := map[string]string{}
	text := func(path, v string, n int) {
		if len([]rune(v)) > n {
			f[path] = "too long"
		}
	}
	link := func(path, v string) {
		if v != "" {
			checkURL(f, path, v)
		}
	}
	text("publisher.name", s.Publisher.Name, 200)
	link("publisher.url", s.Publisher.URL)
	link("publisher.logoUrl", s.Publisher.LogoURL)
	text("editorialPolicy.statement", s.EditorialPolicy.Statement, 2000)
	link("editorialPolicy.url", s.EditorialPolicy.URL)
	text("previewUrl", s.PreviewURL, 2000)
	if s.PreviewURL != "" {
		checkURL(f, "previewUrl", s.PreviewURL)
	}
	if s.Publisher.LogoURL != "" && s.Publisher.Name == "" {
		f["publisher.name"] = "required when a logo is set"
	}
	return f
}
