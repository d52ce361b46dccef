package models

import (
	"time"
)

// The default policy's roles (policies/policy.csv), named for seeding and
// fixtures. They grant nothing by themselves and do not limit which roles
// exist: the roles a user may hold are the roles the policy names.
const (
	RoleWriter           = "writer"
	RoleClinicalReviewer = "clinical_reviewer"
	RoleEditor           = "editor"
	RoleAdmin            = "admin"
)

// User is a person who signs in. PasswordHash never leaves the server:
// it has no JSON name.
type User struct {
	ID    string   `json:"id" bson:"_id"`
	Email string   `json:"email" bson:"email"`
	Name  string   `json:"name" bson:"name"`
	Roles []string `json:"roles" bson:"roles"`
	Bio   string   `json:"bio" bson:"bio"`
	// Title, PhotoURL, PhotoAlt and URL are the public profile (with Bio):
	// not clinical content, they reach delivery when they change.
	Title        string   `json:"title" bson:"title"`
	PhotoURL     string   `json:"photoUrl" bson:"photoUrl"`
	PhotoAlt     string   `json:"photoAlt" bson:"photoAlt"`
	URL          string   `json:"url" bson:"url"`
	Credentials  string   `json:"credentials" bson:"credentials"`
	License      *License `json:"license" bson:"license"`
	Active       bool     `json:"active" bson:"active"`
	PasswordHash string   `json:"-" bson:"passwordHash"`
	// SessionEpoch is bumped on password, role or activation changes; a
	// session minted under an older epoch is dead on every instance at once.
	SessionEpoch int64 `json:"-" bson:"sessionEpoch"`
	// FailedLogins and LockedUntil implement the account lockout; re-entered
	// passwords at sign-off count too.
	FailedLogins int        `json:"-" bson:"failedLogins"`
	LockedUntil  *time.Time `json:"-" bson:"lockedUntil"`
	CreatedAt    time.Time  `json:"createdAt" bson:"createdAt"`
	UpdatedAt    time.Time  `json:"updatedAt" bson:"updatedAt"`
	// PendingAudit is the audit event of the last change, written in the
	// same document update as the change (an outbox): if the process dies
	// before the event is appended, start-up appends it.
	PendingAudit *Event `json:"-" bson:"pendingAudit,omitempty"`
	// AuditKey is the key of the audit event of the last change: verify
	// finds a user whose last change has no event (a dropped log tail).
	AuditKey string `json:"-" bson:"auditKey,omitempty"`
}

// License is a clinician's professional license.
type License struct {
	Type         string     `json:"type" bson:"type"`
	Number       string     `json:"number" bson:"number"`
	Jurisdiction string     `json:"jurisdiction" bson:"jurisdiction"`
	ExpiresOn    string     `json:"expiresOn" bson:"expiresOn"`
	VerifiedAt   *time.Time `json:"verifiedAt" bson:"verifiedAt"`
	VerifiedBy   string     `json:"verifiedBy" bson:"verifiedBy"`
}

// Session is a signed-in browser or API client. Only the token's hash is
// stored: the ID is sha-256 of the bearer token.
type Session struct {
	ID         string    `bson:"_id"`
	UserID     string    `bson:"userId"`
	Epoch      int64     `bson:"epoch"`
	CreatedAt  time.Time `bson:"createdAt"`
	LastSeenAt time.Time `bson:"lastSeenAt"`
	ExpiresAt  time.Time `bson:"expiresAt"`
	Revoked    bool      `bson:"revoked"`
}

// Token is an API token for sites; only its hash is stored. Its Scope
// says what it reads: published content (delivery, the default) or
// working copies through the preview route alone (preview).
type Token struct {
	ID         string     `json:"id" bson:"_id"`
	Hash       string     `json:"-" bson:"hash"`
	Name       string     `json:"name" bson:"name"`
	Scope      string     `json:"scope" bson:"scope,omitempty"`
	CreatedBy  string     `json:"createdBy" bson:"createdBy"`
	CreatedAt  time.Time  `json:"createdAt" bson:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt" bson:"lastUsedAt"`
	RevokedAt  *time.Time `json:"revokedAt" bson:"revokedAt"`
	// PendingAudit and AuditKey: see User.
	PendingAudit *Event `json:"-" bson:"pendingAudit,omitempty"`
	AuditKey     string `json:"-" bson:"auditKey,omitempty"`
}

// Token scopes.
const (
	ScopeDelivery = "delivery"
	ScopePreview  = "preview"
)

// TokenScope is t's scope; tokens made before scopes are delivery tokens.
func (t *Token) TokenScope() string {
	if t.Scope == "" {
		return ScopeDelivery
	}
	return t.Scope
}
