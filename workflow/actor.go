package workflow

import "slices"

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
	ID string
	// Rights are the actions the caller's roles allow, as the casbin
	// policy (policies/) answers: workflow names no role.
	Rights  Rights
	License *License
	// PasswordOK is the caller's verdict on the password re-entered for
	// this request; signing requires it (21 CFR §11.200).
	PasswordOK bool
}

// Rights are the actions an actor's roles allow on articles they author
// (Own) and on everyone else's (Others).
type Rights struct {
	Own, Others []Action
}

// may reports whether the actor's rights cover act on art.
func (a Actor) may(act Action, art Article) bool {
	if a.authors(art) {
		return slices.Contains(a.Rights.Own, act)
	}
	return slices.Contains(a.Rights.Others, act)
}

// authors reports whether the actor is the article's author. An actor
// without an ID is never anyone's author, so an empty AuthorID cannot match.
func (a Actor) authors(art Article) bool {
	return a.ID != "" && a.ID == art.AuthorID
}
