package coupon_test

import (
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/plugins/sharing"
	"fenxiao/tests"
)

// TestDistributorCode: a distributor picks a code; a buyer who enters it
// (in any case) gets the code's coupon, is bound to the distributor, and
// their paid order with that coupon counts as a conversion of the code in
// the distributor's link statistics. A buyer bound elsewhere keeps their
// upline and still gets the coupon. Unknown, switched-off and own codes,
// taken codes and non-distributors are refused with their codes and
// change nothing; the audit passes.
func TestDistributorCode(t *testing.T) {
	f := newFixture(t, func(app core.App) { sharing.MustRegister(app, sharing.Config{}) })
	dist, distToken := tests.User(t, f.app, "dist@test.local", map[string]any{"is_distributor": true, "nickname": "王芳"})
	_, rivalToken := tests.User(t, f.app, "rival@test.local", map[string]any{"is_distributor": true})
	other, _ := tests.User(t, f.app, "other@test.local", map[string]any{"is_distributor": true})
	bound, boundToken := tests.User(t, f.app, "bound@test.local", map[string]any{"referrer": other.Id})

	expect := func(res *tests.Response, status int, code string) {
		t.Helper()
		if res.Status != status || (code != "" && res.Code() != code) {
			t.Fatalf("want %d %s, got %d %s", status, code, res.Status, res.Raw)
		}
	}

	// no template for codes: codes are off
	expect(f.c.Do("POST", "/api/shop/coupons/code", map[string]any{"code": "wang2026"}, distToken), 409, "coupon_codes_off")
	tpl := f.template(map[string]any{"name": "分销商专享立减5元", "off": 500, "threshold": 0, "claimable": false, "for_codes": true})

	expect(f.c.Do("POST", "/api/shop/coupons/code", map[string]any{"code": "wang 2026"}, distToken), 400, "coupon_code_invalid")
	res := f.c.Do("POST", "/api/shop/coupons/code", map[string]any{"code": "wang2026"}, distToken)
	expect(res, 200, "")
	if res.Body["code"] != "WANG2026" || res.Body["enabled"] != true {
		t.Fatalf("own code: %s", res.Raw)
	}
	expect(f.c.Do("POST", "/api/shop/coupons/code", map[string]any{"code": "Wang2026"}, rivalToken), 409, "coupon_code_taken")
	plain, plainToken := tests.User(t, f.app, "plain@test.local", nil)
	plain.Set("is_distributor", false) // an admin revoked it
	if err := f.app.Save(plain); err != nil {
		t.Fatal(err)
	}
	expect(f.c.Do("POST", "/api/shop/coupons/code", map[string]any{}, plainToken), 403, "coupon_code_not_distributor")
	res = f.c.Do("POST", "/api/shop/coupons/code", map[string]any{}, rivalToken)
	expect(res, 200, "")
	if code, _ := res.Body["code"].(string); len(code) != 8 {
		t.Fatalf("generated code: %s", res.Raw)
	}

	// refusals change nothing
	expect(f.c.Do("POST", "/api/shop/coupons/code/apply", map[string]any{"code": "wang2026"}, distToken), 409, "coupon_code_own")
	expect(f.c.Do("POST", "/api/shop/coupons/code/apply", map[string]any{"code": "NOSUCH99"}, f.token), 404, "coupon_code_not_found")
	expect(f.c.Do("POST", "/api/shop/coupons/code/apply", map[string]any{"code": ""}, f.token), 400, "coupon_code_required")
	if n, _ := f.app.CountRecords("user_coupons"); n != 0 {
		t.Fatalf("%d coupons after refusals", n)
	}

	// the buyer enters it in lower case: coupon and binding
	res = f.c.Do("POST", "/api/shop/coupons/code/apply", map[string]any{"code": " wang2026 "}, f.token)
	expect(res, 200, "")
	coupon := res.Body["coupon"].(map[string]any)
	if res.Body["bound"] != true || coupon["source"] != "code" || coupon["code"] != "WANG2026" || coupon["template"] != tpl {
		t.Fatalf("apply: %s", res.Raw)
	}
	buyer := f.reload("users", f.buyer.Id)
	if buyer.GetString("referrer") != dist.Id || buyer.GetString("bound_source") != "coupon_code" || buyer.GetString("bound_scene") != "WANG2026" {
		t.Fatalf("buyer bound to %q by %q/%q", buyer.GetString("referrer"), buyer.GetString("bound_source"), buyer.GetString("bound_scene"))
	}

	// the order with the code's coupon gets its 5 yuan off and is paid
	f.addToCart(f.token, f.tea, 1)
	res = f.checkout(map[string]any{"coupon": coupon["id"]})
	expect(res, 200, "")
	orderId := res.Body["id"].(string)
	if order := f.reload("orders", orderId); order.GetInt("coupon_amount") != 500 || order.GetInt("payable") != 7500 {
		t.Fatalf("order coupon %d payable %d, want 500 and 7500", order.GetInt("coupon_amount"), order.GetInt("payable"))
	}
	expect(f.c.Do("POST", "/api/shop/orders/"+orderId+"/pay", map[string]any{"method": "sandbox"}, f.token), 200, "")

	// the distributor's statistics: the code's link has the sign-up and the order
	res = f.c.Do("GET", "/api/shop/distribution/stats", nil, distToken)
	expect(res, 200, "")
	links := res.Body["links"].([]any)
	if len(links) != 1 {
		t.Fatalf("stats links: %s", res.Raw)
	}
	l := links[0].(map[string]any)
	if l["channel"] != "coupon_code" || l["signups"] != 1.0 || l["paid_orders"] != 1.0 || l["paid_amount"] != 7500.0 {
		t.Fatalf("coupon-code link stats: %v", l)
	}

	// already bound (first_wins): keeps the upline, still gets the coupon
	res = f.c.Do("POST", "/api/shop/coupons/code/apply", map[string]any{"code": "WANG2026"}, boundToken)
	expect(res, 200, "")
	if res.Body["bound"] != false || res.Body["bind_refused"] != "referral_already_bound" {
		t.Fatalf("bound buyer: %s", res.Raw)
	}
	if f.reload("users", bound.Id).GetString("referrer") != other.Id {
		t.Fatal("an already bound buyer was re-bound")
	}

	// the merchant switches the code off in the dashboard
	code, err := f.app.FindFirstRecordByData("coupon_codes", "code", "WANG2026")
	if err != nil {
		t.Fatal(err)
	}
	expect(f.c.Do("PATCH", "/api/collections/coupon_codes/records/"+code.Id, map[string]any{"active": false}, f.admin), 200, "")
	_, lateToken := tests.User(t, f.app, "late@test.local", nil)
	expect(f.c.Do("POST", "/api/shop/coupons/code/apply", map[string]any{"code": "WANG2026"}, lateToken), 409, "coupon_code_disabled")
	res = f.c.Do("GET", "/api/shop/coupons/code", nil, distToken)
	if res.Body["active"] != false || res.Body["enabled"] != false {
		t.Fatalf("switched-off code: %s", res.Raw)
	}
	// a buyer cannot edit codes through the collection API
	expect(f.c.Do("PATCH", "/api/collections/coupon_codes/records/"+code.Id, map[string]any{"active": true}, distToken), 403, "")

	if n, _ := f.app.CountRecords("user_coupons", dbx.HashExp{"source": "code"}); n != 2 {
		t.Fatalf("%d coupons from codes, want 2", n)
	}
	tests.MustAudit(t, f.app)
}
