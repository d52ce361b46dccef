package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/service"
)

func (s *Server) listUsers(c *gin.Context) {
	us, err := s.Svc.ListUsers(c.Request.Context(), user(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": us})
}

func (s *Server) createUser(c *gin.Context) {
	var in service.NewUser
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	u, err := s.Svc.CreateUser(c.Request.Context(), user(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

func (s *Server) getUser(c *gin.Context) {
	u, err := s.Svc.GetUser(c.Request.Context(), user(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

func (s *Server) patchUser(c *gin.Context) {
	var p service.UserPatch
	if err := decodeJSON(c, &p); err != nil {
		writeError(c, err)
		return
	}
	u, err := s.Svc.UpdateUser(c.Request.Context(), user(c), c.Param("id"), p)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

func (s *Server) verifyLicense(c *gin.Context) {
	u, err := s.Svc.VerifyLicense(c.Request.Context(), user(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

func (s *Server) listTokens(c *gin.Context) {
	ts, err := s.Svc.ListTokens(c.Request.Context(), user(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": ts})
}

func (s *Server) createToken(c *gin.Context) {
	var in service.NewToken
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	t, secret, err := s.Svc.CreateToken(c.Request.Context(), user(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": t.ID, "name": t.Name, "scope": t.Scope, "createdAt": t.CreatedAt, "token": secret})
}

func (s *Server) revokeToken(c *gin.Context) {
	if err := s.Svc.RevokeToken(c.Request.Context(), user(c), c.Param("id")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
