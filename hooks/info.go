package hooks

import (
	"net/http"
	"slices"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// bindInfo serves GET /api/shop/info: what a client needs to know before
// showing the shop, notably which payment methods exist and whether the
// instant sandbox method is on (clients must label it visibly), and the
// rules a client shows before the server would refuse (withdrawal minimum
// and fee, commission freeze days, how one becomes a distributor).
func bindInfo(app core.App, s *shop.Shop) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/shop/info", func(e *core.RequestEvent) error {
			methods := s.PaymentProviders()
			slices.Sort(methods)
			settings, err := shop.LoadSettings(e.App)
			if err != nil {
				return err
			}
			_, wechatPayout := s.PayoutProvider("wechatpay")
			return e.JSON(http.StatusOK, map[string]any{
				"name":            e.App.Settings().Meta.AppName,
				"payment_methods": methods,
				"sandbox":         slices.Contains(methods, "sandbox"),
				"distribution": map[string]any{
					"condition":        settings.DistributorCondition,
					"commission_l1_bp": settings.CommissionRates[0],
					"frozen_days":      settings.FrozenDays,
				},
				"withdraw": map[string]any{
					"min":         settings.WithdrawMin,
					"fee_bp":      settings.WithdrawFeeRate,
					"daily_limit": settings.WithdrawDailyLimit,
					"wechat":      wechatPayout,
				},
			})
		})
		return se.Next()
	})
}
