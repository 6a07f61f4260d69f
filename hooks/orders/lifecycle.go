package orders

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/catalog"
	"fenxiao/hooks/shop"
)

// Who cancelled an order (orders.cancel_reason prefix).
const (
	reasonBuyer   = "buyer"
	reasonAdmin   = "admin"
	reasonTimeout = "timeout"
)

// cancelByBuyer handles POST /api/shop/orders/{id}/cancel (unpaid orders only).
func (p *plugin) cancelByBuyer(e *core.RequestEvent) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	order, err := findOrder(e.App, id, e.Auth.Id)
	if err != nil {
		return err
	}
	order, err = p.cancelOrder(e.App, order, reasonBuyer)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, orderView(order))
}

// adminCancel handles POST /api/shop/admin/orders/{id}/cancel {reason}.
func (p *plugin) adminCancel(e *core.RequestEvent) error {
	form := struct {
		Reason string `json:"reason"`
	}{}
	// the body is optional, but a malformed one is refused
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	order, err := findOrder(e.App, id, "")
	if err != nil {
		return err
	}
	reason := reasonAdmin
	if r := strings.TrimSpace(form.Reason); r != "" {
		reason += ": " + r
	}
	order, err = p.cancelOrder(e.App, order, reason)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, orderView(order))
}

// cancelOrder cancels an unpaid order: the stock goes back and
// OnOrderCancelled fires, in one transaction; then a started online payment
// is closed at its provider. An order whose online payment
// was started is first checked with its provider, so that a buyer who just
// paid is not cancelled (the payment is applied instead: 409 order_paid).
func (p *plugin) cancelOrder(app core.App, order *core.Record, reason string) (*core.Record, error) {
	if order.GetString("status") != StatusPendingPayment {
		return nil, shop.Fail(http.StatusConflict, "order_not_cancellable", "只有待支付订单可以取消 / only unpaid orders can be cancelled")
	}
	paid, err := p.checkStartedPayment(app, order)
	if err != nil {
		return nil, err
	}
	if paid {
		return nil, shop.Fail(http.StatusConflict, "order_paid", "订单已支付，不能取消 / the order was paid and cannot be cancelled")
	}

	var cancelled *core.Record
	err = app.RunInTransaction(func(txApp core.App) error {
		o, err := txApp.FindRecordById(ordersCollection, order.Id)
		if err != nil {
			return err
		}
		if o.GetString("status") != StatusPendingPayment {
			return shop.Fail(http.StatusConflict, "order_not_cancellable", "只有待支付订单可以取消 / only unpaid orders can be cancelled")
		}
		o.Set("cancelled_at", nowDate())
		o.Set("cancel_reason", truncate(reason, 200))
		if err := moveStatus(txApp, o, StatusPendingPayment, StatusCancelled); err != nil {
			return err
		}
		items, err := orderItems(txApp, o.Id)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := catalog.RestoreStock(txApp, it.GetString("sku"), it.GetInt("quantity")); err != nil {
				if se, ok := err.(*shop.Error); ok && se.Code == "sku_not_found" {
					continue // the SKU was deleted since: nothing to give back
				}
				return err
			}
		}
		cancelled = o
		if err := p.shop.OnOrderCancelled.Trigger(&shop.OrderEvent{App: txApp, Order: shop.AsOrder(o), Items: shop.AsOrderItems(items)}); err != nil {
			return err
		}
		return notifyCancelled(txApp, o)
	})
	if err != nil {
		return nil, err
	}
	p.closeAtProvider(app, cancelled)
	return cancelled, nil
}

// closeAtProvider closes a cancelled order's started online payment at its
// provider ([shop.Closer]), so that the buyer can no longer pay it. It runs
// after the cancellation committed; a failure is only logged: a payment
// that still arrives is recorded as unmatched by [ApplyPayment].
func (p *plugin) closeAtProvider(app core.App, order *core.Record) {
	method := order.GetString("pay_method")
	if method == "" || order.GetDateTime("pay_started_at").IsZero() {
		return
	}
	provider, ok := p.shop.PaymentProvider(method)
	closer, canClose := provider.(shop.Closer)
	if !ok || !canClose {
		return
	}
	orderNo, id := order.GetString("order_no"), order.Id
	run := func(root core.App) {
		ctx, cancel := context.WithTimeout(context.Background(), p.config.ProviderTimeout)
		defer cancel()
		if err := closer.Close(ctx, orderNo); err != nil {
			root.Logger().Error("cancelled order not closed at the payment provider; a late payment will be recorded as unmatched",
				"order", id, "order_no", orderNo, "method", method, "error", err.Error())
		}
	}
	if app.IsTransactional() {
		// note: never call a provider inside a transaction
		shop.AfterCommit(app, func(root core.App) { go run(root) })
		return
	}
	run(app)
}

// checkStartedPayment asks the provider of a started online payment whether
// the order was paid, and applies the payment if so.
func (p *plugin) checkStartedPayment(app core.App, order *core.Record) (paid bool, err error) {
	method := order.GetString("pay_method")
	if method == "" || order.GetDateTime("pay_started_at").IsZero() {
		return false, nil
	}
	provider, ok := p.shop.PaymentProvider(method)
	if !ok {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.config.ProviderTimeout)
	defer cancel()
	q, err := provider.Query(ctx, order.GetString("order_no"))
	if err != nil {
		app.Logger().Warn("payment query failed", "order", order.Id, "method", method, "error", err.Error())
		return false, shop.Fail(http.StatusBadGateway, "payment_provider_error",
			"无法确认支付状态，请稍后再试 / could not check the payment, try again later")
	}
	if q == nil || !q.Paid || q.Notice == nil {
		return false, nil
	}
	q.Notice.Provider = provider.Name()
	res, err := ApplyPayment(app, q.Notice)
	if err != nil {
		return false, err
	}
	return !res.Unmatched, nil
}

// confirmByBuyer handles POST /api/shop/orders/{id}/confirm (shipped → completed).
func (p *plugin) confirmByBuyer(e *core.RequestEvent) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	order, err := findOrder(e.App, id, e.Auth.Id)
	if err != nil {
		return err
	}
	order, err = p.completeOrder(e.App, order.Id, false)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, orderView(order))
}

// completeOrder moves a shipped order to completed and fires OnOrderCompleted.
// auto says the auto_confirm job completes it (the buyer is told).
func (p *plugin) completeOrder(app core.App, orderId string, auto bool) (*core.Record, error) {
	var completed *core.Record
	err := app.RunInTransaction(func(txApp core.App) error {
		o, err := findOrder(txApp, orderId, "")
		if err != nil {
			return err
		}
		if o.GetString("status") != StatusShipped {
			return shop.Fail(http.StatusConflict, "order_not_shipped", "只有已发货订单可以确认收货 / only a shipped order can be confirmed")
		}
		o.Set("completed_at", nowDate())
		if err := moveStatus(txApp, o, StatusShipped, StatusCompleted); err != nil {
			return err
		}
		items, err := orderItems(txApp, o.Id)
		if err != nil {
			return err
		}
		completed = o
		if err := p.shop.OnOrderCompleted.Trigger(&shop.OrderEvent{App: txApp, Order: shop.AsOrder(o), Items: shop.AsOrderItems(items)}); err != nil {
			return err
		}
		if auto {
			return notifyAutoCompleted(txApp, o)
		}
		return nil
	})
	return completed, err
}

// adminShip handles POST /api/shop/admin/orders/{id}/ship
// {tracking_company, tracking_no}: the same as setting them in the dashboard.
func (p *plugin) adminShip(e *core.RequestEvent) error {
	form := struct {
		Company string `json:"tracking_company"`
		Number  string `json:"tracking_no"`
	}{}
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	order, err := findOrder(e.App, id, "")
	if err != nil {
		return err
	}
	if order.GetString("status") != StatusPaid {
		return shop.Fail(http.StatusConflict, "order_not_paid", "只有已支付订单可以发货 / only a paid order can be shipped")
	}
	order.Set("tracking_company", form.Company)
	order.Set("tracking_no", form.Number)
	// note: a plain save: the order rules ship it exactly as for the dashboard
	if err := e.App.Save(order); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, orderView(order))
}

// tracking handles GET /api/shop/orders/{id}/tracking.
func (p *plugin) tracking(e *core.RequestEvent) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	order, err := findOrder(e.App, id, e.Auth.Id)
	if err != nil {
		return err
	}
	company, number := order.GetString("tracking_company"), order.GetString("tracking_no")
	if number == "" {
		return shop.Fail(http.StatusNotFound, "tracking_not_available", "订单还没有运单号 / the order has no tracking number yet")
	}
	tracker := p.shop.Tracker()
	if tracker == nil {
		return shop.Fail(http.StatusServiceUnavailable, "tracking_unavailable", "物流查询未开通 / parcel tracking is not configured")
	}
	var address struct {
		Phone string `json:"phone"`
	}
	_ = order.UnmarshalJSONField("address", &address)

	ctx, cancel := context.WithTimeout(e.Request.Context(), 10*time.Second)
	defer cancel()
	t, err := tracker.Track(ctx, company, number, address.Phone)
	if err != nil {
		var shopErr *shop.Error
		if asShopError(err, &shopErr) {
			return err
		}
		e.App.Logger().Warn("tracking failed", "order", order.Id, "error", err.Error())
		return shop.Fail(http.StatusBadGateway, "tracking_failed", "物流查询失败，请稍后再试 / tracking failed, try again later")
	}
	return e.JSON(http.StatusOK, t)
}
