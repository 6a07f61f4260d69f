package orders

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/catalog"
	"fenxiao/hooks/shop"
)

var errGiftNoAddress = shop.Fail(http.StatusConflict, "gift_no_address",
	"获奖人没有收货地址，无法寄送礼品 / the winner has no delivery address")

// PlaceGiftOrder creates, inside txApp, an order of one gift SKU at zero
// price for g.UserId (see [shop.GiftOrder]): status paid, pay_method gift,
// no payment, the line marked is_gift, the SKU's stock taken conditionally
// and its sales counted. It ships from the console's ship queue like any
// paid order. It fires no OnOrderPaid: a gift is not a purchase, so it
// earns no commission or bounty and does not count as a paid order.
//
// It is what the orders core sets as [shop.Shop.SetGiftOrders].
func PlaceGiftOrder(txApp core.App, g shop.GiftOrder) (*core.Record, error) {
	if !txApp.IsTransactional() {
		return nil, errors.New("orders: PlaceGiftOrder must be called with a transaction's app")
	}
	if g.Quantity <= 0 {
		g.Quantity = 1
	}
	address, err := defaultAddress(txApp, g.UserId)
	if err != nil {
		return nil, err
	}
	infos, err := catalog.LookupSkus(txApp, []string{g.SkuId})
	if err != nil {
		return nil, err
	}
	info := infos[g.SkuId]
	if info == nil {
		return nil, shop.Fail(http.StatusNotFound, "sku_not_found", "礼品规格不存在 / gift SKU not found")
	}
	if err := catalog.DecrementStock(txApp, info.SkuId, g.Quantity); err != nil {
		return nil, err
	}
	if err := catalog.AddSales(txApp, info.ProductId, g.Quantity); err != nil {
		return nil, err
	}

	ordersCol, err := txApp.FindCachedCollectionByNameOrId(ordersCollection)
	if err != nil {
		return nil, err
	}
	itemsCol, err := txApp.FindCachedCollectionByNameOrId(itemsCollection)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	order := core.NewRecord(ordersCol)
	order.Set("order_no", newOrderNo(now))
	order.Set("buyer", g.UserId)
	order.Set("status", StatusPaid)
	order.Set("quantity", g.Quantity)
	order.Set("address", addressSnapshot(address))
	order.Set("pay_method", shop.PayMethodGift)
	order.Set("paid_at", nowDate())
	order.Set("buyer_note", truncate(strings.TrimSpace(g.Note), 200))
	if err := saveBuilt(txApp, order); err != nil {
		return nil, fmt.Errorf("save gift order: %w", err)
	}
	item := core.NewRecord(itemsCol)
	item.Set("order", order.Id)
	item.Set("buyer", g.UserId)
	item.Set("product", info.ProductId)
	item.Set("sku", info.SkuId)
	item.Set("title", info.Title)
	item.Set("spec_text", info.SpecText)
	item.Set("image", catalog.ImageURL(txApp, info.ProductId, info.Image, ""))
	item.Set("quantity", g.Quantity)
	item.Set("is_gift", true)
	if err := saveBuilt(txApp, item); err != nil {
		return nil, fmt.Errorf("save gift order line: %w", err)
	}
	return order, nil
}

// defaultAddress returns the user's default address, or their latest one.
func defaultAddress(app core.App, userId string) (*core.Record, error) {
	a := &core.Record{}
	err := app.RecordQuery(addressesCollection).
		AndWhere(dbx.HashExp{"user": userId}).
		OrderBy("is_default DESC", "created DESC", "id").
		Limit(1).
		One(a)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errGiftNoAddress
	}
	if err != nil {
		return nil, fmt.Errorf("find address of %s: %w", userId, err)
	}
	return a, nil
}
