package catalog

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// bindProductHooks keeps the server-owned product fields right for every
// writer (dashboard, API, Go code).
func bindProductHooks(app core.App) {
	app.OnRecordCreate(productsCollection).BindFunc(func(e *core.RecordEvent) error {
		normalizeShelf(e.Record)
		return e.Next()
	})

	app.OnRecordUpdate(productsCollection).BindFunc(func(e *core.RecordEvent) error {
		return inTx(e, func(txApp core.App) error {
			normalizeShelf(e.Record)
			if err := keepServerFields(txApp, e.Record); err != nil {
				return err
			}
			return e.Next()
		})
	})
}

// normalizeShelf keeps status and off_reason consistent: an on-shelf product
// has no off reason, and taking one off by hand records "manual".
func normalizeShelf(r *core.Record) {
	switch r.GetString("status") {
	case StatusOn:
		r.Set("off_reason", "")
	case StatusOff:
		if r.GetString("off_reason") == "" {
			r.Set("off_reason", OffManual)
		}
	}
}

// keepServerFields overwrites the fields the server maintains with their
// current database values, so that a dashboard form saved with stale figures
// cannot roll back sales or stock.
func keepServerFields(txApp core.App, r *core.Record) error {
	var row struct {
		Sales    int   `db:"sales"`
		Stock    int   `db:"stock"`
		MinPrice int64 `db:"min_price"`
		MaxPrice int64 `db:"max_price"`
	}
	err := txApp.DB().NewQuery(`SELECT [[sales]],
			COALESCE((SELECT SUM([[stock]]) FROM {{skus}} WHERE [[product]] = {:id}), 0) AS [[stock]],
			COALESCE((SELECT MIN([[price]]) FROM {{skus}} WHERE [[product]] = {:id}), 0) AS [[min_price]],
			COALESCE((SELECT MAX([[price]]) FROM {{skus}} WHERE [[product]] = {:id}), 0) AS [[max_price]]
		FROM {{products}} WHERE [[id]] = {:id}`).
		Bind(dbx.Params{"id": r.Id}).One(&row)
	if err != nil {
		return fmt.Errorf("read product %s: %w", r.Id, err)
	}
	r.Set("sales", row.Sales)
	r.Set("stock", row.Stock)
	r.Set("min_price", row.MinPrice)
	r.Set("max_price", row.MaxPrice)
	return nil
}

// inTx runs fn with e.App switched to a transaction for the rest of the
// hook chain (e.Next() included), reusing the caller's transaction if any.
func inTx(e *core.RecordEvent, fn func(txApp core.App) error) error {
	original := e.App
	defer func() { e.App = original }()
	return e.App.RunInTransaction(func(txApp core.App) error {
		e.App = txApp
		return fn(txApp)
	})
}
