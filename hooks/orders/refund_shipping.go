package orders

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// Shipping on refunds.
//
// Order lines exclude the shipping fee, so a refund of lines never gives
// it back by itself. The rule:
//
//   - an order that has not shipped (status paid) whose every line ends
//     refunded in full with an after-sale approved as requested gets its
//     shipping fee back in the same refund: the approval sets
//     amount_approved to the requested amount plus what is left of the
//     shipping fee;
//   - otherwise (shipped, completed, or partial) the shop keeps the
//     shipping, unless the admin approves more than was requested: the
//     excess, at most what is left of the shipping fee, refunds shipping.
//
// In both cases the shipping part of an after-sale is amount_approved −
// amount_requested when positive; it is part of the after-sale's one
// refund (refunds.amount), goes into orders.refunded_amount, and never onto
// a line, so the lines' refunded amounts and the commission clawbacks stay
// those of the goods. What an order has refunded of its shipping is
// orders.refunded_amount minus the sum of its lines' refunded_amount.

// shippingPart is the part of an after-sale's approved amount that
// refunds shipping.
func shippingPart(as *core.Record) int64 {
	return max(int64(as.GetInt("amount_approved"))-int64(as.GetInt("amount_requested")), 0)
}

// shippingLeft is what is left of an order's shipping fee to refund: the
// fee minus what successful refunds gave back of it, minus (unless
// exceptAftersale is "") the shipping parts of refunds still in flight for
// other after-sales.
func shippingLeft(app core.App, order *core.Record, exceptAftersale string) (int64, error) {
	var linesRefunded int64
	if err := app.DB().NewQuery("SELECT COALESCE(SUM([[refunded_amount]]), 0) FROM {{order_items}} WHERE [[order]] = {:order}").
		Bind(dbx.Params{"order": order.Id}).Row(&linesRefunded); err != nil {
		return 0, fmt.Errorf("shipping left of %s: %w", order.Id, err)
	}
	o := shop.AsOrder(order)
	left := o.ShippingFee() - (o.RefundedAmount() - linesRefunded)
	if exceptAftersale != "" {
		var inFlight int64
		err := app.DB().NewQuery(`SELECT COALESCE(SUM(MAX(a.[[amount_approved]] - a.[[amount_requested]], 0)), 0)
				FROM {{refunds}} r JOIN {{aftersales}} a ON a.[[id]] = r.[[aftersale]]
				WHERE r.[[order]] = {:order} AND r.[[status]] = {:processing} AND a.[[id]] != {:except}`).
			Bind(dbx.Params{"order": order.Id, "processing": RefundProcessing, "except": exceptAftersale}).Row(&inFlight)
		if err != nil {
			return 0, fmt.Errorf("shipping in flight of %s: %w", order.Id, err)
		}
		left -= inFlight
	}
	return max(left, 0), nil
}

// refundsEveryLine reports whether refunding the after-sale's requested
// amounts leaves nothing to refund on any line of the order.
func refundsEveryLine(app core.App, as *core.Record) (bool, error) {
	items, err := orderItems(app, as.GetString("order"))
	if err != nil {
		return false, err
	}
	asked := map[string]int64{}
	for _, l := range aftersaleLines(as) {
		asked[l.OrderItem] += l.Amount
	}
	for _, it := range items {
		if line := shop.AsOrderItem(it); line.PaidAmount()-line.RefundedAmount()-asked[it.Id] != 0 {
			return false, nil
		}
	}
	return true, nil
}

// approvalCap returns the most an after-sale may be approved for (its
// requested amount plus what is left of the shipping) and, for an
// approval as requested, the amount the shipping rule gives.
func approvalCap(app core.App, as *core.Record) (maxAmount, asRequested int64, err error) {
	requested := int64(as.GetInt("amount_requested"))
	order, err := findOrder(app, as.GetString("order"), "")
	if err != nil {
		return 0, 0, err
	}
	left, err := shippingLeft(app, order, as.Id)
	if err != nil {
		return 0, 0, err
	}
	asRequested = requested
	if order.GetString("status") == StatusPaid && left > 0 {
		all, err := refundsEveryLine(app, as)
		if err != nil {
			return 0, 0, err
		}
		if all {
			asRequested = requested + left
		}
	}
	return requested + left, asRequested, nil
}

// shippingNote is the notification's mention of refunded shipping.
func shippingNote(shipping int64) string {
	if shipping <= 0 {
		return ""
	}
	return fmt.Sprintf("（含运费 %s 元）", yuan(shipping))
}
