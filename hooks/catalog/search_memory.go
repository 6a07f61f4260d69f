package catalog

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/internal/search"
)

// The product search index lives in memory, one per app (one process
// serves one shop). It is built from the database with one streaming query
// on the first serve (or the first search) and kept in step after every
// committed change: see search_index.go.
//
// Products are numbered with dense int32 docs. Each token of a product's
// title, subtitle, brand name, category path names and tags (see
// fenxiao/internal/search) has a posting list of the docs holding it, in
// ascending order, with the fields the token was found in. The filter and
// sort keys are kept in flat slices indexed by doc.

// searchIndexKey is the app store key of the app's *searchIndex.
const searchIndexKey = "fenxiao.catalog.searchIndex"

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

// searchIndex is the in-memory product search index of an app.
//
// Readers hold mu for reading while they use state. Writers hold writeMu
// for the whole of a build or an update (reading the database included) and
// take mu for writing only to swap or patch state.
type searchIndex struct {
	app core.App // the non-transactional app

	writeMu sync.Mutex
	mu      sync.RWMutex
	state   *indexState // nil: not built yet, or dropped after a failed update
}

// indexState is the content of a built index.
type indexState struct {
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

// postings are the docs holding a token, ascending, with the fields in
// which it was found (parallel slices).
type postings struct {
	docs   []int32
	fields []uint8
}

// labels are the categories or the brands, numbered in the order first met.
type labels struct {
	index map[string]int32
	ids   []string
	names []string  // "" for a missing record
	text  []string  // searchable text: the name, or a category's path names
	up    []int32   // parent category, -1 for none
	down  [][]int32 // child categories

	// hidden marks an inactive (is_active = false) brand, or a category
	// that is inactive or under an inactive one: its products are neither
	// found nor counted. A missing record hides nothing.
	hidden []bool
}

// productRow is the part of a product the index holds.
type productRow struct {
	id, title, subtitle, tags, status, category, brand, created string
	minPrice, sales, minLevel                                   int64
}

// productColumns are the columns read into a productRow, in order.
var productColumns = []string{"id", "title", "subtitle", "tags", "status", "category", "brand", "created", "min_price", "sales", "min_level"}

func scanProduct(rows interface{ Scan(...any) error }, r *productRow) error {
	var tags sql.NullString
	var minPrice, sales, minLevel float64
	err := rows.Scan(&r.id, &r.title, &r.subtitle, &tags, &r.status, &r.category, &r.brand, &r.created, &minPrice, &sales, &minLevel)
	if err != nil {
		return err
	}
	r.minPrice, r.sales, r.minLevel = int64(minPrice), int64(sales), int64(minLevel)
	r.tags = ""
	var list []string
	if tags.Valid && json.Unmarshal([]byte(tags.String), &list) == nil {
		r.tags = strings.Join(list, textSeparator)
	}
	return nil
}

func newSearchIndex(app core.App) *searchIndex {
	return &searchIndex{app: app}
}

// searchIndexOf returns the search index of app, or nil when the catalog
// is not registered on it.
func searchIndexOf(app core.App) *searchIndex {
	x, _ := app.Store().Get(searchIndexKey).(*searchIndex)
	return x
}

// search runs s.search on the index, building it first if needed.
func (x *searchIndex) search(
	q SearchQuery,
	terms []search.Term,
	order func(s *indexState, doc int32, inTitle bool) (int64, int64),
) (searchHits, error) {
	for range 2 {
		x.mu.RLock()
		if s := x.state; s != nil {
			defer x.mu.RUnlock()
			return s.search(q, terms, order), nil
		}
		x.mu.RUnlock()
		if err := x.ensure(); err != nil {
			return searchHits{}, err
		}
	}
	return searchHits{}, errors.New("search index dropped during a search")
}

// ensure builds the index unless it is built.
func (x *searchIndex) ensure() error {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	if x.current() != nil {
		return nil
	}
	start := time.Now()
	s, err := loadIndexState(x.app)
	if err != nil {
		return fmt.Errorf("build search index: %w", err)
	}
	x.mu.Lock()
	x.state = s
	x.mu.Unlock()
	x.app.Logger().Info("Product search index built",
		"products", len(s.docs), "tokens", len(s.tokens), "took", time.Since(start).String())
	return nil
}

// current returns the state; only writers (holding writeMu) may use it
// without mu, as nobody else changes it.
func (x *searchIndex) current() *indexState {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.state
}

// drop forgets the index after a failed update, so that the next search
// builds it again rather than answer from an index that missed a change.
func (x *searchIndex) drop(err error) {
	x.mu.Lock()
	x.state = nil
	x.mu.Unlock()
	x.app.Logger().Error("Product search index dropped, it will be rebuilt", "error", err.Error())
}

// loadIndexState reads the whole index from the database.
func loadIndexState(app core.App) (*indexState, error) {
	s := &indexState{
		docs:       map[string]int32{},
		tokens:     map[string]*postings{},
		categories: &labels{index: map[string]int32{}},
		brands:     &labels{index: map[string]int32{}},
	}
	if err := s.categories.load(app, categoriesCollection); err != nil {
		return nil, err
	}
	if err := s.brands.load(app, brandsCollection); err != nil {
		return nil, err
	}

	rows, err := app.DB().Select(productColumns...).From(productsCollection).Rows()
	if err != nil {
		return nil, fmt.Errorf("read products: %w", err)
	}
	defer rows.Close()
	var r productRow
	fields := map[string]uint8{}
	for rows.Next() {
		if err := scanProduct(rows, &r); err != nil {
			return nil, fmt.Errorf("read products: %w", err)
		}
		doc := s.add(r)
		clear(fields)
		s.collectTokens(doc, s.categories, s.brands, fields)
		for tok, f := range fields {
			p := s.tokens[tok]
			if p == nil {
				p = &postings{}
				s.tokens[strings.Clone(tok)] = p
			}
			// note: docs are numbered in reading order, so appending keeps
			// every list ascending
			p.docs = append(p.docs, doc)
			p.fields = append(p.fields, f)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read products: %w", err)
	}
	return s, nil
}

// add gives a new doc to the product r, without its tokens.
func (s *indexState) add(r productRow) int32 {
	doc := int32(len(s.ids))
	s.docs[r.id] = doc
	s.ids = append(s.ids, r.id)
	s.title = append(s.title, "")
	s.subtitle = append(s.subtitle, "")
	s.tags = append(s.tags, "")
	s.on = append(s.on, false)
	s.minLevel = append(s.minLevel, 0)
	s.sales = append(s.sales, 0)
	s.minPrice = append(s.minPrice, 0)
	s.created = append(s.created, 0)
	s.category = append(s.category, -1)
	s.brand = append(s.brand, -1)
	s.set(doc, r)
	return doc
}

// set stores the keys and texts of product r in doc.
func (s *indexState) set(doc int32, r productRow) {
	s.title[doc] = r.title
	s.subtitle[doc] = r.subtitle
	s.tags[doc] = r.tags
	s.on[doc] = r.status == StatusOn
	s.minLevel[doc] = int32(r.minLevel)
	s.sales[doc] = r.sales
	s.minPrice[doc] = r.minPrice
	s.created[doc] = 0
	if t, err := types.ParseDateTime(r.created); err == nil && !t.IsZero() {
		s.created[doc] = t.Time().UnixMilli()
	}
	s.category[doc] = s.categories.lookup(r.category)
	s.brand[doc] = s.brands.lookup(r.brand)
}

// remove empties doc (its tokens must already be gone).
func (s *indexState) remove(doc int32) {
	delete(s.docs, s.ids[doc])
	s.ids[doc] = ""
	s.set(doc, productRow{})
}

// collectTokens adds the tokens of doc to fields, with the fields each was
// found in, naming its category and brand with the given labels.
func (s *indexState) collectTokens(doc int32, categories, brands *labels, fields map[string]uint8) {
	if s.ids[doc] == "" {
		return
	}
	add := func(text string, bit uint8) {
		search.EachToken(text, func(tok string) { fields[tok] |= bit })
	}
	add(s.title[doc], inTitle)
	add(s.subtitle[doc], inSubtitle)
	add(s.tags[doc], inTags)
	if c := s.category[doc]; c >= 0 {
		add(categories.text[c], inCategory)
	}
	if b := s.brand[doc]; b >= 0 {
		add(brands.text[b], inBrand)
	}
}

// fieldText returns the text of one field of doc.
func (s *indexState) fieldText(doc int32, field uint8) string {
	switch field {
	case inTitle:
		return s.title[doc]
	case inSubtitle:
		return s.subtitle[doc]
	case inTags:
		return s.tags[doc]
	case inCategory:
		if c := s.category[doc]; c >= 0 {
			return s.categories.text[c]
		}
	case inBrand:
		if b := s.brand[doc]; b >= 0 {
			return s.brands.text[b]
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
func (s *indexState) applyOps(ops map[string][]tokenOp) {
	for tok, list := range ops {
		p := s.tokens[tok]
		if p == nil {
			p = &postings{}
			s.tokens[strings.Clone(tok)] = p
		}
		p.apply(list)
		if len(p.docs) == 0 {
			delete(s.tokens, tok)
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

// refresh re-reads the given products from the database and brings the
// index in step: changed ones are re-tokenized, missing ones removed.
//
// It must run after the change is committed.
func (x *searchIndex) refresh(ids ...string) {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	s := x.current()
	if s == nil || len(ids) == 0 {
		return // the build will read the change
	}

	values := make([]any, len(ids))
	for i, id := range ids {
		values[i] = id
	}
	rows, err := x.app.DB().Select(productColumns...).From(productsCollection).
		Where(dbx.In("id", values...)).Rows()
	if err != nil {
		x.drop(fmt.Errorf("refresh products %v: %w", ids, err))
		return
	}
	found := map[string]productRow{}
	for rows.Next() {
		var r productRow
		if err := scanProduct(rows, &r); err != nil {
			rows.Close()
			x.drop(fmt.Errorf("refresh products %v: %w", ids, err))
			return
		}
		found[r.id] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		x.drop(fmt.Errorf("refresh products %v: %w", ids, err))
		return
	}

	type change struct {
		doc    int32
		row    productRow
		exists bool // in the database
		before map[string]uint8
	}
	var changes []change
	next := int32(len(s.ids))
	for _, id := range ids {
		r, exists := found[id]
		doc, indexed := s.docs[id]
		switch {
		case indexed:
			before := map[string]uint8{}
			s.collectTokens(doc, s.categories, s.brands, before)
			changes = append(changes, change{doc: doc, row: r, exists: exists, before: before})
		case exists:
			changes = append(changes, change{doc: next, row: r, exists: true})
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
			s.remove(c.doc)
		case c.doc == int32(len(s.ids)):
			s.add(c.row)
		default:
			s.set(c.doc, c.row)
		}
		s.collectTokens(c.doc, s.categories, s.brands, after)
		diffTokens(ops, c.doc, c.before, after)
	}
	s.applyOps(ops)
}

// reloadLabels re-reads the categories and brands and re-tokenizes the
// products whose category path or brand name changed.
//
// It must run after the change is committed.
func (x *searchIndex) reloadLabels() {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	s := x.current()
	if s == nil {
		return
	}
	categories, brands := s.categories.clone(), s.brands.clone()
	if err := categories.load(x.app, categoriesCollection); err != nil {
		x.drop(err)
		return
	}
	if err := brands.load(x.app, brandsCollection); err != nil {
		x.drop(err)
		return
	}
	changedCategories := changedText(s.categories, categories)
	changedBrands := changedText(s.brands, brands)

	ops := map[string][]tokenOp{}
	before, after := map[string]uint8{}, map[string]uint8{}
	for doc := range s.ids {
		c, b := s.category[doc], s.brand[doc]
		if !(c >= 0 && changedCategories[c]) && !(b >= 0 && changedBrands[b]) {
			continue
		}
		clear(before)
		clear(after)
		s.collectTokens(int32(doc), s.categories, s.brands, before)
		s.collectTokens(int32(doc), categories, brands, after)
		diffTokens(ops, int32(doc), before, after)
	}

	x.mu.Lock()
	defer x.mu.Unlock()
	s.categories, s.brands = categories, brands
	s.applyOps(ops)
}

// changedText returns which of the old labels have another text in the new ones.
func changedText(old, new *labels) []bool {
	changed := make([]bool, len(old.ids))
	for i := range old.ids {
		changed[i] = old.text[i] != new.text[i]
	}
	return changed
}

// lookup returns the index of id, adding it unnamed if unknown
// (-1 for no id).
func (l *labels) lookup(id string) int32 {
	if id == "" {
		return -1
	}
	if i, ok := l.index[id]; ok {
		return i
	}
	i := int32(len(l.ids))
	l.index[id] = i
	l.ids = append(l.ids, id)
	l.names = append(l.names, "")
	l.text = append(l.text, "")
	l.up = append(l.up, -1)
	l.down = append(l.down, nil)
	l.hidden = append(l.hidden, false)
	return i
}

// hides tells whether label i (-1 for none) hides its products.
func (l *labels) hides(i int32) bool {
	return i >= 0 && l.hidden[i]
}

func (l *labels) clone() *labels {
	c := &labels{
		index:  make(map[string]int32, len(l.index)),
		ids:    slices.Clone(l.ids),
		names:  slices.Clone(l.names),
		text:   slices.Clone(l.text),
		up:     slices.Clone(l.up),
		down:   make([][]int32, len(l.down)),
		hidden: slices.Clone(l.hidden),
	}
	for id, i := range l.index {
		c.index[id] = i
	}
	return c
}

// load reads the names, the is_active flags (and the tree, for categories)
// from the database.
func (l *labels) load(app core.App, collection string) error {
	tree := collection == categoriesCollection
	columns := "[[id]], [[name]], [[is_active]], '' AS [[parent]]"
	if tree {
		columns = "[[id]], [[name]], [[is_active]], [[parent]]"
	}
	var rows []struct {
		Id     string `db:"id"`
		Name   string `db:"name"`
		Active bool   `db:"is_active"`
		Parent string `db:"parent"`
	}
	if err := app.DB().NewQuery("SELECT " + columns + " FROM {{" + collection + "}}").All(&rows); err != nil {
		return fmt.Errorf("read %s: %w", collection, err)
	}
	for i := range l.ids {
		l.names[i], l.up[i], l.down[i], l.hidden[i] = "", -1, nil, false
	}
	inactive := map[int32]bool{}
	for _, r := range rows {
		i := l.lookup(r.Id)
		l.names[i] = r.Name
		if !r.Active {
			inactive[i] = true
		}
	}
	for _, r := range rows {
		if r.Parent != "" {
			i, parent := l.index[r.Id], l.lookup(r.Parent)
			l.up[i] = parent
			l.down[parent] = append(l.down[parent], i)
		}
	}
	for i := range l.ids {
		l.text[i] = l.names[i]
		l.hidden[i] = inactive[int32(i)]
		if tree {
			l.text[i] = strings.Join(l.path(int32(i)), textSeparator)
			l.hidden[i] = l.pathInactive(int32(i), inactive)
		}
	}
	return nil
}

// pathInactive tells whether category i or one of its ancestors is inactive.
func (l *labels) pathInactive(i int32, inactive map[int32]bool) bool {
	seen := map[int32]bool{}
	for i >= 0 && !seen[i] {
		if inactive[i] {
			return true
		}
		seen[i] = true // note: guards against a cycle made in the dashboard
		i = l.up[i]
	}
	return false
}

// path returns the names from the root category down to i, stopping at a
// missing category (empty if i itself is missing).
func (l *labels) path(i int32) []string {
	var up []string
	seen := map[int32]bool{}
	for i >= 0 && !seen[i] && l.names[i] != "" {
		seen[i] = true // note: guards against a cycle made in the dashboard
		up = append(up, l.names[i])
		i = l.up[i]
	}
	slices.Reverse(up)
	return up
}

// subtree returns i and all its descendants.
func (l *labels) subtree(i int32) []int32 {
	result := []int32{i}
	seen := map[int32]bool{i: true}
	for k := 0; k < len(result); k++ {
		for _, c := range l.down[result[k]] {
			if !seen[c] {
				seen[c] = true
				result = append(result, c)
			}
		}
	}
	return result
}
