package orders_test

import (
	"testing"

	"fenxiao/tests"
)

// The buyer who loses the last unit reads out_of_stock, also after the
// catalog has taken the sold-out product off the shelf; a product an admin
// took off still answers product_off_shelf.
func TestSoldOutAnswersOutOfStockAfterAutoDelist(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := tests.Save(t, f.app, "products", map[string]any{"title": "最后一件", "status": "on"})
	sku := tests.Save(t, f.app, "skus", map[string]any{"product": p.Id, "price": 100, "stock": 1})
	f.checkout(t, sku, 1)
	if got := reload(t, f.app, "products", p.Id); got.GetString("status") != "off" || got.GetString("off_reason") != "sold_out" {
		t.Fatalf("product after the last unit: status=%q off_reason=%q", got.GetString("status"), got.GetString("off_reason"))
	}

	for _, tc := range []struct {
		name, path string
		body       map[string]any
	}{
		{"checkout", "/api/shop/checkout", map[string]any{"address": f.addr.Id, "items": []map[string]any{{"sku": sku.Id, "quantity": 1}}}},
		{"add to cart", "/api/shop/cart/items", map[string]any{"sku": sku.Id, "quantity": 1}},
	} {
		res := f.c.Do("POST", tc.path, tc.body, f.token)
		if res.Status != 409 || res.Code() != "out_of_stock" {
			t.Errorf("%s of a sold-out product: %d %s", tc.name, res.Status, res.Raw)
		}
	}

	// an admin takes it off by hand: now the shelf is the reason
	manual := tests.Save(t, f.app, "products", map[string]any{"title": "停售", "status": "on"})
	msku := tests.Save(t, f.app, "skus", map[string]any{"product": manual.Id, "price": 100, "stock": 0})
	manual = reload(t, f.app, "products", manual.Id)
	manual.Set("status", "off")
	manual.Set("off_reason", "manual")
	if err := f.app.Save(manual); err != nil {
		t.Fatal(err)
	}
	res := f.c.Do("POST", "/api/shop/checkout", map[string]any{"address": f.addr.Id,
		"items": []map[string]any{{"sku": msku.Id, "quantity": 1}}}, f.token)
	if res.Status != 409 || res.Code() != "product_off_shelf" {
		t.Fatalf("checkout of a product taken off by hand: %d %s", res.Status, res.Raw)
	}
}
