package orders_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"

	"fenxiao/hooks/shop"
	"fenxiao/plugins/sandboxpay"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// fixture is a shop with one buyer, an address, a product with two SKUs
// and the sandbox payment method.
type fixture struct {
	app   *pbtests.TestApp
	shop  *shop.Shop
	c     *tests.Client
	buyer *core.Record
	token string
	admin string
	addr  *core.Record
	cup   *core.Record // 5000 fen, stock 10
	tea   *core.Record // 3000 fen, stock 5
	other string       // another buyer's token
}

func newFixture(t testing.TB, register ...func(app core.App)) *fixture {
	app, s := tests.NewShopApp(t)
	sandboxpay.MustRegister(app, sandboxpay.Config{})
	for _, r := range register {
		r(app)
	}
	f := &fixture{app: app, shop: s}
	f.buyer, f.token = tests.User(t, app, "buyer@test.local", nil)
	_, f.other = tests.User(t, app, "other@test.local", nil)
	_, f.admin = tests.Superuser(t, app)
	f.addr = tests.Save(t, app, "addresses", map[string]any{"user": f.buyer.Id, "name": "张三", "phone": "13800000000",
		"province": "浙江省", "detail": "西湖区1号", "is_default": true})
	p := tests.Save(t, app, "products", map[string]any{"title": "保温杯", "status": "on"})
	f.cup = tests.Save(t, app, "skus", map[string]any{"product": p.Id, "price": 5000, "stock": 10, "spec_text": "红"})
	f.tea = tests.Save(t, app, "skus", map[string]any{"product": p.Id, "price": 3000, "stock": 5, "spec_text": "蓝"})
	f.c = tests.NewClient(t, app)
	return f
}

func reload(tb testing.TB, app core.App, collection, id string) *core.Record {
	tb.Helper()
	r, err := app.FindRecordById(collection, id)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// checkout buys lines [sku, qty, sku, qty...] and returns the order id.
func (f *fixture) checkout(t testing.TB, lines ...any) string {
	t.Helper()
	items := []map[string]any{}
	for i := 0; i < len(lines); i += 2 {
		items = append(items, map[string]any{"sku": lines[i].(*core.Record).Id, "quantity": lines[i+1]})
	}
	res := f.c.Do("POST", "/api/shop/checkout", map[string]any{"items": items, "address": f.addr.Id}, f.token)
	if res.Status != 200 {
		t.Fatalf("checkout: %d %s", res.Status, res.Raw)
	}
	return res.Body["id"].(string)
}

func (f *fixture) paySandbox(t testing.TB, orderId string) {
	t.Helper()
	res := f.c.Do("POST", "/api/shop/orders/"+orderId+"/pay", map[string]any{"method": "sandbox"}, f.token)
	if res.Status != 200 || res.Body["paid"] != true {
		t.Fatalf("pay: %d %s", res.Status, res.Raw)
	}
}

func (f *fixture) ship(t testing.TB, orderId string) {
	t.Helper()
	res := f.c.Do("PATCH", "/api/collections/orders/records/"+orderId,
		map[string]any{"tracking_company": "shunfeng", "tracking_no": "SF100"}, f.admin)
	if res.Status != 200 {
		t.Fatalf("ship: %d %s", res.Status, res.Raw)
	}
}

func (f *fixture) order(t testing.TB, id string) *core.Record {
	t.Helper()
	return reload(t, f.app, "orders", id)
}

func (f *fixture) stock(t testing.TB, sku *core.Record) int {
	t.Helper()
	return reload(t, f.app, "skus", sku.Id).GetInt("stock")
}
