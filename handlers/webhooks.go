package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/vetted-cms/vetted/delivery"
	"github.com/vetted-cms/vetted/models"
)

// WebhookService is what the webhook admin routes need.
type WebhookService interface {
	Create(ctx context.Context, actor *models.User, in delivery.NewWebhook) (*models.Webhook, string, error)
	Delete(ctx context.Context, actor *models.User, id string) error
	List(ctx context.Context, actor *models.User) ([]models.Webhook, error)
	Deliveries(ctx context.Context, actor *models.User, id string) ([]models.WebhookDelivery, error)
}

// WebhookAPI serves /api/admin/webhooks (admins: by policy and in delivery.Webhooks).
type WebhookAPI struct{ Hooks WebhookService }

// Register adds the routes to the authenticated admin group
// (Server.Extra).
func (w *WebhookAPI) Register(g *gin.RouterGroup) {
	g.GET("/webhooks", w.list)
	g.POST("/webhooks", w.create)
	g.DELETE("/webhooks/:id", w.delete)
	g.GET("/webhooks/:id/deliveries", w.deliveries)
}

type webhookView struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"createdAt"`
	Secret    string    `json:"secret,omitempty"`
}

func (w *WebhookAPI) list(c *gin.Context) {
	hooks, err := w.Hooks.List(c.Request.Context(), user(c))
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]webhookView, 0, len(hooks))
	for _, h := range hooks {
		items = append(items, webhookView{ID: h.ID, URL: h.URL, Events: h.Events, CreatedAt: h.CreatedAt})
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (w *WebhookAPI) create(c *gin.Context) {
	var in delivery.NewWebhook
	if err := decodeJSON(c, &in); err != nil {
		writeError(c, err)
		return
	}
	h, secret, err := w.Hooks.Create(c.Request.Context(), user(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, webhookView{ID: h.ID, URL: h.URL, Events: h.Events, CreatedAt: h.CreatedAt, Secret: secret})
}

func (w *WebhookAPI) delete(c *gin.Context) {
	if err := w.Hooks.Delete(c.Request.Context(), user(c), c.Param("id")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type deliveryView struct {
	ID        string     `json:"id"`
	Event     string     `json:"event"`
	ArticleID string     `json:"articleId"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastCode  int        `json:"lastCode"`
	LastError string     `json:"lastError"`
	NextAt    *time.Time `json:"nextAt"`
	At        time.Time  `json:"at"`
}

func (w *WebhookAPI) deliveries(c *gin.Context) {
	ds, err := w.Hooks.Deliveries(c.Request.Context(), user(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]deliveryView, 0, len(ds))
	for _, d := range ds {
		items = append(items, deliveryView{ID: d.ID, Event: d.Event, ArticleID: d.ArticleID, Status: d.Status, Attempts: d.Attempts,
			LastCode: d.LastCode, LastError: d.LastError, NextAt: d.NextAt, At: d.At})
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}
