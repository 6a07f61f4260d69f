package shop

import (
	"github.com/pocketbase/pocketbase/core"
)

var (
	_ core.RecordProxy = (*Payment)(nil)
	_ core.RecordProxy = (*Refund)(nil)
)

// PaymentStatus is the value of payments.status.
type PaymentStatus string

const (
	// PaymentStatusPaid: the payment paid its order.
	PaymentStatusPaid PaymentStatus = "paid"
	// PaymentStatusUnmatched: money arrived for an order that could not take it.
	PaymentStatusUnmatched PaymentStatus = "unmatched"
)

// Payment is a record proxy for the payments collection.
type Payment struct {
	core.BaseRecordProxy
}

// AsPayment wraps a payments record; nil stays nil.
func AsPayment(r *core.Record) *Payment {
	if r == nil {
		return nil
	}
	p := &Payment{}
	p.SetProxyRecord(r)
	return p
}

// Status returns the payment's state.
func (p *Payment) Status() PaymentStatus {
	return PaymentStatus(p.GetString("status"))
}

// Order returns the id of the order the payment is for.
func (p *Payment) Order() string {
	return p.GetString("order")
}

// Amount is the money received, in fen.
func (p *Payment) Amount() int64 {
	return int64(p.GetInt("amount"))
}

// RefundStatus is the value of refunds.status.
type RefundStatus string

const (
	RefundStatusProcessing RefundStatus = "processing"
	RefundStatusSuccess    RefundStatus = "success"
	RefundStatusFailed     RefundStatus = "failed"
)

// Refund is a record proxy for the refunds collection (money going back to
// a buyer through the provider that took it).
type Refund struct {
	core.BaseRecordProxy
}

// AsRefund wraps a refunds record; nil stays nil.
func AsRefund(r *core.Record) *Refund {
	if r == nil {
		return nil
	}
	rf := &Refund{}
	rf.SetProxyRecord(r)
	return rf
}

// Status returns the refund's state.
func (r *Refund) Status() RefundStatus {
	return RefundStatus(r.GetString("status"))
}

// Amount is the money given back, in fen.
func (r *Refund) Amount() int64 {
	return int64(r.GetInt("amount"))
}
