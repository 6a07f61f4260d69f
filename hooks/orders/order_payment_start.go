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
	provider, err := p.payProvider(form, "method")
	if err != nil {
		return err
	}
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	order, err := findOrder(e.App, id, e.Auth.Id)
	if err != nil {
		return err
	}
	started, err := p.startPayment(e, order, provider, form.Channel)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{
		"order":   orderView(started.order),
		"method":  started.method,
		"params":  started.params,
		"paid":    started.paid,
		"sandbox": started.sandbox,
	})
}

// payProvider is the provider a pay form names; field is the form field
// an error points at ("method", or "pay.method" in a checkout).
func (p *plugin) payProvider(form payForm, field string) (shop.PaymentProvider, error) {
	if form.Method == "" {
		return nil, shop.FieldFail(field, "pay_method_required", "请选择支付方式 / choose a payment method")
	}
	provider, ok := p.shop.PaymentProvider(form.Method)
	if !ok {
		return nil, shop.FieldFail(field, "pay_method_unavailable", "不支持该支付方式 / payment method not available")
	}
	return provider, nil
}

// startedPayment is what starting a payment gave: the order as it is now
// (paid, for a provider that pays at once) and what the client needs to
// finish paying.
type startedPayment struct {
	order   *core.Record
	method  string
	params  map[string]any
	paid    bool
	sandbox bool
}

// startPayment starts paying order, a buyer's own, with provider: the
// work of [plugin.pay], shared with a checkout that pays at once.
func (p *plugin) startPayment(e *core.RequestEvent, order *core.Record, provider shop.PaymentProvider, channel string) (*startedPayment, error) {
	if err := payable(order); err != nil {
		return nil, err
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
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, shop.Fail(http.StatusConflict, "order_not_payable", "订单不是待支付状态 / the order is not awaiting payment")
		}
	}

	ctx, cancel := context.WithTimeout(e.Request.Context(), p.config.ProviderTimeout)
	defer cancel()
	start, err := provider.Start(ctx, e.App, payRequest(e, order, channel))
	if err != nil {
		var shopErr *shop.Error
		if !asShopError(err, &shopErr) {
			e.App.Logger().Error("payment start failed", "order", order.Id, "method", provider.Name(), "error", err.Error())
			return nil, shop.Fail(http.StatusBadGateway, "payment_provider_error",
				"支付服务暂时不可用，请稍后再试 / the payment provider failed, try again later")
		}
		return nil, err
	}

	paid := false
	if start.Paid && start.Notice != nil {
		start.Notice.Provider = provider.Name()
		res, err := ApplyPayment(e.App, start.Notice)
		if err != nil {
			return nil, err
		}
		order = res.Order
		paid = !res.Unmatched
	}
	params := start.Params
	if params == nil {
		params = map[string]any{}
	}
	return &startedPayment{order: order, method: provider.Name(), params: params, paid: paid, sandbox: sandbox}, nil
}

// payRequest is what a provider is asked to collect for a buyer's order.
func payRequest(e *core.RequestEvent, order *core.Record, channel string) shop.PayRequest {
	return shop.PayRequest{
		OrderId:     order.Id,
		OrderNo:     order.GetString("order_no"),
		Description: "订单 " + order.GetString("order_no"),
		Amount:      shop.AsOrder(order).Payable(),
		Buyer:       e.Auth,
		ClientIP:    e.RealIP(),
		ExpiresAt:   order.GetDateTime("expires_at").Time(),
		Channel:     channel,
	}
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
