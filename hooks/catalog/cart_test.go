package catalog_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/catalog"
	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

type cartFixture struct {
	app          core.App
	c            *client
	alice, bob   string // tokens
	aliceId      string
	cup, cupBlue *core.Record // two SKUs of one product
	tea          *core.Record // SKU of another product
	offSku       *core.Record // SKU of an off-shelf product
	cupProduct   *core.Record
	zhejiang     *core.Record // alice's address
	xinjiang     *core.Record // alice's address
	bobAddress   *core.Record
}

func newCartFixture(t *testing.T) *cartFixture {
	app, _ := tests.NewShopApp(t)
	f := &cartFixture{app: app}
	alice, aliceToken := tests.User(t, app, "alice@test.local", map[string]any{"nickname": "Alice"})
	bob, bobToken := tests.User(t, app, "bob@test.local", map[string]any{"nickname": "Bob"})
	f.alice, f.bob, f.aliceId = aliceToken, bobToken, alice.Id

	tpl := tests.Save(t, app, "shipping_templates", map[string]any{"name": "按件", "mode": "piece",
		"first_units": 1, "first_fee": 800, "extra_units": 1, "extra_fee": 200, "free_threshold": 20000,
		"regions": []map[string]any{{"provinces": []string{"新疆"}, "first_units": 1, "first_fee": 2000}}})
	var skus []*core.Record
	f.cupProduct, skus = product(t, app, map[string]any{"title": "保温杯", "shipping_template": tpl.Id},
		map[string]any{"price": 5000, "stock": 10, "spec_text": "红"},
		map[string]any{"price": 6000, "stock": 3, "spec_text": "蓝"})
	f.cup, f.cupBlue = skus[0], skus[1]
	_, skus = product(t, app, map[string]any{"title": "茶叶"}, map[string]any{"price": 3000, "stock": 5})
	f.tea = skus[0]
	_, skus = product(t, app, map[string]any{"title": "旧款", "status": "off"}, map[string]any{"price": 100, "stock": 5})
	f.offSku = skus[0]

	f.zhejiang = tests.Save(t, app, "addresses", map[string]any{"user": alice.Id, "name": "A", "phone": "13800000000",
		"province": "浙江省", "detail": "西湖区1号", "is_default": true})
	f.xinjiang = tests.Save(t, app, "addresses", map[string]any{"user": alice.Id, "name": "A", "phone": "13800000000",
		"province": "新疆维吾尔自治区", "detail": "乌鲁木齐1号"})
	f.bobAddress = tests.Save(t, app, "addresses", map[string]any{"user": bob.Id, "name": "B", "phone": "13900000000",
		"province": "浙江省", "detail": "2号"})
	f.c = newClient(t, app)
	return f
}

func (f *cartFixture) add(t *testing.T, token string, sku *core.Record, qty int) string {
	t.Helper()
	status, body := f.c.do("POST", "/api/shop/cart/items", token, map[string]any{"sku": sku.Id, "quantity": qty})
	if status != 200 {
		t.Fatalf("add: %d %v", status, body)
	}
	return body["id"].(string)
}

func (f *cartFixture) cart(t *testing.T, token, query string) map[string]any {
	t.Helper()
	status, body := f.c.do("GET", "/api/shop/cart"+query, token, nil)
	if status != 200 {
		t.Fatalf("cart: %d %v", status, body)
	}
	return body
}

func lines(body map[string]any) []map[string]any {
	lines := body["lines"].([]any)
	out := make([]map[string]any, 0, len(lines))
	for _, l := range lines {
		out = append(out, l.(map[string]any))
	}
	return out
}

func TestCartAddMergeAndPrice(t *testing.T) {
	f := newCartFixture(t)

	cupLine := f.add(t, f.alice, f.cup, 1)
	if again := f.add(t, f.alice, f.cup, 2); again != cupLine {
		t.Fatal("adding the same SKU must merge into its line")
	}
	f.add(t, f.alice, f.tea, 1)

	// default address (浙江): cup 3 × 5000 + tea 3000; cup ships 800 + 2 × 200, tea free
	body := f.cart(t, f.alice, "")
	if body["goods"].(float64) != 18000 || body["shipping"].(float64) != 1200 || body["total"].(float64) != 19200 {
		t.Fatalf("cart totals = %v/%v/%v", body["goods"], body["shipping"], body["total"])
	}
	if body["address"] != f.zhejiang.Id || body["shipping_estimated"] != false {
		t.Fatalf("address = %v, estimated = %v", body["address"], body["shipping_estimated"])
	}
	if len(lines(body)) != 2 {
		t.Fatalf("lines = %v", body["lines"])
	}

	// a 新疆 address uses the region rule (first 2000, no extra)
	body = f.cart(t, f.alice, "?address="+f.xinjiang.Id)
	if body["shipping"].(float64) != 2000 {
		t.Fatalf("新疆 shipping = %v, want 2000", body["shipping"])
	}
	// someone else's address
	status, resp := f.c.do("GET", "/api/shop/cart?address="+f.bobAddress.Id, f.alice, nil)
	if status != 404 || errorCode(resp) != "address_not_found" {
		t.Fatalf("foreign address: %d %v", status, resp)
	}

	// lines that cannot be bought any more are explained and left out
	p := reload(t, f.app, f.cupProduct)
	p.Set("status", "off")
	if err := f.app.Save(p); err != nil {
		t.Fatal(err)
	}
	body = f.cart(t, f.alice, "")
	if l := lineOf(t, body, f.cup.Id); l["status"] != "off_shelf" || l["in_total"] != false {
		t.Fatalf("off-shelf line = %v", l)
	}
	if body["goods"].(float64) != 3000 || body["shipping"].(float64) != 0 {
		t.Fatalf("totals without the off-shelf line = %v/%v", body["goods"], body["shipping"])
	}
	p.Set("status", "on")
	if err := f.app.Save(p); err != nil {
		t.Fatal(err)
	}
	sku := reload(t, f.app, f.cup)
	sku.Set("stock", 2)
	if err := f.app.Save(sku); err != nil {
		t.Fatal(err)
	}
	if l := lineOf(t, f.cart(t, f.alice, ""), f.cup.Id); l["status"] != "insufficient_stock" || l["available"].(float64) != 2 {
		t.Fatalf("short line = %v", l)
	}
}

// lineOf returns the cart line of sku, failing the test when there is none.
func lineOf(t *testing.T, cart map[string]any, sku string) map[string]any {
	t.Helper()
	for _, l := range lines(cart) {
		if l["sku"] == sku {
			return l
		}
	}
	t.Fatalf("no cart line for SKU %s in %v", sku, cart["lines"])
	return nil
}

func TestCartBadInput(t *testing.T) {
	f := newCartFixture(t)
	f.add(t, f.alice, f.cup, 1)

	scenarios := []struct {
		name   string
		token  string
		body   any
		status int
		code   string
	}{
		{"guest", "", map[string]any{"sku": f.cup.Id, "quantity": 1}, 401, ""},
		{"unknown sku", f.alice, map[string]any{"sku": "nosuchsku000000", "quantity": 1}, 404, "sku_not_found"},
		{"malformed sku", f.alice, map[string]any{"sku": "../x", "quantity": 1}, 400, "invalid_id"},
		{"zero quantity", f.alice, map[string]any{"sku": f.cup.Id, "quantity": 0}, 400, "invalid_quantity"},
		{"negative quantity", f.alice, map[string]any{"sku": f.cup.Id, "quantity": -3}, 400, "invalid_quantity"},
		{"too many", f.alice, map[string]any{"sku": f.cup.Id, "quantity": 1000}, 400, "invalid_quantity"},
		{"fractional quantity", f.alice, `{"sku":"` + f.cup.Id + `","quantity":1.5}`, 400, "invalid_body"},
		{"off shelf", f.alice, map[string]any{"sku": f.offSku.Id, "quantity": 1}, 409, "product_off_shelf"},
		{"more than in stock, merged", f.alice, map[string]any{"sku": f.cup.Id, "quantity": 10}, 409, "insufficient_stock"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			status, body := f.c.do("POST", "/api/shop/cart/items", s.token, s.body)
			if status != s.status || (s.code != "" && errorCode(body) != s.code) {
				t.Fatalf("got %d %v, want %d %s", status, body, s.status, s.code)
			}
		})
	}
	if n := count(t, f.app, "cart_items", ""); n != 1 {
		t.Fatalf("cart lines = %d, want 1 (nothing changed)", n)
	}
	if got := lines(f.cart(t, f.alice, ""))[0]["quantity"].(float64); got != 1 {
		t.Fatalf("quantity = %v, want 1", got)
	}
}

func TestCartUpdateRemoveSelect(t *testing.T) {
	f := newCartFixture(t)
	red := f.add(t, f.alice, f.cup, 1)
	blue := f.add(t, f.alice, f.cupBlue, 1)
	tea := f.add(t, f.alice, f.tea, 1)
	bobs := f.add(t, f.bob, f.tea, 1)

	// quantity and selection
	status, body := f.c.do("PATCH", "/api/shop/cart/items/"+red, f.alice, map[string]any{"quantity": 4, "selected": false})
	if status != 200 || body["quantity"].(float64) != 4 || body["selected"] != false {
		t.Fatalf("patch: %d %v", status, body)
	}
	if status, body = f.c.do("PATCH", "/api/shop/cart/items/"+red, f.alice, map[string]any{"quantity": 11}); status != 409 {
		t.Fatalf("patch over stock: %d %v", status, body)
	}
	if status, body = f.c.do("PATCH", "/api/shop/cart/items/"+red, f.alice, map[string]any{"quantity": 0}); status != 400 {
		t.Fatalf("patch to 0: %d %v", status, body)
	}

	// switching to a spec already in the cart merges the lines (4 red + 1 blue > 3 blue in stock)
	if status, body = f.c.do("PATCH", "/api/shop/cart/items/"+red, f.alice, map[string]any{"sku": f.cupBlue.Id}); status != 409 {
		t.Fatalf("switch over stock: %d %v", status, body)
	}
	status, body = f.c.do("PATCH", "/api/shop/cart/items/"+red, f.alice, map[string]any{"sku": f.cupBlue.Id, "quantity": 2})
	if status != 200 || body["id"] != blue || body["quantity"].(float64) != 3 {
		t.Fatalf("switch with merge: %d %v", status, body)
	}
	if status, _ = f.c.do("PATCH", "/api/shop/cart/items/"+red, f.alice, map[string]any{"quantity": 1}); status != 404 {
		t.Fatalf("the merged line must be gone: %d", status)
	}
	// another product's SKU is not a spec switch
	if status, body = f.c.do("PATCH", "/api/shop/cart/items/"+blue, f.alice, map[string]any{"sku": f.tea.Id}); status != 400 || errorCode(body) != "sku_product_mismatch" {
		t.Fatalf("switch to another product: %d %v", status, body)
	}

	// someone else's line: not found, untouched
	for _, req := range []struct{ method, url string }{
		{"PATCH", "/api/shop/cart/items/" + bobs},
		{"DELETE", "/api/shop/cart/items/" + bobs},
	} {
		status, body := f.c.do(req.method, req.url, f.alice, map[string]any{"quantity": 2})
		if status != 404 || errorCode(body) != "cart_item_not_found" {
			t.Fatalf("%s foreign line: %d %v", req.method, status, body)
		}
	}
	if r, err := f.app.FindRecordById("cart_items", bobs); err != nil || r.GetInt("quantity") != 1 {
		t.Fatalf("bob's line changed: %v %v", r, err)
	}
	if status, _ := f.c.do("DELETE", "/api/shop/cart/items/bad%20id", f.alice, nil); status != 404 {
		t.Fatalf("malformed id: %d", status)
	}

	// select: foreign ids fail the whole request
	status, body = f.c.do("POST", "/api/shop/cart/select", f.alice, map[string]any{"ids": []string{tea, bobs}, "selected": false})
	if status != 404 {
		t.Fatalf("select with a foreign id: %d %v", status, body)
	}
	if r, _ := f.app.FindRecordById("cart_items", tea); !r.GetBool("selected") {
		t.Fatal("a refused select changed a line")
	}
	if status, body = f.c.do("POST", "/api/shop/cart/select", f.alice, map[string]any{"ids": []string{tea}}); status != 400 {
		t.Fatalf("select without selected: %d %v", status, body)
	}
	status, body = f.c.do("POST", "/api/shop/cart/select", f.alice, map[string]any{"selected": false})
	if status != 200 || body["goods"].(float64) != 0 {
		t.Fatalf("deselect all: %d %v", status, body)
	}
	status, body = f.c.do("POST", "/api/shop/cart/select", f.alice, map[string]any{"ids": []string{tea}, "selected": true})
	if status != 200 || body["goods"].(float64) != 3000 {
		t.Fatalf("select one: %d %v", status, body)
	}

	// remove
	if status, _ := f.c.do("DELETE", "/api/shop/cart/items/"+tea, f.alice, nil); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	if n := len(lines(f.cart(t, f.alice, ""))); n != 1 {
		t.Fatalf("lines after delete = %d, want 1", n)
	}
}

func TestCartShareAndImport(t *testing.T) {
	f := newCartFixture(t)
	sharer, err := f.app.FindRecordById("users", f.aliceId)
	if err != nil {
		t.Fatal(err)
	}
	inviteCode := sharer.GetString("invite_code")

	cup := f.add(t, f.alice, f.cup, 2)
	f.add(t, f.alice, f.tea, 1)
	f.c.do("POST", "/api/shop/cart/select", f.alice, map[string]any{"ids": []string{cup}, "selected": false})

	status, body := f.c.do("POST", "/api/shop/cart/share", f.alice, nil)
	if status != 200 {
		t.Fatalf("share: %d %v", status, body)
	}
	code := body["code"].(string)
	if len(code) != 8 || body["path"] != "/api/shop/cart/share/"+code {
		t.Fatalf("share = %v", body)
	}

	// anyone with the code can look, signed in or not: prices and stock,
	// nothing personal of the sharer beyond what a share poster shows
	status, body = f.c.do("GET", "/api/shop/cart/share/"+code, "", nil)
	if status != 200 || body["nickname"] != "Alice" || body["invite_code"] != inviteCode {
		t.Fatalf("guest view: %d %v", status, body)
	}
	if guest := lines(body["cart"].(map[string]any)); len(guest) != 1 || guest[0]["sku"] != f.tea.Id ||
		guest[0]["unit_price"].(float64) != 3000 || guest[0]["available"].(float64) <= 0 || guest[0]["status"] != "ok" {
		t.Fatalf("guest view lines = %v", guest)
	}
	raw, _ := json.Marshal(body)
	for _, private := range []string{f.aliceId, sharer.GetString("email")} {
		if strings.Contains(string(raw), private) {
			t.Fatalf("guest view shows %q: %s", private, raw)
		}
	}
	// importing needs an account
	if status, _ := f.c.do("POST", "/api/shop/cart/share/"+code+"/import", "", nil); status != 401 {
		t.Fatalf("guest import: %d", status)
	}
	status, body = f.c.do("GET", "/api/shop/cart/share/"+code, f.bob, nil)
	if status != 200 || body["nickname"] != "Alice" || body["invite_code"] != inviteCode {
		t.Fatalf("view: %d %v", status, body)
	}
	shared := lines(body["cart"].(map[string]any))
	if len(shared) != 1 || shared[0]["sku"] != f.tea.Id || shared[0]["unit_price"].(float64) != 3000 {
		t.Fatalf("shared lines = %v", shared)
	}
	if status, body = f.c.do("GET", "/api/shop/cart/share/nosuchcode", f.bob, nil); status != 404 || errorCode(body) != "share_not_found" {
		t.Fatalf("unknown code: %d %v", status, body)
	}

	// import merges into bob's cart
	f.add(t, f.bob, f.tea, 2)
	status, body = f.c.do("POST", "/api/shop/cart/share/"+code+"/import", f.bob, nil)
	if status != 200 || body["imported"].(float64) != 1 {
		t.Fatalf("import: %d %v", status, body)
	}
	// bob had no upline: the share binds him to alice (first_wins)
	if bob, err := f.app.FindFirstRecordByData("users", "email", "bob@test.local"); err != nil || bob.GetString("referrer") != f.aliceId {
		t.Fatalf("bob's referrer = %q, want alice (%v)", bob.GetString("referrer"), err)
	}
	bobLines := lines(f.cart(t, f.bob, ""))
	if len(bobLines) != 1 || bobLines[0]["quantity"].(float64) != 3 {
		t.Fatalf("bob's cart = %v", bobLines)
	}

	// an off-shelf line is skipped, the import still succeeds
	p, err := f.app.FindRecordById("products", f.tea.GetString("product"))
	if err != nil {
		t.Fatal(err)
	}
	p.Set("status", "off")
	if err := f.app.Save(p); err != nil {
		t.Fatal(err)
	}
	status, body = f.c.do("POST", "/api/shop/cart/share/"+code+"/import", f.bob, nil)
	skipped, _ := body["skipped"].([]any)
	if status != 200 || body["imported"].(float64) != 0 || len(skipped) != 1 {
		t.Fatalf("import of an off-shelf line: %d %v", status, body)
	}

	// expired
	share, err := f.app.FindFirstRecordByData("cart_shares", "code", code)
	if err != nil {
		t.Fatal(err)
	}
	share.Set("expires_at", "2020-01-01 00:00:00.000Z")
	if err := f.app.Save(share); err != nil {
		t.Fatal(err)
	}
	if status, body = f.c.do("POST", "/api/shop/cart/share/"+code+"/import", f.bob, nil); status != 410 {
		t.Fatalf("expired import: %d %v", status, body)
	}

	// nothing selected: nothing to share
	f.c.do("POST", "/api/shop/cart/select", f.bob, map[string]any{"selected": false})
	if status, body = f.c.do("POST", "/api/shop/cart/share", f.bob, nil); status != 400 || errorCode(body) != "cart_share_empty" {
		t.Fatalf("empty share: %d %v", status, body)
	}
}

// TestCartAddAcrossSale: adding to the cart checks the SKU before the
// write transaction; what a sale committed in between changed (the stock,
// the shelf) still refuses the add as if it had all been read in it.
func TestCartAddAcrossSale(t *testing.T) {
	app, s := tests.NewShopApp(t)
	user, _ := tests.User(t, app, "alice@test.local", nil)
	scenarios := []struct {
		name    string
		qty     int
		between func(sku, product *core.Record)
		code    string
	}{
		{"nothing changed", 3, func(_, _ *core.Record) {}, ""},
		{"sold out", 1, func(sku, _ *core.Record) {
			if err := catalog.DecrementStock(app, sku.Id, 5); err != nil {
				t.Fatal(err)
			}
		}, "out_of_stock"},
		{"fewer left", 3, func(sku, _ *core.Record) {
			if err := catalog.DecrementStock(app, sku.Id, 3); err != nil {
				t.Fatal(err)
			}
		}, "insufficient_stock"},
		{"taken off the shelf", 1, func(_, product *core.Record) {
			product.Set("status", catalog.StatusOff)
			if err := app.Save(product); err != nil {
				t.Fatal(err)
			}
		}, "product_off_shelf"},
		{"sku deleted", 1, func(sku, _ *core.Record) {
			if err := app.Delete(sku); err != nil {
				t.Fatal(err)
			}
		}, "sku_not_found"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			p, skus := product(t, app, map[string]any{"title": sc.name}, map[string]any{"price": 100, "stock": 5})
			item, err := catalog.AddToCartAcross(app, s, user, skus[0].Id, sc.qty, func() { sc.between(skus[0], p) })
			var shopErr *shop.Error
			switch {
			case sc.code == "" && err != nil:
				t.Fatalf("add: %v", err)
			case sc.code == "":
				if item.GetInt("quantity") != sc.qty {
					t.Fatalf("quantity = %d, want %d", item.GetInt("quantity"), sc.qty)
				}
			case !errors.As(err, &shopErr) || shopErr.Code != sc.code:
				t.Fatalf("add: %v, want %s", err, sc.code)
			default:
				if n := count(t, app, "cart_items", "sku = '"+skus[0].Id+"'"); n != 0 {
					t.Fatalf("cart lines of the SKU = %d, want 0", n)
				}
			}
		})
	}
}

// The cart lists its lines newest first, and so does every read of it.
func TestCartLinesNewestFirst(t *testing.T) {
	f := newCartFixture(t)
	for _, sku := range []*core.Record{f.cup, f.tea, f.cupBlue} {
		f.add(t, f.alice, sku, 1)
		time.Sleep(3 * time.Millisecond) // created has millisecond precision
	}
	cart := lines(f.cart(t, f.alice, ""))
	got := make([]string, 0, len(cart))
	for _, l := range cart {
		got = append(got, l["sku"].(string))
	}
	want := []string{f.cupBlue.Id, f.tea.Id, f.cup.Id}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("cart lines %v, want newest first %v", got, want)
	}
}

// A cart holds at most MaxCartLines lines (100 by default): a new SKU
// past that is refused with 409 cart_full and adds nothing, while more
// units of a SKU already in the cart are still taken.
func TestCartFull(t *testing.T) {
	f := newCartFixture(t)
	f.add(t, f.alice, f.tea, 1)
	// 99 more lines, written directly: the cart is full
	for i := range 99 {
		if _, err := f.app.DB().NewQuery("INSERT INTO cart_items (id, user, sku, quantity, selected, created, updated) " +
			"VALUES ({:id}, {:u}, {:sku}, 1, 1, '', '')").Bind(map[string]any{
			"id": shop.NewId(), "u": f.aliceId, "sku": "fakesku" + strings.Repeat("0", 6) + string(rune('a'+i/26)) + string(rune('a'+i%26)),
		}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	status, body := f.c.do("POST", "/api/shop/cart/items", f.alice, map[string]any{"sku": f.cup.Id, "quantity": 1})
	if status != 409 || errorCode(body) != "cart_full" {
		t.Fatalf("the 101st line: %d %v", status, body)
	}
	var n int
	if err := f.app.DB().NewQuery("SELECT COUNT(*) FROM cart_items WHERE user = {:u}").Bind(map[string]any{"u": f.aliceId}).Row(&n); err != nil || n != 100 {
		t.Fatalf("lines after the refusal: %d, %v", n, err)
	}
	f.add(t, f.alice, f.tea, 1)
	// another buyer's cart is their own
	f.add(t, f.bob, f.cup, 1)
}
