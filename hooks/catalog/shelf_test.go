package catalog_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"

	"fenxiao/hooks/catalog"
	"fenxiao/tests"
)

// TestManualOffOverridesSoldOut: an admin who takes an auto-delisted (sold
// out) product off by hand keeps it off when it is restocked.
func TestManualOffOverridesSoldOut(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	c := newClient(t, app)
	_, token := tests.Superuser(t, app)
	setSettings(t, app, map[string]any{"auto_delist_soldout": true, "auto_relist": true})

	soldOut := func(title string) (string, string) {
		t.Helper()
		p, skus := product(t, app, map[string]any{"title": title}, map[string]any{"price": 1000, "stock": 1})
		if err := catalog.DecrementStock(app, skus[0].Id, 1); err != nil {
			t.Fatal(err)
		}
		if r := reload(t, app, p); r.GetString("status") != "off" || r.GetString("off_reason") != "sold_out" {
			t.Fatalf("not auto-delisted: %s/%s", r.GetString("status"), r.GetString("off_reason"))
		}
		return p.Id, skus[0].Id
	}
	shelf := func(id string) (string, string) {
		t.Helper()
		r, err := app.FindRecordById("products", id)
		if err != nil {
			t.Fatal(err)
		}
		return r.GetString("status"), r.GetString("off_reason")
	}

	// through the API: {status: off} on the sold-out product
	apiId, apiSku := soldOut("茶叶")
	if status, body := c.do("PATCH", "/api/collections/products/records/"+apiId, token, map[string]any{"status": "off"}); status != 200 {
		t.Fatalf("set off: %d %v", status, body)
	}
	if s, r := shelf(apiId); s != "off" || r != "manual" {
		t.Fatalf("after the admin set it off: %s/%s, want off/manual", s, r)
	}
	if err := catalog.RestoreStock(app, apiSku, 5); err != nil {
		t.Fatal(err)
	}
	if s, _ := shelf(apiId); s != "off" {
		t.Fatal("a restock relisted a product the admin had taken off")
	}

	// the dashboard form saved unchanged (it sends every field) keeps the
	// reason it shows, so the restock still relists
	formId, formSku := soldOut("红茶")
	if status, body := c.do("PATCH", "/api/collections/products/records/"+formId, token,
		map[string]any{"title": "红茶 新包装", "status": "off", "off_reason": "sold_out"}); status != 200 {
		t.Fatalf("edit: %d %v", status, body)
	}
	if s, r := shelf(formId); s != "off" || r != "sold_out" {
		t.Fatalf("an unrelated edit changed the shelf: %s/%s", s, r)
	}
	if err := catalog.RestoreStock(app, formSku, 1); err != nil {
		t.Fatal(err)
	}
	if s, _ := shelf(formId); s != "on" {
		t.Fatal("a sold-out product edited in the dashboard was not relisted")
	}

	// no writer but the stock rules can claim sold_out: an admin taking an
	// on-shelf product off with that reason takes it off by hand
	if status, body := c.do("PATCH", "/api/collections/products/records/"+formId, token,
		map[string]any{"status": "off", "off_reason": "sold_out"}); status != 200 {
		t.Fatalf("set off: %d %v", status, body)
	}
	if s, r := shelf(formId); s != "off" || r != "manual" {
		t.Fatalf("claimed sold_out: %s/%s, want off/manual", s, r)
	}
	// Go code alike
	goId, goSku := soldOut("绿茶")
	p, _ := app.FindRecordById("products", goId)
	p.Set("status", "on")
	if err := app.Save(p); err != nil {
		t.Fatal(err)
	}
	p.Set("status", "off")
	p.Set("off_reason", "sold_out")
	if err := app.Save(p); err != nil {
		t.Fatal(err)
	}
	if s, r := shelf(goId); s != "off" || r != "manual" {
		t.Fatalf("Go writer claimed sold_out: %s/%s", s, r)
	}
	if err := catalog.RestoreStock(app, goSku, 1); err != nil {
		t.Fatal(err)
	}
	if s, _ := shelf(goId); s != "off" {
		t.Fatal("relisted a product taken off by Go code")
	}
}

// TestSearchHidesInactiveCategoriesAndBrands: switching a category or a
// brand off hides its products (a category's sub-categories included) from
// search and facets, and switching it on shows them again.
func TestSearchHidesInactiveCategoriesAndBrands(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	f := newSearchFixture(t, app)
	c := newClient(t, app)
	_, token := tests.Superuser(t, app)

	search := func(query url.Values) ([]string, map[string]any) {
		t.Helper()
		ids, body := searchIds(t, c, query)
		if drift := catalog.SearchIndexDrift(app); drift != "" {
			t.Fatalf("index drifted from the database: %s", drift)
		}
		return ids, body
	}
	facetNames := func(body map[string]any, kind string) map[string]float64 {
		out := map[string]float64{}
		for _, it := range body["facets"].(map[string]any)[kind].([]any) {
			m := it.(map[string]any)
			out[m["name"].(string)] = m["count"].(float64)
		}
		return out
	}
	toggle := func(collection, id string, active bool) {
		t.Helper()
		if status, body := c.do("PATCH", "/api/collections/"+collection+"/records/"+id, token,
			map[string]any{"is_active": active}); status != 200 {
			t.Fatalf("toggle %s: %d %v", collection, status, body)
		}
	}

	// the brand 象印 off: the flask is gone from keyword, brand filter and facets
	toggle("brands", f.zojirushi.Id, false)
	ids, body := search(url.Values{"q": {"杯"}})
	if want := []string{f.glass.Id, f.gift.Id}; !slices.Equal(ids, want) {
		t.Fatalf("杯 with 象印 off: %v", ids)
	}
	if got := facetNames(body, "brands"); len(got) != 0 {
		t.Fatalf("brand facets with 象印 off: %v", got)
	}
	if got := facetNames(body, "categories"); got["厨具"] != 2 {
		t.Fatalf("category facets with 象印 off: %v", got)
	}
	if ids, _ := search(url.Values{"q": {"象印"}}); len(ids) != 0 {
		t.Fatalf("found by an inactive brand's name: %v", ids)
	}
	if ids, _ := search(url.Values{"brand": {f.zojirushi.Id}}); len(ids) != 0 {
		t.Fatalf("inactive brand filter: %v", ids)
	}

	// the top category 饮品 off hides everything under it (茶叶, 绿茶)
	toggle("categories", f.drinks.Id, false)
	if ids, _ := search(url.Values{"q": {"茶"}}); len(ids) != 0 {
		t.Fatalf("茶 with 饮品 off: %v", ids)
	}
	if ids, _ := search(url.Values{"category": {f.tea.Id}}); len(ids) != 0 {
		t.Fatalf("sub-category of an inactive one: %v", ids)
	}
	ids, body = search(url.Values{"q": {"!!"}})
	if want := []string{f.gift.Id, f.glass.Id}; !slices.Equal(ids, want) {
		t.Fatalf("everything with 饮品 and 象印 off: %v", ids)
	}
	if got := facetNames(body, "categories"); len(got) != 1 || got["厨具"] != 2 {
		t.Fatalf("category facets with 饮品 off: %v", got)
	}
	if body["totalItems"].(float64) != 2 {
		t.Fatalf("total = %v", body["totalItems"])
	}

	// a product moved out of the hidden tree shows at once; moved back, hides
	if status, out := c.do("PATCH", "/api/collections/products/records/"+f.blackTea.Id, token,
		map[string]any{"category": f.kitchen.Id}); status != 200 {
		t.Fatalf("move product: %d %v", status, out)
	}
	if ids, _ := search(url.Values{"q": {"红茶"}}); !slices.Equal(ids, []string{f.blackTea.Id}) {
		t.Fatalf("product moved to an active category: %v", ids)
	}
	p, _ := app.FindRecordById("products", f.blackTea.Id)
	p.Set("category", f.tea.Id)
	if err := app.Save(p); err != nil {
		t.Fatal(err)
	}
	if ids, _ := search(url.Values{"q": {"红茶"}}); len(ids) != 0 {
		t.Fatalf("product moved back under an inactive category: %v", ids)
	}

	// a sub-category switched off while its parent is on hides only itself
	toggle("categories", f.drinks.Id, true)
	toggle("categories", f.green.Id, false)
	if ids, _ := search(url.Values{"q": {"茶叶"}}); !slices.Equal(ids, []string{f.blackTea.Id}) {
		t.Fatalf("茶叶 with 绿茶 off: %v", ids)
	}

	// all on again: the full answer is back
	toggle("categories", f.green.Id, true)
	toggle("brands", f.zojirushi.Id, true)
	if ids, _ := search(url.Values{"q": {"杯"}}); !slices.Equal(ids, []string{f.flask.Id, f.glass.Id, f.gift.Id}) {
		t.Fatalf("杯 with everything active: %v", ids)
	}
	if ids, _ := search(url.Values{"q": {"茶叶"}}); len(ids) != 2 {
		t.Fatalf("茶叶 with everything active: %v", ids)
	}

	// the index built from scratch agrees (inactive flags are read at build)
	toggle("brands", f.xihu.Id, false)
	if _, _, err := catalog.RebuildSearchIndex(app); err != nil {
		t.Fatal(err)
	}
	if ids, _ := search(url.Values{"q": {"龙井"}}); len(ids) != 0 {
		t.Fatalf("rebuilt index shows an inactive brand's product: %v", ids)
	}
	if n, _ := app.CountRecords("products", dbx.HashExp{"brand": f.xihu.Id}); n != 1 {
		t.Fatalf("hiding must not touch the products: %d", n)
	}
}
