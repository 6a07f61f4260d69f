package catalog

import (
	"slices"
	"strings"

	"fenxiao/internal/search"
)

// maxFacets is the most categories or brands a facet list shows.
const maxFacets = 50

// searchHits is the outcome of a search on the index.
type searchHits struct {
	total  int
	page   []string // product ids of the requested page, in order
	facets *Facets
}

// search finds the on-shelf products matching every term and the filters
// of q, counts them (per category and brand with q.Facets) and returns the
// requested page in the given order. Products in an inactive category (or
// under one), of an inactive brand or reserved for a distributor level
// above q.Level are neither found nor counted.
//
// The caller holds the index for reading.
func (s *indexState) search(
	q SearchQuery,
	terms []search.Term,
	order func(s *indexState, doc int32, inTitle bool) (int64, int64),
) (hits searchHits) {
	var categoryCounts, brandCounts []int32
	if q.Facets {
		categoryCounts = make([]int32, len(s.categories.ids))
		brandCounts = make([]int32, len(s.brands.ids))
		defer func() {
			hits.facets = &Facets{
				Categories: s.categories.facets(categoryCounts),
				Brands:     s.brands.facets(brandCounts),
			}
		}()
	}

	// filters
	var categories []bool
	if q.Category != "" {
		c, ok := s.categories.index[q.Category]
		if !ok {
			return hits
		}
		categories = make([]bool, len(s.categories.ids))
		for _, i := range s.categories.subtree(c) {
			categories[i] = true
		}
	}
	brand := int32(-1)
	if q.Brand != "" {
		b, ok := s.brands.index[q.Brand]
		if !ok {
			return hits
		}
		brand = b
	}
	keep := func(doc int32) bool {
		if !s.on[doc] || s.minLevel[doc] > int32(q.Level) || s.categories.hides(s.category[doc]) || s.brands.hides(s.brand[doc]) {
			return false
		}
		if categories != nil {
			if c := s.category[doc]; c < 0 || !categories[c] {
				return false
			}
		}
		if brand >= 0 && s.brand[doc] != brand {
			return false
		}
		price := s.minPrice[doc]
		return (q.PriceMin < 0 || price >= q.PriceMin) && (q.PriceMax < 0 || price <= q.PriceMax)
	}

	top := &topHits{k: q.Page * q.PerPage, ids: s.ids}
	top.heap = make([]hit, 0, min(top.k, 1024))
	visit := func(doc int32, inTitle bool) {
		hits.total++
		if q.Facets {
			if c := s.category[doc]; c >= 0 {
				categoryCounts[c]++
			}
			if b := s.brand[doc]; b >= 0 {
				brandCounts[b]++
			}
		}
		a, b := order(s, doc, inTitle)
		top.offer(hit{doc: doc, a: a, b: b})
	}
	if len(terms) == 0 {
		for doc := range int32(len(s.ids)) {
			if keep(doc) {
				visit(doc, false)
			}
		}
	} else {
		s.match(terms, keep, visit)
	}

	ranked := top.sorted()
	for i := (q.Page - 1) * q.PerPage; i < len(ranked); i++ {
		hits.page = append(hits.page, s.ids[ranked[i].doc])
	}
	return hits
}

// match calls visit with every doc that keep accepts and that matches all
// terms, telling whether all of them were found in the title.
//
// The posting lists of the terms' tokens are intersected, driven by the
// shortest; the others are searched forward from the last position found.
func (s *indexState) match(terms []search.Term, keep func(doc int32) bool, visit func(doc int32, inTitle bool)) {
	var lists []*postings
	termLists := make([][]int, len(terms)) // per term, its tokens' lists
	listOf := map[string]int{}
	for t, term := range terms {
		for _, tok := range term.Tokens {
			i, ok := listOf[tok]
			if !ok {
				p := s.tokens[tok]
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
				f = s.phraseFields(doc, f, term.Text)
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
func (s *indexState) phraseFields(doc int32, fields uint8, text string) uint8 {
	if fields&inTitle != 0 && strings.Contains(s.title[doc], text) {
		return inTitle
	}
	for bit := inSubtitle; bit != 0 && bit <= fields; bit <<= 1 {
		if fields&bit != 0 && strings.Contains(s.fieldText(doc, bit), text) {
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
