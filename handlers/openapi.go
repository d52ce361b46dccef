package handlers

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// OpenAPIDocument is the OpenAPI 3.1 description of the management and
// delivery APIs; a test validates real responses against it.
//
//go:embed openapi.json
var OpenAPIDocument []byte

// RegisterOpenAPI serves the document at /api/openapi.json.
func RegisterOpenAPI(r *gin.Engine) {
	r.GET("/api/openapi.json", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=300")
		c.Data(http.StatusOK, "application/json; charset=utf-8", OpenAPIDocument)
	})
}
