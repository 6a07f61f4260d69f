package promotion_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/accounts"
	"fenxiao/internal/pricing"
	"fenxiao/plugins/distribution"
	"fenxiao/tests"
)

// 满200减30 from the cart to a paid order: the cart's totals, the per-line
// allocation (exact sum) and the applied promotion end up on the order and
// its items; paying counts one usage.
func TestFullReductionCartToPaidOrder(t *testing.T) {
	f := newFixture(t)
	id := f.promo(map[string]any{"name": "双11满减"})

	f.addToCart(f.token, f.tea, 2) // 16000
	f.addToCart(f.token, f.cup, 1) // 5000
	cart := f.cart(f.token).Body
	if num(cart["goods"]) != 21000 || num(cart["discount"]) != 3000 || num(cart["total"]) != 18000 {
		t.Fatalf("cart totals: goods %v discount %v total %v", cart["goods"], cart["discount"], cart["total"])
	}
	applied := cart["applied"].([]any)
	if len(applied) != 1 || applied[0].(map[string]any)["label"] != "满200减30" ||
		applied[0].(map[string]any)["promotion"] != id || applied[0].(map[string]any)["explanation"] == "" {
		t.Fatalf("cart applied: %v", applied)
	}
	cartOff := map[string]int64{}
	var sum int64
	for _, l := range cart["lines"].([]any) {
		l := l.(map[string]any)
		cartOff[str(l["sku"])] = num(l["discount"])
		sum += num(l["discount"])
		if num(l["paid"]) != num(l["amount"])-num(l["discount"]) {
			t.Fatalf("cart line paid: %v", l)
		}
	}
	// largest remainder: 3000 × 16000/21000 = 2285.71, × 5000/21000 = 714.29
	if sum != 3000 || cartOff[f.tea.Id] != 2286 || cartOff[f.cup.Id] != 714 {
		t.Fatalf("cart allocation: %v", cartOff)
	}

	o := f.checkout(f.token, f.addr) // the cart's selected lines
	if o.GetInt("goods_amount") != 21000 || o.GetInt("discount_amount") != 3000 || o.GetInt("payable") != 18000 {
		t.Fatalf("order amounts: goods %d discount %d payable %d",
			o.GetInt("goods_amount"), o.GetInt("discount_amount"), o.GetInt("payable"))
	}
	var onOrder []pricing.Applied
	if err := o.UnmarshalJSONField("promotions", &onOrder); err != nil || len(onOrder) != 1 ||
		onOrder[0].PromotionId != id || onOrder[0].Amount != 3000 || onOrder[0].Label != "满200减30" {
		t.Fatalf("order promotions: %v %v", onOrder, err)
	}
	sum = 0
	for _, it := range f.items(o.Id) {
		off := int64(it.GetInt("discount_amount"))
		sum += off
		if off != cartOff[it.GetString("sku")] {
			t.Fatalf("item %s discount %d, cart said %d", it.GetString("sku"), off, cartOff[it.GetString("sku")])
		}
		if it.GetInt("paid_amount") != it.GetInt("line_amount")-it.GetInt("discount_amount") {
			t.Fatalf("item paid: %v", it)
		}
	}
	if sum != 3000 {
		t.Fatalf("items discount sum %d", sum)
	}

	params := dbx.Params{"p": id, "u": f.buyer.Id, "o": o.Id}
	if n := f.count("promotion_usages", "promotion = {:p} AND [[user]] = {:u}", params); n != 0 {
		t.Fatalf("usage before payment: %d", n)
	}
	f.pay(f.token, o.Id)
	if n := f.count("promotion_usages", "promotion = {:p} AND [[user]] = {:u} AND [[order]] = {:o}", params); n != 1 {
		t.Fatalf("usage after payment: %d", n)
	}
}

// Checkout re-prices: a promotion the cart showed that ended one second
// before checkout is not applied.
func TestEndedPromotionNotAppliedAtCheckout(t *testing.T) {
	f := newFixture(t)
	start := f.clock()
	end := start.Add(time.Hour)
	f.promo(map[string]any{"ends_at": dbTime(end)})

	f.addToCart(f.token, f.tea, 3) // 24000
	if d := num(f.cart(f.token).Body["discount"]); d != 3000 {
		t.Fatalf("cart discount while live: %d", d)
	}
	// the promotion is cached by now; only the clock moves
	f.setClock(end.Add(time.Second))
	if d := num(f.cart(f.token).Body["discount"]); d != 0 {
		t.Fatalf("cart discount after the end: %d", d)
	}
	o := f.checkout(f.token, f.addr)
	if o.GetInt("discount_amount") != 0 || o.GetInt("payable") != 24000 || o.GetString("promotions") != "null" {
		t.Fatalf("order after the end: discount %d payable %d promotions %s",
			o.GetInt("discount_amount"), o.GetInt("payable"), o.GetString("promotions"))
	}
	for _, it := range f.items(o.Id) {
		if it.GetInt("discount_amount") != 0 {
			t.Fatalf("item discount after the end: %d", it.GetInt("discount_amount"))
		}
	}

	// one second before the end it still applies
	f.setClock(end.Add(-time.Second))
	if o := f.checkout(f.token, f.addr, f.tea, 3); o.GetInt("discount_amount") != 3000 {
		t.Fatalf("discount a second before the end: %d", o.GetInt("discount_amount"))
	}
}

// A once-per-buyer 8.5折 on 食品 (which covers 茶叶): an unpaid order holds
// it, cancelling gives it back, a paid order uses it up for that buyer only.
func TestPerUserLimit(t *testing.T) {
	f := newFixture(t)
	f.promo(map[string]any{"name": "新客85折", "type": "discount", "tiers": nil, "discount_mode": "rate",
		"rate_bp": 8500, "scope": "categories", "categories": []string{f.food.Id}, "per_user_limit": 1})

	o1 := f.checkout(f.token, f.addr, f.tea, 1)
	if o1.GetInt("discount_amount") != 1200 {
		t.Fatalf("first order discount %d, want 1200", o1.GetInt("discount_amount"))
	}
	if o := f.checkout(f.token, f.addr, f.tea, 1); o.GetInt("discount_amount") != 0 {
		t.Fatalf("second unpaid order got the once-per-buyer discount: %d", o.GetInt("discount_amount"))
	}
	if res := f.c.Do("POST", "/api/shop/orders/"+o1.Id+"/cancel", nil, f.token); res.Status != 200 {
		t.Fatalf("cancel: %d %s", res.Status, res.Raw)
	}
	o3 := f.checkout(f.token, f.addr, f.tea, 1)
	if o3.GetInt("discount_amount") != 1200 {
		t.Fatalf("after cancelling the first order: discount %d", o3.GetInt("discount_amount"))
	}
	f.pay(f.token, o3.Id)
	if o := f.checkout(f.token, f.addr, f.tea, 1); o.GetInt("discount_amount") != 0 {
		t.Fatalf("after a paid order: discount %d", o.GetInt("discount_amount"))
	}
	if d := num(f.cart(f.token).Body["discount"]); d != 0 {
		t.Fatalf("cart after a paid order: %d", d)
	}
	// the cup is not food
	other, otherToken := tests.User(t, f.app, "other@test.local", nil)
	addr := f.save("addresses", map[string]any{"user": other.Id, "name": "李四", "phone": "13900000000",
		"province": "浙江省", "detail": "2号"})
	if o := f.checkout(otherToken, addr, f.tea, 1, f.cup, 1); o.GetInt("discount_amount") != 1200 {
		t.Fatalf("another buyer: discount %d", o.GetInt("discount_amount"))
	}
}

// A 满100赠 gift is a zero-priced order line that takes its own stock, is
// left out (not the order) when out of stock and earns no commission.
func TestGift(t *testing.T) {
	f := newFixture(t, func(app core.App) {
		distribution.MustRegister(app, distribution.Config{})
	})
	// the buyer was invited by a distributor
	up, _ := tests.User(t, f.app, "up@test.local", map[string]any{"is_distributor": true})
	up = f.reload("users", up.Id)
	if err := accounts.BindUpline(f.app, f.buyer.Id, up.GetString("invite_code"), "link", "", "user:"+f.buyer.Id); err != nil {
		t.Fatal(err)
	}
	id := f.promo(map[string]any{"name": "满100送杯", "type": "gift", "tiers": nil,
		"gift_sku": f.gift.Id, "gift_quantity": 1, "gift_min_amount": 10000})

	f.addToCart(f.token, f.cup, 2) // 10000
	gifts := f.cart(f.token).Body["gifts"].([]any)
	if len(gifts) != 1 || gifts[0].(map[string]any)["sku"] != f.gift.Id {
		t.Fatalf("cart gifts: %v", gifts)
	}
	o := f.checkout(f.token, f.addr)
	if o.GetInt("payable") != 10000 || o.GetInt("discount_amount") != 0 {
		t.Fatalf("order with gift: payable %d discount %d", o.GetInt("payable"), o.GetInt("discount_amount"))
	}
	var giftItem *core.Record
	for _, it := range f.items(o.Id) {
		if it.GetBool("is_gift") {
			giftItem = it
		}
	}
	if giftItem == nil || giftItem.GetString("sku") != f.gift.Id || giftItem.GetInt("quantity") != 1 ||
		giftItem.GetInt("unit_price") != 0 || giftItem.GetInt("paid_amount") != 0 || giftItem.GetInt("line_amount") != 0 {
		t.Fatalf("gift item: %v", giftItem)
	}
	if s := f.reload("skus", f.gift.Id).GetInt("stock"); s != 1 {
		t.Fatalf("gift stock %d, want 1", s)
	}

	f.pay(f.token, o.Id)
	if n := f.count("commissions", "[[order]] = {:o}", dbx.Params{"o": o.Id}); n == 0 {
		t.Fatalf("no commission on the paid line")
	}
	if n := f.count("commissions", "order_item = {:i}", dbx.Params{"i": giftItem.Id}); n != 0 {
		t.Fatalf("the gift line earned %d commissions", n)
	}
	if n := f.count("promotion_usages", "promotion = {:p}", dbx.Params{"p": id}); n != 1 {
		t.Fatalf("gift usage: %d", n)
	}

	// out of stock: the order goes through without the gift
	gift := f.reload("skus", f.gift.Id)
	gift.Set("stock", 0)
	if err := f.app.Save(gift); err != nil {
		t.Fatal(err)
	}
	o = f.checkout(f.token, f.addr, f.cup, 2)
	if o.GetInt("payable") != 10000 || len(f.items(o.Id)) != 1 || o.GetString("promotions") != "null" {
		t.Fatalf("order without gift stock: payable %d items %d promotions %s",
			o.GetInt("payable"), len(f.items(o.Id)), o.GetString("promotions"))
	}
}

// Dashboard writes are validated with the engine's rules and stable codes;
// a valid edit is priced at once (the cache never serves a stale promotion).
func TestAdminValidation(t *testing.T) {
	f := newFixture(t)
	base := map[string]any{
		"name": "满减", "type": "full_reduction", "scope": "all", "active": true,
		"tiers":     []map[string]any{{"threshold": 20000, "off": 3000}},
		"starts_at": dbTime(f.clock().Add(-time.Hour)),
	}
	with := func(changes map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range changes {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name  string
		body  map[string]any
		field string
		code  string
	}{
		{"tiers not ascending", with(map[string]any{"tiers": []map[string]any{{"threshold": 20000, "off": 3000}, {"threshold": 10000, "off": 1000}}}),
			"tiers", "promo_tiers_not_ascending"},
		{"tier off above threshold", with(map[string]any{"tiers": []map[string]any{{"threshold": 1000, "off": 1000}}}),
			"tiers", "promo_tier_off_invalid"},
		{"no tiers", with(map[string]any{"tiers": []any{}}), "tiers", "promo_tiers_required"},
		{"malformed tiers", with(map[string]any{"tiers": map[string]any{"threshold": "x"}}), "tiers", "promo_tiers_malformed"},
		{"rate 100%", with(map[string]any{"type": "discount", "discount_mode": "rate", "rate_bp": 10000}),
			"rate_bp", "promo_discount_rate_invalid"},
		{"rate 0", with(map[string]any{"type": "discount", "discount_mode": "rate", "rate_bp": 0}),
			"rate_bp", "promo_discount_rate_invalid"},
		{"no discount mode", with(map[string]any{"type": "discount"}), "discount_mode", "promo_discount_mode_invalid"},
		{"end before start", with(map[string]any{"ends_at": dbTime(f.clock().Add(-2 * time.Hour))}),
			"ends_at", "promo_time_range_invalid"},
		{"categories without ids", with(map[string]any{"scope": "categories"}), "categories", "promo_scope_ids_required"},
		{"gift without sku", with(map[string]any{"type": "gift", "gift_quantity": 1}), "gift_sku", "promo_gift_sku_required"},
		{"gift quantity 0", with(map[string]any{"type": "gift", "gift_sku": f.gift.Id}), "gift_quantity", "promo_gift_quantity_invalid"},
		{"negative limit", with(map[string]any{"per_user_limit": -1}), "per_user_limit", "promo_per_user_limit_invalid"},
	}
	for _, c := range cases {
		res := f.c.Do("POST", "/api/collections/promotions/records", c.body, f.admin)
		data, _ := res.Body["data"].(map[string]any)
		got, _ := data[c.field].(map[string]any)
		if res.Status != http.StatusBadRequest || got["code"] != c.code {
			t.Errorf("%s: %d %s, want 400 %s on %s", c.name, res.Status, res.Raw, c.code, c.field)
		}
	}
	if n := f.count("promotions", "1=1", nil); n != 0 {
		t.Fatalf("%d invalid promotions saved", n)
	}

	// only superusers write
	if res := f.c.Do("POST", "/api/collections/promotions/records", base, f.token); res.Status != http.StatusForbidden && res.Status != http.StatusBadRequest {
		t.Fatalf("buyer create: %d %s", res.Status, res.Raw)
	}
	if n := f.count("promotions", "1=1", nil); n != 0 {
		t.Fatalf("a buyer created a promotion")
	}

	id := f.promo(nil)
	f.addToCart(f.token, f.tea, 3) // 24000
	if d := num(f.cart(f.token).Body["discount"]); d != 3000 {
		t.Fatalf("cart discount: %d", d)
	}
	res := f.c.Do("PATCH", "/api/collections/promotions/records/"+id,
		map[string]any{"tiers": []map[string]any{{"threshold": 20000, "off": 3000}, {"threshold": 20000, "off": 5000}}}, f.admin)
	if res.Status != http.StatusBadRequest || res.Code() != "promo_tiers_not_ascending" {
		t.Fatalf("invalid PATCH: %d %s", res.Status, res.Raw)
	}
	res = f.c.Do("PATCH", "/api/collections/promotions/records/"+id,
		map[string]any{"tiers": []map[string]any{{"threshold": 20000, "off": 3000}, {"threshold": 24000, "off": 5000}}}, f.admin)
	if res.Status != 200 {
		t.Fatalf("valid PATCH: %d %s", res.Status, res.Raw)
	}
	if d := num(f.cart(f.token).Body["discount"]); d != 5000 {
		t.Fatalf("cart discount after the edit: %d, want 5000", d)
	}
	res = f.c.Do("PATCH", "/api/collections/promotions/records/"+id, map[string]any{"active": false}, f.admin)
	if res.Status != 200 {
		t.Fatalf("switch off: %d %s", res.Status, res.Raw)
	}
	if d := num(f.cart(f.token).Body["discount"]); d != 0 {
		t.Fatalf("cart discount after switching off: %d", d)
	}
	if res := f.c.Do("DELETE", "/api/collections/promotions/records/"+id, nil, f.admin); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Raw)
	}
}

// The home page list, product search labels and prices, and the product
// page's promotions.
func TestActiveListAndLabels(t *testing.T) {
	f := newFixture(t)
	now := f.clock()
	fr := f.promo(map[string]any{"name": "满减", "priority": 1, "ends_at": dbTime(now.Add(24 * time.Hour))})
	disc := f.promo(map[string]any{"name": "茶叶节", "type": "discount", "tiers": nil, "discount_mode": "rate",
		"rate_bp": 8500, "scope": "categories", "categories": []string{f.food.Id}, "priority": 5})
	f.promo(map[string]any{"name": "赠杯", "type": "gift", "tiers": nil, "gift_sku": f.gift.Id, "gift_quantity": 1,
		"gift_min_amount": 20000, "label": "买茶送杯", "scope": "products", "products": []string{f.teaP.Id}})
	f.promo(map[string]any{"name": "未开始", "starts_at": dbTime(now.Add(time.Hour))})
	f.promo(map[string]any{"name": "停用", "active": false})

	res := f.c.Do("GET", "/api/shop/promotions/active", nil, "")
	if res.Status != 200 {
		t.Fatalf("active: %d %s", res.Status, res.Raw)
	}
	items := res.Body["items"].([]any)
	got := map[string]map[string]any{}
	order := make([]string, 0, len(items))
	for _, it := range items {
		it := it.(map[string]any)
		got[str(it["name"])] = it
		order = append(order, str(it["id"]))
	}
	if len(items) != 3 || got["茶叶节"]["label"] != "8.5折" || got["满减"]["label"] != "满200减30" || got["赠杯"]["label"] != "买茶送杯" {
		t.Fatalf("active promotions: %s", res.Raw)
	}
	if order[0] != disc || order[1] != fr {
		t.Fatalf("rank order: %v", order)
	}
	if got["茶叶节"]["scope_summary"] != "指定分类：食品" || got["满减"]["scope_summary"] != "全场通用" ||
		got["赠杯"]["scope_summary"] != "指定商品（1件）" || got["满减"]["ends_at"] == "" || got["茶叶节"]["ends_at"] != "" {
		t.Fatalf("scope and window: %s", res.Raw)
	}
	if g, _ := got["赠杯"]["gift"].(map[string]any); g == nil || g["title"] != "赠品杯" {
		t.Fatalf("gift view: %v", got["赠杯"]["gift"])
	}

	res = f.c.Do("GET", "/api/shop/products/search", nil, "")
	if res.Status != 200 {
		t.Fatalf("search: %d %s", res.Status, res.Raw)
	}
	found := map[string]map[string]any{}
	for _, it := range res.Body["items"].([]any) {
		it := it.(map[string]any)
		found[str(it["id"])] = it
	}
	labels := func(v any) []string {
		var out []string
		raw, _ := json.Marshal(v)
		_ = json.Unmarshal(raw, &out)
		return out
	}
	if tea := found[f.teaP.Id]; tea == nil || !slices.Equal(labels(tea["promotion_labels"]), []string{"8.5折", "满200减30", "买茶送杯"}) ||
		num(tea["promo_price"]) != 6800 || num(tea["min_price"]) != 8000 {
		t.Fatalf("tea in search: %v", found[f.teaP.Id])
	}
	if cup := found[f.cupP.Id]; cup == nil || !slices.Equal(labels(cup["promotion_labels"]), []string{"满200减30"}) ||
		num(cup["promo_price"]) != 5000 {
		t.Fatalf("cup in search: %v", found[f.cupP.Id])
	}

	res = f.c.Do("GET", "/api/shop/products/"+f.teaP.Id+"/promotions", nil, "")
	if res.Status != 200 || num(res.Body["promo_price"]) != 6800 || len(res.Body["promotions"].([]any)) != 3 ||
		!slices.Equal(labels(res.Body["labels"]), []string{"8.5折", "满200减30", "买茶送杯"}) {
		t.Fatalf("product promotions: %d %s", res.Status, res.Raw)
	}
	if res := f.c.Do("GET", "/api/shop/products/nosuchproduct1/promotions", nil, ""); res.Status != 404 || res.Code() != "product_not_found" {
		t.Fatalf("unknown product: %d %s", res.Status, res.Raw)
	}

	// guests list the promotions that are switched on through the REST API too
	res = f.c.Do("GET", "/api/collections/promotions/records", nil, "")
	if res.Status != 200 || num(res.Body["totalItems"]) != 4 {
		t.Fatalf("public list: %d %s", res.Status, res.Raw)
	}
}
