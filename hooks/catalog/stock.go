package catalog

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

// ErrOutOfStock is returned by [DecrementStock] when fewer units are left
// than asked for; nothing was changed.
var ErrOutOfStock = shop.Fail(http.StatusConflict, "out_of_stock", "库存不足 / out of stock")

// errSkuNotFound is returned when a SKU does not exist.
var errSkuNotFound = shop.Fail(http.StatusNotFound, "sku_not_found", "商品规格不存在 / SKU not found")

// DecrementStock takes qty units of a SKU, or fails with [ErrOutOfStock]
// (409 "out_of_stock") and changes nothing. Stock never goes negative.
//
// Call it with the checkout's transaction app so that the decrement rolls
// back with the order; given a non-transactional app it runs its own
// transaction. When the stock falls to the SKU's low_stock_threshold an
// admin alert is recorded once per crossing (and e-mailed to superusers
// after commit); when every SKU of the product is sold out and the shop
// setting auto_delist_soldout is on, the product goes off the shelf.
func DecrementStock(app core.App, skuId string, qty int) error {
	if qty <= 0 {
		return shop.FieldFail("quantity", "invalid_quantity", "数量必须大于0 / quantity must be positive")
	}
	return app.RunInTransaction(func(txApp core.App) error {
		var sold struct {
			Product   string
			Stock     int
			Threshold int
			Alerted   bool
		}
		err := shop.ScanRow(txApp, "UPDATE `skus` SET `stock` = `stock` - ?, `updated` = ? "+
			"WHERE `id` = ? AND `stock` >= ? "+
			"RETURNING `product`, `stock`, `low_stock_threshold`, `low_stock_alerted`",
			[]any{qty, types.NowDateTime().String(), skuId, qty},
			&sold.Product, &sold.Stock, &sold.Threshold, &sold.Alerted)
		if errors.Is(err, sql.ErrNoRows) {
			if _, findErr := findSku(txApp, skuId); findErr != nil {
				return findErr
			}
			return ErrOutOfStock
		}
		if err != nil {
			return fmt.Errorf("decrement stock of %s: %w", skuId, err)
		}
		broadcastSku(txApp, skuId)

		if sold.Threshold > 0 && sold.Stock <= sold.Threshold && !sold.Alerted {
			sku, err := findSku(txApp, skuId)
			if err != nil {
				return err
			}
			if err := checkLowStock(txApp, sku); err != nil {
				return err
			}
		}

		// note: every checkout passes here, so the common case is one
		// statement: a sale lowers the product's total stock by the same
		// units and leaves its prices (and its search entry) as they are.
		// Only when the SKU or the product runs out is everything
		// recomputed and the shelf rules applied.
		var total int
		err = shop.ScanRow(txApp, "UPDATE `products` SET `stock` = MAX(0, `stock` - ?) WHERE `id` = ? RETURNING `stock`",
			[]any{qty, sold.Product}, &total)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("decrement stock of product %s: %w", sold.Product, err)
		}
		if sold.Stock == 0 || total == 0 {
			return syncProductStock(txApp, sold.Product)
		}
		return nil
	})
}

// RestoreStock gives qty units back to a SKU (a cancelled order, a return).
// A product taken off the shelf because it sold out goes back on when the
// shop setting auto_relist is on; the SKU's low-stock alert is re-armed
// once its stock is above the threshold again.
func RestoreStock(app core.App, skuId string, qty int) error {
	if qty <= 0 {
		return shop.FieldFail("quantity", "invalid_quantity", "数量必须大于0 / quantity must be positive")
	}
	return app.RunInTransaction(func(txApp core.App) error {
		res, err := shop.TxQuery(txApp, `UPDATE {{skus}}
				SET [[stock]] = [[stock]] + {:n}, [[updated]] = {:now},
					[[low_stock_alerted]] = ([[low_stock_alerted]] AND [[stock]] + {:n} <= [[low_stock_threshold]])
				WHERE [[id]] = {:id}`).
			Bind(dbx.Params{"id": skuId, "n": qty, "now": types.NowDateTime().String()}).
			Execute()
		if err != nil {
			return fmt.Errorf("restore stock of %s: %w", skuId, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errSkuNotFound
		}
		broadcastSku(txApp, skuId)
		sku, err := findSku(txApp, skuId)
		if err != nil {
			return err
		}
		return syncProductStock(txApp, sku.GetString("product"))
	})
}

// AddSales adds qty to a product's sales counter (a negative qty takes
// returned units off; the counter never goes below 0).
func AddSales(app core.App, productId string, qty int) error {
	return app.RunInTransaction(func(txApp core.App) error {
		_, err := shop.TxQuery(txApp, `UPDATE {{products}}
				SET [[sales]] = MAX(0, [[sales]] + {:n}) WHERE [[id]] = {:id}`).
			Bind(dbx.Params{"id": productId, "n": qty}).Execute()
		if err != nil {
			return fmt.Errorf("add sales to %s: %w", productId, err)
		}
		touchProduct(txApp, productId)
		return nil
	})
}

func findSku(app core.App, skuId string) (*core.Record, error) {
	sku, err := shop.FindRecordById(app, skusCollection, skuId)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errSkuNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find sku %s: %w", skuId, err)
	}
	return sku, nil
}

// syncProductStock recomputes a product's price range and total stock from
// its SKUs, then applies the shelf rules: all SKUs sold out takes it off the
// shelf (auto_delist_soldout), stock back on a sold-out product puts it on
// again (auto_relist). A product taken off by hand stays off.
func syncProductStock(txApp core.App, productId string) error {
	_, err := shop.TxQuery(txApp, `UPDATE {{products}} SET
			[[stock]] = COALESCE((SELECT SUM([[stock]]) FROM {{skus}} WHERE [[product]] = {:id}), 0),
			[[min_price]] = COALESCE((SELECT MIN([[price]]) FROM {{skus}} WHERE [[product]] = {:id}), 0),
			[[max_price]] = COALESCE((SELECT MAX([[price]]) FROM {{skus}} WHERE [[product]] = {:id}), 0)
		WHERE [[id]] = {:id}`).
		Bind(dbx.Params{"id": productId}).Execute()
	if err != nil {
		return fmt.Errorf("sync product %s: %w", productId, err)
	}
	touchProduct(txApp, productId)

	p, err := shop.FindRecordById(txApp, productsCollection, productId)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // being deleted
	}
	if err != nil {
		return fmt.Errorf("sync product %s: %w", productId, err)
	}
	var skus int
	err = shop.TxQuery(txApp, "SELECT COUNT(*) FROM {{skus}} WHERE [[product]] = {:id}").
		Bind(dbx.Params{"id": productId}).Row(&skus)
	if err != nil {
		return fmt.Errorf("sync product %s: %w", productId, err)
	}

	settings, err := loadStockSettings(txApp)
	if err != nil {
		return err
	}
	stock := p.GetInt("stock")
	switch {
	case skus > 0 && stock == 0 && p.GetString("status") == StatusOn && settings.autoDelist:
		p.Set("status", StatusOff)
		p.Set("off_reason", OffSoldOut)
		if err := txApp.SaveWithContext(shelfRuleContext(), p); err != nil {
			return fmt.Errorf("delist sold out product %s: %w", productId, err)
		}
		return raiseAlert(txApp, settings, alertSoldOut, p, nil,
			fmt.Sprintf("「%s」已售罄，已自动下架 / sold out and taken off the shelf", p.GetString("title")))
	case stock > 0 && p.GetString("status") == StatusOff && p.GetString("off_reason") == OffSoldOut && settings.autoRelist:
		p.Set("status", StatusOn)
		if err := txApp.SaveWithContext(shelfRuleContext(), p); err != nil {
			return fmt.Errorf("relist product %s: %w", productId, err)
		}
	}
	return nil
}

// stockSettings are the shop settings that drive stock rules.
type stockSettings struct {
	autoDelist bool
	autoRelist bool
	email      bool
}

func loadStockSettings(app core.App) (stockSettings, error) {
	s, err := shop.ReadSettings(app)
	if err != nil {
		return stockSettings{}, err
	}
	return stockSettings{
		autoDelist: s.Record.GetBool("auto_delist_soldout"),
		autoRelist: s.Record.GetBool("auto_relist"),
		email:      s.Record.GetBool("low_stock_email"),
	}, nil
}

// broadcastSku tells realtime subscribers of a SKU (a product page showing
// its stock) the SKU as committed: stock moves by SQL.
func broadcastSku(txApp core.App, skuId string) {
	shop.BroadcastUpdate(txApp, skusCollection, skuId)
}
