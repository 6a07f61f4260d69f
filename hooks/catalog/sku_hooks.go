package catalog

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// bindSkuHooks keeps products in step with their SKUs for every writer:
// price range and total stock, the shelf rules (a restock relists a product
// that sold out) and the low-stock alert (re-armed above the threshold,
// raised when an admin sets stock or threshold so that stock is at or below
// it, just as a sale crossing it would).
func bindSkuHooks(app core.App) {
	app.OnRecordCreate(skusCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoCatalogSkuCreate", Func: func(e *core.RecordEvent) error {
		return inTx(e, func(txApp core.App) error {
			rearmLowStock(e.Record)
			if err := e.Next(); err != nil {
				return err
			}
			if err := checkLowStock(txApp, e.Record); err != nil {
				return err
			}
			return syncProductStock(txApp, e.Record.GetString("product"))
		})
	}})

	app.OnRecordUpdate(skusCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoCatalogSkuUpdate", Func: func(e *core.RecordEvent) error {
		return inTx(e, func(txApp core.App) error {
			rearmLowStock(e.Record)
			if err := e.Next(); err != nil {
				return err
			}
			if err := checkLowStock(txApp, e.Record); err != nil {
				return err
			}
			product := e.Record.GetString("product")
			if old := e.Record.Original().GetString("product"); old != product {
				if err := syncProductStock(txApp, old); err != nil {
					return err
				}
			}
			return syncProductStock(txApp, product)
		})
	}})

	app.OnRecordDelete(skusCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoCatalogSkuDelete", Func: func(e *core.RecordEvent) error {
		return inTx(e, func(txApp core.App) error {
			if err := e.Next(); err != nil {
				return err
			}
			return syncProductStock(txApp, e.Record.GetString("product"))
		})
	}})
}

// rearmLowStock clears the low-stock flag of a SKU whose stock is above its
// threshold, so that the next crossing raises a new alert.
func rearmLowStock(sku *core.Record) {
	if sku.GetInt("stock") > sku.GetInt("low_stock_threshold") {
		sku.Set("low_stock_alerted", false)
	}
}
