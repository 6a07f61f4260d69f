package catalog

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/internal/search"
)

// The search index is the FTS5 table product_search (see
// pb_migrations/1795600100_catalog.go): one row per product with the
// n-gram tokens of its title, subtitle, tags, brand name and category path
// names; product_search_map maps a product id to its row.

// indexProduct (re)writes the search row of product p.
func indexProduct(txApp core.App, p *core.Record) error {
	brand := ""
	if id := p.GetString("brand"); id != "" {
		if b, err := txApp.FindRecordById(brandsCollection, id); err == nil {
			brand = b.GetString("name")
		}
	}
	var categoryNames []string
	if id := p.GetString("category"); id != "" {
		tree, err := loadCategoryTree(txApp)
		if err != nil {
			return err
		}
		for _, c := range tree.path(id) {
			categoryNames = append(categoryNames, tree.names[c])
		}
	}
	var tags []string
	_ = p.UnmarshalJSONField("tags", &tags)

	params := dbx.Params{
		"product":  p.Id,
		"title":    search.IndexText(p.GetString("title")),
		"subtitle": search.IndexText(p.GetString("subtitle")),
		"tags":     search.IndexText(tags...),
		"brand":    search.IndexText(brand),
		"category": search.IndexText(categoryNames...),
	}

	var doc int64
	err := txApp.DB().NewQuery("SELECT [[doc]] FROM {{product_search_map}} WHERE [[product]] = {:product}").
		Bind(params).Row(&doc)
	switch {
	case err == nil:
		_, err = txApp.DB().NewQuery("DELETE FROM {{product_search}} WHERE [[rowid]] = {:doc}").
			Bind(dbx.Params{"doc": doc}).Execute()
	case errors.Is(err, sql.ErrNoRows):
		var res sql.Result
		res, err = txApp.DB().NewQuery("INSERT INTO {{product_search_map}} ([[product]]) VALUES ({:product})").
			Bind(params).Execute()
		if err == nil {
			doc, err = res.LastInsertId()
		}
	}
	if err != nil {
		return fmt.Errorf("index product %s: %w", p.Id, err)
	}
	params["doc"] = doc
	_, err = txApp.DB().NewQuery(`INSERT INTO {{product_search}}
			([[rowid]], [[title]], [[subtitle]], [[tags]], [[brand]], [[category]])
			VALUES ({:doc}, {:title}, {:subtitle}, {:tags}, {:brand}, {:category})`).
		Bind(params).Execute()
	if err != nil {
		return fmt.Errorf("index product %s: %w", p.Id, err)
	}
	return syncSearchKeys(txApp, p.Id)
}

// syncSearchKeys copies a product's filter and sort keys (status, category,
// brand, lowest price, sales, creation time) into its search row.
func syncSearchKeys(txApp core.App, productId string) error {
	_, err := txApp.DB().NewQuery(`UPDATE {{product_search_map}} SET
			([[status]], [[category]], [[brand]], [[min_price]], [[sales]], [[created]]) =
			(SELECT [[status]], [[category]], [[brand]], [[min_price]], [[sales]], [[created]]
				FROM {{products}} WHERE [[id]] = {:id})
		WHERE [[product]] = {:id} AND EXISTS (SELECT 1 FROM {{products}} WHERE [[id]] = {:id})`).
		Bind(dbx.Params{"id": productId}).Execute()
	if err != nil {
		return fmt.Errorf("sync search keys of %s: %w", productId, err)
	}
	return nil
}

// unindexProduct removes the search row of a product, if any.
func unindexProduct(txApp core.App, productId string) error {
	params := dbx.Params{"product": productId}
	_, err := txApp.DB().NewQuery(`DELETE FROM {{product_search}} WHERE [[rowid]] IN
			(SELECT [[doc]] FROM {{product_search_map}} WHERE [[product]] = {:product})`).
		Bind(params).Execute()
	if err == nil {
		_, err = txApp.DB().NewQuery("DELETE FROM {{product_search_map}} WHERE [[product]] = {:product}").
			Bind(params).Execute()
	}
	if err != nil {
		return fmt.Errorf("unindex product %s: %w", productId, err)
	}
	return nil
}

// reindexWhere reindexes the products whose field (brand, category) is one of ids.
func reindexWhere(txApp core.App, field string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	values := make([]any, len(ids))
	for i, id := range ids {
		values[i] = id
	}
	records := []*core.Record{}
	err := txApp.RecordQuery(productsCollection).
		AndWhere(dbx.In(field, values...)).
		All(&records)
	if err != nil {
		return fmt.Errorf("reindex by %s: %w", field, err)
	}
	for _, p := range records {
		if err := indexProduct(txApp, p); err != nil {
			return err
		}
	}
	return nil
}
