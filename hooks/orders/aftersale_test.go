package orders_test

import (
	"testing"

	"fenxiao/hooks/shop"
)

func TestAftersaleRefundPartialThenOverRefundRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var refunded [][]shop.RefundedLine
	f.shop.OnOrderRefunded.BindFunc(func(e *shop.RefundEvent) error {
		refunded = append(refunded, e.Lines)
		return e.Next()
	})
	id := f.checkout(t, f.cup, 2, f.tea, 1) // 10000 + 3000
	items, _ := f.app.FindRecordsByFilter("order_items", "order = {:o}", "created,id", 0, 0, map[string]any{"o": id})
	cupItem := items[0].Id
	if items[0].GetString("sku") != f.cup.Id {
		cupItem = items[1].Id
	}

	apply := func(token string, body map[string]any) (int, string, map[string]any) {
		res := f.c.Do("POST", "/api/shop/aftersales", body, token)
		return res.Status, res.Code(), res.Body
	}
	line := func(qty int, amount int64) map[string]any {
		return map[string]any{"order": id, "type": "refund", "reason": "不想要了",
			"items": []map[string]any{{"order_item": cupItem, "quantity": qty, "amount": amount}}}
	}
	if st, code, _ := apply(f.token, line(1, 0)); st != 409 || code != "aftersale_not_allowed" {
		t.Fatalf("unpaid order: %d %s", st, code)
	}
	f.paySandbox(t, id)
	if st, _, _ := apply(f.other, line(1, 0)); st != 404 {
		t.Fatalf("someone else's order: %d", st)
	}
	if st, code, _ := apply(f.token, line(1, 10001)); st != 400 || code != "refund_exceeds_paid" {
		t.Fatalf("more than paid: %d %s", st, code)
	}
	if st, code, _ := apply(f.token, map[string]any{"order": id, "type": "return_refund",
		"items": []map[string]any{{"order_item": cupItem, "quantity": 1}}}); st != 409 || code != "aftersale_not_shipped" {
		t.Fatalf("return before shipping: %d %s", st, code)
	}

	// partial: one cup, 3000 asked, 2000 approved
	st, _, body := apply(f.token, line(1, 3000))
	if st != 200 {
		t.Fatalf("apply: %d %v", st, body)
	}
	first := body["id"].(string)
	if st, code, _ := apply(f.token, line(1, 1000)); st != 409 || code != "aftersale_open" {
		t.Fatalf("second open after-sale on the line: %d %s", st, code)
	}
	res := f.c.Do("POST", "/api/shop/admin/aftersales/"+first+"/approve", map[string]any{"amount": 2000, "note": "部分退款"}, f.admin)
	if res.Status != 200 {
		t.Fatalf("approve: %d %s", res.Status, res.Raw)
	}
	o := f.order(t, id)
	if o.GetInt("refunded_amount") != 2000 || o.GetString("status") != "paid" {
		t.Fatalf("order after partial refund: %d %s", o.GetInt("refunded_amount"), o.GetString("status"))
	}
	if len(refunded) != 1 || len(refunded[0]) != 1 || refunded[0][0].OrderItemId != cupItem || refunded[0][0].Amount != 2000 || refunded[0][0].Quantity != 0 {
		t.Fatalf("refunded lines: %+v", refunded)
	}
	// retrying the refund changes nothing
	if res := f.c.Do("POST", "/api/shop/admin/aftersales/"+first+"/refund", nil, f.admin); res.Status != 200 {
		t.Fatalf("retry: %d %s", res.Status, res.Raw)
	}
	if f.order(t, id).GetInt("refunded_amount") != 2000 || len(refunded) != 1 {
		t.Fatal("a retried refund was recorded twice")
	}

	// 8000 left on the cup line: 8001 is refused, nothing changes
	if st, code, _ := apply(f.token, line(1, 8001)); st != 400 || code != "refund_exceeds_paid" {
		t.Fatalf("over-refund: %d %s", st, code)
	}
	// the rest of both lines empties the order
	st, _, body = apply(f.token, map[string]any{"order": id, "type": "refund", "items": []map[string]any{
		{"order_item": items[0].Id, "quantity": items[0].GetInt("quantity")},
		{"order_item": items[1].Id, "quantity": items[1].GetInt("quantity")}}})
	if st != 200 || int64(body["amount_requested"].(float64)) != 11000 {
		t.Fatalf("apply rest: %d %v", st, body)
	}
	if res := f.c.Do("POST", "/api/shop/admin/aftersales/"+body["id"].(string)+"/approve", nil, f.admin); res.Status != 200 {
		t.Fatalf("approve rest: %d %s", res.Status, res.Raw)
	}
	o = f.order(t, id)
	if o.GetInt("refunded_amount") != 13000 || o.GetString("status") != "refunded" {
		t.Fatalf("order after full refund: %d %s", o.GetInt("refunded_amount"), o.GetString("status"))
	}
	var sum int64
	for _, l := range refunded[1] {
		sum += l.Amount
	}
	if len(refunded) != 2 || sum != 11000 {
		t.Fatalf("second refund lines: %+v", refunded)
	}
	if st, code, _ := apply(f.token, line(1, 1)); st != 409 || code != "aftersale_not_allowed" {
		t.Fatalf("after-sale on a refunded order: %d %s", st, code)
	}
	if n, _ := f.app.CountRecords("refunds"); n != 2 {
		t.Fatalf("refunds = %d", n)
	}
}

func TestAftersaleReturnRestoresStockAndExchangeMovesNoMoney(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.checkout(t, f.cup, 3)
	f.paySandbox(t, id)
	f.ship(t, id)
	items, _ := f.app.FindRecordsByFilter("order_items", "order = {:o}", "", 0, 0, map[string]any{"o": id})
	item := items[0].Id

	res := f.c.Do("POST", "/api/shop/aftersales", map[string]any{"order": id, "type": "return_refund",
		"items": []map[string]any{{"order_item": item, "quantity": 1}}}, f.token)
	if res.Status != 200 || res.Body["amount_requested"].(float64) != 5000 {
		t.Fatalf("apply return: %d %s", res.Status, res.Raw)
	}
	as := res.Body["id"].(string)
	// dashboard: a superuser may approve, not jump ahead
	if r := f.c.Do("PATCH", "/api/collections/aftersales/records/"+as, map[string]any{"status": "refunded"}, f.admin); r.Status != 409 {
		t.Fatalf("dashboard jump: %d %s", r.Status, r.Raw)
	}
	if r := f.c.Do("PATCH", "/api/collections/aftersales/records/"+as, map[string]any{"status": "approved", "admin_note": "ok"}, f.admin); r.Status != 200 {
		t.Fatalf("dashboard approve: %d %s", r.Status, r.Raw)
	}
	if r := f.c.Do("POST", "/api/shop/admin/aftersales/"+as+"/receive", nil, f.admin); r.Status != 409 {
		t.Fatalf("receive before return: %d %s", r.Status, r.Raw)
	}
	if r := f.c.Do("POST", "/api/shop/aftersales/"+as+"/return", map[string]any{"return_company": "zhongtong", "return_no": "ZT1"}, f.token); r.Status != 200 {
		t.Fatalf("return: %d %s", r.Status, r.Raw)
	}
	before := f.stock(t, f.cup)
	if r := f.c.Do("POST", "/api/shop/admin/aftersales/"+as+"/receive", nil, f.admin); r.Status != 200 {
		t.Fatalf("receive: %d %s", r.Status, r.Raw)
	}
	if f.stock(t, f.cup) != before+1 || f.order(t, id).GetInt("refunded_amount") != 5000 {
		t.Fatalf("after return: stock %d→%d refunded %d", before, f.stock(t, f.cup), f.order(t, id).GetInt("refunded_amount"))
	}

	res = f.c.Do("POST", "/api/shop/aftersales", map[string]any{"order": id, "type": "exchange",
		"items": []map[string]any{{"order_item": item, "quantity": 1}}}, f.token)
	if res.Status != 200 {
		t.Fatalf("apply exchange: %d %s", res.Status, res.Raw)
	}
	ex := res.Body["id"].(string)
	for _, step := range []struct{ url, token string }{
		{"/api/shop/admin/aftersales/" + ex + "/approve", f.admin},
		{"/api/shop/aftersales/" + ex + "/return", f.token},
		{"/api/shop/admin/aftersales/" + ex + "/receive", f.admin},
		{"/api/shop/admin/aftersales/" + ex + "/reship", f.admin},
	} {
		r := f.c.Do("POST", step.url, map[string]any{"return_company": "zto", "return_no": "1", "reship_company": "sf", "reship_no": "2"}, step.token)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", step.url, r.Status, r.Raw)
		}
	}
	if reload(t, f.app, "aftersales", ex).GetString("status") != "reshipped" || f.order(t, id).GetInt("refunded_amount") != 5000 {
		t.Fatal("exchange moved money or did not finish")
	}
}
