package orders

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/catalog"
	"fenxiao/hooks/shop"
	"fenxiao/internal/pricing"
)

// checkoutForm is the body of POST /api/shop/checkout. Prices are never
// read from the client: whatever it sends besides these fields is ignored.
type checkoutForm struct {
	// Items are the lines to buy; empty: the selected lines of the cart
	// (which are then removed from the cart).
	Items   []checkoutItem `json:"items"`
	Address string         `json:"address"`
	Note    string         `json:"note"`

	// Coupon is the buyer's choice of coupon, as for the cart: "" the best
	// usable one, "none", or the id of one of their coupons.
	Coupon string `json:"coupon"`

	// Offer is a special offer (a flash-sale item id) the one line of
	// Items is bought at, see [shop.OfferProvider].
	Offer string `json:"offer"`

	// Pay, when set, starts paying the new order at once, as
	// POST /api/shop/orders/{id}/pay would: one request instead of two,
	// and a balance payment done before the answer.
	Pay *payForm `json:"pay"`
}

type checkoutItem struct {
	Sku      string `json:"sku" db:"sku"`
	Quantity int    `json:"quantity" db:"quantity"`
}

// checkout handles POST /api/shop/checkout: it prices the lines on the
// server, then in one transaction takes the stock of every line
// (conditionally: one short line rolls everything back), creates the order
// and its lines and removes the bought lines from the cart.
//
// With a pay form it also starts paying the order, saving the client the
// pay request. A provider that pays at once (the balance) pays in the same
// transaction: the order is placed paid or not at all, and a short balance
// changes nothing. Any other provider is started once the order stands; a
// payment that cannot start (a provider down) is reported in the answer's
// payment.error, and the order waits to be paid as any other.
func (p *plugin) checkout(e *core.RequestEvent) error {
	form := checkoutForm{}
	if err := shop.BindBody(e, &form); err != nil {
		return err
	}
	var provider shop.PaymentProvider
	var payInTx func(txApp core.App, order *core.Record, items []*core.Record) error
	var started *startedPayment
	if form.Pay != nil {
		var err error
		if provider, err = p.payProvider(*form.Pay, "pay.method"); err != nil {
			return err
		}
		if paysAtOnce(provider) {
			payInTx = func(txApp core.App, order *core.Record, items []*core.Record) error {
				var err error
				started, err = p.payInTransaction(e, txApp, order, items, provider, form.Pay.Channel)
				return err
			}
		}
	}
	order, err := p.placeOrder(e.App, e.Auth, form, payInTx)
	if err != nil {
		return err
	}
	if provider == nil {
		return e.JSON(http.StatusOK, orderView(order))
	}
	if started == nil {
		started, err = p.startPayment(e, order, provider, form.Pay.Channel)
	}
	if err != nil {
		var shopErr *shop.Error
		if !asShopError(err, &shopErr) {
			e.App.Logger().Error("payment at checkout failed", "order", order.Id, "method", provider.Name(), "error", err.Error())
			shopErr = &shop.Error{Code: "payment_failed", Message: "支付未完成，请在订单中重新支付 / the payment did not go through, pay from the order"}
		}
		view := orderView(order)
		view["payment"] = map[string]any{
			"method": provider.Name(),
			"error":  map[string]any{"code": shopErr.Code, "message": shopErr.Message},
		}
		return e.JSON(http.StatusOK, view)
	}
	view := orderView(started.order)
	view["payment"] = map[string]any{
		"method":  started.method,
		"params":  started.params,
		"paid":    started.paid,
		"sandbox": started.sandbox,
	}
	return e.JSON(http.StatusOK, view)
}

// paysAtOnce reports whether provider pays in the shop's own database (the
// balance), so that a checkout can pay in its own transaction; the sandbox
// goes the way of [plugin.pay], as a test of that path.
func paysAtOnce(provider shop.PaymentProvider) bool {
	if sp, ok := provider.(SandboxProvider); ok && sp.Sandbox() {
		return false
	}
	ip, ok := provider.(shop.InstantProvider)
	return ok && ip.Instant()
}

// payInTransaction pays a new order with a provider that pays at once, in
// the transaction that placed it: what [plugin.startPayment] and
// [ApplyPayment] do in two, with the order and its lines as this
// transaction wrote them. Any refusal (a short balance) rolls the checkout
// back with it.
func (p *plugin) payInTransaction(e *core.RequestEvent, txApp core.App, order *core.Record, items []*core.Record, provider shop.PaymentProvider, channel string) (*startedPayment, error) {
	start, err := provider.Start(e.Request.Context(), txApp, payRequest(e, order, channel))
	if err != nil {
		return nil, err
	}
	if !start.Paid || start.Notice == nil {
		return nil, fmt.Errorf("provider %s did not pay at once", provider.Name())
	}
	start.Notice.Provider = provider.Name()
	result := &PaymentResult{}
	if err := applyPayment(txApp, start.Notice, false, order, items, result); err != nil {
		return nil, err
	}
	params := start.Params
	if params == nil {
		params = map[string]any{}
	}
	return &startedPayment{order: result.Order, method: provider.Name(), params: params, paid: !result.Unmatched}, nil
}

// orderView is the JSON answer describing an order.
func orderView(o *core.Record) map[string]any {
	return map[string]any{
		"id":              o.Id,
		"order_no":        o.GetString("order_no"),
		"status":          o.GetString("status"),
		"goods_amount":    o.GetInt("goods_amount"),
		"discount_amount": o.GetInt("discount_amount"),
		"shipping_fee":    o.GetInt("shipping_fee"),
		"payable":         o.GetInt("payable"),
		"refunded_amount": o.GetInt("refunded_amount"),
		"coupon":          o.GetString("coupon"),
		"coupon_amount":   o.GetInt("coupon_amount"),
		"offer_kind":      o.GetString("offer_kind"),
		"quantity":        o.GetInt("quantity"),
		"expires_at":      o.GetDateTime("expires_at"),
		"pay_method":      o.GetString("pay_method"),
		"sandbox":         o.GetBool("sandbox"),
	}
}

// entry is one SKU and quantity to buy.
type entry struct {
	sku      string
	quantity int
}

// placeOrder is the checkout: the lines, the address and the offer are
// checked, the lines priced, then the order is written in one transaction.
// pay, when not nil, pays the order in that transaction, given the order
// and the lines it was written with.
func (p *plugin) placeOrder(app core.App, buyer *core.Record, form checkoutForm, pay func(txApp core.App, order *core.Record, items []*core.Record) error) (*core.Record, error) {
	if len([]rune(form.Note)) > 200 {
		return nil, shop.FieldFail("note", "note_too_long", "备注最多200字 / the note is at most 200 characters")
	}
	entries, fromCart, err := p.checkoutEntries(app, buyer, form.Items)
	if err != nil {
		return nil, err
	}
	address, err := buyerAddress(app, buyer.Id, form.Address)
	if err != nil {
		return nil, err
	}
	offer, offers, err := p.checkoutOffer(app, buyer, form.Offer, entries, fromCart)
	if err != nil {
		return nil, err
	}
	cart, gifts, err := p.priceCheckout(app, buyer, entries, address, form.Coupon, offer)
	if err != nil {
		return nil, err
	}
	order, err := newOrder(app, buyer, form, cart, address, offer)
	if err != nil {
		return nil, err
	}
	itemsCol, err := app.FindCachedCollectionByNameOrId(itemsCollection)
	if err != nil {
		return nil, err
	}
	// note: the order's lines are built here, the transaction (on the
	// shop's one writer) only saves them
	lines := newOrderLines(app, itemsCol, order, cart.Lines)
	giftLines := newGiftLines(app, itemsCol, order, cart.Gifts, gifts)

	// note: fn may run more than once (see [shop.Shop.RunInTransaction]),
	// and paying changes the order (and maybe its lines) in memory, so each
	// run starts from the records as built
	var built []builtRecord
	if pay != nil {
		records := append([]*core.Record{order}, lines...)
		for _, g := range giftLines {
			records = append(records, g.item)
		}
		built = snapshot(records)
	}
	err = p.shop.RunInTransaction(app, func(txApp core.App) error {
		restore(built)
		if offer != nil {
			if err := offers.Take(txApp, order, form.Offer, entries[0].sku, entries[0].quantity); err != nil {
				return err
			}
		}
		if err := takeStock(txApp, cart.Lines); err != nil {
			return err
		}
		if err := saveBuilt(txApp, order); err != nil {
			return err
		}
		if err := p.redeemCoupon(txApp, order, cart); err != nil {
			return err
		}
		for _, item := range lines {
			if err := saveBuilt(txApp, item); err != nil {
				return err
			}
		}
		if err := saveGiftLines(txApp, giftLines); err != nil {
			return err
		}
		if fromCart {
			if err := clearBoughtCartLines(txApp, buyer.Id, entries); err != nil {
				return err
			}
		}
		if pay != nil {
			return pay(txApp, order, writtenLines(lines, giftLines))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return order, nil
}

// checkoutOffer prepares the special offer a checkout asks for (nil when
// none): it is bought alone, one line, not from the cart.
func (p *plugin) checkoutOffer(app core.App, buyer *core.Record, offerId string, entries []entry, fromCart bool) (*shop.Offer, shop.OfferProvider, error) {
	if offerId == "" {
		return nil, nil, nil
	}
	offers := p.shop.Offers()
	if offers == nil {
		return nil, nil, shop.FieldFail("offer", "offer_unavailable", "活动不存在 / no such offer")
	}
	if fromCart || len(entries) != 1 {
		return nil, nil, shop.FieldFail("items", "offer_single_line", "活动商品需单独下单 / an offer is bought alone, one line per order")
	}
	offer, err := offers.Prepare(app, buyer, offerId, entries[0].sku, entries[0].quantity)
	if err != nil {
		return nil, nil, err
	}
	return offer, offers, nil
}

// priceCheckout prices the lines as the cart does and refuses a missing,
// delisted or sold-out line; it also looks up the SKUs of the gifts.
//
// note: prices are read outside the transaction to keep it short; the
// stock, the only thing that can run out under us, is taken conditionally
// inside it. The cart view prices through the same catalog.Price.
func (p *plugin) priceCheckout(app core.App, buyer *core.Record, entries []entry, address *core.Record, coupon string, offer *shop.Offer) (pricing.Cart, map[string]*catalog.SkuInfo, error) {
	priced := make([]catalog.Entry, len(entries))
	for i, en := range entries {
		priced[i] = catalog.Entry{Id: en.sku, Sku: en.sku, Quantity: en.quantity, Selected: true}
	}
	cart, infos, err := catalog.Price(app, p.shop, catalog.PriceRequest{
		User: buyer, Entries: priced, Address: address, Coupon: coupon, Offer: offer,
	})
	if err != nil {
		return cart, nil, err
	}
	for i, en := range entries {
		if infos[en.sku] == nil {
			return cart, nil, shop.Fail(http.StatusNotFound, "sku_not_found",
				fmt.Sprintf("第%d件商品不存在 / line %d: SKU not found", i+1, i+1))
		}
	}
	for _, l := range cart.Lines {
		if l.InTotal {
			continue
		}
		if err := catalog.LineError(l); err != nil {
			return cart, nil, err
		}
		if l.Status == pricing.StatusOffShelf {
			return cart, nil, shop.Fail(http.StatusConflict, "product_off_shelf",
				fmt.Sprintf("「%s」已下架 / %s is off the shelf", l.Title, l.Title))
		}
		return cart, nil, errOutOfStock(l.Title)
	}
	if len(cart.Gifts) == 0 {
		return cart, nil, nil
	}
	giftIds := make([]string, len(cart.Gifts))
	for i, g := range cart.Gifts {
		giftIds[i] = g.SkuId
	}
	gifts, err := catalog.LookupSkus(app, giftIds)
	return cart, gifts, err
}

func errOutOfStock(title string) error {
	return shop.Fail(http.StatusConflict, "out_of_stock",
		fmt.Sprintf("「%s」库存不足 / %s: not enough stock", title, title))
}

// newOrder builds the unsaved order of a priced cart, due for payment
// within the shop's auto_cancel_minutes (or the offer's own limit).
func newOrder(app core.App, buyer *core.Record, form checkoutForm, cart pricing.Cart, address *core.Record, offer *shop.Offer) (*core.Record, error) {
	settings, err := shop.ReadSettings(app)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	cancelAfter := time.Duration(settings.AutoCancelMinutes) * time.Minute
	if cancelAfter <= 0 {
		cancelAfter = 30 * time.Minute
	}
	if offer != nil && offer.PayWithin > 0 {
		cancelAfter = offer.PayWithin
	}
	ordersCol, err := app.FindCachedCollectionByNameOrId(ordersCollection)
	if err != nil {
		return nil, err
	}

	order := shop.NewRecord(ordersCol)
	// note: the id is known before the transaction, so an offer's stock
	// can be taken for the order before the SKU's
	order.Id = shop.NewId()
	order.Set("order_no", newOrderNo(now))
	order.Set("buyer", buyer.Id)
	order.Set("status", StatusPendingPayment)
	order.Set("goods_amount", cart.Goods)
	order.Set("discount_amount", cart.Discount)
	order.Set("shipping_fee", cart.Shipping)
	order.Set("payable", cart.Total)
	order.Set("quantity", cart.Quantity)
	order.Set("address", addressSnapshot(address))
	if len(cart.Applied) > 0 {
		order.Set("promotions", cart.Applied)
	}
	if offer != nil {
		order.Set("offer_kind", offer.Kind)
		order.Set("offer", form.Offer)
		order.Set("no_commission", offer.NoCommission)
	}
	if cart.Coupon != nil {
		order.Set("coupon", cart.Coupon.Id)
		order.Set("coupon_amount", cart.CouponDiscount)
	}
	order.Set("buyer_note", strings.TrimSpace(form.Note))
	expires, _ := types.ParseDateTime(now.Add(cancelAfter))
	order.Set("expires_at", expires)
	return order, nil
}

// takeStock takes every line's units with a conditional update; one short
// line fails the whole checkout.
func takeStock(txApp core.App, lines []pricing.PricedLine) error {
	for _, l := range lines {
		if err := catalog.DecrementStock(txApp, l.SkuId, l.Quantity); err != nil {
			if errors.Is(err, catalog.ErrOutOfStock) {
				return errOutOfStock(l.Title)
			}
			return err
		}
	}
	return nil
}

// redeemCoupon uses up the coupon the cart was priced with.
//
// note: the provider that quoted the coupon redeems it; its conditional
// update refuses a coupon a concurrent order took
func (p *plugin) redeemCoupon(txApp core.App, order *core.Record, cart pricing.Cart) error {
	if cart.Coupon == nil {
		return nil
	}
	coupons := p.shop.Coupons()
	if coupons == nil {
		return shop.Fail(http.StatusServiceUnavailable, "coupons_unavailable", "优惠券暂不可用 / coupons are unavailable")
	}
	return coupons.Redeem(txApp, order, cart.Coupon)
}

// newOrderLines builds the order's priced lines.
func newOrderLines(app core.App, itemsCol *core.Collection, order *core.Record, lines []pricing.PricedLine) []*core.Record {
	items := make([]*core.Record, len(lines))
	for i, l := range lines {
		item := shop.NewRecord(itemsCol)
		item.Set("order", order.Id)
		item.Set("buyer", order.GetString("buyer"))
		item.Set("product", l.ProductId)
		item.Set("sku", l.SkuId)
		item.Set("title", l.Title)
		item.Set("spec_text", l.SpecText)
		item.Set("image", catalog.ImageURL(app, l.ProductId, l.Image, ""))
		item.Set("unit_price", l.UnitPrice)
		item.Set("quantity", l.Quantity)
		item.Set("line_amount", l.Amount)
		item.Set("discount_amount", l.Discount)
		item.Set("paid_amount", l.Paid)
		item.Set("coupon_amount", l.CouponDiscount)
		items[i] = item
	}
	return items
}

// giftLine is a free line of a promotion's gift, saved if its stock is
// still there.
type giftLine struct {
	item     *core.Record
	sku      string
	quantity int
}

// newGiftLines builds the free lines of the promotions' gifts.
func newGiftLines(app core.App, itemsCol *core.Collection, order *core.Record, list []pricing.Gift, gifts map[string]*catalog.SkuInfo) []giftLine {
	var out []giftLine
	for _, g := range list {
		info := gifts[g.SkuId]
		if info == nil || g.Quantity <= 0 {
			continue
		}
		item := shop.NewRecord(itemsCol)
		item.Set("order", order.Id)
		item.Set("buyer", order.GetString("buyer"))
		item.Set("product", info.ProductId)
		item.Set("sku", info.SkuId)
		item.Set("title", info.Title)
		item.Set("spec_text", strings.TrimSpace(info.SpecText+" "+g.Label))
		item.Set("image", catalog.ImageURL(app, info.ProductId, info.Image, ""))
		item.Set("quantity", g.Quantity)
		item.Set("is_gift", true)
		out = append(out, giftLine{item: item, sku: g.SkuId, quantity: g.Quantity})
	}
	return out
}

// builtRecord is a record's field values as a checkout built it.
type builtRecord struct {
	record *core.Record
	fields map[string]any
}

func snapshot(records []*core.Record) []builtRecord {
	out := make([]builtRecord, len(records))
	for i, r := range records {
		out[i] = builtRecord{record: r, fields: r.FieldsData()}
	}
	return out
}

func restore(built []builtRecord) {
	for _, b := range built {
		for k, v := range b.fields {
			b.record.SetRaw(k, v)
		}
	}
}

// writtenLines are an order's lines as its checkout wrote them: the priced
// lines, then the gifts whose stock was still there.
func writtenLines(lines []*core.Record, gifts []giftLine) []*core.Record {
	out := append(make([]*core.Record, 0, len(lines)+len(gifts)), lines...)
	for _, g := range gifts {
		if !g.item.IsNew() {
			out = append(out, g.item)
		}
	}
	return out
}

// saveGiftLines takes the stock of the promotions' gifts and writes them
// as free lines.
func saveGiftLines(txApp core.App, lines []giftLine) error {
	for _, g := range lines {
		// note: a gift that ran out since pricing is left out, not the order
		if err := catalog.DecrementStock(txApp, g.sku, g.quantity); err != nil {
			if errors.Is(err, catalog.ErrOutOfStock) {
				continue
			}
			return err
		}
		if err := saveBuilt(txApp, g.item); err != nil {
			return err
		}
	}
	return nil
}

// clearBoughtCartLines removes the bought SKUs from the buyer's cart.
func clearBoughtCartLines(txApp core.App, buyerId string, entries []entry) error {
	skus := make([]any, len(entries))
	for i, en := range entries {
		skus[i] = en.sku
	}
	_, err := txApp.DB().Delete(cartCollection, dbx.And(
		dbx.HashExp{"user": buyerId}, dbx.In("sku", skus...))).Execute()
	if err != nil {
		return fmt.Errorf("clear bought cart lines: %w", err)
	}
	return nil
}

// checkoutEntries validates the requested lines, or reads the cart's
// selected lines when none are given (fromCart).
func (p *plugin) checkoutEntries(app core.App, buyer *core.Record, items []checkoutItem) (entries []entry, fromCart bool, err error) {
	if len(items) == 0 {
		// note: the cart view's order (newest first, shop.SortByCreated),
		// so the order's lines are listed as the buyer saw them; the
		// columns a line needs are read straight into rows, no records
		type row struct {
			checkoutItem
			Id      string `db:"id"`
			Created string `db:"created"`
		}
		var rows []row
		err := shop.ScanRows(app, func(scan func(...any) error) error {
			var r row
			if err := scan(&r.Id, &r.Sku, &r.Quantity, &r.Created); err != nil {
				return err
			}
			rows = append(rows, r)
			return nil
		}, "SELECT `id`, `sku`, `quantity`, `created` FROM `"+cartCollection+"` WHERE `user` = ? AND `selected` = ?", buyer.Id, true)
		if err != nil {
			return nil, false, fmt.Errorf("load cart: %w", err)
		}
		slices.SortFunc(rows, func(a, b row) int { return shop.CompareCreated(a.Created, a.Id, b.Created, b.Id, true) })
		for _, r := range rows {
			items = append(items, r.checkoutItem)
		}
		if len(items) == 0 {
			return nil, false, shop.FieldFail("items", "cart_empty", "购物车没有选中的商品 / nothing selected in the cart")
		}
		fromCart = true
	}
	if len(items) > p.config.MaxLines {
		return nil, false, shop.FieldFail("items", "too_many_lines",
			fmt.Sprintf("一个订单最多%d种商品 / at most %d lines per order", p.config.MaxLines, p.config.MaxLines))
	}
	index := map[string]int{}
	for i, it := range items {
		if !validId(it.Sku) {
			return nil, false, shop.FieldFail("items", "invalid_sku", fmt.Sprintf("第%d行商品无效 / line %d: invalid sku", i+1, i+1))
		}
		if it.Quantity < 1 || it.Quantity > 999 {
			return nil, false, shop.FieldFail("items", "invalid_quantity",
				fmt.Sprintf("第%d行数量必须在1到999之间 / line %d: quantity must be 1..999", i+1, i+1))
		}
		if k, dup := index[it.Sku]; dup {
			entries[k].quantity += it.Quantity
			if entries[k].quantity > 999 {
				return nil, false, shop.FieldFail("items", "invalid_quantity", "数量不能超过999 / quantity above 999")
			}
			continue
		}
		index[it.Sku] = len(entries)
		entries = append(entries, entry{sku: it.Sku, quantity: it.Quantity})
	}
	return entries, fromCart, nil
}

// buyerAddress returns the buyer's address with the given id.
func buyerAddress(app core.App, buyerId, id string) (*core.Record, error) {
	if id == "" {
		return nil, shop.FieldFail("address", "address_required", "请选择收货地址 / choose a delivery address")
	}
	notFound := shop.Fail(http.StatusNotFound, "address_not_found", "收货地址不存在 / address not found")
	if !validId(id) {
		return nil, notFound
	}
	a, err := shop.FindRecordById(app, addressesCollection, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && a.GetString("user") != buyerId) {
		return nil, notFound
	}
	return a, err
}

// addressSnapshot is what the order keeps of the delivery address.
func addressSnapshot(a *core.Record) json.RawMessage {
	raw, _ := json.Marshal(map[string]string{
		"name":     a.GetString("name"),
		"phone":    a.GetString("phone"),
		"province": a.GetString("province"),
		"city":     a.GetString("city"),
		"district": a.GetString("district"),
		"detail":   a.GetString("detail"),
		"postcode": a.GetString("postcode"),
	})
	return raw
}
