package handlers

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/workflow"
)

// errorBody is every error answer: {"error": {code, message, fields}}.
type errorBody struct {
	Error   errorDetail `json:"error"`
	Current any         `json:"current,omitempty"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// statusOf is the one table from errors to HTTP statuses and codes.
var statusOf = []struct {
	err    error
	status int
	code   string
}{
	{models.ErrNotAuthor, http.StatusForbidden, "not_author"},
	{models.ErrHasReplies, http.StatusConflict, "comment_has_replies"},
	{models.ErrInvalid, http.StatusBadRequest, "invalid"},
	{models.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
	{models.ErrForbidden, http.StatusForbidden, "forbidden"},
	{models.ErrNotFound, http.StatusNotFound, "not_found"},
	{models.ErrGone, http.StatusGone, "gone"},
	{models.ErrConflict, http.StatusConflict, "conflict"},
	{models.ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{models.ErrUnsupportedMedia, http.StatusUnsupportedMediaType, "unsupported_media_type"},
	{models.ErrPrecondition, http.StatusPreconditionRequired, "precondition_required"},
	{models.ErrLocked, http.StatusTooManyRequests, "locked"},
	{models.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	{workflow.ErrForbidden, http.StatusForbidden, "forbidden"},
	{workflow.ErrSelfReview, http.StatusForbidden, "self_review"},
	{workflow.ErrLicense, http.StatusForbidden, "license"},
	{workflow.ErrBadPassword, http.StatusForbidden, "bad_password"},
	{workflow.ErrInvalidState, http.StatusConflict, "invalid_state"},
	{workflow.ErrFrozen, http.StatusConflict, "frozen"},
	{workflow.ErrStaleContent, http.StatusConflict, "stale_content"},
	{workflow.ErrNoLive, http.StatusConflict, "no_live"},
	{workflow.ErrTakeUnsigned, http.StatusConflict, "take_unsigned"},
	{workflow.ErrSignoffNeeded, http.StatusConflict, "signoff_needed"},
	{workflow.ErrNotScheduled, http.StatusConflict, "not_scheduled"},
	{workflow.ErrCommentRequired, http.StatusBadRequest, "comment_required"},
	{workflow.ErrNotReady, http.StatusBadRequest, "not_ready"},
}

// writeError answers err with its status and a body that never shows
// internals: unknown errors are logged here (once) and answered as 500.
func writeError(c *gin.Context, err error) {
	body := errorBody{}
	status := 0
	for _, m := range statusOf {
		if errors.Is(err, m.err) {
			status, body.Error.Code = m.status, m.code
			break
		}
	}
	if status == 0 {
		slog.Error("request failed", "method", c.Request.Method, "route", c.FullPath(), "err", err.Error())
		c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{Error: errorDetail{Code: "internal", Message: "something went wrong on our side; nothing was changed unless the answer says so"}})
		return
	}
	body.Error.Message = err.Error()
	var me *models.Error
	if errors.As(err, &me) {
		body.Error.Fields = me.Fields
		body.Current = me.Current
		if status == http.StatusServiceUnavailable {
			body.Error.Message = "the database does not answer; try again shortly"
		}
	} else if status == http.StatusServiceUnavailable {
		body.Error.Message = "the database does not answer; try again shortly"
	}
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "2")
	}
	c.AbortWithStatusJSON(status, body)
}
