package flashsale

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

// errSkuShort is returned by moveSkuStock when the SKU has fewer units
// than it was asked to give up.
var errSkuShort = shop.FieldFail("stock", "flash_stock_exceeds_sku", "规格库存不足，无法预留秒杀库存 / the SKU has fewer units than the flash stock")

// moveSkuStock adds delta units to a SKU's normal stock (and its product's
// total), never below zero: a negative delta reserves units for a flash
// sale, a positive one gives them back.
func moveSkuStock(txApp core.App, skuId string, delta int) error {
	if delta == 0 {
		return nil
	}
	var product string
	err := txApp.DB().NewQuery("UPDATE {{" + skusCollection + "}} SET [[stock]] = [[stock]] + {:d}, [[updated]] = {:now} " +
		"WHERE [[id]] = {:id} AND [[stock]] + {:d} >= 0 RETURNING [[product]]").
		Bind(dbx.Params{"id": skuId, "d": delta, "now": types.NowDateTime().String()}).Row(&product)
	if errors.Is(err, sql.ErrNoRows) {
		return errSkuShort
	}
	if err != nil {
		return fmt.Errorf("move stock of %s: %w", skuId, err)
	}
	_, err = txApp.DB().NewQuery("UPDATE {{" + productsCollection + "}} SET [[stock]] = MAX(0, [[stock]] + {:d}) WHERE [[id]] = {:id}").
		Bind(dbx.Params{"id": product, "d": delta}).Execute()
	return err
}

// bindReservation keeps the flash stock apart from the normal stock: an
// item's units leave skus.stock when it is created or its stock raised,
// and the unsold ones come back when its stock is lowered or it is deleted
// (before its slot was released). sold is the plugin's own counter: a
// dashboard edit never changes it.
//
// These are record hooks (dashboard, record API): no /api/shop route is
// involved, so they map their errors with shop.ToApiError themselves.
func (p *plugin) bindReservation() {
	p.app.OnRecordCreate(itemsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoFlashsaleItemCreate", Func: func(e *core.RecordEvent) error {
		return e.App.RunInTransaction(func(txApp core.App) error {
			e.App = txApp
			sku, err := txApp.FindRecordById(skusCollection, e.Record.GetString("sku"))
			if err != nil {
				return shop.ToApiError(shop.FieldFail("sku", "sku_not_found", "规格不存在 / SKU not found"))
			}
			e.Record.Set("product", sku.GetString("product"))
			e.Record.Set("sold", 0)
			if err := p.checkSession(txApp, e.Record); err != nil {
				return err
			}
			if err := moveSkuStock(txApp, sku.Id, -e.Record.GetInt("stock")); err != nil {
				return shop.ToApiError(err)
			}
			return e.Next()
		})
	}})
	p.app.OnRecordUpdate(itemsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoFlashsaleItemUpdate", Func: func(e *core.RecordEvent) error {
		return e.App.RunInTransaction(func(txApp core.App) error {
			e.App = txApp
			var cur struct {
				Sku   string `db:"sku"`
				Stock int    `db:"stock"`
				Sold  int    `db:"sold"`
			}
			err := txApp.DB().Select("sku", "stock", "sold").From(itemsCollection).
				Where(dbx.HashExp{"id": e.Record.Id}).One(&cur)
			if err != nil {
				return err
			}
			e.Record.Set("sold", cur.Sold)
			if e.Record.GetString("sku") != cur.Sku || e.Record.GetString("session") != e.Record.Original().GetString("session") {
				return shop.ToApiError(shop.FieldFail("sku", "flash_item_fixed", "秒杀商品的规格和场次不能修改，请删除后重建 / delete and re-create the item to change its SKU or slot"))
			}
			if delta := e.Record.GetInt("stock") - cur.Stock; delta != 0 {
				if e.Record.GetInt("stock") < cur.Sold {
					return shop.ToApiError(shop.FieldFail("stock", "flash_stock_below_sold", "秒杀库存不能低于已售 / the flash stock cannot be below the units sold"))
				}
				if released, err := p.released(txApp, e.Record); err != nil || released {
					if err == nil {
						err = shop.ToApiError(shop.FieldFail("stock", "flash_session_released", "本场已结束，库存已退回 / the slot has ended and its stock was returned"))
					}
					return err
				}
				if err := moveSkuStock(txApp, cur.Sku, -delta); err != nil {
					return shop.ToApiError(err)
				}
			}
			return e.Next()
		})
	}})
	p.app.OnRecordDelete(itemsCollection).Bind(&hook.Handler[*core.RecordEvent]{Id: "fenxiaoFlashsaleItemDelete", Func: func(e *core.RecordEvent) error {
		return e.App.RunInTransaction(func(txApp core.App) error {
			e.App = txApp
			var cur struct {
				Stock int `db:"stock"`
				Sold  int `db:"sold"`
			}
			err := txApp.DB().Select("stock", "sold").From(itemsCollection).Where(dbx.HashExp{"id": e.Record.Id}).One(&cur)
			if err != nil {
				return err
			}
			n, err := txApp.CountRecords(ordersCollection, dbx.HashExp{"item": e.Record.Id})
			if err != nil {
				return err
			}
			if n > 0 {
				return shop.ToApiError(shop.Fail(http.StatusConflict, "flash_item_has_orders", "已有订单的秒杀商品不能删除，请停用场次 / an item with orders cannot be deleted; deactivate the slot"))
			}
			released, err := p.released(txApp, e.Record)
			if err != nil {
				return err
			}
			if !released {
				if err := moveSkuStock(txApp, e.Record.GetString("sku"), cur.Stock-cur.Sold); err != nil {
					return err
				}
			}
			return e.Next()
		})
	}})
}

func (p *plugin) checkSession(txApp core.App, item *core.Record) error {
	released, err := p.released(txApp, item)
	if err != nil {
		return shop.ToApiError(shop.FieldFail("session", "flash_session_not_found", "场次不存在 / slot not found"))
	}
	if released {
		return shop.ToApiError(shop.FieldFail("session", "flash_session_released", "本场已结束 / the slot has ended"))
	}
	return nil
}

func (p *plugin) released(txApp core.App, item *core.Record) (bool, error) {
	s, err := txApp.FindRecordById(sessionsCollection, item.GetString("session"))
	if err != nil {
		return false, err
	}
	return s.GetBool("released"), nil
}

// release (job flash_release) returns the unsold flash stock of slots
// that ended to their SKUs and marks the slots released, one slot per
// transaction.
func (p *plugin) release(app core.App) (string, error) {
	ended, err := app.FindRecordsByFilter(sessionsCollection, "released = false && ends_at <= {:now}", "ends_at", 100, 0,
		dbx.Params{"now": dbTime(p.now())})
	if err != nil {
		return "", err
	}
	units := 0
	for _, s := range ended {
		err := app.RunInTransaction(func(txApp core.App) error {
			items, err := txApp.FindAllRecords(itemsCollection, dbx.HashExp{"session": s.Id})
			if err != nil {
				return err
			}
			for _, it := range items {
				left := it.GetInt("stock") - it.GetInt("sold")
				if left <= 0 {
					continue
				}
				if err := moveSkuStock(txApp, it.GetString("sku"), left); err != nil {
					return err
				}
				_, err := txApp.DB().NewQuery("UPDATE {{" + itemsCollection + "}} SET [[stock]] = [[sold]] WHERE [[id]] = {:id}").
					Bind(dbx.Params{"id": it.Id}).Execute()
				if err != nil {
					return err
				}
				units += left
			}
			_, err = txApp.DB().NewQuery("UPDATE {{" + sessionsCollection + "}} SET [[released]] = TRUE WHERE [[id]] = {:id}").
				Bind(dbx.Params{"id": s.Id}).Execute()
			return err
		})
		if err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("released %d slots, %d units back to normal stock", len(ended), units), nil
}

// dbTime formats t as PocketBase stores dates, for comparisons in SQL.
func dbTime(t time.Time) string {
	d, _ := types.ParseDateTime(t)
	return d.String()
}
