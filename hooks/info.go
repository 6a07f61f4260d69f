package hooks

import (
	"net/http"
	"slices"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// bindInfo serves GET /api/shop/info: what a client needs to know before
// showing the shop, notably which payment methods exist and whether the
// instant sandbox method is on (clients must label it visibly).
func bindInfo(app core.App, s *shop.Shop) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/shop/info", func(e *core.RequestEvent) error {
			methods := s.PaymentProviders()
			slices.Sort(methods)
			return e.JSON(http.StatusOK, map[string]any{
				"name":            e.App.Settings().Meta.AppName,
				"payment_methods": methods,
				"sandbox":         slices.Contains(methods, "sandbox"),
			})
		})
		return se.Next()
	})
}
