package orders

import (
	"context"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

type payForm struct {
	Method  string `json:"method"`
	Channel string `json:"channel"`
}

// pay handles POST /api/shop/orders/{id}/pay {method, channel}: it asks the
// provider to start a payment (outside any transaction) and returns what
// the client needs to finish it. A provider that pays at once (sandbox)
// gets its payment applied before the answer.
func (p *plugin) pay(e *core.RequestEvent) error {
	form := payForm{}
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	if form.Method == "" {
		return shop.FieldFail("method", "pay_method_required", "请选择支付方式 / choose a payment method")
	}
	provider, ok := p.shop.PaymentProvider(form.Method)
	if !ok {
		return shop.FieldFail("method", "pay_method_unavailable", "不支持该支付方式 / payment method not available")
	}

	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	order, err := findOrder(e.App, id, e.Auth.Id)
	if err != nil {
		return err
	}
	if err := payable(order); err != nil {
		return err
	}

	sandbox := false
	instant := false
	if sp, ok := provider.(SandboxProvider); ok && sp.Sandbox() {
		sandbox = true
	} else if ip, ok := provider.(shop.InstantProvider); ok && ip.Instant() {
		instant = true
	}
	if !sandbox && !instant {
		// note: recorded before the provider hears of it, so that
		// payment_reconcile and auto_cancel know to ask it
		res, err := e.App.DB().NewQuery(`UPDATE {{orders}} SET [[pay_method]] = {:method}, [[pay_started_at]] = {:now}
				WHERE [[id]] = {:id} AND [[status]] = {:pending}`).
			Bind(dbx.Params{"method": provider.Name(), "now": nowDate().String(), "id": order.Id, "pending": StatusPendingPayment}).
			Execute()
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return shop.Fail(http.StatusConflict, "order_not_payable", "订单不是待支付状态 / the order is not awaiting payment")
		}
	}

	ctx, cancel := context.WithTimeout(e.Request.Context(), p.config.ProviderTimeout)
	defer cancel()
	start, err := provider.Start(ctx, e.App, shop.PayRequest{
		OrderId:     order.Id,
		OrderNo:     order.GetString("order_no"),
		Description: "订单 " + order.GetString("order_no"),
		Amount:      shop.AsOrder(order).Payable(),
		Buyer:       e.Auth,
		ClientIP:    e.RealIP(),
		ExpiresAt:   order.GetDateTime("expires_at").Time(),
		Channel:     form.Channel,
	})
	if err != nil {
		var shopErr *shop.Error
		if !asShopError(err, &shopErr) {
			e.App.Logger().Error("payment start failed", "order", order.Id, "method", form.Method, "error", err.Error())
			return shop.Fail(http.StatusBadGateway, "payment_provider_error",
				"支付服务暂时不可用，请稍后再试 / the payment provider failed, try again later")
		}
		return err
	}

	paid := false
	if start.Paid && start.Notice != nil {
		start.Notice.Provider = provider.Name()
		res, err := ApplyPayment(e.App, start.Notice)
		if err != nil {
			return err
		}
		order = res.Order
		paid = !res.Unmatched
	}
	params := start.Params
	if params == nil {
		params = map[string]any{}
	}
	return e.JSON(http.StatusOK, map[string]any{
		"order":   orderView(order),
		"method":  provider.Name(),
		"params":  params,
		"paid":    paid,
		"sandbox": sandbox,
	})
}

// payable checks that an order can still be paid.
func payable(order *core.Record) error {
	if order.GetString("status") != StatusPendingPayment {
		return shop.Fail(http.StatusConflict, "order_not_payable", "订单不是待支付状态 / the order is not awaiting payment")
	}
	if exp := order.GetDateTime("expires_at"); !exp.IsZero() && exp.Time().Before(nowDate().Time()) {
		return shop.Fail(http.StatusConflict, "order_expired", "订单已超时，请重新下单 / the order expired, place it again")
	}
	return nil
}
