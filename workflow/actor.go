package workflow

import "slices"

// The roles a user may hold; a user may hold several.
const (
	// RoleWriter creates articles and edits, submits and withdraws their own.
	RoleWriter = "writer"
	// RoleClinicalReviewer requests changes, signs off and re-certifies.
	RoleClinicalReviewer = "clinical_reviewer"
	// RoleEditor edits any article, submits, publishes, unpublishes and archives.
	RoleEditor = "editor"
	// RoleAdmin manages users, licenses, tokens and webhooks; it grants no
	// workflow action, so that no one can force content live.
	RoleAdmin = "admin"
)

// License is a snapshot of a clinician's professional license.
type License struct {
	Type         string
	Number       string
	Jurisdiction string
	// ExpiresOn is the last day the license is valid, as YYYY-MM-DD.
	ExpiresOn string
	// Verified is set once an admin checked the license with its issuer.
	Verified bool
}

// Actor is the user asking for an action, as the caller authenticated it.
type Actor struct {
	ID      string
	Roles   []string
	License *License
	// PasswordOK is the caller's verdict on the password re-entered for
	// this request; signing requires it (21 CFR §11.200).
	PasswordOK bool
}

// HasRole reports whether the actor holds role.
func (a Actor) HasRole(role string) bool {
	return slices.Contains(a.Roles, role)
}

// authors reports whether the actor is the article's author. An actor
// without an ID is never anyone's author, so an empty AuthorID cannot match.
func (a Actor) authors(art Article) bool {
	return a.ID != "" && a.ID == art.AuthorID
}
