package catalog

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
)

// categoryTree is the whole category tree, small enough to read at once.
type categoryTree struct {
	parent   map[string]string
	names    map[string]string
	children map[string][]string
}

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
