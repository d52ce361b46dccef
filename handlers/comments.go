package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/service"
)

// Comments anchored to passages (service/comments.go): never part of the
// content, its hash or anything delivered.

func (s *Server) listComments(c *gin.Context) {
	items, err := s.Svc.ListComments(c.Request.Context(), user(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (s *Server) createComment(c *gin.Context) {
	var in service.NewComment
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	cm, err := s.Svc.CreateComment(c.Request.Context(), user(c), c.Param("id"), in)
	answerComment(c, http.StatusCreated, cm, err)
}

func (s *Server) replyComment(c *gin.Context) {
	var in service.CommentBody
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	cm, err := s.Svc.ReplyComment(c.Request.Context(), user(c), c.Param("id"), c.Param("cid"), in)
	answerComment(c, http.StatusCreated, cm, err)
}

func (s *Server) resolveComment(c *gin.Context) {
	cm, err := s.Svc.ResolveComment(c.Request.Context(), user(c), c.Param("id"), c.Param("cid"))
	answerComment(c, http.StatusOK, cm, err)
}

func (s *Server) editComment(c *gin.Context) {
	var in service.CommentBody
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	cm, err := s.Svc.EditComment(c.Request.Context(), user(c), c.Param("id"), c.Param("cid"), in)
	answerComment(c, http.StatusOK, cm, err)
}

func answerComment(c *gin.Context, status int, cm *models.Comment, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(status, cm)
}
