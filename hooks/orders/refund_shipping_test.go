package orders_test

import (
	"strings"
	"testing"

	"fenxiao/tests"

	"github.com/pocketbase/pocketbase/core"
)

// shippedSkus adds a product charged 800 fen for the first piece and 200
// for each further piece, with two SKUs (5000 and 3000 fen).
func shippedSkus(t *testing.T, f *fixture) (*core.Record, *core.Record) {
	t.Helper()
	tpl := tests.Save(t, f.app, "shipping_templates", map[string]any{"name": "按件", "mode": "piece",
		"first_units": 1, "first_fee": 800, "extra_units": 1, "extra_fee": 200})
	p := tests.Save(t, f.app, "products", map[string]any{"title": "茶具", "status": "on", "shipping_template": tpl.Id})
	return tests.Save(t, f.app, "skus", map[string]any{"product": p.Id, "price": 5000, "stock": 10, "spec_text": "壶"}),
		tests.Save(t, f.app, "skus", map[string]any{"product": p.Id, "price": 3000, "stock": 10, "spec_text": "杯"})
}

// refundLine applies for a refund of one whole line, approves it with
// amount (0: as requested) and returns the approval's answer.
func refundLine(t *testing.T, f *fixture, orderId string, sku *core.Record, amount int64) (int, string, map[string]any) {
	t.Helper()
	it, err := f.app.FindFirstRecordByFilter("order_items", "order = {:o} && sku = {:s}", map[string]any{"o": orderId, "s": sku.Id})
	if err != nil {
		t.Fatal(err)
	}
	res := f.c.Do("POST", "/api/shop/aftersales", map[string]any{"order": orderId, "type": "refund",
		"items": []map[string]any{{"order_item": it.Id, "quantity": it.GetInt("quantity")}}}, f.token)
	if res.Status != 200 {
		t.Fatalf("apply: %d %s", res.Status, res.Raw)
	}
	res = f.c.Do("POST", "/api/shop/admin/aftersales/"+res.Body["id"].(string)+"/approve", map[string]any{"amount": amount}, f.admin)
	return res.Status, res.Code(), res.Body
}

func refundsOf(t *testing.T, f *fixture, orderId string) (n int, sum int) {
	t.Helper()
	list, err := f.app.FindRecordsByFilter("refunds", "order = {:o} && status = 'success'", "", 0, 0, map[string]any{"o": orderId})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		sum += r.GetInt("amount")
	}
	return len(list), sum
}

// TestRefundShippingWhenUnshippedOrderRefundedInFull: the refund that
// empties every line of an order not shipped yet gives the shipping fee
// back with it (one refund); an earlier partial refund does not.
func TestRefundShippingWhenUnshippedOrderRefundedInFull(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pot, cup := shippedSkus(t, f)
	id := f.checkout(t, pot, 1, cup, 1) // 8000 + shipping 1000
	f.paySandbox(t, id)
	if o := f.order(t, id); o.GetInt("payable") != 9000 || o.GetInt("shipping_fee") != 1000 {
		t.Fatalf("order: payable %d shipping %d", o.GetInt("payable"), o.GetInt("shipping_fee"))
	}

	// one line of two: the shipping stays
	st, _, body := refundLine(t, f, id, cup, 0)
	if st != 200 || f.order(t, id).GetInt("refunded_amount") != 3000 {
		t.Fatalf("first refund: %d %v, refunded %d", st, body, f.order(t, id).GetInt("refunded_amount"))
	}
	// the last line: its 5000 and the 1000 of shipping, in one refund
	st, _, body = refundLine(t, f, id, pot, 0)
	if st != 200 {
		t.Fatalf("last refund: %d %v", st, body)
	}
	as, _ := body["aftersale"].(map[string]any)
	refund, _ := body["refund"].(map[string]any)
	if as["amount_requested"] != 5000.0 || as["amount_approved"] != 6000.0 || refund["amount"] != 6000.0 {
		t.Fatalf("last after-sale %v, refund %v", as, refund)
	}
	o := f.order(t, id)
	if o.GetInt("refunded_amount") != 9000 || o.GetString("status") != "refunded" {
		t.Fatalf("order: refunded %d status %s", o.GetInt("refunded_amount"), o.GetString("status"))
	}
	if n, sum := refundsOf(t, f, id); n != 2 || sum != 9000 {
		t.Fatalf("refunds: %d for %d", n, sum)
	}
	// lines hold the goods only
	var lines int
	_ = f.app.DB().NewQuery("SELECT SUM(refunded_amount) FROM order_items WHERE [[order]] = {:o}").Bind(map[string]any{"o": id}).Row(&lines)
	if lines != 8000 {
		t.Fatalf("lines refunded %d", lines)
	}
	n, err := f.app.FindFirstRecordByFilter("notifications", "ref = {:as} && kind = 'refund'", map[string]any{"as": as["id"]})
	if err != nil || !strings.Contains(n.GetString("body"), "运费 10.00") {
		t.Fatalf("notification: %v %v", n, err)
	}
}

// TestRefundShippingKeptAfterShipmentUnlessApproved: after shipment a full
// refund of the lines keeps the shipping; the admin may approve more than
// requested, up to what is left of the shipping, never beyond.
func TestRefundShippingKeptAfterShipmentUnlessApproved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pot, cup := shippedSkus(t, f)

	kept := f.checkout(t, pot, 1) // 5000 + 800
	f.paySandbox(t, kept)
	f.ship(t, kept)
	if st, _, body := refundLine(t, f, kept, pot, 0); st != 200 {
		t.Fatalf("refund: %d %v", st, body)
	}
	if o := f.order(t, kept); o.GetInt("refunded_amount") != 5000 || o.GetString("status") != "refunded" {
		t.Fatalf("shipped order: refunded %d status %s", o.GetInt("refunded_amount"), o.GetString("status"))
	}

	id := f.checkout(t, pot, 1, cup, 1) // 8000 + 1000
	f.paySandbox(t, id)
	f.ship(t, id)
	// 3000 asked: at most 3000 + 1000 of shipping
	if st, code, _ := refundLine(t, f, id, cup, 4001); st != 400 || code != "invalid_approved_amount" {
		t.Fatalf("above requested + shipping: %d %s", st, code)
	}
	if n, _ := refundsOf(t, f, id); n != 0 || f.order(t, id).GetInt("refunded_amount") != 0 {
		t.Fatal("a refused approval refunded")
	}
	as, _ := f.app.FindFirstRecordByFilter("aftersales", "order = {:o} && status = 'applied'", map[string]any{"o": id})
	res := f.c.Do("POST", "/api/shop/admin/aftersales/"+as.Id+"/approve", map[string]any{"amount": 3600}, f.admin)
	if res.Status != 200 || f.order(t, id).GetInt("refunded_amount") != 3600 {
		t.Fatalf("approve 3000 + 600 shipping: %d %s", res.Status, res.Raw)
	}
	// 400 of shipping left for the second line
	if st, code, _ := refundLine(t, f, id, pot, 5401); st != 400 || code != "invalid_approved_amount" {
		t.Fatalf("second line above the shipping left: %d %s", st, code)
	}
	as, _ = f.app.FindFirstRecordByFilter("aftersales", "order = {:o} && status = 'applied'", map[string]any{"o": id})
	res = f.c.Do("POST", "/api/shop/admin/aftersales/"+as.Id+"/approve", map[string]any{"amount": 5400}, f.admin)
	if res.Status != 200 {
		t.Fatalf("approve 5000 + 400 shipping: %d %s", res.Status, res.Raw)
	}
	o := f.order(t, id)
	if o.GetInt("refunded_amount") != 9000 || o.GetString("status") != "refunded" {
		t.Fatalf("order: refunded %d status %s", o.GetInt("refunded_amount"), o.GetString("status"))
	}
	if n, sum := refundsOf(t, f, id); n != 2 || sum != 9000 {
		t.Fatalf("refunds: %d for %d", n, sum)
	}
}
