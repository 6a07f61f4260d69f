package catalog_test

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/catalog"
	"fenxiao/tests"
)

// searchFixture is a small catalog:
//
//	饮品 > 茶叶 > 绿茶   厨具
type searchFixture struct {
	drinks, tea, green, kitchen  *core.Record
	zojirushi, xihu              *core.Record
	flask, longjing, glass, gift *core.Record
	hidden, blackTea             *core.Record
	titles                       map[string]string // id -> title
}

func newSearchFixture(t *testing.T, app core.App) *searchFixture {
	f := &searchFixture{titles: map[string]string{}}
	f.drinks = tests.Save(t, app, "categories", map[string]any{"name": "饮品", "is_active": true})
	f.tea = tests.Save(t, app, "categories", map[string]any{"name": "茶叶", "parent": f.drinks.Id, "is_active": true})
	f.green = tests.Save(t, app, "categories", map[string]any{"name": "绿茶", "parent": f.tea.Id, "is_active": true})
	f.kitchen = tests.Save(t, app, "categories", map[string]any{"name": "厨具", "is_active": true})
	f.zojirushi = tests.Save(t, app, "brands", map[string]any{"name": "象印", "is_active": true})
	f.xihu = tests.Save(t, app, "brands", map[string]any{"name": "西湖", "is_active": true})

	mk := func(data map[string]any, price int) *core.Record {
		p, _ := product(t, app, data, map[string]any{"price": price, "stock": 10})
		f.titles[p.Id] = p.GetString("title")
		return p
	}
	f.flask = mk(map[string]any{"title": "象印不锈钢保温杯 500ml", "category": f.kitchen.Id, "brand": f.zojirushi.Id, "sales": 50}, 12900)
	f.longjing = mk(map[string]any{"title": "西湖龙井茶叶 250g", "category": f.green.Id, "brand": f.xihu.Id, "sales": 200}, 29900)
	f.glass = mk(map[string]any{"title": "玻璃杯", "category": f.kitchen.Id, "sales": 10}, 1900)
	f.gift = mk(map[string]any{"title": "新年礼盒", "tags": []string{"保温杯", "送礼"}, "category": f.kitchen.Id, "sales": 999}, 5000)
	f.hidden = mk(map[string]any{"title": "下架保温杯", "status": "off", "category": f.kitchen.Id}, 100)
	f.blackTea = mk(map[string]any{"title": "正山小种红茶", "subtitle": "武夷山茶叶", "category": f.tea.Id, "sales": 30}, 9900)

	// distinct creation times for "newest", oldest first in the order above
	for i, p := range []*core.Record{f.flask, f.longjing, f.glass, f.gift, f.hidden, f.blackTea} {
		_, err := app.DB().NewQuery("UPDATE {{products}} SET [[created]] = {:c} WHERE [[id]] = {:id}").
			Bind(dbx.Params{"c": "2026-01-0" + string(rune('1'+i)) + " 10:00:00.000Z", "id": p.Id}).Execute()
		if err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func searchIds(t *testing.T, c *client, query url.Values) ([]string, map[string]any) {
	t.Helper()
	status, body := c.do("GET", "/api/shop/products/search?"+query.Encode(), "", nil)
	if status != 200 {
		t.Fatalf("search %v: status %d %v", query, status, body)
	}
	items := body["items"].([]any)
	ids := make([]string, 0, len(items))
	for _, it := range items {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	return ids, body
}

func TestSearch(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	f := newSearchFixture(t, app)
	c := newClient(t, app)

	scenarios := []struct {
		name  string
		query url.Values
		want  []*core.Record
	}{
		{"one character, title hits (by sales) before the tag hit", url.Values{"q": {"杯"}},
			[]*core.Record{f.flask, f.glass, f.gift}},
		{"two characters matches title, subtitle and category path", url.Values{"q": {"茶叶"}},
			[]*core.Record{f.longjing, f.blackTea}},
		{"three characters, title hit before the tag hit", url.Values{"q": {"保温杯"}},
			[]*core.Record{f.flask, f.gift}},
		{"brand name matches", url.Values{"q": {"象印"}}, []*core.Record{f.flask}},
		{"ASCII words whole and case-insensitive", url.Values{"q": {"500ML"}}, []*core.Record{f.flask}},
		{"no substring, no hit", url.Values{"q": {"杯保"}}, nil},
		{"punctuation only lists everything, newest first", url.Values{"q": {"!!"}},
			[]*core.Record{f.blackTea, f.gift, f.glass, f.longjing, f.flask}},
		{"category includes sub-categories", url.Values{"category": {f.drinks.Id}, "sort": {"sales"}},
			[]*core.Record{f.longjing, f.blackTea}},
		{"leaf category", url.Values{"category": {f.green.Id}}, []*core.Record{f.longjing}},
		{"brand", url.Values{"brand": {f.zojirushi.Id}}, []*core.Record{f.flask}},
		{"price range on the lowest SKU price", url.Values{"price_min": {"1900"}, "price_max": {"12900"}, "sort": {"price_asc"}},
			[]*core.Record{f.glass, f.gift, f.blackTea, f.flask}},
		{"sort by sales", url.Values{"q": {"杯"}, "sort": {"sales"}}, []*core.Record{f.gift, f.flask, f.glass}},
		{"sort by price desc", url.Values{"q": {"杯"}, "sort": {"price_desc"}}, []*core.Record{f.flask, f.gift, f.glass}},
		{"sort by price asc", url.Values{"q": {"杯"}, "sort": {"price_asc"}}, []*core.Record{f.glass, f.gift, f.flask}},
		{"newest", url.Values{"q": {"杯"}, "sort": {"newest"}}, []*core.Record{f.gift, f.glass, f.flask}},
		{"keyword and category", url.Values{"q": {"茶"}, "category": {f.tea.Id}, "sort": {"price_asc"}},
			[]*core.Record{f.blackTea, f.longjing}},
		{"paging", url.Values{"q": {"杯"}, "sort": {"price_asc"}, "perPage": {"2"}, "page": {"2"}},
			[]*core.Record{f.flask}},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			got, _ := searchIds(t, c, s.query)
			var want []string
			for _, r := range s.want {
				want = append(want, r.Id)
			}
			if !slices.Equal(got, want) {
				names := func(ids []string) (n []string) {
					for _, id := range ids {
						n = append(n, f.titles[id])
					}
					return n
				}
				t.Fatalf("got %v, want %v", names(got), names(want))
			}
		})
	}

	t.Run("page info, item fields and facets", func(t *testing.T) {
		_, body := searchIds(t, c, url.Values{"q": {"杯"}, "perPage": {"2"}})
		if body["totalItems"].(float64) != 3 || body["totalPages"].(float64) != 2 {
			t.Fatalf("page info = %v/%v", body["totalItems"], body["totalPages"])
		}
		item := body["items"].([]any)[0].(map[string]any)
		if item["id"] != f.flask.Id || item["min_price"].(float64) != 12900 || item["stock_state"] != "in_stock" {
			t.Fatalf("item = %v", item)
		}
		facets := body["facets"].(map[string]any)
		cats := facets["categories"].([]any)
		if len(cats) != 1 || cats[0].(map[string]any)["name"] != "厨具" || cats[0].(map[string]any)["count"].(float64) != 3 {
			t.Fatalf("category facets = %v", cats)
		}
		brands := facets["brands"].([]any)
		if len(brands) != 1 || brands[0].(map[string]any)["name"] != "象印" {
			t.Fatalf("brand facets = %v", brands)
		}
	})

	t.Run("bad input is a 400 with a code", func(t *testing.T) {
		for query, code := range map[string]string{
			"sort=cheapest":      "invalid_sort",
			"page=abc":           "invalid_page",
			"perPage=1000":       "invalid_perPage",
			"price_min=-5":       "invalid_price_min",
			"category=a'b":       "invalid_id",
			"brand=x%20or%201=1": "invalid_id",
		} {
			status, body := c.do("GET", "/api/shop/products/search?"+query, "", nil)
			if status != 400 || errorCode(body) != code {
				t.Errorf("%s: %d %v, want 400 %s", query, status, body, code)
			}
		}
	})
}

func TestSearchIndexFollowsChanges(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	f := newSearchFixture(t, app)
	c := newClient(t, app)
	find := func(q string) []string {
		ids, _ := searchIds(t, c, url.Values{"q": {q}})
		return ids
	}

	// product rename
	p := reload(t, app, f.glass)
	p.Set("title", "水晶碗")
	if err := app.Save(p); err != nil {
		t.Fatal(err)
	}
	if ids := find("碗"); !slices.Equal(ids, []string{f.glass.Id}) {
		t.Fatalf("renamed product: %v", ids)
	}
	if slices.Contains(find("玻璃"), f.glass.Id) {
		t.Fatal("old title still indexed")
	}

	// brand and category renames
	b := reload(t, app, f.xihu)
	b.Set("name", "狮峰")
	if err := app.Save(b); err != nil {
		t.Fatal(err)
	}
	if ids := find("狮峰"); !slices.Equal(ids, []string{f.longjing.Id}) {
		t.Fatalf("brand rename: %v", ids)
	}
	cat := reload(t, app, f.drinks)
	cat.Set("name", "冲饮")
	if err := app.Save(cat); err != nil {
		t.Fatal(err)
	}
	if ids := find("冲饮"); len(ids) != 2 {
		t.Fatalf("root category rename must reach products of sub-categories: %v", ids)
	}

	// off shelf hides, on shelf shows again
	p = reload(t, app, f.flask)
	p.Set("status", "off")
	if err := app.Save(p); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(find("保温杯"), f.flask.Id) {
		t.Fatal("off-shelf product found")
	}

	// a SKU price change moves the product in price filters
	skus, err := app.FindRecordsByFilter("skus", "product = {:p}", "", 0, 0, dbx.Params{"p": f.blackTea.Id})
	if err != nil {
		t.Fatal(err)
	}
	skus[0].Set("price", 100)
	if err := app.Save(skus[0]); err != nil {
		t.Fatal(err)
	}
	ids, _ := searchIds(t, c, url.Values{"price_max": {"100"}})
	if !slices.Equal(ids, []string{f.blackTea.Id}) {
		t.Fatalf("price filter after a SKU change: %v", ids)
	}

	// delete
	if err := app.Delete(reload(t, app, f.gift)); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(find("礼盒"), f.gift.Id) {
		t.Fatal("deleted product found")
	}
	if drift := catalog.SearchIndexDrift(app); drift != "" {
		t.Fatalf("index drifted from the database: %s", drift)
	}
}

// TestSearchIndexFollowsEveryWriter changes products through every path
// that writes them and checks, after each, that search results follow and
// that the in-memory index equals one built from the database.
func TestSearchIndexFollowsEveryWriter(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	f := newSearchFixture(t, app)
	c := newClient(t, app)
	_, token := tests.Superuser(t, app)
	setSettings(t, app, map[string]any{"auto_delist_soldout": true, "auto_relist": true})

	search := func(query url.Values) []string {
		t.Helper()
		ids, _ := searchIds(t, c, query)
		if drift := catalog.SearchIndexDrift(app); drift != "" {
			t.Fatalf("index drifted from the database: %s", drift)
		}
		return ids
	}
	find := func(q string) []string { return search(url.Values{"q": {q}}) }
	api := func(method, path string, body any) map[string]any {
		t.Helper()
		status, out := c.do(method, path, token, body)
		if status/100 != 2 {
			t.Fatalf("%s %s: %d %v", method, path, status, out)
		}
		return out
	}

	// dashboard create: a product, then its SKU (min_price comes from it)
	created := api("POST", "/api/collections/products/records", map[string]any{
		"title": "紫砂茶壶", "subtitle": "宜兴原矿", "category": f.tea.Id, "brand": f.xihu.Id,
		"tags": []string{"茶具"}, "status": "on"})
	pot := created["id"].(string)
	sku := api("POST", "/api/collections/skus/records", map[string]any{"product": pot, "price": 8800, "stock": 1})
	if ids := find("茶壶"); !slices.Equal(ids, []string{pot}) {
		t.Fatalf("created product: %v", ids)
	}
	for _, q := range []string{"宜兴原矿", "茶具", "西湖", "饮品"} {
		if !slices.Contains(find(q), pot) {
			t.Fatalf("created product not found by %s", q)
		}
	}
	if ids := search(url.Values{"price_min": {"8800"}, "price_max": {"8800"}}); !slices.Equal(ids, []string{pot}) {
		t.Fatalf("price of the new SKU: %v", ids)
	}

	// dashboard update: the old title goes, the new one comes
	api("PATCH", "/api/collections/products/records/"+pot, map[string]any{"title": "朱泥茶壶"})
	if ids := find("紫砂"); slices.Contains(ids, pot) {
		t.Fatal("old title still found")
	}
	if ids := find("朱泥茶壶"); !slices.Equal(ids, []string{pot}) {
		t.Fatalf("updated title: %v", ids)
	}

	// the last unit sold: automatically off the shelf; restocked: back on
	if err := catalog.DecrementStock(app, sku["id"].(string), 1); err != nil {
		t.Fatal(err)
	}
	if ids := find("茶壶"); len(ids) != 0 {
		t.Fatalf("sold out product found: %v", ids)
	}
	if err := catalog.RestoreStock(app, sku["id"].(string), 3); err != nil {
		t.Fatal(err)
	}
	if ids := find("茶壶"); !slices.Equal(ids, []string{pot}) {
		t.Fatalf("relisted product: %v", ids)
	}

	// sales from paid orders reorder the sales sort
	if err := catalog.AddSales(app, pot, 5000); err != nil {
		t.Fatal(err)
	}
	if ids := search(url.Values{"q": {"茶"}, "sort": {"sales"}}); len(ids) == 0 || ids[0] != pot {
		t.Fatalf("sales order after AddSales: %v", ids)
	}

	// a SKU price change through the API
	api("PATCH", "/api/collections/skus/records/"+sku["id"].(string), map[string]any{"price": 50})
	if ids := search(url.Values{"price_max": {"50"}}); !slices.Equal(ids, []string{pot}) {
		t.Fatalf("price filter after a SKU change: %v", ids)
	}

	// a rolled back change never shows
	_ = app.RunInTransaction(func(txApp core.App) error {
		if err := catalog.DecrementStock(txApp, sku["id"].(string), 3); err != nil {
			t.Fatal(err)
		}
		p, err := txApp.FindRecordById("products", pot)
		if err != nil {
			t.Fatal(err)
		}
		p.Set("title", "回滚")
		if err := txApp.Save(p); err != nil {
			t.Fatal(err)
		}
		return errors.New("roll back")
	})
	if ids := find("茶壶"); !slices.Equal(ids, []string{pot}) {
		t.Fatalf("after a rollback: %v", ids)
	}

	// brand and category renames, and a category moved under another
	api("PATCH", "/api/collections/brands/records/"+f.xihu.Id, map[string]any{"name": "宜兴"})
	if ids := search(url.Values{"q": {"宜兴"}, "sort": {"newest"}}); !slices.Equal(ids, []string{pot, f.longjing.Id}) {
		t.Fatalf("brand rename: %v", ids)
	}
	api("PATCH", "/api/collections/categories/records/"+f.tea.Id, map[string]any{"name": "茗茶"})
	if ids := find("茗茶"); len(ids) != 3 {
		t.Fatalf("category rename must reach sub-categories: %v", ids)
	}
	api("PATCH", "/api/collections/categories/records/"+f.tea.Id, map[string]any{"parent": f.kitchen.Id})
	if ids := search(url.Values{"q": {"厨具"}, "category": {f.kitchen.Id}}); !slices.Contains(ids, pot) || !slices.Contains(ids, f.longjing.Id) {
		t.Fatalf("moved category: %v", ids)
	}
	if ids := search(url.Values{"category": {f.drinks.Id}}); len(ids) != 0 {
		t.Fatalf("old parent still holds the moved category: %v", ids)
	}

	// a brand deleted: its products lose it
	api("DELETE", "/api/collections/brands/records/"+f.xihu.Id, nil)
	if ids := find("宜兴"); !slices.Equal(ids, []string{pot}) {
		t.Fatalf("deleted brand still matched: %v", ids)
	}

	// dashboard delete (its SKUs go with it)
	api("DELETE", "/api/collections/products/records/"+pot, nil)
	if ids := find("茶壶"); len(ids) != 0 {
		t.Fatalf("deleted product found: %v", ids)
	}
}

// Products changed with SQL in one transaction (a batch of payments adding
// to their sales, one product twice) are read back once it commits, all of
// them; a rolled back transaction leaves the index and nothing pending
// behind.
func TestSearchIndexReadsBackATransactionsProducts(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	newSearchFixture(t, app)
	c := newClient(t, app)
	bySales := func() []string {
		t.Helper()
		ids, _ := searchIds(t, c, url.Values{"sort": {"sales"}})
		if drift := catalog.SearchIndexDrift(app); drift != "" {
			t.Fatalf("index drifted from the database: %s", drift)
		}
		return ids
	}
	before := bySales()
	if len(before) < 2 {
		t.Fatalf("fixture: %v", before)
	}
	last, other := before[len(before)-1], before[len(before)-2]

	err := app.RunInTransaction(func(txApp core.App) error {
		for _, sale := range []struct {
			id  string
			qty int
		}{{last, 400_000}, {other, 300_000}, {last, 500_000}} {
			if err := catalog.AddSales(txApp, sale.id, sale.qty); err != nil {
				return err
			}
		}
		if catalog.SearchTouchedPending(app) != 1 {
			t.Errorf("%d transactions pending, want 1", catalog.SearchTouchedPending(app))
		}
		// not yet committed: the index still has the old order
		if ids, _ := searchIds(t, c, url.Values{"sort": {"sales"}}); !slices.Equal(ids, before) {
			t.Errorf("uncommitted sales reached the index: %v", ids)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ids := bySales(); len(ids) < 2 || ids[0] != last || ids[1] != other {
		t.Fatalf("after the batch: %v, want %s then %s first", ids, last, other)
	}
	if n := catalog.SearchTouchedPending(app); n != 0 {
		t.Fatalf("%d transactions left pending after the commit", n)
	}

	_ = app.RunInTransaction(func(txApp core.App) error {
		if err := catalog.AddSales(txApp, other, 5_000_000); err != nil {
			t.Fatal(err)
		}
		return errors.New("roll back")
	})
	if ids := bySales(); ids[0] != last {
		t.Fatalf("after a rolled back sale: %v", ids)
	}
	if n := catalog.SearchTouchedPending(app); n != 0 {
		t.Fatalf("%d transactions left pending after the rollback", n)
	}
}

// TestSearchWhileWriting searches from several goroutines while products,
// stock and brands change, then checks that the index ends in step.
func TestSearchWhileWriting(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	f := newSearchFixture(t, app)
	setSettings(t, app, map[string]any{"auto_delist_soldout": true, "auto_relist": true})
	skus, err := app.FindRecordsByFilter("skus", "product = {:p}", "", 0, 0, dbx.Params{"p": f.flask.Id})
	if err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, q := range []string{"杯", "保温杯", "茶叶", ""} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := catalog.Search(app, catalog.SearchQuery{Q: q, Page: 1, PerPage: 2, PriceMin: -1, PriceMax: -1, Facets: true})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 20 {
		if err := catalog.DecrementStock(app, skus[0].Id, 10); err != nil {
			t.Fatal(err)
		}
		if err := catalog.RestoreStock(app, skus[0].Id, 10); err != nil {
			t.Fatal(err)
		}
		if err := catalog.AddSales(app, f.glass.Id, 1); err != nil {
			t.Fatal(err)
		}
		b := reload(t, app, f.zojirushi)
		b.Set("name", fmt.Sprintf("象印%d", i))
		if err := app.Save(b); err != nil {
			t.Fatal(err)
		}
		product(t, app, map[string]any{"title": fmt.Sprintf("新杯%d", i), "category": f.kitchen.Id}, map[string]any{"price": 100 + i, "stock": 1})
	}
	close(stop)
	wg.Wait()
	if drift := catalog.SearchIndexDrift(app); drift != "" {
		t.Fatalf("index drifted from the database: %s", drift)
	}
}
