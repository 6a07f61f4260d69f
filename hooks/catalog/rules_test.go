package catalog_test

import (
	"testing"
)

// TestCatalogAPIRules checks the collection API rules over REST: guests and
// buyers read on-shelf catalog data only, nobody but a superuser writes it,
// and cart lines are private to their owner.
func TestCatalogAPIRules(t *testing.T) {
	f := newCartFixture(t)
	aliceLine := f.add(t, f.alice, f.cup, 1)
	offProduct := f.offSku.GetString("product")

	// on-shelf data is public; off-shelf products and their SKUs are hidden
	for _, token := range []string{"", f.alice} {
		status, body := f.c.do("GET", "/api/collections/products/records?perPage=100", token, nil)
		if status != 200 {
			t.Fatalf("list products: %d %v", status, body)
		}
		for _, item := range body["items"].([]any) {
			if p := item.(map[string]any); p["id"] == offProduct || p["status"] != "on" {
				t.Fatalf("product list shows an off-shelf product: %v", p)
			}
		}
		if n := body["totalItems"].(float64); n != 2 {
			t.Fatalf("on-shelf products listed = %v, want 2", n)
		}
		if status, _ := f.c.do("GET", "/api/collections/products/records/"+offProduct, token, nil); status != 404 {
			t.Fatalf("off-shelf product view = %d, want 404", status)
		}
		if status, _ := f.c.do("GET", "/api/collections/skus/records/"+f.offSku.Id, token, nil); status != 404 {
			t.Fatalf("off-shelf SKU view = %d, want 404", status)
		}
		if status, _ := f.c.do("GET", "/api/collections/skus/records/"+f.cup.Id, token, nil); status != 200 {
			t.Fatalf("on-shelf SKU view = %d, want 200", status)
		}
	}

	// catalog writes are for superusers only
	for _, tc := range []struct{ method, url string }{
		{"POST", "/api/collections/products/records"},
		{"PATCH", "/api/collections/products/records/" + f.cupProduct.Id},
		{"PATCH", "/api/collections/skus/records/" + f.cup.Id},
		{"DELETE", "/api/collections/skus/records/" + f.cup.Id},
		{"POST", "/api/collections/categories/records"},
		{"POST", "/api/collections/brands/records"},
		{"POST", "/api/collections/shipping_templates/records"},
	} {
		status, _ := f.c.do(tc.method, tc.url, f.alice, map[string]any{"title": "x", "name": "x", "price": 1, "stock": 999})
		if status < 400 || status >= 500 {
			t.Fatalf("%s %s by a buyer = %d, want 4xx", tc.method, tc.url, status)
		}
	}
	if sku := reload(t, f.app, f.cup); sku.GetInt("price") != 5000 || sku.GetInt("stock") != 10 {
		t.Fatalf("a buyer's write changed the SKU: price %d stock %d", sku.GetInt("price"), sku.GetInt("stock"))
	}

	// cart lines: the owner sees theirs, nobody else does, and nobody edits
	// them around the cart routes (which re-check stock and shelf)
	if status, _ := f.c.do("GET", "/api/collections/cart_items/records/"+aliceLine, f.alice, nil); status != 200 {
		t.Fatalf("owner view of the cart line = %d", status)
	}
	if status, _ := f.c.do("GET", "/api/collections/cart_items/records/"+aliceLine, f.bob, nil); status != 404 {
		t.Fatalf("someone else's cart line view = %d, want 404", status)
	}
	status, body := f.c.do("GET", "/api/collections/cart_items/records", f.bob, nil)
	if status != 200 || body["totalItems"].(float64) != 0 {
		t.Fatalf("bob lists %v cart lines (status %d), want 0", body["totalItems"], status)
	}
	if status, _ := f.c.do("PATCH", "/api/collections/cart_items/records/"+aliceLine, f.alice, map[string]any{"quantity": 500}); status < 400 || status >= 500 {
		t.Fatalf("direct cart line update = %d, want 4xx", status)
	}
	if status, _ := f.c.do("DELETE", "/api/collections/cart_items/records/"+aliceLine, f.bob, nil); status != 404 {
		t.Fatalf("someone else's cart line delete = %d, want 404", status)
	}
	if n := count(t, f.app, "cart_items", "id = '"+aliceLine+"' && quantity = 1"); n != 1 {
		t.Fatal("the cart line changed")
	}
}
