package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// auditAnchor answers GET /api/admin/audit/anchor: the checkpoint key,
// the newest checkpoint and whether the log still holds it.
func (s *Server) auditAnchor(c *gin.Context) {
	st, err := s.Svc.AuditAnchor(c.Request.Context(), user(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}
