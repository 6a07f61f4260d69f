package accounts_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/sandboxpay"
	"fenxiao/tests"
)

// shopFixture is a shop with a buyer, an address, the sandbox payment
// method and two SKUs shipped at 800 fen a parcel (free from 200 yuan).
type shopFixture struct {
	app         *pbtests.TestApp
	c           *tests.Client
	buyer       *core.Record
	token       string
	admin       string
	addr        string
	big, little *core.Record // 6000 and 4000 fen
}

func newShopFixture(t *testing.T, settings map[string]any) *shopFixture {
	t.Helper()
	app, _ := tests.NewShopApp(t)
	sandboxpay.MustRegister(app, sandboxpay.Config{})
	setSettings(t, app, settings)
	f := &shopFixture{app: app}
	f.buyer, f.token = tests.User(t, app, "buyer@test.local", nil)
	_, f.admin = tests.Superuser(t, app)
	f.addr = tests.Save(t, app, "addresses", map[string]any{"user": f.buyer.Id, "name": "张三", "phone": "13800000000",
		"province": "浙江省", "detail": "西湖区1号", "is_default": true}).Id
	tpl := tests.Save(t, app, "shipping_templates", map[string]any{"name": "按件", "mode": "piece",
		"first_units": 1, "first_fee": 800, "extra_units": 1, "extra_fee": 0, "free_threshold": 20000})
	p := tests.Save(t, app, "products", map[string]any{"title": "保温杯", "status": "on", "shipping_template": tpl.Id})
	f.big = tests.Save(t, app, "skus", map[string]any{"product": p.Id, "price": 6000, "stock": 100})
	f.little = tests.Save(t, app, "skus", map[string]any{"product": p.Id, "price": 4000, "stock": 100})
	f.c = tests.NewClient(t, app)
	return f
}

// buy checks one unit of sku out and pays it in the sandbox; it returns the
// order after payment.
func (f *shopFixture) buy(t *testing.T, sku *core.Record) *core.Record {
	t.Helper()
	res := f.c.Do(http.MethodPost, "/api/shop/checkout", map[string]any{
		"items": []map[string]any{{"sku": sku.Id, "quantity": 1}}, "address": f.addr}, f.token)
	if res.Status != http.StatusOK {
		t.Fatalf("checkout: %d %s", res.Status, res.Raw)
	}
	id := res.Body["id"].(string)
	res = f.c.Do(http.MethodPost, "/api/shop/orders/"+id+"/pay", map[string]any{"method": "sandbox"}, f.token)
	if res.Status != http.StatusOK || res.Body["paid"] != true {
		t.Fatalf("pay: %d %s", res.Status, res.Raw)
	}
	o, err := f.app.FindRecordById("orders", id)
	if err != nil {
		t.Fatal(err)
	}
	if o.GetString("status") != "paid" || o.GetInt("shipping_fee") != 800 {
		t.Fatalf("order %s: status %s, shipping %d", id, o.GetString("status"), o.GetInt("shipping_fee"))
	}
	return o
}

// refundAll asks for and approves a full refund of the order's lines.
func (f *shopFixture) refundAll(t *testing.T, order *core.Record) {
	t.Helper()
	items, err := f.app.FindRecordsByFilter("order_items", "order = {:o}", "", 0, 0, dbx.Params{"o": order.Id})
	if err != nil || len(items) == 0 {
		t.Fatalf("order items: %v", err)
	}
	lines := make([]map[string]any, 0, len(items))
	for _, it := range items {
		lines = append(lines, map[string]any{"order_item": it.Id, "quantity": it.GetInt("quantity")})
	}
	res := f.c.Do(http.MethodPost, "/api/shop/aftersales", map[string]any{
		"order": order.Id, "type": "refund", "reason": "不想要了", "items": lines}, f.token)
	if res.Status != http.StatusOK {
		t.Fatalf("after-sale: %d %s", res.Status, res.Raw)
	}
	res = f.c.Do(http.MethodPost, "/api/shop/admin/aftersales/"+res.Body["id"].(string)+"/approve", map[string]any{}, f.admin)
	if res.Status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.Status, res.Raw)
	}
	if o, _ := f.app.FindRecordById("orders", order.Id); o.GetString("status") != "refunded" {
		t.Fatalf("order not refunded: %s", o.GetString("status"))
	}
}

func (f *shopFixture) spent(t *testing.T) (int, bool) {
	t.Helper()
	u := reload(t, f.app, f.buyer.Id)
	return u.GetInt("total_spent"), u.GetBool("is_distributor")
}

// TestDistributorBySpendThroughRealOrders: the spend threshold counts the
// goods paid (shipping left out) and refunds take them back off.
func TestDistributorBySpendThroughRealOrders(t *testing.T) {
	t.Parallel()
	f := newShopFixture(t, map[string]any{"distributor_condition": shop.DistributorSpend, "distributor_spend_threshold": 10000})

	first := f.buy(t, f.big) // 6000 + 800 shipping
	if first.GetInt("payable") != 6800 {
		t.Fatalf("payable = %d, want 6800", first.GetInt("payable"))
	}
	if spent, dist := f.spent(t); spent != 6000 || dist {
		t.Fatalf("after 60 yuan of goods: spent %d, distributor %v", spent, dist)
	}

	// refunded in full: the spending is gone
	f.refundAll(t, first)
	if spent, _ := f.spent(t); spent != 0 {
		t.Fatalf("after the refund: spent %d, want 0", spent)
	}

	// 6000 again then 4000: exactly the threshold only on the second one,
	// although the payments (6800 + 4800) crossed it already on the first
	f.buy(t, f.big)
	if spent, dist := f.spent(t); spent != 6000 || dist {
		t.Fatalf("after buying again: spent %d, distributor %v", spent, dist)
	}
	last := f.buy(t, f.little)
	if spent, dist := f.spent(t); spent != 10000 || !dist {
		t.Fatalf("after 100 yuan of goods: spent %d, distributor %v", spent, dist)
	}
	if u := reload(t, f.app, f.buyer.Id); u.GetInt("paid_orders") != 3 {
		t.Fatalf("paid_orders = %d, want 3", u.GetInt("paid_orders"))
	}

	// a refund below the threshold corrects the figure, never below 0, and
	// keeps the status granted
	if _, err := f.app.DB().NewQuery("UPDATE users SET total_spent = 1000 WHERE id = {:id}").
		Bind(dbx.Params{"id": f.buyer.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	f.refundAll(t, last)
	if spent, dist := f.spent(t); spent != 0 || !dist {
		t.Fatalf("after refunding the order that crossed the threshold: spent %d, distributor %v", spent, dist)
	}
}

// TestDistributorByFirstPaidOrder: a real paid order makes the buyer a
// distributor; refunding it in full keeps the status (see recordRefund).
func TestDistributorByFirstPaidOrder(t *testing.T) {
	t.Parallel()
	f := newShopFixture(t, map[string]any{"distributor_condition": shop.DistributorFirstPaid})
	if _, dist := f.spent(t); dist {
		t.Fatal("a user without orders is a distributor under first_paid")
	}

	// an unpaid order is not enough
	res := f.c.Do(http.MethodPost, "/api/shop/checkout", map[string]any{
		"items": []map[string]any{{"sku": f.little.Id, "quantity": 1}}, "address": f.addr}, f.token)
	if res.Status != http.StatusOK {
		t.Fatalf("checkout: %d %s", res.Status, res.Raw)
	}
	if _, dist := f.spent(t); dist {
		t.Fatal("an unpaid order made the buyer a distributor")
	}

	order := f.buy(t, f.big)
	u := reload(t, f.app, f.buyer.Id)
	if !u.GetBool("is_distributor") || u.GetDateTime("distributor_since").IsZero() || u.GetInt("paid_orders") != 1 ||
		u.GetDateTime("first_paid_at").IsZero() {
		t.Fatalf("after the first paid order: %v", u.PublicExport())
	}

	f.refundAll(t, order)
	u = reload(t, f.app, f.buyer.Id)
	if !u.GetBool("is_distributor") || u.GetInt("paid_orders") != 1 || u.GetInt("total_spent") != 0 {
		t.Fatalf("after a full refund of the first order: distributor %v, paid_orders %d, spent %d",
			u.GetBool("is_distributor"), u.GetInt("paid_orders"), u.GetInt("total_spent"))
	}
}
