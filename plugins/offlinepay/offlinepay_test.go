package offlinepay_test

import (
	"testing"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/offlinepay"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

func TestBankTransferConfirmedByAdmin(t *testing.T) {
	app, s := tests.NewShopApp(t)
	offlinepay.MustRegister(app, offlinepay.Config{AccountName: "杭州某某商贸有限公司", BankName: "招商银行", AccountNo: "5719000000000"})
	paid := 0
	s.OnOrderPaid.BindFunc(func(e *shop.OrderEvent) error {
		paid++
		return e.Next()
	})
	buyer, token := tests.User(t, app, "buyer@test.local", nil)
	_, admin := tests.Superuser(t, app)
	addr := tests.Save(t, app, "addresses", map[string]any{"user": buyer.Id, "name": "张三", "phone": "13800000000",
		"province": "浙江省", "detail": "西湖区1号", "is_default": true})
	p := tests.Save(t, app, "products", map[string]any{"title": "保温杯", "status": "on"})
	sku := tests.Save(t, app, "skus", map[string]any{"product": p.Id, "price": 5000, "stock": 10})
	c := tests.NewClient(t, app)

	checkout := func() string {
		res := c.Do("POST", "/api/shop/checkout", map[string]any{"address": addr.Id,
			"items": []map[string]any{{"sku": sku.Id, "quantity": 2}}}, token)
		if res.Status != 200 {
			t.Fatalf("checkout: %d %s", res.Status, res.Raw)
		}
		return res.Body["id"].(string)
	}
	id := checkout()

	start := c.Do("POST", "/api/shop/orders/"+id+"/pay", map[string]any{"method": "offline"}, token)
	params, _ := start.Body["params"].(map[string]any)
	if start.Status != 200 || start.Body["paid"] != false || params["account_no"] != "5719000000000" || params["amount"] != float64(10000) {
		t.Fatalf("start: %d %s", start.Status, start.Raw)
	}

	confirm := func(orderId, ref, tok string) *tests.Response {
		return c.Do("POST", "/api/shop/admin/orders/"+orderId+"/confirm-offline", map[string]any{"reference": ref}, tok)
	}
	if res := confirm(id, "BANK001", token); res.Status != 401 && res.Status != 403 {
		t.Fatalf("buyer confirms own transfer: %d %s", res.Status, res.Raw)
	}
	if res := confirm(id, " ", admin); res.Status != 400 || res.Code() != "reference_required" {
		t.Fatalf("no reference: %d %s", res.Status, res.Raw)
	}
	if res := confirm("nosuchorder0001", "BANK001", admin); res.Status != 404 {
		t.Fatalf("unknown order: %d %s", res.Status, res.Raw)
	}
	if o, _ := app.FindRecordById("orders", id); o.GetString("status") != "pending_payment" {
		t.Fatal("refused confirmations paid the order")
	}

	res := confirm(id, "BANK001", admin)
	if res.Status != 200 || res.Body["status"] != "paid" || res.Body["replayed"] != false {
		t.Fatalf("confirm: %d %s", res.Status, res.Raw)
	}
	o, _ := app.FindRecordById("orders", id)
	if o.GetString("pay_method") != "offline" || o.GetBool("sandbox") || o.GetDateTime("paid_at").IsZero() {
		t.Fatalf("order: %s %v", o.GetString("pay_method"), o.GetBool("sandbox"))
	}
	pays, _ := app.FindAllRecords("payments")
	if len(pays) != 1 || pays[0].GetString("provider") != "offline" || pays[0].GetString("transaction_id") != "BANK001" ||
		pays[0].GetInt("amount") != 10000 || pays[0].GetString("status") != "paid" || paid != 1 {
		t.Fatalf("payments: %v, paid events %d", pays, paid)
	}

	// confirming twice pays nothing more
	if res := confirm(id, "BANK002", admin); res.Status != 409 || res.Code() != "order_not_payable" {
		t.Fatalf("confirm twice: %d %s", res.Status, res.Raw)
	}
	// a bank reference pays one order only
	other := checkout()
	if res := confirm(other, "BANK001", admin); res.Status != 400 || res.Code() != "reference_used" {
		t.Fatalf("reused reference: %d %s", res.Status, res.Raw)
	}
	if o, _ := app.FindRecordById("orders", other); o.GetString("status") != "pending_payment" {
		t.Fatal("a reused reference paid another order")
	}
	if n, _ := app.CountRecords("payments"); n != 1 || paid != 1 {
		t.Fatalf("payments = %d, paid events %d", n, paid)
	}
}
