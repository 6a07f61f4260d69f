package flashsale_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/security"

	"fenxiao/hooks/accounts"
	"fenxiao/plugins/coupon"
	"fenxiao/plugins/distribution"
	"fenxiao/plugins/flashsale"
	"fenxiao/plugins/promotion"
	"fenxiao/plugins/sandboxpay"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// fixture is a shop with promotions, coupons, distribution and flash sales
// on a movable clock; a phone SKU (price 100000, stock 150) and an upline
// who earns commission on the buyers.
type fixture struct {
	t      testing.TB
	app    *pbtests.TestApp
	c      *tests.Client
	admin  string
	upline *core.Record
	phoneP *core.Record
	phone  *core.Record

	mu  sync.Mutex
	now time.Time
}

func newFixture(t testing.TB) *fixture {
	app, _ := tests.NewShopApp(t)
	f := &fixture{t: t, app: app, now: time.Now().Truncate(time.Millisecond)}
	sandboxpay.MustRegister(app, sandboxpay.Config{})
	promotion.MustRegister(app, promotion.Config{})
	coupon.MustRegister(app, coupon.Config{})
	distribution.MustRegister(app, distribution.Config{})
	flashsale.MustRegister(app, flashsale.Config{Now: f.clock})
	_, f.admin = tests.Superuser(t, app)
	f.upline, _ = tests.User(t, app, "upline@test.local", map[string]any{"is_distributor": true})
	f.upline, _ = app.FindRecordById("users", f.upline.Id)
	f.phoneP = tests.Save(t, app, "products", map[string]any{"title": "手机", "status": "on"})
	f.phone = tests.Save(t, app, "skus", map[string]any{"product": f.phoneP.Id, "price": 100000, "stock": 150})
	f.c = tests.NewClient(t, app)
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) setClock(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t
}

func (f *fixture) reload(collection, id string) *core.Record {
	f.t.Helper()
	r, err := f.app.FindRecordById(collection, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func dbTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000Z")
}

// session creates a live slot (started a minute ago, ends in an hour) with
// one item of the phone at 59900 fen; data overrides the slot's fields,
// item the item's.
func (f *fixture) session(data, item map[string]any) (string, string) {
	f.t.Helper()
	body := map[string]any{"name": "10点场", "active": true,
		"starts_at": dbTime(f.clock().Add(-time.Minute)), "ends_at": dbTime(f.clock().Add(time.Hour))}
	for k, v := range data {
		body[k] = v
	}
	res := f.c.Do("POST", "/api/collections/flash_sessions/records", body, f.admin)
	if res.Status != 200 {
		f.t.Fatalf("session: %d %s", res.Status, res.Raw)
	}
	sid := res.Body["id"].(string)
	ib := map[string]any{"session": sid, "sku": f.phone.Id, "flash_price": 59900, "stock": 100}
	for k, v := range item {
		ib[k] = v
	}
	res = f.c.Do("POST", "/api/collections/flash_items/records", ib, f.admin)
	if res.Status != 200 {
		f.t.Fatalf("item: %d %s", res.Status, res.Raw)
	}
	return sid, res.Body["id"].(string)
}

// buyers creates n buyers (bound under the upline when bind), each with an address,
// and returns their tokens and address ids. They share one password hash
// (hashing a thousand passwords would take minutes).
func (f *fixture) buyers(n int, bind bool) ([]string, []string) {
	f.t.Helper()
	first, _ := tests.User(f.t, f.app, "b0@test.local", nil)
	hash := first.GetRaw("password").(*core.PasswordFieldValue).Hash
	tokens, addrs := make([]string, n), make([]string, n)
	// note: one transaction for all, a commit per user would take seconds
	err := f.app.RunInTransaction(func(tx core.App) error {
		for i := range n {
			u := first
			if i > 0 {
				u = core.NewRecord(first.Collection())
				u.SetEmail(fmt.Sprintf("b%d@test.local", i))
				u.SetRaw("password", &core.PasswordFieldValue{Hash: hash})
				u.SetRaw("tokenKey", security.RandomString(50))
				if err := tx.Save(u); err != nil {
					return err
				}
			}
			if bind {
				if err := accounts.BindUpline(tx, u.Id, f.upline.GetString("invite_code"), "link", "", "user:"+u.Id); err != nil {
					return err
				}
			}
			token, err := u.NewAuthToken()
			if err != nil {
				return err
			}
			tokens[i] = token
			addrs[i] = tests.Save(f.t, tx, "addresses", map[string]any{"user": u.Id, "name": "买家", "phone": "13800000000",
				"province": "浙江省", "detail": "1号"}).Id
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return tokens, addrs
}

func (f *fixture) buy(token, addr, item string, qty int) *tests.Response {
	return f.c.Do("POST", "/api/shop/checkout", map[string]any{"address": addr, "offer": item,
		"items": []map[string]any{{"sku": f.phone.Id, "quantity": qty}}}, token)
}

func num(v any) int64 {
	n, _ := v.(float64)
	return int64(n)
}

// TestBurstSellsExactlyTheFlashStock: 1,000 buyers at once on 100 flash
// units: exactly 100 orders, each paid, the SKU's normal stock untouched,
// and no payment without an order.
func TestBurstSellsExactlyTheFlashStock(t *testing.T) {
	f := newFixture(t)
	_, item := f.session(nil, map[string]any{"per_user_limit": 1})
	if stock := f.reload("skus", f.phone.Id).GetInt("stock"); stock != 50 {
		t.Fatalf("the item should reserve 100 of 150 units, the SKU has %d", stock)
	}
	began := time.Now()
	tokens, addrs := f.buyers(1000, false)
	t.Logf("1,000 buyers made in %v", time.Since(began))
	began = time.Now()

	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for i := range tokens {
		wg.Go(func() {
			res := f.buy(tokens[i], addrs[i], item, 1)
			code := "ok"
			if res.Status == 200 {
				pay := f.c.Do("POST", "/api/shop/orders/"+res.Body["id"].(string)+"/pay", map[string]any{"method": "sandbox"}, tokens[i])
				if pay.Status != 200 || pay.Body["paid"] != true {
					code = "pay_failed"
				}
			} else {
				code = res.Code()
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	t.Logf("1,000 concurrent flash checkouts (and 100 payments) in %v, in process", time.Since(began))
	if codes["ok"] != 100 || codes["flash_sold_out"] != 900 {
		t.Fatalf("outcomes: %v", codes)
	}
	orders, _ := f.app.CountRecords("orders", dbx.HashExp{"offer": item})
	paid, _ := f.app.CountRecords("orders", dbx.HashExp{"offer": item, "status": "paid"})
	payments, _ := f.app.CountRecords("payments")
	flashOrders, _ := f.app.CountRecords("flash_orders", dbx.HashExp{"item": item, "status": "live"})
	it := f.reload("flash_items", item)
	if orders != 100 || paid != 100 || payments != 100 || flashOrders != 100 || it.GetInt("sold") != 100 {
		t.Fatalf("orders %d, paid %d, payments %d, flash orders %d, sold %d", orders, paid, payments, flashOrders, it.GetInt("sold"))
	}
	if stock := f.reload("skus", f.phone.Id).GetInt("stock"); stock != 50 {
		t.Fatalf("normal stock moved: %d", stock)
	}
}

// TestFlashOrderRules: flash price, a shorter payment window, the per-buyer
// limit, no promotion or coupon unless the slot allows it, commission per
// the slot, and a cancelled order's units back in the flash stock.
func TestFlashOrderRules(t *testing.T) {
	f := newFixture(t)
	_, item := f.session(nil, map[string]any{"per_user_limit": 2})
	tokens, addrs := f.buyers(2, true)
	res := f.c.Do("POST", "/api/collections/promotions/records", map[string]any{"name": "满减", "type": "full_reduction",
		"scope": "all", "active": true, "tiers": []map[string]any{{"threshold": 10000, "off": 1000}},
		"starts_at": dbTime(f.clock().Add(-time.Hour))}, f.admin)
	if res.Status != 200 {
		t.Fatalf("promotion: %d %s", res.Status, res.Raw)
	}
	res = f.c.Do("POST", "/api/collections/coupon_templates/records", map[string]any{"name": "无门槛", "kind": "amount",
		"off": 500, "scope": "all", "validity": "days", "valid_days": 3, "active": true, "claimable": true,
		"with_promotions": true}, f.admin)
	if res.Status != 200 {
		t.Fatalf("template: %d %s", res.Status, res.Raw)
	}
	if res := f.c.Do("POST", "/api/shop/coupons/claim", map[string]any{"template": res.Body["id"]}, tokens[0]); res.Status != 200 {
		t.Fatalf("claim: %d %s", res.Status, res.Raw)
	}

	res = f.buy(tokens[0], addrs[0], item, 2)
	if res.Status != 200 || num(res.Body["payable"]) != 2*59900 || num(res.Body["discount_amount"]) != 0 || res.Body["offer_kind"] != "flash" {
		t.Fatalf("flash order: %d %s", res.Status, res.Raw)
	}
	first := f.reload("orders", res.Body["id"].(string))
	window := first.GetDateTime("expires_at").Time().Sub(first.GetDateTime("created").Time())
	if window > 5*time.Minute+time.Second || window < 5*time.Minute-time.Second || !first.GetBool("no_commission") {
		t.Fatalf("payment window %v, no_commission %v", window, first.GetBool("no_commission"))
	}
	if res := f.buy(tokens[0], addrs[0], item, 1); res.Status != 409 || res.Code() != "flash_limit_reached" {
		t.Fatalf("past the limit: %d %s", res.Status, res.Raw)
	}
	case_ := tests.Save(t, f.app, "skus", map[string]any{"product": f.phoneP.Id, "price": 3000, "stock": 10})
	if res := f.c.Do("POST", "/api/shop/checkout", map[string]any{"address": addrs[1], "offer": item,
		"items": []map[string]any{{"sku": f.phone.Id, "quantity": 1}, {"sku": case_.Id, "quantity": 1}}}, tokens[1]); res.Status != 400 || res.Code() != "offer_single_line" {
		t.Fatalf("two lines: %d %s", res.Status, res.Raw)
	}

	// cancelled: the units go back to the flash stock, and the limit frees up
	if res := f.c.Do("POST", "/api/shop/orders/"+first.Id+"/cancel", map[string]any{}, tokens[0]); res.Status != 200 {
		t.Fatalf("cancel: %d %s", res.Status, res.Raw)
	}
	if it := f.reload("flash_items", item); it.GetInt("sold") != 0 || it.GetInt("stock") != 100 {
		t.Fatalf("after cancel: sold %d stock %d", it.GetInt("sold"), it.GetInt("stock"))
	}
	if stock := f.reload("skus", f.phone.Id).GetInt("stock"); stock != 50 {
		t.Fatalf("normal stock after cancel: %d", stock)
	}

	// a slot allowing promotions, coupons and commission
	_, open := f.session(map[string]any{"name": "会员场", "allow_promotions": true, "allow_coupons": true, "commission": true,
		"pay_minutes": 15}, map[string]any{"stock": 10})
	res = f.buy(tokens[0], addrs[0], open, 1)
	if res.Status != 200 || num(res.Body["discount_amount"]) != 1000+500 || num(res.Body["coupon_amount"]) != 500 {
		t.Fatalf("stacking slot: %d %s", res.Status, res.Raw)
	}
	if pay := f.c.Do("POST", "/api/shop/orders/"+res.Body["id"].(string)+"/pay", map[string]any{"method": "sandbox"}, tokens[0]); pay.Status != 200 {
		t.Fatalf("pay: %d %s", pay.Status, pay.Raw)
	}
	if n, _ := f.app.CountRecords("commissions", dbx.HashExp{"order": res.Body["id"]}); n == 0 {
		t.Fatal("a slot with commission books commission")
	}

	// the API: sessions with countdowns and sold-out state
	res = f.c.Do("GET", "/api/shop/flash/sessions", nil, "")
	sessions := res.Body["sessions"].([]any)
	if len(sessions) != 2 {
		t.Fatalf("sessions: %s", res.Raw)
	}
	s0 := sessions[0].(map[string]any)
	if s0["name"] != "10点场" {
		s0 = sessions[1].(map[string]any)
	}
	it0 := s0["items"].([]any)[0].(map[string]any)
	if s0["state"] != "live" || num(s0["ends_in"]) < 3500 || num(it0["remaining"]) != 100 || it0["sold_out"] != false ||
		num(it0["price"]) != 100000 || it0["title"] != "手机" {
		t.Fatalf("session view: %s", res.Raw)
	}
}

// TestSlotWindowAndRelease: before its start and after its end a slot
// sells nothing; the release job gives the unsold units back.
func TestSlotWindowAndRelease(t *testing.T) {
	f := newFixture(t)
	start := f.clock().Add(time.Hour)
	sid, item := f.session(map[string]any{"starts_at": dbTime(start), "ends_at": dbTime(start.Add(time.Hour))},
		map[string]any{"stock": 30})
	tokens, addrs := f.buyers(1, false)
	if res := f.buy(tokens[0], addrs[0], item, 1); res.Status != 409 || res.Code() != "flash_not_started" {
		t.Fatalf("before the start: %d %s", res.Status, res.Raw)
	}
	res := f.c.Do("GET", "/api/shop/flash/items/"+item, nil, tokens[0])
	if res.Body["session"].(map[string]any)["state"] != "upcoming" || num(res.Body["session"].(map[string]any)["starts_in"]) != 3600 {
		t.Fatalf("item view: %s", res.Raw)
	}
	f.setClock(start.Add(time.Minute))
	if res := f.buy(tokens[0], addrs[0], item, 1); res.Status != 200 {
		t.Fatalf("live: %d %s", res.Status, res.Raw)
	}
	f.setClock(start.Add(2 * time.Hour))
	if res := f.buy(tokens[0], addrs[0], item, 1); res.Status != 409 || res.Code() != "flash_ended" {
		t.Fatalf("after the end: %d %s", res.Status, res.Raw)
	}
	if stock := f.reload("skus", f.phone.Id).GetInt("stock"); stock != 120-1+1 {
		// 150 − 30 reserved; the one sold was handed over and taken
		t.Fatalf("stock before release: %d", stock)
	}
	res = f.c.Do("POST", "/api/shop/admin/jobs/flash_release", nil, f.admin)
	if res.Status != 200 {
		t.Fatalf("release: %d %s", res.Status, res.Raw)
	}
	if stock := f.reload("skus", f.phone.Id).GetInt("stock"); stock != 149 {
		t.Fatalf("stock after release: %d", stock)
	}
	if !f.reload("flash_sessions", sid).GetBool("released") || f.reload("flash_items", item).GetInt("stock") != 1 {
		t.Fatal("slot not released")
	}
	// reserving more than the SKU holds is refused
	res = f.c.Do("POST", "/api/collections/flash_items/records", map[string]any{"session": sid, "sku": f.phone.Id, "flash_price": 1, "stock": 1000}, f.admin)
	if res.Status != 400 {
		t.Fatalf("over-reservation: %d %s", res.Status, res.Raw)
	}
}
