package orders_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"fenxiao/tests"
)

func TestSandboxPayOffUnlessRegistered(t *testing.T) {
	t.Parallel()
	app, _ := tests.NewShopApp(t)
	buyer, token := tests.User(t, app, "buyer@test.local", nil)
	addr := tests.Save(t, app, "addresses", map[string]any{"user": buyer.Id, "name": "张三", "phone": "13800000000",
		"province": "浙江省", "detail": "西湖区1号", "is_default": true})
	p := tests.Save(t, app, "products", map[string]any{"title": "保温杯", "status": "on"})
	sku := tests.Save(t, app, "skus", map[string]any{"product": p.Id, "price": 5000, "stock": 10})
	c := tests.NewClient(t, app)

	info := c.Do("GET", "/api/shop/info", nil, "")
	methods, _ := info.Body["payment_methods"].([]any)
	if info.Status != 200 || info.Body["sandbox"] != false || slices.Contains(methods, any("sandbox")) {
		t.Fatalf("info without sandbox: %d %s", info.Status, info.Raw)
	}

	res := c.Do("POST", "/api/shop/checkout", map[string]any{"address": addr.Id,
		"items": []map[string]any{{"sku": sku.Id, "quantity": 1}}}, token)
	if res.Status != 200 {
		t.Fatalf("checkout: %d %s", res.Status, res.Raw)
	}
	id := res.Body["id"].(string)
	pay := c.Do("POST", "/api/shop/orders/"+id+"/pay", map[string]any{"method": "sandbox"}, token)
	if pay.Status != 400 || pay.Code() != "pay_method_unavailable" {
		t.Fatalf("sandbox pay when off: %d %s", pay.Status, pay.Raw)
	}
	if o := reload(t, app, "orders", id); o.GetString("status") != "pending_payment" || o.GetBool("sandbox") {
		t.Fatalf("order after refused sandbox pay: %s", o.GetString("status"))
	}
}

func TestOrderMerchantFieldsHiddenFromBuyers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.checkout(t, f.cup, 1)
	f.paySandbox(t, id)
	if res := f.c.Do("PATCH", "/api/collections/orders/records/"+id, map[string]any{"admin_note": "VIP客户"}, f.admin); res.Status != 200 {
		t.Fatalf("admin note: %d %s", res.Status, res.Raw)
	}
	if _, err := f.app.DB().NewQuery(`UPDATE orders SET upline_snapshot = '{"chain":[]}' WHERE id = {:id}`).
		Bind(map[string]any{"id": id}).Execute(); err != nil {
		t.Fatal(err)
	}

	for _, u := range []string{"/api/collections/orders/records/" + id, "/api/collections/orders/records"} {
		res := f.c.Do("GET", u, nil, f.token)
		if res.Status != 200 || !strings.Contains(string(res.Raw), id) {
			t.Fatalf("buyer %s: %d %s", u, res.Status, res.Raw)
		}
		if strings.Contains(string(res.Raw), "admin_note") || strings.Contains(string(res.Raw), "upline_snapshot") || strings.Contains(string(res.Raw), "VIP") {
			t.Fatalf("buyer sees merchant fields at %s: %s", u, res.Raw)
		}
	}
	// nor can a buyer probe them with a filter
	probe := f.c.Do("GET", "/api/collections/orders/records?filter="+url.QueryEscape(`admin_note~"VIP"`), nil, f.token)
	if probe.Status == 200 && strings.Contains(string(probe.Raw), id) {
		t.Fatalf("buyer filtered by admin_note: %s", probe.Raw)
	}
	admin := f.c.Do("GET", "/api/collections/orders/records/"+id, nil, f.admin)
	if admin.Status != 200 || admin.Body["admin_note"] != "VIP客户" || !strings.Contains(string(admin.Raw), "upline_snapshot") {
		t.Fatalf("superuser view: %d %s", admin.Status, admin.Raw)
	}
}
