package shop

import (
	"github.com/pocketbase/pocketbase/core"
)

var _ core.RecordProxy = (*OrderItem)(nil)

// OrderItem is a record proxy for the order_items collection (one order line).
type OrderItem struct {
	core.BaseRecordProxy
}

// AsOrderItem wraps an order_items record; nil stays nil.
func AsOrderItem(r *core.Record) *OrderItem {
	if r == nil {
		return nil
	}
	it := &OrderItem{}
	it.SetProxyRecord(r)
	return it
}

// AsOrderItems wraps every record of a list of order lines.
func AsOrderItems(records []*core.Record) []*OrderItem {
	items := make([]*OrderItem, len(records))
	for i, r := range records {
		items[i] = AsOrderItem(r)
	}
	return items
}

// OrderItemRecords returns the records behind a list of order lines, for
// the calls that take plain records.
func OrderItemRecords(items []*OrderItem) []*core.Record {
	records := make([]*core.Record, len(items))
	for i, it := range items {
		records[i] = it.ProxyRecord()
	}
	return records
}

// Order returns the id of the order the line belongs to.
func (it *OrderItem) Order() string {
	return it.GetString("order")
}

// Quantity is the number of units bought.
func (it *OrderItem) Quantity() int {
	return it.GetInt("quantity")
}

// UnitPrice is the price of one unit at checkout, in fen.
func (it *OrderItem) UnitPrice() int64 {
	return int64(it.GetInt("unit_price"))
}

// LineAmount is unit price × quantity, in fen.
func (it *OrderItem) LineAmount() int64 {
	return int64(it.GetInt("line_amount"))
}

// PaidAmount is the line's share of what the buyer paid for goods, in fen.
func (it *OrderItem) PaidAmount() int64 {
	return int64(it.GetInt("paid_amount"))
}

// RefundedAmount is what was refunded of this line so far, in fen.
func (it *OrderItem) RefundedAmount() int64 {
	return int64(it.GetInt("refunded_amount"))
}
