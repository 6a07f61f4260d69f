package catalog_test

import (
	"testing"

	"github.com/pocketbase/dbx"

	"fenxiao/hooks/catalog"
	"fenxiao/tests"
)

// BenchmarkCartAddWrite times the part of adding one unit to a cart line
// that holds the shop's single writer (see [shop.Shop.RunInTransaction]).
//
// Run: go test ./hooks/catalog -run '^$' -bench CartAddWrite -benchmem
func BenchmarkCartAddWrite(b *testing.B) {
	app, s := tests.NewShopApp(b)
	user, _ := tests.User(b, app, "bench@test.local", nil)
	_, skus := product(b, app, map[string]any{"title": "压测"}, map[string]any{"price": 100, "stock": 10_000_000})
	write, err := catalog.CartAddWrite(app, s, user, skus[0].Id, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n++; n == 999 {
			// note: a line holds at most 999 units
			if _, err := app.DB().Update("cart_items", dbx.Params{"quantity": 1}, dbx.HashExp{"user": user.Id}).Execute(); err != nil {
				b.Fatal(err)
			}
			n = 1
		}
		if err := write(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookupSkus reads two SKUs with their products, as a priced cart
// of two lines does.
func BenchmarkLookupSkus(b *testing.B) {
	app, _ := tests.NewShopApp(b)
	cat := tests.Save(b, app, "categories", map[string]any{"name": "茶叶", "is_active": true})
	_, skus := product(b, app, map[string]any{"title": "龙井", "category": cat.Id},
		map[string]any{"price": 5000, "stock": 100}, map[string]any{"price": 9000, "stock": 100})
	ids := []string{skus[0].Id, skus[1].Id}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := catalog.LookupSkus(app, ids); err != nil {
			b.Fatal(err)
		}
	}
}
