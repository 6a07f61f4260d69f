package promotion_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/tests"
)

// cartLines returns the cart view's selected lines as sku → [discount, paid].
func cartLines(t *testing.T, f *fixture, token string) map[string][2]int64 {
	t.Helper()
	lines := map[string][2]int64{}
	for _, raw := range f.cart(token).Body["lines"].([]any) {
		l := raw.(map[string]any)
		if l["in_total"] == true {
			lines[str(l["sku"])] = [2]int64{num(l["discount"]), num(l["paid"])}
		}
	}
	return lines
}

// checkoutCart buys the cart's selected lines and returns the order's lines
// as sku → [discount, paid].
func checkoutCart(t *testing.T, f *fixture, token string, addr *core.Record) map[string][2]int64 {
	t.Helper()
	res := f.c.Do("POST", "/api/shop/checkout", map[string]any{"address": addr.Id}, token)
	if res.Status != 200 {
		t.Fatalf("checkout: %d %s", res.Status, res.Raw)
	}
	lines := map[string][2]int64{}
	for _, it := range f.items(res.Body["id"].(string)) {
		if !it.GetBool("is_gift") {
			lines[it.GetString("sku")] = [2]int64{int64(it.GetInt("discount_amount")), int64(it.GetInt("paid_amount"))}
		}
	}
	return lines
}

// TestCartAndOrderSplitTiesAlike is issue 21: two lines of 6000 fen tie in
// the split of 满100减20.01; the cart and the order give the extra fen to
// the same line.
func TestCartAndOrderSplitTiesAlike(t *testing.T) {
	f := newFixture(t)
	cat := f.save("categories", map[string]any{"name": "文具", "is_active": true})
	skus := make([]*core.Record, 0, 2)
	for i := range 2 {
		p := f.save("products", map[string]any{"title": fmt.Sprintf("笔记本%d", i+1), "status": "on", "category": cat.Id})
		skus = append(skus, f.save("skus", map[string]any{"product": p.Id, "price": 6000, "stock": 10}))
	}
	f.promo(map[string]any{"scope": "categories", "categories": []string{cat.Id},
		"tiers": []map[string]any{{"threshold": 10000, "off": 2001}}})
	f.addToCart(f.token, skus[0], 1)
	f.addToCart(f.token, skus[1], 1)

	shown := cartLines(t, f, f.token)
	booked := checkoutCart(t, f, f.token, f.addr)
	if fmt.Sprint(shown) != fmt.Sprint(booked) {
		t.Fatalf("cart showed %v, order booked %v", shown, booked)
	}
	a, b := shown[skus[0].Id][0], shown[skus[1].Id][0]
	if a+b != 2001 || a == b {
		t.Fatalf("expected 1000 and 1001 off, got %d and %d", a, b)
	}
}

// TestCartEqualsOrderOnRandomCarts: over random carts (products, prices,
// quantities, the order they were added in, which lines are selected, and
// promotions), every line the cart shows is the line the order books.
func TestCartEqualsOrderOnRandomCarts(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewPCG(21, 17))
	cats := []*core.Record{
		f.save("categories", map[string]any{"name": "甲", "is_active": true}),
		f.save("categories", map[string]any{"name": "乙", "is_active": true}),
	}
	skus := make([]*core.Record, 0, 8)
	for i := range 8 {
		p := f.save("products", map[string]any{"title": fmt.Sprintf("商品%d", i), "status": "on",
			"category": cats[i%2].Id})
		// few distinct prices so that remainders tie often
		price := []int{999, 3000, 3333, 6000}[rng.IntN(4)]
		skus = append(skus, f.save("skus", map[string]any{"product": p.Id, "price": price, "stock": 100000}))
	}
	f.promo(map[string]any{"scope": "categories", "categories": []string{cats[0].Id}, "stackable": true,
		"tiers": []map[string]any{{"threshold": 5000, "off": 1001}, {"threshold": 12000, "off": 2999}}})
	f.promo(map[string]any{"name": "全场", "stackable": true, "repeat": true,
		"tiers": []map[string]any{{"threshold": 7000, "off": 701}}})
	f.promo(map[string]any{"name": "九折", "type": "discount", "discount_mode": "rate", "rate_bp": 9000,
		"scope": "categories", "categories": []string{cats[1].Id}, "stackable": true, "tiers": nil})

	for round := range 25 {
		user, token := tests.User(t, f.app, fmt.Sprintf("r%d@test.local", round), nil)
		addr := f.save("addresses", map[string]any{"user": user.Id, "name": "李四",
			"phone": "13900000000", "province": "江苏省", "detail": "1号"})
		picked := rng.Perm(len(skus))[:2+rng.IntN(5)]
		for _, k := range picked {
			f.addToCart(token, skus[k], 1+rng.IntN(3))
		}
		// unselect one line now and then; it must stay out of both
		if rng.IntN(3) == 0 {
			lines := f.cart(token).Body["lines"].([]any)
			id := lines[rng.IntN(len(lines))].(map[string]any)["id"]
			if res := f.c.Do("POST", "/api/shop/cart/select", map[string]any{"ids": []any{id}, "selected": false}, token); res.Status != 200 {
				t.Fatalf("select: %d %s", res.Status, res.Raw)
			}
		}
		shown := cartLines(t, f, token)
		booked := checkoutCart(t, f, token, addr)
		if fmt.Sprint(shown) != fmt.Sprint(booked) {
			t.Fatalf("round %d: cart showed %v, order booked %v", round, shown, booked)
		}
	}
}
