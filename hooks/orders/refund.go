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

// RefundAftersale refunds an approved refund-only after-sale or a received
// return through the provider that took the payment:
//
//  1. one transaction records a refunds row (status processing) under the
//     after-sale's refund number, after checking every line can still take it;
//  2. the provider is asked to refund, outside any transaction, with that
//     number (a retry is the same refund at the provider);
//  3. once the provider says success, one transaction marks the refund,
//     adds the refunded amounts to the lines and the order with conditional
//     updates (never above what was paid), gives returned units back to
//     stock, closes the after-sale, fires OnOrderRefunded with the lines and
//     notifies the buyer. An order refunded in full becomes "refunded".
//
// Calling it again for a finished refund changes nothing.
func (p *plugin) RefundAftersale(app core.App, aftersaleId string) (*RefundResult, error) {
	as, err := findAftersale(app, aftersaleId, "")
	if err != nil {
		return nil, err
	}
	res := &RefundResult{Aftersale: as}
	if as.GetString("status") == AsRefunded {
		res.Refund, _ = app.FindFirstRecordByData(refundsCollection, "refund_no", refundNo(as.Id))
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
	lines, err := refundLines(as)
	if err != nil {
		return nil, err
	}
	var amount int64
	for _, l := range lines {
		amount += l.Amount
	}

	// 1. claim the refund number
	no := refundNo(as.Id)
	var refund *core.Record
	err = app.RunInTransaction(func(txApp core.App) error {
		existing, err := txApp.FindFirstRecordByData(refundsCollection, "refund_no", no)
		if err == nil {
			refund = existing
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := checkRefundable(txApp, lines); err != nil {
			return err
		}
		col, err := txApp.FindCachedCollectionByNameOrId(refundsCollection)
		if err != nil {
			return err
		}
		refund = core.NewRecord(col)
		refund.Set("order", order.Id)
		refund.Set("aftersale", as.Id)
		refund.Set("provider", provider.Name())
		refund.Set("refund_no", no)
		refund.Set("amount", amount)
		refund.Set("status", "processing")
		return save(txApp, refund)
	})
	if err != nil {
		return nil, err
	}
	res.Refund = refund
	if refund.GetString("status") == "success" {
		return res, nil
	}
	if amount == 0 {
		return nil, errRefundExceeds
	}

	// 2. ask the provider, outside any transaction
	ctx, cancel := context.WithTimeout(context.Background(), p.config.ProviderTimeout)
	defer cancel()
	out, err := provider.Refund(ctx, shop.RefundRequest{
		OrderNo:       order.GetString("order_no"),
		TransactionId: payment.GetString("transaction_id"),
		RefundNo:      no,
		Amount:        amount,
		Total:         int64(order.GetInt("payable")),
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
	if out == nil || out.Status != "success" {
		st := "processing"
		if out != nil && out.Status == "failed" {
			st = "failed"
		}
		err := app.RunInTransaction(func(txApp core.App) error {
			r, err := txApp.FindRecordById(refundsCollection, refund.Id)
			if err != nil || r.GetString("status") == "success" {
				return err
			}
			r.Set("status", st)
			if out != nil {
				r.Set("provider_refund_id", out.RefundId)
				r.Set("raw", truncate(out.Raw, 20000))
			}
			refund = r
			return save(txApp, r)
		})
		res.Refund = refund
		if st == "failed" {
			return nil, shop.Fail(http.StatusBadGateway, "refund_failed", "退款被支付渠道拒绝 / the provider refused the refund")
		}
		return res, err
	}

	// 3. record the refund
	err = app.RunInTransaction(func(txApp core.App) error {
		r, err := txApp.FindRecordById(refundsCollection, refund.Id)
		if err != nil {
			return err
		}
		if r.GetString("status") == "success" {
			refund = r
			return nil
		}
		a, err := txApp.FindRecordById(aftersalesCollection, as.Id)
		if err != nil {
			return err
		}
		events := make([]shop.RefundedLine, 0, len(lines))
		for _, l := range lines {
			qty := 0
			if kind == TypeReturnRefund {
				qty = l.Quantity
			}
			res, err := txApp.DB().NewQuery(`UPDATE {{order_items}}
					SET [[refunded_amount]] = [[refunded_amount]] + {:amount},
						[[returned_quantity]] = [[returned_quantity]] + {:qty}
					WHERE [[id]] = {:id} AND [[refunded_amount]] + {:amount} <= [[paid_amount]]
						AND [[returned_quantity]] + {:qty} <= [[quantity]]`).
				Bind(dbx.Params{"amount": l.Amount, "qty": qty, "id": l.OrderItem}).Execute()
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				txApp.Logger().Error("refund paid by the provider exceeds the line; not recorded",
					"aftersale", as.Id, "order_item", l.OrderItem, "amount", l.Amount)
				return errRefundExceeds
			}
			events = append(events, shop.RefundedLine{OrderItemId: l.OrderItem, Amount: l.Amount, Quantity: qty})
		}

		o, err := txApp.FindRecordById(ordersCollection, order.Id)
		if err != nil {
			return err
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

		r.Set("status", "success")
		r.Set("provider_refund_id", out.RefundId)
		r.Set("raw", truncate(out.Raw, 20000))
		r.Set("refunded_at", nowDate())
		if err := save(txApp, r); err != nil {
			return err
		}
		if err := moveAftersale(txApp, a, []string{AsApproved, AsReceived}, AsRefunded); err != nil {
			return err
		}
		refund, res.Aftersale = r, a
		if err := p.shop.OnOrderRefunded.Trigger(&shop.RefundEvent{App: txApp, Order: o, Aftersale: a, Lines: events}); err != nil {
			return err
		}
		return notify(txApp, o.GetString("buyer"), "refund", "退款成功 / refund completed",
			fmt.Sprintf("订单 %s 退款 %s 元已原路退回", o.GetString("order_no"), yuan(amount)), a.Id)
	})
	if err != nil {
		return nil, err
	}
	res.Refund = refund
	return res, nil
}

// refundLines are the after-sale's lines with the approved amount spread
// over them in proportion to what was asked (largest remainder, exact).
func refundLines(as *core.Record) ([]AftersaleLine, error) {
	lines := aftersaleLines(as)
	approved := int64(as.GetInt("amount_approved"))
	requested := int64(as.GetInt("amount_requested"))
	if approved <= 0 || approved > requested || len(lines) == 0 {
		return nil, shop.Fail(http.StatusConflict, "invalid_approved_amount", "批准金额无效 / the approved amount is invalid")
	}
	if approved == requested {
		return lines, nil
	}
	weights := make([]int64, len(lines))
	for i, l := range lines {
		weights[i] = l.Amount
	}
	shares := money.Allocate(approved, weights)
	for i := range lines {
		lines[i].Amount = shares[i]
	}
	return lines, nil
}

// checkRefundable checks that every line can still take its amount.
func checkRefundable(app core.App, lines []AftersaleLine) error {
	for _, l := range lines {
		it, err := app.FindRecordById(itemsCollection, l.OrderItem)
		if err != nil {
			return err
		}
		if int64(it.GetInt("refunded_amount"))+l.Amount > int64(it.GetInt("paid_amount")) {
			return errRefundExceeds
		}
	}
	return nil
}
