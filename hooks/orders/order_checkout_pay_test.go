package orders_test

import (
	"strings"
	"testing"
)

// A checkout that names a provider which does not pay at once places the
// order, then starts the payment as POST /orders/{id}/pay would: WeChat
// Pay's prepay parameters come back with the order, and the notification
// pays it. A provider that cannot start leaves the order placed, waiting,
// with the reason in payment.error. The sandbox pays at once.
func TestCheckoutStartsPayment(t *testing.T) {
	t.Parallel()
	f, fake := wxFixture(t)
	checkout := func(pay map[string]any) map[string]any {
		t.Helper()
		res := f.c.Do("POST", "/api/shop/checkout", map[string]any{"address": f.addr.Id,
			"items": []map[string]any{{"sku": f.cup.Id, "quantity": 1}}, "pay": pay}, f.token)
		if res.Status != 200 {
			t.Fatalf("checkout paying with %v: %d %s", pay, res.Status, res.Raw)
		}
		return res.Body
	}

	// WeChat Pay: the prepay parameters, the order waiting for the notification
	body := checkout(map[string]any{"method": "wechatpay", "channel": "jsapi"})
	payment, _ := body["payment"].(map[string]any)
	params, _ := payment["params"].(map[string]any)
	if body["status"] != "pending_payment" || payment["paid"] != false || payment["method"] != "wechatpay" ||
		!strings.HasPrefix(params["package"].(string), "prepay_id=") || params["paySign"] == "" {
		t.Fatalf("checkout with WeChat Pay: %v", body)
	}
	id := body["id"].(string)
	o := f.order(t, id)
	if o.GetString("pay_method") != "wechatpay" || o.GetDateTime("pay_started_at").IsZero() {
		t.Fatalf("order %s started by %q at %v", id, o.GetString("pay_method"), o.GetDateTime("pay_started_at"))
	}
	n, err := fake.PaymentNotification(o.GetString("order_no"))
	if err != nil {
		t.Fatal(err)
	}
	if code := f.deliver(n); code != 204 {
		t.Fatalf("notification: %d", code)
	}
	if s := f.order(t, id).GetString("status"); s != "paid" {
		t.Fatalf("order %s after the notification", s)
	}

	// the sandbox pays at once
	body = checkout(map[string]any{"method": "sandbox"})
	payment, _ = body["payment"].(map[string]any)
	if body["status"] != "paid" || payment["paid"] != true || payment["sandbox"] != true {
		t.Fatalf("checkout with the sandbox: %v", body)
	}

	// WeChat Pay unreachable: the order stands, waiting, and says why
	fake.Close()
	body = checkout(map[string]any{"method": "wechatpay", "channel": "jsapi"})
	payment, _ = body["payment"].(map[string]any)
	perr, _ := payment["error"].(map[string]any)
	if body["status"] != "pending_payment" || perr["code"] != "wechatpay_unavailable" || perr["message"] == "" {
		t.Fatalf("checkout with WeChat Pay down: %v", body)
	}
	if s := f.order(t, body["id"].(string)).GetString("status"); s != "pending_payment" {
		t.Fatalf("order %s after a payment that could not start", s)
	}
	if f.stock(t, f.cup) != 7 {
		t.Fatalf("stock %d after three orders of one", f.stock(t, f.cup))
	}
}
