package catalog

import (
	"maps"
	"slices"

	"github.com/pocketbase/pocketbase/core"
)

// bindSearchIndex gives app its in-memory product search index (see
// search_memory.go), built on serve, and keeps it in step with the
// database.
//
// Every change reaches the index only after its transaction commits, and
// the index then re-reads what changed from the database, so a rolled back
// change never shows and updates applied in any order end in the committed
// state:
//   - saved and deleted products (dashboard, API, Go code, the automatic
//     off/on shelf of the stock rules, cascades) through the record hooks;
//   - prices, stock and sales written with SQL by the stock rules through
//     [touchProduct];
//   - renamed, moved or deleted categories and brands re-tokenize the
//     products under them; switching one's is_active hides or shows its
//     products (no tokens change).
func bindSearchIndex(app core.App) {
	x := newSearchIndex(app)
	app.Store().Set(searchIndexKey, x)

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if err := x.ensure(); err != nil {
			// note: not fatal, the first search tries again
			se.App.Logger().Error("Product search index not built", "error", err.Error())
		}
		return se.Next()
	})

	refresh := func(e *core.RecordEvent) error {
		x.refresh(e.Record.Id)
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess(productsCollection).BindFunc(refresh)
	app.OnRecordAfterUpdateSuccess(productsCollection).BindFunc(refresh)
	app.OnRecordAfterDeleteSuccess(productsCollection).BindFunc(refresh)

	reload := func(e *core.RecordEvent) error {
		x.reloadLabels()
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess(categoriesCollection, brandsCollection).BindFunc(reload)
	app.OnRecordAfterUpdateSuccess(categoriesCollection, brandsCollection).BindFunc(reload)
	app.OnRecordAfterDeleteSuccess(categoriesCollection, brandsCollection).BindFunc(reload)
}

// touchProduct brings the search index in step with a product changed with
// SQL (not saved as a record) once the change is committed, or at once
// outside a transaction. The products touched in one transaction are read
// back together, once, after its commit: a group-commit batch of payments
// (each adding to its products' sales) costs the index one query.
func touchProduct(app core.App, productId string) {
	x := searchIndexOf(app)
	if x == nil {
		return
	}
	info := app.TxInfo()
	if !app.IsTransactional() || info == nil {
		x.refresh(productId)
		return
	}
	x.touchedMu.Lock()
	ids, pending := x.touched[info]
	if !pending {
		ids = map[string]struct{}{}
		if x.touched == nil {
			x.touched = map[*core.TxAppInfo]map[string]struct{}{}
		}
		x.touched[info] = ids
	}
	ids[productId] = struct{}{}
	x.touchedMu.Unlock()
	if pending {
		return
	}
	// note: a nested RunInTransaction shares the outer TxInfo, so this
	// runs once, after the outermost transaction ends
	info.OnComplete(func(txErr error) error {
		x.touchedMu.Lock()
		ids := x.touched[info]
		delete(x.touched, info)
		x.touchedMu.Unlock()
		if txErr == nil {
			x.refresh(slices.Sorted(maps.Keys(ids))...)
		}
		return nil
	})
}
