package apiclient

import (
	"context"
	"net/http"
)

// retitle changes only an article's title through the generated client:
// compiled by `make contract` so the operations and types Vetted's
// clients rely on stay generated.
func retitle(ctx context.Context, server, token, id, version, title string) (int, error) {
	c, err := NewClientWithResponses(server, WithRequestEditorFn(bearer(token)))
	if err != nil {
		return 0, err
	}
	res, err := c.PatchArticleWithApplicationMergePatchPlusJSONBodyWithResponse(ctx, id, &PatchArticleParams{IfMatch: version}, ContentPatch{Title: &title})
	if err != nil {
		return 0, err
	}
	if res.JSON200 != nil {
		_ = res.JSON200.ContentHash
	}
	me, err := c.MeWithResponse(ctx)
	if err == nil && me.JSON200 != nil {
		_ = me.JSON200.Permissions.OtherArticles
	}
	return res.StatusCode(), nil
}

var _ = retitle

func bearer(token string) RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}
