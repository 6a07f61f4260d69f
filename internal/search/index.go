package search

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Index is an in-memory product search index: the tokens of each product's
// title, subtitle, brand name, category path names and tags (see
// [EachToken]), and the keys its searches filter and sort by.
//
// Products are numbered with dense int32 docs. Each token has a posting
// list of the docs holding it, in ascending order, with the fields the token
// was found in. The filter and sort keys are kept in flat slices indexed by
// doc.
//
// An Index is safe for concurrent use: searches share it, a change holds it
// only while it patches the lists. It knows nothing of where the products
// come from: the caller feeds it with [Index.Add] and keeps it in step with
// [Index.Update] and [Index.SetLabels], one change at a time in the order
// the changes were committed.
type Index struct {
	writeMu sync.Mutex   // one writer at a time
	mu      sync.RWMutex // readers, and a writer while it patches

	docs map[string]int32 // product id -> doc

	// by doc; a deleted product keeps its doc with an empty id
	ids      []string
	title    []string
	subtitle []string
	tags     []string // joined by textSeparator
	on       []bool   // on the shelf
	minLevel []int32  // reserved for this distributor level and above (0: everyone)
	sales    []int64
	minPrice []int64
	created  []int64 // unix milliseconds
	category []int32 // index in categories, -1 for none
	brand    []int32 // index in brands, -1 for none

	tokens map[string]*postings

	categories *labels
	brands     *labels
}

// Product is what the index holds of one product.
type Product struct {
	Id       string
	Title    string
	Subtitle string
	Tags     []string
	On       bool   // on the shelf: only such products are found
	Category string // category id ("" for none)
	Brand    string // brand id ("" for none)
	Created  int64  // unix milliseconds
	MinPrice int64  // lowest SKU price, fen
	Sales    int64

	// MinLevel reserves the product for distributors of this level and
	// above (0: everyone).
	MinLevel int
}

// Label is a category or a brand.
type Label struct {
	Id     string
	Name   string
	Active bool   // an inactive one hides its products (and sub-categories')
	Parent string // categories only: the parent category id ("" for a root)
}

// Fields of a posting: where in the product a token was found.
const (
	inTitle uint8 = 1 << iota
	inSubtitle
	inBrand
	inCategory
	inTags
)

// textSeparator joins the texts of one field (tags, category path names);
// a keyword never spans it, as it is neither a letter nor CJK.
const textSeparator = "\n"

// postings are the docs holding a token, ascending, with the fields in
// which it was found (parallel slices).
type postings struct {
	docs   []int32
	fields []uint8
}

// NewIndex returns an empty index naming the products' categories (a
// tree, by Parent) and brands with the given labels.
func NewIndex(categories, brands []Label) *Index {
	x := &Index{
		docs:       map[string]int32{},
		tokens:     map[string]*postings{},
		categories: &labels{index: map[string]int32{}},
		brands:     &labels{index: map[string]int32{}},
	}
	x.categories.load(categories, true)
	x.brands.load(brands, false)
	return x
}

// Len returns the number of products in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.docs)
}

// TokenCount returns the number of distinct tokens in the index.
func (x *Index) TokenCount() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.tokens)
}

// Add indexes a product, as a build does product by product; a product
// already in the index is updated instead.
func (x *Index) Add(p Product) {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	if _, ok := x.docs[p.Id]; ok || p.Id == "" {
		x.update([]string{p.Id}, []Product{p})
		return
	}
	fields := map[string]uint8{}
	x.mu.Lock()
	defer x.mu.Unlock()
	doc := x.add(p)
	x.collectTokens(doc, x.categories, x.brands, fields)
	for tok, f := range fields {
		pl := x.tokens[tok]
		if pl == nil {
			pl = &postings{}
			x.tokens[strings.Clone(tok)] = pl
		}
		// note: a new doc is the highest, so appending keeps every list
		// ascending
		pl.docs = append(pl.docs, doc)
		pl.fields = append(pl.fields, f)
	}
}

// Update brings the index in step with the products ids after a change:
// those in found (their current content) are added or re-tokenized, the
// others removed.
func (x *Index) Update(ids []string, found []Product) {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	x.update(ids, found)
}

func (x *Index) update(ids []string, products []Product) {
	if len(ids) == 0 {
		return
	}
	found := make(map[string]Product, len(products))
	for _, p := range products {
		found[p.Id] = p
	}

	type change struct {
		doc    int32
		row    Product
		exists bool // in found
		before map[string]uint8
	}
	// note: only this writer changes the index, so it reads without mu
	var changes []change
	next := int32(len(x.ids))
	for _, id := range ids {
		p, exists := found[id]
		doc, indexed := x.docs[id]
		switch {
		case indexed:
			before := map[string]uint8{}
			x.collectTokens(doc, x.categories, x.brands, before)
			changes = append(changes, change{doc: doc, row: p, exists: exists, before: before})
		case exists && id != "":
			changes = append(changes, change{doc: next, row: p, exists: true})
			next++
			delete(found, id) // note: a repeated id is added once
		}
	}
	slices.SortFunc(changes, func(a, b change) int { return int(a.doc - b.doc) })
	changes = slices.CompactFunc(changes, func(a, b change) bool { return a.doc == b.doc })

	x.mu.Lock()
	defer x.mu.Unlock()
	ops := map[string][]tokenOp{}
	for _, c := range changes {
		after := map[string]uint8{}
		switch {
		case !c.exists:
			x.remove(c.doc)
		case c.doc == int32(len(x.ids)):
			x.add(c.row)
		default:
			x.set(c.doc, c.row)
		}
		x.collectTokens(c.doc, x.categories, x.brands, after)
		diffTokens(ops, c.doc, c.before, after)
	}
	x.applyOps(ops)
}

// SetLabels replaces the categories and brands (after any of them was
// added, renamed, moved, switched on or off or deleted) and re-tokenizes
// the products whose category path or brand name changed.
func (x *Index) SetLabels(categories, brands []Label) {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	// note: the clones keep the label numbers the docs refer to
	newCategories, newBrands := x.categories.clone(), x.brands.clone()
	newCategories.load(categories, true)
	newBrands.load(brands, false)
	changedCategories := changedText(x.categories, newCategories)
	changedBrands := changedText(x.brands, newBrands)

	ops := map[string][]tokenOp{}
	before, after := map[string]uint8{}, map[string]uint8{}
	for doc := range x.ids {
		c, b := x.category[doc], x.brand[doc]
		if !(c >= 0 && changedCategories[c]) && !(b >= 0 && changedBrands[b]) {
			continue
		}
		clear(before)
		clear(after)
		x.collectTokens(int32(doc), x.categories, x.brands, before)
		x.collectTokens(int32(doc), newCategories, newBrands, after)
		diffTokens(ops, int32(doc), before, after)
	}

	x.mu.Lock()
	defer x.mu.Unlock()
	x.categories, x.brands = newCategories, newBrands
	x.applyOps(ops)
}

// add gives a new doc to product p, without its tokens.
func (x *Index) add(p Product) int32 {
	doc := int32(len(x.ids))
	x.docs[p.Id] = doc
	x.ids = append(x.ids, p.Id)
	x.title = append(x.title, "")
	x.subtitle = append(x.subtitle, "")
	x.tags = append(x.tags, "")
	x.on = append(x.on, false)
	x.minLevel = append(x.minLevel, 0)
	x.sales = append(x.sales, 0)
	x.minPrice = append(x.minPrice, 0)
	x.created = append(x.created, 0)
	x.category = append(x.category, -1)
	x.brand = append(x.brand, -1)
	x.set(doc, p)
	return doc
}

// set stores the keys and texts of product p in doc.
func (x *Index) set(doc int32, p Product) {
	x.title[doc] = p.Title
	x.subtitle[doc] = p.Subtitle
	x.tags[doc] = strings.Join(p.Tags, textSeparator)
	x.on[doc] = p.On
	x.minLevel[doc] = int32(p.MinLevel)
	x.sales[doc] = p.Sales
	x.minPrice[doc] = p.MinPrice
	x.created[doc] = p.Created
	x.category[doc] = x.categories.lookup(p.Category)
	x.brand[doc] = x.brands.lookup(p.Brand)
}

// remove empties doc (its tokens must already be gone).
func (x *Index) remove(doc int32) {
	delete(x.docs, x.ids[doc])
	x.ids[doc] = ""
	x.set(doc, Product{})
}

// collectTokens adds the tokens of doc to fields, with the fields each was
// found in, naming its category and brand with the given labels.
func (x *Index) collectTokens(doc int32, categories, brands *labels, fields map[string]uint8) {
	if x.ids[doc] == "" {
		return
	}
	add := func(text string, bit uint8) {
		EachToken(text, func(tok string) { fields[tok] |= bit })
	}
	add(x.title[doc], inTitle)
	add(x.subtitle[doc], inSubtitle)
	add(x.tags[doc], inTags)
	if c := x.category[doc]; c >= 0 {
		add(categories.text[c], inCategory)
	}
	if b := x.brand[doc]; b >= 0 {
		add(brands.text[b], inBrand)
	}
}

// fieldText returns the text of one field of doc.
func (x *Index) fieldText(doc int32, field uint8) string {
	switch field {
	case inTitle:
		return x.title[doc]
	case inSubtitle:
		return x.subtitle[doc]
	case inTags:
		return x.tags[doc]
	case inCategory:
		if c := x.category[doc]; c >= 0 {
			return x.categories.text[c]
		}
	case inBrand:
		if b := x.brand[doc]; b >= 0 {
			return x.brands.text[b]
		}
	}
	return ""
}

// tokenOp sets the fields of doc in a posting list (0 removes it).
type tokenOp struct {
	doc    int32
	fields uint8
}

// diffTokens appends to ops, per token, what turns the before tokens of
// doc into the after ones. Calls must come in ascending doc order.
func diffTokens(ops map[string][]tokenOp, doc int32, before, after map[string]uint8) {
	for tok, f := range before {
		if after[tok] != f {
			ops[tok] = append(ops[tok], tokenOp{doc, after[tok]})
		}
	}
	for tok, f := range after {
		if _, ok := before[tok]; !ok {
			ops[tok] = append(ops[tok], tokenOp{doc, f})
		}
	}
}

// applyOps changes the posting lists (ops per token in ascending doc order).
func (x *Index) applyOps(ops map[string][]tokenOp) {
	for tok, list := range ops {
		p := x.tokens[tok]
		if p == nil {
			p = &postings{}
			x.tokens[strings.Clone(tok)] = p
		}
		p.apply(list)
		if len(p.docs) == 0 {
			delete(x.tokens, tok)
		}
	}
}

func (p *postings) apply(ops []tokenOp) {
	if len(ops) == 1 {
		op := ops[0]
		i, found := slices.BinarySearch(p.docs, op.doc)
		switch {
		case found && op.fields == 0:
			p.docs = slices.Delete(p.docs, i, i+1)
			p.fields = slices.Delete(p.fields, i, i+1)
		case found:
			p.fields[i] = op.fields
		case op.fields != 0:
			p.docs = slices.Insert(p.docs, i, op.doc)
			p.fields = slices.Insert(p.fields, i, op.fields)
		}
		return
	}

	// merge
	docs := make([]int32, 0, len(p.docs)+len(ops))
	fields := make([]uint8, 0, len(p.docs)+len(ops))
	i, j := 0, 0
	for i < len(p.docs) || j < len(ops) {
		switch {
		case j == len(ops) || (i < len(p.docs) && p.docs[i] < ops[j].doc):
			docs = append(docs, p.docs[i])
			fields = append(fields, p.fields[i])
			i++
			continue
		case i < len(p.docs) && p.docs[i] == ops[j].doc:
			i++
		}
		if ops[j].fields != 0 {
			docs = append(docs, ops[j].doc)
			fields = append(fields, ops[j].fields)
		}
		j++
	}
	p.docs, p.fields = docs, fields
}

// Describe flattens the index by product id and token, without doc
// numbers, so that two indexes of the same products compare equal
// whatever order they were built or changed in (tests and audits).
func (x *Index) Describe() map[string]string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := map[string]string{}
	label := func(l *labels, i int32) string {
		if i < 0 {
			return "-"
		}
		return fmt.Sprint(l.ids[i], "/", l.names[i], "/", l.text[i], "/hidden=", l.hidden[i])
	}
	for doc, id := range x.ids {
		if id == "" {
			continue
		}
		out["product "+id] = fmt.Sprint(x.title[doc], "|", x.subtitle[doc], "|", x.tags[doc], "|", x.on[doc], "|", x.minLevel[doc], "|",
			x.sales[doc], "|", x.minPrice[doc], "|", x.created[doc], "|",
			label(x.categories, x.category[doc]), "|", label(x.brands, x.brand[doc]))
	}
	for tok, p := range x.tokens {
		if !slices.IsSorted(p.docs) {
			out["token "+tok] = "unsorted"
			continue
		}
		for i, doc := range p.docs {
			out["token "+tok+" "+x.ids[doc]] = fmt.Sprint(p.fields[i])
		}
	}
	return out
}
