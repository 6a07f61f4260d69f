package coupon_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	pbtests "github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/security"

	"fenxiao/plugins/coupon"
	"fenxiao/plugins/promotion"
	"fenxiao/plugins/sandboxpay"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// fixture is a shop with promotions and coupons, a buyer with an address
// and two products: tea (category 茶叶) 8000 fen and cup 5000 fen.
type fixture struct {
	t     *testing.T
	app   *pbtests.TestApp
	c     *tests.Client
	buyer *core.Record
	token string
	admin string
	addr  *core.Record

	leaves     *core.Record
	teaP, cupP *core.Record
	tea, cup   *core.Record
}

func newFixture(t *testing.T, plugins ...func(app core.App)) *fixture {
	app, _ := tests.NewShopApp(t)
	sandboxpay.MustRegister(app, sandboxpay.Config{})
	promotion.MustRegister(app, promotion.Config{})
	coupon.MustRegister(app, coupon.Config{})
	f := &fixture{t: t, app: app}
	f.buyer, f.token = tests.User(t, app, "buyer@test.local", nil)
	_, f.admin = tests.Superuser(t, app)
	f.addr = f.save("addresses", map[string]any{"user": f.buyer.Id, "name": "张三", "phone": "13800000000",
		"province": "浙江省", "detail": "西湖区1号", "is_default": true})
	f.leaves = f.save("categories", map[string]any{"name": "茶叶", "is_active": true})
	f.teaP = f.save("products", map[string]any{"title": "西湖龙井", "status": "on", "category": f.leaves.Id})
	f.tea = f.save("skus", map[string]any{"product": f.teaP.Id, "price": 8000, "stock": 100})
	f.cupP = f.save("products", map[string]any{"title": "保温杯", "status": "on"})
	f.cup = f.save("skus", map[string]any{"product": f.cupP.Id, "price": 5000, "stock": 100})
	for _, register := range plugins {
		register(app)
	}
	f.c = tests.NewClient(t, app)
	return f
}

func (f *fixture) save(collection string, data map[string]any) *core.Record {
	f.t.Helper()
	return tests.Save(f.t, f.app, collection, data)
}

func (f *fixture) reload(collection, id string) *core.Record {
	f.t.Helper()
	r, err := f.app.FindRecordById(collection, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// template creates a template through the dashboard API: data overrides an
// active, claimable 满100减10 on everything, valid 7 days after claiming.
func (f *fixture) template(data map[string]any) string {
	f.t.Helper()
	body := map[string]any{"name": "满100减10", "kind": "amount", "off": 1000, "threshold": 10000,
		"scope": "all", "validity": "days", "valid_days": 7, "active": true, "claimable": true}
	for k, v := range data {
		body[k] = v
	}
	res := f.c.Do("POST", "/api/collections/coupon_templates/records", body, f.admin)
	if res.Status != 200 {
		f.t.Fatalf("create template: %d %s", res.Status, res.Raw)
	}
	return res.Body["id"].(string)
}

func (f *fixture) claim(token, template string) string {
	f.t.Helper()
	res := f.c.Do("POST", "/api/shop/coupons/claim", map[string]any{"template": template}, token)
	if res.Status != 200 {
		f.t.Fatalf("claim: %d %s", res.Status, res.Raw)
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

func (f *fixture) cart(query string) *tests.Response {
	f.t.Helper()
	res := f.c.Do("GET", "/api/shop/cart"+query, nil, f.token)
	if res.Status != 200 {
		f.t.Fatalf("cart: %d %s", res.Status, res.Raw)
	}
	return res
}

func (f *fixture) checkout(body map[string]any) *tests.Response {
	f.t.Helper()
	body["address"] = f.addr.Id
	return f.c.Do("POST", "/api/shop/checkout", body, f.token)
}

func (f *fixture) items(orderId string) []*core.Record {
	f.t.Helper()
	items, err := f.app.FindRecordsByFilter("order_items", "order = {:o}", "created,id", 0, 0, dbx.Params{"o": orderId})
	if err != nil {
		f.t.Fatal(err)
	}
	return items
}

// users creates n users and returns their tokens; they share the buyer's
// password hash, since hashing a hundred passwords takes half a minute.
func (f *fixture) users(prefix string, n int) []string {
	f.t.Helper()
	tokens := make([]string, n)
	for i := range tokens {
		u := core.NewRecord(f.buyer.Collection())
		u.SetEmail(fmt.Sprintf("%s%d@test.local", prefix, i))
		u.SetRaw("password", &core.PasswordFieldValue{Hash: f.buyer.GetRaw("password").(*core.PasswordFieldValue).Hash})
		u.SetRaw("tokenKey", security.RandomString(50))
		if err := f.app.Save(u); err != nil {
			f.t.Fatal(err)
		}
		token, err := u.NewAuthToken()
		if err != nil {
			f.t.Fatal(err)
		}
		tokens[i] = token
	}
	return tokens
}

func num(v any) int64 {
	n, _ := v.(float64)
	return int64(n)
}

// TestCartPicksBestAndCheckoutBooksIt: the cart lists usable and unusable
// coupons with reasons, selects the best, and checkout books the same
// amounts line by line; the coupon is then used, and a second order
// cannot take it.
func TestCartPicksBestAndCheckoutBooksIt(t *testing.T) {
	f := newFixture(t)
	ten := f.claim(f.token, f.template(nil))
	twenty := f.claim(f.token, f.template(map[string]any{"name": "满300减20", "off": 2000, "threshold": 30000}))
	pct := f.claim(f.token, f.template(map[string]any{"name": "9折", "kind": "percent", "off": 0, "threshold": 0,
		"rate_bp": 1000, "max_off": 1500}))
	teaOnly := f.claim(f.token, f.template(map[string]any{"name": "茶叶券", "off": 333, "threshold": 0,
		"scope": "categories", "categories": []string{f.leaves.Id}}))
	f.addToCart(f.token, f.tea, 1)
	f.addToCart(f.token, f.cup, 1)

	res := f.cart("")
	coupons := res.Body["coupons"].([]any)
	if len(coupons) != 4 {
		t.Fatalf("coupons: %s", res.Raw)
	}
	byId := map[string]map[string]any{}
	for _, c := range coupons {
		m := c.(map[string]any)
		byId[m["id"].(string)] = m
	}
	// 13000 fen: 9折 takes 1300 (under its 1500 cap), 满100减10 1000,
	// 茶叶券 333, 满300减20 cannot be used
	if byId[pct]["selected"] != true || num(byId[pct]["amount"]) != 1300 {
		t.Fatalf("best should be the 9折 coupon: %s", res.Raw)
	}
	if byId[twenty]["usable"] != false || byId[twenty]["reason"] != "below_threshold" || byId[twenty]["message"] == "" {
		t.Fatalf("满300减20 should be unusable with a reason: %v", byId[twenty])
	}
	if num(byId[ten]["amount"]) != 1000 || num(byId[teaOnly]["amount"]) != 333 {
		t.Fatalf("amounts: %s", res.Raw)
	}
	if coupons[0].(map[string]any)["id"] != pct || coupons[3].(map[string]any)["id"] != twenty {
		t.Fatalf("usable first, most off first: %s", res.Raw)
	}
	if num(res.Body["coupon_discount"]) != 1300 || num(res.Body["total"]) != 13000-1300+num(res.Body["shipping"]) {
		t.Fatalf("totals: %s", res.Raw)
	}

	// choosing another coupon, and choosing none
	res = f.cart("?coupon=" + teaOnly)
	if num(res.Body["coupon_discount"]) != 333 {
		t.Fatalf("chosen coupon: %s", res.Raw)
	}
	shown := map[string]int64{}
	for _, l := range res.Body["lines"].([]any) {
		m := l.(map[string]any)
		shown[m["sku"].(string)] = num(m["coupon_discount"])
	}
	if shown[f.tea.Id] != 333 || shown[f.cup.Id] != 0 {
		t.Fatalf("茶叶券 only on tea: %v", shown)
	}
	if res = f.cart("?coupon=none"); res.Body["coupon"] != nil || num(res.Body["discount"]) != 0 {
		t.Fatalf("no coupon: %s", res.Raw)
	}
	if res := f.c.Do("GET", "/api/shop/cart?coupon="+twenty, nil, f.token); res.Status != 409 || res.Code() != "coupon_unusable" {
		t.Fatalf("unusable choice: %d %s", res.Status, res.Raw)
	}

	// checkout with the default choice books what the cart showed
	shownLines := map[string][2]int64{}
	for _, l := range f.cart("").Body["lines"].([]any) {
		m := l.(map[string]any)
		shownLines[m["sku"].(string)] = [2]int64{num(m["discount"]), num(m["paid"])}
	}
	res = f.checkout(map[string]any{})
	if res.Status != 200 || num(res.Body["coupon_amount"]) != 1300 || res.Body["coupon"] != pct {
		t.Fatalf("checkout: %d %s", res.Status, res.Raw)
	}
	orderId := res.Body["id"].(string)
	var sum int64
	for _, it := range f.items(orderId) {
		got := [2]int64{int64(it.GetInt("discount_amount")), int64(it.GetInt("paid_amount"))}
		if got != shownLines[it.GetString("sku")] {
			t.Fatalf("line %s booked %v, cart showed %v", it.GetString("sku"), got, shownLines[it.GetString("sku")])
		}
		sum += int64(it.GetInt("coupon_amount"))
	}
	if sum != 1300 {
		t.Fatalf("coupon shares sum to %d", sum)
	}
	used := f.reload("user_coupons", pct)
	if used.GetString("status") != "used" || used.GetString("order") != orderId {
		t.Fatalf("coupon after checkout: %v", used)
	}

	// the used coupon is gone from the cart, and asking for it fails
	f.addToCart(f.token, f.tea, 2)
	if res := f.checkout(map[string]any{"coupon": pct}); res.Status != 409 || res.Code() != "coupon_unavailable" {
		t.Fatalf("reuse: %d %s", res.Status, res.Raw)
	}
}

// TestCouponsDoNotStackWithPromotionsUnlessAllowed: a promotion on tea
// keeps a non-stacking coupon off tea; a stacking one applies after it.
func TestCouponsDoNotStackWithPromotionsUnlessAllowed(t *testing.T) {
	f := newFixture(t)
	res := f.c.Do("POST", "/api/collections/promotions/records", map[string]any{
		"name": "茶叶9折", "type": "discount", "discount_mode": "rate", "rate_bp": 9000, "scope": "products",
		"products": []string{f.teaP.Id}, "active": true, "starts_at": time.Now().Add(-time.Hour).UTC().Format("2006-01-02 15:04:05.000Z"),
	}, f.admin)
	if res.Status != 200 {
		t.Fatalf("promotion: %d %s", res.Status, res.Raw)
	}
	plain := f.claim(f.token, f.template(map[string]any{"name": "满60减6", "off": 600, "threshold": 6000}))
	f.addToCart(f.token, f.tea, 1)
	f.addToCart(f.token, f.cup, 1)
	// tea pays 7200 after 9折 and is promoted: only cup's 5000 counts, below 6000
	res = f.cart("")
	opt := res.Body["coupons"].([]any)[0].(map[string]any)
	if opt["id"] != plain || opt["usable"] != false || opt["reason"] != "below_threshold" {
		t.Fatalf("non-stacking coupon: %s", res.Raw)
	}
	stacking := f.claim(f.token, f.template(map[string]any{"name": "可叠加", "off": 600, "threshold": 6000, "with_promotions": true}))
	res = f.cart("")
	if res.Body["coupon"].(map[string]any)["id"] != stacking || num(res.Body["discount"]) != 800+600 {
		t.Fatalf("stacking coupon: %s", res.Raw)
	}
}

// TestParallelClaimsOfTheLastTen: 100 users claim at once from a template
// with 10 left; exactly 10 get one.
func TestParallelClaimsOfTheLastTen(t *testing.T) {
	f := newFixture(t)
	tpl := f.template(map[string]any{"total": 30})
	for _, token := range f.users("early", 20) {
		f.claim(token, tpl)
	}
	tokens := f.users("late", 100)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for _, token := range tokens {
		wg.Go(func() {
			res := f.c.Do("POST", "/api/shop/coupons/claim", map[string]any{"template": tpl}, token)
			code := "ok"
			if res.Status != 200 {
				code = res.Code()
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes["ok"] != 10 || codes["coupon_sold_out"] != 90 {
		t.Fatalf("claims: %v", codes)
	}
	held, _ := f.app.CountRecords("user_coupons", dbx.HashExp{"template": tpl})
	if held != 30 || f.reload("coupon_templates", tpl).GetInt("issued") != 30 {
		t.Fatalf("held %d, issued %d", held, f.reload("coupon_templates", tpl).GetInt("issued"))
	}
}

// TestParallelCheckoutsOfOneCoupon: ten checkouts racing with one coupon
// make one order; the others fail and change nothing.
func TestParallelCheckoutsOfOneCoupon(t *testing.T) {
	f := newFixture(t)
	id := f.claim(f.token, f.template(map[string]any{"threshold": 0}))
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for range 10 {
		wg.Go(func() {
			res := f.c.Do("POST", "/api/shop/checkout", map[string]any{"address": f.addr.Id, "coupon": id,
				"items": []map[string]any{{"sku": f.cup.Id, "quantity": 1}}}, f.token)
			code := "ok"
			if res.Status != 200 {
				code = res.Code()
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	orders, _ := f.app.CountRecords("orders", dbx.HashExp{"buyer": f.buyer.Id})
	if codes["ok"] != 1 || orders != 1 || f.reload("skus", f.cup.Id).GetInt("stock") != 99 {
		t.Fatalf("codes %v, orders %d, stock %d", codes, orders, f.reload("skus", f.cup.Id).GetInt("stock"))
	}
}

// TestPerUserLimitAndValidation: a second claim past the limit is refused;
// a template the engine cannot use is refused with its code.
func TestPerUserLimitAndValidation(t *testing.T) {
	f := newFixture(t)
	tpl := f.template(map[string]any{"per_user_limit": 1})
	f.claim(f.token, tpl)
	if res := f.c.Do("POST", "/api/shop/coupons/claim", map[string]any{"template": tpl}, f.token); res.Status != 409 || res.Code() != "coupon_limit_reached" {
		t.Fatalf("second claim: %d %s", res.Status, res.Raw)
	}
	res := f.c.Do("GET", "/api/shop/coupons/center", nil, f.token)
	item := res.Body["items"].([]any)[0].(map[string]any)
	if num(item["held"]) != 1 || item["can_claim"] != false || item["label"] != "满100减10" || num(item["remaining"]) != -1 {
		t.Fatalf("centre: %s", res.Raw)
	}
	for _, bad := range []struct {
		data map[string]any
		code string
	}{
		{map[string]any{"kind": "percent", "rate_bp": 10000}, "coupon_rate_invalid"},
		{map[string]any{"off": 2000, "threshold": 1000}, "coupon_threshold_below_off"},
		{map[string]any{"scope": "products"}, "coupon_scope_ids_required"},
		{map[string]any{"valid_days": 0}, "coupon_validity_invalid"},
		{map[string]any{"validity": "fixed", "valid_days": 0}, "coupon_validity_invalid"},
	} {
		body := map[string]any{"name": "x", "kind": "amount", "off": 1000, "threshold": 10000,
			"scope": "all", "validity": "days", "valid_days": 7, "active": true}
		for k, v := range bad.data {
			body[k] = v
		}
		res := f.c.Do("POST", "/api/collections/coupon_templates/records", body, f.admin)
		if res.Status != 400 || res.Code() != bad.code {
			t.Errorf("%v: %d %s", bad.data, res.Status, res.Raw)
		}
	}
}

// TestCouponReturnedPerSetting: cancelling an unpaid order gives its coupon
// back under cancel_and_refund, and keeps it used under never.
func TestCouponReturnedPerSetting(t *testing.T) {
	f := newFixture(t)
	id := f.claim(f.token, f.template(map[string]any{"threshold": 0}))
	buy := func() string {
		res := f.checkout(map[string]any{"coupon": id, "items": []map[string]any{{"sku": f.cup.Id, "quantity": 1}}})
		if res.Status != 200 {
			t.Fatalf("checkout: %d %s", res.Status, res.Raw)
		}
		return res.Body["id"].(string)
	}
	cancel := func(orderId string) {
		if res := f.c.Do("POST", "/api/shop/orders/"+orderId+"/cancel", map[string]any{}, f.token); res.Status != 200 {
			t.Fatalf("cancel: %d %s", res.Status, res.Raw)
		}
	}
	first := buy()
	cancel(first)
	c := f.reload("user_coupons", id)
	if c.GetString("status") != "unused" || c.GetString("order") != "" || c.GetString("returned_at") == "" {
		t.Fatalf("coupon after cancel: %v", c)
	}

	settings := f.reload("shop_settings", "shopsettings001")
	settings.Set("coupon_return", "never")
	if err := f.app.Save(settings); err != nil {
		t.Fatal(err)
	}
	second := buy()
	cancel(second)
	if c := f.reload("user_coupons", id); c.GetString("status") != "used" || c.GetString("order") != second {
		t.Fatalf("coupon kept under never: %v", c)
	}
}

// TestCouponsOnSignupByAdminAndAsLevelReward.
func TestCouponsOnSignupByAdminAndAsLevelReward(t *testing.T) {
	f := newFixture(t)
	signup := f.template(map[string]any{"name": "新人券", "on_signup": true, "claimable": false, "total": 1})
	reward := f.template(map[string]any{"name": "升级礼", "reward_rank": 2, "claimable": false})
	admin := f.template(map[string]any{"name": "补偿券", "claimable": false, "total": 2})

	res := f.c.Do("POST", "/api/collections/users/records", map[string]any{
		"email": "new@test.local", "password": "1234567890", "passwordConfirm": "1234567890"}, "")
	if res.Status != 200 {
		t.Fatalf("sign-up: %d %s", res.Status, res.Raw)
	}
	newId := res.Body["id"].(string)
	if n, _ := f.app.CountRecords("user_coupons", dbx.HashExp{"user": newId, "template": signup, "source": "signup"}); n != 1 {
		t.Fatalf("sign-up coupons: %d", n)
	}
	// the only sign-up coupon is gone: the next sign-up still works
	if res := f.c.Do("POST", "/api/collections/users/records", map[string]any{
		"email": "new2@test.local", "password": "1234567890", "passwordConfirm": "1234567890"}, ""); res.Status != 200 {
		t.Fatalf("second sign-up: %d %s", res.Status, res.Raw)
	}

	f.save("level_changes", map[string]any{"user": f.buyer.Id, "from_rank": 0, "to_rank": 1, "reason": "auto", "actor": "system:test"})
	if n, _ := f.app.CountRecords("user_coupons", dbx.HashExp{"user": f.buyer.Id, "template": reward}); n != 0 {
		t.Fatal("rank 1 is below the reward's rank 2")
	}
	f.save("level_changes", map[string]any{"user": f.buyer.Id, "from_rank": 1, "to_rank": 3, "reason": "auto", "actor": "system:test"})
	if n, _ := f.app.CountRecords("user_coupons", dbx.HashExp{"user": f.buyer.Id, "template": reward, "source": "level"}); n != 1 {
		t.Fatalf("level reward coupons: %d", n)
	}

	other, _ := tests.User(t, f.app, "other@test.local", nil)
	if res := f.c.Do("POST", "/api/shop/admin/coupons/grant", map[string]any{"template": admin, "users": []string{f.buyer.Id}}, f.token); res.Status != 401 && res.Status != 403 {
		t.Fatalf("grant by a buyer: %d", res.Status)
	}
	res = f.c.Do("POST", "/api/shop/admin/coupons/grant", map[string]any{"template": admin, "users": []string{f.buyer.Id, other.Id}}, f.admin)
	if res.Status != 200 || num(res.Body["issued"]) != 2 {
		t.Fatalf("grant: %d %s", res.Status, res.Raw)
	}
	// all or nothing: the total is used up
	res = f.c.Do("POST", "/api/shop/admin/coupons/grant", map[string]any{"template": admin, "users": []string{newId}}, f.admin)
	if res.Status != 409 || res.Code() != "coupon_sold_out" {
		t.Fatalf("grant past the total: %d %s", res.Status, res.Raw)
	}
	res = f.c.Do("GET", "/api/shop/coupons/mine", nil, f.token)
	if len(res.Body["items"].([]any)) != 2 {
		t.Fatalf("mine: %s", res.Raw)
	}
}

// TestCouponReturnedOnFullRefund: a paid order refunded in full gives its
// coupon back under cancel_and_refund; under cancel it stays used.
func TestCouponReturnedOnFullRefund(t *testing.T) {
	f := newFixture(t)
	tpl := f.template(map[string]any{"threshold": 0})
	refund := func() (string, string) {
		id := f.claim(f.token, tpl)
		res := f.checkout(map[string]any{"coupon": id, "items": []map[string]any{{"sku": f.cup.Id, "quantity": 1}}})
		if res.Status != 200 || num(res.Body["payable"]) != 4000 {
			t.Fatalf("checkout: %d %s", res.Status, res.Raw)
		}
		orderId := res.Body["id"].(string)
		if res := f.c.Do("POST", "/api/shop/orders/"+orderId+"/pay", map[string]any{"method": "sandbox"}, f.token); res.Status != 200 {
			t.Fatalf("pay: %d %s", res.Status, res.Raw)
		}
		item := f.items(orderId)[0]
		res = f.c.Do("POST", "/api/shop/aftersales", map[string]any{"order": orderId, "type": "refund", "reason": "不想要了",
			"items": []map[string]any{{"order_item": item.Id, "quantity": 1, "amount": 4000}}}, f.token)
		if res.Status != 200 {
			t.Fatalf("apply: %d %s", res.Status, res.Raw)
		}
		if res := f.c.Do("POST", "/api/shop/admin/aftersales/"+res.Body["id"].(string)+"/approve", map[string]any{}, f.admin); res.Status != 200 {
			t.Fatalf("approve: %d %s", res.Status, res.Raw)
		}
		if o := f.reload("orders", orderId); o.GetString("status") != "refunded" {
			t.Fatalf("order %s after the refund", o.GetString("status"))
		}
		return id, orderId
	}
	id, _ := refund()
	if c := f.reload("user_coupons", id); c.GetString("status") != "unused" {
		t.Fatalf("coupon after a full refund: %s", c.GetString("status"))
	}

	settings := f.reload("shop_settings", "shopsettings001")
	settings.Set("coupon_return", "cancel")
	if err := f.app.Save(settings); err != nil {
		t.Fatal(err)
	}
	// a second coupon, refunded in full under cancel, stays used
	id2, orderId := refund()
	if c := f.reload("user_coupons", id2); c.GetString("status") != "used" || c.GetString("order") != orderId {
		t.Fatalf("coupon kept under cancel: %v", c)
	}
}
