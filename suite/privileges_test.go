package suite

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/tests"
)

// privilegeShop is a shop with distributor levels 1-3, a guest and
// distributors of levels 0, 2 and 3 (v0 and v2 bound under an upline), a
// shopper with level 3 who is not a distributor, and the level-limited
// catalog and materials.
type privilegeShop struct {
	*shopEnv
	tokens map[string]string // actor → token ("" for the guest)
	users  map[string]*buyer
	upline *buyer

	reserved, reservedSku       *core.Record // product min_level 2, its SKU
	reservedSkuOnly             *core.Record // SKU min_level 3 of an open product
	early, earlySku             *core.Record // product early_level 2, opens in 2 days
	levelPriced                 *core.Record // SKU 10000 fen, V2 9000, V3 8500
	material0, course2, course3 *core.Record
}

func newPrivilegeShop(t *testing.T) *privilegeShop {
	e := newShop(t)
	p := &privilegeShop{shopEnv: e, tokens: map[string]string{"guest": ""}, users: map[string]*buyer{}}
	for rank, name := range map[int]string{1: "铜牌", 2: "银牌", 3: "金牌"} {
		tests.Save(t, e.app, "distributor_levels", map[string]any{"rank": rank, "name": name + "分销员", "label": fmt.Sprintf("V%d", rank)})
	}
	p.upline = e.buyer("up@test.local", 0, map[string]any{"nickname": "上级"})
	for actor, fields := range map[string]map[string]any{
		"v0":      {"level": 0},
		"v2":      {"level": 2},
		"v3":      {"level": 3},
		"shopper": {"level": 3}, // is_distributor switched off below
	} {
		fields["nickname"] = actor
		fields["referrer"] = p.upline.user.Id
		b := e.buyer(actor+"@test.local", 0, fields)
		p.users[actor], p.tokens[actor] = b, b.token
	}
	if _, err := e.app.DB().Update("users", map[string]any{"is_distributor": false},
		dbx.HashExp{"id": p.users["shopper"].user.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	for actor, b := range p.users {
		if u, err := e.app.FindRecordById("users", b.user.Id); err != nil || u.GetBool("is_distributor") != (actor != "shopper") {
			t.Fatalf("%s: is_distributor = %v (%v)", actor, u.GetBool("is_distributor"), err)
		}
	}

	save := func(collection string, data map[string]any) *core.Record {
		return tests.Save(t, e.app, collection, data)
	}
	p.reserved = save("products", map[string]any{"title": "金骏眉 专享装", "status": "on", "min_level": 2})
	p.reservedSku = save("skus", map[string]any{"product": p.reserved.Id, "price": 30000, "stock": 50, "spec_text": "礼盒"})
	open := save("products", map[string]any{"title": "紫砂壶", "status": "on"})
	save("skus", map[string]any{"product": open.Id, "price": 20000, "stock": 50, "spec_text": "朱泥"})
	p.reservedSkuOnly = save("skus", map[string]any{"product": open.Id, "price": 18000, "stock": 50, "spec_text": "大师款", "min_level": 3})
	p.levelPriced = save("skus", map[string]any{"product": open.Id, "price": 10000, "stock": 50, "spec_text": "段泥",
		"level_prices": []map[string]any{{"level": 3, "price": 8500}, {"level": 2, "price": 9000}}})
	p.early = save("products", map[string]any{"title": "白毫银针 预售", "status": "on", "early_level": 2,
		"public_at": types.NowDateTime().Add(48 * time.Hour)})
	p.earlySku = save("skus", map[string]any{"product": p.early.Id, "price": 16800, "stock": 50, "spec_text": "100g"})

	window := map[string]any{"active": true}
	p.material0 = save("materials", merge(window, map[string]any{"title": "朋友圈文案", "kind": "copy"}))
	p.course2 = save("materials", merge(window, map[string]any{"title": "选品课", "kind": "course", "min_level": 2, "duration_minutes": 45}))
	p.course3 = save("materials", merge(window, map[string]any{"title": "带团队", "kind": "course", "min_level": 3}))
	return p
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// ids lists the ids of a records list answer.
func ids(t *testing.T, res *tests.Response) []string {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("list: %d %s", res.Status, res.Raw)
	}
	items := res.Body["items"].([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.(map[string]any)["id"].(string))
	}
	return out
}

// TestLevelVisibility reads the level-limited catalog and materials as a
// guest, a shopper with a level but no distributor status, and
// distributors of levels 0, 2 and 3, through the records API (list and
// view) and search.
func TestLevelVisibility(t *testing.T) {
	p := newPrivilegeShop(t)
	// what each actor's level unlocks
	rank := map[string]int{"guest": 0, "shopper": 0, "v0": 0, "v2": 2, "v3": 3}
	for _, actor := range []string{"guest", "shopper", "v0", "v2", "v3"} {
		token := p.tokens[actor]
		t.Run(actor, func(t *testing.T) {
			products := ids(t, p.c.Do("GET", "/api/collections/products/records?perPage=100", nil, token))
			if got, want := slices.Contains(products, p.reserved.Id), rank[actor] >= 2; got != want {
				t.Errorf("reserved product listed = %v, want %v", got, want)
			}
			if !slices.Contains(products, p.early.Id) {
				t.Error("the early-access product is not listed")
			}
			view := p.c.Do("GET", "/api/collections/products/records/"+p.reserved.Id, nil, token)
			if got, want := view.Status == http.StatusOK, rank[actor] >= 2; got != want {
				t.Errorf("reserved product view = %d", view.Status)
			}

			skus := ids(t, p.c.Do("GET", "/api/collections/skus/records?perPage=100", nil, token))
			if got, want := slices.Contains(skus, p.reservedSku.Id), rank[actor] >= 2; got != want {
				t.Errorf("SKU of the reserved product listed = %v, want %v", got, want)
			}
			if got, want := slices.Contains(skus, p.reservedSkuOnly.Id), rank[actor] >= 3; got != want {
				t.Errorf("reserved SKU listed = %v, want %v", got, want)
			}
			if !slices.Contains(skus, p.levelPriced.Id) || !slices.Contains(skus, p.earlySku.Id) {
				t.Error("open SKUs missing")
			}
			view = p.c.Do("GET", "/api/collections/skus/records/"+p.reservedSkuOnly.Id, nil, token)
			if got, want := view.Status == http.StatusOK, rank[actor] >= 3; got != want {
				t.Errorf("reserved SKU view = %d", view.Status)
			}

			// search: the reserved product is neither found nor counted, the
			// early one is marked
			res := p.c.Do("GET", "/api/shop/products/search?perPage=100", nil, token)
			if res.Status != http.StatusOK {
				t.Fatalf("search: %d %s", res.Status, res.Raw)
			}
			found := map[string]map[string]any{}
			for _, it := range res.Body["items"].([]any) {
				item := it.(map[string]any)
				found[item["id"].(string)] = item
			}
			if _, got := found[p.reserved.Id]; got != (rank[actor] >= 2) {
				t.Errorf("search finds the reserved product = %v", got)
			}
			if want := len(found); int(res.Body["totalItems"].(float64)) != want {
				t.Errorf("search counts %v, lists %d", res.Body["totalItems"], want)
			}
			early, _ := found[p.early.Id]["early"].(map[string]any)
			if early == nil || early["label"] != "V2" || early["level"].(float64) != 2 || early["opens_at"] == "" {
				t.Errorf("early product in search: %v", found[p.early.Id])
			}
			if q := p.c.Do("GET", "/api/shop/products/search?q="+url.QueryEscape("金骏眉"), nil, token); int(q.Body["totalItems"].(float64)) != map[bool]int{true: 1}[rank[actor] >= 2] {
				t.Errorf("keyword search for the reserved product: %s", q.Raw)
			}

			// materials: distributors only, each from its level up
			res = p.c.Do("GET", "/api/collections/materials/records?perPage=100", nil, token)
			materials := ids(t, res)
			want := map[string]bool{}
			if actor != "guest" && actor != "shopper" {
				want[p.material0.Id] = true
				want[p.course2.Id] = rank[actor] >= 2
				want[p.course3.Id] = rank[actor] >= 3
			}
			for _, m := range []*core.Record{p.material0, p.course2, p.course3} {
				if got := slices.Contains(materials, m.Id); got != want[m.Id] {
					t.Errorf("material %s listed = %v, want %v", m.GetString("title"), got, want[m.Id])
				}
				view := p.c.Do("GET", "/api/collections/materials/records/"+m.Id, nil, token)
				if got := view.Status == http.StatusOK; got != want[m.Id] {
					t.Errorf("material %s view = %d", m.GetString("title"), view.Status)
				}
			}
		})
	}

	// a level raised by the merchant shows at once (the rules read the
	// user's row, not the token)
	v0, _ := p.app.FindRecordById("users", p.users["v0"].user.Id)
	v0.Set("level", 2)
	if err := p.app.Save(v0); err != nil {
		t.Fatal(err)
	}
	if view := p.c.Do("GET", "/api/collections/products/records/"+p.reserved.Id, nil, p.tokens["v0"]); view.Status != http.StatusOK {
		t.Fatalf("reserved product after the upgrade: %d", view.Status)
	}
}

// TestCourseFilesNeedTheLevel: a course's attachments are protected files,
// served only with a file token of a user whose level the view rule lets in.
func TestCourseFilesNeedTheLevel(t *testing.T) {
	p := newPrivilegeShop(t)
	f, err := filesystem.NewFileFromBytes([]byte("%PDF-1.4\n%%EOF\n"), "lesson.pdf")
	if err != nil {
		t.Fatal(err)
	}
	p.course2.Set("attachments", []*filesystem.File{f})
	if err := p.app.Save(p.course2); err != nil {
		t.Fatal(err)
	}
	name := p.course2.GetStringSlice("attachments")[0]
	for actor, want := range map[string]int{"v0": http.StatusNotFound, "v2": http.StatusOK} {
		u, err := p.app.FindRecordById("users", p.users[actor].user.Id)
		if err != nil {
			t.Fatal(err)
		}
		token, err := u.NewFileToken()
		if err != nil {
			t.Fatal(err)
		}
		res := p.c.Do("GET", "/api/files/materials/"+p.course2.Id+"/"+name+"?token="+token, nil, "")
		if res.Status != want {
			t.Errorf("%s downloads the course file: %d, want %d", actor, res.Status, want)
		}
	}
	if res := p.c.Do("GET", "/api/files/materials/"+p.course2.Id+"/"+name, nil, ""); res.Status != http.StatusNotFound {
		t.Errorf("course file without a token: %d", res.Status)
	}
}

// TestLevelCheckout: the cart and checkout refuse what the buyer's level
// may not buy yet, with a stable code, changing nothing; the level price is
// what the cart shows and the order books, fen for fen, with a promotion
// on top; commission is worked out on what was paid and the audit passes.
func TestLevelCheckout(t *testing.T) {
	p := newPrivilegeShop(t)
	v0, v2 := p.users["v0"], p.users["v2"]
	stock := func(sku *core.Record) int {
		r, err := p.app.FindRecordById("skus", sku.Id)
		if err != nil {
			t.Fatal(err)
		}
		return r.GetInt("stock")
	}
	counts := func() [3]int {
		n := [3]int{}
		for i, c := range []string{"cart_items", "orders", "order_items"} {
			m, err := p.app.CountRecords(c)
			if err != nil {
				t.Fatal(err)
			}
			n[i] = int(m)
		}
		return n
	}

	before := counts()
	for _, tc := range []struct {
		who     *buyer
		sku     *core.Record
		status  int
		code    string
		message string
	}{
		{v0, p.reservedSku, http.StatusForbidden, "level_required", "仅限V2（银牌分销员）及以上购买"},
		{v2, p.reservedSkuOnly, http.StatusForbidden, "level_required", "仅限V3（金牌分销员）及以上购买"},
		{p.users["shopper"], p.reservedSku, http.StatusForbidden, "level_required", ""},
		{v0, p.earlySku, http.StatusConflict, "not_yet_on_sale", "V2及以上提前购，"},
	} {
		name := tc.who.user.GetString("nickname") + " " + tc.sku.GetString("spec_text")
		res := p.c.Do("POST", "/api/shop/cart/items", map[string]any{"sku": tc.sku.Id, "quantity": 1}, tc.who.token)
		if res.Status != tc.status || res.Code() != tc.code {
			t.Errorf("%s: cart add = %d %s", name, res.Status, res.Raw)
		}
		res = p.c.Do("POST", "/api/shop/checkout", map[string]any{
			"items": []map[string]any{{"sku": tc.sku.Id, "quantity": 1}}, "address": tc.who.address}, tc.who.token)
		if res.Status != tc.status || res.Code() != tc.code {
			t.Errorf("%s: checkout = %d %s", name, res.Status, res.Raw)
		}
		if msg, _ := res.Body["message"].(string); tc.message != "" && !strings.Contains(msg, tc.message) {
			t.Errorf("%s: message %q lacks %q", name, msg, tc.message)
		}
	}
	if after := counts(); after != before {
		t.Fatalf("refusals changed cart lines, orders or order lines: %v → %v", before, after)
	}
	if stock(p.reservedSku) != 50 || stock(p.earlySku) != 50 || stock(p.reservedSkuOnly) != 50 {
		t.Fatal("a refused checkout took stock")
	}

	// a line already in the cart when the product goes into early access:
	// the cart shows why it is out of the total, checkout from the cart refuses
	openLine := p.c.Do("POST", "/api/shop/cart/items", map[string]any{"sku": p.levelPriced.Id, "quantity": 1}, v0.token)
	if openLine.Status != http.StatusOK {
		t.Fatalf("add: %s", openLine.Raw)
	}
	product, _ := p.app.FindRecordById("products", p.levelPriced.GetString("product"))
	product.Set("early_level", 3)
	product.Set("public_at", types.NowDateTime().Add(time.Hour))
	if err := p.app.Save(product); err != nil {
		t.Fatal(err)
	}
	cart := p.c.Do("GET", "/api/shop/cart", nil, v0.token)
	line := cart.Body["lines"].([]any)[0].(map[string]any)
	if line["status"] != "not_yet_on_sale" || line["in_total"] != false || !strings.Contains(line["note"].(string), "V3及以上提前购") || cart.Body["total"].(float64) != 0 {
		t.Fatalf("cart line of an early product: %s", cart.Raw)
	}
	if res := p.c.Do("POST", "/api/shop/checkout", map[string]any{"address": v0.address}, v0.token); res.Code() != "not_yet_on_sale" {
		t.Fatalf("checkout of the cart: %d %s", res.Status, res.Raw)
	}
	// once it opens, everybody buys it
	product.Set("public_at", types.NowDateTime().Add(-time.Minute))
	if err := p.app.Save(product); err != nil {
		t.Fatal(err)
	}
	if cart := p.c.Do("GET", "/api/shop/cart", nil, v0.token); cart.Body["lines"].([]any)[0].(map[string]any)["status"] != "ok" {
		t.Fatalf("cart after opening: %s", cart.Raw)
	}
	p.c.Do("DELETE", "/api/shop/cart/items/"+openLine.Body["id"].(string), nil, v0.token)

	// the early level buys before the opening
	res := p.c.Do("POST", "/api/shop/checkout", map[string]any{
		"items": []map[string]any{{"sku": p.earlySku.Id, "quantity": 1}}, "address": v2.address}, v2.token)
	if res.Status != http.StatusOK || res.Body["payable"].(float64) != 16800 {
		t.Fatalf("early checkout by V2: %d %s", res.Status, res.Raw)
	}

	// level price with a 9折 promotion on top: the cart and the order agree
	tests.Save(t, p.app, "promotions", map[string]any{"name": "九折", "type": "discount", "discount_mode": "rate",
		"rate_bp": 9000, "scope": "all", "label": "9折", "active": true, "priority": 5,
		"starts_at": types.NowDateTime().Add(-time.Hour), "ends_at": types.NowDateTime().Add(time.Hour)})
	for _, tc := range []struct {
		who   *buyer
		unit  int64
		label string
	}{{v0, 10000, ""}, {v2, 9000, "V2"}, {p.users["v3"], 8500, "V3"}} {
		add := p.c.Do("POST", "/api/shop/cart/items", map[string]any{"sku": p.levelPriced.Id, "quantity": 3}, tc.who.token)
		if add.Status != http.StatusOK {
			t.Fatalf("add: %s", add.Raw)
		}
		cart := p.c.Do("GET", "/api/shop/cart?address="+tc.who.address, nil, tc.who.token)
		line := cart.Body["lines"].([]any)[0].(map[string]any)
		if int64(line["unit_price"].(float64)) != tc.unit || line["price_label"] != tc.label || line["base_price"].(float64) != 10000 {
			t.Fatalf("%s cart line: %v", tc.who.user.GetString("nickname"), line)
		}
		wantGoods := 3 * tc.unit
		wantDiscount := wantGoods - wantGoods*9000/10000
		if goods, discount := int64(cart.Body["goods"].(float64)), int64(cart.Body["discount"].(float64)); goods != wantGoods || discount != wantDiscount {
			t.Fatalf("%s cart: goods %d discount %d, want %d %d", tc.who.user.GetString("nickname"), goods, discount, wantGoods, wantDiscount)
		}
		order := p.c.Do("POST", "/api/shop/checkout", map[string]any{"address": tc.who.address}, tc.who.token)
		if order.Status != http.StatusOK {
			t.Fatalf("checkout: %s", order.Raw)
		}
		for _, k := range []string{"goods", "discount", "shipping", "total"} {
			field := map[string]string{"goods": "goods_amount", "discount": "discount_amount", "shipping": "shipping_fee", "total": "payable"}[k]
			if cart.Body[k] != order.Body[field] {
				t.Errorf("%s: cart %s %v, order %s %v", tc.who.user.GetString("nickname"), k, cart.Body[k], field, order.Body[field])
			}
		}
		orderId := order.Body["id"].(string)
		item, err := p.app.FindFirstRecordByData("order_items", "order", orderId)
		if err != nil || int64(item.GetInt("unit_price")) != tc.unit || item.GetInt("paid_amount") != int(cart.Body["total"].(float64))-int(cart.Body["shipping"].(float64)) {
			t.Fatalf("order line: %v %v", item, err)
		}
		if res := p.pay(tc.who, orderId, "sandbox"); res.Status != http.StatusOK {
			t.Fatalf("pay: %s", res.Raw)
		}
		// commission of the upline (level 0: the shop's 10%) on what was paid
		c, err := p.app.FindFirstRecordByFilter("commissions", "order = {:o} && level = 1", map[string]any{"o": orderId})
		if err != nil {
			t.Fatalf("commission: %v", err)
		}
		if want := item.GetInt("paid_amount") * 1000 / 10000; c.GetInt("amount") != want {
			t.Errorf("%s: commission %d, want %d of %d paid", tc.who.user.GetString("nickname"), c.GetInt("amount"), want, item.GetInt("paid_amount"))
		}
	}
	tests.MustAudit(t, p.app)
}

// TestLevelPricesValidated: a SKU's level prices must be a list of
// distinct levels with prices of 0 or more.
func TestLevelPricesValidated(t *testing.T) {
	p := newPrivilegeShop(t)
	for _, bad := range []any{
		`{"level": 2}`,
		[]map[string]any{{"level": 0, "price": 100}},
		[]map[string]any{{"level": 2, "price": -1}},
		[]map[string]any{{"level": 2, "price": 1}, {"level": 2, "price": 2}},
	} {
		res := p.c.Do("PATCH", "/api/collections/skus/records/"+p.levelPriced.Id, map[string]any{"level_prices": bad}, p.admin)
		if res.Status != http.StatusBadRequest || res.Code() != "level_prices_invalid" {
			t.Errorf("level_prices %v: %d %s", bad, res.Status, res.Raw)
		}
	}
	res := p.c.Do("PATCH", "/api/collections/skus/records/"+p.levelPriced.Id,
		map[string]any{"level_prices": []map[string]any{{"level": 1, "price": 9500}}}, p.admin)
	if res.Status != http.StatusOK {
		t.Fatalf("valid level prices: %d %s", res.Status, res.Raw)
	}
}
