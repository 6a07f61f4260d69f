package search

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
)

// testLabels are the categories 食品 › 茶叶 › 绿茶, 食品 › 零食, 家居 (off)
// and the brands 西湖 and 象印 (off).
var (
	testCategories = []Label{
		{Id: "food", Name: "食品", Active: true},
		{Id: "tea", Name: "茶叶", Active: true, Parent: "food"},
		{Id: "green", Name: "绿茶", Active: true, Parent: "tea"},
		{Id: "snack", Name: "零食", Active: true, Parent: "food"},
		{Id: "home", Name: "家居", Active: false},
	}
	testBrands = []Label{
		{Id: "xihu", Name: "西湖", Active: true},
		{Id: "zojirushi", Name: "象印", Active: false},
	}
)

// testProducts: Created is the position, so "newest" is the reverse order.
func testProducts() []Product {
	return []Product{
		{Id: "p1", Title: "西湖龙井 250g", Tags: []string{"明前", "送礼"}, On: true, Category: "green", Brand: "xihu", Created: 1, MinPrice: 8000, Sales: 30},
		{Id: "p2", Title: "不锈钢保温杯 500ml", Subtitle: "泡茶杯", On: true, Created: 2, MinPrice: 5000, Sales: 80},
		{Id: "p3", Title: "茶叶罐", On: true, Category: "tea", Created: 3, MinPrice: 2000, Sales: 5},
		{Id: "p4", Title: "坚果礼盒", Subtitle: "保温 温杯 分开写", On: true, Category: "snack", Created: 4, MinPrice: 12000, Sales: 50},
		{Id: "p5", Title: "下架的茶杯", On: false, Created: 5, MinPrice: 100, Sales: 999},
		{Id: "p6", Title: "象印保温杯", On: true, Brand: "zojirushi", Created: 6, MinPrice: 20000, Sales: 70},
		{Id: "p7", Title: "家居茶盘", On: true, Category: "home", Created: 7, MinPrice: 3000, Sales: 10},
		{Id: "p8", Title: "会员专享 龙井", On: true, Category: "green", Created: 8, MinPrice: 30000, Sales: 1, MinLevel: 2},
	}
}

func testIndex(products []Product) *Index {
	x := NewIndex(testCategories, testBrands)
	for _, p := range products {
		x.Add(p)
	}
	return x
}

func TestIndexSearch(t *testing.T) {
	x := testIndex(testProducts())
	scenarios := []struct {
		name  string
		query Query
		total int
		ids   []string
	}{
		{"no keyword, newest", Query{Sort: SortNewest}, 4, []string{"p4", "p3", "p2", "p1"}},
		{"level 2 sees its products", Query{Sort: SortNewest, Level: 2}, 5, []string{"p8", "p4", "p3", "p2", "p1"}},
		// p3 (title, 5 sold) before p2 (subtitle, 80) and p1 (category, 30)
		{"title hits first, then by sales", Query{Terms: QueryTerms("茶"), Sort: SortRelevance}, 3, []string{"p3", "p2", "p1"}},
		{"subtitle hit", Query{Terms: QueryTerms("杯"), Sort: SortRelevance}, 2, []string{"p2", "p4"}},
		{"two characters as one bigram", Query{Terms: QueryTerms("龙井"), Sort: SortRelevance, Level: 9}, 2, []string{"p1", "p8"}},
		{"three characters need the phrase", Query{Terms: QueryTerms("保温杯"), Sort: SortRelevance}, 1, []string{"p2"}},
		{"brand name", Query{Terms: QueryTerms("西湖"), Sort: SortRelevance}, 1, []string{"p1"}},
		{"category path name", Query{Terms: QueryTerms("食品"), Sort: SortSales}, 3, []string{"p4", "p1", "p3"}},
		{"tag", Query{Terms: QueryTerms("送礼"), Sort: SortRelevance}, 1, []string{"p1"}},
		{"word, any case", Query{Terms: QueryTerms("500ML"), Sort: SortRelevance}, 1, []string{"p2"}},
		{"every term", Query{Terms: QueryTerms("龙井 250g"), Sort: SortRelevance}, 1, []string{"p1"}},
		{"unknown token", Query{Terms: QueryTerms("咖啡"), Sort: SortRelevance}, 0, nil},
		{"category with its subtree", Query{Category: "tea", Sort: SortPriceAsc}, 2, []string{"p3", "p1"}},
		{"unknown category", Query{Category: "nope", Sort: SortNewest}, 0, nil},
		{"brand", Query{Brand: "xihu", Sort: SortNewest}, 1, []string{"p1"}},
		{"price bounds", Query{PriceMin: 3000, PriceMax: 9000, Sort: SortPriceDesc}, 2, []string{"p1", "p2"}},
		{"price from", Query{PriceMin: 5000, PriceMax: -1, Sort: SortPriceDesc}, 3, []string{"p4", "p1", "p2"}},
		{"second page", Query{Sort: SortSales, Page: 2, PerPage: 3}, 4, []string{"p3"}},
		{"past the end", Query{Sort: SortSales, Page: 3, PerPage: 3}, 4, nil},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			q := s.query
			if q.Page == 0 {
				q.Page, q.PerPage = 1, 20
			}
			if q.PriceMin == 0 && q.PriceMax == 0 {
				q.PriceMin, q.PriceMax = -1, -1
			}
			hits, err := x.Search(q)
			if err != nil {
				t.Fatal(err)
			}
			if hits.Total != s.total || !slices.Equal(hits.Ids, s.ids) {
				t.Fatalf("total %d ids %v, want %d %v", hits.Total, hits.Ids, s.total, s.ids)
			}
			if hits.Facets != nil {
				t.Fatalf("facets %+v not asked for", hits.Facets)
			}
		})
	}
}

func TestIndexSearchRefusesBadQueries(t *testing.T) {
	x := testIndex(testProducts())
	for _, q := range []Query{
		{Sort: "popular", Page: 1, PerPage: 20},
		{Sort: "", Page: 1, PerPage: 20},
		{Sort: SortNewest, Page: 0, PerPage: 20},
		{Sort: SortNewest, Page: 1, PerPage: 0},
	} {
		if _, err := x.Search(q); err == nil {
			t.Fatalf("%+v: no error", q)
		}
	}
}

func TestIndexFacets(t *testing.T) {
	x := testIndex(testProducts())
	hits, err := x.Search(Query{Sort: SortNewest, Page: 1, PerPage: 1, PriceMin: -1, PriceMax: -1, Facets: true, Level: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := &Facets{
		// by count, then by id
		Categories: []Facet{{Id: "green", Name: "绿茶", Count: 2}, {Id: "snack", Name: "零食", Count: 1}, {Id: "tea", Name: "茶叶", Count: 1}},
		Brands:     []Facet{{Id: "xihu", Name: "西湖", Count: 1}},
	}
	if hits.Total != 5 || !reflect.DeepEqual(hits.Facets, want) {
		t.Fatalf("total %d facets %+v, want 5 %+v", hits.Total, hits.Facets, want)
	}

	// nothing found: empty lists, not nil
	hits, err = x.Search(Query{Terms: QueryTerms("咖啡"), Sort: SortRelevance, Page: 1, PerPage: 20, Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	if hits.Facets == nil || hits.Facets.Categories == nil || hits.Facets.Brands == nil {
		t.Fatalf("facets %+v, want empty lists", hits.Facets)
	}
}

// An index changed product by product ends as one built from the final
// products, whatever the order of the changes.
func TestIndexUpdate(t *testing.T) {
	products := testProducts()
	byId := map[string]Product{}
	for _, p := range products {
		byId[p.Id] = p
	}
	renamed := byId["p2"]
	renamed.Title, renamed.Subtitle, renamed.Tags = "玻璃杯", "", []string{"热卖"}
	moved := byId["p3"]
	moved.Category, moved.Brand, moved.On = "snack", "xihu", false
	added := Product{Id: "p9", Title: "碧螺春 绿茶", On: true, Category: "green", Created: 9, MinPrice: 6000}

	scenarios := []struct {
		name   string
		ids    []string
		found  []Product
		change func(m map[string]Product)
	}{
		{"nothing", nil, nil, func(map[string]Product) {}},
		{"retitle", []string{"p2"}, []Product{renamed}, func(m map[string]Product) { m["p2"] = renamed }},
		{"move and take off the shelf", []string{"p3"}, []Product{moved}, func(m map[string]Product) { m["p3"] = moved }},
		{"delete", []string{"p1"}, nil, func(m map[string]Product) { delete(m, "p1") }},
		{"delete one never indexed", []string{"zz"}, nil, func(map[string]Product) {}},
		{"add, twice named", []string{"p9", "p9"}, []Product{added}, func(m map[string]Product) { m["p9"] = added }},
		{"several at once", []string{"p2", "p9", "p1", "p3"}, []Product{moved, added, renamed},
			func(m map[string]Product) {
				m["p2"], m["p3"], m["p9"] = renamed, moved, added
				delete(m, "p1")
			}},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			x := testIndex(products)
			x.Update(s.ids, s.found)
			want := maps.Clone(byId)
			s.change(want)
			fresh := testIndex(slices.SortedFunc(maps.Values(want), func(a, b Product) int { return int(a.Created - b.Created) }))
			assertSameIndex(t, x, fresh)
		})
	}

	// a deleted product is found no more, its doc is not reused
	x := testIndex(products)
	x.Update([]string{"p1"}, nil)
	x.Add(added)
	hits, _ := x.Search(Query{Terms: QueryTerms("绿茶"), Sort: SortRelevance, Page: 1, PerPage: 20, PriceMin: -1, PriceMax: -1})
	if !slices.Equal(hits.Ids, []string{"p9"}) || x.Len() != 8 {
		t.Fatalf("after delete and add: %v, %d products", hits.Ids, x.Len())
	}
}

// Renaming, moving or switching off a category or brand re-tokenizes or
// hides its products, as a fresh build would.
func TestIndexSetLabels(t *testing.T) {
	with := func(list []Label, id string, change func(l *Label)) []Label {
		list = slices.Clone(list)
		for i := range list {
			if list[i].Id == id {
				change(&list[i])
			}
		}
		return list
	}
	scenarios := []struct {
		name       string
		categories []Label
		brands     []Label
		query      string
		ids        []string
	}{
		{"rename a parent category", with(testCategories, "food", func(l *Label) { l.Name = "美食" }), testBrands, "美食", []string{"p4", "p3", "p1"}},
		{"old name gone", with(testCategories, "food", func(l *Label) { l.Name = "美食" }), testBrands, "食品", nil},
		{"switch off a parent", with(testCategories, "tea", func(l *Label) { l.Active = false }), testBrands, "", []string{"p4", "p2"}},
		{"switch on a category", with(testCategories, "home", func(l *Label) { l.Active = true }), testBrands, "茶盘", []string{"p7"}},
		{"move a category", with(testCategories, "green", func(l *Label) { l.Parent = "snack" }), testBrands, "零食", []string{"p4", "p1"}},
		{"delete a category", slices.DeleteFunc(slices.Clone(testCategories), func(l Label) bool { return l.Id == "tea" }), testBrands, "茶叶", []string{"p3"}},
		{"rename a brand", testCategories, with(testBrands, "xihu", func(l *Label) { l.Name = "狮峰" }), "狮峰", []string{"p1"}},
		{"switch on a brand", testCategories, with(testBrands, "zojirushi", func(l *Label) { l.Active = true }), "象印", []string{"p6"}},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			x := testIndex(testProducts())
			x.SetLabels(s.categories, s.brands)
			fresh := NewIndex(s.categories, s.brands)
			for _, p := range testProducts() {
				fresh.Add(p)
			}
			assertSameIndex(t, x, fresh)
			hits, err := x.Search(Query{Terms: QueryTerms(s.query), Sort: SortNewest, Page: 1, PerPage: 20, PriceMin: -1, PriceMax: -1})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(hits.Ids, s.ids) {
				t.Fatalf("%q: %v, want %v", s.query, hits.Ids, s.ids)
			}
		})
	}
}

// A category cycle made in the dashboard neither hangs nor hides anything
// that is active.
func TestIndexCategoryCycle(t *testing.T) {
	x := NewIndex([]Label{
		{Id: "a", Name: "甲", Active: true, Parent: "b"},
		{Id: "b", Name: "乙", Active: true, Parent: "a"},
	}, nil)
	x.Add(Product{Id: "p", Title: "商品", On: true, Category: "a"})
	for _, q := range []Query{{Terms: QueryTerms("甲")}, {Terms: QueryTerms("乙")}, {Category: "b"}} {
		q.Sort, q.Page, q.PerPage, q.PriceMin, q.PriceMax = SortNewest, 1, 20, -1, -1
		hits, err := x.Search(q)
		if err != nil || !slices.Equal(hits.Ids, []string{"p"}) {
			t.Fatalf("%+v: %v %v", q, hits.Ids, err)
		}
	}
}

func assertSameIndex(t *testing.T, got, want *Index) {
	t.Helper()
	g, w := got.Describe(), want.Describe()
	for _, k := range slices.Sorted(maps.Keys(w)) {
		if g[k] != w[k] {
			t.Errorf("%s: %q, want %q", k, g[k], w[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(g)) {
		if _, ok := w[k]; !ok {
			t.Errorf("%s: %q, want none", k, g[k])
		}
	}
}

func TestPostingsApply(t *testing.T) {
	scenarios := []struct {
		name       string
		docs       []int32
		fields     []uint8
		ops        []tokenOp
		wantDocs   []int32
		wantFields []uint8
	}{
		{"insert into empty", nil, nil, []tokenOp{{3, inTitle}}, []int32{3}, []uint8{inTitle}},
		{"insert in the middle", []int32{1, 5}, []uint8{1, 1}, []tokenOp{{3, inTags}}, []int32{1, 3, 5}, []uint8{1, inTags, 1}},
		{"change fields", []int32{1, 5}, []uint8{1, 1}, []tokenOp{{5, 3}}, []int32{1, 5}, []uint8{1, 3}},
		{"remove", []int32{1, 5}, []uint8{1, 2}, []tokenOp{{1, 0}}, []int32{5}, []uint8{2}},
		{"remove one not there", []int32{1, 5}, []uint8{1, 2}, []tokenOp{{2, 0}}, []int32{1, 5}, []uint8{1, 2}},
		{"merge", []int32{1, 4, 6, 9}, []uint8{1, 1, 1, 1},
			[]tokenOp{{0, 2}, {4, 0}, {6, 8}, {7, 4}, {9, 0}, {12, 16}, {13, 0}},
			[]int32{0, 1, 6, 7, 12}, []uint8{2, 1, 8, 4, 16}},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			p := &postings{docs: slices.Clone(s.docs), fields: slices.Clone(s.fields)}
			p.apply(s.ops)
			if !slices.Equal(p.docs, s.wantDocs) || !slices.Equal(p.fields, s.wantFields) {
				t.Fatalf("docs %v fields %v, want %v %v", p.docs, p.fields, s.wantDocs, s.wantFields)
			}
		})
	}
}

func TestSeek(t *testing.T) {
	docs := []int32{2, 4, 6, 8, 10, 12, 14, 16, 18, 20}
	scenarios := []struct {
		from int
		doc  int32
		want int
	}{
		{0, 1, 0}, {0, 2, 0}, {0, 3, 1}, {0, 20, 9}, {0, 21, 10},
		{3, 4, 3}, // never back
		{3, 13, 6}, {9, 20, 9}, {10, 5, 10},
	}
	for _, s := range scenarios {
		if got := seek(docs, s.from, s.doc); got != s.want {
			t.Errorf("seek(from %d, %d) = %d, want %d", s.from, s.doc, got, s.want)
		}
	}
}

// topHits keeps the best k of many offers, in order, ties by id.
func TestTopHits(t *testing.T) {
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = fmt.Sprintf("id%03d", 99-i) // doc 99 has the smallest id
	}
	for _, k := range []int{0, 1, 5, 100, 200} {
		top := &topHits{k: k, ids: ids}
		all := make([]hit, 0, 100)
		for doc := range int32(100) {
			h := hit{doc: doc, a: int64(doc % 7), b: int64(doc % 3)}
			all = append(all, h)
			top.offer(h)
		}
		slices.SortFunc(all, func(x, y hit) int {
			switch {
			case x.a != y.a:
				return int(y.a - x.a)
			case x.b != y.b:
				return int(y.b - x.b)
			}
			return int(y.doc - x.doc) // higher doc, smaller id
		})
		want := all[:min(k, len(all))]
		if got := top.sorted(); !slices.Equal(got, want) {
			t.Fatalf("k=%d: %v, want %v", k, got, want)
		}
	}
}

// Searches run while products and labels change (run with -race): each
// search sees the product either before or after its change.
func TestIndexConcurrentUse(t *testing.T) {
	x := testIndex(testProducts())
	renamed := testProducts()[1]
	renamed.Title = "玻璃杯"
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			if i%2 == 0 {
				x.Update([]string{"p2"}, []Product{renamed})
			} else {
				x.Update([]string{"p2"}, []Product{testProducts()[1]})
			}
			x.SetLabels(testCategories, testBrands)
		}
	}()
	q := Query{Terms: QueryTerms("杯"), Sort: SortRelevance, Page: 1, PerPage: 20, PriceMin: -1, PriceMax: -1}
	for {
		select {
		case <-done:
			return
		default:
		}
		hits, err := x.Search(q)
		if err != nil || !slices.Equal(hits.Ids, []string{"p2", "p4"}) {
			t.Fatalf("%v %v", hits.Ids, err)
		}
	}
}
