package catalog

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
	"fenxiao/internal/search"
)

// The product search index lives in memory, one per app (one process
// serves one shop): a [search.Index] built from the database with one
// streaming query on the first serve (or the first search) and kept in step
// after every committed change (see search_index.go). This file reads the
// database for it.

// searchIndexKey is the app store key of the app's *searchIndex.
const searchIndexKey = "fenxiao.catalog.searchIndex"

// searchIndex holds the product search index of an app.
//
// Writers hold writeMu for the whole of a build or an update, reading the
// database included, so that the changes reach the index in the order they
// were read; mu guards only the index pointer.
type searchIndex struct {
	app core.App // the non-transactional app

	writeMu sync.Mutex
	mu      sync.RWMutex
	index   *search.Index // nil: not built yet, or dropped after a failed update

	// touched are the products changed with SQL in each open transaction,
	// read back once it commits (see touchProduct)
	touchedMu sync.Mutex
	touched   map[*core.TxAppInfo]map[string]struct{}
}

// productColumns are the columns read into a search.Product, in order.
var productColumns = []string{"id", "title", "subtitle", "tags", "status", "category", "brand", "created", "min_price", "sales", "min_level"}

// refreshProductsSQL reads [productColumns] of the products whose ids
// follow in parentheses.
var refreshProductsSQL = "SELECT `" + strings.Join(productColumns, "`, `") + "` FROM `" + productsCollection + "` WHERE `id` IN "

func scanProduct(rows interface{ Scan(...any) error }) (search.Product, error) {
	var p search.Product
	var tags sql.NullString
	var status, created string
	var minPrice, sales, minLevel float64
	err := rows.Scan(&p.Id, &p.Title, &p.Subtitle, &tags, &status, &p.Category, &p.Brand, &created, &minPrice, &sales, &minLevel)
	if err != nil {
		return p, err
	}
	p.On = status == StatusOn
	p.MinPrice, p.Sales, p.MinLevel = int64(minPrice), int64(sales), int(minLevel)
	if t, err := types.ParseDateTime(created); err == nil && !t.IsZero() {
		p.Created = t.Time().UnixMilli()
	}
	if tags.Valid && json.Unmarshal([]byte(tags.String), &p.Tags) != nil {
		p.Tags = nil
	}
	return p, nil
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

// search runs q on the index, building it first if needed.
func (x *searchIndex) search(q search.Query) (search.Hits, error) {
	for range 2 {
		if index := x.current(); index != nil {
			return index.Search(q)
		}
		if err := x.ensure(); err != nil {
			return search.Hits{}, err
		}
	}
	return search.Hits{}, errors.New("search index dropped during a search")
}

// ensure builds the index unless it is built.
func (x *searchIndex) ensure() error {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	if x.current() != nil {
		return nil
	}
	start := time.Now()
	index, err := loadSearchIndex(x.app)
	if err != nil {
		return fmt.Errorf("build search index: %w", err)
	}
	x.mu.Lock()
	x.index = index
	x.mu.Unlock()
	x.app.Logger().Info("Product search index built",
		"products", index.Len(), "tokens", index.TokenCount(), "took", time.Since(start).String())
	return nil
}

// current returns the index (nil when not built).
func (x *searchIndex) current() *search.Index {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.index
}

// drop forgets the index after a failed update, so that the next search
// builds it again rather than answer from an index that missed a change.
func (x *searchIndex) drop(err error) {
	x.mu.Lock()
	x.index = nil
	x.mu.Unlock()
	x.app.Logger().Error("Product search index dropped, it will be rebuilt", "error", err.Error())
}

// loadSearchIndex reads the whole index from the database.
func loadSearchIndex(app core.App) (*search.Index, error) {
	categories, err := loadLabels(app, categoriesCollection)
	if err != nil {
		return nil, err
	}
	brands, err := loadLabels(app, brandsCollection)
	if err != nil {
		return nil, err
	}
	index := search.NewIndex(categories, brands)

	rows, err := app.DB().Select(productColumns...).From(productsCollection).Rows()
	if err != nil {
		return nil, fmt.Errorf("read products: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, fmt.Errorf("read products: %w", err)
		}
		index.Add(p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read products: %w", err)
	}
	return index, nil
}

// refresh re-reads the given products from the database and brings the
// index in step: changed ones are re-tokenized, missing ones removed.
//
// It must run after the change is committed.
func (x *searchIndex) refresh(ids ...string) {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	index := x.current()
	if index == nil || len(ids) == 0 {
		return // the build will read the change
	}

	values := make([]any, len(ids))
	for i, id := range ids {
		values[i] = id
	}
	// note: plain SQL, as this runs after every batch of payments
	rows, err := shop.Query(x.app, refreshProductsSQL+"("+shop.Placeholders(len(ids))+")", values...)
	if err != nil {
		x.drop(fmt.Errorf("refresh products %v: %w", ids, err))
		return
	}
	var found []search.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			rows.Close()
			x.drop(fmt.Errorf("refresh products %v: %w", ids, err))
			return
		}
		found = append(found, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		x.drop(fmt.Errorf("refresh products %v: %w", ids, err))
		return
	}
	index.Update(ids, found)
}

// reloadLabels re-reads the categories and brands into the index, which
// re-tokenizes the products whose category path or brand name changed.
//
// It must run after the change is committed.
func (x *searchIndex) reloadLabels() {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	index := x.current()
	if index == nil {
		return
	}
	categories, err := loadLabels(x.app, categoriesCollection)
	if err != nil {
		x.drop(err)
		return
	}
	brands, err := loadLabels(x.app, brandsCollection)
	if err != nil {
		x.drop(err)
		return
	}
	index.SetLabels(categories, brands)
}

// loadLabels reads the names, the is_active flags and (for categories) the
// parents of the categories or brands.
func loadLabels(app core.App, collection string) ([]search.Label, error) {
	columns := "[[id]], [[name]], [[is_active]], '' AS [[parent]]"
	if collection == categoriesCollection {
		columns = "[[id]], [[name]], [[is_active]], [[parent]]"
	}
	var rows []struct {
		Id     string `db:"id"`
		Name   string `db:"name"`
		Active bool   `db:"is_active"`
		Parent string `db:"parent"`
	}
	if err := app.DB().NewQuery("SELECT " + columns + " FROM {{" + collection + "}}").All(&rows); err != nil {
		return nil, fmt.Errorf("read %s: %w", collection, err)
	}
	list := make([]search.Label, len(rows))
	for i, r := range rows {
		list[i] = search.Label{Id: r.Id, Name: r.Name, Active: r.Active, Parent: r.Parent}
	}
	return list, nil
}
