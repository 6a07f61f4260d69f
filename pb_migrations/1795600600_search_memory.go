package pb_migrations

import (
	"encoding/json"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"fenxiao/internal/search"
)

// Product search moved to an in-memory index built from the products at
// start (hooks/catalog/search_memory.go): the FTS5 tables of the catalog
// migration are dropped. Down creates them again and fills them from the
// products, as the former index upkeep did.
func init() {
	m.Register(func(app core.App) error {
		for _, sql := range []string{
			"DROP TABLE IF EXISTS {{product_search}}",
			"DROP TABLE IF EXISTS {{product_search_map}}",
		} {
			if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		if err := createProductSearch(app, nil); err != nil {
			return err
		}
		return fillProductSearch(app)
	})
}

// fillProductSearch writes the FTS5 row and search keys of every product.
func fillProductSearch(app core.App) error {
	var categories []struct {
		Id     string `db:"id"`
		Parent string `db:"parent"`
		Name   string `db:"name"`
	}
	if err := app.DB().Select("id", "parent", "name").From("categories").All(&categories); err != nil {
		return err
	}
	parent, names := map[string]string{}, map[string]string{}
	for _, c := range categories {
		parent[c.Id], names[c.Id] = c.Parent, c.Name
	}
	var brands []struct {
		Id   string `db:"id"`
		Name string `db:"name"`
	}
	if err := app.DB().Select("id", "name").From("brands").All(&brands); err != nil {
		return err
	}
	brandNames := map[string]string{}
	for _, b := range brands {
		brandNames[b.Id] = b.Name
	}

	var products []struct {
		Id       string `db:"id"`
		Title    string `db:"title"`
		Subtitle string `db:"subtitle"`
		Tags     string `db:"tags"`
		Category string `db:"category"`
		Brand    string `db:"brand"`
	}
	err := app.DB().NewQuery("SELECT [[id]], [[title]], [[subtitle]], COALESCE([[tags]], '') AS [[tags]], [[category]], [[brand]] FROM {{products}}").
		All(&products)
	if err != nil {
		return err
	}
	for _, p := range products {
		var path []string
		seen := map[string]bool{}
		for id := p.Category; id != "" && !seen[id]; id = parent[id] {
			name, ok := names[id]
			if !ok {
				break
			}
			seen[id] = true
			path = append(path, name)
		}
		slices.Reverse(path)
		var tags []string
		_ = json.Unmarshal([]byte(p.Tags), &tags)

		res, err := app.DB().NewQuery(`INSERT INTO {{product_search_map}}
				([[product]], [[status]], [[category]], [[brand]], [[min_price]], [[sales]], [[created]])
				SELECT [[id]], [[status]], [[category]], [[brand]], [[min_price]], [[sales]], [[created]]
				FROM {{products}} WHERE [[id]] = {:id}`).
			Bind(dbx.Params{"id": p.Id}).Execute()
		if err != nil {
			return err
		}
		doc, err := res.LastInsertId()
		if err != nil {
			return err
		}
		_, err = app.DB().NewQuery(`INSERT INTO {{product_search}}
				([[rowid]], [[title]], [[subtitle]], [[tags]], [[brand]], [[category]])
				VALUES ({:doc}, {:title}, {:subtitle}, {:tags}, {:brand}, {:category})`).
			Bind(dbx.Params{
				"doc":      doc,
				"title":    search.IndexText(p.Title),
				"subtitle": search.IndexText(p.Subtitle),
				"tags":     search.IndexText(tags...),
				"brand":    search.IndexText(brandNames[p.Brand]),
				"category": search.IndexText(path...),
			}).Execute()
		if err != nil {
			return err
		}
	}
	return nil
}
