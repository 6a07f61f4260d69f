package search

import (
	"fmt"
	"slices"
	"strings"
)

// maxFacets is the most categories or brands a facet list shows.
const maxFacets = 50

// Sort orders of a search.
const (
	SortRelevance = "relevance" // default with a keyword
	SortSales     = "sales"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
	SortNewest    = "newest" // default without a keyword
)

// sortOrders give the sort keys of a hit by sort: hits are ordered by
// their first key, then their second (both descending), then by product id.
//
// Relevance puts products whose title holds every keyword first, then the
// others (subtitle, tags, brand, category hits), each tier by sales.
var sortOrders = map[string]func(x *Index, doc int32, inTitle bool) (int64, int64){
	SortRelevance: func(x *Index, doc int32, inTitle bool) (int64, int64) {
		if inTitle {
			return 1, x.sales[doc]
		}
		return 0, x.sales[doc]
	},
	SortSales:     func(x *Index, doc int32, _ bool) (int64, int64) { return x.sales[doc], 0 },
	SortPriceAsc:  func(x *Index, doc int32, _ bool) (int64, int64) { return -x.minPrice[doc], 0 },
	SortPriceDesc: func(x *Index, doc int32, _ bool) (int64, int64) { return x.minPrice[doc], 0 },
	SortNewest:    func(x *Index, doc int32, _ bool) (int64, int64) { return x.created[doc], 0 },
}

// ValidSort reports whether sort is one of the Sort* orders.
func ValidSort(sort string) bool {
	_, ok := sortOrders[sort]
	return ok
}

// Query is a search of the index.
type Query struct {
	// Terms are the keywords (see [QueryTerms]); none lists everything
	// on the shelf.
	Terms []Term

	// Category includes its sub-categories.
	Category string
	Brand    string

	// PriceMin and PriceMax bound the product's lowest SKU price in fen
	// (negative: no bound).
	PriceMin int64
	PriceMax int64

	// Level is the searcher's distributor level: products reserved for a
	// higher one are not found.
	Level int

	// Sort is one of the Sort* orders.
	Sort string

	Page    int // from 1
	PerPage int

	// Facets asks for the number of hits per category and brand.
	Facets bool
}

// Facet is the number of hits in one category or brand.
type Facet struct {
	Id    string `json:"id"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Facets are the hits per category and per brand.
type Facets struct {
	Categories []Facet `json:"categories"`
	Brands     []Facet `json:"brands"`
}

// Hits is the outcome of a search.
type Hits struct {
	Total  int
	Ids    []string // product ids of the requested page, in order
	Facets *Facets  // with Query.Facets
}

// Search finds the on-shelf products matching every term and the filters
// of q, counts them (per category and brand with q.Facets) and returns the
// requested page in q's order. Products in an inactive category (or under
// one), of an inactive brand or reserved for a distributor level above
// q.Level are neither found nor counted.
func (x *Index) Search(q Query) (hits Hits, err error) {
	order, ok := sortOrders[q.Sort]
	if !ok {
		return hits, fmt.Errorf("unknown sort %q", q.Sort)
	}
	if q.Page < 1 || q.PerPage < 1 {
		return hits, fmt.Errorf("page %d of %d: both must be at least 1", q.Page, q.PerPage)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()

	var categoryCounts, brandCounts []int32
	if q.Facets {
		categoryCounts = make([]int32, len(x.categories.ids))
		brandCounts = make([]int32, len(x.brands.ids))
		defer func() {
			hits.Facets = &Facets{
				Categories: x.categories.facets(categoryCounts),
				Brands:     x.brands.facets(brandCounts),
			}
		}()
	}

	// filters
	var categories []bool
	if q.Category != "" {
		c, ok := x.categories.index[q.Category]
		if !ok {
			return hits, nil
		}
		categories = make([]bool, len(x.categories.ids))
		for _, i := range x.categories.subtree(c) {
			categories[i] = true
		}
	}
	brand := int32(-1)
	if q.Brand != "" {
		b, ok := x.brands.index[q.Brand]
		if !ok {
			return hits, nil
		}
		brand = b
	}
	keep := func(doc int32) bool {
		if !x.on[doc] || x.minLevel[doc] > int32(q.Level) || x.categories.hides(x.category[doc]) || x.brands.hides(x.brand[doc]) {
			return false
		}
		if categories != nil {
			if c := x.category[doc]; c < 0 || !categories[c] {
				return false
			}
		}
		if brand >= 0 && x.brand[doc] != brand {
			return false
		}
		price := x.minPrice[doc]
		return (q.PriceMin < 0 || price >= q.PriceMin) && (q.PriceMax < 0 || price <= q.PriceMax)
	}

	top := &topHits{k: q.Page * q.PerPage, ids: x.ids}
	top.heap = make([]hit, 0, min(top.k, 1024))
	visit := func(doc int32, inTitle bool) {
		hits.Total++
		if q.Facets {
			if c := x.category[doc]; c >= 0 {
				categoryCounts[c]++
			}
			if b := x.brand[doc]; b >= 0 {
				brandCounts[b]++
			}
		}
		a, b := order(x, doc, inTitle)
		top.offer(hit{doc: doc, a: a, b: b})
	}
	if len(q.Terms) == 0 {
		for doc := range int32(len(x.ids)) {
			if keep(doc) {
				visit(doc, false)
			}
		}
	} else {
		x.match(q.Terms, keep, visit)
	}

	ranked := top.sorted()
	for i := (q.Page - 1) * q.PerPage; i < len(ranked); i++ {
		hits.Ids = append(hits.Ids, x.ids[ranked[i].doc])
	}
	return hits, nil
}

// match calls visit with every doc that keep accepts and that matches all
// terms, telling whether all of them were found in the title.
//
// The posting lists of the terms' tokens are intersected, driven by the
// shortest; the others are searched forward from the last position found.
func (x *Index) match(terms []Term, keep func(doc int32) bool, visit func(doc int32, inTitle bool)) {
	var lists []*postings
	termLists := make([][]int, len(terms)) // per term, its tokens' lists
	listOf := map[string]int{}
	for t, term := range terms {
		for _, tok := range term.Tokens {
			i, ok := listOf[tok]
			if !ok {
				p := x.tokens[tok]
				if p == nil {
					return // a token nobody has
				}
				i = len(lists)
				listOf[tok] = i
				lists = append(lists, p)
			}
			termLists[t] = append(termLists[t], i)
		}
	}

	byLength := make([]int, len(lists))
	for i := range byLength {
		byLength[i] = i
	}
	slices.SortFunc(byLength, func(a, b int) int { return len(lists[a].docs) - len(lists[b].docs) })
	lead, others := lists[byLength[0]], byLength[1:]
	cursors := make([]int, len(lists))
	fields := make([]uint8, len(lists))

next:
	for j, doc := range lead.docs {
		if !keep(doc) {
			continue
		}
		fields[byLength[0]] = lead.fields[j]
		for _, i := range others {
			docs := lists[i].docs
			c := seek(docs, cursors[i], doc)
			cursors[i] = c
			if c == len(docs) {
				return
			}
			if docs[c] != doc {
				continue next
			}
			fields[i] = lists[i].fields[c]
		}

		title := true
		for t, term := range terms {
			f := ^uint8(0)
			for _, i := range termLists[t] {
				f &= fields[i]
			}
			if term.Phrase {
				f = x.phraseFields(doc, f, term.Text)
			}
			if f == 0 {
				continue next
			}
			title = title && f&inTitle != 0
		}
		visit(doc, title)
	}
}

// phraseFields returns which of the given fields of doc contain text, as
// far as a search needs to know: the title if it does, else any one other
// field that does, else none.
func (x *Index) phraseFields(doc int32, fields uint8, text string) uint8 {
	if fields&inTitle != 0 && strings.Contains(x.title[doc], text) {
		return inTitle
	}
	for bit := inSubtitle; bit != 0 && bit <= fields; bit <<= 1 {
		if fields&bit != 0 && strings.Contains(x.fieldText(doc, bit), text) {
			return bit
		}
	}
	return 0
}

// seek returns the first position from i on whose doc is doc or above
// (len(docs) if none), galloping forward from i.
func seek(docs []int32, i int, doc int32) int {
	if i >= len(docs) || docs[i] >= doc {
		return i
	}
	// docs[lo] < doc; grow the step until docs[hi] >= doc
	lo, step := i, 1
	hi := lo + step
	for hi < len(docs) && docs[hi] < doc {
		lo = hi
		step *= 2
		hi = lo + step
	}
	hi = min(hi, len(docs))
	n, _ := slices.BinarySearch(docs[lo+1:hi], doc)
	return lo + 1 + n
}

// hit is a found doc with its sort keys.
type hit struct {
	doc  int32
	a, b int64
}

// topHits keeps the best k hits offered, in a heap whose root is the worst
// one kept, so that a search never sorts all its hits.
type topHits struct {
	k    int
	ids  []string // tie-break: product id ascending
	heap []hit
}

// better reports whether x ranks before y.
func (t *topHits) better(x, y hit) bool {
	if x.a != y.a {
		return x.a > y.a
	}
	if x.b != y.b {
		return x.b > y.b
	}
	return t.ids[x.doc] < t.ids[y.doc]
}

func (t *topHits) offer(h hit) {
	if len(t.heap) < t.k {
		t.heap = append(t.heap, h)
		for i := len(t.heap) - 1; i > 0; {
			parent := (i - 1) / 2
			if !t.better(t.heap[parent], t.heap[i]) {
				break
			}
			t.heap[parent], t.heap[i] = t.heap[i], t.heap[parent]
			i = parent
		}
		return
	}
	if t.k == 0 || !t.better(h, t.heap[0]) {
		return
	}
	t.heap[0] = h
	for i, n := 0, len(t.heap); ; {
		worst := i
		if l := 2*i + 1; l < n && t.better(t.heap[worst], t.heap[l]) {
			worst = l
		}
		if r := 2*i + 2; r < n && t.better(t.heap[worst], t.heap[r]) {
			worst = r
		}
		if worst == i {
			break
		}
		t.heap[i], t.heap[worst] = t.heap[worst], t.heap[i]
		i = worst
	}
}

// sorted returns the kept hits, best first.
func (t *topHits) sorted() []hit {
	slices.SortFunc(t.heap, func(x, y hit) int {
		switch {
		case t.better(x, y):
			return -1
		case t.better(y, x):
			return 1
		}
		return 0
	})
	return t.heap
}

// facets returns the labels with a count, largest first (then by id), at
// most maxFacets of them.
func (l *labels) facets(counts []int32) []Facet {
	facets := make([]Facet, 0)
	for i, n := range counts {
		if n > 0 {
			facets = append(facets, Facet{Id: l.ids[i], Name: l.names[i], Count: int(n)})
		}
	}
	slices.SortFunc(facets, func(a, b Facet) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Id, b.Id)
	})
	if len(facets) > maxFacets {
		facets = facets[:maxFacets]
	}
	return facets
}
