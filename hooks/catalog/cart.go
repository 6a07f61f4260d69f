package catalog

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// MaxLineQuantity is the most units of one SKU a cart line may hold.
const MaxLineQuantity = 999

var (
	errCartItemNotFound = shop.Fail(http.StatusNotFound, "cart_item_not_found", "购物车商品不存在 / cart item not found")
	errOffShelf         = shop.Fail(http.StatusConflict, "product_off_shelf", "商品已下架 / product is off the shelf")
	errQuantity         = shop.FieldFail("quantity", "invalid_quantity", "数量必须是 1-999 / quantity must be 1 to 999")
)

// bindCartRoutes binds the cart and shared-cart routes. All need a
// signed-in user except the preview of a shared cart: the friend it was
// sent to sees what was shared (prices and stock, nothing personal) before
// signing up, and signs in to import it.
func (p *plugin) bindCartRoutes(se *core.ServeEvent) {
	g := se.Router.Group("/api/shop/cart").Bind(apis.RequireAuth(usersCollection))
	g.GET("", p.cartView)
	g.POST("/items", p.cartAdd)
	g.PATCH("/items/{id}", p.cartUpdate)
	g.DELETE("/items/{id}", p.cartRemove)
	g.POST("/select", p.cartSelect)
	g.POST("/share", p.cartShare)
	g.POST("/share/{code}/import", p.cartShareImport)
	se.Router.GET("/api/shop/cart/share/{code}", p.cartShareView)
}

func insufficientStock(available int) error {
	if available <= 0 {
		return ErrOutOfStock
	}
	return shop.Fail(http.StatusConflict, "insufficient_stock",
		fmt.Sprintf("库存不足，仅剩 %d 件 / only %d left", available, available))
}

// cartAdd handles POST /api/shop/cart/items {sku, quantity}; adding a SKU
// already in the cart adds to its line.
func (p *plugin) cartAdd(e *core.RequestEvent) error {
	var form struct {
		Sku      string `json:"sku"`
		Quantity int    `json:"quantity"`
	}
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	if !validId(form.Sku) {
		return shop.FieldFail("sku", "invalid_id", "商品规格无效 / invalid sku")
	}
	if form.Quantity < 1 || form.Quantity > MaxLineQuantity {
		return errQuantity
	}

	// note: the transaction runs on the shop's one writer, in a group
	// commit with the checkouts and payments (every order starts with a
	// cart add); what may refuse the SKU is read before it, and addLine
	// reads again under the lock only what a sale in between may change
	info, err := addable(e.App, e.Auth, form.Sku)
	if err != nil {
		return err
	}
	var item *core.Record
	err = p.shop.RunInTransaction(e.App, func(txApp core.App) error {
		var err error
		item, err = p.addLine(txApp, e.Auth.Id, info, form.Quantity)
		return err
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, item)
}

// addToCart adds qty units of a SKU to a user's cart, merging with the
// line of that SKU if there is one.
func (p *plugin) addToCart(txApp core.App, user *core.Record, skuId string, qty int) (*core.Record, error) {
	info, err := addable(txApp, user, skuId)
	if err != nil {
		return nil, err
	}
	return p.addLine(txApp, user.Id, info, qty)
}

// addable returns the SKU the user wants in their cart, or why they may not
// have it (sku_not_found, off the shelf, level_required, not_yet_on_sale).
func addable(app core.App, user *core.Record, skuId string) (*SkuInfo, error) {
	info, err := lookupSku(app, skuId)
	if err != nil {
		return nil, err
	}
	if !info.Listed() {
		return nil, errOffShelf
	}
	if err := buyable(app, info, user); err != nil {
		return nil, err
	}
	return info, nil
}

// addLine adds qty units of the SKU of info (see [addable]) to the user's
// line of it, or to a new line.
func (p *plugin) addLine(txApp core.App, userId string, info *SkuInfo, qty int) (*core.Record, error) {
	// note: info may have been read before the transaction. A checkout
	// committed since may have taken the stock and, with the last unit,
	// taken the product off the shelf, so the stock and the shelf state
	// are read again here, under the write lock, where the stock is
	// compared with the line's new quantity
	var sale struct {
		Stock     int
		Status    string
		OffReason string
	}
	err := shop.ScanRow(txApp, "SELECT s.`stock`, p.`status`, p.`off_reason` FROM `"+skusCollection+"` s JOIN `"+
		productsCollection+"` p ON p.`id` = s.`product` WHERE s.`id` = ?", []any{info.SkuId},
		&sale.Stock, &sale.Status, &sale.OffReason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errSkuNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read stock: %w", err)
	}
	fresh := *info
	fresh.Stock, fresh.Status, fresh.OnShelf, fresh.OffReason = sale.Stock, sale.Status, sale.Status == StatusOn, sale.OffReason
	if !fresh.Listed() {
		return nil, errOffShelf
	}

	item, err := findCartLine(txApp, userId, info.SkuId)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		var count int
		err := shop.ScanRow(txApp, "SELECT COUNT(*) FROM `"+cartCollection+"` WHERE `user` = ?", []any{userId}, &count)
		if err != nil {
			return nil, fmt.Errorf("count cart lines: %w", err)
		}
		if count >= p.config.MaxCartLines {
			return nil, shop.Fail(http.StatusConflict, "cart_full",
				fmt.Sprintf("购物车最多 %d 种商品 / the cart holds at most %d lines", p.config.MaxCartLines, p.config.MaxCartLines))
		}
		c, err := txApp.FindCachedCollectionByNameOrId(cartCollection)
		if err != nil {
			return nil, err
		}
		item = shop.NewRecord(c)
		item.Set("user", userId)
		item.Set("sku", info.SkuId)
		item.Set("selected", true)
	case err != nil:
		return nil, fmt.Errorf("find cart line: %w", err)
	}

	total := item.GetInt("quantity") + qty
	if total > MaxLineQuantity {
		return nil, errQuantity
	}
	if total > fresh.Stock {
		return nil, insufficientStock(fresh.Stock)
	}
	item.Set("quantity", total)
	// note: without the record validation, which only repeats what was
	// checked above (the SKU, read in this transaction; a quantity from 1
	// to MaxLineQuantity; the signed-in user) with two more queries per
	// add, in the shop's one writer
	if err := txApp.SaveNoValidate(item); err != nil {
		return nil, fmt.Errorf("save cart line: %w", err)
	}
	return item, nil
}

// findCartLine returns the user's cart line of a SKU (sql.ErrNoRows: none).
func findCartLine(app core.App, userId, skuId string) (*core.Record, error) {
	return shop.FindRecord(app, cartCollection, "`user` = ? AND `sku` = ?", userId, skuId)
}

// cartUpdate handles PATCH /api/shop/cart/items/{id} {quantity?, sku?, selected?}.
// Changing the SKU (another spec of the same product) onto a SKU already
// in the cart merges the two lines.
func (p *plugin) cartUpdate(e *core.RequestEvent) error {
	var form struct {
		Quantity *int    `json:"quantity"`
		Sku      *string `json:"sku"`
		Selected *bool   `json:"selected"`
	}
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	if form.Quantity != nil && (*form.Quantity < 1 || *form.Quantity > MaxLineQuantity) {
		return errQuantity
	}
	if form.Sku != nil && !validId(*form.Sku) {
		return shop.FieldFail("sku", "invalid_id", "商品规格无效 / invalid sku")
	}

	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	var result *core.Record
	err = e.App.RunInTransaction(func(txApp core.App) error {
		item, err := ownCartItem(txApp, e.Auth.Id, id)
		if err != nil {
			return err
		}
		oldQty := item.GetInt("quantity")
		qty := oldQty
		if form.Quantity != nil {
			qty = *form.Quantity
		}
		if form.Selected != nil {
			item.Set("selected", *form.Selected)
		}

		target := item
		if form.Sku != nil && *form.Sku != item.GetString("sku") {
			oldInfo, err := lookupSku(txApp, item.GetString("sku"))
			if err != nil {
				return err
			}
			info, err := lookupSku(txApp, *form.Sku)
			if err != nil {
				return err
			}
			if info.ProductId != oldInfo.ProductId {
				return shop.FieldFail("sku", "sku_product_mismatch", "只能换成同一商品的其他规格 / the new sku must belong to the same product")
			}
			if !info.Listed() {
				return errOffShelf
			}
			if err := buyable(txApp, info, e.Auth); err != nil {
				return err
			}
			other, err := findCartLine(txApp, e.Auth.Id, info.SkuId)
			switch {
			case err == nil:
				// merge into the line that already holds the new SKU
				qty += other.GetInt("quantity")
				other.Set("selected", item.GetBool("selected"))
				if err := txApp.Delete(item); err != nil {
					return fmt.Errorf("merge cart lines: %w", err)
				}
				target = other
			case errors.Is(err, sql.ErrNoRows):
				item.Set("sku", info.SkuId)
			default:
				return fmt.Errorf("find cart line: %w", err)
			}
			if qty > MaxLineQuantity {
				return errQuantity
			}
			if qty > info.Stock {
				return insufficientStock(info.Stock)
			}
		} else if qty > oldQty {
			// note: lowering a quantity is always allowed, raising it needs stock
			info, err := lookupSku(txApp, item.GetString("sku"))
			if err != nil {
				return err
			}
			if !info.Listed() {
				return errOffShelf
			}
			if err := buyable(txApp, info, e.Auth); err != nil {
				return err
			}
			if qty > info.Stock {
				return insufficientStock(info.Stock)
			}
		}

		target.Set("quantity", qty)
		if err := txApp.Save(target); err != nil {
			return fmt.Errorf("save cart line: %w", err)
		}
		result = target
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, result)
}

// cartRemove handles DELETE /api/shop/cart/items/{id}.
func (p *plugin) cartRemove(e *core.RequestEvent) error {
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	err = e.App.RunInTransaction(func(txApp core.App) error {
		item, err := ownCartItem(txApp, e.Auth.Id, id)
		if err != nil {
			return err
		}
		return txApp.Delete(item)
	})
	if err != nil {
		return err
	}
	return e.NoContent(http.StatusNoContent)
}

// cartSelect handles POST /api/shop/cart/select {ids?, selected}: (de)selects
// the given lines, or all lines without ids. Unknown or foreign ids fail the
// whole request.
func (p *plugin) cartSelect(e *core.RequestEvent) error {
	var form struct {
		Ids      []string `json:"ids"`
		Selected *bool    `json:"selected"`
	}
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	if form.Selected == nil {
		return shop.FieldFail("selected", "required", "缺少 selected / selected is required")
	}
	for _, id := range form.Ids {
		if !validId(id) {
			return shop.FieldFail("ids", "invalid_id", "购物车商品无效 / invalid cart item id")
		}
	}

	err := e.App.RunInTransaction(func(txApp core.App) error {
		var items []*core.Record
		if form.Ids == nil {
			var err error
			if items, err = cartItems(txApp, e.Auth.Id); err != nil {
				return err
			}
		} else {
			seen := map[string]bool{}
			for _, id := range form.Ids {
				if seen[id] {
					continue
				}
				seen[id] = true
				item, err := ownCartItem(txApp, e.Auth.Id, id)
				if err != nil {
					return err
				}
				items = append(items, item)
			}
		}
		for _, item := range items {
			if item.GetBool("selected") == *form.Selected {
				continue
			}
			item.Set("selected", *form.Selected)
			if err := txApp.Save(item); err != nil {
				return fmt.Errorf("select cart line: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return p.cartView(e)
}

// ownCartItem returns the user's cart line with the given id; a line of
// another user is reported as not found.
func ownCartItem(app core.App, userId, id string) (*core.Record, error) {
	if !validId(id) {
		return nil, errCartItemNotFound
	}
	item, err := app.FindRecordById(cartCollection, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && item.GetString("user") != userId) {
		return nil, errCartItemNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find cart line: %w", err)
	}
	return item, nil
}

// buyable refuses a SKU the user's distributor level may not buy yet
// (level_required, not_yet_on_sale).
func buyable(app core.App, info *SkuInfo, user *core.Record) error {
	if err := viewerInfo(app, info, user); err != nil {
		return err
	}
	return accessError(info.Title, info.Verdict.Reason, info.BlockedNote)
}

// lookupSku returns one SKU with its product, or 404 sku_not_found.
func lookupSku(app core.App, skuId string) (*SkuInfo, error) {
	infos, err := LookupSkus(app, []string{skuId})
	if err != nil {
		return nil, err
	}
	info := infos[skuId]
	if info == nil {
		return nil, errSkuNotFound
	}
	return info, nil
}
