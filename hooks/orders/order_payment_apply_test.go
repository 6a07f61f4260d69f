package orders_test

import (
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/wechatpay"
	"fenxiao/plugins/wechatpay/wxpayfake"
	"fenxiao/tests"
)

func TestCheckoutBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		name   string
		body   any
		token  string
		status int
		code   string
	}{
		{"guest", map[string]any{}, "", 401, ""},
		{"bad json", "{", f.token, 400, "invalid_body"},
		{"empty cart", map[string]any{"address": f.addr.Id}, f.token, 400, "cart_empty"},
		{"no address", map[string]any{"items": []map[string]any{{"sku": f.cup.Id, "quantity": 1}}}, f.token, 400, "address_required"},
		{"someone else's address", map[string]any{"items": []map[string]any{{"sku": f.cup.Id, "quantity": 1}}, "address": f.addr.Id}, f.other, 404, "address_not_found"},
		{"zero quantity", map[string]any{"items": []map[string]any{{"sku": f.cup.Id, "quantity": 0}}, "address": f.addr.Id}, f.token, 400, "invalid_quantity"},
		{"unknown sku", map[string]any{"items": []map[string]any{{"sku": "nosuchsku000001", "quantity": 1}}, "address": f.addr.Id}, f.token, 404, "sku_not_found"},
		{"too many", map[string]any{"items": []map[string]any{{"sku": f.cup.Id, "quantity": 11}}, "address": f.addr.Id}, f.token, 409, "out_of_stock"},
		{"pay without a method", map[string]any{"items": []map[string]any{{"sku": f.cup.Id, "quantity": 1}}, "address": f.addr.Id, "pay": map[string]any{}}, f.token, 400, "pay_method_required"},
		{"pay with an unknown method", map[string]any{"items": []map[string]any{{"sku": f.cup.Id, "quantity": 1}}, "address": f.addr.Id, "pay": map[string]any{"method": "cowries"}}, f.token, 400, "pay_method_unavailable"},
	}
	for _, c := range cases {
		res := f.c.Do("POST", "/api/shop/checkout", c.body, c.token)
		if res.Status != c.status || (c.code != "" && res.Code() != c.code) {
			t.Errorf("%s: %d %s, want %d %s", c.name, res.Status, res.Raw, c.status, c.code)
		}
	}
	if n, _ := f.app.CountRecords("orders"); n != 0 {
		t.Fatalf("%d orders created by bad input", n)
	}
	if f.stock(t, f.cup) != 10 {
		t.Fatal("stock changed by bad input")
	}
}

func TestCheckoutShortLineRollsBackAll(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := f.c.Do("POST", "/api/shop/checkout", map[string]any{"address": f.addr.Id,
		"items": []map[string]any{{"sku": f.cup.Id, "quantity": 3}, {"sku": f.tea.Id, "quantity": 6}}}, f.token)
	if res.Status != 409 || res.Code() != "out_of_stock" {
		t.Fatalf("%d %s", res.Status, res.Raw)
	}
	if f.stock(t, f.cup) != 10 || f.stock(t, f.tea) != 5 {
		t.Fatal("partial stock taken")
	}
}

func TestCheckoutFromCartRemovesLines(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests.Save(t, f.app, "cart_items", map[string]any{"user": f.buyer.Id, "sku": f.cup.Id, "quantity": 2, "selected": true})
	tests.Save(t, f.app, "cart_items", map[string]any{"user": f.buyer.Id, "sku": f.tea.Id, "quantity": 1, "selected": false})
	res := f.c.Do("POST", "/api/shop/checkout", map[string]any{"address": f.addr.Id}, f.token)
	if res.Status != 200 || res.Body["payable"].(float64) != 10000 {
		t.Fatalf("%d %s", res.Status, res.Raw)
	}
	left, _ := f.app.FindAllRecords("cart_items")
	if len(left) != 1 || left[0].GetString("sku") != f.tea.Id {
		t.Fatalf("cart after checkout: %v", left)
	}
}

func TestConcurrentCheckoutsNeverOversell(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := tests.Save(t, f.app, "products", map[string]any{"title": "限量款", "status": "on"})
	sku := tests.Save(t, f.app, "skus", map[string]any{"product": p.Id, "price": 100, "stock": 50})

	var ok, soldOut, other atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := f.c.Do("POST", "/api/shop/checkout", map[string]any{"address": f.addr.Id,
				"items": []map[string]any{{"sku": sku.Id, "quantity": 1}}}, f.token)
			switch {
			case res.Status == 200:
				ok.Add(1)
			// the catalog takes the sold-out product off the shelf, yet the
			// losers must read that stock ran out
			case res.Status == 409 && res.Code() == "out_of_stock":
				soldOut.Add(1)
			default:
				other.Add(1)
				t.Logf("unexpected: %d %s", res.Status, res.Raw)
			}
		}()
	}
	wg.Wait()
	n, _ := f.app.CountRecords("orders")
	if ok.Load() != 50 || n != 50 || other.Load() != 0 || f.stock(t, sku) != 0 {
		t.Fatalf("ok=%d soldOut=%d other=%d orders=%d stock=%d", ok.Load(), soldOut.Load(), other.Load(), n, f.stock(t, sku))
	}
}

// wxFixture is a fixture with WeChat Pay on a fake and a buyer with an openid.
func wxFixture(t *testing.T) (*fixture, *wxpayfake.Fake) {
	return wxFixtureWith(t, wxpayfake.Options{})
}

func wxFixtureWith(t *testing.T, opts wxpayfake.Options) (*fixture, *wxpayfake.Fake) {
	fake, err := wxpayfake.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	f := newFixture(t, func(app core.App) { wechatpay.MustRegister(app, fake.PluginConfig()) })
	f.buyer.Set("wx_openid", "o_buyer_openid")
	if err := f.app.Save(f.buyer); err != nil {
		t.Fatal(err)
	}
	return f, fake
}

func (f *fixture) startWechat(t *testing.T, orderId string) string {
	t.Helper()
	res := f.c.Do("POST", "/api/shop/orders/"+orderId+"/pay", map[string]any{"method": "wechatpay"}, f.token)
	if res.Status != 200 || res.Body["paid"] != false {
		t.Fatalf("pay wechat: %d %s", res.Status, res.Raw)
	}
	return f.order(t, orderId).GetString("order_no")
}

func (f *fixture) deliver(n *wxpayfake.Notification) int {
	rec := httptest.NewRecorder()
	f.c.Handler.ServeHTTP(rec, n.Request("/api/shop/pay/notify/wechatpay"))
	return rec.Code
}

func TestWechatNotificationAppliedOnceAndForgeriesRefused(t *testing.T) {
	t.Parallel()
	f, fake := wxFixture(t)
	var paidEvents atomic.Int32
	f.shop.OnOrderPaid.BindFunc(func(e *shop.OrderEvent) error {
		paidEvents.Add(1)
		if len(e.Items) != 1 || e.Payment == nil || !e.App.IsTransactional() {
			t.Errorf("bad paid event: %d items, payment %v", len(e.Items), e.Payment)
		}
		return e.Next()
	})
	id := f.checkout(t, f.cup, 2)
	orderNo := f.startWechat(t, id)

	forged, err := fake.PaymentNotification(orderNo, wxpayfake.ForgedSignature())
	if err != nil {
		t.Fatal(err)
	}
	if code := f.deliver(forged); code < 400 {
		t.Fatalf("forged notification answered %d", code)
	}
	if s := f.order(t, id).GetString("status"); s != "pending_payment" {
		t.Fatalf("forged notification moved the order to %s", s)
	}

	wrong, err := fake.PaymentNotification(orderNo, wxpayfake.WithField("amount", map[string]any{"total": 1, "payer_total": 1, "currency": "CNY"}))
	if err != nil {
		t.Fatal(err)
	}
	if code := f.deliver(wrong); code < 400 {
		t.Fatalf("wrong amount answered %d", code)
	}
	if n, _ := f.app.CountRecords("payments"); n != 0 || f.order(t, id).GetString("status") != "pending_payment" {
		t.Fatal("wrong amount recorded something")
	}

	n, err := fake.PaymentNotification(orderNo)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if code := f.deliver(n); code != 204 {
			t.Fatalf("delivery %d answered %d", i, code)
		}
	}
	o := f.order(t, id)
	if o.GetString("status") != "paid" || o.GetString("pay_method") != "wechatpay" || o.GetBool("sandbox") {
		t.Fatalf("order after notification: %s %s", o.GetString("status"), o.GetString("pay_method"))
	}
	if n, _ := f.app.CountRecords("payments"); n != 1 || paidEvents.Load() != 1 {
		t.Fatalf("payments=%d paid events=%d after a replayed notification", n, paidEvents.Load())
	}
	// the buyer's; the staff hear of the paid order too
	if n, _ := f.app.CountRecords("notifications", dbx.HashExp{"user": f.buyer.Id}); n != 1 {
		t.Fatalf("notifications = %d", n)
	}
}

func TestReconcileAppliesLostNotification(t *testing.T) {
	t.Parallel()
	f, fake := wxFixture(t)
	id := f.checkout(t, f.tea, 1)
	orderNo := f.startWechat(t, id)
	if _, err := fake.MarkPaid(orderNo); err != nil {
		t.Fatal(err)
	}
	// make the started payment old enough to be asked about
	if _, err := f.app.DB().NewQuery("UPDATE orders SET pay_started_at = '2020-01-01 00:00:00.000Z' WHERE id = {:id}").
		Bind(map[string]any{"id": id}).Execute(); err != nil {
		t.Fatal(err)
	}
	res, err := f.shop.RunJob(f.app, "payment_reconcile")
	if err != nil {
		t.Fatal(err)
	}
	if s := f.order(t, id).GetString("status"); s != "paid" {
		t.Fatalf("after reconcile: %s (%s)", s, res.Summary)
	}
	// a second run finds nothing to do
	if _, err := f.shop.RunJob(f.app, "payment_reconcile"); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.app.CountRecords("payments"); n != 1 {
		t.Fatalf("payments = %d", n)
	}
}

func TestSandboxPayAnswer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.checkout(t, f.cup, 1)
	res := f.c.Do("POST", "/api/shop/orders/"+id+"/pay", map[string]any{"method": "sandbox"}, f.token)
	if res.Status != 200 || res.Body["sandbox"] != true || res.Body["paid"] != true {
		t.Fatalf("%d %s", res.Status, res.Raw)
	}
	again := f.c.Do("POST", "/api/shop/orders/"+id+"/pay", map[string]any{"method": "sandbox"}, f.token)
	if again.Status != 409 || again.Code() != "order_not_payable" {
		t.Fatalf("paying twice: %d %s", again.Status, again.Raw)
	}
	bad := f.c.Do("POST", "/api/shop/orders/"+id+"/pay", map[string]any{"method": "bitcoin"}, f.token)
	if bad.Status != 400 || bad.Code() != "pay_method_unavailable" {
		t.Fatalf("unknown method: %d %s", bad.Status, bad.Raw)
	}
	other := f.c.Do("POST", "/api/shop/orders/"+id+"/pay", map[string]any{"method": "sandbox"}, f.other)
	if other.Status != 404 {
		t.Fatalf("someone else's order: %d", other.Status)
	}
}
