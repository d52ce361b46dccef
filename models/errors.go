// Package models is Vetted's vocabulary: articles, revisions, users,
// signatures and events, the store interfaces, and the small closed set of
// errors every layer speaks. It imports no HTTP or database package.
package models

import (
	"errors"
	"fmt"
)

// The sentinel errors. Each implies one HTTP status, mapped in one place
// (handlers.writeError); typed errors unwrap to them.
var (
	// ErrNotFound: the thing does not exist (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: someone else changed it first, or a unique key is taken (409).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the request is malformed or fails validation (400).
	ErrInvalid = errors.New("invalid")
	// ErrForbidden: the caller may not do this (403).
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated: no valid session or token (401).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrPrecondition: an edit without the version it was based on (428).
	ErrPrecondition = errors.New("precondition required")
	// ErrLocked: too many attempts; try later (429).
	ErrLocked = errors.New("locked")
	// ErrUnavailable: the database does not answer (503).
	ErrUnavailable = errors.New("unavailable")
	// ErrTooLarge: the request body is over the limit (413).
	ErrTooLarge = errors.New("too large")
	// ErrGone: the thing existed but was withdrawn (410).
	ErrGone = errors.New("gone")
	// ErrUnsupportedMedia: the body's Content-Type is not one the route takes (415).
	ErrUnsupportedMedia = errors.New("unsupported media type")
)

// Error carries a sentinel, a human message and, for validation, the failing
// field paths (`sections[2].heading` → "required").
type Error struct {
	Err     error
	Message string
	Fields  map[string]string
	// Current is returned with conflicts so the client sees what won.
	Current any
}

// Error returns the human message.
func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return e.Err.Error()
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error around a sentinel.
func Errorf(sentinel error, format string, args ...any) *Error {
	return &Error{Err: sentinel, Message: fmt.Sprintf(format, args...)}
}

// Invalid builds a validation error with field paths.
func Invalid(msg string, fields map[string]string) *Error {
	return &Error{Err: ErrInvalid, Message: msg, Fields: fields}
}

// ErrUnsupported: the upload is not a kind of file Vetted accepts (415);
// the same sentinel as ErrUnsupportedMedia.
var ErrUnsupported = ErrUnsupportedMedia
