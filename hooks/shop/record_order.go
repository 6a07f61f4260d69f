package shop

import (
	"github.com/pocketbase/pocketbase/core"
)

var _ core.RecordProxy = (*Order)(nil)

// OrderStatus is the value of orders.status.
type OrderStatus string

// The states of an order (see hooks/orders for the moves between them).
const (
	OrderStatusPendingPayment OrderStatus = "pending_payment"
	OrderStatusPaid           OrderStatus = "paid"
	OrderStatusShipped        OrderStatus = "shipped"
	OrderStatusCompleted      OrderStatus = "completed"
	OrderStatusCancelled      OrderStatus = "cancelled"
	OrderStatusRefunded       OrderStatus = "refunded"
)

// Order is a record proxy for the orders collection: typed getters for the
// fields that carry money and state, so that no caller converts a GetInt
// of an amount by hand. Everything else is read through the embedded Record.
type Order struct {
	core.BaseRecordProxy
}

// AsOrder wraps an orders record; nil stays nil.
func AsOrder(r *core.Record) *Order {
	if r == nil {
		return nil
	}
	o := &Order{}
	o.SetProxyRecord(r)
	return o
}

// Status returns the order's state.
func (o *Order) Status() OrderStatus {
	return OrderStatus(o.GetString("status"))
}

// Buyer returns the id of the user who placed the order.
func (o *Order) Buyer() string {
	return o.GetString("buyer")
}

// GoodsAmount is the price of the lines before discounts, in fen.
func (o *Order) GoodsAmount() int64 {
	return int64(o.GetInt("goods_amount"))
}

// DiscountAmount is what promotions and coupons took off, in fen.
func (o *Order) DiscountAmount() int64 {
	return int64(o.GetInt("discount_amount"))
}

// ShippingFee is the shipping the buyer pays, in fen.
func (o *Order) ShippingFee() int64 {
	return int64(o.GetInt("shipping_fee"))
}

// Payable is what the buyer pays for the whole order, in fen.
func (o *Order) Payable() int64 {
	return int64(o.GetInt("payable"))
}

// GoodsPaid is what the buyer paid for goods, shipping left out, in fen
// (never below zero).
func (o *Order) GoodsPaid() int64 {
	return max(0, o.Payable()-o.ShippingFee())
}

// RefundedAmount is the total refunded so far, in fen.
func (o *Order) RefundedAmount() int64 {
	return int64(o.GetInt("refunded_amount"))
}
