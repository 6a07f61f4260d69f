package orders_test

import "testing"

func TestCheckoutPayShipConfirm(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// the client's price is ignored
	res := f.c.Do("POST", "/api/shop/checkout", map[string]any{
		"items":   []map[string]any{{"sku": f.cup.Id, "quantity": 2, "price": 1}, {"sku": f.tea.Id, "quantity": 1}},
		"address": f.addr.Id, "payable": 1, "note": "尽快发货",
	}, f.token)
	if res.Status != 200 {
		t.Fatalf("checkout: %d %s", res.Status, res.Raw)
	}
	id := res.Body["id"].(string)
	o := f.order(t, id)
	if o.GetInt("goods_amount") != 13000 || o.GetInt("payable") != 13000 || o.GetString("status") != "pending_payment" {
		t.Fatalf("order amounts: %v", o)
	}
	if len(o.GetString("order_no")) != 18 {
		t.Fatalf("order_no %q", o.GetString("order_no"))
	}
	if f.stock(t, f.cup) != 8 || f.stock(t, f.tea) != 4 {
		t.Fatalf("stock not taken")
	}
	f.paySandbox(t, id)
	o = f.order(t, id)
	if o.GetString("status") != "paid" || !o.GetBool("sandbox") {
		t.Fatalf("after pay: %s sandbox=%v", o.GetString("status"), o.GetBool("sandbox"))
	}
	f.ship(t, id)
	if s := f.order(t, id).GetString("status"); s != "shipped" {
		t.Fatalf("after ship: %s", s)
	}
	res = f.c.Do("POST", "/api/shop/orders/"+id+"/confirm", nil, f.token)
	if res.Status != 200 || res.Body["status"] != "completed" {
		t.Fatalf("confirm: %d %s", res.Status, res.Raw)
	}
}
