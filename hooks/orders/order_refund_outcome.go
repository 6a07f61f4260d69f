package orders

import (
	"fmt"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/catalog"
	"fenxiao/hooks/shop"
)

// applyRefundOutcome applies what a provider said about a refund (its
// answer, a reconciliation query or a notification), idempotently:
//
//   - success, in one transaction: the refund moves processing|failed →
//     success with a conditional update, the refunded amounts go onto the
//     lines and the order with conditional updates (never above what was
//     paid), returned units go back to stock, the after-sale becomes
//     refunded, OnOrderRefunded fires with the lines and the buyer is
//     notified; an order refunded in full becomes "refunded";
//   - failed: the refund moves processing → failed (the admin can retry;
//     a retry takes a new refund number);
//   - processing: the provider's refund id is kept, nothing else changes.
//
// A refund already successful changes nothing, whatever the answer.
func (p *plugin) applyRefundOutcome(app core.App, refundId string, out *shop.RefundResult) (*RefundResult, error) {
	switch out.Status {
	case RefundSuccess:
		return p.refundSucceeded(app, refundId, out)
	case RefundFailed:
		return refundFailed(app, refundId, out)
	default: // processing, or anything unknown: wait
		return refundStillProcessing(app, refundId, out)
	}
}

// refundFailed moves a processing refund to failed and tells the buyer.
func refundFailed(app core.App, refundId string, out *shop.RefundResult) (*RefundResult, error) {
	res := &RefundResult{}
	err := app.RunInTransaction(func(txApp core.App) error {
		r, err := txApp.FindRecordById(refundsCollection, refundId)
		if err != nil {
			return err
		}
		res.Refund = r
		if r.GetString("status") != RefundProcessing {
			return nil
		}
		r.Set("provider_refund_id", out.RefundId)
		r.Set("raw", truncate(out.Raw, 20000))
		moved, err := moveRefund(txApp, r, []string{RefundProcessing}, RefundFailed)
		if err == nil && moved {
			txApp.Logger().Warn("refund failed at the provider; retry it from the after-sale",
				"refund", r.Id, "refund_no", r.GetString("refund_no"), "aftersale", r.GetString("aftersale"))
			err = notifyRefundFailed(txApp, r)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	res.Aftersale, _ = app.FindRecordById(aftersalesCollection, res.Refund.GetString("aftersale"))
	return res, nil
}

// refundStillProcessing keeps the provider's refund id of a refund that
// has not finished; nothing else changes.
func refundStillProcessing(app core.App, refundId string, out *shop.RefundResult) (*RefundResult, error) {
	res := &RefundResult{}
	err := app.RunInTransaction(func(txApp core.App) error {
		r, err := txApp.FindRecordById(refundsCollection, refundId)
		if err != nil {
			return err
		}
		res.Refund = r
		if r.GetString("status") != RefundProcessing || out.RefundId == "" || r.GetString("provider_refund_id") == out.RefundId {
			return nil
		}
		r.Set("provider_refund_id", out.RefundId)
		r.Set("raw", truncate(out.Raw, 20000))
		return save(txApp, r)
	})
	if err != nil {
		return nil, err
	}
	res.Aftersale, _ = app.FindRecordById(aftersalesCollection, res.Refund.GetString("aftersale"))
	return res, nil
}

// refundSucceeded records a refund the provider paid, in one transaction:
// the amounts checked against the after-sale, the lines and the order
// credited, returned units restocked, the refund and the after-sale moved,
// OnOrderRefunded fired and the buyer told.
func (p *plugin) refundSucceeded(app core.App, refundId string, out *shop.RefundResult) (*RefundResult, error) {
	res := &RefundResult{}
	err := app.RunInTransaction(func(txApp core.App) error {
		r, err := txApp.FindRecordById(refundsCollection, refundId)
		if err != nil {
			return err
		}
		res.Refund = r
		if r.GetString("status") == RefundSuccess {
			res.Aftersale, err = txApp.FindRecordById(aftersalesCollection, r.GetString("aftersale"))
			return err
		}
		amount := shop.AsRefund(r).Amount()
		if err := checkReportedAmount(txApp, r, amount, out.Amount); err != nil {
			return err
		}
		a, err := txApp.FindRecordById(aftersalesCollection, r.GetString("aftersale"))
		if err != nil {
			return err
		}
		lines, shipping, err := refundMatchingAftersale(a, amount)
		if err != nil {
			return err
		}
		o, err := txApp.FindRecordById(ordersCollection, r.GetString("order"))
		if err != nil {
			return err
		}
		// note: before the lines take their part, so that only the
		// shipping refunded so far counts
		if err := checkShippingLeft(txApp, o, a, shipping); err != nil {
			return err
		}
		returned := a.GetString("type") == TypeReturnRefund
		events, err := creditRefundedLines(txApp, a, lines, returned)
		if err != nil {
			return err
		}
		if err := creditRefundedOrder(txApp, o, amount); err != nil {
			return err
		}
		if returned {
			if err := restockReturned(txApp, lines); err != nil {
				return err
			}
		}
		if err := markRefundSucceeded(txApp, r, a, out); err != nil {
			return err
		}
		res.Aftersale = a
		if err := p.shop.OnOrderRefunded.Trigger(&shop.RefundEvent{App: txApp, Order: shop.AsOrder(o), Aftersale: a, Lines: events}); err != nil {
			return err
		}
		return sendNotice(txApp, o.GetString("buyer"), shop.KindRefund, "退款成功 / refund completed",
			fmt.Sprintf("订单 %s 退款 %s 元%s已原路退回", o.GetString("order_no"), yuan(amount), shippingNote(shipping)), a.Id,
			map[string]string{"order_no": o.GetString("order_no"), "amount": yuan(amount), "status": "退款成功"})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// checkReportedAmount refuses a success the provider reports for another
// amount than the refund asked for (0: the provider did not say).
func checkReportedAmount(txApp core.App, r *core.Record, amount, reported int64) error {
	if reported == 0 || reported == amount {
		return nil
	}
	txApp.Logger().Error("refund reported for another amount; not recorded, check it by hand",
		"refund", r.Id, "refund_no", r.GetString("refund_no"), "amount", amount, "reported", reported)
	return shop.Fail(http.StatusConflict, "refund_amount_mismatch",
		"退款金额与渠道报告不符 / the provider reports another refund amount")
}

// refundMatchingAftersale returns the after-sale's lines and shipping
// part, refusing them when they do not add up to the refund's amount.
func refundMatchingAftersale(a *core.Record, amount int64) ([]AftersaleLine, int64, error) {
	lines, shipping, err := refundLines(a)
	if err != nil {
		return nil, 0, err
	}
	sum := shipping
	for _, l := range lines {
		sum += l.Amount
	}
	if sum != amount {
		return nil, 0, shop.Fail(http.StatusConflict, "refund_amount_changed", "退款金额与售后单不符 / the refund differs from the after-sale")
	}
	return lines, shipping, nil
}

// checkShippingLeft refuses a shipping part above the shipping not yet refunded.
func checkShippingLeft(txApp core.App, o, a *core.Record, shipping int64) error {
	if shipping <= 0 {
		return nil
	}
	left, err := shippingLeft(txApp, o, "")
	if err != nil {
		return err
	}
	if shipping > left {
		txApp.Logger().Error("refund paid by the provider exceeds the shipping left; not recorded",
			"aftersale", a.Id, "shipping", shipping, "left", left)
		return errRefundExceeds
	}
	return nil
}

// creditRefundedLines adds each line's refund (and returned units) to its
// order line with a conditional update that never goes above what was
// paid or bought, and returns the lines for OnOrderRefunded.
func creditRefundedLines(txApp core.App, a *core.Record, lines []AftersaleLine, returned bool) ([]shop.RefundedLine, error) {
	events := make([]shop.RefundedLine, 0, len(lines))
	for _, l := range lines {
		qty := 0
		if returned {
			qty = l.Quantity
		}
		upd, err := txApp.DB().NewQuery(`UPDATE {{order_items}}
				SET [[refunded_amount]] = [[refunded_amount]] + {:amount},
					[[returned_quantity]] = [[returned_quantity]] + {:qty}
				WHERE [[id]] = {:id} AND [[refunded_amount]] + {:amount} <= [[paid_amount]]
					AND [[returned_quantity]] + {:qty} <= [[quantity]]`).
			Bind(dbx.Params{"amount": l.Amount, "qty": qty, "id": l.OrderItem}).Execute()
		if err != nil {
			return nil, err
		}
		if n, _ := upd.RowsAffected(); n == 0 {
			txApp.Logger().Error("refund paid by the provider exceeds the line; not recorded",
				"aftersale", a.Id, "order_item", l.OrderItem, "amount", l.Amount)
			return nil, errRefundExceeds
		}
		events = append(events, shop.RefundedLine{OrderItemId: l.OrderItem, Amount: l.Amount, Quantity: qty})
	}
	return events, nil
}

// creditRefundedOrder adds the refund to the order, which becomes
// "refunded" once no line has anything left to refund.
func creditRefundedOrder(txApp core.App, o *core.Record, amount int64) error {
	if o.GetInt("refunded_amount")+int(amount) > o.GetInt("payable") {
		return errRefundExceeds
	}
	o.Set("refunded_amount", o.GetInt("refunded_amount")+int(amount))
	var left int
	if err := txApp.DB().NewQuery("SELECT COALESCE(SUM([[paid_amount]] - [[refunded_amount]]), 0) FROM {{order_items}} WHERE [[order]] = {:order}").
		Bind(dbx.Params{"order": o.Id}).Row(&left); err != nil {
		return err
	}
	if from := o.GetString("status"); left == 0 && CanTransition(from, StatusRefunded) {
		return moveStatus(txApp, o, from, StatusRefunded)
	}
	return save(txApp, o)
}

// restockReturned puts returned units back on their SKUs and off their
// products' sales (a SKU deleted since is skipped).
func restockReturned(txApp core.App, lines []AftersaleLine) error {
	for _, l := range lines {
		it, err := txApp.FindRecordById(itemsCollection, l.OrderItem)
		if err != nil {
			return err
		}
		if err := catalog.RestoreStock(txApp, it.GetString("sku"), l.Quantity); err != nil && !isCode(err, "sku_not_found") {
			return err
		}
		if err := catalog.AddSales(txApp, it.GetString("product"), -l.Quantity); err != nil {
			return err
		}
	}
	return nil
}

// markRefundSucceeded moves the refund to success and the after-sale to refunded.
func markRefundSucceeded(txApp core.App, r, a *core.Record, out *shop.RefundResult) error {
	if out.RefundId != "" {
		r.Set("provider_refund_id", out.RefundId)
	}
	if out.Raw != "" {
		r.Set("raw", truncate(out.Raw, 20000))
	}
	r.Set("refunded_at", nowDate())
	if _, err := moveRefund(txApp, r, []string{RefundProcessing, RefundFailed}, RefundSuccess); err != nil {
		return err
	}
	// note: the money moved; a buyer who closed the after-sale meanwhile
	// still gets it recorded
	return moveAftersale(txApp, a, []string{AsApproved, AsReceived, AsClosed}, AsRefunded)
}
