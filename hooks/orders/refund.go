package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/catalog"
	"fenxiao/hooks/shop"
	"fenxiao/internal/money"
)

// RefundResult is what [plugin.RefundAftersale] did.
type RefundResult struct {
	Aftersale *core.Record
	Refund    *core.Record
}

var errRefundExceeds = shop.Fail(http.StatusConflict, "refund_exceeds_paid",
	"退款金额超过可退金额 / the refund is more than what is left to refund")

// Refund statuses (refunds.status).
const (
	RefundProcessing = string(shop.RefundStatusProcessing)
	RefundSuccess    = string(shop.RefundStatusSuccess)
	RefundFailed     = string(shop.RefundStatusFailed)
)

// RefundAftersale refunds an approved refund-only after-sale or a received
// return through the provider that took the payment:
//
//  1. one transaction records a refunds row (status processing) under a
//     refund number, after checking every line can still take it; a refund
//     in flight is reused, a failed one is kept and a new number is taken;
//  2. the provider is asked to refund, outside any transaction, with that
//     number (a retry is the same refund at the provider);
//  3. the provider's answer is applied with [plugin.applyRefundOutcome]:
//     success records the refund, failed marks it failed (the admin can
//     retry), processing waits for refund_reconcile or a notification.
//
// Calling it again for a finished refund changes nothing.
func (p *plugin) RefundAftersale(app core.App, aftersaleId string) (*RefundResult, error) {
	as, err := findAftersale(app, aftersaleId, "")
	if err != nil {
		return nil, err
	}
	res := &RefundResult{Aftersale: as}
	if as.GetString("status") == AsRefunded {
		res.Refund, _ = app.FindFirstRecordByFilter(refundsCollection, "aftersale = {:as} && status = {:ok}",
			dbx.Params{"as": as.Id, "ok": RefundSuccess})
		return res, nil
	}
	kind, status := as.GetString("type"), as.GetString("status")
	if !(kind == TypeRefund && status == AsApproved) && !(kind == TypeReturnRefund && status == AsReceived) {
		return nil, shop.Fail(http.StatusConflict, "aftersale_not_refundable",
			"售后单当前状态不能退款 / the after-sale is not ready for a refund")
	}
	order, err := findOrder(app, as.GetString("order"), "")
	if err != nil {
		return nil, err
	}
	payment, err := app.FindFirstRecordByFilter(paymentsCollection, "order = {:order} && status = 'paid'",
		dbx.Params{"order": order.Id})
	if err != nil {
		return nil, shop.Fail(http.StatusConflict, "payment_not_found", "找不到该订单的支付记录 / the order has no payment")
	}
	provider, ok := p.shop.PaymentProvider(payment.GetString("provider"))
	if !ok {
		return nil, shop.Fail(http.StatusServiceUnavailable, "refund_provider_unavailable",
			"原支付方式未启用，无法退款 / the payment method of the order is not available for refunds")
	}
	lines, shipping, err := refundLines(as)
	if err != nil {
		return nil, err
	}
	amount := shipping
	for _, l := range lines {
		amount += l.Amount
	}
	if amount == 0 {
		return nil, errRefundExceeds
	}

	// 1. claim a refund number
	var refund *core.Record
	err = app.RunInTransaction(func(txApp core.App) error {
		existing, err := txApp.FindRecordsByFilter(refundsCollection, "aftersale = {:as}", "created,id", 0, 0,
			dbx.Params{"as": as.Id})
		if err != nil {
			return err
		}
		for _, r := range existing {
			if r.GetString("status") != RefundFailed {
				refund = r
				return nil
			}
		}
		if err := checkRefundable(txApp, lines); err != nil {
			return err
		}
		if shipping > 0 {
			o, err := findOrder(txApp, order.Id, "")
			if err != nil {
				return err
			}
			left, err := shippingLeft(txApp, o, as.Id)
			if err != nil {
				return err
			}
			if shipping > left {
				return errRefundExceeds
			}
		}
		col, err := txApp.FindCachedCollectionByNameOrId(refundsCollection)
		if err != nil {
			return err
		}
		no := refundNo(as.Id)
		if len(existing) > 0 {
			// note: a provider keeps a failed refund under its number for
			// good; a retry after a failure is a new refund
			no = fmt.Sprintf("%sR%d", no, len(existing)+1)
		}
		refund = core.NewRecord(col)
		refund.Set("order", order.Id)
		refund.Set("aftersale", as.Id)
		refund.Set("provider", provider.Name())
		refund.Set("refund_no", no)
		refund.Set("amount", amount)
		refund.Set("status", RefundProcessing)
		return save(txApp, refund)
	})
	if err != nil {
		return nil, err
	}
	res.Refund = refund
	if refund.GetString("status") == RefundSuccess {
		return res, nil
	}
	if shop.AsRefund(refund).Amount() != amount {
		return nil, shop.Fail(http.StatusConflict, "refund_amount_changed", "退款金额与进行中的退款不符 / the refund in flight is for another amount")
	}

	// 2. ask the provider, outside any transaction
	no := refund.GetString("refund_no")
	ctx, cancel := context.WithTimeout(context.Background(), p.config.ProviderTimeout)
	defer cancel()
	out, err := provider.Refund(ctx, shop.RefundRequest{
		OrderNo:       order.GetString("order_no"),
		TransactionId: payment.GetString("transaction_id"),
		RefundNo:      no,
		Amount:        amount,
		Total:         shop.AsOrder(order).Payable(),
		Reason:        truncate(as.GetString("reason"), 80),
	})
	if err != nil {
		app.Logger().Error("refund failed at the provider", "aftersale", as.Id, "refund_no", no, "error", err.Error())
		var shopErr *shop.Error
		if asShopError(err, &shopErr) {
			return nil, err
		}
		return nil, shop.Fail(http.StatusBadGateway, "refund_provider_error", "退款请求失败，请稍后重试 / the refund failed at the provider, retry later")
	}
	if out == nil {
		out = &shop.RefundResult{Status: RefundProcessing}
	}

	// 3. apply the answer
	done, err := p.applyRefundOutcome(app, refund.Id, out)
	if err != nil {
		return nil, err
	}
	if done.Refund.GetString("status") == RefundFailed {
		return nil, shop.Fail(http.StatusBadGateway, "refund_failed", "退款被支付渠道拒绝 / the provider refused the refund")
	}
	return done, nil
}

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
	res := &RefundResult{}
	switch out.Status {
	case RefundSuccess:
	case RefundFailed:
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
	default: // processing, or anything unknown: wait
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
		if out.Amount != 0 && out.Amount != amount {
			txApp.Logger().Error("refund reported for another amount; not recorded, check it by hand",
				"refund", r.Id, "refund_no", r.GetString("refund_no"), "amount", amount, "reported", out.Amount)
			return shop.Fail(http.StatusConflict, "refund_amount_mismatch",
				"退款金额与渠道报告不符 / the provider reports another refund amount")
		}
		a, err := txApp.FindRecordById(aftersalesCollection, r.GetString("aftersale"))
		if err != nil {
			return err
		}
		kind := a.GetString("type")
		lines, shipping, err := refundLines(a)
		if err != nil {
			return err
		}
		sum := shipping
		for _, l := range lines {
			sum += l.Amount
		}
		if sum != amount {
			return shop.Fail(http.StatusConflict, "refund_amount_changed", "退款金额与售后单不符 / the refund differs from the after-sale")
		}
		o, err := txApp.FindRecordById(ordersCollection, r.GetString("order"))
		if err != nil {
			return err
		}
		if shipping > 0 {
			// note: before the lines take their part, so that only the
			// shipping refunded so far counts
			left, err := shippingLeft(txApp, o, "")
			if err != nil {
				return err
			}
			if shipping > left {
				txApp.Logger().Error("refund paid by the provider exceeds the shipping left; not recorded",
					"aftersale", a.Id, "shipping", shipping, "left", left)
				return errRefundExceeds
			}
		}

		events := make([]shop.RefundedLine, 0, len(lines))
		for _, l := range lines {
			qty := 0
			if kind == TypeReturnRefund {
				qty = l.Quantity
			}
			upd, err := txApp.DB().NewQuery(`UPDATE {{order_items}}
					SET [[refunded_amount]] = [[refunded_amount]] + {:amount},
						[[returned_quantity]] = [[returned_quantity]] + {:qty}
					WHERE [[id]] = {:id} AND [[refunded_amount]] + {:amount} <= [[paid_amount]]
						AND [[returned_quantity]] + {:qty} <= [[quantity]]`).
				Bind(dbx.Params{"amount": l.Amount, "qty": qty, "id": l.OrderItem}).Execute()
			if err != nil {
				return err
			}
			if n, _ := upd.RowsAffected(); n == 0 {
				txApp.Logger().Error("refund paid by the provider exceeds the line; not recorded",
					"aftersale", a.Id, "order_item", l.OrderItem, "amount", l.Amount)
				return errRefundExceeds
			}
			events = append(events, shop.RefundedLine{OrderItemId: l.OrderItem, Amount: l.Amount, Quantity: qty})
		}

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
			if err := moveStatus(txApp, o, from, StatusRefunded); err != nil {
				return err
			}
		} else if err := save(txApp, o); err != nil {
			return err
		}

		if kind == TypeReturnRefund {
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
		}

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
		if err := moveAftersale(txApp, a, []string{AsApproved, AsReceived, AsClosed}, AsRefunded); err != nil {
			return err
		}
		res.Aftersale = a
		if err := p.shop.OnOrderRefunded.Trigger(&shop.RefundEvent{App: txApp, Order: shop.AsOrder(o), Aftersale: a, Lines: events}); err != nil {
			return err
		}
		return notify(txApp, o.GetString("buyer"), shop.KindRefund, "退款成功 / refund completed",
			fmt.Sprintf("订单 %s 退款 %s 元%s已原路退回", o.GetString("order_no"), yuan(amount), shippingNote(shipping)), a.Id,
			map[string]string{"order_no": o.GetString("order_no"), "amount": yuan(amount), "status": "退款成功"})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// moveRefund moves a refund (loaded in txApp) to another status with a
// conditional update (status in from), then saves r with the fields the
// caller set. It reports false, changing nothing, when the refund was no
// longer in one of the from statuses.
func moveRefund(txApp core.App, r *core.Record, from []string, to string) (bool, error) {
	res, err := txApp.DB().Update(refundsCollection, dbx.Params{"status": to},
		dbx.And(dbx.HashExp{"id": r.Id}, dbx.In("status", toAny(from)...))).Execute()
	if err != nil {
		return false, fmt.Errorf("move refund %s to %s: %w", r.Id, to, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if to == RefundSuccess {
			return false, shop.Fail(http.StatusConflict, "refund_status_changed", "退款状态已变化 / the refund's status changed")
		}
		return false, nil
	}
	r.Set("status", to)
	return true, save(txApp, r)
}

// refundByNotice applies a verified refund notification.
func (p *plugin) refundByNotice(app core.App, provider string, n *shop.RefundNotice) error {
	r, err := app.FindFirstRecordByData(refundsCollection, "refund_no", n.RefundNo)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err != nil || r.GetString("provider") != provider {
		// note: genuine but not ours to apply (e.g. refunded by hand on the
		// merchant platform); acknowledged so that it is not sent again
		app.Logger().Warn("refund notification for an unknown refund; ignored",
			"provider", provider, "refund_no", n.RefundNo, "status", n.Status)
		return nil
	}
	_, err = p.applyRefundOutcome(app, r.Id, &n.RefundResult)
	return err
}

// refundLines are the after-sale's lines with the approved amount spread
// over them in proportion to what was asked (largest remainder, exact),
// and the part of the approved amount that refunds shipping: what was
// approved above the requested amount, the lines then taking what they
// asked.
func refundLines(as *core.Record) ([]AftersaleLine, int64, error) {
	lines := aftersaleLines(as)
	approved := int64(as.GetInt("amount_approved"))
	requested := int64(as.GetInt("amount_requested"))
	if approved <= 0 || len(lines) == 0 {
		return nil, 0, shop.Fail(http.StatusConflict, "invalid_approved_amount", "批准金额无效 / the approved amount is invalid")
	}
	if approved >= requested {
		return lines, shippingPart(as), nil
	}
	weights := make([]int64, len(lines))
	for i, l := range lines {
		weights[i] = l.Amount
	}
	shares := money.Allocate(approved, weights)
	for i := range lines {
		lines[i].Amount = shares[i]
	}
	return lines, 0, nil
}

// checkRefundable checks that every line can still take its amount.
func checkRefundable(app core.App, lines []AftersaleLine) error {
	for _, l := range lines {
		it, err := app.FindRecordById(itemsCollection, l.OrderItem)
		if err != nil {
			return err
		}
		if line := shop.AsOrderItem(it); line.RefundedAmount()+l.Amount > line.PaidAmount() {
			return errRefundExceeds
		}
	}
	return nil
}
