package orders

import (
	"context"
	"errors"
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// providerNotification handles POST /api/shop/pay/notify/{provider}: the provider
// verifies and decodes its callback, the core applies it ([ApplyPayment])
// and the provider writes the answer it expects. A replayed notification
// changes nothing and is acknowledged as handled. Providers implementing
// [shop.RefundNotificationParser] send refund notifications here too;
// they are applied like a refund_reconcile answer.
func (p *plugin) providerNotification(e *core.RequestEvent) error {
	method, ok := p.shop.PaymentProvider(e.Request.PathValue("provider"))
	if !ok {
		return shop.Fail(http.StatusNotFound, "pay_method_unavailable", "不支持该支付方式 / unknown payment provider")
	}
	provider, ok := method.(shop.NotificationParser)
	if !ok {
		return shop.Fail(http.StatusBadRequest, "pay_no_notifications", "该支付方式没有回调 / this payment method sends no notifications")
	}
	name := method.Name()
	ctx, cancel := context.WithTimeout(e.Request.Context(), p.config.ProviderTimeout)
	defer cancel()

	notice, err := provider.ParseNotification(ctx, e.Request)
	if err != nil {
		e.App.Logger().Warn("payment notification rejected", "provider", name,
			"ip", e.RealIP(), "error", err.Error())
		provider.AckNotification(e.Response, err)
		return nil
	}
	if notice != nil {
		// note: a provider only speaks for itself
		notice.Provider = name
		if _, err = ApplyPayment(e.App, notice); err != nil {
			e.App.Logger().Warn("payment notification not applied", "provider", name,
				"order_no", notice.OrderNo, "error", err.Error())
		}
	} else if rp, ok := method.(shop.RefundNotificationParser); ok {
		var rn *shop.RefundNotice
		if rn, err = rp.ParseRefundNotification(ctx, e.Request); err != nil {
			e.App.Logger().Warn("refund notification rejected", "provider", name,
				"ip", e.RealIP(), "error", err.Error())
		} else if rn != nil {
			if err = p.refundByNotice(e.App, name, rn); err != nil {
				e.App.Logger().Warn("refund notification not applied", "provider", name,
					"refund_no", rn.RefundNo, "error", err.Error())
			}
		}
	}
	provider.AckNotification(e.Response, err)
	return nil
}

func asShopError(err error, target **shop.Error) bool {
	return errors.As(err, target)
}
