package orders_test

import (
	"sync/atomic"
	"testing"

	"github.com/pocketbase/dbx"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/logistics"
	"fenxiao/plugins/logistics/kd100fake"
)

func TestDashboardCannotBreakTheStateMachine(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	unpaid := f.checkout(t, f.cup, 1)
	paid := f.checkout(t, f.tea, 1)
	f.paySandbox(t, paid)

	patch := func(id string, body map[string]any) (int, string) {
		res := f.c.Do("PATCH", "/api/collections/orders/records/"+id, body, f.admin)
		return res.Status, res.Code()
	}
	cases := []struct {
		name   string
		id     string
		body   map[string]any
		status int
		code   string
	}{
		{"unpaid to paid", unpaid, map[string]any{"status": "paid"}, 409, "order_transition_needs_route"},
		{"unpaid to completed", unpaid, map[string]any{"status": "completed"}, 409, "order_transition_not_allowed"},
		{"ship unpaid", unpaid, map[string]any{"tracking_company": "shunfeng", "tracking_no": "SF1"}, 400, "tracking_locked"},
		{"payable", paid, map[string]any{"payable": 1}, 400, "order_field_locked"},
		{"refunded amount", paid, map[string]any{"refunded_amount": 100}, 400, "order_field_locked"},
		{"buyer", paid, map[string]any{"buyer": f.buyer.Id + "x"}, 400, ""},
		{"paid to cancelled", paid, map[string]any{"status": "cancelled"}, 409, "order_transition_not_allowed"},
		{"shipped without tracking", paid, map[string]any{"status": "shipped"}, 400, "tracking_required"},
	}
	for _, c := range cases {
		status, code := patch(c.id, c.body)
		if status != c.status || (c.code != "" && code != c.code) {
			t.Errorf("%s: %d %s, want %d %s", c.name, status, code, c.status, c.code)
		}
	}
	if f.order(t, unpaid).GetString("status") != "pending_payment" || f.order(t, paid).GetInt("payable") != 3000 {
		t.Fatal("a refused edit changed the order")
	}
	if res := f.c.Do("DELETE", "/api/collections/orders/records/"+paid, nil, f.admin); res.Status < 400 {
		t.Fatalf("delete answered %d", res.Status)
	}
	if res := f.c.Do("PATCH", "/api/collections/orders/records/"+paid, map[string]any{"admin_note": "VIP"}, f.admin); res.Status != 200 {
		t.Fatalf("admin note: %d %s", res.Status, res.Raw)
	}
	// buyers cannot write orders at all
	if res := f.c.Do("PATCH", "/api/collections/orders/records/"+unpaid, map[string]any{"status": "cancelled"}, f.token); res.Status < 400 {
		t.Fatalf("buyer patch answered %d", res.Status)
	}
	f.ship(t, paid)
	o := f.order(t, paid)
	if o.GetString("status") != "shipped" || o.GetDateTime("shipped_at").IsZero() {
		t.Fatalf("ship: %s", o.GetString("status"))
	}
	if n, _ := f.app.CountRecords("notifications", dbx.HashExp{"user": f.buyer.Id}); n != 2 { // paid + shipped
		t.Fatalf("notifications = %d", n)
	}
}

func TestCancelAndAutoCancelReturnStock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var cancelled atomic.Int32
	f.shop.OnOrderCancelled.BindFunc(func(e *shop.OrderEvent) error {
		cancelled.Add(1)
		return e.Next()
	})
	a := f.checkout(t, f.cup, 3)
	b := f.checkout(t, f.cup, 2)
	if f.stock(t, f.cup) != 5 {
		t.Fatal("stock not taken")
	}
	res := f.c.Do("POST", "/api/shop/orders/"+a+"/cancel", nil, f.token)
	if res.Status != 200 || res.Body["status"] != "cancelled" || f.stock(t, f.cup) != 8 {
		t.Fatalf("cancel: %d %s stock=%d", res.Status, res.Raw, f.stock(t, f.cup))
	}
	if res := f.c.Do("POST", "/api/shop/orders/"+a+"/cancel", nil, f.token); res.Status != 409 || res.Code() != "order_not_cancellable" {
		t.Fatalf("cancel twice: %d %s", res.Status, res.Raw)
	}

	if _, err := f.app.DB().NewQuery("UPDATE orders SET expires_at = '2020-01-01 00:00:00.000Z' WHERE id = {:id}").
		Bind(map[string]any{"id": b}).Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.RunJob(f.app, "auto_cancel"); err != nil {
		t.Fatal(err)
	}
	if f.order(t, b).GetString("status") != "cancelled" || f.stock(t, f.cup) != 10 || cancelled.Load() != 2 {
		t.Fatalf("auto cancel: %s stock=%d events=%d", f.order(t, b).GetString("status"), f.stock(t, f.cup), cancelled.Load())
	}
	// an expired order cannot be paid either
	c := f.checkout(t, f.tea, 1)
	_, _ = f.app.DB().NewQuery("UPDATE orders SET expires_at = '2020-01-01 00:00:00.000Z' WHERE id = {:id}").
		Bind(map[string]any{"id": c}).Execute()
	if res := f.c.Do("POST", "/api/shop/orders/"+c+"/pay", map[string]any{"method": "sandbox"}, f.token); res.Code() != "order_expired" {
		t.Fatalf("pay expired: %d %s", res.Status, res.Raw)
	}
}

func TestConfirmAndAutoConfirmFireCompleted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var completed []string
	f.shop.OnOrderCompleted.BindFunc(func(e *shop.OrderEvent) error {
		completed = append(completed, e.Order.Id)
		return e.Next()
	})
	a := f.checkout(t, f.cup, 1)
	b := f.checkout(t, f.cup, 1)
	if res := f.c.Do("POST", "/api/shop/orders/"+a+"/confirm", nil, f.token); res.Status != 409 || res.Code() != "order_not_shipped" {
		t.Fatalf("confirm unpaid: %d %s", res.Status, res.Raw)
	}
	for _, id := range []string{a, b} {
		f.paySandbox(t, id)
		f.ship(t, id)
	}
	if res := f.c.Do("POST", "/api/shop/orders/"+a+"/confirm", nil, f.token); res.Status != 200 {
		t.Fatalf("confirm: %d %s", res.Status, res.Raw)
	}
	_, _ = f.app.DB().NewQuery("UPDATE orders SET shipped_at = '2020-01-01 00:00:00.000Z' WHERE id = {:id}").
		Bind(map[string]any{"id": b}).Execute()
	if _, err := f.shop.RunJob(f.app, "auto_confirm"); err != nil {
		t.Fatal(err)
	}
	if f.order(t, b).GetString("status") != "completed" || len(completed) != 2 || completed[0] != a || completed[1] != b {
		t.Fatalf("completed events: %v", completed)
	}
}

func TestTrackingThroughKuaidi100(t *testing.T) {
	t.Parallel()
	fake := kd100fake.New(t)
	f := newFixture(t)
	id := f.checkout(t, f.cup, 1)
	if res := f.c.Do("GET", "/api/shop/orders/"+id+"/tracking", nil, f.token); res.Status != 404 || res.Code() != "tracking_not_available" {
		t.Fatalf("no tracking yet: %d %s", res.Status, res.Raw)
	}
	f.paySandbox(t, id)
	res := f.c.Do("PATCH", "/api/collections/orders/records/"+id,
		map[string]any{"tracking_company": "zhongtong", "tracking_no": kd100fake.ZTONumber}, f.admin)
	if res.Status != 200 {
		t.Fatalf("ship: %d %s", res.Status, res.Raw)
	}
	if res := f.c.Do("GET", "/api/shop/orders/"+id+"/tracking", nil, f.token); res.Status != 503 || res.Code() != "tracking_unavailable" {
		t.Fatalf("no tracker: %d %s", res.Status, res.Raw)
	}
	logistics.MustRegister(f.app, fake.PluginConfig())
	res = f.c.Do("GET", "/api/shop/orders/"+id+"/tracking", nil, f.token)
	if res.Status != 200 || res.Body["number"] != kd100fake.ZTONumber || len(res.Body["events"].([]any)) == 0 {
		t.Fatalf("tracking: %d %s", res.Status, res.Raw)
	}
	if res := f.c.Do("GET", "/api/shop/orders/"+id+"/tracking", nil, f.other); res.Status != 404 {
		t.Fatalf("someone else's tracking: %d", res.Status)
	}
}
