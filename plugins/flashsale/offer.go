package flashsale

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

var (
	errItemNotFound = shop.Fail(http.StatusNotFound, "flash_item_not_found", "秒杀商品不存在 / flash-sale item not found")
	errSkuMismatch  = shop.FieldFail("items", "flash_sku_mismatch", "所选规格不在本场秒杀中 / this SKU is not on flash sale")
	errNotStarted   = shop.Fail(http.StatusConflict, "flash_not_started", "秒杀尚未开始 / the flash sale has not started")
	errEnded        = shop.Fail(http.StatusConflict, "flash_ended", "秒杀已结束 / the flash sale has ended")
	errSoldOut      = shop.Fail(http.StatusConflict, "flash_sold_out", "已抢光 / sold out")
	errOffShelf     = shop.Fail(http.StatusConflict, "product_off_shelf", "商品已下架 / product is off the shelf")
)

func errLimit(limit int) error {
	return shop.Fail(http.StatusConflict, "flash_limit_reached",
		fmt.Sprintf("每人限购%d件 / at most %d per buyer", limit, limit))
}

// live returns the item and its session when the session is on at now.
func (p *plugin) live(app core.App, ref string) (*core.Record, *core.Record, error) {
	if ref == "" || len(ref) > 32 {
		return nil, nil, errItemNotFound
	}
	item, err := app.FindRecordById(itemsCollection, ref)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errItemNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	session, err := app.FindRecordById(sessionsCollection, item.GetString("session"))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !session.GetBool("active")) {
		return nil, nil, errItemNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	now := p.now()
	switch {
	case now.Before(session.GetDateTime("starts_at").Time()):
		return nil, nil, errNotStarted
	case !now.Before(session.GetDateTime("ends_at").Time()):
		return nil, nil, errEnded
	}
	return item, session, nil
}

// bought returns the units a buyer holds of an item in live orders.
func bought(app core.App, itemId, userId string) (int, error) {
	var n int
	err := app.DB().Select("coalesce(sum(quantity), 0)").From(ordersCollection).
		Where(dbx.HashExp{"item": itemId, "user": userId, "status": "live"}).Row(&n)
	return n, err
}

// Prepare implements [shop.OfferProvider].
func (p *plugin) Prepare(app core.App, buyer *core.Record, ref, sku string, qty int) (*shop.Offer, error) {
	item, session, err := p.live(app, ref)
	if err != nil {
		return nil, err
	}
	if item.GetString("sku") != sku {
		return nil, errSkuMismatch
	}
	left := item.GetInt("stock") - item.GetInt("sold")
	if left <= 0 {
		return nil, errSoldOut
	}
	if limit := item.GetInt("per_user_limit"); limit > 0 {
		n, err := bought(app, item.Id, buyer.Id)
		if err != nil {
			return nil, err
		}
		if n+qty > limit {
			return nil, errLimit(limit)
		}
	}
	// note: the normal stock reserved for the sale may have delisted the
	// product as sold out; anything else off the shelf stays unsold
	product, err := app.FindRecordById(productsCollection, item.GetString("product"))
	if err != nil {
		return nil, errOffShelf
	}
	if product.GetString("status") != "on" && product.GetString("off_reason") != "sold_out" {
		return nil, errOffShelf
	}
	payWithin := time.Duration(session.GetInt("pay_minutes")) * time.Minute
	if payWithin <= 0 {
		payWithin = DefaultPayWithin
	}
	return &shop.Offer{
		Kind:         Kind,
		UnitPrice:    int64(item.GetInt("flash_price")),
		Stock:        left,
		OnShelf:      true,
		NoPromotions: !session.GetBool("allow_promotions"),
		NoCoupon:     !session.GetBool("allow_coupons"),
		NoCommission: !session.GetBool("commission"),
		PayWithin:    payWithin,
	}, nil
}

// Take implements [shop.OfferProvider]: inside the checkout transaction it
// checks the slot and the buyer's limit again, raises sold conditionally,
// hands the units to the SKU's stock for the core to take, and records the
// flash order.
func (p *plugin) Take(txApp core.App, order *core.Record, ref, sku string, qty int) error {
	item, _, err := p.live(txApp, ref)
	if err != nil {
		return err
	}
	if item.GetString("sku") != sku {
		return errSkuMismatch
	}
	buyer := order.GetString("buyer")
	if limit := item.GetInt("per_user_limit"); limit > 0 {
		n, err := bought(txApp, item.Id, buyer)
		if err != nil {
			return err
		}
		if n+qty > limit {
			return errLimit(limit)
		}
	}
	res, err := txApp.DB().NewQuery("UPDATE {{" + itemsCollection + "}} SET [[sold]] = [[sold]] + {:q} " +
		"WHERE [[id]] = {:id} AND [[sold]] + {:q} <= [[stock]]").
		Bind(dbx.Params{"id": item.Id, "q": qty}).Execute()
	if err != nil {
		return fmt.Errorf("take flash stock: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errSoldOut
	}
	if err := moveSkuStock(txApp, sku, qty); err != nil {
		return err
	}
	col, err := txApp.FindCachedCollectionByNameOrId(ordersCollection)
	if err != nil {
		return err
	}
	fo := core.NewRecord(col)
	fo.Set("item", item.Id)
	fo.Set("user", buyer)
	fo.Set("order", order.Id)
	fo.Set("quantity", qty)
	fo.Set("status", "live")
	return txApp.Save(fo)
}

// onOrderCancelled gives a cancelled flash order's units back to the flash
// stock (the core returned them to the SKU in the same transaction): while
// the slot's stock is not released they are reserved again, after that
// they stay in the SKU's normal stock.
func (p *plugin) onOrderCancelled(e *shop.OrderEvent) error {
	if e.Order.GetString("offer_kind") != Kind {
		return e.Next()
	}
	fo, err := e.App.FindFirstRecordByFilter(ordersCollection, "order = {:o} && status = 'live'", dbx.Params{"o": e.Order.Id})
	if errors.Is(err, sql.ErrNoRows) {
		return e.Next() // replayed
	}
	if err != nil {
		return err
	}
	fo.Set("status", "cancelled")
	if err := e.App.Save(fo); err != nil {
		return err
	}
	q := fo.GetInt("quantity")
	item, err := e.App.FindRecordById(itemsCollection, fo.GetString("item"))
	if err != nil {
		return err
	}
	session, err := e.App.FindRecordById(sessionsCollection, item.GetString("session"))
	if err != nil {
		return err
	}
	reserve := !session.GetBool("released")
	if reserve {
		if err := moveSkuStock(e.App, item.GetString("sku"), -q); errors.Is(err, errSkuShort) {
			reserve = false
		} else if err != nil {
			return err
		}
	}
	set := "[[sold]] = [[sold]] - {:q}"
	if !reserve {
		set += ", [[stock]] = [[stock]] - {:q}"
	}
	_, err = e.App.DB().NewQuery("UPDATE {{" + itemsCollection + "}} SET " + set + " WHERE [[id]] = {:id} AND [[sold]] >= {:q}").
		Bind(dbx.Params{"id": item.Id, "q": q}).Execute()
	if err != nil {
		return fmt.Errorf("return flash stock: %w", err)
	}
	return e.Next()
}
