package promotion_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"

	"fenxiao/plugins/promotion"
	"fenxiao/plugins/sandboxpay"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// fixture is a shop with the promotion plugin on a movable clock, a buyer
// with an address, a category tree 食品 › 茶叶 and three products:
//
//	tea  茶叶 (食品 › 茶叶)  8000 fen, stock 10
//	cup  保温杯 (no category) 5000 fen, stock 10
//	gift 赠品杯 (off shelf)       0 fen, stock 2
type fixture struct {
	t     testing.TB
	app   *pbtests.TestApp
	c     *tests.Client
	buyer *core.Record
	token string
	admin string
	addr  *core.Record

	food, leaves   *core.Record // categories
	teaP, cupP     *core.Record // products
	tea, cup, gift *core.Record // skus

	mu   sync.Mutex
	now  time.Time
	gate func() // when set, every pricing calls it after reading the buyer's usage
}

func newFixture(t testing.TB, register ...func(app core.App)) *fixture {
	app, _ := tests.NewShopApp(t)
	sandboxpay.MustRegister(app, sandboxpay.Config{})
	f := &fixture{t: t, app: app, now: time.Now().Truncate(time.Millisecond)}
	promotion.MustRegister(app, promotion.Config{Now: f.clock, UsageRead: f.usageRead})
	for _, r := range register {
		r(app)
	}
	f.buyer, f.token = tests.User(t, app, "buyer@test.local", nil)
	_, f.admin = tests.Superuser(t, app)
	f.addr = f.save("addresses", map[string]any{"user": f.buyer.Id, "name": "张三", "phone": "13800000000",
		"province": "浙江省", "detail": "西湖区1号", "is_default": true})
	f.food = f.save("categories", map[string]any{"name": "食品", "is_active": true})
	f.leaves = f.save("categories", map[string]any{"name": "茶叶", "is_active": true, "parent": f.food.Id})
	f.teaP = f.save("products", map[string]any{"title": "西湖龙井", "status": "on", "category": f.leaves.Id})
	f.tea = f.save("skus", map[string]any{"product": f.teaP.Id, "price": 8000, "stock": 10, "spec_text": "250g"})
	f.cupP = f.save("products", map[string]any{"title": "保温杯", "status": "on"})
	f.cup = f.save("skus", map[string]any{"product": f.cupP.Id, "price": 5000, "stock": 10, "spec_text": "红"})
	giftP := f.save("products", map[string]any{"title": "赠品杯", "status": "on"})
	f.gift = f.save("skus", map[string]any{"product": giftP.Id, "price": 0, "stock": 2})
	// gifts are usually off the shelf: they cannot be bought, only given
	giftP.Set("status", "off")
	if err := app.Save(giftP); err != nil {
		t.Fatal(err)
	}
	f.c = tests.NewClient(t, app)
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// usageRead is the plugin's Config.UsageRead: it calls the gate, if any,
// outside the lock so that a gate may block.
func (f *fixture) usageRead() {
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		gate()
	}
}

func (f *fixture) setGate(gate func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gate = gate
}

func (f *fixture) setClock(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t
}

func (f *fixture) save(collection string, data map[string]any) *core.Record {
	f.t.Helper()
	c, err := f.app.FindCollectionByNameOrId(collection)
	if err != nil {
		f.t.Fatal(err)
	}
	r := core.NewRecord(c)
	r.Load(data)
	if err := f.app.Save(r); err != nil {
		f.t.Fatalf("save %s: %v", collection, err)
	}
	return r
}

func (f *fixture) reload(collection, id string) *core.Record {
	f.t.Helper()
	r, err := f.app.FindRecordById(collection, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// promo creates a live promotion through the dashboard API (as superuser):
// data overrides a 满200减30 on everything that started an hour ago.
func (f *fixture) promo(data map[string]any) string {
	f.t.Helper()
	body := map[string]any{
		"name": "满减", "type": "full_reduction", "scope": "all", "active": true,
		"tiers":     []map[string]any{{"threshold": 20000, "off": 3000}},
		"starts_at": dbTime(f.clock().Add(-time.Hour)),
	}
	for k, v := range data {
		body[k] = v
	}
	res := f.c.Do("POST", "/api/collections/promotions/records", body, f.admin)
	if res.Status != 200 {
		f.t.Fatalf("create promotion: %d %s", res.Status, res.Raw)
	}
	return res.Body["id"].(string)
}

func (f *fixture) addToCart(token string, sku *core.Record, qty int) {
	f.t.Helper()
	res := f.c.Do("POST", "/api/shop/cart/items", map[string]any{"sku": sku.Id, "quantity": qty}, token)
	if res.Status != 200 {
		f.t.Fatalf("add to cart: %d %s", res.Status, res.Raw)
	}
}

func (f *fixture) cart(token string) *tests.Response {
	f.t.Helper()
	res := f.c.Do("GET", "/api/shop/cart", nil, token)
	if res.Status != 200 {
		f.t.Fatalf("cart: %d %s", res.Status, res.Raw)
	}
	return res
}

// checkout buys [sku, qty, ...] (nothing: the cart's selected lines).
func (f *fixture) checkout(token string, addr *core.Record, lines ...any) *core.Record {
	f.t.Helper()
	items := []map[string]any{}
	for i := 0; i < len(lines); i += 2 {
		items = append(items, map[string]any{"sku": lines[i].(*core.Record).Id, "quantity": lines[i+1]})
	}
	res := f.c.Do("POST", "/api/shop/checkout", map[string]any{"items": items, "address": addr.Id}, token)
	if res.Status != 200 {
		f.t.Fatalf("checkout: %d %s", res.Status, res.Raw)
	}
	return f.reload("orders", res.Body["id"].(string))
}

func (f *fixture) pay(token, orderId string) {
	f.t.Helper()
	res := f.c.Do("POST", "/api/shop/orders/"+orderId+"/pay", map[string]any{"method": "sandbox"}, token)
	if res.Status != 200 || res.Body["paid"] != true {
		f.t.Fatalf("pay: %d %s", res.Status, res.Raw)
	}
}

func (f *fixture) items(orderId string) []*core.Record {
	f.t.Helper()
	items, err := f.app.FindRecordsByFilter("order_items", "order = {:o}", "created,id", 0, 0, dbx.Params{"o": orderId})
	if err != nil {
		f.t.Fatal(err)
	}
	return items
}

func (f *fixture) count(collection, filter string, params dbx.Params) int {
	f.t.Helper()
	n, err := f.app.CountRecords(collection, dbx.NewExp(filter, params))
	if err != nil {
		f.t.Fatal(err)
	}
	return int(n)
}

func dbTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000Z")
}

func num(v any) int64 {
	n, _ := v.(float64)
	return int64(n)
}

func str(v any) string {
	return fmt.Sprint(v)
}
