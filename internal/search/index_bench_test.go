package search

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"fenxiao/internal/search/searchbench"
)

// benchCatalog returns 4 root categories with 4 children each, the brands
// and n products (1 in 20 off the shelf), the same for every run.
func benchCatalog(n int) (categories, brands []Label, products []Product) {
	rng := rand.New(rand.NewPCG(1, 2))
	leaves := make([]string, 0, 16)
	for i := range 4 {
		root := fmt.Sprintf("c%d", i)
		categories = append(categories, Label{Id: root, Name: fmt.Sprintf("大类%d", i), Active: true})
		for j := range 4 {
			id := fmt.Sprintf("c%d%d", i, j)
			categories = append(categories, Label{Id: id, Name: fmt.Sprintf("小类%d%d", i, j), Active: true, Parent: root})
			leaves = append(leaves, id)
		}
	}
	for i, name := range searchbench.Brands {
		brands = append(brands, Label{Id: fmt.Sprintf("b%d", i), Name: name, Active: true})
	}
	now := time.Now().UnixMilli()
	products = make([]Product, n)
	for k := range products {
		bi := rng.IntN(len(searchbench.Brands))
		products[k] = Product{
			Id:       fmt.Sprintf("p%07d", k),
			Title:    searchbench.Title(rng, bi),
			Tags:     searchbench.Tags(rng),
			On:       rng.IntN(20) != 0,
			Category: leaves[rng.IntN(len(leaves))],
			Brand:    brands[bi].Id,
			Created:  now - int64(rng.IntN(365*24))*3_600_000,
			MinPrice: int64(100 + rng.IntN(50000)),
			Sales:    int64(rng.IntN(10000)),
		}
	}
	return categories, brands, products
}

// BenchmarkIndexBuild100k measures building the index of 100,000 products
// held in memory (the database read of a real build not included).
func BenchmarkIndexBuild100k(b *testing.B) {
	categories, brands, products := benchCatalog(100_000)
	for b.Loop() {
		x := NewIndex(categories, brands)
		for _, p := range products {
			x.Add(p)
		}
	}
}

// BenchmarkIndexSearch100k measures searches of an index of 100,000
// products for one-, two- and three-character Chinese keywords with every
// sort order, 20 per page with facets, reporting p50 and p95 latencies and
// the average number of hits (the route adds the page's database read:
// see hooks/catalog's BenchmarkSearch100k).
func BenchmarkIndexSearch100k(b *testing.B) {
	categories, brands, products := benchCatalog(100_000)
	x := NewIndex(categories, brands)
	for _, p := range products {
		x.Add(p)
	}
	keywords := map[int][]string{
		1: {"杯", "茶", "鞋", "包"},
		2: {"茶叶", "口红", "保温", "耳机"},
		3: {"保温杯", "连衣裙", "运动鞋", "充电宝"},
	}
	for _, size := range []int{1, 2, 3} {
		for _, sort := range []string{SortRelevance, SortSales, SortPriceAsc, SortPriceDesc, SortNewest} {
			benchIndexSearch(b, x, fmt.Sprintf("chars=%d/sort=%s", size, sort), func(i int) Query {
				return Query{Terms: QueryTerms(keywords[size][i%len(keywords[size])]), Sort: sort}
			})
		}
	}
	for _, sort := range []string{SortSales, SortNewest} {
		benchIndexSearch(b, x, "chars=0/sort="+sort, func(int) Query { return Query{Sort: sort} })
	}
	benchIndexSearch(b, x, "chars=1/category+price/page=3", func(i int) Query {
		return Query{Terms: QueryTerms(keywords[1][i%4]), Category: "c0", PriceMin: 1000, PriceMax: 20000, Page: 3, Sort: SortRelevance}
	})
	benchIndexSearch(b, x, "chars=2/brand/page=2", func(i int) Query {
		return Query{Terms: QueryTerms(keywords[2][i%4]), Brand: "b0", Page: 2, Sort: SortPriceAsc}
	})
}

func benchIndexSearch(b *testing.B, x *Index, name string, query func(i int) Query) {
	b.Run(name, func(b *testing.B) {
		var durations []time.Duration
		total, i := 0, 0
		for b.Loop() {
			q := query(i)
			i++
			if q.Page == 0 {
				q.Page = 1
			}
			q.PerPage = 20
			if q.PriceMin == 0 && q.PriceMax == 0 {
				q.PriceMin, q.PriceMax = -1, -1
			}
			q.Facets = true
			t0 := time.Now()
			hits, err := x.Search(q)
			durations = append(durations, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
			total += hits.Total
		}
		searchbench.Report(b, durations, total)
	})
}
