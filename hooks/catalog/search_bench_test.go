package catalog_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"fenxiao/hooks/catalog"
	"fenxiao/internal/search/searchbench"
	"fenxiao/tests"
)

// seedBenchCatalog inserts n products with a SKU each with raw SQL in one
// transaction (the search index is rebuilt afterwards).
func seedBenchCatalog(b testing.TB, app core.App, n int) {
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now()
	err := app.RunInTransaction(func(txApp core.App) error {
		// 4 top-level categories with 4 children each
		categories := make([]string, 0, 16)
		for i := range 4 {
			root := tests.Save(b, txApp, "categories", map[string]any{"name": fmt.Sprintf("大类%d", i), "is_active": true})
			for j := range 4 {
				child := tests.Save(b, txApp, "categories", map[string]any{"name": fmt.Sprintf("小类%d%d", i, j),
					"parent": root.Id, "is_active": true})
				categories = append(categories, child.Id)
			}
		}
		brandIds := make([]string, len(searchbench.Brands))
		for i, name := range searchbench.Brands {
			brandIds[i] = tests.Save(b, txApp, "brands", map[string]any{"name": name, "is_active": true}).Id
		}

		const batch = 400
		for start := 0; start < n; start += batch {
			var products, skus []string
			params := dbx.Params{}
			for k := start; k < min(start+batch, n); k++ {
				id := security.RandomStringWithAlphabet(15, "abcdefghijklmnopqrstuvwxyz0123456789")
				bi := rng.IntN(len(searchbench.Brands))
				title := searchbench.Title(rng, bi)
				tags := searchbench.Tags(rng)
				status := "on"
				if rng.IntN(20) == 0 {
					status = "off"
				}
				price := 100 + rng.IntN(50000)
				stock := rng.IntN(200)
				created := now.Add(-time.Duration(rng.IntN(365*24)) * time.Hour).UTC().Format("2006-01-02 15:04:05.000Z")
				p := fmt.Sprintf("p%d_", k)
				params[p+"id"] = id
				params[p+"title"] = title
				params[p+"cat"] = categories[rng.IntN(len(categories))]
				params[p+"brand"] = brandIds[bi]
				params[p+"status"] = status
				params[p+"sales"] = rng.IntN(10000)
				params[p+"price"] = price
				params[p+"stock"] = stock
				params[p+"created"] = created
				params[p+"tags"] = `["` + strings.Join(tags, `","`) + `"]`
				ph := func(name string) string { return "{:" + p + name + "}" }
				products = append(products, "("+strings.Join([]string{ph("id"), ph("title"), ph("cat"), ph("brand"),
					ph("status"), ph("sales"), ph("price"), ph("price"), ph("stock"), ph("created"), ph("created"), ph("tags")}, ",")+")")
				skus = append(skus, "("+ph("id")+","+ph("id")+","+ph("price")+","+ph("stock")+","+ph("created")+","+ph("created")+")")
			}
			for _, sql := range []string{
				"INSERT INTO {{products}} ([[id]],[[title]],[[category]],[[brand]],[[status]],[[sales]],[[min_price]],[[max_price]],[[stock]],[[created]],[[updated]],[[tags]]) VALUES " + strings.Join(products, ","),
				"INSERT INTO {{skus}} ([[id]],[[product]],[[price]],[[stock]],[[created]],[[updated]]) VALUES " + strings.Join(skus, ","),
			} {
				if _, err := txApp.DB().NewQuery(sql).Bind(params).Execute(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := app.DB().NewQuery("ANALYZE").Execute(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSearch100k measures product search over 100,000 products for
// one-, two- and three-character Chinese keywords with every sort order,
// reporting p50 and p95 latencies (facets included, as the route does, and
// the page's products read from the database), and logs the index's build
// time and heap size.
func BenchmarkSearch100k(b *testing.B) {
	app, _ := tests.NewShopApp(b)
	start := time.Now()
	seedBenchCatalog(b, app, 100_000)
	b.Logf("seeded 100,000 products in %s", time.Since(start).Round(time.Millisecond))
	took, heap, err := catalog.RebuildSearchIndex(app)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("search index built in %s, heap %.1f MiB", took.Round(time.Millisecond), float64(heap)/(1<<20))

	keywords := map[int][]string{
		1: {"杯", "茶", "鞋", "包"},
		2: {"茶叶", "口红", "保温", "耳机"},
		3: {"保温杯", "连衣裙", "运动鞋", "充电宝"},
	}
	sorts := []string{catalog.SortRelevance, catalog.SortSales, catalog.SortPriceAsc, catalog.SortPriceDesc, catalog.SortNewest}
	for _, size := range []int{1, 2, 3} {
		for _, sort := range sorts {
			benchSearch(b, app, fmt.Sprintf("chars=%d/sort=%s", size, sort), func(i int) catalog.SearchQuery {
				return catalog.SearchQuery{Q: keywords[size][i%len(keywords[size])], Sort: sort}
			})
		}
	}

	// no keyword, and filters with paging
	root, err := app.FindFirstRecordByData("categories", "name", "大类0")
	if err != nil {
		b.Fatal(err)
	}
	brand, err := app.FindFirstRecordByData("brands", "name", "象印")
	if err != nil {
		b.Fatal(err)
	}
	for _, sort := range []string{catalog.SortSales, catalog.SortNewest} {
		benchSearch(b, app, "chars=0/sort="+sort, func(int) catalog.SearchQuery {
			return catalog.SearchQuery{Sort: sort}
		})
	}
	benchSearch(b, app, "chars=1/category+price/page=3", func(i int) catalog.SearchQuery {
		return catalog.SearchQuery{Q: keywords[1][i%4], Category: root.Id, PriceMin: 1000, PriceMax: 20000, Page: 3}
	})
	benchSearch(b, app, "chars=2/brand/page=2", func(i int) catalog.SearchQuery {
		return catalog.SearchQuery{Q: keywords[2][i%4], Brand: brand.Id, Page: 2, Sort: catalog.SortPriceAsc}
	})
}

// benchSearch runs the searches made by query (given the iteration number),
// 20 per page with facets unless it says otherwise, and reports their p50
// and p95 latencies and the average number of hits.
func benchSearch(b *testing.B, app core.App, name string, query func(i int) catalog.SearchQuery) {
	b.Run(name, func(b *testing.B) {
		var durations []time.Duration
		total := 0
		i := 0
		for b.Loop() {
			q := query(i)
			i++
			if q.Page == 0 {
				q.Page = 1
			}
			if q.PerPage == 0 {
				q.PerPage = 20
			}
			if q.PriceMin == 0 && q.PriceMax == 0 {
				q.PriceMin, q.PriceMax = -1, -1
			}
			q.Facets = true
			t0 := time.Now()
			res, err := catalog.Search(app, q)
			durations = append(durations, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
			total += res.TotalItems
		}
		searchbench.Report(b, durations, total)
	})
}
