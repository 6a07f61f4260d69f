package catalog

import (
	"fmt"
	"sync"

	"github.com/pocketbase/pocketbase/core"
)

// categoryTree is the whole category tree, small enough to read at once.
// It is never changed once built (the cache shares it between requests).
type categoryTree struct {
	parent   map[string]string
	names    map[string]string
	children map[string][]string
}

// categoryTreeKey holds the app's [categoryTreeCache].
const categoryTreeKey = "fenxiao.catalog.categoryTree"

// categoryTreeCache keeps the category tree between reads: every SKU
// lookup (the cart, its prices, checkout) needs the category paths of its
// products for the promotions' scopes, and reading the whole table three
// times per order was a tenth of the statements an order ran outside the
// writer. Category saves and deletes drop it after they commit.
type categoryTreeCache struct {
	mu   sync.Mutex
	gen  uint64 // bumped by every drop: a read that raced a change is not kept
	tree *categoryTree
}

// bindCategoryTree gives app its tree cache, dropped by every committed
// change of a category.
func bindCategoryTree(app core.App) {
	c := &categoryTreeCache{}
	app.Store().Set(categoryTreeKey, c)
	drop := func(e *core.RecordEvent) error {
		c.mu.Lock()
		c.gen++
		c.tree = nil
		c.mu.Unlock()
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess(categoriesCollection).BindFunc(drop)
	app.OnRecordAfterUpdateSuccess(categoriesCollection).BindFunc(drop)
	app.OnRecordAfterDeleteSuccess(categoriesCollection).BindFunc(drop)
}

// categoryTreeOf returns the category tree: the cached one, or one read
// now. Inside a transaction (which may itself have changed categories) it
// always reads.
func categoryTreeOf(app core.App) (*categoryTree, error) {
	c, _ := app.Store().Get(categoryTreeKey).(*categoryTreeCache)
	if c == nil || app.IsTransactional() {
		return loadCategoryTree(app)
	}
	c.mu.Lock()
	tree, gen := c.tree, c.gen
	c.mu.Unlock()
	if tree != nil {
		return tree, nil
	}
	tree, err := loadCategoryTree(app)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.tree = tree
	}
	c.mu.Unlock()
	return tree, nil
}

// loadCategoryTree reads the whole tree.
func loadCategoryTree(app core.App) (*categoryTree, error) {
	var rows []struct {
		Id     string `db:"id"`
		Parent string `db:"parent"`
		Name   string `db:"name"`
	}
	err := app.DB().Select("id", "parent", "name").From(categoriesCollection).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("load categories: %w", err)
	}
	t := &categoryTree{
		parent:   make(map[string]string, len(rows)),
		names:    make(map[string]string, len(rows)),
		children: map[string][]string{},
	}
	for _, r := range rows {
		t.parent[r.Id] = r.Parent
		t.names[r.Id] = r.Name
		if r.Parent != "" {
			t.children[r.Parent] = append(t.children[r.Parent], r.Id)
		}
	}
	return t, nil
}

// path returns the ids from the root down to id (empty if id is unknown).
func (t *categoryTree) path(id string) []string {
	var up []string
	seen := map[string]bool{}
	for id != "" && !seen[id] {
		if _, ok := t.names[id]; !ok {
			break
		}
		seen[id] = true // note: guards against a cycle made in the dashboard
		up = append(up, id)
		id = t.parent[id]
	}
	path := make([]string, len(up))
	for i, c := range up {
		path[len(up)-1-i] = c
	}
	return path
}
