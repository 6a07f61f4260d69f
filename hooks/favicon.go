package hooks

import (
	_ "embed"
	"net/http"

	"github.com/pocketbase/pocketbase/core"
)

// favicon is the shop's icon ("分" on red, 16/32/48 px). It is served by a
// route of its own so that it exists whatever pb_public holds.
//
//go:embed favicon.ico
var favicon []byte

// bindFavicon serves GET /favicon.ico, which every browser asks for.
func bindFavicon(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/favicon.ico", func(e *core.RequestEvent) error {
			e.Response.Header().Set("Cache-Control", "public, max-age=86400")
			return e.Blob(http.StatusOK, "image/x-icon", favicon)
		})
		return se.Next()
	})
}
