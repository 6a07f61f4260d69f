package shop_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// record builds an unsaved record holding the given fields, so the getters
// can be checked without a database.
func record(name string, fields map[string]any) *core.Record {
	c := core.NewBaseCollection(name)
	for k := range fields {
		switch k {
		case "status", "buyer", "order", "beneficiary", "user", "kind":
			c.Fields.Add(&core.TextField{Name: k})
		default:
			c.Fields.Add(&core.NumberField{Name: k, OnlyInt: true})
		}
	}
	r := core.NewRecord(c)
	for k, v := range fields {
		r.Set(k, v)
	}
	return r
}

func TestRecordProxiesReadTheirFields(t *testing.T) {
	t.Parallel()

	o := shop.AsOrder(record("orders", map[string]any{"status": "paid", "buyer": "u1", "goods_amount": 12000,
		"discount_amount": 2000, "shipping_fee": 800, "payable": 10800, "refunded_amount": 300}))
	it := shop.AsOrderItem(record("order_items", map[string]any{"order": "o1", "quantity": 3, "unit_price": 4000,
		"line_amount": 12000, "paid_amount": 10000, "refunded_amount": 3334}))
	pay := shop.AsPayment(record("payments", map[string]any{"status": "unmatched", "order": "o1", "amount": 10800}))
	rf := shop.AsRefund(record("refunds", map[string]any{"status": "processing", "amount": 3334}))
	c := shop.AsCommission(record("commissions", map[string]any{"status": "frozen", "beneficiary": "u2", "level": 2, "base": 10000, "amount": 500}))
	w := shop.AsWallet(record("wallets", map[string]any{"user": "u2", "available": -150, "frozen": 2000,
		"total_earned": 9000, "total_withdrawn": 7000, "last_seq": 12}))
	e := shop.AsWalletEntry(record("wallet_entries", map[string]any{"kind": "payment", "amount": -10800, "balance_after": 42}))
	wd := shop.AsWithdrawal(record("withdrawals", map[string]any{"amount": 10000, "fee": 60, "payout": 9940}))

	scenarios := []struct {
		name string
		got  any
		want any
	}{
		{"order status", o.Status(), shop.OrderStatusPaid},
		{"order buyer", o.Buyer(), "u1"},
		{"order goods", o.GoodsAmount(), int64(12000)},
		{"order discount", o.DiscountAmount(), int64(2000)},
		{"order shipping", o.ShippingFee(), int64(800)},
		{"order payable", o.Payable(), int64(10800)},
		{"order goods paid", o.GoodsPaid(), int64(10000)},
		{"order refunded", o.RefundedAmount(), int64(300)},
		{"item order", it.Order(), "o1"},
		{"item quantity", it.Quantity(), 3},
		{"item unit price", it.UnitPrice(), int64(4000)},
		{"item line amount", it.LineAmount(), int64(12000)},
		{"item paid", it.PaidAmount(), int64(10000)},
		{"item refunded", it.RefundedAmount(), int64(3334)},
		{"payment status", pay.Status(), shop.PaymentStatusUnmatched},
		{"payment order", pay.Order(), "o1"},
		{"payment amount", pay.Amount(), int64(10800)},
		{"refund status", rf.Status(), shop.RefundStatusProcessing},
		{"refund amount", rf.Amount(), int64(3334)},
		{"commission status", c.Status(), shop.CommissionStatusFrozen},
		{"commission beneficiary", c.Beneficiary(), "u2"},
		{"commission level", c.Level(), 2},
		{"commission base", c.Base(), int64(10000)},
		{"commission amount", c.Amount(), int64(500)},
		{"wallet user", w.User(), "u2"},
		{"wallet available (a debt)", w.Available(), int64(-150)},
		{"wallet frozen", w.Frozen(), int64(2000)},
		{"wallet earned", w.TotalEarned(), int64(9000)},
		{"wallet withdrawn", w.TotalWithdrawn(), int64(7000)},
		{"wallet last seq", w.LastSeq(), 12},
		{"entry kind", e.Kind(), "payment"},
		{"entry amount", e.Amount(), int64(-10800)},
		{"entry balance after", e.BalanceAfter(), int64(42)},
		{"withdrawal amount", wd.Amount(), int64(10000)},
		{"withdrawal fee", wd.Fee(), int64(60)},
		{"withdrawal payout", wd.Payout(), int64(9940)},
	}
	for _, s := range scenarios {
		if s.got != s.want {
			t.Errorf("%s: got %v (%T), want %v (%T)", s.name, s.got, s.got, s.want, s.want)
		}
	}
}

func TestGoodsPaidNeverBelowZero(t *testing.T) {
	t.Parallel()

	o := shop.AsOrder(record("orders", map[string]any{"payable": 500, "shipping_fee": 800}))
	if got := o.GoodsPaid(); got != 0 {
		t.Fatalf("GoodsPaid = %d, want 0", got)
	}
}

func TestProxiesOfNilAreNil(t *testing.T) {
	t.Parallel()

	if shop.AsOrder(nil) != nil || shop.AsOrderItem(nil) != nil || shop.AsPayment(nil) != nil ||
		shop.AsRefund(nil) != nil || shop.AsCommission(nil) != nil || shop.AsWallet(nil) != nil ||
		shop.AsWalletEntry(nil) != nil || shop.AsWithdrawal(nil) != nil {
		t.Fatal("a proxy of a nil record is not nil")
	}
	items := shop.AsOrderItems([]*core.Record{record("order_items", map[string]any{"paid_amount": 7})})
	if len(items) != 1 || items[0].PaidAmount() != 7 || shop.OrderItemRecords(items)[0] != items[0].Record {
		t.Fatal("AsOrderItems / OrderItemRecords do not round-trip")
	}
}
