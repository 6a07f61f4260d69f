package orders

import (
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// The notifications of the orders core, each written in the transaction of
// the event it reports (see [shop.Notify]). Data carries the facts channel
// templates fill in; its keys are listed in the README.

// nowText is the current shop time as templates show it.
func nowText() string {
	return time.Now().In(shop.ShopTimeZone).Format("2006-01-02 15:04")
}

// notifyPaid tells the buyer and the staff that an order was paid.
func notifyPaid(txApp core.App, order *core.Record, amount int64) error {
	no := order.GetString("order_no")
	data := map[string]string{"order_no": no, "amount": yuan(amount), "time": nowText()}
	if err := sendNotice(txApp, order.GetString("buyer"), shop.KindOrderPaid, "支付成功 / payment received",
		fmt.Sprintf("订单 %s 已支付 %s 元", no, yuan(amount)), order.Id, data); err != nil {
		return err
	}
	return sendNotice(txApp, "", shop.KindStaffOrderPaid, "新订单待发货 / new paid order",
		fmt.Sprintf("订单 %s 已支付 %s 元，请及时发货", no, yuan(amount)), order.Id, data)
}

// notifyUnmatchedPayment tells the staff that money arrived for an order
// that cannot take it: it has to be returned by hand.
func notifyUnmatchedPayment(txApp core.App, order, payment *core.Record) error {
	no := order.GetString("order_no")
	amount := shop.AsPayment(payment).Amount()
	return sendNotice(txApp, "", shop.KindStaffPaymentUnmatched, "收到无法入账的付款 / payment for a closed order",
		fmt.Sprintf("订单 %s（%s）收到 %s %s 元，流水号 %s，请核对并退回", no, order.GetString("status"),
			payment.GetString("provider"), yuan(amount), payment.GetString("transaction_id")),
		order.Id, map[string]string{"order_no": no, "amount": yuan(amount), "time": nowText()})
}

// notifyCancelled tells the buyer that an unpaid order was cancelled, and why.
func notifyCancelled(txApp core.App, order *core.Record) error {
	no := order.GetString("order_no")
	reason := order.GetString("cancel_reason")
	if reason == "" {
		reason = "订单已取消"
	}
	return sendNotice(txApp, order.GetString("buyer"), shop.KindOrderCancelled, "订单已取消 / order cancelled",
		fmt.Sprintf("订单 %s 已取消：%s", no, reason), order.Id,
		map[string]string{"order_no": no, "amount": yuan(shop.AsOrder(order).Payable()), "reason": reason, "time": nowText()})
}

// notifyAutoCompleted tells the buyer that receipt was confirmed for them.
func notifyAutoCompleted(txApp core.App, order *core.Record) error {
	no := order.GetString("order_no")
	return sendNotice(txApp, order.GetString("buyer"), shop.KindOrderCompleted, "订单已自动确认收货 / order auto-confirmed",
		fmt.Sprintf("订单 %s 发货后已到期，系统已自动确认收货", no), order.Id,
		map[string]string{"order_no": no, "time": nowText()})
}

// aftersaleTitles are the buyer's titles of after-sale review results.
var aftersaleTitles = map[string]string{
	shop.KindAftersaleApproved: "售后申请已通过 / after-sale approved",
	shop.KindAftersaleRejected: "售后申请未通过 / after-sale rejected",
	shop.KindAftersaleReceived: "退货已签收 / your return arrived",
}

// notifyAftersale tells the buyer what the merchant did with an after-sale.
func notifyAftersale(txApp core.App, as *core.Record, kind string) error {
	no := ""
	if o, err := txApp.FindRecordById(ordersCollection, as.GetString("order")); err == nil {
		no = o.GetString("order_no")
	}
	var body string
	switch kind {
	case shop.KindAftersaleApproved:
		switch as.GetString("type") {
		case TypeRefund:
			body = fmt.Sprintf("订单 %s 的退款申请已通过，退款 %s 元将原路退回", no, yuan(int64(as.GetInt("amount_approved"))))
		default:
			body = fmt.Sprintf("订单 %s 的售后申请已通过，请寄回商品并填写运单号", no)
		}
	case shop.KindAftersaleRejected:
		body = fmt.Sprintf("订单 %s 的售后申请未通过：%s", no, as.GetString("admin_note"))
	case shop.KindAftersaleReceived:
		body = fmt.Sprintf("订单 %s 的退货商家已签收", no)
	}
	return sendNotice(txApp, as.GetString("buyer"), kind, aftersaleTitles[kind], body, as.Id,
		map[string]string{"order_no": no, "amount": yuan(int64(as.GetInt("amount_approved"))),
			"reason": as.GetString("admin_note"), "time": nowText()})
}

// notifyStaffAftersale tells the staff that an after-sale waits for review.
func notifyStaffAftersale(txApp core.App, order, as *core.Record) error {
	no := order.GetString("order_no")
	return sendNotice(txApp, "", shop.KindStaffAftersale, "新售后申请待审核 / after-sale waiting",
		fmt.Sprintf("订单 %s 申请售后（%s，%s 元）：%s", no, as.GetString("type"),
			yuan(int64(as.GetInt("amount_requested"))), as.GetString("reason")), as.Id,
		map[string]string{"order_no": no, "amount": yuan(int64(as.GetInt("amount_requested"))),
			"reason": as.GetString("reason"), "time": nowText()})
}

// notifyRefundFailed tells the buyer that the provider refused a refund
// (the merchant retries it; the buyer knows to ask).
func notifyRefundFailed(txApp core.App, refund *core.Record) error {
	o, err := txApp.FindRecordById(ordersCollection, refund.GetString("order"))
	if err != nil {
		return err
	}
	no := o.GetString("order_no")
	amount := shop.AsRefund(refund).Amount()
	return sendNotice(txApp, o.GetString("buyer"), shop.KindRefundFailed, "退款未成功 / refund failed",
		fmt.Sprintf("订单 %s 的退款 %s 元未能退回，商家将重新处理", no, yuan(amount)), refund.GetString("aftersale"),
		map[string]string{"order_no": no, "amount": yuan(amount), "status": "退款失败", "time": nowText()})
}
