package orders_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/wechatpay/wxpayfake"
)

func TestCancelClosesTheOrderAtWechatPay(t *testing.T) {
	t.Parallel()
	f, fake := wxFixture(t)
	var paid atomic.Int32
	f.shop.OnOrderPaid.BindFunc(func(e *shop.OrderEvent) error {
		paid.Add(1)
		return e.Next()
	})
	state := func(orderNo string) string {
		o, _ := fake.Order(orderNo)
		return o.TradeState
	}

	// buyer cancel
	a := f.checkout(t, f.cup, 1)
	aNo := f.startWechat(t, a)
	if res := f.c.Do("POST", "/api/shop/orders/"+a+"/cancel", nil, f.token); res.Status != 200 {
		t.Fatalf("cancel: %d %s", res.Status, res.Raw)
	}
	if s := state(aNo); s != "CLOSED" {
		t.Fatalf("buyer cancel: trade %s, want CLOSED", s)
	}

	// admin cancel
	b := f.checkout(t, f.cup, 1)
	bNo := f.startWechat(t, b)
	long := strings.Repeat("缺货", 100) // 600 bytes
	if res := f.c.Do("POST", "/api/shop/admin/orders/"+b+"/cancel", map[string]any{"reason": long}, f.admin); res.Status != 200 {
		t.Fatalf("admin cancel: %d %s", res.Status, res.Raw)
	}
	// a long reason is cut to 200 bytes on a character boundary
	if r := f.order(t, b).GetString("cancel_reason"); len(r) > 200 || !utf8.ValidString(r) || !strings.HasPrefix(r, "admin: 缺货") {
		t.Fatalf("cancel_reason %q (%d bytes)", r, len(r))
	}
	if s := state(bNo); s != "CLOSED" {
		t.Fatalf("admin cancel: trade %s, want CLOSED", s)
	}

	// auto-cancel
	c := f.checkout(t, f.cup, 1)
	cNo := f.startWechat(t, c)
	if _, err := f.app.DB().NewQuery("UPDATE orders SET expires_at = '2020-01-01 00:00:00.000Z' WHERE id = {:id}").
		Bind(map[string]any{"id": c}).Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.shop.RunJob(f.app, "auto_cancel"); err != nil {
		t.Fatal(err)
	}
	if f.order(t, c).GetString("status") != "cancelled" || state(cNo) != "CLOSED" {
		t.Fatalf("auto cancel: order %s, trade %s", f.order(t, c).GetString("status"), state(cNo))
	}

	// an order never sent to WeChat Pay is cancelled without asking it
	d := f.checkout(t, f.tea, 1)
	before := len(fake.Requests())
	if res := f.c.Do("POST", "/api/shop/orders/"+d+"/cancel", nil, f.token); res.Status != 200 {
		t.Fatalf("cancel unstarted: %d %s", res.Status, res.Raw)
	}
	if len(fake.Requests()) != before {
		t.Fatal("an order without a started payment was closed at WeChat Pay")
	}

	// the buyer paid in the instant before the close: the money is kept
	// as an unmatched payment, the order stays cancelled, replays change nothing
	if err := fake.SetTradeState(aNo, "NOTPAY"); err != nil {
		t.Fatal(err)
	}
	n, err := fake.PaymentNotification(aNo)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if code := f.deliver(n); code != 204 {
			t.Fatalf("late payment delivery %d: %d", i, code)
		}
	}
	if s := f.order(t, a).GetString("status"); s != "cancelled" {
		t.Fatalf("late payment moved a cancelled order to %s", s)
	}
	pays, _ := f.app.FindAllRecords("payments")
	if len(pays) != 1 || pays[0].GetString("status") != "unmatched" || pays[0].GetString("order") != a || paid.Load() != 0 {
		t.Fatalf("late payment: %d payments, paid events %d", len(pays), paid.Load())
	}
	if f.stock(t, f.cup) != 10 {
		t.Fatalf("stock = %d after three cancels", f.stock(t, f.cup))
	}
}

func TestWechatNotificationForAnotherMerchantRefused(t *testing.T) {
	t.Parallel()
	f, fake := wxFixture(t)
	id := f.checkout(t, f.cup, 1)
	orderNo := f.startWechat(t, id)
	for name, opt := range map[string]wxpayfake.NotifyOption{
		"mchid": wxpayfake.WithMchID("1900000999"),
		"appid": wxpayfake.WithAppID("wx0000000000000999"),
	} {
		n, err := fake.PaymentNotification(orderNo, opt)
		if err != nil {
			t.Fatal(err)
		}
		if code := f.deliver(n); code != 401 {
			t.Fatalf("other %s: answered %d, want 401", name, code)
		}
	}
	if n, _ := f.app.CountRecords("payments"); n != 0 || f.order(t, id).GetString("status") != "pending_payment" {
		t.Fatal("a notification for another merchant was applied")
	}
}
