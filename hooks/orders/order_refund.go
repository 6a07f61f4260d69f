package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

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
